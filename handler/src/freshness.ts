/**
 * No stale preview survives a replace, even one made while the original was being replaced.
 *
 * A generation reads the original with its ETag, writes the preview with that ETag in its metadata
 * (`x-amz-meta-source-etag`), then asks S3 for the original's ETag again (S3 is strongly consistent:
 * HeadObject after a completed PutObject sees it). When it changed, the preview may show the old
 * version, so the generation withdraws it, but only if the object at the key is still the one it wrote
 * (metadata naming its source ETag, and DeleteObject `If-Match` the preview's own ETag: a preview that a
 * generation of the new version wrote meanwhile stays), and reads the original again.
 *
 * Why that is enough: the replace's event purges the previews after the replace happened. A generation
 * whose re-check ran before the replace wrote its preview before it, so the purge removes it; one whose
 * re-check ran after sees the new ETag and withdraws its own. Either way no preview of the old version
 * is left once both have run.
 *
 * @module
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ResizeRequest } from '@preview-lambda/contract';
import { SourceChangedError, SourceNotFoundError } from './errors.js';
import { bareEtag, type S3PreviewStorage } from './storage.js';
import type { S3PreviewDeleter } from './storage-delete.js';

/** How many times a generation reads the original when it keeps changing under it. */
export const SOURCE_READ_ATTEMPTS = 2;

/** Options of {@link PreviewFreshness}. */
export interface PreviewFreshnessOptions {
  readonly storage: S3PreviewStorage;
  readonly deleter: S3PreviewDeleter;
  readonly logger: Logger;
}

/** What a generation wrote, for {@link PreviewFreshness.check}. */
export interface WrittenPreview {
  /** The request it answered. */
  readonly request: ResizeRequest;
  /** The preview's key. */
  readonly key: string;
  /** ETag of the original version it was made from. */
  readonly sourceEtag: string;
  /** ETag S3 gave the preview. */
  readonly etag: string;
  /** 1 for the first read of the original. */
  readonly attempt: number;
}

/** Checks, after the write, that a preview still shows the original's current version. */
export class PreviewFreshness {
  readonly #storage: S3PreviewStorage;
  readonly #deleter: S3PreviewDeleter;
  readonly #logger: Logger;

  public constructor(options: PreviewFreshnessOptions) {
    this.#storage = options.storage;
    this.#deleter = options.deleter;
    this.#logger = options.logger;
  }

  /**
   * Whether the preview `written` is of the original's current version. When it is not, the preview is
   * withdrawn (see the module documentation) and the caller reads the original again.
   *
   * @returns `true`: keep it; `false`: it was withdrawn, generate again.
   * @throws {SourceNotFoundError} the original was deleted meanwhile (its preview withdrawn).
   * @throws {SourceChangedError} it changed on the last of {@link SOURCE_READ_ATTEMPTS} attempts too.
   * @throws {DependencyDeadlineError} the invocation's deadline passed.
   */
  public async check(written: WrittenPreview, deadline: AbortSignal): Promise<boolean> {
    const { request, key } = written;
    const current = await this.#storage.originalEtag(request.src_bucket, request.src_key, deadline);
    if (current !== undefined && bareEtag(current) === bareEtag(written.sourceEtag)) return true;
    const withdrawn = await this.#withdraw(request.dst_bucket, key, written.sourceEtag, deadline);
    this.#logger.warn('The original changed while its preview was made; the preview was withdrawn', {
      key,
      src_key: request.src_key,
      source_etag: written.sourceEtag,
      current_etag: current ?? null,
      withdrawn,
      attempt: written.attempt,
    });
    if (current === undefined) throw new SourceNotFoundError(request.src_bucket, request.src_key);
    if (written.attempt >= SOURCE_READ_ATTEMPTS) {
      throw new SourceChangedError(request.src_bucket, request.src_key, written.attempt);
    }
    return false;
  }

  /** Deletes the preview at `key` if it is still one made from `sourceEtag`; whether it did. */
  async #withdraw(bucket: string, key: string, sourceEtag: string, deadline: AbortSignal): Promise<boolean> {
    const head = await this.#storage.headPreview(bucket, key, deadline);
    if (head === undefined || head.sourceEtag !== bareEtag(sourceEtag)) return false;
    return this.#deleter.deleteIfMatch(bucket, key, head.etag, deadline);
  }
}
