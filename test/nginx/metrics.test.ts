/**
 * The rendered nginx configuration can never hand `/metrics` to the proxy: the proxy is reached from one
 * named location only, entered only from the preview root's S3 misses, with the original request target
 * (which therefore starts with the preview root, never `/metrics`). test/e2e/nginx-metrics.test.ts tries it
 * against a running nginx and proxy.
 */
import { describe, expect, it } from 'vitest';
import { AWS_EXAMPLE_OPTIONS } from '@preview-lambda/proxy/nginx/cli';
import { renderNginxConfig } from '@preview-lambda/proxy/nginx/render';

/** The directives of the configuration, comments apart, each with the `location` blocks enclosing it. */
function directives(config: string): { text: string; locations: string[] }[] {
  const found: { text: string; locations: string[] }[] = [];
  const stack: string[] = [];
  let current = '';
  const uncommented = config
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join('\n');
  // Quoted strings may hold braces and semicolons: keep them whole.
  for (const token of uncommented.match(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[{};]|[^"'{};]+/g) ?? []) {
    if (token === '{') {
      stack.push(current.trim().replace(/\s+/g, ' '));
      current = '';
    } else if (token === '}') {
      stack.pop();
      current = '';
    } else if (token === ';') {
      found.push({ text: current.trim().replace(/\s+/g, ' '), locations: stack.filter((block) => block.startsWith('location')) });
      current = '';
    } else {
      current += token;
    }
  }
  return found;
}

describe('proxy/nginx/preview.conf.template: /metrics is never proxied', () => {
  for (const previewRoot of ['prew', 'previews']) {
    // The configuration for real S3 (the committed example's options), with the default and another root.
    const all = directives(renderNginxConfig({ ...AWS_EXAMPLE_OPTIONS, previewRoot }));

    it(`reaches the proxy only from "location @preview", with the original request target (root ${previewRoot})`, () => {
      const toProxy = all.filter((directive) => /\bpreview_proxy\b/.test(directive.text) && directive.text.startsWith('proxy_pass'));
      expect(toProxy).toEqual([{ text: 'proxy_pass http://preview_proxy$request_uri', locations: ['location @preview'] }]);
    });

    it(`enters "@preview" only on S3 misses under /${previewRoot}/`, () => {
      const entries = all.filter((directive) => /@preview\b/.test(directive.text));
      expect(entries).toEqual([{ text: 'error_page 403 404 = @preview', locations: [`location /${previewRoot}/`] }]);
    });

    it('answers the exact path /metrics itself, like any path outside the roots (location /: 404)', () => {
      const catchAll = all.filter((directive) => directive.locations.at(-1) === 'location /');
      expect(catchAll.map((directive) => directive.text)).toContain('return 404 "Not Found\\n"');
    });
  }
});
