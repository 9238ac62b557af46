/**
 * The function owns its layout: requests that would read outside the originals prefix, write outside the
 * preview root or make up a preset or a width are refused before any S3 or DynamoDB call, and both buckets
 * are byte-identical (keys and ETags) before and after.
 */
import type { ResizeRequest } from '@preview-lambda/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { BUCKETS, type Harness, type HandlerUnderTest, lambdaContext, startHarness } from '../support/harness.js';

let harness: Harness;
let sut: HandlerUnderTest;

/** One bucket for originals and previews, as the Go deployment used it. */
const BUCKET = BUCKETS.source;

beforeAll(async () => {
  harness = await startHarness();
  sut = await harness.handler({
    env: { DESTINATION_BUCKETS: `${BUCKETS.source},${BUCKETS.destination}`, PRESETS: 'small=320,medium=720,large=1440' },
  });
  await harness.putSource('photo/samples/landscape.jpg', await makeJpeg({ width: 2400, height: 1600 }), 'image/jpeg');
  await harness.putSource('secret/private.jpg', await makeJpeg({ width: 800, height: 600 }), 'image/jpeg');
  await harness.putSource('prew/small/samples/landscape.jpg', await makeJpeg({ width: 320, height: 213 }), 'image/jpeg');
});

afterAll(async () => {
  await harness?.stop();
});

const base = {
  src_key: 'photo/samples/landscape.jpg',
  src_bucket: BUCKET,
  dst_bucket: BUCKET,
  root_folder: 'prew',
  preset_name: 'small',
  rewrite_part: 'photo',
  width: 320,
} satisfies ResizeRequest;

async function snapshot(): Promise<string[][]> {
  return Promise.all([harness.listBucket(BUCKETS.source), harness.listBucket(BUCKETS.destination)]);
}

describe('Function: handler (layout refusals, nothing read or written)', () => {
  it.each([
    [
      'the issue’s first attack: an original replaced by a 16 px copy of itself',
      { root_folder: 'photo', preset_name: 'samples', rewrite_part: 'photo/samples', width: 16 },
      'LAYOUT_NOT_ALLOWED',
    ],
    [
      'the issue’s second attack: a non-original published as a preview',
      { src_key: 'secret/private.jpg', rewrite_part: 'secret' },
      'LAYOUT_NOT_ALLOWED',
    ],
    ['the issue’s third attack: the shared preview rewritten at 4096 px', { width: 4096 }, 'PRESET_WIDTH_MISMATCH'],
    ['root_folder equal to the originals prefix', { root_folder: 'photo' }, 'LAYOUT_NOT_ALLOWED'],
    [
      'rewrite_part naming the preview root (a preview as source)',
      { src_key: 'prew/small/samples/landscape.jpg', rewrite_part: 'prew', root_folder: 'prew' },
      'LAYOUT_NOT_ALLOWED',
    ],
    [
      'a deeper rewrite_part, landing the preview outside its preset',
      { rewrite_part: 'photo/samples', preset_name: 'small' },
      'LAYOUT_NOT_ALLOWED',
    ],
    ['root_folder elsewhere', { root_folder: 'public' }, 'LAYOUT_NOT_ALLOWED'],
    ['an unknown preset', { preset_name: 'samples' }, 'UNKNOWN_PRESET'],
    ['a width not the preset’s', { preset_name: 'medium', width: 320 }, 'PRESET_WIDTH_MISMATCH'],
  ])('refuses %s', async (_what, overrides, code) => {
    const before = await snapshot();
    const resizes = sut.resizes();
    const puts = sut.puts();

    const response = await sut.handler({ ...base, ...overrides }, lambdaContext());

    expect(response).toMatchObject({ status: false, key: '', content_type: '', data: '', code });
    expect(response.error).toMatch(/^Expected .* for (rewrite_part|root_folder|preset_name|width) but received /);
    expect(await snapshot()).toEqual(before);
    expect([sut.resizes(), sut.puts()]).toEqual([resizes, puts]);
    expect(await harness.records(sut.tableName)).toEqual([]);
  });

  it('answers INVALID_REQUEST, not a thrown URIError, for a lone surrogate in src_key', async () => {
    const before = await snapshot();
    const payload = JSON.parse('{"src_key":"photo/a\\ud800.jpg"}') as { src_key: string };

    const response = await sut.handler({ ...base, ...payload }, lambdaContext());

    expect(response).toMatchObject({ status: false, code: 'INVALID_REQUEST' });
    expect(response.error).toContain('Expected well-formed Unicode string (no lone surrogate) for src_key');
    expect(await snapshot()).toEqual(before);
  });

  it('still serves the request its deployment is configured for (the Go payload)', async () => {
    const response = await sut.handler(base, lambdaContext());
    expect(response).toMatchObject({ status: true, key: 'prew/small/samples/landscape.jpg', content_type: 'image/jpeg' });
  });
});
