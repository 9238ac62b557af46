import {
  ResizeRequestError,
  ResizeResponseError,
  parseResizeRequest,
  parseResizeResponse,
} from '@preview-lambda/contract';
import { GO_EXAMPLE_REQUEST } from '../support/requests.js';
import { describe, expect, it } from 'vitest';

const validRequest = GO_EXAMPLE_REQUEST;

const validResponse = {
  status: true,
  key: 'prew/small/some/file.jpg',
  content_type: 'image/jpeg',
  data: '/9j/4AAQ',
  error: '',
};

function requestIssues(input: unknown): readonly string[] {
  try {
    parseResizeRequest(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ResizeRequestError);
    return (error as ResizeRequestError).issues;
  }
  throw new Error('Expected an ResizeRequestError, but nothing was thrown');
}

function responseIssues(input: unknown): readonly string[] {
  try {
    parseResizeResponse(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ResizeResponseError);
    return (error as ResizeResponseError).issues;
  }
  throw new Error('Expected an ResizeResponseError, but nothing was thrown');
}

describe('Function: parseResizeRequest', () => {
  it('returns a valid request unchanged', () => {
    expect(parseResizeRequest(validRequest)).toEqual(validRequest);
  });

  it('strips unknown fields, as Go ignored them', () => {
    const parsed = parseResizeRequest({ ...validRequest, quality: 90, nested: { a: 1 } });

    expect(parsed).toEqual(validRequest);
    expect(Object.keys(parsed)).not.toContain('quality');
  });

  it('throws when width is a string, naming field, expectation and received value with its type', () => {
    expect(requestIssues({ ...validRequest, width: '1440' })).toEqual([
      'Expected positive integer for width but received "1440" (string)',
    ]);
  });

  it.each([
    [0, '0 (number)'],
    [-5, '-5 (number)'],
    [14.5, '14.5 (number)'],
    [2 ** 53, '9007199254740992 (number)'],
    [null, 'null'],
    [true, 'true (boolean)'],
  ])('throws once when width is %j', (width, received) => {
    expect(requestIssues({ ...validRequest, width })).toEqual([
      `Expected positive integer for width but received ${received}`,
    ]);
  });

  it('throws when a field is missing', () => {
    const { src_key: _, ...withoutKey } = validRequest;

    expect(requestIssues(withoutKey)).toEqual([
      'Expected non-empty string for src_key but received undefined',
    ]);
  });

  it('lists every missing field of an empty object', () => {
    expect(requestIssues({})).toEqual([
      'Expected non-empty string for src_key but received undefined',
      'Expected non-empty string for src_bucket but received undefined',
      'Expected non-empty string for dst_bucket but received undefined',
      'Expected non-empty string for root_folder but received undefined',
      'Expected non-empty string for preset_name but received undefined',
      'Expected non-empty string for rewrite_part but received undefined',
      'Expected positive integer for width but received undefined',
    ]);
  });

  it.each([
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a JSON string', '{"src_key":"a"}', '"{\\"src_key\\":\\"a\\"}" (string)'],
    ['an array', [validRequest], `${JSON.stringify([validRequest]).slice(0, 80)}… (array)`],
    ['a number', 42, '42 (number)'],
  ])('throws when the request is %s rather than an object', (_, input, received) => {
    expect(requestIssues(input)).toEqual([`Expected object for request but received ${received}`]);
  });

  it('reports schema and key problems of different fields together', () => {
    const issues = requestIssues({ ...validRequest, src_key: 'other/a.jpg', width: 0, dst_bucket: 'Nope' });

    expect(issues).toEqual([
      'Expected S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit) for dst_bucket but received "Nope" (string)',
      'Expected positive integer for width but received 0 (number)',
      'Expected key starting with "photo/" (rewrite_part followed by "/") for src_key but received "other/a.jpg" (string)',
    ]);
  });

  it('skips the key rules when one of their fields is itself invalid', () => {
    expect(requestIssues({ ...validRequest, src_key: 'other/a.jpg', rewrite_part: '' })).toEqual([
      'Expected non-empty string for rewrite_part but received "" (string)',
    ]);
  });

  it('reports an empty string once, not once per rule', () => {
    expect(requestIssues({ ...validRequest, src_bucket: '' })).toEqual([
      'Expected non-empty string for src_bucket but received "" (string)',
    ]);
  });

  it('escapes control characters in the received value', () => {
    expect(requestIssues({ ...validRequest, src_key: 'photo/a\u0000.jpg' })).toEqual([
      'Expected string without control characters for src_key but received "photo/a\\u0000.jpg" (string)',
    ]);
  });

  it('rejects a C1 control character in src_key', () => {
    expect(requestIssues({ ...validRequest, src_key: 'photo/a\u0085.jpg' })).toHaveLength(1);
  });

  it('throws when src_key exceeds 1024 UTF-8 bytes though it has fewer characters', () => {
    const sourceKey = `photo/${'ф'.repeat(510)}`; // 6 + 1020 bytes, 516 characters

    const issues = requestIssues({ ...validRequest, src_key: sourceKey });

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^Expected string of at most 1024 UTF-8 bytes for src_key but received "photo\/ф+…" \(string\)$/,
    );
  });

  it('accepts a src_key of exactly 1024 UTF-8 bytes when the preview key fits', () => {
    const request = {
      ...validRequest,
      src_key: `photo/${'a'.repeat(1018)}`,
      root_folder: 'p',
      preset_name: 's',
    };

    expect(parseResizeRequest(request).src_key).toHaveLength(1024);
  });

  it('reports a too-long src_key once even when it also has too many characters', () => {
    expect(requestIssues({ ...validRequest, src_key: `photo/${'a'.repeat(2000)}` })).toHaveLength(1);
  });

  it('accepts the largest safe integer width (the maximum is the handler’s business)', () => {
    expect(parseResizeRequest({ ...validRequest, width: Number.MAX_SAFE_INTEGER }).width).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('accepts a bucket name of 63 characters and rejects one of 64', () => {
    expect(parseResizeRequest({ ...validRequest, src_bucket: 'a'.repeat(63) }).src_bucket).toHaveLength(63);
    expect(requestIssues({ ...validRequest, src_bucket: 'a'.repeat(64) })).toHaveLength(1);
  });

  it('throws with a message made of all issue lines', () => {
    expect(() => parseResizeRequest({ ...validRequest, width: 'x', src_key: 7 })).toThrow(
      'Expected non-empty string for src_key but received 7 (number); Expected positive integer for width but received "x" (string)',
    );
  });
});

describe('Function: parseResizeResponse', () => {
  it('returns a valid Go response unchanged', () => {
    expect(parseResizeResponse(validResponse)).toEqual(validResponse);
  });

  it('accepts a failure with a code', () => {
    const failure = {
      status: false,
      key: '',
      content_type: '',
      data: '',
      error: 'nope',
      code: 'NOT_AN_IMAGE',
    };

    expect(parseResizeResponse(failure)).toEqual(failure);
  });

  it('strips unknown fields', () => {
    expect(parseResizeResponse({ ...validResponse, extra: 1 })).toEqual(validResponse);
  });

  it('throws on the Lambda runtime error payload, naming every missing field', () => {
    expect(responseIssues({ errorMessage: "can't download source", errorType: 'errorString' })).toEqual([
      'Expected boolean for status but received undefined',
      'Expected string for key but received undefined',
      'Expected string for content_type but received undefined',
      'Expected base64 string for data but received undefined',
      'Expected string for error but received undefined',
    ]);
  });

  it('throws when status is a string', () => {
    expect(responseIssues({ ...validResponse, status: 'true' })).toEqual([
      'Expected boolean for status but received "true" (string)',
    ]);
  });

  it('throws when data is not base64', () => {
    expect(responseIssues({ ...validResponse, data: 'not base64!' })).toEqual([
      'Expected base64 string for data but received "not base64!" (string)',
    ]);
  });

  it('throws on an unknown code', () => {
    const issues = responseIssues({ ...validResponse, status: false, code: 'OOPS' });

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^Expected one of INVALID_REQUEST, .*FORMAT_NOT_IN_PRESET for code but received "OOPS" \(string\)$/,
    );
  });

  it('throws when a success carries a code', () => {
    expect(responseIssues({ ...validResponse, code: 'INVALID_REQUEST' })).toEqual([
      'Expected absent field (status is true) for code but received "INVALID_REQUEST" (string)',
    ]);
  });

  it('throws when the response is not an object', () => {
    expect(responseIssues('{"status":true}')).toEqual([
      'Expected object for response but received "{\\"status\\":true}" (string)',
    ]);
  });
});

describe('Function: parseResizeRequest (well-formed text)', () => {
  // Valid JSON can carry a lone UTF-16 surrogate ("\ud800"); no UTF-8 encoder, URI encoder or S3 key can.
  it.each([
    ['src_key', { src_key: 'photo/a\ud800.jpg' }],
    ['src_key', { src_key: 'photo/a\udc00b.jpg' }],
    ['root_folder', { root_folder: 'prew\ud800' }],
    ['preset_name', { preset_name: '\udbffsmall' }],
    ['rewrite_part', { rewrite_part: 'pho\ud800to', src_key: 'pho\ud800to/a.jpg' }],
    ['src_bucket', { src_bucket: 'bucket\ud800' }],
  ])('names %s when it holds a lone surrogate', (field, overrides) => {
    const issues = requestIssues(JSON.parse(JSON.stringify({ ...validRequest, ...overrides })));
    expect(issues.some((issue) => issue.includes(` for ${field} but received `))).toBe(true);
    expect(issues.join('\n')).toMatch(/Expected (well-formed Unicode string \(no lone surrogate\)|S3 bucket name)/);
  });

  it('accepts a surrogate pair (an astral character)', () => {
    const request = { ...validRequest, src_key: 'photo/😀.jpg' };
    expect(parseResizeRequest(request).src_key).toBe('photo/😀.jpg');
  });
});
