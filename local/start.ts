/**
 * `npm start [-- --port 8080 --proxy-port 8081 --lambda-port 3001 --backend node|moto --no-nginx
 * --bucket NAME --presets LIST --nginx-prefix DIR --state-file PATH]`: the one-command demo.
 *
 * Starts the S3 and DynamoDB emulators seeded with the sample originals, the local Lambda endpoint with
 * the real handler pipeline, the preview proxy and, when nginx is installed, nginx in front (its own
 * prefix under `.local/nginx`). Prints the URLs to try and every endpoint, writes the same as JSON to
 * `.local/stack.json`, then follows nginx's access log, the proxy's requests, the Lambda invocations and
 * their EMF metrics.
 * SIGINT (Ctrl-C) and SIGTERM stop everything it started; a second signal stops at once.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendFlag, describeError, failWith, integerFlag, parseFlags } from './cli.js';
import { DEFAULT_LAMBDA_PORT } from './lambda-server.js';
import { DEFAULT_PRESETS, handlerVariables } from './preview-function.js';
import { NginxConfigError } from '@preview-lambda/proxy/errors';
import { PortInUseError, StaleNginxError } from './errors.js';
import { formatEmf, parseEmf } from './emf.js';
import { parseAccessLog } from './nginx.js';
import { DEFAULT_NGINX_PREFIX, type Stack, startStack } from './stack.js';
import { describeStack, type StackDescription } from './stack-description.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_STATE_FILE = resolve(ROOT, '.local/stack.json');
const DEFAULT_PORTS = { nginx: 8080, proxy: 8081, lambda: DEFAULT_LAMBDA_PORT } as const;
const USAGE = `usage: npm start -- [--port ${DEFAULT_PORTS.nginx}] [--proxy-port ${DEFAULT_PORTS.proxy}] [--lambda-port ${DEFAULT_PORTS.lambda}]
                    [--backend node|moto] [--no-nginx] [--bucket NAME] [--presets ${DEFAULT_PRESETS}]
                    [--nginx-prefix .local/nginx] [--state-file .local/stack.json]
  A port of 0 picks a free one; the banner and the state file give the real ones.
`;
const fail = failWith('start', USAGE);

function port(flag: string, raw: string | undefined, fallback: number): number {
  return integerFlag(fail, flag, raw, 0, 65_535, 'a TCP port from 0 to 65535') ?? fallback;
}

const flags = parseFlags(
  {
    port: { type: 'string' },
    'proxy-port': { type: 'string' },
    'lambda-port': { type: 'string' },
    backend: { type: 'string', default: 'node' },
    'no-nginx': { type: 'boolean', default: false },
    bucket: { type: 'string' },
    presets: { type: 'string' },
    'nginx-prefix': { type: 'string' },
    'state-file': { type: 'string' },
  },
  USAGE,
  fail,
);
const backend = backendFlag(fail, flags.backend);
const ports = {
  nginx: port('port', flags.port, DEFAULT_PORTS.nginx),
  proxy: port('proxy-port', flags['proxy-port'], DEFAULT_PORTS.proxy),
  lambda: port('lambda-port', flags['lambda-port'], DEFAULT_PORTS.lambda),
};
const stateFile = resolve(flags['state-file'] ?? DEFAULT_STATE_FILE);
const nginxPrefix = resolve(flags['nginx-prefix'] ?? DEFAULT_NGINX_PREFIX);

/** A path relative to the repository when it is inside it. */
function shown(path: string): string {
  const inside = relative(ROOT, path);
  return inside.startsWith('..') ? path : inside;
}

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

let stack: Stack | undefined;
let stopping = false;
let follower: NodeJS.Timeout | undefined;

async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    process.stderr.write(`start: ${signal} again: stopping at once\n`);
    hardStop();
    process.exit(1);
  }
  stopping = true;
  process.stderr.write(`start: ${signal}: stopping nginx, the proxy, the Lambda endpoint and the emulators\n`);
  clearInterval(follower);
  try {
    // A signal during start-up: let it finish, then stop what it started.
    const running = await starting.catch(() => undefined);
    await running?.stop();
    await rm(stateFile, { force: true });
  } catch (error) {
    process.stderr.write(`start: error while stopping: ${(error as Error).message}\n`);
    hardStop();
    process.exit(1);
  }
  // SDK clients may keep sockets and timers alive: do not wait for them.
  process.exit(0);
}

/** Last resort: never leave nginx running behind us. */
function hardStop(): void {
  const nginx = stack?.nginx;
  if (nginx !== undefined && !nginx.exited) {
    try {
      process.kill(nginx.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// A closed terminal: nginx would take its SIGHUP as "reload" and stay.
process.on('SIGHUP', () => void shutdown('SIGHUP'));
process.on('exit', hardStop);

const starting = startStack({
  backend,
  ports,
  nginx: flags['no-nginx'] ? 'off' : 'auto',
  nginxPrefixDir: nginxPrefix,
  ...(flags.bucket === undefined ? {} : { bucket: flags.bucket }),
  ...(flags.presets === undefined ? {} : { presets: flags.presets }),
  handlerEnv: handlerVariables(process.env),
  onProxyLog: (line) => {
    if (line.msg !== 'request') return;
    const extra = [line.outcome, line.code].filter((part) => part !== undefined).join(' ');
    log('proxy', `${line.method} ${line.path} ${line.status} ${extra} ${line.durationMs} ms`);
  },
  onLambdaLog: (line) => log('lambda', line),
  // The function's EMF blob (what CloudWatch turns into metrics), one readable line per invocation.
  onLambdaMetrics: (line) => log('emf', formatEmf(parseEmf(line))),
});

function log(source: string, text: string): void {
  if (!stopping) process.stdout.write(`${source.padEnd(6)} ${text}\n`);
}

try {
  stack = await starting;
} catch (error) {
  const expected = [PortInUseError, StaleNginxError, NginxConfigError].some((type) => error instanceof type);
  const message = expected ? (error as Error).message : describeError(error);
  process.stderr.write(`start: could not start: ${message}\n`);
  process.exit(1);
}

const description = describeStack(stack);
await mkdir(dirname(stateFile), { recursive: true });
await writeFile(stateFile, `${JSON.stringify(description, null, 2)}\n`);
if (!stopping) {
  banner(description);
  followNginx(stack);
}

function banner(d: StackDescription): void {
  const width = Math.max(...d.try.map((each) => each.url.length)) + 2;
  out('preview-lambda demo: the whole stack on loopback (a development tool: nothing here is AWS)');
  out();
  if (d.nginx.running) {
    out('Try (the first request for a preview generates it through the proxy; the next ones come from S3 via nginx):');
  } else {
    out(`nginx is not running: ${d.nginx.reason}.`);
    out(`The proxy answers previews directly at ${d.endpoints.proxy}; install nginx (e.g. apt-get install nginx)`);
    out('to see nginx serve stored previews from S3 and fall back to the proxy on a miss.');
    out();
    out('Try:');
  }
  for (const each of d.try) out(`  curl -i ${each.url.padEnd(width)}# ${each.what}: ${each.expect}`);
  out();
  out('Endpoints');
  if (d.nginx.running) {
    out(`  nginx        ${d.endpoints.nginx}  (${d.nginx.path}, pid ${d.nginx.pid}, prefix ${shown(d.nginx.prefix)})`);
    out(`               config ${shown(d.nginx.config)}, logs ${shown(d.nginx.accessLog)}, ${shown(d.nginx.errorLog)}`);
  } else {
    out(`  nginx        not running (${d.nginx.reason})`);
  }
  out(`  proxy        ${d.endpoints.proxy}  (PRESETS=${d.presetList}, /${d.previewRoot}/<preset>/<path>, /healthz)`);
  out(`  metrics      ${d.endpoints.metrics}  (the proxy's, Prometheus text; the function's EMF: the "emf" lines below)`);
  out(`  Lambda       ${d.endpoints.lambda}  (Invoke API, function ${d.functionName}, the real handler pipeline)`);
  out(
    `  S3           ${d.endpoints.s3}  (${d.backend} emulator, path-style; bucket ${d.bucket}, ` +
      `originals under ${d.sourcePrefix}/)`,
  );
  out(`  DynamoDB     ${d.endpoints.dynamodb}  (table ${d.idempotencyTable})`);
  const { accessKeyId, secretAccessKey, region } = d.credentials;
  out(`  credentials  AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} AWS_REGION=${region}`);
  out(`  state        ${shown(stateFile)} (the same as JSON)`);
  out();
  out('List the previews written so far:');
  out(
    `  AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} aws s3 ls --recursive \\\n` +
      `    --endpoint-url ${d.endpoints.s3} --region ${region} s3://${d.bucket}/${d.previewRoot}/`,
  );
  out();
  const following = `${d.nginx.running ? "nginx's access log, " : ''}the proxy and the Lambda endpoint`;
  out(`Ready: ${d.url} — following ${following}. Ctrl-C stops everything.`);
  out();
}

/** Prints each new line of nginx's access log, saying which upstreams answered. */
function followNginx(running: Stack): void {
  const nginx = running.nginx;
  if (nginx === undefined) return;
  let offset = 0;
  let partial = '';
  const s3 = new URL(running.emulators.s3Endpoint).host;
  const proxy = new URL(running.proxy.url).host;
  const name = (address: string): string => (address === s3 ? 'S3' : address === proxy ? 'proxy' : address);
  follower = setInterval(() => {
    if (!existsSync(nginx.accessLogPath)) return;
    const size = statSync(nginx.accessLogPath).size;
    if (size <= offset) return;
    const buffer = Buffer.alloc(size - offset);
    const fd = openSync(nginx.accessLogPath, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, offset);
    } finally {
      closeSync(fd);
    }
    offset = size;
    const text = partial + buffer.toString('utf8');
    const end = text.lastIndexOf('\n');
    partial = text.slice(end + 1);
    for (const entry of parseAccessLog(text.slice(0, end + 1))) {
      const path = entry.upstreams.map((address, i) => `${name(address)} ${entry.upstreamStatuses[i] ?? ''}`.trim());
      const via = path.length === 0 ? 'answered by nginx' : `via ${path.join(' → ')}`;
      log('nginx', `${entry.method} ${entry.uri} ${entry.status} ${Math.round(entry.requestTimeSeconds * 1000)} ms ${via}`);
    }
  }, 200);
}
