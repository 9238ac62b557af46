/** Events and images for the lifecycle tests: S3 notifications, EventBridge events, Batch invocations. */
import sharp from 'sharp';
import { BUCKETS, type Harness } from '../support/harness.js';
import { TEST_PRESETS } from '../support/requests.js';

/** The test presets' names, in catalogue order. */
export const TEST_PRESETS_LIST: readonly string[] = TEST_PRESETS.split(',').map((pair) => pair.split('=')[0]!);

/** A small flat-colour JPEG (64×48): two colours tell two versions of an original apart. */
export async function colourJpeg(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } }).jpeg({ quality: 95 }).toBuffer();
}

/** The S3 event notification S3 sends for `key` (form-URL-encoded as S3 encodes it). */
export function s3Notification(eventName: string, key: string, bucket: string = BUCKETS.source): unknown {
  const encoded = encodeURIComponent(key).replaceAll('%2F', '/').replaceAll('%20', '+');
  return {
    Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName, s3: { bucket: { name: bucket }, object: { key: encoded } } }],
  };
}

/** The EventBridge event S3 sends for `key` (`Object Created` / `Object Deleted`). */
export function eventBridgeEvent(detailType: string, key: string, bucket: string = BUCKETS.source): unknown {
  return {
    version: '0',
    'detail-type': detailType,
    source: 'aws.s3',
    detail: { version: '0', bucket: { name: bucket }, object: { key }, 'source-ip-address': '2001:db8::1' },
  };
}

/** A Batch Operations invocation of one task (key URL-encoded as in a manifest). */
export function batchInvocation(
  version: '1.0' | '2.0',
  key: string,
  userArguments?: Record<string, string>,
  bucket: string = BUCKETS.source,
): unknown {
  const task =
    version === '1.0'
      ? { taskId: 'task-1', s3Key: encodeURIComponent(key), s3VersionId: null, s3BucketArn: `arn:aws:s3:::${bucket}` }
      : { taskId: 'task-1', s3Key: encodeURIComponent(key), s3VersionId: null, s3Bucket: bucket };
  const job = version === '2.0' && userArguments !== undefined ? { id: 'job-1', userArguments } : { id: 'job-1' };
  return { invocationSchemaVersion: version, invocationId: 'invocation-1', job, tasks: [task] };
}

/** Every preview of an original under the test presets (`TEST_PRESETS`), variants included, in catalogue order. */
export const TEST_VARIANTS: readonly string[] = [
  'icon', 'thumb', 'card', 'small', 'small@avif', 'small@webp', 'medium', 'medium@webp', 'large', 'poster',
];

/** The preview keys of `srcKey` (under `photo/`) for each test preset and variant. */
export function previewKeys(srcKey: string): string[] {
  return TEST_VARIANTS.map((segment) => `prew/${segment}/${srcKey.slice('photo/'.length)}`);
}

/** Which of `keys` exist in the destination bucket. */
export async function existing(harness: Harness, keys: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const key of keys) if ((await harness.getObject(BUCKETS.destination, key)) !== undefined) found.push(key);
  return found;
}
