/**
 * The resize core: one original in, one preview out. Pure (no I/O besides libvips), so the handler, local
 * tools and the benchmark share it.
 *
 * @module
 */
import sharp, { type FailOnOptions, type Metadata } from 'sharp';
import {
  CorruptImageError,
  NotAnImageError,
  TooManyPixelsError,
  UnsupportedFormatError,
  WarnedError,
} from '../errors.js';
import { animationPlan } from './animation.js';
import { colourPath } from './colour.js';
import {
  jpegDecodePlan,
  previewSize,
  sharpDerivedHeight,
  type Size,
  WEBP_TWO_STEP_MIN_SHRINK,
} from './dimensions.js';
import { previewType } from './encode.js';
import { coversAllCoefficients, readJpegStructure } from './jpeg-structure.js';
import { type ResizeOptions, resolveOptions } from './options.js';
import { type PipelineOutput, type PipelinePlan, runPipeline } from './pipeline.js';
import { type ImageType, isoBrands, type SourceType, sniffImageType } from '@preview-lambda/contract';

export type { ResizeOptions } from './options.js';

/** What {@link resizeImage} made, and from what. */
export interface ResizedImage {
  /** The encoded preview. */
  data: Buffer;
  /**
   * MIME type of `data`: the variant's format when one was asked for (animated WebP for an animation
   * asked for as AVIF); else the source's own type, except AVIF (JPEG, or PNG with alpha).
   */
  contentType: ImageType;
  /** Width of the preview in pixels. */
  width: number;
  /** Height of the preview (of each frame of an animation) in pixels. */
  height: number;
  /** Frames of the preview: the source's when its animation was kept, else 1. */
  frames: number;
  /**
   * Why an animated source was previewed as its first frame only (a limit, or EXIF orientation), for the
   * log; absent when every frame was kept or the source is still.
   */
  firstFrameOnly?: string;
  /** The source image. */
  source: {
    /** Type sniffed from the source's magic bytes. */
    type: SourceType;
    /** Width in pixels as displayed (after EXIF auto-orientation). */
    width: number;
    /** Height in pixels as displayed (after EXIF auto-orientation). */
    height: number;
    /** Size of the encoded source in bytes. */
    bytes: number;
    /** Frames (pages) of the source: 1 for a still image. */
    frames: number;
  };
}

/**
 * When libvips gives up on invalid pixel data. `'error'` rejects truncated data (which `'none'` would let
 * through with a grey lower part) and decoder errors, while tolerating the benign decoder warnings that
 * many cameras and editors trigger (e.g. libjpeg's "Corrupt JPEG data: 2 extraneous bytes before marker"),
 * which sharp's default `'warning'` rejects although browsers display those files (lovell/sharp#4149).
 */
const FAIL_ON = 'error' satisfies FailOnOptions;

/** The EOI marker that ends every JPEG (ITU-T T.81, B.1.1.3). */
const JPEG_EOI = Buffer.from([0xff, 0xd9]);

/** The first bytes of `bytes` as lower-case hex, e.g. `ff 00 12 …` (for error messages). */
function hexPrefix(bytes: Uint8Array, count = 8): string {
  const hex = Array.from(bytes.subarray(0, count), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > count ? `${hex} …` : hex;
}

/** The message of a libvips/sharp error on one line: libvips joins repeated lines with newlines. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n').map((line) => line.trim());
  return [...new Set(lines.filter((line) => line !== ''))].join('; ');
}

/** How a source's bytes are handed to libvips. */
type SourceDecoding = Pick<PipelinePlan, 'input' | 'failOn' | 'strictWarnings' | 'adobeInverted'>;

/**
 * How a JPEG's bytes are decoded. A file that ends inside its last scan, without EOI, is decoded with EOI
 * appended and every libjpeg warning treated as an error: complete scans decode to exactly the pixels of
 * the intact file without a warning, while a scan cut short makes libjpeg warn "premature end of data
 * segment" (it would fill the rest with grey). What the warning cannot show is checked beforehand: every
 * coefficient must have a scan (a progressive file cut between scans warns nothing), and arithmetic
 * coding, whose decoder reads past the end silently, is not accepted without EOI.
 */
function jpegInput(buffer: Buffer): SourceDecoding {
  const structure = readJpegStructure(buffer);
  const adobeInverted = structure.adobeTransform !== undefined;
  if (structure.end !== 'in-scan') return { input: buffer, failOn: FAIL_ON, strictWarnings: false, adobeInverted };
  if (structure.frame?.arithmetic === true) {
    throw new CorruptImageError(
      'image/jpeg without EOI in an arithmetic-coded scan: cannot tell complete from cut short',
    );
  }
  if (!coversAllCoefficients(structure)) {
    const scans = structure.scans.length;
    throw new CorruptImageError(`image/jpeg cut short after ${scans} scan(s): the image is incomplete`);
  }
  return { input: Buffer.concat([buffer, JPEG_EOI]), failOn: 'warning', strictWarnings: true, adobeInverted };
}

/**
 * `size` with its axes swapped when the EXIF orientation (5-8) swaps them: displayed to stored size and
 * back.
 */
function oriented(size: Size, header: Pick<Metadata, 'orientation'>): Size {
  return (header.orientation ?? 1) >= 5 ? { width: size.height, height: size.width } : size;
}

/** The decode and resize steps of a {@link PipelinePlan} (sizes as displayed). */
function decodeSteps(
  type: SourceType,
  displayed: Size,
  target: Size,
  header: Pick<Metadata, 'orientation'>,
): Pick<PipelinePlan, 'decode' | 'byWidth'> {
  const shrink = displayed.width / target.width;
  if (type === 'image/webp' && shrink >= WEBP_TWO_STEP_MIN_SHRINK) {
    const intermediate = { width: target.width * 2, height: target.height * 2 };
    return { decode: { intermediate, fastShrinkOnLoad: true }, byWidth: false };
  }
  if (type !== 'image/jpeg') {
    const byWidth = sharpDerivedHeight(displayed, target.width, 1) === target.height;
    return { decode: { fastShrinkOnLoad: true }, byWidth };
  }
  const plan = jpegDecodePlan(oriented(displayed, header), oriented(target, header));
  if (plan.kind === 'two-step') {
    return { decode: { intermediate: oriented(plan.intermediate, header), fastShrinkOnLoad: false }, byWidth: false };
  }
  const byWidth = sharpDerivedHeight(displayed, target.width, plan.scale) === target.height;
  if (plan.kind === 'load-option') return { decode: { loadScale: plan.scale }, byWidth };
  return { decode: { fastShrinkOnLoad: plan.fastShrinkOnLoad }, byWidth };
}

/**
 * Resize an encoded image to `options.width` pixels wide (height by aspect ratio, rounded as the Go
 * original did) and re-encode it.
 *
 * Steps, in order:
 * 1. the type is sniffed from the magic bytes ({@link sniffImageType}); HEIC is refused by name;
 * 2. the header is read (no pixel is decoded) and its dimensions are checked against `maxInputPixels`;
 *    sharp's `limitInputPixels` repeats the check as a second line of defence; a JPEG's marker structure
 *    is read to accept files that only lack their final EOI marker;
 * 3. one libvips pipeline (two for untagged CMYK and a few decode scales): EXIF auto-orientation, the
 *    decode scale that keeps quality (`JPEG_SHRINK_ON_LOAD_BANDS`), Lanczos-3 resize to the exact size,
 *    colours to sRGB (see `colourPath`: sRGB-tagged sources untouched, other profiles converted after the
 *    resize, untagged CMYK as browsers show it), metadata stripped (no EXIF, ICC, XMP), palette PNGs kept
 *    palette, all read sequentially;
 * 4. an animated GIF or WebP keeps every frame, delay and its loop count within `maxAnimationFrames` and
 *    `maxAnimationPixels` (else its first frame: `firstFrameOnly` says why);
 * 5. the encoder of the variant's `format`, or of the source's own type (`previewType`, `encode`).
 *
 * @throws {NotAnImageError} `input` is empty or is not a JPEG, PNG, WebP, GIF or AVIF.
 * @throws {UnsupportedFormatError} `input` is HEIC.
 * @throws {TooManyPixelsError} the header declares more than `maxInputPixels` pixels.
 * @throws {CorruptImageError} the header or the pixel data cannot be read (corrupt or truncated).
 *
 * @example
 * ```ts
 * const preview = await resizeImage(bytes, { width: 1440 });
 * // preview.contentType === 'image/jpeg', preview.width === 1440 (or less: no enlargement)
 * ```
 */
export async function resizeImage(input: Uint8Array, options: ResizeOptions): Promise<ResizedImage> {
  const resolved = resolveOptions(options);
  const { width, withoutEnlargement, maxInputPixels, format } = resolved;

  if (input.length === 0) throw new NotAnImageError('empty file (0 bytes)');
  const type = sniffImageType(input);
  if (type === undefined) {
    const signature = hexPrefix(input);
    throw new NotAnImageError(
      `unrecognised signature ${signature} (${input.length} bytes; expected JPEG, PNG, WebP, GIF or AVIF)`,
    );
  }
  if (type === 'image/heic') {
    const brands = [...new Set(isoBrands(input))].join(', ');
    const why = `ftyp brands ${brands}: the bundled libvips has no HEVC decoder`;
    throw new UnsupportedFormatError('HEIC', why);
  }

  // A view, not a copy.
  const buffer = Buffer.isBuffer(input)
    ? input
    : Buffer.from(input.buffer, input.byteOffset, input.byteLength);

  // Header only: libvips parses the header and decodes no pixel. Its own pixel limit is off here so that
  // an oversized image is reported with its dimensions.
  let header: Metadata;
  try {
    header = await sharp(buffer, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (error) {
    throw new CorruptImageError(`unreadable ${type} header: ${messageOf(error)}`, { cause: error });
  }
  const declared = { width: header.width, height: header.pageHeight ?? header.height };
  if (declared.width * declared.height > maxInputPixels) {
    throw new TooManyPixelsError(declared.width, declared.height, maxInputPixels);
  }

  const displayed = {
    width: header.autoOrient?.width ?? declared.width,
    height: header.autoOrient?.height ?? declared.height,
  };
  const target = previewSize(displayed, width, withoutEnlargement);
  // The frames decoded or encoded, whichever is larger (ALLOW_ENLARGEMENT can make previews larger).
  const frame = target.width * target.height > declared.width * declared.height ? target : declared;
  const animation = animationPlan(type, header, frame, {
    maxFrames: resolved.maxAnimationFrames,
    maxPixels: resolved.maxAnimationPixels,
  });
  const decoding: SourceDecoding =
    type === 'image/jpeg'
      ? jpegInput(buffer)
      : { input: buffer, failOn: FAIL_ON, strictWarnings: false, adobeInverted: false };
  const plan: PipelinePlan = {
    ...decoding,
    maxInputPixels: animation.animated ? animation.frames * declared.width * declared.height : maxInputPixels,
    animated: animation.animated,
    target,
    colour: colourPath(header),
    ...(animation.animated
      ? { decode: { fastShrinkOnLoad: false }, byWidth: false }
      : decodeSteps(type, displayed, target, header)),
    output: previewType(type, header, format, animation.animated),
    encode: {
      jpegQuality: resolved.jpegQuality,
      webpQuality: resolved.webpQuality,
      avifQuality: resolved.avifQuality,
      palette: header.isPalette === true,
      variant: format !== undefined,
      pixels: target.width * target.height * (animation.animated ? animation.frames : 1),
    },
  };

  let output: PipelineOutput;
  try {
    output = await runPipeline(plan);
  } catch (error) {
    const message = messageOf(error);
    if (message.includes('exceeds pixel limit')) {
      throw new TooManyPixelsError(declared.width, declared.height, maxInputPixels);
    }
    const why = error instanceof WarnedError ? `decoder warned: ${message}` : message;
    throw new CorruptImageError(`cannot decode ${type}: ${why}`, { cause: error });
  }

  return {
    data: output.data,
    contentType: plan.output,
    width: output.info.width,
    height: output.info.pageHeight ?? output.info.height,
    frames: animation.animated ? animation.frames : 1,
    ...(!animation.animated && animation.reason !== undefined ? { firstFrameOnly: animation.reason } : {}),
    source: { type, width: displayed.width, height: displayed.height, bytes: input.length, frames: animation.frames },
  };
}
