/** Request fixtures shared by the contract, invoker and handler tests. */
import { randomUUID } from 'node:crypto';
import type { ResizeRequest } from '@preview-lambda/contract';

/** The example payload of the Go function's documentation: valid, and known to every caller. */
export const GO_EXAMPLE_REQUEST: Readonly<ResizeRequest> = Object.freeze({
  src_key: 'photo/some/file.jpg',
  src_bucket: 'bucket.mydomain',
  dst_bucket: 'bucket.mydomain',
  root_folder: 'prew',
  preset_name: 'small',
  rewrite_part: 'photo',
  width: 1440,
});

/**
 * The presets the integration tests configure the function with (`PRESETS`): the demo's three and the
 * other widths the tests ask for; `small` offers AVIF and WebP variants, `medium` WebP.
 */
export const TEST_PRESETS = 'icon=100,thumb=200,card=300,small=320;avif;webp,medium=720;webp,large=1440,poster=1600';

/** A unique source key under `photo/`, so tests sharing an emulator never see each other's objects. */
export function uniqueSourceKey(name: string): string {
  return `photo/${randomUUID()}/${name}`;
}

/** Buckets a request is built for. */
export interface RequestBuckets {
  readonly source: string;
  readonly destination: string;
}

/**
 * A request for `srcKey` (under `photo/`, preset `small`, width 320) between `buckets`; `overrides` may set
 * any field to any value, valid or not, to test validation.
 */
export function previewRequest(
  buckets: RequestBuckets,
  srcKey: string,
  overrides: Partial<Record<keyof ResizeRequest, unknown>> = {},
): ResizeRequest {
  return {
    src_key: srcKey,
    src_bucket: buckets.source,
    dst_bucket: buckets.destination,
    root_folder: 'prew',
    preset_name: 'small',
    rewrite_part: 'photo',
    width: 320,
    ...overrides,
  } as ResizeRequest;
}
