/**
 * nginx in front of S3 and the preview proxy, for the demo (`npm start`), the end-to-end tests and the
 * proxy benchmark: renders `proxy/nginx/preview.conf.template` and runs an unprivileged nginx with its own
 * prefix directory (`nginx -p DIR`, `daemon off`, pid, logs and temp files under DIR). Nothing outside DIR
 * is read or written: the system's `/etc/nginx` and any system nginx are left alone.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The template every configuration is rendered from. */
export const NGINX_TEMPLATE_PATH = fileURLToPath(
  new URL('../proxy/nginx/preview.conf.template', import.meta.url),
);

/** The committed example rendered for real AWS (`npm run nginx:config -- --write-example`). */
export const NGINX_AWS_EXAMPLE_PATH = fileURLToPath(new URL('../proxy/nginx/preview.aws.conf', import.meta.url));

/** Debian's (and Ubuntu's) CA bundle, used to verify S3's certificate over https. */
export const DEFAULT_CA_CERTIFICATES = '/etc/ssl/certs/ca-certificates.crt';

/** The placeholders of the template, each an upper-case name in dollar-braces. */
export const NGINX_TEMPLATE_VARIABLES = [
  'NGINX_LISTEN',
  'NGINX_ACCESS_LOG',
  'PREVIEW_ROOT',
  'SOURCE_PREFIX',
  'S3_SCHEME',
  'S3_CA_CERTIFICATES',
  'S3_KEEPALIVE_TIMEOUT',
  'ORIGINALS_S3_SERVER',
  'ORIGINALS_S3_HOST',
  'ORIGINALS_S3_TLS_NAME',
  'ORIGINALS_S3_PATH_PREFIX',
  'PREVIEWS_S3_SERVER',
  'PREVIEWS_S3_HOST',
  'PREVIEWS_S3_TLS_NAME',
  'PREVIEWS_S3_PATH_PREFIX',
  'PROXY_SERVER',
  'PROXY_READ_TIMEOUT',
  'PROXY_KEEPALIVE_TIMEOUT',
] as const;

/** One placeholder name. */
export type NginxTemplateVariable = (typeof NGINX_TEMPLATE_VARIABLES)[number];

/** Values for every placeholder. */
export type NginxTemplateValues = Readonly<Record<NginxTemplateVariable, string>>;

/** How nginx addresses S3. */
export type S3Addressing =
  /**
   * `ENDPOINT/BUCKET/KEY`: local emulators (`http://127.0.0.1:4568`), or a regional endpoint over https
   * (`https://s3.eu-west-1.amazonaws.com`) for bucket names with dots, which the wildcard certificate of
   * virtual-host names does not cover.
   */
  | { readonly style: 'path'; readonly endpoint: string }
  /** `https://BUCKET.s3.REGION.amazonaws.com/KEY`: real S3. */
  | { readonly style: 'virtual-host'; readonly region: string; readonly domain?: string };

/** Where nginx listens, or where an upstream is. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link renderNginxConfig}. */
export interface NginxConfigOptions {
  /** Where nginx listens, e.g. `{ host: '127.0.0.1', port: 8080 }`. */
  readonly listen: HostPort;
  /** Where the preview proxy listens. */
  readonly proxy: HostPort;
  /** How S3 is addressed. */
  readonly s3: S3Addressing;
  /** Bucket of the originals, served at `/<sourcePrefix>/` (the proxy's `SOURCE_BUCKET`). */
  readonly originalsBucket: string;
  /** Bucket of the previews, served at `/<previewRoot>/` (the proxy's `DESTINATION_BUCKET`). */
  readonly previewsBucket: string;
  /** First URL and key segment of previews (the proxy's `PREVIEW_ROOT`). Default `prew`. */
  readonly previewRoot?: string;
  /** URL and key prefix of originals (the proxy's `SOURCE_PREFIX`). Default `photo`. */
  readonly sourcePrefix?: string;
  /** The proxy's `REQUEST_TIMEOUT_MS`. Default 30 000. */
  readonly proxyRequestTimeoutMs?: number;
  /** nginx's `proxy_read_timeout` towards the proxy; must exceed `proxyRequestTimeoutMs`. Default: it + 5 s. */
  readonly proxyReadTimeoutMs?: number;
  /** The proxy's `KEEP_ALIVE_TIMEOUT_MS`. Default 65 000. */
  readonly proxyKeepAliveTimeoutMs?: number;
  /**
   * How long nginx keeps idle connections to the proxy; must be below `proxyKeepAliveTimeoutMs`.
   * Default 60 s, or `proxyKeepAliveTimeoutMs` - 1 s when that is lower.
   */
  readonly proxyUpstreamKeepaliveTimeoutMs?: number;
  /** How long nginx keeps idle connections to S3. Default 4 s (Node-based emulators close them after 5 s). */
  readonly s3KeepaliveTimeoutMs?: number;
  /** CA bundle to verify S3's certificate over https. Default {@link DEFAULT_CA_CERTIFICATES}. */
  readonly caCertificates?: string;
  /** Access log path (relative paths are under nginx's prefix). Default `logs/access.log`. */
  readonly accessLog?: string;
}

/** The options are not usable. */
export class NginxConfigError extends Error {
  public constructor(problems: readonly string[]) {
    super(`Invalid nginx options: ${problems.join('; ')}`);
    this.name = 'NginxConfigError';
  }
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const URL_SEGMENTS = /^(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~-]+(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~-]+)*$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const HOST = /^[A-Za-z0-9.:[\]-]+$/;
const PATH = /^[^\s;{}'"$#]+$/;

function hostPort({ host, port }: HostPort): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

function ms(value: number): string {
  return `${value}ms`;
}

/** Checks the options and computes the value of every placeholder. */
export function nginxTemplateValues(options: NginxConfigOptions): NginxTemplateValues {
  const problems: string[] = [];
  const previewRoot = options.previewRoot ?? 'prew';
  const sourcePrefix = options.sourcePrefix ?? 'photo';
  const requestTimeout = options.proxyRequestTimeoutMs ?? 30_000;
  const readTimeout = options.proxyReadTimeoutMs ?? requestTimeout + 5_000;
  const keepAlive = options.proxyKeepAliveTimeoutMs ?? 65_000;
  const upstreamKeepalive = options.proxyUpstreamKeepaliveTimeoutMs ?? Math.min(60_000, keepAlive - 1_000);
  const s3Keepalive = options.s3KeepaliveTimeoutMs ?? 4_000;
  const caCertificates = options.caCertificates ?? DEFAULT_CA_CERTIFICATES;
  const accessLog = options.accessLog ?? 'logs/access.log';

  for (const [what, value] of [
    ['listen', options.listen],
    ['proxy', options.proxy],
  ] as const) {
    if (!HOST.test(value.host)) problems.push(`${what}.host must be an address or host name`);
    if (!Number.isInteger(value.port) || value.port < 1 || value.port > 65_535) {
      problems.push(`${what}.port must be a TCP port from 1 to 65535 but is ${value.port}`);
    }
  }
  for (const [what, value] of [
    ['originalsBucket', options.originalsBucket],
    ['previewsBucket', options.previewsBucket],
  ] as const) {
    if (!BUCKET.test(value)) problems.push(`${what} must be an S3 bucket name but is ${JSON.stringify(value)}`);
    if (options.s3.style === 'virtual-host' && value.includes('.')) {
      problems.push(
        `${what} ${JSON.stringify(value)} has dots, which S3's wildcard certificate does not cover: ` +
          `use path-style addressing with https://s3.<region>.amazonaws.com`,
      );
    }
  }
  if (!URL_SEGMENTS.test(previewRoot) || previewRoot.includes('/')) {
    problems.push(`previewRoot must be one URL segment but is ${JSON.stringify(previewRoot)}`);
  }
  if (!URL_SEGMENTS.test(sourcePrefix)) {
    problems.push(`sourcePrefix must be "/"-separated URL segments but is ${JSON.stringify(sourcePrefix)}`);
  }
  if (previewRoot === sourcePrefix.split('/')[0]) {
    problems.push('previewRoot and the first segment of sourcePrefix must differ');
  }
  for (const [what, value] of [
    ['proxyRequestTimeoutMs', requestTimeout],
    ['proxyReadTimeoutMs', readTimeout],
    ['proxyKeepAliveTimeoutMs', keepAlive],
    ['proxyUpstreamKeepaliveTimeoutMs', upstreamKeepalive],
    ['s3KeepaliveTimeoutMs', s3Keepalive],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) problems.push(`${what} must be a positive integer`);
  }
  if (readTimeout <= requestTimeout) {
    problems.push(
      `proxyReadTimeoutMs (${readTimeout}) must exceed the proxy's REQUEST_TIMEOUT_MS (${requestTimeout}), ` +
        'so that the proxy answers its own 504 before nginx gives up',
    );
  }
  if (upstreamKeepalive >= keepAlive) {
    problems.push(
      `proxyUpstreamKeepaliveTimeoutMs (${upstreamKeepalive}) must be below the proxy's ` +
        `KEEP_ALIVE_TIMEOUT_MS (${keepAlive}), so that nginx closes idle connections first`,
    );
  }
  if (!PATH.test(caCertificates)) problems.push('caCertificates must be a plain file path');
  if (!PATH.test(accessLog)) problems.push('accessLog must be a plain file path');

  let s3: { scheme: string; originals: S3Target; previews: S3Target } | undefined;
  try {
    s3 = s3Targets(options.s3, options.originalsBucket, options.previewsBucket);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0 || s3 === undefined) throw new NginxConfigError(problems);

  return Object.freeze({
    NGINX_LISTEN: hostPort(options.listen),
    NGINX_ACCESS_LOG: accessLog,
    PREVIEW_ROOT: previewRoot,
    SOURCE_PREFIX: sourcePrefix,
    S3_SCHEME: s3.scheme,
    S3_CA_CERTIFICATES: caCertificates,
    S3_KEEPALIVE_TIMEOUT: ms(s3Keepalive),
    ORIGINALS_S3_SERVER: s3.originals.server,
    ORIGINALS_S3_HOST: s3.originals.host,
    ORIGINALS_S3_TLS_NAME: s3.originals.tlsName,
    ORIGINALS_S3_PATH_PREFIX: s3.originals.pathPrefix,
    PREVIEWS_S3_SERVER: s3.previews.server,
    PREVIEWS_S3_HOST: s3.previews.host,
    PREVIEWS_S3_TLS_NAME: s3.previews.tlsName,
    PREVIEWS_S3_PATH_PREFIX: s3.previews.pathPrefix,
    PROXY_SERVER: hostPort(options.proxy),
    PROXY_READ_TIMEOUT: ms(readTimeout),
    PROXY_KEEPALIVE_TIMEOUT: ms(upstreamKeepalive),
  });
}

interface S3Target {
  /** `host:port` of the upstream server. */
  server: string;
  /** `Host` header. */
  host: string;
  /** TLS server name (SNI and certificate check). */
  tlsName: string;
  /** `/BUCKET` with path-style addressing, else empty. */
  pathPrefix: string;
}

function s3Targets(s3: S3Addressing, originals: string, previews: string) {
  if (s3.style === 'path') {
    if (!URL.canParse(s3.endpoint)) throw new Error(`s3.endpoint must be a URL but is ${JSON.stringify(s3.endpoint)}`);
    const url = new URL(s3.endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('s3.endpoint must be http or https');
    if (url.pathname !== '/' || url.search !== '' || url.username !== '') {
      throw new Error('s3.endpoint must be scheme://host[:port] only');
    }
    const scheme = url.protocol.slice(0, -1);
    const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
    const target = (bucket: string): S3Target => ({
      server: `${url.hostname}:${port}`,
      host: url.host,
      tlsName: url.hostname.replace(/^\[|\]$/g, ''),
      pathPrefix: `/${bucket}`,
    });
    return { scheme, originals: target(originals), previews: target(previews) };
  }
  if (!REGION.test(s3.region)) throw new Error(`s3.region must be an AWS region but is ${JSON.stringify(s3.region)}`);
  const domain = s3.domain ?? `s3.${s3.region}.amazonaws.com`;
  if (!/^[a-z0-9.-]+$/.test(domain)) throw new Error(`s3.domain must be a host name but is ${JSON.stringify(domain)}`);
  const target = (bucket: string): S3Target => {
    const host = `${bucket}.${domain}`;
    return { server: `${host}:443`, host, tlsName: host, pathPrefix: '' };
  };
  return { scheme: 'https', originals: target(originals), previews: target(previews) };
}

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/**
 * Renders the http-context configuration (upstreams and the server) from the template.
 *
 * @param template - The template text. Default: {@link NGINX_TEMPLATE_PATH}'s.
 * @throws {NginxConfigError} the options are not usable, or the template names an unknown placeholder.
 */
export function renderNginxConfig(options: NginxConfigOptions, template?: string): string {
  const values: Readonly<Record<string, string>> = nginxTemplateValues(options);
  const text = template ?? readFileSync(NGINX_TEMPLATE_PATH, 'utf8');
  const unknown = new Set<string>();
  const rendered = text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) unknown.add(name);
    return value ?? whole;
  });
  if (unknown.size > 0) throw new NginxConfigError([`unknown template placeholders: ${[...unknown].join(', ')}`]);
  return rendered;
}

/** Options of {@link renderMainConfig}. */
export interface MainConfigOptions {
  /** `worker_processes`. Default 1. */
  readonly workerProcesses?: number | 'auto';
  /** `worker_connections`. Default 1024. */
  readonly workerConnections?: number;
  /** The http-context file to include, relative to the `conf/` directory. Default `preview.conf`. */
  readonly include?: string;
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
  return `# Written by local/nginx.ts for an nginx started as: nginx -p <this prefix> -c conf/nginx.conf
# Everything it writes stays under the prefix; the system configuration (/etc/nginx) is not read.

# In the foreground: the process that started nginx owns it and stops it (SIGQUIT, then SIGTERM).
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
  const explicit = options.explicit ?? process.env.NGINX_BIN;
  if (explicit !== undefined && explicit !== '') return executable(explicit) ? explicit : undefined;
  const path = options.path ?? process.env.PATH ?? '';
  const extra = options.extraDirectories ?? ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'];
  for (const directory of [...path.split(delimiter), ...extra]) {
    if (directory === '') continue;
    const candidate = join(directory, 'nginx');
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** nginx is not installed. */
export class NginxNotFoundError extends Error {
  public constructor() {
    super(
      process.env.NGINX_BIN
        ? `nginx is not executable at NGINX_BIN=${process.env.NGINX_BIN}`
        : 'nginx is not installed (looked on PATH and in /usr/sbin); e.g. sudo apt-get install nginx',
    );
    this.name = 'NginxNotFoundError';
  }
}

/** An nginx of an earlier run still uses the prefix directory. */
export class StaleNginxError extends Error {
  public readonly pid: number;

  public constructor(prefixDir: string, pid: number) {
    super(`an nginx of an earlier run still uses ${prefixDir} (pid ${pid}); stop it with: kill -QUIT ${pid}`);
    this.name = 'StaleNginxError';
    this.pid = pid;
  }
}

/** A TCP port is already taken. */
export class PortInUseError extends Error {
  public readonly host: string;
  public readonly port: number;

  public constructor(what: string, host: string, port: number, hint = '') {
    super(`${what}: ${host}:${port} is already in use${hint === '' ? '' : `; ${hint}`}`);
    this.name = 'PortInUseError';
    this.host = host;
    this.port = port;
  }
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
  await mkdir(confDir, { recursive: true });
  await mkdir(logsDir, { recursive: true });
  await mkdir(join(prefixDir, 'temp'), { recursive: true });
  await checkStaleNginx(prefixDir);
  await assertPortFree('nginx', host, port, 'choose another with --port');
  await writeFile(join(confDir, 'nginx.conf'), renderMainConfig(options.main));
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
    url: `http://${hostPort({ host, port })}`,
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
