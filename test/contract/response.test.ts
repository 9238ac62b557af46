import {
  failureResponse,
  LAMBDA_SYNC_RESPONSE_LIMIT_BYTES,
  parseResizeResponse,
  type ResizeResponse,
  responseByteLength,
  serializeResponse,
  successResponse,
} from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';
import { responseCases } from './fixtures.js';

/** What the Go Lambda sent for the documented example, byte for byte. */
const GO_SUCCESS =
  '{"status":true,"key":"prew/preset_name_1/some/file.jpg","content_type":"image/jpeg","data":"/9j/4AAQSkZJRgAB","error":""}';

describe('Function: successResponse', () => {
  it('builds a Go-shaped success without code', () => {
    const response = successResponse({
      key: 'prew/small/a.jpg',
      contentType: 'image/png',
      data: 'iVBORw0KGgo=',
    });

    expect(response).toStrictEqual({
      status: true,
      key: 'prew/small/a.jpg',
      content_type: 'image/png',
      data: 'iVBORw0KGgo=',
      error: '',
    });
    expect(Object.hasOwn(response, 'code')).toBe(false);
  });
});

describe('Function: failureResponse', () => {
  it('builds a failure with empty payload fields and the code', () => {
    expect(failureResponse('SOURCE_NOT_FOUND', 'File photo/a.jpg not exists in b')).toStrictEqual({
      status: false,
      key: '',
      content_type: '',
      data: '',
      error: 'File photo/a.jpg not exists in b',
      code: 'SOURCE_NOT_FOUND',
    });
  });

  it('builds a response that satisfies the contract', () => {
    const response = failureResponse('TOO_MANY_PIXELS', 'too big');

    expect(parseResizeResponse(response)).toEqual(response);
  });
});

describe('Function: serializeResponse', () => {
  it('is byte-identical to the Go Lambda for the documented example', () => {
    const response = successResponse({
      key: 'prew/preset_name_1/some/file.jpg',
      contentType: 'image/jpeg',
      data: '/9j/4AAQSkZJRgAB',
    });

    expect(serializeResponse(response)).toBe(GO_SUCCESS);
  });

  it('uses the Go field order whatever the key order of the object', () => {
    const scrambled: ResizeResponse = {
      code: 'CORRUPT_IMAGE',
      error: 'Corrupt image: truncated',
      data: '',
      content_type: '',
      key: '',
      status: false,
    };

    expect(serializeResponse(scrambled)).toBe(
      '{"status":false,"key":"","content_type":"","data":"","error":"Corrupt image: truncated","code":"CORRUPT_IMAGE"}',
    );
  });

  it('omits code when it is undefined', () => {
    const response: ResizeResponse = { ...successResponse({ key: 'k', contentType: 'image/gif', data: '' }) };
    response.code = undefined;

    expect(serializeResponse(response)).toBe(
      '{"status":true,"key":"k","content_type":"image/gif","data":"","error":""}',
    );
  });

  it('drops properties that are not part of the contract', () => {
    const response = { ...successResponse({ key: 'k', contentType: 'image/gif', data: '' }), extra: 1 };

    expect(serializeResponse(response)).not.toContain('extra');
  });

  it('escapes U+2028 and U+2029 like Go, and leaves <, > and & alone like aws-lambda-go', () => {
    const response = failureResponse('INVALID_REQUEST', 'a\u2028b\u2029c <&>');

    expect(serializeResponse(response)).toBe(
      '{"status":false,"key":"","content_type":"","data":"","error":"a\\u2028b\\u2029c <&>","code":"INVALID_REQUEST"}',
    );
    expect(JSON.parse(serializeResponse(response))).toEqual(response);
  });
});

describe('Function: responseByteLength', () => {
  it('counts bytes, not characters, for multibyte text', () => {
    // "é" is 2 bytes, "写" 3 bytes, "🌅" 4 bytes (2 UTF-16 code units).
    const response = failureResponse('NOT_AN_IMAGE', 'é写🌅');
    const serialized = serializeResponse(response);

    expect(responseByteLength(response)).toBe(serialized.length - 4 + 2 + 3 + 4);
    expect(responseByteLength(response)).toBe(new TextEncoder().encode(serialized).length);
  });

  it('counts an escaped line separator as its 6 ASCII bytes', () => {
    const response = failureResponse('NOT_AN_IMAGE', '\u2028');

    expect(responseByteLength(response)).toBe(serializeResponse(response).length);
    expect(serializeResponse(response)).toContain('"error":"\\u2028"');
  });

  it('tells whether a response fits the synchronous Lambda limit', () => {
    const overhead = responseByteLength(successResponse({ key: 'k', contentType: 'image/jpeg', data: '' }));
    const fits = successResponse({
      key: 'k',
      contentType: 'image/jpeg',
      data: 'A'.repeat(LAMBDA_SYNC_RESPONSE_LIMIT_BYTES - overhead),
    });
    const tooBig = { ...fits, data: `${fits.data}A` };

    expect(responseByteLength(fits)).toBe(LAMBDA_SYNC_RESPONSE_LIMIT_BYTES);
    expect(responseByteLength(tooBig)).toBe(LAMBDA_SYNC_RESPONSE_LIMIT_BYTES + 1);
  });
});

describe('Golden fixtures: contract/fixtures/responses.json', () => {
  for (const { name, response, serialized, bytes } of responseCases) {
    it(`parses and serializes byte-for-byte: ${name}`, () => {
      const parsed = parseResizeResponse(response);

      expect(serializeResponse(parsed)).toBe(serialized);
      expect(responseByteLength(parsed)).toBe(bytes);
      expect(new TextEncoder().encode(serialized).length).toBe(bytes);
      expect(parseResizeResponse(JSON.parse(serialized))).toEqual(parsed);
    });
  }
});
