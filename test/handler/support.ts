/** Requests and assertions the handler suites share (the harness's buckets, the test layout `photo` → `prew`). */
import type { ResizeRequest, ResizeResponse } from '@preview-lambda/contract';
import { expect } from 'vitest';
import { BUCKETS } from '../support/harness.js';
import { previewRequest } from '../support/requests.js';

/** A request for `srcKey` between the harness's buckets (preset `small`, 320 px unless `overrides` say otherwise). */
export const request = (srcKey: string, overrides?: Partial<Record<keyof ResizeRequest, unknown>>): ResizeRequest =>
  previewRequest(BUCKETS, srcKey, overrides);

/** The preview key of `srcKey` (under `photo/`) at `preset`: `prew/<preset>/<path>`, written out, not derived. */
export function expectedKey(srcKey: string, preset = 'small'): string {
  return `prew/${preset}/${srcKey.slice('photo/'.length)}`;
}

/** Asserts a permanent failure with `code`: the Go shape's empty fields and a non-empty message. */
export function expectFailure(response: ResizeResponse, code: string): void {
  expect(response).toMatchObject({ status: false, key: '', content_type: '', data: '', code });
  expect(response.error).not.toBe('');
}
