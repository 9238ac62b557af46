/**
 * The sharp pipelines that turn a checked source into a preview. Callers decide everything beforehand
 * (size, colour path, decode scale, format) in a {@link PipelinePlan}; this module only runs libvips.
 *
 * @module
 */
import sharp, { type FailOnOptions, type OutputInfo, type Sharp } from 'sharp';
import { WarnedError } from '../errors.js';
import { browserCmykToRgb, type ColourPath } from './colour.js';
import type { Size } from './dimensions.js';
import { encode, type EncodeOptions } from './encode.js';
import type { ImageType } from '@preview-lambda/contract';
import { withTemporaryFile } from './temporary-file.js';

/** Everything a pipeline needs, decided by `resizeImage`. Sizes are as displayed (after orientation). */
export interface PipelinePlan {
  /** The encoded source (for a JPEG without EOI, with one appended). */
  readonly input: Buffer;
  /** libvips' `fail_on` level for the pixel data. */
  readonly failOn: FailOnOptions;
  /** Reject the source when libvips reports any warning while decoding it (see {@link WarnedError}). */
  readonly strictWarnings: boolean;
  /**
   * sharp's `limitInputPixels`, a second line of defence behind the header check (for an animation, the
   * pixels of all its frames: libvips checks the frames stacked into one image).
   */
  readonly maxInputPixels: number;
  /**
   * Every frame of an animated source is decoded, resized (`target` is one frame's size) and encoded as
   * an animation; otherwise only the first frame. An animated plan is one-step (`decode.fastShrinkOnLoad`).
   */
  readonly animated: boolean;
  /** Size of the preview. */
  readonly target: Size;
  /**
   * Resize by width alone, because sharp derives exactly `target.height` itself (see
   * `sharpDerivedHeight`): equal horizontal and vertical scales, the same bytes as before exact rounding.
   */
  readonly byWidth: boolean;
  /** How the colours become sRGB. */
  readonly colour: ColourPath;
  /** For `browser-cmyk`: whether the file stores inverted inks (APP14 "Adobe"). */
  readonly adobeInverted: boolean;
  /**
   * Decode scale: `fastShrinkOnLoad` for a one-step pipeline (sharp's rule picks the scale); an
   * `intermediate` size for two steps (the first one reduces to it, with `fastShrinkOnLoad`, the second
   * one to the preview); or `loadScale`, the JPEG loader's own `shrink` option (1/2, 1/4, 1/8), for one
   * step from a file.
   */
  readonly decode:
    | { readonly fastShrinkOnLoad: boolean }
    | { readonly intermediate: Size; readonly fastShrinkOnLoad: boolean }
    | { readonly loadScale: 2 | 4 | 8 };
  /** Format of the preview. */
  readonly output: ImageType;
  /** Encoder settings. */
  readonly encode: EncodeOptions;
}

/** What a pipeline returns: sharp's `toBuffer({ resolveWithObject: true })`. */
export interface PipelineOutput {
  readonly data: Buffer;
  readonly info: OutputInfo;
}

const resizeOptions = (fastShrinkOnLoad: boolean) =>
  ({ fit: 'fill', kernel: sharp.kernel.lanczos3, fastShrinkOnLoad }) as const;

/** Lanczos-3 to `target`, by width alone when `byWidth` (sharp then derives the same height). */
function resizeTo(image: Sharp, target: Size, byWidth: boolean, fastShrinkOnLoad: boolean): Sharp {
  return byWidth
    ? image.resize({ width: target.width, kernel: sharp.kernel.lanczos3, fastShrinkOnLoad })
    : image.resize(target.width, target.height, resizeOptions(fastShrinkOnLoad));
}

/**
 * The source's first page (every page of an animated plan), auto-oriented; embedded profiles are left
 * alone unless `before-resize`. `source` is `plan.input`, or the path of a file holding it.
 */
function open(plan: PipelinePlan, warnings: string[], source: Buffer | string = plan.input): Sharp {
  const image = sharp(source, {
    autoOrient: true,
    failOn: plan.failOn,
    limitInputPixels: plan.maxInputPixels,
    sequentialRead: true,
    page: 0,
    pages: plan.animated ? -1 : 1,
    ignoreIcc: plan.colour !== 'before-resize',
  });
  if (plan.strictWarnings) image.on('warning', (warning: string) => warnings.push(warning));
  return image;
}

/**
 * Ends the colour path: for `after-resize`, the embedded profile is converted to sRGB on the reduced
 * pixels (sharp's output transform takes the image's own profile as its input, `embedded: true`, and
 * `attach: false` keeps it out of the file).
 */
function toSrgb(image: Sharp, colour: ColourPath): Sharp {
  if (colour === 'after-resize') image.withIccProfile('srgb', { attach: false });
  return image.toColourspace('srgb');
}

async function finish(image: Sharp, warnings: readonly string[]): Promise<PipelineOutput> {
  const output = await image.toBuffer({ resolveWithObject: true });
  if (warnings.length > 0) throw new WarnedError(warnings);
  return output;
}

type RawInfo = Pick<OutputInfo, 'width' | 'height' | 'channels'>;

/** Second step of a two-step pipeline: raw sRGB pixels to the encoded preview. */
function fromPixels(pixels: Buffer, info: RawInfo, plan: PipelinePlan): Promise<PipelineOutput> {
  const { width, height, channels } = info;
  const image = sharp(pixels, { raw: { width, height, channels } }).resize(
    plan.target.width,
    plan.target.height,
    resizeOptions(false),
  );
  return encode(image, plan.output, plan.encode).toBuffer({ resolveWithObject: true });
}

/**
 * Runs `plan`: one libvips pipeline in the common case; two for untagged CMYK (decode to CMYK, convert
 * like a browser in JS, then resize) and for a decode scale coarser than sharp allows; one from a
 * temporary file for a JPEG decode scale finer than sharp allows.
 *
 * @throws {WarnedError} with `strictWarnings`, libvips warned while decoding.
 * @throws {Error} sharp's own errors (corrupt data, pixel limit), for the caller to translate.
 */
export async function runPipeline(plan: PipelinePlan): Promise<PipelineOutput> {
  const warnings: string[] = [];
  const { target } = plan;
  if (plan.colour === 'browser-cmyk') {
    const decoded = open(plan, warnings).pipelineColourspace('cmyk').toColourspace('cmyk').raw();
    const cmyk = await finish(decoded, warnings);
    return fromPixels(browserCmykToRgb(cmyk.data, plan.adobeInverted), { ...cmyk.info, channels: 3 }, plan);
  }
  if ('intermediate' in plan.decode) {
    const { width, height } = plan.decode.intermediate;
    const first = open(plan, warnings).resize(width, height, resizeOptions(plan.decode.fastShrinkOnLoad));
    const reduced = await finish(toSrgb(first, plan.colour).raw(), warnings);
    return fromPixels(reduced.data, reduced.info, plan);
  }
  if ('loadScale' in plan.decode) {
    // libvips reads load options from a file name ("photo.jpg[shrink=2]"); sharp passes file names
    // through but has no such option for buffers. What is left to resize is under 4x, so sharp (without
    // fastShrinkOnLoad) keeps the loaded image instead of reloading it.
    const { loadScale } = plan.decode;
    return withTemporaryFile(plan.input, (path) => {
      const image = resizeTo(open(plan, warnings, `${path}[shrink=${loadScale}]`), target, plan.byWidth, false);
      return finish(encode(toSrgb(image, plan.colour), plan.output, plan.encode), warnings);
    });
  }
  const image = resizeTo(open(plan, warnings), target, plan.byWidth, plan.decode.fastShrinkOnLoad);
  return finish(encode(toSrgb(image, plan.colour), plan.output, plan.encode), warnings);
}
