/**
 * nginx in front of S3 and the preview proxy, for the demo (`npm start`), the end-to-end tests and the
 * proxy benchmark: renders `proxy/nginx/preview.conf.template` and runs an unprivileged nginx with its own
 * prefix directory (`nginx -p DIR`, `daemon off`, pid, logs and temp files under DIR). Nothing outside DIR
 * is read or written: the system's `/etc/nginx` and any system nginx are left alone.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { type NginxConfigOptions, renderNginxConfig } from '@preview-lambda/proxy/nginx/render';
import { NginxNotFoundError, PortInUseError, StaleNginxError } from './errors.js';
import { findExecutable } from './executables.js';
import { nginxModulePaths } from './nginx-modules.js';

/** Options of {@link renderMainConfig}. */
export interface MainConfigOptions {
  /** `worker_processes`. Default 1. */
  readonly workerProcesses?: number | 'auto';
  /** `worker_connections`. Default 1024. */
  readonly workerConnections?: number;
  /** The http-context file to include, relative to the `conf/` directory. Default `preview.conf`. */
  readonly include?: string;
  /**
   * Absolute paths of dynamic modules to load (`load_module`), e.g. headers-more's shared object.
   * Default none; {@link startNginx} passes what {@link nginxModulePaths} finds.
   */
  readonly loadModules?: readonly string[];
}

/**
 * The main configuration of an unprivileged nginx run with `-p PREFIX -c conf/nginx.conf`: in the
 * foreground, with its pid, logs and temporary files under the prefix (relative paths), so it needs no
 * write access anywhere else and never touches `/etc/nginx`, `/run` or `/var/lib/nginx`.
 */
export function renderMainConfig(options: MainConfigOptions = {}): string {
  const workers = options.workerProcesses ?? 1;
  const connections = options.workerConnections ?? 1024;
  const include = options.include ?? 'preview.conf';
  const modules = (options.loadModules ?? []).map((path) => `load_module ${path};\n`).join('');
  return `# Written by local/nginx.ts for an nginx started as: nginx -p <this prefix> -c conf/nginx.conf
# Everything it writes stays under the prefix; the system configuration (/etc/nginx) is not read.

${modules === '' ? '' : `# The dynamic modules preview.conf needs (local/nginx-modules.ts).\n${modules}\n`}# In the foreground: the process that started nginx owns it and stops it (SIGQUIT, then SIGTERM).
daemon off;
worker_processes ${workers};
# Relative paths are under the prefix (-p).
pid logs/nginx.pid;
lock_file logs/nginx.lock;
error_log logs/error.log warn;

events {
    worker_connections ${connections};
}

http {
    # Temporary files under the prefix instead of the compiled-in /var/lib/nginx.
    client_body_temp_path temp/client_body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    default_type application/octet-stream;

    # Relative to the directory of this file.
    include ${include};
}
`;
}

/** Options of {@link findNginx}. */
export interface FindNginxOptions {
  /** An explicit executable: used when executable, else nothing is found. Default `process.env.NGINX_BIN`. */
  readonly explicit?: string;
  /** The `PATH` to search. Default `process.env.PATH`. */
  readonly path?: string;
  /** Directories searched after `PATH`. Default `/usr/sbin`, `/usr/local/sbin`, `/usr/local/nginx/sbin`. */
  readonly extraDirectories?: readonly string[];
}

/**
 * The nginx executable: `NGINX_BIN` when set, else the first on `PATH`, else in `/usr/sbin` (where Debian
 * puts it, often not on a user's PATH).
 */
export function findNginx(options: FindNginxOptions = {}): string | undefined {
  return findExecutable({
    names: ['nginx'],
    explicit: options.explicit ?? process.env.NGINX_BIN,
    path: options.path ?? process.env.PATH,
    extraDirectories: options.extraDirectories ?? ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'],
  });
}

/** Throws {@link PortInUseError} when nothing can listen on `host:port` now (`port` 0 is always free). */
export async function assertPortFree(what: string, host: string, port: number, hint?: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => done());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(what, host, port, hint);
    throw error;
  } finally {
    await new Promise<void>((done) => (server.listening ? server.close(() => done()) : done()));
  }
}

/** Options of {@link startNginx}. */
export interface StartNginxOptions {
  /** nginx's prefix: `conf/`, `logs/` and `temp/` are created inside it. */
  readonly prefixDir: string;
  /** The http-context configuration. */
  readonly config: NginxConfigOptions;
  /** The main configuration. */
  readonly main?: MainConfigOptions;
  /** The nginx executable. Default {@link findNginx}. */
  readonly nginxPath?: string;
  /** How long to wait for nginx to accept connections. Default 10 s. */
  readonly startTimeoutMs?: number;
}

/** One line of nginx's access log (`log_format preview_json`). */
export interface NginxAccessEntry {
  readonly time: string;
  readonly requestId: string;
  readonly method: string;
  /** The request target exactly as the client sent it. */
  readonly uri: string;
  readonly status: number;
  readonly bytes: number;
  /**
   * Every upstream tried, in order: e.g. `['127.0.0.1:4568', '127.0.0.1:8081']` for a miss (S3, then the
   * proxy). Empty when nginx answered itself.
   */
  readonly upstreams: readonly string[];
  /** Their statuses, in the same order, e.g. `[404, 200]`. */
  readonly upstreamStatuses: readonly number[];
  readonly requestTimeSeconds: number;
}

/** A running nginx. */
export interface RunningNginx {
  /** `http://host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The master process id. */
  readonly pid: number;
  readonly nginxPath: string;
  readonly prefixDir: string;
  /** The rendered http-context configuration (`conf/preview.conf`). */
  readonly configPath: string;
  readonly accessLogPath: string;
  readonly errorLogPath: string;
  /** Whether the master process has exited. */
  readonly exited: boolean;
  /** The access log of this run, parsed. */
  accessLog(): Promise<NginxAccessEntry[]>;
  /**
   * Stops nginx: SIGQUIT (graceful: finishes requests in flight, closes idle connections), then SIGTERM
   * after `graceMs` (default 5 s), then SIGKILL. Idempotent.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

function parseList(raw: unknown, separator: RegExp): string[] {
  return typeof raw === 'string' && raw !== '' && raw !== '-' ? raw.split(separator).map((part) => part.trim()) : [];
}

/** Parses the `preview_json` access log; lines that are not JSON are skipped. */
export function parseAccessLog(text: string): NginxAccessEntry[] {
  const entries: NginxAccessEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    // nginx joins servers of one group with ", " and successive upstream requests (error_page) with " : ".
    const separator = /\s*[,:]\s+/;
    entries.push({
      time: String(raw.time),
      requestId: String(raw.request_id),
      method: String(raw.method),
      uri: String(raw.uri),
      status: Number(raw.status),
      bytes: Number(raw.bytes),
      upstreams: parseList(raw.upstream_addr, separator),
      upstreamStatuses: parseList(raw.upstream_status, separator).map(Number),
      requestTimeSeconds: Number(raw.request_time),
    });
  }
  return entries;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function tail(path: string, lines = 20): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Refuses to start over an nginx of an earlier run that still uses this prefix (e.g. after the process that
 * started it was killed with SIGKILL), naming its pid; removes a stale pid file.
 */
export async function checkStaleNginx(prefixDir: string): Promise<void> {
  const pidPath = join(resolve(prefixDir), 'logs', 'nginx.pid');
  let pid: number;
  try {
    pid = Number((await readFile(pidPath, 'utf8')).trim());
  } catch {
    return;
  }
  if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) {
    let commandLine = '';
    try {
      commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    } catch {
      // Not Linux, or gone: judge by the pid file alone.
    }
    if (commandLine === '' || commandLine.includes('nginx')) throw new StaleNginxError(prefixDir, pid);
  }
  await rm(pidPath, { force: true });
}

/**
 * Renders the configuration into `prefixDir/conf/`, starts nginx in the foreground as a child process and
 * resolves once it accepts connections.
 *
 * @throws {NginxNotFoundError} nginx is not installed.
 * @throws {NginxModuleNotFoundError} a module the template needs is missing (`local/nginx-modules.ts`).
 * @throws {PortInUseError} the listen port is taken.
 * @throws {NginxConfigError} the options are not usable.
 */
export async function startNginx(options: StartNginxOptions): Promise<RunningNginx> {
  const nginxPath = options.nginxPath ?? findNginx();
  if (nginxPath === undefined) throw new NginxNotFoundError();
  const prefixDir = resolve(options.prefixDir);
  const confDir = join(prefixDir, 'conf');
  const logsDir = join(prefixDir, 'logs');
  const configPath = join(confDir, 'preview.conf');
  const accessLogPath = join(logsDir, 'access.log');
  const errorLogPath = join(logsDir, 'error.log');
  const { host, port } = options.config.listen;

  const preview = renderNginxConfig({ ...options.config, accessLog: 'logs/access.log' });
  const main = { ...options.main, loadModules: options.main?.loadModules ?? nginxModulePaths(nginxPath) };
  await mkdir(confDir, { recursive: true });
  await mkdir(logsDir, { recursive: true });
  await mkdir(join(prefixDir, 'temp'), { recursive: true });
  await checkStaleNginx(prefixDir);
  await assertPortFree('nginx', host, port, 'choose another with --port');
  await writeFile(join(confDir, 'nginx.conf'), renderMainConfig(main));
  await writeFile(configPath, preview);
  // Each run starts with empty logs, so that accessLog() is this run's.
  await writeFile(accessLogPath, '');
  await writeFile(errorLogPath, '');

  const child: ChildProcess = spawn(
    nginxPath,
    ['-p', `${prefixDir}/`, '-c', 'conf/nginx.conf', '-e', errorLogPath],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let exited = false;
  const exit = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      done();
    });
  });
  const spawnError = new Promise<Error>((done) => child.once('error', done));

  const failure = async (reason: string): Promise<Error> => {
    const log = await tail(errorLogPath);
    return new Error(
      `nginx (${nginxPath}) ${reason}` +
        `${stderr.trim() === '' ? '' : `\n${stderr.trim()}`}${log === '' ? '' : `\n${errorLogPath}:\n${log}`}`,
    );
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  for (;;) {
    const early = await Promise.race([
      exit.then(() => 'exited' as const),
      spawnError.then((error) => error),
      new Promise<undefined>((done) => setTimeout(() => done(undefined), 25)),
    ]);
    if (early === 'exited') throw await failure(`exited with code ${child.exitCode} while starting`);
    if (early instanceof Error) throw await failure(`could not be started: ${early.message}`);
    if (await canConnect(host, port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exit;
      throw await failure(`did not accept connections on ${host}:${port} within ${options.startTimeoutMs ?? 10_000} ms`);
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    pid: child.pid!,
    nginxPath,
    prefixDir,
    configPath,
    accessLogPath,
    errorLogPath,
    get exited() {
      return exited;
    },
    async accessLog() {
      return parseAccessLog(await readFile(accessLogPath, 'utf8'));
    },
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        if (exited) return;
        const graceMs = stopOptions.graceMs ?? 5_000;
        const within = async (ms: number): Promise<boolean> => {
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<boolean>((done) => {
            timer = setTimeout(() => done(false), ms);
          });
          try {
            return await Promise.race([exit.then(() => true), late]);
          } finally {
            clearTimeout(timer);
          }
        };
        child.kill('SIGQUIT');
        if (await within(graceMs)) return;
        child.kill('SIGTERM');
        if (await within(2_000)) return;
        child.kill('SIGKILL');
        await exit;
      })();
      return stopped;
    },
  };
}
