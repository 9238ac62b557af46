/**
 * Sample originals for the local stack: what `events/*.json`, `npm run invoke` and the demo expect to
 * find in the source bucket. Generated with sharp, so no binary file is committed.
 */
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { makeGif, makeJpeg, makePng, makeWebp } from '@preview-lambda/fixtures/images';

/** A sample original: its key under the source bucket and how to make its bytes. */
export interface SampleObject {
  /** Object key, under `photo/samples/`. */
  readonly key: string;
  /** Content type stored with the object (as an uploader would set it). */
  readonly contentType: string;
  /** Produces the bytes. */
  readonly make: () => Promise<Buffer>;
}

/** The sample originals, by key. `does-not-exist.jpg` is deliberately absent. */
export const SAMPLE_OBJECTS: readonly SampleObject[] = [
  {
    key: 'photo/samples/landscape.jpg',
    contentType: 'image/jpeg',
    make: () => makeJpeg({ width: 2400, height: 1600 }),
  },
  {
    key: 'photo/samples/portrait.jpg',
    contentType: 'image/jpeg',
    make: () => makeJpeg({ width: 1600, height: 1200, orientation: 6 }),
  },
  {
    key: 'photo/samples/logo.png',
    contentType: 'image/png',
    make: () => makePng({ width: 1200, height: 600, alpha: true }),
  },
  {
    key: 'photo/samples/photo.webp',
    contentType: 'image/webp',
    make: () => makeWebp({ width: 1600, height: 1000 }),
  },
  {
    key: 'photo/samples/animation.gif',
    contentType: 'image/gif',
    make: () => makeGif({ width: 480, height: 360 }),
  },
  {
    key: 'photo/samples/notes.jpg',
    contentType: 'image/jpeg',
    make: async () => Buffer.from('Shopping list: milk, eggs. Not a picture, whatever the extension says.\n'),
  },
];

/** Options of {@link seedSamples}. */
export interface SeedOptions {
  /** Canned ACL of the uploads, e.g. `public-read` so that nginx can serve them anonymously from S3 that honours ACLs (moto). Default: none. */
  readonly acl?: 'public-read';
}

/** Uploads every sample original to `bucket`. */
export async function seedSamples(
  s3Config: S3ClientConfig,
  bucket: string,
  options: SeedOptions = {},
): Promise<void> {
  const client = new S3Client(s3Config);
  try {
    await Promise.all(
      SAMPLE_OBJECTS.map(async (sample) =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: sample.key,
            Body: await sample.make(),
            ContentType: sample.contentType,
            ...(options.acl === undefined ? {} : { ACL: options.acl }),
          }),
        ),
      ),
    );
  } finally {
    client.destroy();
  }
}
