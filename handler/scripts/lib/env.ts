/**
 * What the build scripts take from their environment, read in one place: the directory `npm run` was
 * typed in, the npm that runs them, and the environment handed on to a nested `npm install`.
 */

/** The directory the user ran `npm run …` from (npm starts scripts in the package root). */
export function invocationDirectory(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

/** The JavaScript entry of the npm running this script, when npm runs it. */
export function npmExecPath(): string | undefined {
  return process.env.npm_execpath;
}

/** This process's environment, read-only. */
export function inheritedEnvironment(): Readonly<NodeJS.ProcessEnv> {
  return process.env;
}
