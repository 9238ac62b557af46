/**
 * The entry point's event detection and validation (unit): which shape goes where, each source's key
 * decoding, and the errors malformed events get.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '@preview-lambda/handler/errors';
import { classifyEvent } from '@preview-lambda/handler/events/detect';
import { decodeBatchKey, decodeNotificationKey, KeyDecodingFailure } from '@preview-lambda/handler/events/keys';
import { GO_EXAMPLE_REQUEST } from '../support/requests.js';

const sample = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

function notification(key: string, eventName = 'ObjectCreated:Put'): unknown {
  return { Records: [{ eventSource: 'aws:s3', eventName, s3: { bucket: { name: 'b' }, object: { key } } }] };
}

function batch(version: '1.0' | '2.0', s3Key: string): unknown {
  const task = version === '1.0' ? { s3BucketArn: 'arn:aws:s3:::bucket-a' } : { s3Bucket: 'bucket-a' };
  return { invocationSchemaVersion: version, invocationId: 'inv', job: { id: 'job' }, tasks: [{ taskId: 't', s3Key, s3VersionId: null, ...task }] };
}

function invalid(event: unknown): InvalidEventError {
  try {
    classifyEvent(event);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('classifyEvent accepted the event');
}

describe('Function: classifyEvent', () => {
  it('hands the Go payload, valid or not, to the preview handler untouched', () => {
    for (const payload of [GO_EXAMPLE_REQUEST, {}, { width: '1440' }, null, 'text', [1], { src_key: 'x', Records: [] }]) {
      const classified = classifyEvent(payload);
      expect(classified).toEqual({ kind: 'preview', payload });
      if (classified.kind === 'preview') expect(classified.payload).toBe(payload);
    }
  });

  it('reads the sample S3 notifications: created and removed, with their bucket and key', () => {
    expect(classifyEvent(sample('s3-object-created.json'))).toEqual({
      kind: 'objects',
      source: 's3-notification',
      objects: [{ change: 'created', name: 'ObjectCreated:Put', bucket: 'preview-lambda-demo', key: 'photo/samples/landscape.jpg' }],
    });
    expect(classifyEvent(sample('s3-object-removed.json'))).toMatchObject({
      objects: [{ change: 'removed', name: 'ObjectRemoved:Delete' }],
    });
  });

  it('reads the sample EventBridge events (an IPv6 requester is fine)', () => {
    expect(classifyEvent(sample('eventbridge-object-created.json'))).toEqual({
      kind: 'objects',
      source: 'eventbridge',
      objects: [{ change: 'created', name: 'Object Created', bucket: 'preview-lambda-demo', key: 'photo/samples/portrait.jpg' }],
    });
    expect(classifyEvent(sample('eventbridge-object-deleted.json'))).toMatchObject({ objects: [{ change: 'removed' }] });
  });

  it('marks the events previews do not follow (restores, tags, delete markers are removals)', () => {
    const restore = { ...sample('eventbridge-object-created.json'), 'detail-type': 'Object Restore Completed' };
    expect(classifyEvent(restore)).toMatchObject({ objects: [{ change: undefined, name: 'Object Restore Completed' }] });
    expect(classifyEvent(notification('photo/a.jpg', 'ObjectTagging:Put'))).toMatchObject({ objects: [{ change: undefined }] });
    expect(classifyEvent(notification('photo/a.jpg', 'ObjectRemoved:DeleteMarkerCreated'))).toMatchObject({
      objects: [{ change: 'removed' }],
    });
  });

  it('reads S3\'s test message (sent when notifications are configured) as a notification of no object', () => {
    const test = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-12-01T09:00:00.000Z', Bucket: 'preview-lambda-demo', RequestId: 'R', HostId: 'H' };
    expect(classifyEvent(test)).toEqual({ kind: 'objects', source: 's3-notification', objects: [] });
    // Only S3's own: the same fields from elsewhere stay a (refused) Go payload.
    expect(classifyEvent({ ...test, Service: 'Other' })).toMatchObject({ kind: 'preview' });
  });

  it('reads both Batch Operations schemas and their user arguments', () => {
    expect(classifyEvent(sample('batch-generate-1.0.json'))).toMatchObject({
      kind: 'batch',
      invocation: { invocationSchemaVersion: '1.0', tasks: [{ s3Key: 'photo/samples/logo.png', s3BucketArn: 'arn:aws:s3:::preview-lambda-demo' }] },
    });
    expect(classifyEvent(sample('batch-purge-2.0.json'))).toMatchObject({
      kind: 'batch',
      invocation: { invocationSchemaVersion: '2.0', job: { userArguments: { action: 'purge' } }, tasks: [{ s3Bucket: 'preview-lambda-demo' }] },
    });
  });
});

describe('Keys: each source decoded as it encodes them', () => {
  it('decodes S3 notification keys as form-URL-encoded: "+" is a space, "%2B" a plus', () => {
    const key = (raw: string) => (classifyEvent(notification(raw)) as unknown as { objects: { key: string }[] }).objects[0]!.key;
    expect(key('photo/red+flower%2B1.jpg')).toBe('photo/red flower+1.jpg');
    expect(key('photo/caf%C3%A9/%E5%86%99%E7%9C%9F.jpg')).toBe('photo/café/写真.jpg');
    expect(key('photo/a%3Db%26c.jpg')).toBe('photo/a=b&c.jpg');
  });

  it('keeps EventBridge keys as they are (they arrive unencoded)', () => {
    const event = sample('eventbridge-object-created.json');
    (event.detail as { object: { key: string } }).object.key = 'photo/red flower+1%2B.jpg';
    expect(classifyEvent(event)).toMatchObject({ objects: [{ key: 'photo/red flower+1%2B.jpg' }] });
  });

  it('percent-decodes Batch Operations keys and keeps "+" (schema 1.0 and 2.0 alike)', () => {
    for (const version of ['1.0', '2.0'] as const) {
      expect(classifyEvent(batch(version, 'photo/a+b%20c%2Bd.jpg'))).toMatchObject({ invocation: { tasks: [{ s3Key: 'photo/a+b c+d.jpg' }] } });
    }
    expect(decodeBatchKey('x+y')).toBe('x+y');
    expect(decodeNotificationKey('x+y')).toBe('x y');
    expect(decodeBatchKey('%E0%A4%A')).toBeInstanceOf(KeyDecodingFailure);
  });
});

describe('Malformed events: a clear error naming every bad field', () => {
  it('names the bad fields of an S3 notification', () => {
    const error = invalid({ Records: [{ eventSource: 'aws:sqs', eventName: 'x', s3: { bucket: { name: '' }, object: {} } }] });
    expect(error.name).toBe('InvalidEventError');
    expect(error.message).toMatch(/^Invalid S3 event notification: /);
    expect(error.issues).toEqual([
      'Expected "aws:s3" (an S3 event notification) for Records[0].eventSource but received "aws:sqs" (string)',
      'Expected non-empty string for Records[0].s3.bucket.name but received "" (string)',
      'Expected non-empty string for Records[0].s3.object.key but received undefined',
    ]);
  });

  it('refuses an undecodable notification key and an empty Records', () => {
    expect(invalid(notification('photo/%zz.jpg')).issues).toEqual([
      'Expected a form-URL-encoded object key (a "%" not followed by two hex digits, or escapes that are not UTF-8) for Records[0].s3.object.key but received "photo/%zz.jpg" (string)',
    ]);
    expect(invalid({ Records: [] }).issues).toEqual(['Expected at least one record for Records but received [] (array)']);
  });

  it('refuses an EventBridge event of another source', () => {
    const error = invalid({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: {} });
    expect(error.message).toMatch(/^Invalid EventBridge S3 event: Expected "aws.s3"/);
    expect(error.issues).toHaveLength(3);
  });

  it('refuses an unknown Batch Operations schema and a task without its bucket', () => {
    expect(invalid({ invocationSchemaVersion: '3.0', invocationId: 'i', job: { id: 'j' }, tasks: [] }).issues[0]).toMatch(
      /^Expected "1.0" or "2.0" \(the Batch Operations invocation schemas\) for invocationSchemaVersion/,
    );
    const noBucket = batch('2.0', 'photo/a.jpg') as { tasks: Record<string, unknown>[] };
    delete noBucket.tasks[0]!.s3Bucket;
    expect(invalid(noBucket).issues).toEqual(['Expected non-empty string for tasks[0].s3Bucket but received undefined']);
  });
});
