/**
 * Whether a preview keeps its source's animation: animated GIF and WebP sources are previewed with every
 * frame, within limits in the manner of imgproxy's (`IMGPROXY_MAX_ANIMATION_FRAMES`, and its source
 * resolution limit that counts every frame): a source beyond them is previewed as its first frame, and
 * the reason is returned for the log.
 *
 * @module
 */
import type { Metadata } from 'sharp';
import type { SourceType } from '@preview-lambda/contract';
import type { Size } from './dimensions.js';

/** The limits of {@link animationPlan}. */
export interface AnimationLimits {
  /** Most frames an animated preview keeps; a source with more is previewed as its first frame. */
  readonly maxFrames: number;
  /**
   * Most pixels of all frames together (frame width × height × frames, the frame the larger of the source's
   * and the preview's): what is decoded, resized and encoded. A source with more is previewed as its first
   * frame.
   */
  readonly maxPixels: number;
}

/** What {@link animationPlan} decided. */
export type AnimationPlan =
  /** Every frame is previewed. */
  | { readonly animated: true; readonly frames: number }
  /**
   * One frame: the source is still (`reason` absent), or animated beyond a limit (`reason` says which).
   * `frames` is the source's frame count.
   */
  | { readonly animated: false; readonly frames: number; readonly reason?: string };

/** The source types whose frames libvips reads as pages and whose encoders write animations. */
const ANIMATED_TYPES: ReadonlySet<SourceType> = new Set(['image/gif', 'image/webp']);

/**
 * Whether the preview of a source keeps its animation, from its header alone (sharp's `metadata()`:
 * `pages` is the frame count) and `frame`, the larger of one source frame and one preview frame.
 *
 * A GIF or WebP with more than one frame is animated unless it has more than `maxFrames` frames or more
 * than `maxPixels` pixels in all, or an EXIF orientation other than 1 (libvips cannot rotate an animation;
 * its first frame is rotated as the header says instead).
 *
 * @example
 * ```ts
 * animationPlan('image/gif', { pages: 12 }, { width: 480, height: 270 }, { maxFrames: 100, maxPixels: 50e6 });
 * // { animated: true, frames: 12 }
 * ```
 */
export function animationPlan(
  type: SourceType,
  header: Pick<Metadata, 'pages' | 'orientation'>,
  frame: Size,
  limits: AnimationLimits,
): AnimationPlan {
  const frames = header.pages ?? 1;
  if (!ANIMATED_TYPES.has(type) || frames <= 1) return { animated: false, frames };
  const pixels = frames * frame.width * frame.height;
  if (frames > limits.maxFrames) {
    return { animated: false, frames, reason: `${frames} frames, more than MAX_ANIMATION_FRAMES (${limits.maxFrames})` };
  }
  if (pixels > limits.maxPixels) {
    const size = `${frames} frames of ${frame.width}x${frame.height}`;
    return { animated: false, frames, reason: `${size} = ${pixels} pixels, more than MAX_ANIMATION_PIXELS (${limits.maxPixels})` };
  }
  if ((header.orientation ?? 1) !== 1) {
    return { animated: false, frames, reason: `EXIF orientation ${header.orientation}: libvips cannot rotate an animation` };
  }
  return { animated: true, frames };
}
