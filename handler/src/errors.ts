import type { ResizeErrorCode } from '@preview-lambda/contract';

/** Options shared by every {@link PreviewError}. */
export interface PreviewErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown;
}

/**
 * Root of every error the handler raises on purpose.
 *
 * A `PreviewError` is a *permanent* failure: retrying the same request cannot succeed, so the handler
 * answers `status:false` with `code` and `message` instead of throwing. Anything that is not a
 * `PreviewError` (throttling, 5xx, network, timeouts) is transient and is thrown so the invocation fails.
 */
export class PreviewError extends Error {
  /** Stable machine-readable code, sent to callers as the response's `code` field. */
  public readonly code: ResizeErrorCode;

  public constructor(code: ResizeErrorCode, message: string, options: PreviewErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** The payload does not satisfy the contract, or asks for more than the limits allow. */
export class InvalidRequestError extends PreviewError {
  public constructor(message: string, options?: PreviewErrorOptions) {
    super('INVALID_REQUEST', message, options);
  }
}

/** `width` is larger than the configured maximum. */
export class WidthTooLargeError extends PreviewError {
  public constructor(width: number, maxWidth: number) {
    super('WIDTH_TOO_LARGE', `Expected width of at most ${maxWidth} but received ${width}`);
  }
}

/** The source or destination bucket is not in the configured allow-list. */
export class BucketNotAllowedError extends PreviewError {
  public constructor(role: 'source' | 'destination', bucket: string) {
    super('BUCKET_NOT_ALLOWED', `Bucket "${bucket}" is not an allowed ${role} bucket`);
  }
}

/** The source object does not exist. */
export class SourceNotFoundError extends PreviewError {
  public constructor(bucket: string, key: string, options?: PreviewErrorOptions) {
    super('SOURCE_NOT_FOUND', `File ${key} not exists in ${bucket}`, options);
  }
}

/** S3 refused access to an object (a missing object reads as 403 without `s3:ListBucket`). */
export class AccessDeniedError extends PreviewError {
  public constructor(operation: string, bucket: string, key: string, options?: PreviewErrorOptions) {
    super('ACCESS_DENIED', `Access denied to ${operation} s3://${bucket}/${key}`, options);
  }
}

/** The destination bucket rejected the preview (e.g. an ACL on a bucket with ACLs disabled). */
export class DestinationRejectedError extends PreviewError {
  public constructor(bucket: string, key: string, reason: string, options?: PreviewErrorOptions) {
    super('DESTINATION_REJECTED', `s3://${bucket}/${key} rejected the preview: ${reason}`, options);
  }
}

/** The source object is larger than the configured byte limit. */
export class SourceTooLargeError extends PreviewError {
  public constructor(size: number, maxBytes: number) {
    super('SOURCE_TOO_LARGE', `Expected a source of at most ${maxBytes} bytes but it has ${size} bytes`);
  }
}

/** The bytes are not a supported image (JPEG, PNG, WebP, GIF or AVIF), judged by their magic bytes. */
export class NotAnImageError extends PreviewError {
  public constructor(detail: string) {
    super('NOT_AN_IMAGE', `Not an image: ${detail}`);
  }
}

/** The bytes look like a supported image but cannot be decoded (truncated or corrupt). */
export class CorruptImageError extends PreviewError {
  public constructor(detail: string, options?: PreviewErrorOptions) {
    super('CORRUPT_IMAGE', `Corrupt image: ${detail}`, options);
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
  }
}

/** The image declares more pixels than the configured limit (decompression-bomb guard). */
export class TooManyPixelsError extends PreviewError {
  public constructor(width: number, height: number, maxPixels: number) {
    super(
      'TOO_MANY_PIXELS',
      `Expected at most ${maxPixels} input pixels but the image is ${width}x${height} (${width * height})`,
    );
  }
}

/** The environment does not satisfy the configuration schema; names every bad variable. */
export class ConfigError extends Error {
  /** One line per bad variable, e.g. `MAX_WIDTH: Expected positive integer but received "abc"`. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[]) {
    super(`Invalid environment:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
