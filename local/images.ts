/**
 * Test and benchmark images, generated in code with sharp so that no binary fixture is committed.
 *
 * Every generator is deterministic (a seeded PRNG, no `Math.random`) so a test or a benchmark sees the same
 * bytes on every run and machine with the same sharp/libvips. Used by the unit tests (`test/image`), the
 * benchmark (`bench/resize.ts`) and local seeding scripts.
 *
 * @module
 */
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

/** Content of a generated image. */
export type ImageContent =
  /** Colour gradients, a low-frequency texture and fine luma noise: decodes and compresses like a photo. */
  | 'photo'
  /** A single flat colour (cheap to generate and to decode). */
  | 'flat';

/** Options shared by every generator. */
export interface ImageOptions {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** What the pixels look like (default `'photo'`). */
  content?: ImageContent;
  /** PRNG seed for `'photo'` content (default 1). */
  seed?: number;
}

/** Options of {@link makeJpeg}. */
export interface MakeJpegOptions extends ImageOptions {
  /** EXIF `Orientation` tag (1-8) to write; omitted means no EXIF at all. */
  orientation?: number;
  /** JPEG quality (default 90, like a phone camera). */
  quality?: number;
  /** Store the pixels as CMYK (default `false`, sRGB). */
  cmyk?: boolean;
  /** Progressive (multi-scan) encoding (default `false`, baseline). */
  progressive?: boolean;
  /** Embed a Display P3 ICC profile (the pixels are converted to it) (default `false`). */
  p3?: boolean;
}

/** Options of {@link makePng}. */
export interface MakePngOptions extends ImageOptions {
  /**
   * Add an alpha channel (default `false`). The top-left quadrant is then fully transparent (alpha 0) and
   * the rest fully opaque.
   */
  alpha?: boolean;
}

/** Options of {@link makeGif}. */
export interface MakeGifOptions extends Omit<ImageOptions, 'content'> {
  /** Number of frames (default 2). Frame `i` is filled with {@link GIF_FRAME_COLOURS}`[i % 3]`. */
  frames?: number;
}

/** Flat colours of the frames made by {@link makeGif}, in frame order (red, blue, green). */
export const GIF_FRAME_COLOURS: readonly { r: number; g: number; b: number }[] = [
  { r: 255, g: 0, b: 0 },
  { r: 0, g: 0, b: 255 },
  { r: 0, g: 255, b: 0 },
];

/** mulberry32: a tiny, fast, seedable 32-bit PRNG returning floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Raw 3-channel pixels of the given content.
 *
 * `'photo'`: a random 1/24-scale image upscaled with a cubic kernel (soft blobs, like out-of-focus
 * structure), plus a diagonal gradient that differs per channel, plus fine luma noise (sigma about 7,
 * like sensor noise). A 12 MP one saved at JPEG q90 4:2:0 is about 0.4 byte per pixel, close to phone photos.
 */
async function rawPixels({ width, height, content = 'photo', seed = 1 }: ImageOptions): Promise<Buffer> {
  if (content === 'flat') {
    return sharp({ create: { width, height, channels: 3, background: { r: 90, g: 140, b: 200 } } })
      .raw()
      .toBuffer();
  }
  const random = prng(seed);
  const smallWidth = Math.max(2, Math.ceil(width / 24));
  const smallHeight = Math.max(2, Math.ceil(height / 24));
  const small = Buffer.alloc(smallWidth * smallHeight * 3);
  for (let i = 0; i < small.length; i++) small[i] = 40 + Math.floor(random() * 176);
  const pixels = await sharp(small, { raw: { width: smallWidth, height: smallHeight, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  const span = width + height;
  let i = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = ((x + y) / span) * 64 - 32;
      // Sum of two uniforms: a cheap bell-shaped noise with sigma ~7.
      const n = (random() + random() - 1) * 17;
      pixels[i] = clamp(pixels[i]! + g + n);
      pixels[i + 1] = clamp(pixels[i + 1]! - g * 0.5 + n);
      pixels[i + 2] = clamp(pixels[i + 2]! - g + n);
      i += 3;
    }
  }
  return pixels;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

async function base(options: ImageOptions): Promise<Sharp> {
  const pixels = await rawPixels(options);
  return sharp(pixels, { raw: { width: options.width, height: options.height, channels: 3 } });
}

/**
 * A JPEG (q90, 4:2:0 by default), optionally tagged with an EXIF orientation, stored as CMYK, or with a P3
 * ICC profile. The stored pixels are `width` x `height`; with `orientation` 5-8 viewers show them rotated.
 */
export async function makeJpeg(options: MakeJpegOptions): Promise<Buffer> {
  let image = await base(options);
  if (options.cmyk === true) image = image.toColourspace('cmyk');
  if (options.p3 === true) image = image.withIccProfile('p3');
  if (options.orientation !== undefined) image = image.withMetadata({ orientation: options.orientation });
  return image
    .jpeg({
      quality: options.quality ?? 90,
      chromaSubsampling: '4:2:0',
      progressive: options.progressive ?? false,
    })
    .toBuffer();
}

/** A PNG (8-bit RGB, or RGBA with a transparent top-left quadrant when `alpha` is set). */
export async function makePng(options: MakePngOptions): Promise<Buffer> {
  const image = await base(options);
  if (options.alpha !== true) return image.png().toBuffer();
  const { width, height } = options;
  const alpha = Buffer.alloc(width * height, 255);
  const halfWidth = Math.floor(width / 2);
  for (let y = 0; y < Math.floor(height / 2); y++) alpha.fill(0, y * width, y * width + halfWidth);
  return image
    .joinChannel(alpha, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

/** A lossy WebP (quality 80). */
export async function makeWebp(options: ImageOptions): Promise<Buffer> {
  return (await base(options)).webp({ quality: 80 }).toBuffer();
}

/**
 * A GIF whose frames are flat colours from {@link GIF_FRAME_COLOURS} (frame 0 red, frame 1 blue, ...);
 * animated (looping, 100 ms per frame) when `frames` > 1 (default 2).
 */
export async function makeGif({ width, height, frames = 2 }: MakeGifOptions): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 3, background: GIF_FRAME_COLOURS[i % 3]! } })
        .png()
        .toBuffer(),
    ),
  );
  if (pages.length === 1) return sharp(pages[0]).gif().toBuffer();
  return sharp(pages, { join: { animated: true } })
    .gif({ loop: 0, delay: pages.map(() => 100) })
    .toBuffer();
}

/**
 * A decompression bomb: a tiny, valid-looking PNG whose IHDR declares `width` x `height` (CRC fixed up),
 * e.g. 30000x30000 = 900 MP, ~3.6 GB once decoded as RGBA. Only its header is consistent: decoding the
 * pixels fails, so a safe reader must reject it from the header alone.
 */
export async function makeBombPng(width: number, height: number): Promise<Buffer> {
  const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  // Signature (8) + IHDR length (4) + type (4), then width and height (big-endian), then the chunk's CRC
  // over type + 13 data bytes.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** The first `fraction` (default one half) of `bytes`, e.g. a JPEG cut off mid-scan. */
export function truncate(bytes: Uint8Array, fraction = 0.5): Buffer {
  return Buffer.from(bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** `length` deterministic pseudo-random bytes (not an image). */
export function randomBytes(length: number, seed = 1): Buffer {
  const random = prng(seed);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/**
 * `jpeg` with two stray bytes inserted between its first and second marker segments, like files from some
 * cameras and editors: libjpeg warns "Corrupt JPEG data: 2 extraneous bytes before marker 0x.." but decodes
 * the image intact, and browsers display it.
 */
export function withExtraneousBytes(jpeg: Uint8Array): Buffer {
  const bytes = Buffer.from(jpeg);
  // SOI (2 bytes), then the first segment: marker (2), big-endian length (2, counting itself), payload.
  const second = 4 + bytes.readUInt16BE(4);
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[second] !== 0xff) {
    throw new Error('Expected a JPEG starting with SOI and a marker segment');
  }
  return Buffer.concat([bytes.subarray(0, second), Buffer.from([0x12, 0x34]), bytes.subarray(second)]);
}

/**
 * `jpeg` with `profile` embedded as an ICC profile (APP2 `ICC_PROFILE` segments, ICC.1 Annex B.4) right
 * after SOI and any APP0, the pixels left exactly as they are: what a camera or phone writes when it tags
 * its output. Profiles over 65,519 bytes are split across segments.
 */
export function withIccProfile(jpeg: Uint8Array, profile: Uint8Array): Buffer {
  const bytes = Buffer.from(jpeg);
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('Expected a JPEG starting with SOI');
  const at = bytes[2] === 0xff && bytes[3] === 0xe0 ? 4 + bytes.readUInt16BE(4) : 2;
  const chunk = 65_519;
  const count = Math.ceil(profile.length / chunk);
  const segments = Array.from({ length: count }, (_, i) => {
    const part = profile.subarray(i * chunk, (i + 1) * chunk);
    const header = Buffer.alloc(18);
    header.writeUInt16BE(0xffe2, 0);
    header.writeUInt16BE(2 + 14 + part.length, 2);
    header.write('ICC_PROFILE\0', 4, 'latin1');
    header[16] = i + 1;
    header[17] = count;
    return Buffer.concat([header, part]);
  });
  return Buffer.concat([bytes.subarray(0, at), ...segments, bytes.subarray(at)]);
}

/** Options of {@link makeDiagramPng}. */
export interface MakeDiagramOptions extends Omit<ImageOptions, 'content' | 'seed'> {
  /** Size of the palette, 2-256 (default 16). */
  colours?: number;
}

/**
 * An indexed-colour (palette) PNG that looks like a diagram: rounded boxes with black outlines, grey
 * connectors and circles on white, antialiased, then quantised to `colours` colours (default 16) without
 * dithering, like exports of drawing tools. 1200x800 with 16 colours is about 7 KB.
 */
export async function makeDiagramPng({ width, height, colours = 16 }: MakeDiagramOptions): Promise<Buffer> {
  const fills = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#bcbd22'];
  const unit = width / 1200;
  const shapes: string[] = [];
  for (let i = 0; i < 14; i++) {
    const x = (40 + (i % 5) * 230) * unit;
    const y = (60 + Math.floor(i / 5) * 250) * unit;
    const fill = fills[i % fills.length]!;
    shapes.push(
      `<rect x="${x}" y="${y}" width="${180 * unit}" height="${110 * unit}" rx="${12 * unit}" fill="${fill}" ` +
        `stroke="#000" stroke-width="${3 * unit}"/>`,
      `<line x1="${x + 180 * unit}" y1="${y + 55 * unit}" x2="${x + 230 * unit}" y2="${y + 55 * unit}" ` +
        `stroke="#7f7f7f" stroke-width="${4 * unit}"/>`,
      `<circle cx="${x + 90 * unit}" cy="${y + 170 * unit}" r="${30 * unit}" fill="${fills[(i + 3) % fills.length]}" ` +
        `stroke="#000" stroke-width="${2 * unit}"/>`,
    );
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="#fff"/>${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg))
    .png({ palette: true, colours, dither: 0, compressionLevel: 9, effort: 10 })
    .toBuffer();
}

/** An AVIF (quality 60, as phones write), with an alpha channel whose top-left quadrant is 0 when `alpha`. */
export async function makeAvif(options: MakePngOptions): Promise<Buffer> {
  return sharp(await makePng(options)).avif({ quality: 60 }).toBuffer();
}

/**
 * The start of a HEIC file as iPhones write it: an ISO BMFF `ftyp` box (major brand `heic`, compatible
 * `mif1`, `heic`) and the first bytes of a `meta` box. Enough for a type sniffer; no decoder can read
 * it (a real HEIC needs an HEVC encoder, e.g. `heif-enc`).
 */
export function heicHeader(): Buffer {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]);
  return Buffer.concat([ftyp, Buffer.from([0, 0, 1, 0]), Buffer.from('meta', 'latin1'), Buffer.alloc(32)]);
}

/**
 * `jpeg` with its EXIF replaced by a minimal one holding only `Orientation` (1-8): an APP1 `Exif` segment
 * (big-endian TIFF, one IFD0 entry) right after SOI. The compressed data is untouched.
 */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Buffer {
  const bytes = Buffer.from(jpeg);
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('Expected a JPEG starting with SOI');
  const kept: Buffer[] = [];
  let offset = 2;
  // Copy the header segments up to SOS, dropping existing APP1 Exif ones.
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff && bytes[offset + 1] !== 0xda) {
    const end = offset + 2 + bytes.readUInt16BE(offset + 2);
    const isExif = bytes[offset + 1] === 0xe1 && bytes.toString('latin1', offset + 4, offset + 8) === 'Exif';
    if (!isExif) kept.push(bytes.subarray(offset, end));
    offset = end;
  }
  const tiff = Buffer.alloc(26);
  tiff.write('MM\0*', 0, 'latin1');
  tiff.writeUInt32BE(8, 4); // IFD0 offset
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // count
  tiff.writeUInt16BE(orientation, 18); // value, left-justified
  tiff.writeUInt32BE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([bytes.subarray(0, 2), app1, payload, ...kept, bytes.subarray(offset)]);
}
