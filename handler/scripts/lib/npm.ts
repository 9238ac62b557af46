/** Running the npm CLI from a script, isolated from the workspace that launched it. */
import { spawn } from 'node:child_process';
import { CliError } from './cli.js';
import { inheritedEnvironment, npmExecPath } from './env.js';

/**
 * Variables `npm run` exports that describe the *calling* project (its prefix, workspace selection,
 * package.json fields). Passed on, they could make a nested `npm install` act on the workspace root.
 * Settings such as the registry, cache or proxy (`npm_config_registry`, ...) are kept.
 */
const CALLER_VARIABLES = [
  /^npm_package_/,
  /^npm_lifecycle_/,
  /^npm_command$/,
  /^npm_config_(local_prefix|prefix|global|location|workspaces?|include_workspace_root|omit|include)$/i,
];

/** The current environment minus the variables that tie npm to the calling project. */
export function isolatedNpmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(inheritedEnvironment())) {
    if (!CALLER_VARIABLES.some((pattern) => pattern.test(name))) env[name] = value;
  }
  return env;
}

/** The command that runs npm: the same npm that runs this script when there is one, else `npm` on PATH. */
function npmCommand(): { file: string; prefixArgs: string[] } {
  const execPath = npmExecPath();
  if (execPath?.endsWith('.js') || execPath?.endsWith('.cjs')) {
    return { file: process.execPath, prefixArgs: [execPath] };
  }
  return { file: process.platform === 'win32' ? 'npm.cmd' : 'npm', prefixArgs: [] };
}

/** Runs `npm <args>` in `cwd` with inherited output; rejects with a {@link CliError} on failure. */
export async function runNpm(args: readonly string[], cwd: string): Promise<void> {
  const { file, prefixArgs } = npmCommand();
  const child = spawn(file, [...prefixArgs, ...args], {
    cwd,
    env: isolatedNpmEnv(),
    stdio: 'inherit',
    shell: process.platform === 'win32' && file.endsWith('.cmd'),
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new CliError(`npm ${args.join(' ')} failed in ${cwd} (exit code ${code})`);
}
