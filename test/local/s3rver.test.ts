/**
 * The s3rver patch (local/s3rver-atomic.ts): readers of an object being overwritten see the old object or
 * the new one, whole, with its content type — as on S3 — never a partial body. Fails when an s3rver
 * upgrade moves the store internals the patch replaces, or when the patch stops being applied.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '@preview-lambda/local/emulators';

const BUCKET = 'atomic-puts';
const SIZE = 2 * 1024 * 1024;

let emulators: Emulators;
let client: S3Client;

beforeAll(async () => {
  emulators = await startEmulators({ backend: 'node' });
  await emulators.createBucket(BUCKET);
  client = new S3Client(emulators.s3Config());
});

afterAll(async () => {
  client?.destroy();
  await emulators?.stop();
});

describe('Function: makePutsAtomic (s3rver 3.7.1)', () => {
  it('replaces store internals that s3rver still has', () => {
    const server = new S3rver({ directory: '/nonexistent', silent: true });
    expect(typeof server.store.putObject).toBe('function');
    expect(typeof server.store.putMetadata).toBe('function');
    expect(typeof server.store.getResourcePath).toBe('function');
    expect(server.store.getResourcePath('b', 'k/x.jpg', 'object')).toBe('/nonexistent/b/k/x.jpg._S3rver_object');
    expect([server.store.putObject.length, server.store.putMetadata.length]).toEqual([1, 4]);
  });

  it('never lets a reader see a partial or untyped object while it is overwritten', async () => {
    const put = (fill: string) =>
      client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'photo.jpg', Body: Buffer.alloc(SIZE, fill), ContentType: 'image/jpeg' }),
      );
    await put('a');
    let writing = true;
    const writer = (async () => {
      for (let round = 0; round < 12; round++) await put(round % 2 === 0 ? 'b' : 'a');
      writing = false;
    })();
    const seen: string[] = [];
    const reader = async () => {
      while (writing) {
        const output = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'photo.jpg' }));
        const body = Buffer.from(await output.Body!.transformToByteArray());
        const uniform = body.length === SIZE && (body.every((byte) => byte === 97) || body.every((byte) => byte === 98));
        seen.push(`${output.ContentType} ${body.length} ${uniform ? 'whole' : 'partial'}`);
      }
    };
    await Promise.all([writer, reader(), reader(), reader()]);

    expect(seen.length).toBeGreaterThan(10);
    expect(new Set(seen)).toEqual(new Set([`image/jpeg ${SIZE} whole`]));
  });
});
