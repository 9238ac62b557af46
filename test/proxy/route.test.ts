import { describe, expect, it } from 'vitest';
import { type RouteOptions, routeRequest } from '@preview-lambda/proxy/route';

const layout = {
  previewRoot: 'prew',
  sourcePrefix: 'photo',
  presets: new Map([
    ['small', { width: 320, formats: [] }],
    ['large', { width: 1440, formats: [] }],
  ]),
};

const options: RouteOptions = {
  layout,
  sourceBucket: 'originals-bucket',
  destinationBucket: 'previews-bucket',
  formatOrder: ['avif', 'webp'],
};

/** `small` offers AVIF and WebP, `medium` WebP, `large` nothing but its source format. */
const variants: RouteOptions = {
  ...options,
  layout: {
    ...layout,
    presets: new Map([
      ['small', { width: 320, formats: ['avif', 'webp'] as const }],
      ['medium', { width: 720, formats: ['webp'] as const }],
      ['large', { width: 1440, formats: [] }],
    ]),
  },
};

const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

const route = (target: string, method = 'GET') => routeRequest(method, target, options);

describe('Function: routeRequest', () => {
  describe('valid preview paths', () => {
    it('builds the Go payload for /prew/<preset>/<path>', () => {
      expect(route('/prew/small/some/file.jpg')).toEqual({
        kind: 'preview',
        preset: 'small',
        width: 320,
        path: 'some/file.jpg',
        vary: false,
        key: 'prew/small/some/file.jpg',
        request: {
          src_key: 'photo/some/file.jpg',
          src_bucket: 'originals-bucket',
          dst_bucket: 'previews-bucket',
          root_folder: 'prew',
          preset_name: 'small',
          rewrite_part: 'photo',
          width: 320,
        },
      });
    });

    it('serves HEAD like GET', () => {
      expect(route('/prew/large/a.png', 'HEAD')).toMatchObject({ kind: 'preview', width: 1440, path: 'a.png' });
    });

    it('uses a multi-segment source prefix and another root', () => {
      const result = routeRequest('GET', '/previews/small/a.jpg', {
        ...options,
        layout: { ...layout, previewRoot: 'previews', sourcePrefix: 'media/originals' },
      });
      expect(result).toMatchObject({
        kind: 'preview',
        key: 'previews/small/a.jpg',
        request: { src_key: 'media/originals/a.jpg', rewrite_part: 'media/originals', root_folder: 'previews' },
      });
    });

    it('decodes percent-encoded unicode and spaces', () => {
      expect(route('/prew/small/%C3%A9t%C3%A9%202024/caf%C3%A9%20au%20lait.jpg')).toMatchObject({
        kind: 'preview',
        path: 'été 2024/café au lait.jpg',
        key: 'prew/small/été 2024/café au lait.jpg',
        request: { src_key: 'photo/été 2024/café au lait.jpg' },
      });
      expect(route('/prew/small/%F0%9F%93%B7.jpg')).toMatchObject({ kind: 'preview', path: '📷.jpg' });
    });

    it('keeps "+" and other sub-delimiters literally', () => {
      expect(route("/prew/small/a+b,c;d=e&f!'()*@:~$.jpg")).toMatchObject({
        kind: 'preview',
        path: "a+b,c;d=e&f!'()*@:~$.jpg",
      });
    });

    it('reads a raw "+" and "%2B" as the same key (nginx passes the client\'s target; S3 gets %2B)', () => {
      const raw = route('/prew/small/a+b%20c.jpg');
      const encoded = route('/prew/small/a%2Bb%20c.jpg');

      expect(raw).toMatchObject({ kind: 'preview', key: 'prew/small/a+b c.jpg', request: { src_key: 'photo/a+b c.jpg' } });
      expect(encoded).toEqual(raw);
    });

    it('decodes encoded reserved characters that are not separators', () => {
      expect(route('/prew/small/100%25%20%23%3F.jpg')).toMatchObject({ kind: 'preview', path: '100% #?.jpg' });
    });

    it('allows dots inside names', () => {
      expect(route('/prew/small/.hidden/..a/a..jpg')).toMatchObject({ kind: 'preview', path: '.hidden/..a/a..jpg' });
    });

    it('ignores the query string', () => {
      expect(route('/prew/small/a.jpg?v=2&x=%2F..')).toMatchObject({ kind: 'preview', path: 'a.jpg' });
      expect(route('/prew/small/a.jpg?')).toMatchObject({ kind: 'preview', path: 'a.jpg' });
    });

    it('accepts a path that makes a key of exactly 1024 bytes', () => {
      const path = 'a'.repeat(1024 - 'prew/small/'.length);
      expect(route(`/prew/small/${path}`)).toMatchObject({ kind: 'preview', path });
    });
  });

  describe('invalid preview paths (400)', () => {
    it.each([
      ['an empty segment', '/prew/small//a.jpg', 'empty path segment'],
      ['a trailing slash', '/prew/small/dir/', 'empty path segment'],
      ['a missing path', '/prew/small', 'expected /<root>/<preset>/<path>'],
      ['a missing preset and path', '/prew/', 'expected /<root>/<preset>/<path>'],
      ['the bare root', '/prew', 'expected /<root>/<preset>/<path>'],
      ['a ".." segment', '/prew/small/../a.jpg', '"." or ".." path segment'],
      ['a "." segment', '/prew/small/./a.jpg', '"." or ".." path segment'],
      ['an encoded ".." segment', '/prew/small/%2e%2e/a.jpg', '"." or ".." path segment'],
      ['a mixed-case encoded ".." segment', '/prew/small/.%2E/a.jpg', '"." or ".." path segment'],
      ['a ".." preset', '/prew/../small/a.jpg', '"." or ".." path segment'],
      ['an encoded slash', '/prew/small/a%2Fb.jpg', 'percent-encoded "/" or "\\"'],
      ['a lowercase encoded slash', '/prew/small/..%2fsecret.jpg', 'percent-encoded "/" or "\\"'],
      ['an encoded backslash', '/prew/small/a%5cb.jpg', 'percent-encoded "/" or "\\"'],
      ['a backslash', '/prew/small/a\\b.jpg', 'backslash in the path'],
      ['an encoded NUL', '/prew/small/a%00.jpg', 'control character (e.g. %00) in the path'],
      ['an encoded newline', '/prew/small/a%0A.jpg', 'control character (e.g. %00) in the path'],
      ['an encoded DEL', '/prew/small/a%7F.jpg', 'control character (e.g. %00) in the path'],
      ['an encoded C1 control', '/prew/small/a%C2%85.jpg', 'control character (e.g. %00) in the path'],
      ['a raw space', '/prew/small/a b.jpg', 'unencoded space, control or non-ASCII character'],
      ['a raw control', '/prew/small/a\u0001.jpg', 'unencoded space, control or non-ASCII character'],
      ['raw non-ASCII', '/prew/small/café.jpg', 'unencoded space, control or non-ASCII character'],
      ['a raw "#"', '/prew/small/a#b.jpg', 'unencoded "#" in the path'],
      ['a truncated escape', '/prew/small/a%2.jpg', 'malformed percent-encoding'],
      ['a non-hex escape', '/prew/small/a%zz.jpg', 'malformed percent-encoding'],
      ['a lone "%"', '/prew/small/100%', 'malformed percent-encoding'],
      ['invalid UTF-8', '/prew/small/%C3%28.jpg', 'percent-encoding that is not UTF-8'],
      ['an encoded surrogate', '/prew/small/%ED%A0%80.jpg', 'percent-encoding that is not UTF-8'],
    ])('rejects %s', (_what, target, reason) => {
      expect(route(target)).toEqual({ kind: 'invalid', reason });
    });

    it('rejects a path whose preview key would exceed 1024 bytes', () => {
      const path = 'a'.repeat(1024 - 'prew/small/'.length + 1);
      expect(route(`/prew/small/${path}`)).toEqual({
        kind: 'invalid',
        reason: 'the preview key would have 1025 bytes, more than 1024',
      });
    });

    it('counts bytes, not characters', () => {
      const path = '%C3%A9'.repeat(507); // 507 × "é" = 1014 bytes, preview key 1025 bytes
      expect(route(`/prew/small/${path}`)).toEqual({
        kind: 'invalid',
        reason: 'the preview key would have 1025 bytes, more than 1024',
      });
    });

    it('rejects a source key over 1024 bytes with a longer source prefix', () => {
      const result = routeRequest('GET', `/prew/small/${'a'.repeat(1000)}`, {
        ...options,
        layout: { ...layout, sourcePrefix: `${'p'.repeat(30)}` },
      });
      expect(result).toEqual({ kind: 'invalid', reason: 'the source key would have 1031 bytes, more than 1024' });
    });

    it('rejects an over-long request target before decoding it', () => {
      expect(route(`/prew/small/${'%41'.repeat(3000)}`)).toEqual({
        kind: 'invalid',
        reason: 'the request target is longer than 8192 characters',
      });
    });

    it('checks the whole path before the preset', () => {
      expect(route('/prew/unknown/../a.jpg')).toEqual({ kind: 'invalid', reason: '"." or ".." path segment' });
    });
  });

  describe('variants', () => {
    it("picks the variant from Accept by the configured order, with its format in the payload and key, and Vary", () => {
      expect(routeRequest('GET', '/prew/small/a.jpg', variants, CHROME)).toMatchObject({
        kind: 'preview',
        preset: 'small',
        format: 'avif',
        vary: true,
        key: 'prew/small@avif/a.jpg',
        request: { preset_name: 'small', width: 320, format: 'avif' },
      });
      expect(routeRequest('GET', '/prew/small/a.jpg', { ...variants, formatOrder: ['webp', 'avif'] }, CHROME)).toMatchObject({
        format: 'webp',
        key: 'prew/small@webp/a.jpg',
      });
      expect(routeRequest('GET', '/prew/medium/a.jpg', variants, CHROME)).toMatchObject({ format: 'webp', vary: true });
    });

    it('gives the source format (the Go payload, no format) to clients that name no modern format, still with Vary', () => {
      for (const accept of [undefined, '*/*', 'image/jpeg', 'image/avif;q=0']) {
        const result = routeRequest('GET', '/prew/small/a.jpg', variants, accept);
        expect(result).toMatchObject({ kind: 'preview', vary: true, key: 'prew/small/a.jpg' });
        expect(result).not.toHaveProperty('format');
        expect((result as { request: object }).request).not.toHaveProperty('format');
      }
    });

    it('gives a preset without formats its source format and no Vary, whatever the client accepts', () => {
      expect(routeRequest('GET', '/prew/large/a.jpg', variants, CHROME)).toMatchObject({ vary: false, key: 'prew/large/a.jpg' });
      expect(routeRequest('GET', '/prew/large/a.jpg', variants, CHROME)).not.toHaveProperty('format');
    });

    it('serves a variant named in the URL whatever the Accept header, without Vary', () => {
      expect(routeRequest('GET', '/prew/small@webp/a.jpg', variants, 'image/jpeg')).toMatchObject({
        kind: 'preview',
        preset: 'small',
        format: 'webp',
        vary: false,
        key: 'prew/small@webp/a.jpg',
        request: { preset_name: 'small', format: 'webp' },
      });
      expect(routeRequest('GET', '/prew/small%40avif/a.jpg', variants)).toMatchObject({ format: 'avif', key: 'prew/small@avif/a.jpg' });
    });

    it.each([
      ['a format the preset does not list', '/prew/medium@avif/a.jpg', 'medium@avif'],
      ['a preset that lists none', '/prew/large@webp/a.jpg', 'large@webp'],
      ['an unknown format', '/prew/small@gif/a.jpg', 'small@gif'],
      ['an empty format', '/prew/small@/a.jpg', 'small@'],
      ['two formats', '/prew/small@avif@webp/a.jpg', 'small@avif@webp'],
      ['a variant of an unknown preset', '/prew/huge@avif/a.jpg', 'huge@avif'],
    ])('answers unknown-preset for %s', (_what, target, preset) => {
      expect(routeRequest('GET', target, variants, CHROME)).toEqual({ kind: 'unknown-preset', preset, path: 'a.jpg' });
    });

    it('counts the variant in the preview key bytes', () => {
      // prew/small/<1013> is 1024 bytes; the AVIF variant's key is 1029.
      const path = 'a'.repeat(1013);
      expect(routeRequest('GET', `/prew/small/${path}`, variants, 'image/jpeg')).toMatchObject({ kind: 'preview' });
      expect(routeRequest('GET', `/prew/small/${path}`, variants, CHROME)).toEqual({
        kind: 'invalid',
        reason: 'the preview key would have 1029 bytes, more than 1024',
      });
    });
  });

  describe('unknown presets (404 image)', () => {
    it.each([
      ['an unconfigured name', '/prew/medium/a.jpg', 'medium'],
      ['a width', '/prew/320/a.jpg', '320'],
      ['another case', '/prew/Small/a.jpg', 'Small'],
      ['an encoded name', '/prew/sm%61ll%20/a.jpg', 'smal' + 'l '],
      ['a prototype property', '/prew/__proto__/a.jpg', '__proto__'],
      ['a constructor property', '/prew/constructor/a.jpg', 'constructor'],
    ])('answers unknown-preset for %s', (_what, target, preset) => {
      expect(route(target)).toEqual({ kind: 'unknown-preset', preset, path: 'a.jpg' });
    });
  });

  describe('other paths', () => {
    it.each(['/', '/photo/a.jpg', '/prewx/small/a.jpg', '/PREW/small/a.jpg', '/healthz/x', '/favicon.ico', '*'])(
      'answers not-found for %j',
      (target) => {
        expect(route(target)).toEqual({ kind: 'not-found' });
      },
    );

    it('answers not-found for other paths whatever the method', () => {
      expect(route('/photo/a.jpg', 'POST')).toEqual({ kind: 'not-found' });
    });

    it('answers health for /healthz, with or without a query', () => {
      expect(route('/healthz')).toEqual({ kind: 'health' });
      expect(route('/healthz?probe=1', 'HEAD')).toEqual({ kind: 'health' });
    });
  });

  describe('methods', () => {
    it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'get'])(
      'answers method-not-allowed to %s on previews and /healthz',
      (method) => {
        expect(route('/prew/small/a.jpg', method)).toEqual({ kind: 'method-not-allowed', allow: 'GET, HEAD' });
        expect(route('/healthz', method)).toEqual({ kind: 'method-not-allowed', allow: 'GET, HEAD' });
      },
    );

    it('checks the method before the path', () => {
      expect(route('/prew/small/../a.jpg', 'POST')).toEqual({ kind: 'method-not-allowed', allow: 'GET, HEAD' });
    });
  });
});
