/**
 * What `npm start` prints and writes to `.local/stack.json` about a running stack: every endpoint, the
 * credentials, and the URLs to try.
 *
 * @module
 */
import { formatPresetList, OUTPUT_FORMAT_TYPES, variantSegment } from '@preview-lambda/contract';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, type EmulatorBackend } from './emulators.js';
import type { Stack } from './stack.js';

/** What `npm start` writes to `.local/stack.json` and prints: every endpoint and what to try. */
export interface StackDescription {
  readonly startedAt: string;
  readonly pid: number;
  /** Where clients go (nginx, or the proxy without nginx). */
  readonly url: string;
  /** The gallery page (every sample in every preset and format), when nginx runs with the samples. */
  readonly gallery: string | null;
  readonly endpoints: {
    readonly nginx: string | null;
    readonly proxy: string;
    /** The proxy's Prometheus metrics. */
    readonly metrics: string;
    readonly lambda: string;
    readonly s3: string;
    readonly dynamodb: string;
  };
  readonly nginx:
    | {
        readonly running: true;
        readonly path: string;
        readonly pid: number;
        readonly prefix: string;
        readonly config: string;
        readonly accessLog: string;
        readonly errorLog: string;
      }
    | { readonly running: false; readonly reason: string };
  readonly backend: EmulatorBackend;
  readonly bucket: string;
  readonly idempotencyTable: string;
  readonly functionName: string;
  readonly previewRoot: string;
  readonly sourcePrefix: string;
  readonly presets: Readonly<Record<string, number>>;
  /** The catalogue in the `PRESETS` grammar, formats included, e.g. `small=320;avif;webp,large=1440`. */
  readonly presetList: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly region: string };
  readonly try: readonly { readonly what: string; readonly url: string; readonly expect: string }[];
}

/** Describes a running stack (JSON-serialisable). */
export function describeStack(stack: Stack): StackDescription {
  const root = stack.previewRoot;
  const firstPreset = Object.keys(stack.presets)[0] ?? 'small';
  const base = stack.url;
  const originalsBase = stack.nginx === undefined ? `${stack.emulators.s3Endpoint}/${stack.bucket}` : base;
  const variantPreset = [...stack.layout.presets].find(([, preset]) => preset.formats.length > 0);
  // The preview whose variant comes next ("at the URL above"): of a preset that offers one.
  const previewPreset = variantPreset?.[0] ?? firstPreset;
  const variant = variantPreset === undefined ? undefined : { preset: variantPreset[0], format: variantPreset[1].formats[0]! };
  const tries: { what: string; url: string; expect: string }[] = [
    ...(stack.galleryUrl === undefined
      ? []
      : [{ what: 'the gallery: open it in a browser', url: stack.galleryUrl, expect: '200 text/html' }]),
    {
      what:
        stack.nginx === undefined
          ? 'a preview (generated on the first request; without nginx each request reaches the function, which replays it)'
          : 'a preview (generated on the first request, then served by nginx from S3)',
      url: `${base}/${root}/${previewPreset}/samples/landscape.jpg`,
      expect: '200 image/jpeg',
    },
    ...(variant === undefined
      ? []
      : [
          {
            what: `its ${variant.format.toUpperCase()} variant, at its own URL (with -H 'Accept: ${OUTPUT_FORMAT_TYPES[variant.format]}' at the URL above)`,
            url: `${base}/${root}/${variantSegment(variant.preset, variant.format)}/samples/landscape.jpg`,
            expect: `200 ${OUTPUT_FORMAT_TYPES[variant.format]}`,
          },
        ]),
    {
      what: 'an animated GIF, still animated',
      url: `${base}/${root}/${firstPreset}/samples/animation.gif`,
      expect: '200 image/gif',
    },
    {
      what: 'a preview of an EXIF-rotated photo',
      url: `${base}/${root}/${Object.keys(stack.presets)[1] ?? firstPreset}/samples/portrait.jpg`,
      expect: '200 image/jpeg',
    },
    { what: 'a PNG with transparency', url: `${base}/${root}/${firstPreset}/samples/logo.png`, expect: '200 image/png' },
    {
      what: 'an original',
      // Without nginx, nothing serves originals but S3 itself (path-style).
      url: `${originalsBase}/${stack.sourcePrefix}/samples/landscape.jpg`,
      expect: '200 image/jpeg',
    },
    { what: 'an unknown preset', url: `${base}/${root}/huge/samples/landscape.jpg`, expect: '404 not-found image' },
    {
      what: 'a missing original',
      url: `${base}/${root}/${firstPreset}/samples/does-not-exist.jpg`,
      expect: '404 not-found image',
    },
    {
      what: 'an original that is not an image',
      url: `${base}/${root}/${firstPreset}/samples/notes.jpg`,
      expect: '404 not-found image',
    },
  ];
  const { accessKeyId, secretAccessKey } = EMULATOR_CREDENTIALS;
  return {
    startedAt: new Date().toISOString(),
    pid: process.pid,
    url: base,
    gallery: stack.galleryUrl ?? null,
    endpoints: {
      nginx: stack.nginx?.url ?? null,
      proxy: stack.proxy.url,
      metrics: stack.proxy.metricsUrl,
      lambda: stack.lambda.url,
      s3: stack.emulators.s3Endpoint,
      dynamodb: stack.emulators.dynamodbEndpoint,
    },
    nginx:
      stack.nginx === undefined
        ? { running: false, reason: stack.nginxSkipped ?? 'not started' }
        : {
            running: true,
            path: stack.nginx.nginxPath,
            pid: stack.nginx.pid,
            prefix: stack.nginx.prefixDir,
            config: stack.nginx.configPath,
            accessLog: stack.nginx.accessLogPath,
            errorLog: stack.nginx.errorLogPath,
          },
    backend: stack.backend,
    bucket: stack.bucket,
    idempotencyTable: stack.table,
    functionName: stack.functionName,
    previewRoot: stack.previewRoot,
    sourcePrefix: stack.sourcePrefix,
    presets: stack.presets,
    presetList: formatPresetList(stack.layout.presets),
    credentials: { accessKeyId, secretAccessKey, region: EMULATOR_REGION },
    try: tries,
  };
}
