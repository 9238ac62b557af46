/**
 * `npm run invoke -- events/NAME.json [--backend node|moto]`: runs the real Lambda entry point
 * (`handler/src/index.ts`) once, locally, against embedded AWS emulators seeded with the sample originals,
 * and prints the response with `data` shortened. The Docker-free twin of `sam local invoke -e`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { backendFlag, failWith } from './cli.js';
import { lambdaContext } from './context.js';
import { startEmulators } from './emulators.js';
import {
  DEMO_BUCKET,
  functionEnvironment,
  IDEMPOTENCY_TABLE,
  previewFunctionSettings,
} from './preview-function.js';
import { seedSamples } from './seed.js';

const fail = failWith('invoke', 'usage: npm run invoke -- events/NAME.json [--backend node|moto]\n');

function stringField(event: unknown, name: string): string | undefined {
  if (event === null || typeof event !== 'object') return undefined;
  const value = (event as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Replaces a long base64 `data` with a summary, so the response fits on a screen. */
function shorten(response: unknown): unknown {
  if (response === null || typeof response !== 'object') return response;
  const data = (response as { data?: unknown }).data;
  if (typeof data !== 'string' || data.length <= 60) return response;
  const bytes = Buffer.from(data, 'base64').length;
  return { ...response, data: `${data.slice(0, 40)}… (${data.length} base64 chars, ${bytes} bytes)` };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { backend: { type: 'string', default: 'node' } },
});
const eventPath = positionals[0] ?? fail('missing the event file argument');
const backend = backendFlag(fail, values.backend);

let event: unknown;
try {
  event = JSON.parse(await readFile(eventPath, 'utf8'));
} catch (error) {
  fail(`cannot read ${eventPath} as JSON: ${(error as Error).message}`);
}

const emulators = await startEmulators({ backend });
try {
  const sourceBucket = stringField(event, 'src_bucket') ?? DEMO_BUCKET;
  const destinationBucket = stringField(event, 'dst_bucket') ?? DEMO_BUCKET;
  for (const bucket of new Set([sourceBucket, destinationBucket, DEMO_BUCKET])) {
    await emulators.createBucket(bucket).catch((error: Error) => {
      process.stderr.write(`invoke: could not create bucket "${bucket}": ${error.message}\n`);
    });
  }
  await emulators.createIdempotencyTable(IDEMPOTENCY_TABLE);
  await seedSamples(emulators.s3Config(), sourceBucket).catch((error: Error) => {
    process.stderr.write(`invoke: could not seed samples into "${sourceBucket}": ${error.message}\n`);
  });

  // The function's environment as the Lambda service would set it (buckets exported in the shell win),
  // then the real entry point.
  const settings = previewFunctionSettings();
  const environment = functionEnvironment({
    emulators,
    buckets: [sourceBucket],
    table: IDEMPOTENCY_TABLE,
    memoryMb: settings.memoryMb,
  });
  Object.assign(process.env, {
    ...environment,
    SOURCE_BUCKETS: process.env.SOURCE_BUCKETS ?? sourceBucket,
    DESTINATION_BUCKETS: process.env.DESTINATION_BUCKETS ?? destinationBucket,
  });
  const { handler } = await import('@preview-lambda/handler');
  try {
    const response = await handler(event, lambdaContext());
    process.stdout.write(`${JSON.stringify(shorten(response), null, 2)}\n`);
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    process.stdout.write(`${JSON.stringify({ errorType: name, errorMessage: message }, null, 2)}\n`);
    process.exitCode = 1;
  }
} finally {
  await emulators.stop();
}
