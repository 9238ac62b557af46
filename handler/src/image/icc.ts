/**
 * Just enough of ICC.1 (the ICC profile format, v2 and v4) to tell whether an embedded profile *is*
 * sRGB: by its colorants and tone curves, never by its description, which any tool may write.
 *
 * A source tagged with such a profile needs no colour transform at all: converting it to sRGB with
 * lcms is an identity (to within rounding) that costs about two thirds of the time of a 12 MP preview.
 *
 * @module
 */

/** sRGB's red, green and blue colorants adapted to the D50 PCS (IEC 61966-2-1 / ICC sRGB v4 profile). */
const SRGB_COLORANTS = {
  rXYZ: [0.4361, 0.2225, 0.0139],
  gXYZ: [0.3851, 0.7169, 0.0971],
  bXYZ: [0.1431, 0.0606, 0.7141],
} as const;

/**
 * Largest accepted difference per colorant coordinate. Published sRGB profiles (HP's, Apple's, Google's,
 * libvips', Ghostscript's, colord's) agree to about 0.0005; Display P3's red is off by 0.08.
 */
const COLORANT_TOLERANCE = 0.002;

/** Largest accepted difference of a tone curve from sRGB's, on a 0-1 scale (a quarter of an 8-bit step). */
const CURVE_TOLERANCE = 0.25 / 255;

/** Tags that make lcms use a lookup table instead of the matrix and curves (ICC.1 §8.4). */
const LUT_TAGS = ['A2B0', 'A2B1', 'A2B2', 'B2A0', 'B2A1', 'B2A2', 'D2B0', 'B2D0'];

/** sRGB's electro-optical transfer function (IEC 61966-2-1), 0-1 in and out. */
function srgbToLinear(value: number): number {
  return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
}

/** A profile's tag table: signature → [offset, size]. */
function tagTable(profile: Uint8Array): Map<string, [number, number]> | undefined {
  if (profile.length < 132) return undefined;
  const view = new DataView(profile.buffer, profile.byteOffset, profile.byteLength);
  const count = view.getUint32(128);
  if (count > 1000 || 132 + count * 12 > profile.length) return undefined;
  const tags = new Map<string, [number, number]>();
  for (let i = 0; i < count; i++) {
    const at = 132 + i * 12;
    const offset = view.getUint32(at + 4);
    const size = view.getUint32(at + 8);
    if (offset + size > profile.length) return undefined;
    tags.set(ascii(profile, at, 4), [offset, size]);
  }
  return tags;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/** An `XYZ ` tag's first XYZ number (s15Fixed16). */
function readXyz(view: DataView, [offset, size]: [number, number]): number[] | undefined {
  if (size < 20) return undefined;
  return [0, 1, 2].map((i) => view.getInt32(offset + 8 + i * 4) / 65536);
}

/** A `curv` or `para` tag as a function on 0-1 (ICC.1 §10.6, §10.18), or `undefined` if unreadable. */
function readCurve(view: DataView, [offset, size]: [number, number]): ((x: number) => number) | undefined {
  const type = String.fromCharCode(...[0, 1, 2, 3].map((i) => view.getUint8(offset + i)));
  if (type === 'curv') {
    const count = view.getUint32(offset + 8);
    if (size < 12 + count * 2) return undefined;
    if (count === 0) return (x) => x;
    if (count === 1) {
      const gamma = view.getUint16(offset + 12) / 256;
      return (x) => x ** gamma;
    }
    const table = Array.from({ length: count }, (_, i) => view.getUint16(offset + 12 + i * 2) / 65535);
    return (x) => {
      const position = x * (count - 1);
      const i = Math.min(count - 2, Math.floor(position));
      return table[i]! + (table[i + 1]! - table[i]!) * (position - i);
    };
  }
  if (type === 'para') {
    const kind = view.getUint16(offset + 8);
    const arity = [1, 3, 4, 5, 7][kind];
    if (arity === undefined || size < 12 + arity * 4) return undefined;
    const [g = 1, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = Array.from(
      { length: arity },
      (_, i) => view.getInt32(offset + 12 + i * 4) / 65536,
    );
    const power = (x: number) => (x > 0 ? x ** g : 0);
    switch (kind) {
      case 0:
        return (x) => power(x);
      case 1:
        return (x) => (x >= -b / a ? power(a * x + b) : 0);
      case 2:
        return (x) => (x >= -b / a ? power(a * x + b) + c : c);
      case 3:
        return (x) => (x >= d ? power(a * x + b) : c * x);
      default:
        return (x) => (x >= d ? power(a * x + b) + e : c * x + f);
    }
  }
  return undefined;
}

/**
 * Whether `profile` is an sRGB profile: an RGB matrix/curves display profile whose three colorants are
 * sRGB's (D50-adapted) and whose three tone curves follow sRGB's transfer function, with no lookup table
 * that lcms would use instead. The description and the copyright text are not looked at.
 *
 * @param profile - the embedded ICC profile bytes (e.g. sharp's `metadata().icc`).
 * @returns `false` for anything unreadable or not exactly sRGB (Display P3, Adobe RGB, gamma 2.2 curves…).
 *
 * @example
 * ```ts
 * isSrgbProfile((await sharp(input).metadata()).icc!); // true for "sRGB IEC61966-2.1"
 * ```
 */
export function isSrgbProfile(profile: Uint8Array): boolean {
  const tags = tagTable(profile);
  if (tags === undefined) return false;
  if (ascii(profile, 16, 4) !== 'RGB ' || ascii(profile, 20, 4) !== 'XYZ ') return false;
  if (LUT_TAGS.some((tag) => tags.has(tag))) return false;
  const view = new DataView(profile.buffer, profile.byteOffset, profile.byteLength);
  for (const [tag, expected] of Object.entries(SRGB_COLORANTS)) {
    const entry = tags.get(tag);
    const xyz = entry === undefined ? undefined : readXyz(view, entry);
    if (xyz === undefined || xyz.some((value, i) => Math.abs(value - expected[i]!) > COLORANT_TOLERANCE)) {
      return false;
    }
  }
  for (const tag of ['rTRC', 'gTRC', 'bTRC']) {
    const entry = tags.get(tag);
    const curve = entry === undefined ? undefined : readCurve(view, entry);
    if (curve === undefined) return false;
    for (let i = 0; i <= 255; i++) {
      const x = i / 255;
      if (!(Math.abs(curve(x) - srgbToLinear(x)) <= CURVE_TOLERANCE)) return false;
    }
  }
  return true;
}
