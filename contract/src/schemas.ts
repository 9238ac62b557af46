import * as z from 'zod';
import { OUTPUT_FORMATS } from './formats.js';
import {
  BUCKET_NAME,
  EXPECTED,
  MAX_KEY_BYTES,
  NO_CONTROL_CHARACTERS,
  SEGMENT_PATH,
  SINGLE_SEGMENT,
  WELL_FORMED,
} from './rules.js';
import { utf8ByteLength } from './utf8.js';

/** Lambda's limit on the payload of a synchronous (`RequestResponse`) invocation's response: 6 MB. */
export const LAMBDA_SYNC_RESPONSE_LIMIT_BYTES = 6_291_456;

/**
 * The MIME types a preview can have: a source-format preview has its source's type (sniffed from the
 * magic bytes; an AVIF source's is JPEG or PNG), a variant its output format's (`OUTPUT_FORMAT_TYPES`).
 */
export const PREVIEW_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'] as const;

/** One of {@link PREVIEW_CONTENT_TYPES}. */
export type PreviewContentType = (typeof PREVIEW_CONTENT_TYPES)[number];

const expected = (what: string): string => `Expected ${what}`;

/**
 * A required, non-empty, well-formed string; anything else (missing, wrong type, `''`, a lone surrogate)
 * stops that field's checks.
 */
const nonEmptyString = () =>
  z
    .string({ error: expected(EXPECTED.nonEmptyString) })
    .min(1, { error: expected(EXPECTED.nonEmptyString), abort: true })
    .regex(WELL_FORMED, { error: expected(EXPECTED.wellFormed), abort: true });

const bucketName = (description: string) =>
  nonEmptyString()
    .regex(BUCKET_NAME, { error: expected(EXPECTED.bucketName) })
    .meta({ description });

const singleSegment = (description: string) =>
  nonEmptyString()
    .regex(SINGLE_SEGMENT, { error: expected(EXPECTED.singleSegment) })
    .regex(NO_CONTROL_CHARACTERS, { error: expected(EXPECTED.noControlCharacters) })
    .meta({ description });

/**
 * The resize request, field for field the JSON the Go Lambda decoded (same names, same JSON types).
 *
 * Every Go field is required (Go silently used `""` and `0` for missing ones). Unknown fields are accepted
 * and stripped, as Go ignored them. The cross-field key rules (`src_key` must start with
 * `rewrite_part + "/"`, no empty, `.` or `..` segment, preview key size) are enforced by
 * `parseResizeRequest` and `previewKey`, not by this schema alone.
 *
 * One additive field Go callers never send: `format`, the output format of a variant (`avif`, `webp`).
 * Absent, the request is exactly a Go request: the source-format preview at the Go key, with the same
 * bytes and the same idempotency key as before the field existed.
 */
export const ResizeRequest = z.object(
  {
    src_key: nonEmptyString()
      .max(MAX_KEY_BYTES, { error: expected(EXPECTED.keyBytes) })
      .refine((key) => utf8ByteLength(key) <= MAX_KEY_BYTES, { error: expected(EXPECTED.keyBytes) })
      .regex(NO_CONTROL_CHARACTERS, { error: expected(EXPECTED.noControlCharacters) })
      .meta({
        description: 'Key of the original in the source bucket; must start with `rewrite_part` + "/".',
        examples: ['photo/some/file.jpg'],
      }),
    src_bucket: bucketName('Bucket holding the original.'),
    dst_bucket: bucketName('Bucket the preview is written to (often the source bucket).'),
    root_folder: singleSegment('First segment of the preview key, e.g. "prew".'),
    preset_name: singleSegment('Second segment of the preview key, e.g. "small".'),
    rewrite_part: nonEmptyString()
      .regex(SEGMENT_PATH, { error: expected(EXPECTED.segmentPath) })
      .meta({
        description:
          'Leading segment(s) of `src_key` replaced by `root_folder/preset_name` in the preview key, e.g. "photo".',
      }),
    width: z
      .number({ error: expected(EXPECTED.positiveInteger) })
      .int({ error: expected(EXPECTED.positiveInteger) })
      .positive({ error: expected(EXPECTED.positiveInteger) })
      .meta({
        description: 'Target width in pixels; the height follows the aspect ratio.',
        examples: [1440],
      }),
    format: z
      .enum(OUTPUT_FORMATS, { error: expected(`one of ${OUTPUT_FORMATS.map((f) => JSON.stringify(f)).join(', ')}`) })
      .optional()
      .meta({
        description:
          'Optional (not a Go field). Output format of a variant, which the preset must list; the preview key ' +
          'becomes root_folder/preset_name@format/<rest>. Absent: the source-format preview, as the Go Lambda made it.',
        examples: ['avif'],
      }),
  },
  { error: expected('object') },
);

/** A resize request that satisfies {@link ResizeRequest}. */
export type ResizeRequest = z.infer<typeof ResizeRequest>;

const RESIZE_ERROR_CODES = [
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
] as const;

/**
 * Machine-readable reason of a failed resize, sent as the response's `code`. See
 * {@link RESIZE_ERROR_CODE_DESCRIPTIONS} for the meaning of each value.
 */
export const ResizeErrorCode = z.enum(RESIZE_ERROR_CODES, {
  error: expected(`one of ${RESIZE_ERROR_CODES.join(', ')}`),
});

/** One of the {@link ResizeErrorCode} values. */
export type ResizeErrorCode = z.infer<typeof ResizeErrorCode>;

/**
 * What each {@link ResizeErrorCode} means. Every code is a permanent failure: the same request fails the
 * same way again, so callers should not retry it.
 */
export const RESIZE_ERROR_CODE_DESCRIPTIONS = {
  INVALID_REQUEST: 'The request does not satisfy the contract (missing field, wrong type, unsafe key).',
  WIDTH_TOO_LARGE: '`width` is larger than the maximum the function allows.',
  BUCKET_NOT_ALLOWED: '`src_bucket` or `dst_bucket` is not in the allow-list.',
  SOURCE_NOT_FOUND: 'The original does not exist in `src_bucket`.',
  ACCESS_DENIED: 'S3 refused to read the original or to write the preview.',
  DESTINATION_REJECTED: 'The destination bucket rejected the preview upload.',
  SOURCE_TOO_LARGE: 'The original is larger than the byte limit.',
  NOT_AN_IMAGE: 'The original is not a JPEG, PNG, WebP, GIF or AVIF image (judged by its magic bytes).',
  CORRUPT_IMAGE: 'The original looks like a supported image but cannot be decoded.',
  TOO_MANY_PIXELS: 'The original has more pixels than the decompression-bomb limit.',
  LAYOUT_NOT_ALLOWED:
    '`rewrite_part` is not the originals prefix or `root_folder` is not the preview root the function is configured with.',
  UNKNOWN_PRESET: '`preset_name` is not one of the presets the function is configured with.',
  PRESET_WIDTH_MISMATCH: "`width` is not the configured width of the request's preset.",
  UNSUPPORTED_FORMAT:
    'The original is an image in a format recognised but not decoded (HEIC: the bundled libvips has no HEVC decoder).',
  FORMAT_NOT_IN_PRESET: "`format` is not one of the output formats the request's preset lists.",
} as const satisfies Readonly<Record<ResizeErrorCode, string>>;

const requiredString = (description: string) =>
  z.string({ error: expected(EXPECTED.string) }).meta({ description });

/**
 * The resize response: the five fields the Go Lambda always sent, plus an optional `code` that only
 * failures carry (an additive extension that Go-era callers ignore). Unknown fields are stripped.
 */
export const ResizeResponse = z
  .object(
    {
      status: z
        .boolean({ error: expected(EXPECTED.boolean) })
        .meta({ description: 'true when the preview was produced and stored.' }),
      key: requiredString('Key of the preview in the destination bucket; empty on failure.'),
      content_type: requiredString(
        'MIME type of the preview as produced (a variant asked for AVIF of an animated source is animated WebP); empty on failure.',
      ),
      data: z
        .base64({ error: expected(EXPECTED.base64) })
        .meta({ description: 'Standard base64 (padded) of the preview bytes; may be empty.' }),
      error: requiredString('Human-readable reason of a failure; empty on success.'),
      code: ResizeErrorCode.optional().meta({
        description: `Why the resize failed; only present when status is false. ${Object.entries(
          RESIZE_ERROR_CODE_DESCRIPTIONS,
        )
          .map(([code, description]) => `${code}: ${description}`)
          .join(' ')}`,
      }),
    },
    { error: expected('object') },
  )
  .superRefine((response, context) => {
    if (response.status === true && response.code !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['code'],
        input: response.code,
        message: expected('absent field (status is true)'),
      });
    }
  });

/** A response that satisfies {@link ResizeResponse}. */
export type ResizeResponse = z.infer<typeof ResizeResponse>;
