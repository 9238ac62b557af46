/**
 * zod schemas of the AWS events the function accepts besides the Go payload, checking only what it reads
 * (the object's bucket and key, what happened to it, Batch Operations' ids and arguments) and decoding
 * each source's key as that source encodes it (`keys.ts`).
 *
 * Why not the schemas of `@aws-lambda-powertools/parser`: they demand fields the function never reads
 * (`userIdentity`, `requestParameters`, `responseElements`, a datetime `eventTime`) and check the
 * requester's `sourceIPAddress` as an IPv4 address, so a valid notification of an upload over IPv6 (S3's
 * dual-stack endpoints) would be refused, and they add a dependency pinned to its own zod. Failing a
 * purge over a field we do not use would leave stale previews.
 *
 * @module
 */
import * as z from 'zod';
import { decodeBatchKey, decodeNotificationKey, KeyDecodingFailure } from './keys.js';

const text = () =>
  z.string({ error: 'Expected non-empty string' }).min(1, { error: 'Expected non-empty string' });

/** A key decoded by `decode`; a key that cannot be is an issue naming why. */
function encodedKey(decode: (raw: string) => string | KeyDecodingFailure, encoding: string) {
  return text().transform((raw, ctx) => {
    const decoded = decode(raw);
    if (!(decoded instanceof KeyDecodingFailure)) return decoded;
    ctx.addIssue({ code: 'custom', input: raw, message: `Expected a ${encoding} object key (${decoded.reason})` });
    return z.NEVER;
  });
}

/** One record of an S3 event notification (`eventSource: "aws:s3"`). */
export const S3NotificationRecord = z.object({
  eventSource: z.literal('aws:s3', { error: 'Expected "aws:s3" (an S3 event notification)' }),
  eventName: text(),
  s3: z.object(
    {
      bucket: z.object({ name: text() }, { error: 'Expected object' }),
      object: z.object(
        {
          key: encodedKey(decodeNotificationKey, 'form-URL-encoded'),
          eTag: z.string().optional(),
        },
        { error: 'Expected object' },
      ),
    },
    { error: 'Expected object' },
  ),
});

/** An S3 event notification sent straight to the function: one or more `Records`. */
export const S3Notification = z.object({
  Records: z
    .array(S3NotificationRecord, { error: 'Expected array of S3 event records' })
    .min(1, { error: 'Expected at least one record' }),
});
/** A parsed S3 event notification (keys decoded). */
export type S3Notification = z.output<typeof S3Notification>;

/** An S3 event delivered by EventBridge (`source: "aws.s3"`), any `detail-type`. */
export const S3EventBridgeEvent = z.object({
  source: z.literal('aws.s3', { error: 'Expected "aws.s3" (an S3 event delivered by EventBridge)' }),
  'detail-type': text(),
  detail: z.object(
    {
      bucket: z.object({ name: text() }, { error: 'Expected object' }),
      object: z.object({ key: text(), etag: z.string().optional() }, { error: 'Expected object' }),
    },
    { error: 'Expected object' },
  ),
});
/** A parsed EventBridge S3 event. */
export type S3EventBridgeEvent = z.output<typeof S3EventBridgeEvent>;

const taskBase = {
  taskId: text(),
  s3Key: encodedKey(decodeBatchKey, 'URL-encoded'),
  s3VersionId: z.string().nullable().optional(),
};

/** An S3 Batch Operations invocation, schema 1.0 (bucket as an ARN) or 2.0 (bucket name, `userArguments`). */
export const BatchInvocation = z.discriminatedUnion(
  'invocationSchemaVersion',
  [
    z.object({
      invocationSchemaVersion: z.literal('1.0'),
      invocationId: text(),
      job: z.object({ id: text() }, { error: 'Expected object' }),
      tasks: z
        .array(
          z.object({
            ...taskBase,
            s3BucketArn: text().regex(/^arn:[^:]+:s3:[^:]*:[^:]*:[^:/]+$/, { error: 'Expected an S3 bucket ARN' }),
          }),
          { error: 'Expected array of tasks' },
        )
        .min(1, { error: 'Expected at least one task' }),
    }),
    z.object({
      invocationSchemaVersion: z.literal('2.0'),
      invocationId: text(),
      job: z.object(
        { id: text(), userArguments: z.record(z.string(), z.string(), { error: 'Expected object of strings' }).nullish() },
        { error: 'Expected object' },
      ),
      tasks: z
        .array(z.object({ ...taskBase, s3Bucket: text() }), { error: 'Expected array of tasks' })
        .min(1, { error: 'Expected at least one task' }),
    }),
  ],
  { error: 'Expected "1.0" or "2.0" (the Batch Operations invocation schemas)' },
);
/** A parsed Batch Operations invocation (keys decoded). */
export type BatchInvocation = z.output<typeof BatchInvocation>;
