import { CodedError, type LayoutRefusal, type ResizeErrorCode } from '@preview-lambda/contract';

/**
 * Root of every error the handler raises on purpose.
 *
 * A `PreviewError` is a *permanent* failure: retrying the same request cannot succeed, so the handler
 * answers `status:false` with `code` and `message` instead of throwing. Anything that is not a
 * `PreviewError` (throttling, 5xx, network, timeouts) is transient and is thrown so the invocation fails.
 */
export class PreviewError extends CodedError<ResizeErrorCode> {
  public constructor(code: ResizeErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'PreviewError';
  }
}

/** The payload does not satisfy the contract. */
export class InvalidPreviewRequestError extends PreviewError {
  public constructor(message: string, options?: ErrorOptions) {
    super('INVALID_REQUEST', message, options);
    this.name = 'InvalidPreviewRequestError';
  }
}

/** `width` is larger than the configured maximum. */
export class WidthTooLargeError extends PreviewError {
  public constructor(width: number, maxWidth: number) {
    super('WIDTH_TOO_LARGE', `Expected width of at most ${maxWidth} but received ${width}`);
    this.name = 'WidthTooLargeError';
  }
}

/** The source or destination bucket is not in the configured allow-list. */
export class BucketNotAllowedError extends PreviewError {
  public constructor(role: 'source' | 'destination', bucket: string) {
    super('BUCKET_NOT_ALLOWED', `Bucket "${bucket}" is not an allowed ${role} bucket`);
    this.name = 'BucketNotAllowedError';
  }
}

/**
 * The request is valid but outside the function's layout: another originals prefix or preview root
 * (`LAYOUT_NOT_ALLOWED`), a preset that is not configured (`UNKNOWN_PRESET`) or a width other than the
 * preset's (`PRESET_WIDTH_MISMATCH`). Refused before any S3 or DynamoDB call.
 */
export class LayoutRefusedError extends PreviewError {
  public constructor(refusal: LayoutRefusal) {
    super(refusal.code, refusal.message);
    this.name = 'LayoutRefusedError';
  }
}

/** The source object does not exist. */
export class SourceNotFoundError extends PreviewError {
  public constructor(bucket: string, key: string, options?: ErrorOptions) {
    super('SOURCE_NOT_FOUND', `File ${key} not exists in ${bucket}`, options);
    this.name = 'SourceNotFoundError';
  }
}

/** S3 refused access to an object (a missing object reads as 403 without `s3:ListBucket`). */
export class AccessDeniedError extends PreviewError {
  public constructor(operation: string, bucket: string, key: string, options?: ErrorOptions) {
    super('ACCESS_DENIED', `Access denied to ${operation} s3://${bucket}/${key}`, options);
    this.name = 'AccessDeniedError';
  }
}

/** The destination bucket rejected the preview (e.g. an ACL on a bucket with ACLs disabled). */
export class DestinationRejectedError extends PreviewError {
  public constructor(bucket: string, key: string, reason: string, options?: ErrorOptions) {
    super('DESTINATION_REJECTED', `s3://${bucket}/${key} rejected the preview: ${reason}`, options);
    this.name = 'DestinationRejectedError';
  }
}

/** The source object is larger than the configured byte limit. */
export class SourceTooLargeError extends PreviewError {
  public constructor(size: number, maxBytes: number) {
    super('SOURCE_TOO_LARGE', `Expected a source of at most ${maxBytes} bytes but it has ${size} bytes`);
    this.name = 'SourceTooLargeError';
  }
}

/** The bytes are not a supported image (JPEG, PNG, WebP, GIF or AVIF), judged by their magic bytes. */
export class NotAnImageError extends PreviewError {
  public constructor(detail: string) {
    super('NOT_AN_IMAGE', `Not an image: ${detail}`);
    this.name = 'NotAnImageError';
  }
}

/** The bytes look like a supported image but cannot be decoded (truncated or corrupt). */
export class CorruptImageError extends PreviewError {
  public constructor(detail: string, options?: ErrorOptions) {
    super('CORRUPT_IMAGE', `Corrupt image: ${detail}`, options);
    this.name = 'CorruptImageError';
  }
}

/**
 * The bytes are an image in a format that is recognised but not decoded, e.g. HEIC (HEVC in a HEIF
 * container): the libvips bundled with sharp is built without an HEVC decoder (only AV1, for AVIF).
 */
export class UnsupportedFormatError extends PreviewError {
  /**
   * @param format - short name of the format, e.g. `HEIC`.
   * @param detail - what identified it and why it is not decoded, e.g. `ftyp brands heic, mif1: …`.
   */
  public constructor(format: string, detail: string) {
    super('UNSUPPORTED_FORMAT', `Unsupported image format: ${format} is not supported (${detail})`);
    this.name = 'UnsupportedFormatError';
  }
}

/**
 * libvips decoded a source but reported a warning while the pipeline ran with `strictWarnings` (a JPEG
 * whose missing end marker was restored must decode without any); the resize core reports it as corrupt.
 */
export class WarnedError extends Error {
  public constructor(warnings: readonly string[]) {
    super(warnings.map((warning) => warning.trim()).join('; '));
    this.name = 'WarnedError';
  }
}

/** The image declares more pixels than the configured limit (decompression-bomb guard). */
export class TooManyPixelsError extends PreviewError {
  public constructor(width: number, height: number, maxPixels: number) {
    super(
      'TOO_MANY_PIXELS',
      `Expected at most ${maxPixels} input pixels but the image is ${width}x${height} (${width * height})`,
    );
    this.name = 'TooManyPixelsError';
  }
}

/**
 * A dependency call (S3) was still running when the invocation reached its own deadline (the function
 * timeout minus `FUNCTION_RESERVE_MS`). Transient, so it is thrown: the invocation fails well before the
 * function times out, Powertools deletes the in-progress record, and the next request runs again.
 */
export class DependencyDeadlineError extends Error {
  public constructor(call: string, options?: ErrorOptions) {
    super(`${call} did not complete before the invocation's deadline`, options);
    this.name = 'DependencyDeadlineError';
  }
}

/**
 * An S3 object body broke off after its headers (connection reset, socket timeout). The S3 adapter reads
 * such a body once more (the SDK retries requests, not bodies) and rethrows its `cause` if that fails too.
 */
export class BodyCutError extends Error {
  public constructor(options: ErrorOptions) {
    super('The object body was cut before its end', options);
    this.name = 'BodyCutError';
  }
}

/**
 * The environment does not satisfy the configuration schema; names every bad variable. Thrown at cold
 * start, so the init fails with this message.
 */
export class HandlerConfigError extends Error {
  /** One line per bad variable, e.g. `MAX_WIDTH: Expected positive integer but received "abc"`. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[]) {
    super(`Invalid environment:\n  ${issues.join('\n  ')}`);
    this.name = 'HandlerConfigError';
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * The original changed (was replaced or deleted) while a preview of it was being made, on every attempt:
 * the preview written from the old version was withdrawn. Transient, so it is thrown: the record is
 * deleted and the caller's next request reads the original as it is then.
 */
export class SourceChangedError extends Error {
  public constructor(bucket: string, key: string, attempts: number) {
    super(`s3://${bucket}/${key} changed while its preview was made (${attempts} attempts); the preview was withdrawn`);
    this.name = 'SourceChangedError';
  }
}

/**
 * S3 refused to delete some previews (DeleteObjects answers per key). `permanent` when every refusal is
 * one that retrying cannot fix (`AccessDenied`: the role lacks `s3:DeleteObject` on the preview root;
 * `NoSuchBucket`).
 */
export class PreviewsNotDeletedError extends Error {
  /** `key: S3 error code` for each preview not deleted. */
  public readonly failures: readonly string[];
  /** Whether retrying cannot help (every failure is `AccessDenied` or `NoSuchBucket`). */
  public readonly permanent: boolean;

  public constructor(bucket: string, failures: readonly { key: string; code: string }[], options?: ErrorOptions) {
    const listed = failures.map((failure) => `${failure.key}: ${failure.code}`);
    super(`S3 did not delete ${failures.length} preview(s) in ${bucket}: ${listed.join(', ')}`, options);
    this.name = 'PreviewsNotDeletedError';
    this.failures = Object.freeze(listed);
    this.permanent = failures.every((failure) => failure.code === 'AccessDenied' || failure.code === 'NoSuchBucket');
  }
}

/**
 * An S3 event, EventBridge event or Batch Operations invocation that does not match its schema; `issues`
 * names every bad field, e.g. `Expected string for Records[0].s3.object.key but received 1 (number)`.
 * Thrown: the invocation fails with this name and message (an asynchronous event then goes to the
 * function's retry and failure destinations).
 */
export class InvalidEventError extends Error {
  /** One line per problem. */
  public readonly issues: readonly string[];

  public constructor(kind: string, issues: readonly string[], options?: ErrorOptions) {
    super(`Invalid ${kind}: ${issues.join('; ')}`, options);
    this.name = 'InvalidEventError';
    this.issues = Object.freeze([...issues]);
  }
}
