/**
 * Go callers get exactly the bytes they got before output formats existed: the Go example payload (and
 * its PNG twin), without the additive `format` field, answered by the real handler over the emulators,
 * hashed and compared with `contract/fixtures/go-example-previews.json`, which was recorded from the
 * handler as it was before the `format` field was added (commit 42e577c).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { serializeResponse } from '@preview-lambda/contract';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, makePng } from '@preview-lambda/fixtures/images';
import { type Harness, lambdaContext, startHarness } from '../support/harness.js';
import { GO_EXAMPLE_REQUEST } from '../support/requests.js';

interface GoldenCase {
  readonly name: string;
  readonly request: Record<string, unknown>;
  readonly source: string;
  readonly sha256: string;
  readonly bytes: number;
}

interface Golden {
  readonly note: string;
  readonly sharp: string;
  readonly libvips: string;
  readonly cases: readonly GoldenCase[];
}

const golden = JSON.parse(
  readFileSync(new URL('../../contract/fixtures/go-example-previews.json', import.meta.url), 'utf8'),
) as Golden;

/** The deterministic originals the golden responses were made from. */
const SOURCES: Record<string, () => Promise<Buffer>> = {
  'makeJpeg 2400x1600': () => makeJpeg({ width: 2400, height: 1600 }),
  'makePng 1800x1200 alpha': () => makePng({ width: 1800, height: 1200, alpha: true }),
};

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  await harness.emulators.createBucket(GO_EXAMPLE_REQUEST.src_bucket);
});

afterAll(async () => {
  await harness?.stop();
});

describe('Function: handler (Go callers)', () => {
  it('was recorded with the sharp and libvips this checkout installs', () => {
    expect(
      [sharp.versions.sharp, sharp.versions.vips],
      'sharp moved: the golden bytes of contract/fixtures/go-example-previews.json only hold for the versions they were recorded with',
    ).toEqual([golden.sharp, golden.libvips]);
  });

  it.each(golden.cases)('answers the Go-shaped $name request with exactly the recorded bytes', async (entry) => {
    const bucket = GO_EXAMPLE_REQUEST.src_bucket;
    const sut = await harness.handler({
      env: { SOURCE_BUCKETS: bucket, DESTINATION_BUCKETS: bucket, PRESETS: `small=${GO_EXAMPLE_REQUEST.width}` },
    });
    const make = SOURCES[entry.source];
    expect(make, `unknown source ${entry.source}`).toBeDefined();
    await harness.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: String(entry.request.src_key), Body: await make!() }),
    );

    const response = await sut.handler(entry.request, lambdaContext());

    const serialized = serializeResponse(response);
    expect(Object.keys(response)).toEqual(['status', 'key', 'content_type', 'data', 'error']);
    expect(Buffer.byteLength(serialized)).toBe(entry.bytes);
    expect(createHash('sha256').update(serialized).digest('hex')).toBe(entry.sha256);
  });
});
