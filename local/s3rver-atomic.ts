/**
 * The one patch this project applies to `s3rver` (3.7.1, unmaintained since 2021; kept because it is the
 * only S3 server that installs from npm and runs in-process, so a fresh machine needs only Node — see the
 * README's "Tests"). `test/local/s3rver.test.ts` fails when an upgrade moves the internals it relies on or
 * when readers can see a partial object again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

/**
 * Makes s3rver's PutObject atomic, as S3's is. s3rver writes the object file in place (and, for a buffer,
 * answers before the write has finished), then its metadata: a GET at the same moment can get a 200
 * with an empty or partial body and the default `binary/octet-stream` type. nginx reading previews while
 * the function writes them sees exactly that. Here the body goes to a temporary file in `partialDir` (same
 * file system), the metadata is written, and the file is renamed into place: readers see no object or
 * the whole one.
 */
export function makePutsAtomic(s3: S3rver, partialDir: string): void {
  const store = s3.store;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    await mkdir(partialDir, { recursive: true });
    const partial = join(partialDir, randomUUID());
    const md5 = createHash('md5');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.byteLength;
        callback(null, chunk);
      },
    });
    try {
      const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      await pipeline(body, measure, createWriteStream(partial));
      const digest = md5.digest('hex');
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(partial, objectPath);
      return { size, md5: digest };
    } finally {
      await rm(partial, { force: true });
    }
  };
}
