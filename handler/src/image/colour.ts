/**
 * How a source's colours become sRGB, decided from its header alone, and the one conversion libvips has
 * no operation for: untagged CMYK as browsers show it.
 *
 * @module
 */
import type { Metadata } from 'sharp';
import { isSrgbProfile } from './icc.js';

/**
 * The colour path of a source:
 * - `as-is`: already sRGB (no profile, or a profile that {@link isSrgbProfile} proves to be sRGB): no
 *   transform at all (the output is byte-identical to a transform, which lcms makes an identity);
 * - `after-resize`: an RGB profile that is not sRGB (Display P3, Adobe RGB, ProPhoto…), 8 or 16 bits per
 *   sample: the resize runs on the stored values and the embedded profile is converted to sRGB on the
 *   preview's pixels, as libvips' `thumbnail` does. Pixels are within ~1/255 of a conversion before the
 *   resize, at a fraction of the cost;
 * - `before-resize`: other tagged sources (CMYK or grey with a profile): sharp's own conversion from the
 *   embedded profile, on every source pixel;
 * - `browser-cmyk`: CMYK without a profile: the naive conversion Chrome and Firefox apply (see
 *   {@link browserCmykToRgb}), not libvips' built-in print profile.
 */
export type ColourPath = 'as-is' | 'after-resize' | 'before-resize' | 'browser-cmyk';

/**
 * The colour path of a source from its header (sharp's `metadata()`).
 *
 * @example
 * ```ts
 * colourPath(await sharp(p3Jpeg).metadata()); // 'after-resize'
 * ```
 */
export function colourPath(header: Pick<Metadata, 'space' | 'icc'>): ColourPath {
  const { space, icc } = header;
  if (space === 'cmyk') return icc === undefined ? 'browser-cmyk' : 'before-resize';
  if (icc === undefined) return 'as-is';
  if (space !== 'srgb' && space !== 'rgb16') return 'before-resize';
  return isSrgbProfile(icc) ? 'as-is' : 'after-resize';
}

/**
 * Converts CMYK pixels to RGB the way Chrome (Blink's JPEG decoder) and Firefox (`nsJPEGDecoder`) do for
 * a CMYK JPEG without an ICC profile: with `iX` the value *as stored* (Adobe files store inverted inks),
 * `R = floor(iC × iK / 255)`, `G = floor(iM × iK / 255)`, `B = floor(iY × iK / 255)`. Plain white paper
 * stays (255,255,255) and 100 % black is (0,0,0), where libvips' built-in CMYK profile gives a lighter,
 * washed-out rendering.
 *
 * @param cmyk - 4 bytes per pixel as libvips decodes them: ink amounts, 0 = no ink (libvips un-inverts
 * Adobe files).
 * @param adobeInverted - whether the file stores inverted inks (it has an APP14 "Adobe" segment), so that
 * the stored values can be recovered.
 * @returns 3 bytes per pixel, sRGB.
 */
export function browserCmykToRgb(cmyk: Uint8Array, adobeInverted: boolean): Buffer {
  const pixels = cmyk.length >> 2;
  const rgb = Buffer.allocUnsafe(pixels * 3);
  const flip = adobeInverted ? 255 : 0;
  for (let i = 0, o = 0; o < rgb.length; i += 4, o += 3) {
    const k = flip ^ cmyk[i + 3]!;
    rgb[o] = (((flip ^ cmyk[i]!) * k) / 255) | 0;
    rgb[o + 1] = (((flip ^ cmyk[i + 1]!) * k) / 255) | 0;
    rgb[o + 2] = (((flip ^ cmyk[i + 2]!) * k) / 255) | 0;
  }
  return rgb;
}
