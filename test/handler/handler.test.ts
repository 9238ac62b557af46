import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeBombPng, makeGif, makeJpeg, makePng, makeWebp, randomBytes, truncate } from '@preview-lambda/fixtures/images';
import { BACKEND, BUCKETS, type Harness, lambdaContext, startHarness } from '../support/harness.js';
import { uniqueSourceKey } from '../support/requests.js';
import { expectedKey, expectFailure, request } from './support.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const sourceKey = uniqueSourceKey;

describe('Function: handler (JPEG and PNG happy paths)', () => {
  it('resizes a JPEG, writes it with content type and cache control, and returns exactly the stored bytes', async () => {
    const sut = await harness.handler();
    const src = sourceKey('beach.jpg');
    await harness.putSource(src, await makeJpeg({ width: 1600, height: 1200 }));

    const response = await sut.handler(request(src), lambdaContext());

    expect(Object.keys(response)).toEqual(['status', 'key', 'content_type', 'data', 'error']);
    expect(response).toMatchObject({
      status: true,
      key: expectedKey(src),
      content_type: 'image/jpeg',
      error: '',
    });
    const stored = await harness.getObject(BUCKETS.destination, response.key);
    expect(stored?.contentType).toBe('image/jpeg');
    expect(stored?.cacheControl).toBe('public, max-age=86400');
    expect(Buffer.from(response.data, 'base64').equals(stored!.bytes)).toBe(true);
    const meta = await sharp(stored!.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240]);
    expect(sut.resizes()).toBe(1);
    expect(sut.puts()).toBe(1);
  });

  it('keeps a PNG as PNG with its alpha channel', async () => {
    const sut = await harness.handler();
    const src = sourceKey('logo.png');
    await harness.putSource(src, await makePng({ width: 800, height: 400, alpha: true }));

    const response = await sut.handler(request(src, { preset_name: 'thumb', width: 200 }), lambdaContext());

    expect(response).toMatchObject({ status: true, content_type: 'image/png' });
    const bytes = Buffer.from(response.data, 'base64');
    expect(bytes.equals((await harness.getObject(BUCKETS.destination, response.key))!.bytes)).toBe(true);
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height, meta.hasAlpha]).toEqual(['png', 200, 100, true]);
  });

  it('takes the content type from the bytes, not the extension', async () => {
    const sut = await harness.handler();
    const src = sourceKey('really-a-png.jpg');
    await harness.putSource(src, await makePng({ width: 640, height: 480 }), 'image/jpeg');

    const response = await sut.handler(request(src), lambdaContext());

    expect(response).toMatchObject({ status: true, content_type: 'image/png', key: expectedKey(src) });
    expect((await harness.getObject(BUCKETS.destination, response.key))?.contentType).toBe('image/png');
  });

  it('writes WebP and GIF sources in their own format, an animated GIF animated', async () => {
    const sut = await harness.handler();
    const webp = sourceKey('photo.webp');
    const gif = sourceKey('anim.gif');
    await harness.putSource(webp, await makeWebp({ width: 1000, height: 500 }));
    await harness.putSource(gif, await makeGif({ width: 400, height: 400 }));

    const [webpResponse, gifResponse] = await Promise.all([
      sut.handler(request(webp), lambdaContext()),
      sut.handler(request(gif, { preset_name: 'icon', width: 100 }), lambdaContext()),
    ]);

    expect(webpResponse).toMatchObject({ status: true, content_type: 'image/webp' });
    expect(gifResponse).toMatchObject({ status: true, content_type: 'image/gif' });
    const gifMeta = await sharp(Buffer.from(gifResponse.data, 'base64')).metadata();
    expect([gifMeta.format, gifMeta.width, gifMeta.pages ?? 1]).toEqual(['gif', 100, 2]);
  });

  it('applies EXIF orientation so a rotated phone photo comes out upright', async () => {
    const sut = await harness.handler();
    const src = sourceKey('portrait.jpg');
    await harness.putSource(src, await makeJpeg({ width: 800, height: 600, orientation: 6 }));

    const response = await sut.handler(request(src, { preset_name: 'card', width: 300 }), lambdaContext());

    const meta = await sharp(Buffer.from(response.data, 'base64')).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([300, 400, undefined]);
  });

  it('accepts and ignores unknown fields, keyed like the same request without them', async () => {
    const sut = await harness.handler();
    const src = sourceKey('extra.jpg');
    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));

    const first = await sut.handler({ ...request(src), legacy_flag: true, quality: 'high' }, lambdaContext());
    const second = await sut.handler(request(src), lambdaContext());

    expect(first.status).toBe(true);
    expect(second.data).toBe(first.data);
    expect(sut.resizes()).toBe(1);
  });

  it('logs one summary line with the request, key, sizes and outcome, and never the image data', async () => {
    const sut = await harness.handler();
    const info = vi.spyOn(sut.logger, 'info');
    const src = sourceKey('logged.jpg');
    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));

    const response = await sut.handler(request(src), lambdaContext());

    expect(info).toHaveBeenCalledTimes(1);
    const [message, fields] = info.mock.calls[0] as [string, Record<string, unknown>];
    expect(message).toBe('preview');
    expect(fields).toMatchObject({
      outcome: 'executed',
      key: response.key,
      request_src_key: src,
      request_width: 320,
      source_width: 640,
      width: 320,
      height: 240,
      data_omitted: false,
    });
    expect(fields.bytes_out).toBe(Buffer.from(response.data, 'base64').length);
    expect(JSON.stringify(fields)).not.toContain(response.data.slice(0, 40));
  });
});

describe('Function: handler (ACLs)', () => {
  // s3rver ignores ACLs; moto enforces them and runs in CI (PREVIEW_TEST_BACKEND=moto).
  it.runIf(BACKEND === 'moto')(
    'writes previews public-read by default and without ACL when PREVIEW_ACL=none',
    async () => {
      // Two presets of the same width, so the two previews have their own keys.
      const presets = 'public=320,private=320';
      const publicSut = await harness.handler({ env: { PRESETS: presets } });
      const privateSut = await harness.handler({ env: { PREVIEW_ACL: 'none', PRESETS: presets } });
      const src = sourceKey('acl.jpg');
      await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));

      const publicResponse = await publicSut.handler(
        request(src, { preset_name: 'public' }),
        lambdaContext(),
      );
      const privateResponse = await privateSut.handler(
        request(src, { preset_name: 'private' }),
        lambdaContext(),
      );

      const allUsers = 'http://acs.amazonaws.com/groups/global/AllUsers:READ';
      expect(await harness.getGrants(BUCKETS.destination, publicResponse.key)).toContain(allUsers);
      expect(await harness.getGrants(BUCKETS.destination, privateResponse.key)).not.toContain(allUsers);
    },
  );
});

describe('Function: handler (permanent failures)', () => {
  it('answers SOURCE_NOT_FOUND with the Go message when the original is missing', async () => {
    const sut = await harness.handler();
    const src = sourceKey('missing.jpg');

    const response = await sut.handler(request(src), lambdaContext());

    expectFailure(response, 'SOURCE_NOT_FOUND');
    expect(response.error).toBe(`File ${src} not exists in ${BUCKETS.source}`);
    expect(Object.keys(response)).toEqual(['status', 'key', 'content_type', 'data', 'error', 'code']);
  });

  it.each([
    ['a text file', () => Buffer.from('hello, I am not a picture\n'), 'NOT_AN_IMAGE'],
    ['a zero-byte file', () => Buffer.alloc(0), 'NOT_AN_IMAGE'],
    ['random bytes', () => randomBytes(4096), 'NOT_AN_IMAGE'],
    ['a truncated JPEG', async () => truncate(await makeJpeg({ width: 1200, height: 900 })), 'CORRUPT_IMAGE'],
    ['a PNG declaring 30000x30000 pixels', () => makeBombPng(30_000, 30_000), 'TOO_MANY_PIXELS'],
  ] as const)('answers %s with %s, writes nothing and keeps no record', async (_name, make, code) => {
    const sut = await harness.handler();
    const src = sourceKey('bad.jpg');
    await harness.putSource(src, await make());

    const response = await sut.handler(request(src), lambdaContext());

    expectFailure(response, code);
    expect(await harness.getObject(BUCKETS.destination, expectedKey(src))).toBeUndefined();
    expect(sut.puts()).toBe(0);
    expect(await harness.records(sut.tableName)).toEqual([]);
  });

  it('answers SOURCE_TOO_LARGE when the original exceeds MAX_SOURCE_BYTES', async () => {
    const sut = await harness.handler({ env: { MAX_SOURCE_BYTES: '1000' } });
    const src = sourceKey('big.jpg');
    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));

    const response = await sut.handler(request(src), lambdaContext());

    expectFailure(response, 'SOURCE_TOO_LARGE');
    expect(response.error).toMatch(/at most 1000 bytes/);
  });

  it.each([
    ['width as a string', { width: '1440' }, /width.*"1440" \(string\)/],
    ['width 0', { width: 0 }, /width/],
    ['a fractional width', { width: 12.5 }, /width/],
    ['a negative width', { width: -3 }, /width/],
    ['a missing src_key', { src_key: undefined }, /src_key/],
    ['a missing src_bucket', { src_bucket: undefined }, /src_bucket/],
    ['an invalid dst_bucket name', { dst_bucket: 'Not_A_Bucket' }, /dst_bucket/],
    ['a src_key outside rewrite_part', { src_key: 'other/a.jpg' }, /src_key/],
    ['a ".." segment', { src_key: 'photo/a/../b.jpg' }, /src_key/],
    ['an empty segment', { src_key: 'photo//b.jpg' }, /src_key/],
    ['a slash in preset_name', { preset_name: 'a/b' }, /preset_name/],
    ['a slash in root_folder', { root_folder: 'prew/x' }, /root_folder/],
    ['an empty rewrite_part', { rewrite_part: '' }, /rewrite_part/],
  ])('answers INVALID_REQUEST naming the field for %s', async (_name, overrides, message) => {
    const sut = await harness.handler();

    const response = await sut.handler(request('photo/a.jpg', overrides), lambdaContext());

    expectFailure(response, 'INVALID_REQUEST');
    expect(response.error).toMatch(message);
    expect(sut.resizes()).toBe(0);
  });

  it.each([null, 'a string', 42, []])(
    'answers INVALID_REQUEST for the non-object event %j',
    async (event) => {
      const sut = await harness.handler();
      expectFailure(await sut.handler(event, lambdaContext()), 'INVALID_REQUEST');
    },
  );

  it('answers WIDTH_TOO_LARGE above MAX_WIDTH', async () => {
    const sut = await harness.handler({ env: { MAX_WIDTH: '2000' } });
    const response = await sut.handler(request('photo/a.jpg', { width: 2001 }), lambdaContext());
    expectFailure(response, 'WIDTH_TOO_LARGE');
  });

  it.each([
    ['source', { src_bucket: BUCKETS.forbidden }],
    ['destination', { dst_bucket: BUCKETS.forbidden }],
  ])('answers BUCKET_NOT_ALLOWED for a %s bucket outside the allow-list', async (role, overrides) => {
    const sut = await harness.handler();
    const response = await sut.handler(request(sourceKey('a.jpg'), overrides), lambdaContext());
    expectFailure(response, 'BUCKET_NOT_ALLOWED');
    expect(response.error).toContain(role);
  });
});


describe('Function: handler (response size)', () => {
  it('answers key-only when the base64 would exceed the 6 MB synchronous limit, executed and replayed', async () => {
    const sut = await harness.handler();
    const src = sourceKey('noise.png');
    // Noise does not compress: a 1600x1200 RGB noise PNG is ~5.8 MB, ~7.7 MB as base64.
    const noise = await sharp(randomBytes(1600 * 1200 * 3), {
      raw: { width: 1600, height: 1200, channels: 3 },
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    await harness.putSource(src, noise);

    const first = await sut.handler(request(src, { preset_name: 'poster', width: 1600 }), lambdaContext());
    const replay = await sut.handler(request(src, { preset_name: 'poster', width: 1600 }), lambdaContext());

    for (const response of [first, replay]) {
      expect(response).toEqual({
        status: true,
        key: expectedKey(src, 'poster'),
        content_type: 'image/png',
        data: '',
        error: '',
      });
    }
    const stored = await harness.getObject(BUCKETS.destination, first.key);
    expect(stored!.bytes.length).toBeGreaterThan(4_800_000);
    expect(sut.resizes()).toBe(1);
  });
});

describe('Function: handler (transient failures)', () => {
  it('throws when S3 cannot be reached, so the invocation fails and can be retried, and keeps no record', async () => {
    const sut = await harness.handler({ s3Down: true });
    await expect(sut.handler(request(sourceKey('x.jpg')), lambdaContext())).rejects.toThrow();
    expect(await harness.records(sut.tableName)).toEqual([]);
  });
});
