/**
 * S3 adapter: the only place that talks to S3 and the place where S3's errors become ours. Permanent
 * problems (missing object, access denied, rejected write, too large) become {@link PreviewError}s; a call
 * still running at the invocation's deadline (`signal`) becomes a {@link DependencyDeadlineError};
 * everything else (throttling, 5xx, network, the client's own timeouts) is rethrown unchanged as transient.
 */
import type { Readable } from 'node:stream';
import { raceAbort } from '@preview-lambda/contract';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { PreviewAcl } from './config.js';
import {
  AccessDeniedError,
  BodyCutError,
  DependencyDeadlineError,
  DestinationRejectedError,
  SourceNotFoundError,
  SourceTooLargeError,
} from './errors.js';

/** Options for {@link S3PreviewStorage}. */
export interface S3PreviewStorageOptions {
  /** The client to use (`createClients` builds it). */
  client: S3Client;
}

/** What {@link S3PreviewStorage.writePreview} stores. */
export interface PreviewObject {
  /** Destination bucket. */
  readonly bucket: string;
  /** Destination key. */
  readonly key: string;
  /** Encoded preview. */
  readonly bytes: Buffer;
  /** MIME type of `bytes`. */
  readonly contentType: string;
  /** `Cache-Control` header stored with the object. */
  readonly cacheControl: string;
  /** Canned ACL, or `none` to send no ACL. */
  readonly acl: PreviewAcl;
  /**
   * ETag of the original it was made from, stored as the `x-amz-meta-source-etag` metadata
   * ({@link SOURCE_ETAG_METADATA}), so the preview can later be told apart from one of another version.
   */
  readonly sourceEtag?: string;
}

/** An object read whole, with the ETag S3 gave it. */
export interface StoredObject {
  readonly bytes: Buffer;
  /** The ETag as S3 sent it (quoted), `''` when the store sent none. */
  readonly etag: string;
}

/** What HeadObject tells of a stored preview. */
export interface PreviewHead {
  /** The preview's own ETag (quoted). */
  readonly etag: string;
  /** The original's ETag it was made from (`x-amz-meta-source-etag`, unquoted), when it has one. */
  readonly sourceEtag: string | undefined;
}

/** User-metadata name (without `x-amz-meta-`) of the original's ETag stored with each preview. */
export const SOURCE_ETAG_METADATA = 'source-etag';

/** An ETag without its quotes (S3 sends `"…"`; metadata values keep it bare). */
export function bareEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const DENIED = new Set(['AccessDenied', 'Forbidden', 'AllAccessDisabled']);
const WRITE_REJECTED = new Set([
  'AccessDenied',
  'AccessControlListNotSupported',
  'InvalidBucketAclWithObjectOwnership',
  'NoSuchBucket',
  'InvalidArgument',
]);

/** The S3 error code (`NoSuchKey`, `AccessDenied`, …) of an SDK error, or `undefined` for any other error. */
export function s3ErrorName(error: unknown): string | undefined {
  return error instanceof S3ServiceException ? error.name : undefined;
}

/**
 * Sends one S3 command under the invocation's deadline: the SDK gets `signal` and the call is raced
 * against it, so neither a hung socket nor anything before it outlives the deadline.
 *
 * @throws {DependencyDeadlineError} `signal` aborted first; `what` names the call.
 */
export async function sendBefore<Output>(
  what: string,
  signal: AbortSignal,
  call: (abortSignal: AbortSignal) => Promise<Output>,
): Promise<Output> {
  try {
    return await raceAbort(call(signal), signal);
  } catch (error) {
    if (signal.aborted) throw new DependencyDeadlineError(what, { cause: error });
    throw error;
  }
}

/** Reads originals and previews from S3 and writes previews, translating S3's errors. */
export class S3PreviewStorage {
  readonly #client: S3Client;

  public constructor(options: S3PreviewStorageOptions) {
    this.#client = options.client;
  }

  /**
   * Reads an original, refusing more than `maxBytes` (checked against `Content-Length` before the body
   * is read, and again while it streams), with the ETag of the version read (the function stores it with
   * the preview and compares it with the original's after writing: see `freshness.ts`).
   *
   * S3 answers a GetObject of a missing key with 403 instead of 404 unless the caller may list the bucket
   * (S3 API reference, GetObject "Permissions"), and the template grants `s3:ListBucket` only for the
   * originals prefix (`s3:prefix` condition), which that implicit check may not match. So a 403 is
   * confirmed by listing the key itself (`ListObjectsV2`, `Prefix` = the key, allowed by that condition):
   * absent means {@link SourceNotFoundError}, present or unlistable means {@link AccessDeniedError}.
   *
   * @throws {SourceNotFoundError} the object or bucket does not exist.
   * @throws {AccessDeniedError} S3 refused to read an object that exists (or that it will not list).
   * @throws {SourceTooLargeError} the object is larger than `maxBytes`.
   * @throws {DependencyDeadlineError} `signal` aborted first.
   */
  public async readOriginal(bucket: string, key: string, maxBytes: number, signal: AbortSignal): Promise<StoredObject> {
    try {
      return await this.#read(bucket, key, maxBytes, signal);
    } catch (error) {
      if (error instanceof AccessDeniedError && !(await this.#listed(bucket, key, signal))) {
        throw new SourceNotFoundError(bucket, key, { cause: error });
      }
      throw error;
    }
  }

  /**
   * The ETag of the original's current version (HeadObject), or `undefined` when it no longer exists (a
   * 403 is confirmed by listing, as {@link readOriginal} does).
   *
   * @throws {AccessDeniedError} S3 refused to tell, and the key is listed (or cannot be listed).
   * @throws {DependencyDeadlineError} `signal` aborted first.
   */
  public async originalEtag(bucket: string, key: string, signal: AbortSignal): Promise<string | undefined> {
    const head = await this.#head(bucket, key, signal);
    return head === undefined ? undefined : (head.ETag ?? '');
  }

  /**
   * The preview at `key` as HeadObject describes it, or `undefined` when there is none (a 403 is
   * confirmed by listing, as {@link readOriginal} does: the template grants `s3:ListBucket` below the
   * preview root for this).
   *
   * @throws {AccessDeniedError} S3 refused to tell, and the key is listed (or cannot be listed).
   * @throws {DependencyDeadlineError} `signal` aborted first.
   */
  public async headPreview(bucket: string, key: string, signal: AbortSignal): Promise<PreviewHead | undefined> {
    const head = await this.#head(bucket, key, signal);
    return head === undefined ? undefined : { etag: head.ETag ?? '', sourceEtag: head.Metadata?.[SOURCE_ETAG_METADATA] };
  }

  /**
   * Reads a stored preview back, or `undefined` when it no longer exists (a 403 is confirmed by listing).
   *
   * @throws {AccessDeniedError} S3 refused to read a preview that is listed (or cannot be listed).
   * @throws {DependencyDeadlineError} `signal` aborted first.
   */
  public async readPreview(bucket: string, key: string, signal: AbortSignal): Promise<Buffer | undefined> {
    try {
      return (await this.#read(bucket, key, Number.POSITIVE_INFINITY, signal)).bytes;
    } catch (error) {
      if (error instanceof SourceNotFoundError) return undefined;
      if (error instanceof AccessDeniedError && !(await this.#listed(bucket, key, signal))) return undefined;
      throw error;
    }
  }

  /**
   * Writes a preview in one `PutObject` (atomic: readers see the old state or the whole new object).
   *
   * @returns the ETag S3 assigned.
   * @throws {DestinationRejectedError} the bucket refused the write (missing bucket, denied, ACLs disabled).
   * @throws {DependencyDeadlineError} `signal` aborted first (the write may or may not have happened).
   */
  public async writePreview(preview: PreviewObject, signal: AbortSignal): Promise<string> {
    try {
      const output = await sendBefore(`PutObject s3://${preview.bucket}/${preview.key}`, signal, (abortSignal) =>
        this.#client.send(
          new PutObjectCommand({
          Bucket: preview.bucket,
          Key: preview.key,
          Body: preview.bytes,
          ContentLength: preview.bytes.length,
          ContentType: preview.contentType,
          CacheControl: preview.cacheControl,
          ...(preview.acl === 'none' ? {} : { ACL: preview.acl }),
          ...(preview.sourceEtag === undefined ? {} : { Metadata: { [SOURCE_ETAG_METADATA]: bareEtag(preview.sourceEtag) } }),
          }),
          { abortSignal },
        ),
      );
      return output.ETag ?? '';
    } catch (error) {
      const name = s3ErrorName(error);
      if (name !== undefined && WRITE_REJECTED.has(name)) {
        const hint =
          name === 'AccessControlListNotSupported' || name === 'InvalidBucketAclWithObjectOwnership'
            ? ' (the bucket has ACLs disabled: set PREVIEW_ACL=none)'
            : '';
        throw new DestinationRejectedError(preview.bucket, preview.key, `${name}${hint}`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * HeadObject of `key`, `undefined` when it does not exist; a 403 is confirmed by listing the key, as
   * {@link readOriginal} does (not listed: `undefined`).
   *
   * @throws {AccessDeniedError} S3 answered 403 and the key is listed (or cannot be listed).
   * @throws {DependencyDeadlineError} `signal` aborted first.
   */
  async #head(bucket: string, key: string, signal: AbortSignal) {
    try {
      return await sendBefore(`HeadObject s3://${bucket}/${key}`, signal, (abortSignal) =>
        this.#client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }),
      );
    } catch (error) {
      const name = s3ErrorName(error);
      if (name !== undefined && NOT_FOUND.has(name)) return undefined;
      if (name !== undefined && DENIED.has(name)) {
        if (!(await this.#listed(bucket, key, signal))) return undefined;
        throw new AccessDeniedError('read', bucket, key, { cause: error });
      }
      throw error;
    }
  }

  /** Whether listing `key` as a prefix shows `key` itself; a refused listing counts as shown. */
  async #listed(bucket: string, key: string, signal: AbortSignal): Promise<boolean> {
    try {
      const output = await sendBefore(`ListObjectsV2 s3://${bucket}/${key}`, signal, (abortSignal) =>
        this.#client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }), { abortSignal }),
      );
      return (output.Contents ?? []).some((object) => object.Key === key);
    } catch (error) {
      const name = s3ErrorName(error);
      if (name !== undefined && DENIED.has(name)) return true;
      throw error;
    }
  }

  /**
   * Reads an object whole, refusing more than `maxBytes`.
   *
   * @throws {SourceNotFoundError} the object or bucket does not exist.
   * @throws {AccessDeniedError} S3 answered 403.
   * @throws {SourceTooLargeError} the object is larger than `maxBytes`.
   * @throws {DependencyDeadlineError} `signal` aborted before the whole body arrived.
   */
  async #read(bucket: string, key: string, maxBytes: number, signal: AbortSignal): Promise<StoredObject> {
    // The SDK retries a request, not a body cut after the headers: read once more, within the deadline.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#readOnce(bucket, key, maxBytes, signal);
      } catch (error) {
        if (!(error instanceof BodyCutError) || attempt === BODY_READ_ATTEMPTS) throw error instanceof BodyCutError ? error.cause : error;
      }
    }
  }

  /** One GetObject and its body; a body cut mid-way becomes a {@link BodyCutError} (retried by `#read`). */
  async #readOnce(bucket: string, key: string, maxBytes: number, signal: AbortSignal): Promise<StoredObject> {
    const what = `GetObject s3://${bucket}/${key}`;
    let output: GetObjectCommandOutput;
    try {
      output = await sendBefore(what, signal, (abortSignal) =>
        this.#client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }),
      );
    } catch (error) {
      const name = s3ErrorName(error);
      if (name !== undefined && DENIED.has(name)) throw new AccessDeniedError('read', bucket, key, { cause: error });
      if (name !== undefined && NOT_FOUND.has(name)) throw new SourceNotFoundError(bucket, key, { cause: error });
      throw error;
    }
    const body = output.Body as Readable | undefined;
    if (output.ContentLength !== undefined && output.ContentLength > maxBytes) {
      body?.destroy();
      throw new SourceTooLargeError(output.ContentLength, maxBytes);
    }
    const etag = output.ETag ?? '';
    if (body === undefined) return { bytes: Buffer.alloc(0), etag };
    // A body that stalls is cut by the client's socketTimeout; the deadline cuts one that trickles.
    const cut = (): void => void body.destroy(new DependencyDeadlineError(what, { cause: signal.reason }));
    signal.addEventListener('abort', cut, { once: true });
    try {
      return { bytes: await readAtMost(body, maxBytes), etag };
    } catch (error) {
      if (signal.aborted) throw new DependencyDeadlineError(what, { cause: error });
      if (error instanceof SourceTooLargeError) throw error;
      throw new BodyCutError({ cause: error });
    } finally {
      signal.removeEventListener('abort', cut);
    }
  }
}

/** How many times a body cut mid-way is read (one GetObject each). */
const BODY_READ_ATTEMPTS = 2;

async function readAtMost(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > maxBytes) {
      body.destroy();
      throw new SourceTooLargeError(size, maxBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}
