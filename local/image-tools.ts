/**
 * Independent reference renderings for the fidelity tests and the benchmark: ImageMagick (Debian's
 * `imagemagick`, with lcms for ICC profiles), libjpeg-turbo's `cjpeg`, `jpegtran` and `tjbench`, and libheif's
 * `heif-enc`. None of them shares code with libvips' resize, colour or JPEG shrink-on-load paths.
 *
 * Always the real binaries by absolute path: an unrelated `convert` may come first on PATH.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The external tools, by absolute path. */
export const IMAGE_TOOLS = {
  /** ImageMagick 6 `convert` (Debian package `imagemagick`). */
  convert: '/usr/bin/convert',
  /** libjpeg-turbo's `cjpeg`, for arithmetic-coded JPEGs (Debian package `libjpeg-turbo-progs`). */
  cjpeg: '/usr/bin/cjpeg',
  /** libjpeg-turbo's `jpegtran`, lossless JPEG transcoding (same package). */
  jpegtran: '/usr/bin/jpegtran',
  /** libjpeg-turbo's `tjbench`, an in-process decode benchmark (same package). */
  tjbench: '/usr/bin/tjbench',
  /** libheif's `heif-enc`, HEVC (x265) and AV1 (aom) encoder (Debian package `libheif-examples`). */
  heifEnc: '/usr/bin/heif-enc',
} as const;

/** Ghostscript's ICC profiles (Debian package `ghostscript`): sRGB, Adobe RGB (a98), ProPhoto (ROMM). */
export const ICC_PROFILES = {
  srgb: '/usr/share/color/icc/ghostscript/srgb.icc',
  adobeRgb: '/usr/share/color/icc/ghostscript/a98.icc',
  proPhoto: '/usr/share/color/icc/ghostscript/rommrgb.icc',
} as const;

/** Which of {@link IMAGE_TOOLS} and {@link ICC_PROFILES} are missing (empty when all are installed). */
export function missingImageTools(): string[] {
  return [...Object.values(IMAGE_TOOLS), ...Object.values(ICC_PROFILES)].filter((path) => {
    try {
      accessSync(path, constants.R_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/** Runs `file` with `args`, stdin closed, and returns its stdout; rejects with its stderr. */
export function run(file: string, args: readonly string[], timeoutMs = 120_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'buffer', maxBuffer: 1 << 30, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${stderr.toString().trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Runs `work` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'image-tools-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * ImageMagick on `input` (written to a temporary file): `convert in <args> <format>:-`, e.g.
 * `magick(png, ['-colorspace', 'CMYK', '-quality', '95'], 'jpg')`.
 */
export function magick(input: Uint8Array, args: readonly string[], format: 'png' | 'jpg' = 'png'): Promise<Buffer> {
  return withTempDir(async (dir) => {
    const file = join(dir, 'input');
    await writeFile(file, input);
    return run(IMAGE_TOOLS.convert, [file, ...args, `${format}:-`]);
  });
}

/** Options of {@link referencePreview}. */
export interface ReferenceOptions {
  /** Output size (as displayed). */
  readonly width: number;
  readonly height: number;
  /** Convert an embedded ICC profile to sRGB first (default `true`). */
  readonly colourManage?: boolean;
}

/**
 * ImageMagick's rendering of a preview of `input` as a PNG, at full quality: full-scale decode (libjpeg,
 * no DCT scaling), EXIF orientation applied, the embedded profile converted to sRGB by lcms, Lanczos
 * (3 lobes) resize to exactly `width` x `height`, 8 bits per sample, in the image's own encoding (as
 * sharp resizes).
 */
export function referencePreview(input: Uint8Array, options: ReferenceOptions): Promise<Buffer> {
  const colour = options.colourManage === false ? [] : ['-profile', ICC_PROFILES.srgb];
  const size = `${options.width}x${options.height}!`;
  return magick(input, ['-auto-orient', ...colour, '-filter', 'Lanczos', '-resize', size, '-depth', '8']);
}

/**
 * The CMYK samples of a CMYK JPEG as libjpeg-turbo decodes them via ImageMagick (`cmyk:-`, 4 bytes per
 * pixel, ink amounts: ImageMagick undoes Adobe's inversion, as libvips does).
 */
export function cmykSamples(jpeg: Uint8Array): Promise<Buffer> {
  return withTempDir(async (dir) => {
    const file = join(dir, 'input.jpg');
    await writeFile(file, jpeg);
    return run(IMAGE_TOOLS.convert, [file, '-depth', '8', 'cmyk:-']);
  });
}

/** `heif-enc` on a PNG: HEIC (x265), or AVIF (aom) when `avif` is set. */
export function heifEncode(png: Uint8Array, options: { avif?: boolean; quality?: number } = {}): Promise<Buffer> {
  return withTempDir(async (dir) => {
    const input = join(dir, 'input.png');
    const output = join(dir, options.avif === true ? 'out.avif' : 'out.heic');
    await writeFile(input, png);
    const args = ['-q', String(options.quality ?? 60), ...(options.avif === true ? ['-A'] : []), input, '-o', output];
    await run(IMAGE_TOOLS.heifEnc, args);
    return readFile(output);
  });
}
