/**
 * The `Accept` negotiation of the rendered nginx configuration: the contract's patterns, the presets
 * offering each format, the order, and the options' checks. Its behaviour on a real nginx is
 * test/e2e/nginx-variants.test.ts.
 */
import { acceptPattern } from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';
import { type NginxConfigOptions, nginxTemplateValues, renderNginxConfig } from '@preview-lambda/proxy/nginx/render';

const LOCAL: NginxConfigOptions = {
  listen: { host: '127.0.0.1', port: 8080 },
  proxy: { host: '127.0.0.1', port: 8081 },
  s3: { style: 'path', endpoint: 'http://127.0.0.1:4568' },
  originalsBucket: 'originals-bucket',
  previewsBucket: 'previews-bucket',
};

describe('Function: nginxTemplateValues (variants)', () => {
  it("renders the contract's Accept patterns and, per format, the presets that offer it", () => {
    const values = nginxTemplateValues({ ...LOCAL, presets: 'small=320;avif;webp,medium=720;webp,large=1440' });

    expect(values).toMatchObject({
      ACCEPT_AVIF_PATTERN: acceptPattern('avif'),
      ACCEPT_WEBP_PATTERN: acceptPattern('webp'),
      AVIF_PRESETS: 'small',
      WEBP_PRESETS: 'small|medium',
      VARIANT_PRESETS: 'small|medium',
      VARIANT_CANDIDATES: '$preview_variant_avif$preview_variant_webp',
      SERVER_INCLUDES: 'preview.d/*.conf',
    });
  });

  it('offers no variant without presets (every client gets the source format from S3)', () => {
    expect(nginxTemplateValues(LOCAL)).toMatchObject({ AVIF_PRESETS: '(?!)', WEBP_PRESETS: '(?!)', VARIANT_PRESETS: '(?!)' });
  });

  it('follows the order, and leaves a format out of the order out of the choice and of Vary', () => {
    const presets = 'small=320;avif,medium=720;webp';
    expect(nginxTemplateValues({ ...LOCAL, presets, formatOrder: ['webp', 'avif'] }).VARIANT_CANDIDATES).toBe(
      '$preview_variant_webp$preview_variant_avif',
    );
    expect(nginxTemplateValues({ ...LOCAL, presets, formatOrder: ['webp'] })).toMatchObject({
      VARIANT_CANDIDATES: '$preview_variant_webp',
      VARIANT_PRESETS: 'medium',
    });
  });

  it('names bad presets, order and include pattern', () => {
    expect(() =>
      nginxTemplateValues({ ...LOCAL, presets: 'small=320;gif', formatOrder: ['avif', 'avif'], serverIncludes: 'a b;' }),
    ).toThrow(
      /^Invalid nginx options: Expected name=width pairs .* for presets but received "small=320;gif"; Expected a non-empty list of distinct output formats \(avif, webp\) for formatOrder but received \["avif","avif"\] \(array\); Expected a plain file path or pattern for serverIncludes but received "a b;" \(string\)$/,
    );
    expect(() => nginxTemplateValues({ ...LOCAL, formatOrder: [] })).toThrow(
      'Invalid nginx options: Expected a non-empty list of distinct output formats (avif, webp) for formatOrder but received [] (array)',
    );
  });

  it('asks S3 for the variant key and sends Vary from the previews location', () => {
    const config = renderNginxConfig({ ...LOCAL, presets: 'small=320;avif' });
    expect(config).toContain('proxy_pass http://preview_s3_previews/previews-bucket/prew/$preview_s3_key;');
    expect(config).toContain("more_set_headers -s '200 206 304' 'Vary: $preview_vary';");
    expect(config).toContain('"~^(?:small):avif$" @avif;');
    expect(config).toContain('include preview.d/*.conf;');
  });
});
