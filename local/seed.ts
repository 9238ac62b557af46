/**
 * Sample originals for the local stack: what `events/*.json`, `npm run invoke` and the demo (and its
 * gallery) expect to find in the source bucket. Generated scenes that look like photographs
 * (`fixtures/scenes.ts`), made with sharp, so no binary file is committed.
 */
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { makeBoatAnimation, makeLakeScene, makeLighthouseScene, makeLogo } from '@preview-lambda/fixtures/scenes';

/** A sample original: its key under the source bucket and how to make its bytes. */
export interface SampleObject {
  /** Object key, under `photo/samples/`. */
  readonly key: string;
  /** Content type stored with the object (as an uploader would set it). */
  readonly contentType: string;
  /** What it shows, for the gallery (absent: not an image, left out of it). */
  readonly title?: string;
  /** Produces the bytes. */
  readonly make: () => Promise<Buffer>;
}

/** The sample originals, by key. `does-not-exist.jpg` is deliberately absent. */
export const SAMPLE_OBJECTS: readonly SampleObject[] = [
  {
    key: 'photo/samples/landscape.jpg',
    contentType: 'image/jpeg',
    title: 'A mountain lake at dusk: a 2400x1600 JPEG as a camera writes it (q90)',
    make: async () => (await makeLakeScene({ width: 2400, height: 1600 })).jpeg({ quality: 90 }).toBuffer(),
  },
  {
    key: 'photo/samples/portrait.jpg',
    contentType: 'image/jpeg',
    title: 'A lighthouse, stored sideways (1600x1200) with EXIF orientation 6, as a phone held upright writes it: upright previews prove the rotation',
    // Drawn upright (1200x1600), stored turned a quarter left; orientation 6 says "turn right to show".
    make: async () =>
      (await makeLighthouseScene({ width: 1200, height: 1600 }))
        .rotate(270)
        .withMetadata({ orientation: 6 })
        .jpeg({ quality: 90 })
        .toBuffer(),
  },
  {
    key: 'photo/samples/logo.png',
    contentType: 'image/png',
    title: 'A logo: a 1200x600 PNG with a transparent background',
    make: async () => (await makeLogo({ width: 1200, height: 600 })).toBuffer(),
  },
  {
    key: 'photo/samples/photo.webp',
    contentType: 'image/webp',
    title: 'The lake by day: a 1600x1000 lossy WebP',
    make: async () => (await makeLakeScene({ width: 1600, height: 1000, seed: 3, light: 'day' })).webp({ quality: 85 }).toBuffer(),
  },
  {
    key: 'photo/samples/animation.gif',
    contentType: 'image/gif',
    title: 'A boat crossing the lake: a 480x270 animated GIF, 12 frames of 120 ms',
    make: () => makeBoatAnimation({ width: 480, height: 270 }),
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
