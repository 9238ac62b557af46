/**
 * A JPEG's marker structure, read without decoding any pixel: the frame, the Adobe colour transform and
 * every scan, and whether the file ends with its EOI marker. Used to tell a complete file that only lacks
 * its final `FF D9` from one that was cut short, and to know how a CMYK file stores its inks.
 *
 * Marker syntax from ITU-T T.81 (JPEG), Annex B; the APP14 "Adobe" segment from Adobe's Technical Note
 * 5116 (DCT filters in PostScript).
 *
 * @module
 */

/** One scan (SOS segment) of a JPEG. */
export interface JpegScan {
  /** Component identifiers the scan codes, as in the frame header. */
  readonly components: readonly number[];
  /** Start of spectral selection (0-63). */
  readonly ss: number;
  /** End of spectral selection (0-63). */
  readonly se: number;
  /** Successive approximation bit position high (0 on a first scan of a band). */
  readonly ah: number;
  /** Successive approximation bit position low (0 once the band is fully refined). */
  readonly al: number;
}

/** What {@link readJpegStructure} found. */
export interface JpegStructure {
  /** The frame (SOFn) header, or `undefined` when the data ends before it. */
  readonly frame?: {
    /** Progressive DCT (SOF2, SOF6, SOF10, SOF14). */
    readonly progressive: boolean;
    /** Arithmetic entropy coding (SOF9-SOF15). */
    readonly arithmetic: boolean;
    /** Component identifiers, in frame order. */
    readonly components: readonly number[];
  };
  /** The APP14 "Adobe" segment's colour transform (0 = none/CMYK, 1 = YCbCr, 2 = YCCK), if present. */
  readonly adobeTransform?: number;
  /** Every scan, in file order. */
  readonly scans: readonly JpegScan[];
  /**
   * How the bytes end: `eoi` at the EOI marker (anything after it is ignored, as decoders do);
   * `in-scan` inside the entropy-coded data of the last scan (no EOI); `in-header` inside or right after a
   * marker segment, i.e. certainly cut short; `malformed` where a marker was expected but not found.
   */
  readonly end: 'eoi' | 'in-scan' | 'in-header' | 'malformed';
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP14 = 0xee;

/** SOFn markers: C0-C3, C5-C7, C9-CB, CD-CF (C4 is DHT, C8 is reserved, CC is DAC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Markers without a length field: TEM and RST0-RST7 (SOI and EOI are handled apart). */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/** Offset of the first marker after the entropy-coded data starting at `from`, or `-1` at the end. */
function endOfEntropyData(bytes: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(0xff, from); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    const next = bytes[i + 1]!;
    // FF 00 is a stuffed FF byte, FF FF fill, FF D0-D7 restart markers: all part of the scan.
    if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return i;
  }
  return -1;
}

/**
 * The marker structure of `bytes` (which must start with SOI; anything else is `malformed`). Reads
 * segment headers and skips entropy-coded data; never decodes a pixel. O(n) in the file size.
 *
 * @example
 * ```ts
 * const { end, frame } = readJpegStructure(bytes);
 * if (end === 'in-scan' && frame?.progressive) ...
 * ```
 */
export function readJpegStructure(bytes: Uint8Array): JpegStructure {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scans: JpegScan[] = [];
  let frame: JpegStructure['frame'];
  let adobeTransform: number | undefined;
  const result = (end: JpegStructure['end']): JpegStructure => ({
    ...(frame === undefined ? {} : { frame }),
    ...(adobeTransform === undefined ? {} : { adobeTransform }),
    scans,
    end,
  });
  if (bytes[0] !== 0xff || bytes[1] !== SOI) return result('malformed');

  let offset = 2;
  for (;;) {
    if (offset >= bytes.length) return result('in-header');
    if (bytes[offset] !== 0xff) return result('malformed');
    while (bytes[offset] === 0xff) offset++; // fill bytes
    if (offset >= bytes.length) return result('in-header');
    const marker = bytes[offset++]!;
    if (marker === EOI) return result('eoi');
    if (isStandalone(marker)) continue;
    if (offset + 2 > bytes.length) return result('in-header');
    const length = view.getUint16(offset);
    if (length < 2) return result('malformed');
    const segment = offset + 2;
    const next = offset + length;
    if (next > bytes.length) return result('in-header');

    if (isStartOfFrame(marker) && length >= 8) {
      const count = bytes[segment + 5]!;
      const components = Array.from({ length: count }, (_, i) => bytes[segment + 6 + i * 3] ?? -1);
      const type = marker & 0x0f;
      const progressive = type === 2 || type === 6 || type === 10 || type === 14;
      frame = { progressive, arithmetic: type >= 9, components };
    } else if (marker === APP14 && length >= 14 && ascii(bytes, segment, 5) === 'Adobe') {
      adobeTransform = bytes[segment + 11];
    } else if (marker === SOS) {
      const count = bytes[segment] ?? 0;
      const at = segment + 1 + count * 2;
      const approximation = bytes[at + 2] ?? 0;
      scans.push({
        components: Array.from({ length: count }, (_, i) => bytes[segment + 1 + i * 2] ?? -1),
        ss: bytes[at] ?? 0,
        se: bytes[at + 1] ?? 0,
        ah: approximation >> 4,
        al: approximation & 0x0f,
      });
      const end = endOfEntropyData(bytes, next);
      if (end < 0) return result('in-scan');
      offset = end;
      continue;
    }
    offset = next;
  }
}

/**
 * Whether the scans of `structure` give every coefficient of every component its final value, i.e. a
 * decoder that reaches the end of the last scan has the whole image. Sequential files need every
 * component in some scan; progressive files need each of the 64 coefficients of each component covered
 * by a scan that refines it down to bit 0 (`al` 0). Says nothing about whether the last scan's data is
 * complete: only decoding tells that.
 */
export function coversAllCoefficients(structure: JpegStructure): boolean {
  const { frame, scans } = structure;
  if (frame === undefined || scans.length === 0) return false;
  return frame.components.every((component) => {
    const own = scans.filter((scan) => scan.components.includes(component));
    if (!frame.progressive) return own.length > 0;
    for (let k = 0; k < 64; k++) {
      const refined = own.some((scan) => scan.ss <= k && k <= scan.se && scan.al === 0);
      if (!refined) return false;
    }
    return true;
  });
}
