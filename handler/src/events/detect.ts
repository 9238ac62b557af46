/**
 * The function's one entry point takes four shapes of event; this tells them apart and validates each:
 *
 * - an object with `invocationSchemaVersion` (and no `src_key`): an S3 Batch Operations invocation;
 * - an object with `Records` (and no `src_key`): an S3 event notification; S3's test message
 *   (`{"Service":"Amazon S3","Event":"s3:TestEvent",…}`, sent once when a bucket's notification
 *   configuration is saved: AWS S3 User Guide, "Event message structure") is a notification of no object;
 * - an object with `detail-type` (and no `src_key`): an EventBridge event;
 * - anything else, valid or not: the Go payload, handled exactly as before (an invalid one is answered
 *   `INVALID_REQUEST`, byte for byte as the Go contract says).
 *
 * An event of the first three shapes that breaks its schema is an {@link InvalidEventError} naming
 * every bad field.
 *
 * @module
 */
import { formatIssues } from '@preview-lambda/contract';
import type * as z from 'zod';
import { InvalidEventError } from '../errors.js';
import { BatchInvocation, S3EventBridgeEvent, S3Notification } from './schemas.js';

/** What happened to an object, as far as previews care. */
export type ObjectChangeKind =
  /** Created or overwritten (`ObjectCreated:*`, `Object Created`). */
  | 'created'
  /** Deleted, or hidden by a delete marker (`ObjectRemoved:*`, `Object Deleted`). */
  | 'removed';

/** One object an event is about, its key decoded. */
export interface ObjectEvent {
  /** `created` / `removed`, or `undefined` for events previews do not follow (restores, tags, ACLs…). */
  readonly change: ObjectChangeKind | undefined;
  /** The event's own name, e.g. `ObjectCreated:Put` or `Object Deleted`. */
  readonly name: string;
  readonly bucket: string;
  readonly key: string;
}

/** Where an object event came from. */
export type ObjectEventSource = 's3-notification' | 'eventbridge';

/** An event, classified and validated. */
export type FunctionEvent =
  /** The Go payload (not validated here: the preview handler does it, as it always did). */
  | { readonly kind: 'preview'; readonly payload: unknown }
  /** S3 object events. */
  | { readonly kind: 'objects'; readonly source: ObjectEventSource; readonly objects: readonly ObjectEvent[] }
  /** An S3 Batch Operations invocation. */
  | { readonly kind: 'batch'; readonly invocation: BatchInvocation };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parse<Schema extends z.ZodType>(schema: Schema, event: unknown, kind: string): z.output<Schema> {
  const result = schema.safeParse(event, { reportInput: true });
  if (result.success) return result.data;
  throw new InvalidEventError(kind, formatIssues(result.error.issues, { rootName: 'event' }));
}

/** `ObjectCreated:Put` (or MinIO's `s3:ObjectCreated:Put`) → `created`, `ObjectRemoved:*` → `removed`. */
function notificationChange(eventName: string): ObjectChangeKind | undefined {
  const name = eventName.replace(/^s3:/, '');
  if (name.startsWith('ObjectCreated:')) return 'created';
  if (name.startsWith('ObjectRemoved:')) return 'removed';
  return undefined;
}

const EVENTBRIDGE_CHANGES: ReadonlyMap<string, ObjectChangeKind> = new Map([
  ['Object Created', 'created'],
  ['Object Deleted', 'removed'],
]);

/**
 * Classifies and validates an invocation's event.
 *
 * @throws {InvalidEventError} an S3 notification, EventBridge event or Batch Operations invocation that
 *   breaks its schema (or an EventBridge event from another source than `aws.s3`).
 */
export function classifyEvent(event: unknown): FunctionEvent {
  if (!isObject(event) || 'src_key' in event) return { kind: 'preview', payload: event };
  if ('invocationSchemaVersion' in event) {
    return { kind: 'batch', invocation: parse(BatchInvocation, event, 'S3 Batch Operations invocation') };
  }
  if (event.Service === 'Amazon S3' && event.Event === 's3:TestEvent') {
    return { kind: 'objects', source: 's3-notification', objects: [] };
  }
  if ('Records' in event) {
    const notification = parse(S3Notification, event, 'S3 event notification');
    return {
      kind: 'objects',
      source: 's3-notification',
      objects: notification.Records.map((record) => ({
        change: notificationChange(record.eventName),
        name: record.eventName,
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
      })),
    };
  }
  if ('detail-type' in event) {
    const parsed = parse(S3EventBridgeEvent, event, 'EventBridge S3 event');
    const name = parsed['detail-type'];
    return {
      kind: 'objects',
      source: 'eventbridge',
      objects: [{ change: EVENTBRIDGE_CHANGES.get(name), name, bucket: parsed.detail.bucket.name, key: parsed.detail.object.key }],
    };
  }
  return { kind: 'preview', payload: event };
}
