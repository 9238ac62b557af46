/**
 * How each AWS source writes an object key into its event, and the one decoding for each:
 *
 * | source | key as sent | decode |
 * | --- | --- | --- |
 * | S3 event notification (`Records[].s3.object.key`) | form-URL-encoded: `red flower+1.jpg` arrives as `red+flower%2B1.jpg` ("The object key name value is URL encoded", S3 User Guide, *Event message structure*) | `+` → space, then percent-decoding |
 * | EventBridge (`detail.object.key`) | as stored, not encoded (the S3 User Guide's EventBridge message structure documents no encoding, unlike notifications; EventBridge's own key filters match it raw) | none |
 * | S3 Batch Operations (`tasks[].s3Key`) | URL-encoded as in the manifest ("keys from S3 Batch Operations are URL encoded", S3 User Guide, *Invoke AWS Lambda function*; its example decodes with `unquote`, not `unquote_plus`) | percent-decoding only: `+` stays `+` |
 *
 * @module
 */

/** Why a key could not be decoded, for an issue line. */
export class KeyDecodingFailure {
  public constructor(public readonly reason: string) {}
}

/**
 * Percent-decodes `raw` as UTF-8 (RFC 3986 §2.1), or says why it cannot be: a `%` not followed by two hex
 * digits, or bytes that are not UTF-8.
 */
function percentDecode(raw: string): string | KeyDecodingFailure {
  try {
    return decodeURIComponent(raw);
  } catch {
    return new KeyDecodingFailure('a "%" not followed by two hex digits, or escapes that are not UTF-8');
  }
}

/**
 * Decodes a key of an S3 event notification: `application/x-www-form-urlencoded`, so `+` is a space and
 * a literal `+` arrives as `%2B`.
 */
export function decodeNotificationKey(raw: string): string | KeyDecodingFailure {
  return percentDecode(raw.replaceAll('+', ' '));
}

/** Decodes a key of an S3 Batch Operations task: percent-decoding, `+` kept. */
export function decodeBatchKey(raw: string): string | KeyDecodingFailure {
  return percentDecode(raw);
}
