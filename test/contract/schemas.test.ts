import {
  LAMBDA_SYNC_RESPONSE_LIMIT_BYTES,
  PREVIEW_CONTENT_TYPES,
  RESIZE_ERROR_CODE_DESCRIPTIONS,
  ResizeErrorCode,
  ResizeRequest,
  ResizeResponse,
} from '@preview-lambda/contract';
import { GO_EXAMPLE_REQUEST } from '../support/requests.js';
import { describe, expect, it } from 'vitest';

const validRequest = GO_EXAMPLE_REQUEST;

describe('Schema: ResizeRequest', () => {
  it('has exactly the seven Go fields and the optional format', () => {
    expect(Object.keys(ResizeRequest.shape)).toEqual([
      'src_key',
      'src_bucket',
      'dst_bucket',
      'root_folder',
      'preset_name',
      'rewrite_part',
      'width',
      'format',
    ]);
    expect(ResizeRequest.shape.format.safeParse(undefined).success).toBe(true);
  });

  it('accepts the output formats as format, and nothing else', () => {
    expect(ResizeRequest.parse({ ...validRequest, format: 'avif' })).toStrictEqual({ ...validRequest, format: 'avif' });
    expect(ResizeRequest.parse({ ...validRequest, format: 'webp' }).format).toBe('webp');
    for (const format of ['gif', 'AVIF', '', null, 1]) {
      expect([format, ResizeRequest.safeParse({ ...validRequest, format }).success]).toEqual([format, false]);
    }
  });

  it('accepts the Go payload and strips unknown fields', () => {
    expect(ResizeRequest.parse({ ...validRequest, unknown: true })).toStrictEqual(validRequest);
  });

  it.each(Object.keys(validRequest))('requires %s', (field) => {
    const request = Object.fromEntries(Object.entries(validRequest).filter(([name]) => name !== field));

    expect(ResizeRequest.safeParse(request).success).toBe(false);
  });

  it.each([
    ['bucket.mydomain', true],
    ['abc', true],
    ['my-bucket-01', true],
    ['a'.repeat(63), true],
    ['ab', false],
    ['a'.repeat(64), false],
    ['MyBucket', false],
    ['my_bucket', false],
    ['-bucket', false],
    ['bucket-', false],
    ['.bucket', false],
    ['bucket.', false],
  ])('judges bucket name %j valid: %s', (bucket, valid) => {
    expect(ResizeRequest.safeParse({ ...validRequest, src_bucket: bucket }).success).toBe(valid);
    expect(ResizeRequest.safeParse({ ...validRequest, dst_bucket: bucket }).success).toBe(valid);
  });

  it.each([
    ['photo', true],
    ['media/photo', true],
    ['a/b/c', true],
    ['.hidden', true],
    ['/photo', false],
    ['photo/', false],
    ['media//photo', false],
    ['.', false],
    ['photo/..', false],
    ['../photo', false],
  ])('judges rewrite_part %j valid: %s', (rewritePart, valid) => {
    expect(ResizeRequest.safeParse({ ...validRequest, rewrite_part: rewritePart }).success).toBe(valid);
  });

  it.each([
    ['prew', true],
    ['preset_name_1', true],
    ['...', true],
    ['a/b', false],
    ['.', false],
    ['..', false],
    ['a\tb', false],
  ])('judges root_folder and preset_name %j valid: %s', (segment, valid) => {
    expect(ResizeRequest.safeParse({ ...validRequest, root_folder: segment }).success).toBe(valid);
    expect(ResizeRequest.safeParse({ ...validRequest, preset_name: segment }).success).toBe(valid);
  });

  it.each([
    ['1440', false],
    [0, false],
    [-1, false],
    [1.5, false],
    [Number.NaN, false],
    [Number.POSITIVE_INFINITY, false],
    [2 ** 53, false],
    [1, true],
  ])('judges width %j valid: %s', (width, valid) => {
    expect(ResizeRequest.safeParse({ ...validRequest, width }).success).toBe(valid);
  });
});

describe('Schema: ResizeResponse', () => {
  const success = { status: true, key: 'k', content_type: 'image/jpeg', data: '', error: '' };

  it('accepts a Go response with an empty data field', () => {
    expect(ResizeResponse.parse(success)).toStrictEqual(success);
  });

  it.each(['status', 'key', 'content_type', 'data', 'error'])('requires %s', (field) => {
    const response = Object.fromEntries(Object.entries(success).filter(([name]) => name !== field));

    expect(ResizeResponse.safeParse(response).success).toBe(false);
  });

  it('accepts a code on failures only', () => {
    expect(ResizeResponse.safeParse({ ...success, status: false, code: 'ACCESS_DENIED' }).success).toBe(true);
    expect(ResizeResponse.safeParse({ ...success, code: 'ACCESS_DENIED' }).success).toBe(false);
  });
});

describe('Schema: ResizeErrorCode', () => {
  it('lists the fifteen codes', () => {
    expect(ResizeErrorCode.options).toEqual([
      'INVALID_REQUEST',
      'WIDTH_TOO_LARGE',
      'BUCKET_NOT_ALLOWED',
      'SOURCE_NOT_FOUND',
      'ACCESS_DENIED',
      'DESTINATION_REJECTED',
      'SOURCE_TOO_LARGE',
      'NOT_AN_IMAGE',
      'CORRUPT_IMAGE',
      'TOO_MANY_PIXELS',
      'LAYOUT_NOT_ALLOWED',
      'UNKNOWN_PRESET',
      'PRESET_WIDTH_MISMATCH',
      'UNSUPPORTED_FORMAT',
      'FORMAT_NOT_IN_PRESET',
    ]);
  });

  it('describes every code and nothing else', () => {
    expect(Object.keys(RESIZE_ERROR_CODE_DESCRIPTIONS).sort()).toEqual([...ResizeErrorCode.options].sort());
    for (const description of Object.values(RESIZE_ERROR_CODE_DESCRIPTIONS)) {
      expect(description.length).toBeGreaterThan(10);
    }
  });
});

describe('Constants', () => {
  it('uses Lambda’s 6 MB synchronous response limit', () => {
    expect(LAMBDA_SYNC_RESPONSE_LIMIT_BYTES).toBe(6 * 1024 * 1024);
  });

  it('lists the preview content types', () => {
    expect(PREVIEW_CONTENT_TYPES).toEqual(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);
  });
});
