/**
 * The dynamic nginx modules `proxy/nginx/preview.conf.template` needs, and where a given nginx keeps
 * them. The template is an http-context file, so it cannot load modules itself (`load_module` is a
 * main-context directive): Debian's packages enable theirs through `/etc/nginx/modules-enabled/`, and the
 * unprivileged nginx of the demo and the tests (`local/nginx.ts`) loads them by absolute path.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { NginxModuleNotFoundError } from './errors.js';

/** A dynamic module the template uses. */
export interface NginxModule {
  /** The module's name in its configure flag, e.g. `headers-more-nginx-module` (`--add-module=…/NAME`). */
  readonly name: string;
  /** Its shared object in nginx's modules directory. */
  readonly file: string;
  /** The Debian/Ubuntu package that ships it for the distribution's nginx. */
  readonly debianPackage: string;
  /** What the template uses it for. */
  readonly usedFor: string;
}

/**
 * headers-more (OpenResty's `headers-more-nginx-module`, Debian `libnginx-mod-http-headers-more-filter`):
 * `more_clear_headers 'x-amz-*'` hides every S3 header, user metadata (`x-amz-meta-*`) included, which
 * `proxy_hide_header` cannot (exact names only, nginx 1.22); `more_set_headers` sets `Content-Type`,
 * `Content-Disposition` and `X-Content-Type-Options` on every answer, error pages included.
 */
export const HEADERS_MORE_MODULE: NginxModule = Object.freeze({
  name: 'headers-more-nginx-module',
  file: 'ngx_http_headers_more_filter_module.so',
  debianPackage: 'libnginx-mod-http-headers-more-filter',
  usedFor: 'more_clear_headers / more_set_headers',
});

/** Every module the template needs. */
export const NGINX_REQUIRED_MODULES: readonly NginxModule[] = Object.freeze([HEADERS_MORE_MODULE]);

/** What `nginx -V` says about a build. */
export interface NginxBuild {
  /** e.g. `1.22.1`. */
  readonly version: string;
  /** Where `load_module` looks for relative paths: `--modules-path`, else `<--prefix>/modules`. */
  readonly modulesDirectory: string;
  /** Names of the modules compiled in with `--add-module=` (the last path segment of each). */
  readonly staticModules: readonly string[];
}

/** nginx's compiled-in prefix when `--prefix` is not given (nginx's `auto/options`). */
const DEFAULT_NGINX_PREFIX = '/usr/local/nginx';

/** Parses the output of `nginx -V` (which nginx prints on stderr). */
export function parseNginxBuild(output: string): NginxBuild {
  const version = /nginx version: [^/\s]+\/(\S+)/.exec(output)?.[1] ?? 'unknown';
  const configure = /configure arguments:(.*)/.exec(output)?.[1] ?? '';
  const flag = (name: string): string | undefined =>
    new RegExp(`(?:^|\\s)--${name}=(\\S+)`).exec(configure)?.[1]?.replace(/^['"]|['"]$/g, '');
  const prefix = flag('prefix') ?? DEFAULT_NGINX_PREFIX;
  const staticModules = [...configure.matchAll(/--add-module=(\S+)/g)].map(
    (match) => match[1]!.replace(/\/+$/, '').split('/').at(-1)!,
  );
  return { version, modulesDirectory: flag('modules-path') ?? join(prefix, 'modules'), staticModules };
}


/**
 * The absolute paths of the shared objects to `load_module` so that `nginxPath` can run the template:
 * none for a module compiled in, else `<modules directory>/<file>`.
 *
 * @throws {NginxModuleNotFoundError} a module is missing.
 * @throws {Error} `nginx -V` cannot be run.
 */
export function nginxModulePaths(nginxPath: string, modules: readonly NginxModule[] = NGINX_REQUIRED_MODULES): string[] {
  const result = spawnSync(nginxPath, ['-V'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(`could not run ${nginxPath} -V: ${result.error?.message ?? result.stderr.trim()}`);
  }
  const build = parseNginxBuild(`${result.stdout}${result.stderr}`);
  const paths: string[] = [];
  for (const module of modules) {
    if (build.staticModules.includes(module.name)) continue;
    const path = join(build.modulesDirectory, module.file);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new NginxModuleNotFoundError(module, nginxPath, build.modulesDirectory);
    }
    paths.push(path);
  }
  return paths;
}
