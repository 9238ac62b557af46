/**
 * The S3 deletes of the preview lifecycle: a preview withdrawn by the generation that wrote it (only if it
 * is still that object), and every preview of an original at once. Deletes stay below the preview root:
 * callers name keys from the layout (`previewLocations`), and the template grants `s3:DeleteObject` there
 * only.
 *
 * @module
 */
import { DeleteObjectCommand, DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { DELETE_OBJECTS_MAX_KEYS } from '@preview-lambda/contract';
import { PreviewsNotDeletedError } from './errors.js';
import { s3ErrorName, sendBefore } from './storage.js';

/** Options for {@link S3PreviewDeleter}. */
export interface S3PreviewDeleterOptions {
  /** The client to use (`createClients` builds it). */
  readonly client: S3Client;
}

/** Deletes previews. */
export class S3PreviewDeleter {
  readonly #client: S3Client;

  public constructor(options: S3PreviewDeleterOptions) {
    this.#client = options.client;
  }

  /**
   * Deletes `key` only while it is the object whose ETag is `etag` (DeleteObject with `If-Match`, S3's
   * conditional delete): a preview written meanwhile by another generation stays.
   *
   * @returns whether S3 deleted it (`false` when it changed, 412, or is already gone).
   * @throws {DependencyDeadlineError} `signal` aborted first.
   */
  public async deleteIfMatch(bucket: string, key: string, etag: string, signal: AbortSignal): Promise<boolean> {
    try {
      await sendBefore(`DeleteObject s3://${bucket}/${key}`, signal, (abortSignal) =>
        this.#client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }), { abortSignal }),
      );
      return true;
    } catch (error) {
      const name = s3ErrorName(error);
      if (name === 'PreconditionFailed' || name === 'NoSuchKey' || name === 'NotFound') return false;
      throw error;
    }
  }

  /**
   * Deletes `keys` from `bucket` (DeleteObjects, quiet mode: S3 names only the keys it failed on; a key
   * that does not exist counts as deleted).
   *
   * @returns how many keys were asked for.
   * @throws {PreviewsNotDeletedError} S3 refused some keys.
   * @throws {DependencyDeadlineError} `signal` aborted first.
   */
  public async deleteAll(bucket: string, keys: readonly string[], signal: AbortSignal): Promise<number> {
    for (let start = 0; start < keys.length; start += DELETE_OBJECTS_MAX_KEYS) {
      const chunk = keys.slice(start, start + DELETE_OBJECTS_MAX_KEYS);
      const output = await sendBefore(`DeleteObjects s3://${bucket} (${chunk.length} keys)`, signal, (abortSignal) =>
        this.#client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
          { abortSignal },
        ),
      ).catch((error: unknown) => {
        const name = s3ErrorName(error);
        if (name !== 'AccessDenied' && name !== 'NoSuchBucket') throw error;
        throw new PreviewsNotDeletedError(bucket, chunk.map((key) => ({ key, code: name })), { cause: error });
      });
      const failures = (output.Errors ?? []).map((failure) => ({
        key: failure.Key ?? '?',
        code: failure.Code ?? 'UnknownError',
      }));
      if (failures.length > 0) throw new PreviewsNotDeletedError(bucket, failures);
    }
    return keys.length;
  }
}
