/**
 * `npm run lambda:local [-- --port 3001 --host 127.0.0.1 --backend node|moto --bucket NAME
 * --max-concurrency N --timeout SECONDS --s3-endpoint URL --dynamodb-endpoint URL]`: a development tool
 * that serves the Lambda Invoke API for `PreviewFunction` (the template's logical ID) on `127.0.0.1:3001`,
 * like `sam local start-lambda` but without Docker, running the real entry point (`handler/src/index.ts`)
 * in this process against embedded AWS emulators seeded with the sample originals, or against emulators
 * already running at `--s3-endpoint` and `--dynamodb-endpoint` (so the endpoint can be killed and
 * restarted around the same state). Stops gracefully on SIGINT/SIGTERM.
 */
import { backendFlag, describeError, failWith, integerFlag, parseFlags, urlFlag } from './cli.js';
import {
  connectEmulators,
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type Emulators,
  startEmulators,
} from './emulators.js';
import {
  DEFAULT_LAMBDA_HOST,
  DEFAULT_LAMBDA_PORT,
  type LambdaServer,
  startLambdaServer,
} from './lambda-server.js';
import {
  DEMO_BUCKET as DEFAULT_BUCKET,
  FUNCTION_NAME,
  functionEnvironment,
  IDEMPOTENCY_TABLE as TABLE,
  previewFunctionDefinitions,
  provisionLocalAws,
  previewFunctionSettings,
} from './preview-function.js';
import { SAMPLE_OBJECTS } from './seed.js';

const USAGE =
  'usage: npm run lambda:local -- [--port 3001] [--host 127.0.0.1] [--backend node|moto] [--bucket NAME]...\n' +
  '                               [--max-concurrency N] [--timeout SECONDS]\n' +
  '                               [--s3-endpoint URL --dynamodb-endpoint URL]\n';
const fail = failWith('lambda:local', USAGE);

const parsed = parseFlags(
  {
    port: { type: 'string' },
    host: { type: 'string', default: DEFAULT_LAMBDA_HOST },
    backend: { type: 'string', default: 'node' },
    bucket: { type: 'string', multiple: true },
    'max-concurrency': { type: 'string' },
    timeout: { type: 'string' },
    's3-endpoint': { type: 'string' },
    'dynamodb-endpoint': { type: 'string' },
  },
  USAGE,
  fail,
);
const backend = backendFlag(fail, parsed.backend);
const port = integerFlag(fail, 'port', parsed.port, 0, 65_535) ?? DEFAULT_LAMBDA_PORT;
const maxConcurrency = integerFlag(fail, 'max-concurrency', parsed['max-concurrency'], 1, 10_000);
const timeoutFlag = integerFlag(fail, 'timeout', parsed.timeout, 1, 900);
const buckets = [...new Set(parsed.bucket ?? [DEFAULT_BUCKET])];
const s3Endpoint = urlFlag(fail, 's3-endpoint', parsed['s3-endpoint']);
const dynamodbEndpoint = urlFlag(fail, 'dynamodb-endpoint', parsed['dynamodb-endpoint']);
if ((s3Endpoint === undefined) !== (dynamodbEndpoint === undefined)) {
  fail('--s3-endpoint and --dynamodb-endpoint go together');
}
/** Emulators already running elsewhere (both endpoints given): connected to, and left running on exit. */
const running =
  s3Endpoint !== undefined && dynamodbEndpoint !== undefined ? { s3Endpoint, dynamodbEndpoint } : undefined;
const host = parsed.host;

const settings = previewFunctionSettings();
const timeoutSeconds = timeoutFlag ?? settings.timeoutSeconds;
const timeoutOrigin = timeoutFlag === undefined ? 'the Timeout default of template.yaml' : '--timeout';

let emulators: Emulators | undefined;
let server: LambdaServer | undefined;
let stopping = false;

/**
 * Starts the emulators (or connects to running ones), provisions and seeds them (what exists already is
 * kept), loads the real entry point and serves it.
 */
async function start(): Promise<LambdaServer> {
  emulators = running === undefined ? await startEmulators({ backend }) : connectEmulators({ backend, ...running });
  await provisionLocalAws(emulators, { buckets, table: TABLE });

  // The function's environment, as the Lambda service would set it, then the real entry point. Other
  // handler variables (LOG_LEVEL, MAX_WIDTH, ...) pass through from the shell.
  Object.assign(
    process.env,
    functionEnvironment({ emulators, buckets, table: TABLE, memoryMb: settings.memoryMb }),
  );
  const { handler } = await import('@preview-lambda/handler');

  return startLambdaServer({
    functions: previewFunctionDefinitions(handler, settings, timeoutSeconds),
    port,
    host,
    maxConcurrency,
  });
}

const starting = start();

async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    process.stderr.write(`lambda:local: ${signal} again, exiting without waiting\n`);
    process.exit(1);
  }
  stopping = true;
  process.stderr.write(`lambda:local: ${signal}: stopping (letting running invocations finish)\n`);
  try {
    // A signal during startup: let it finish, so that no emulator process is left behind.
    await starting.catch(() => undefined);
    await server?.stop();
    await emulators?.stop();
  } catch (error) {
    process.stderr.write(`lambda:local: error while stopping: ${(error as Error).message}\n`);
    process.exit(1);
  }
  // The handler's SDK clients may keep sockets and timers alive: do not wait for them.
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  server = await starting;
} catch (error) {
  const code = (error as { code?: string }).code;
  const message =
    code === 'EADDRINUSE'
      ? `${host}:${port} is in use (another lambda:local or sam local start-lambda?); try --port`
      : describeError(error);
  process.stderr.write(`lambda:local: could not start: ${message}\n`);
  await emulators?.stop().catch(() => undefined);
  process.exit(1);
}

/** What the endpoint serves and how to call it, on stdout (the first line names the URL). */
function banner(url: string, local: Emulators): string {
  const { accessKeyId, secretAccessKey } = EMULATOR_CREDENTIALS;
  const owned = running === undefined ? '' : ' (already running; left running on exit)';
  return `Local Lambda endpoint (a development tool, not AWS Lambda) listening on ${url}
  function     ${FUNCTION_NAME} (the real handler/src/index.ts, in-process; RequestResponse by name)
  timeout      ${timeoutSeconds} s (${timeoutOrigin})
  memory       ${settings.memoryMb} MB (the MemorySize default of template.yaml; reported only, not enforced)
  concurrency  ${maxConcurrency === undefined ? 'unlimited' : `${maxConcurrency} (then 429 TooManyRequestsException)`}
  emulators    ${local.backend}${owned}: S3 ${local.s3Endpoint}, DynamoDB ${local.dynamodbEndpoint}
  buckets      ${buckets.join(', ')} (source and destination; seeded with ${SAMPLE_OBJECTS.length} samples under photo/samples/)
  table        ${TABLE}
  credentials  emulators: AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} AWS_REGION=${EMULATOR_REGION}
               this endpoint: any (signatures are not checked)

AWS CLI (v2; with v1 leave out --cli-binary-format):
  AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} aws lambda invoke \\
    --endpoint-url ${url} --region ${EMULATOR_REGION} --function-name ${FUNCTION_NAME} \\
    --cli-binary-format raw-in-base64-out --payload file://events/jpeg-preset.json response.json
  AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} aws s3 ls --recursive \\
    --endpoint-url ${local.s3Endpoint} --region ${EMULATOR_REGION} s3://${buckets[0]}/prew/

Invoker:
  const invoker = new PreviewInvoker({
    functionName: '${FUNCTION_NAME}',
    clientConfig: {
      endpoint: '${url}',
      region: '${EMULATOR_REGION}',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    },
  });
  const result = await invoker.invoke(JSON.parse(await readFile('events/jpeg-preset.json', 'utf8')));

Ctrl-C stops it (running invocations finish first).
`;
}

// A signal during startup: shutdown() is stopping everything and owns the exit.
if (!stopping) process.stdout.write(banner(server.url, emulators!));
