/**
 * The sample events of `events/` sent to the local Lambda endpoint of the demo stack (`startStack`, the
 * real entry point over the emulators, the bucket seeded as `npm start` seeds it), as `aws lambda invoke`
 * or `sam local invoke` would send them: previews deleted or created, records gone, answers exact.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '@preview-lambda/local/stack';

let stack: Stack;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  stack = await startStack({ nginx: 'off', presets: CATALOGUE, handlerEnv: { LOG_LEVEL: 'SILENT' } });
  dynamodb = new DynamoDBClient(stack.emulators.dynamodbConfig());
});

afterAll(async () => {
  dynamodb?.destroy();
  await stack?.stop();
});

const eventText = (name: string): string => readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8');

/** Invokes the function as the Lambda Invoke API does, with the event file's bytes. */
async function invoke(body: string): Promise<{ status: number; functionError: string | null; payload: string }> {
  const response = await fetch(`${stack.lambda.url}/2015-03-31/functions/${stack.functionName}/invocations`, { method: 'POST', body });
  return { status: response.status, functionError: response.headers.get('x-amz-function-error'), payload: await response.text() };
}

/** One preset with a variant keeps the runs short while purge and backfill meet variants too. */
const CATALOGUE = 'small=320;webp,medium=720,large=1440';
const PRESETS = ['small', 'small@webp', 'medium', 'large'] as const;

/** Which previews of `path` (below `photo/`) are in the bucket. */
async function previews(path: string): Promise<string[]> {
  const found: string[] = [];
  for (const preset of PRESETS) if ((await stack.getObject(`prew/${preset}/${path}`)) !== undefined) found.push(preset);
  return found;
}

/** Generates every preview of `path` through Go payloads (with the additive `format` for a variant). */
async function generate(path: string): Promise<void> {
  const widths: Record<string, number> = { small: 320, medium: 720, large: 1440 };
  for (const segment of PRESETS) {
    const [preset, format] = segment.split('@') as [string, string | undefined];
    const go = {
      ...JSON.parse(eventText('jpeg-preset.json')),
      src_key: `photo/${path}`,
      preset_name: preset,
      width: widths[preset],
      ...(format === undefined ? {} : { format }),
    };
    expect(JSON.parse((await invoke(JSON.stringify(go))).payload)).toMatchObject({ status: true });
  }
}

async function recordCount(): Promise<number> {
  return (await dynamodb.send(new ScanCommand({ TableName: stack.table }))).Count ?? 0;
}

describe('events/ through the local Lambda endpoint', () => {
  it('s3-object-created.json and s3-object-removed.json purge every preview and record of the original', async () => {
    await generate('samples/landscape.jpg');
    expect(await previews('samples/landscape.jpg')).toEqual([...PRESETS]);
    const records = await recordCount();

    const created = await invoke(eventText('s3-object-created.json'));
    expect(created.functionError).toBeNull();
    expect(JSON.parse(created.payload)).toEqual({
      source: 's3-notification',
      objects: [
        { bucket: 'preview-lambda-demo', key: 'photo/samples/landscape.jpg', event: 'ObjectCreated:Put', action: 'purged', purged: 4, generated: [] },
      ],
    });
    expect(await previews('samples/landscape.jpg')).toEqual([]);
    expect(await recordCount()).toBe(records - 4);

    await generate('samples/landscape.jpg');
    const removed = await invoke(eventText('s3-object-removed.json'));
    expect(JSON.parse(removed.payload)).toMatchObject({ objects: [{ event: 'ObjectRemoved:Delete', action: 'purged', purged: 4 }] });
    expect(await previews('samples/landscape.jpg')).toEqual([]);
  });

  it('eventbridge-object-created.json and eventbridge-object-deleted.json purge too', async () => {
    for (const name of ['eventbridge-object-created.json', 'eventbridge-object-deleted.json']) {
      await generate('samples/portrait.jpg');
      const answer = await invoke(eventText(name));
      expect(JSON.parse(answer.payload)).toMatchObject({ source: 'eventbridge', objects: [{ key: 'photo/samples/portrait.jpg', action: 'purged' }] });
      expect(await previews('samples/portrait.jpg')).toEqual([]);
    }
  });

  it('batch-generate-1.0.json and batch-purge-2.0.json are answered in Batch Operations’ format, byte for byte', async () => {
    const generated = await invoke(eventText('batch-generate-1.0.json'));
    expect(generated.payload).toBe(
      '{"invocationSchemaVersion":"1.0","treatMissingKeysAs":"PermanentFailure","invocationId":"YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo",' +
        '"results":[{"taskId":"dGFza2lkZ29lc2hlcmUK","resultCode":"Succeeded","resultString":"Generated small,small@webp,medium,large"}]}',
    );
    expect(await previews('samples/logo.png')).toEqual([...PRESETS]);

    const purged = await invoke(eventText('batch-purge-2.0.json'));
    expect(purged.payload).toBe(
      '{"invocationSchemaVersion":"2.0","treatMissingKeysAs":"PermanentFailure","invocationId":"Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5Cg",' +
        '"results":[{"taskId":"dGFzazItcHVyZ2UK","resultCode":"Succeeded","resultString":"Purged 4 preview key(s)"}]}',
    );
    expect(await previews('samples/logo.png')).toEqual([]);
  });

  it('answers a malformed event with a function error naming the field', async () => {
    const answer = await invoke('{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"preview-lambda-demo"}}}]}');
    expect(answer.functionError).toBe('Unhandled');
    expect(JSON.parse(answer.payload)).toMatchObject({
      errorType: 'InvalidEventError',
      errorMessage: 'Invalid S3 event notification: Expected object for Records[0].s3.object but received undefined',
    });
  });
});
