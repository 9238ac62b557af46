/**
 * Reads stored previews (results too large for a Lambda response) from the destination bucket, as a
 * stream, translating S3's errors into {@link ProxyError}s.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StorageError, StoredPreviewMissingError } from './errors.js';

/** What is known about a stored preview without reading it. */
export interface StoredPreviewInfo {
  /** Size in bytes, when S3 reported it. */
  readonly contentLength?: number | undefined;
  /** MIME type stored with the object, when any. */
  readonly contentType?: string | undefined;
  /** S3's ETag (quoted), when any. */
  readonly etag?: string | undefined;
}

/** A stored preview being read. */
export interface StoredPreviewStream extends StoredPreviewInfo {
  /** The object's bytes. Destroy it to stop reading. */
  readonly body: Readable;
}

/** Options of one read. */
export interface ReadOptions {
  /** Aborts the S3 call (the request's deadline or the client going away). */
  signal: AbortSignal;
}

/** Reads stored previews; the proxy's only dependency on S3, so tests can fake it. */
export interface PreviewObjectReader {
  /**
   * The object's size, type and ETag, without its body (for `HEAD` requests).
   *
   * @throws {StoredPreviewMissingError} the object does not exist.
   * @throws {StorageError} S3 failed.
   */
  stat(bucket: string, key: string, options: ReadOptions): Promise<StoredPreviewInfo>;
  /**
   * The object's body as a stream, with its size, type and ETag.
   *
   * @throws {StoredPreviewMissingError} the object does not exist.
   * @throws {StorageError} S3 failed.
   */
  open(bucket: string, key: string, options: ReadOptions): Promise<StoredPreviewStream>;
}

/** Options of {@link S3PreviewReader}. */
export interface S3PreviewReaderOptions {
  /** The S3 client to use (`forcePathStyle` for local emulators). Not destroyed by the reader. */
  client: S3Client;
}

/** {@link PreviewObjectReader} over the AWS SDK's S3 client. */
export class S3PreviewReader implements PreviewObjectReader {
  readonly #client: S3Client;

  public constructor(options: S3PreviewReaderOptions) {
    this.#client = options.client;
  }

  /** {@inheritDoc PreviewObjectReader.stat} */
  public async stat(bucket: string, key: string, options: ReadOptions): Promise<StoredPreviewInfo> {
    try {
      const output = await this.#client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: options.signal,
      });
      return { contentLength: output.ContentLength, contentType: output.ContentType, etag: output.ETag };
    } catch (error) {
      throw translate(error, bucket, key, options.signal);
    }
  }

  /** {@inheritDoc PreviewObjectReader.open} */
  public async open(bucket: string, key: string, options: ReadOptions): Promise<StoredPreviewStream> {
    let output;
    try {
      output = await this.#client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: options.signal,
      });
    } catch (error) {
      throw translate(error, bucket, key, options.signal);
    }
    if (!(output.Body instanceof Readable)) {
      throw new StorageError(
        { bucket, key, errorName: 'UnexpectedBody' },
        'the SDK did not return a Node.js stream for the object body',
      );
    }
    return {
      body: output.Body,
      contentLength: output.ContentLength,
      contentType: output.ContentType,
      etag: output.ETag,
    };
  }
}

/** Translates an SDK error; an abort is passed through as the signal's reason. */
function translate(error: unknown, bucket: string, key: string, signal: AbortSignal): unknown {
  if (signal.aborted) {
    return signal.reason;
  }
  const sdk = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const errorName = typeof sdk.name === 'string' && sdk.name !== '' ? sdk.name : 'Error';
  const status = sdk.$metadata?.httpStatusCode;
  const httpStatusCode = typeof status === 'number' ? status : undefined;
  // GetObject says NoSuchKey; HeadObject has no body, so only NotFound (also for a missing bucket).
  if (errorName === 'NoSuchKey' || errorName === 'NotFound') {
    return new StoredPreviewMissingError(bucket, key, { cause: error });
  }
  const message = typeof sdk.message === 'string' ? sdk.message : String(error);
  return new StorageError({ bucket, key, errorName, httpStatusCode }, message, { cause: error });
}
