/**
 * Shared pieces of the image fidelity suites: whether the reference tools are installed (and the rule
 * that CI must have them), and small pixel helpers.
 */
import sharp from 'sharp';
import { missingImageTools } from '@preview-lambda/fixtures/tools';

/** Reference tools and ICC profiles that are not installed. */
export const MISSING_TOOLS = missingImageTools();

/**
 * Whether the suites that need ImageMagick, libjpeg-turbo's tools, heif-enc and Ghostscript's profiles
 * are skipped: only where one is missing *and* `CI` is not set. In CI they run and fail on the missing
 * tool, so they can never pass by skipping (`.ci/run` installs them).
 */
export const SKIP_WITHOUT_TOOLS = MISSING_TOOLS.length > 0 && !process.env.CI;

/** Says once, on the console, why a suite is skipped. */
export function noteSkip(suite: string): void {
  if (SKIP_WITHOUT_TOOLS) {
    console.warn(
      `[${suite}] SKIPPED: missing ${MISSING_TOOLS.join(', ')} (apt-get install imagemagick ghostscript ` +
        'libjpeg-turbo-progs libheif-examples). In CI (CI set) these tests fail instead of skipping.',
    );
  }
}

/** The RGB(A) of the pixel at (x, y) of an encoded image. */
export async function pixelAt(image: Uint8Array, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return Array.from(data.subarray(offset, offset + info.channels));
}

/** The ICC profile sharp embeds for one of its built-in names (libvips' own sRGB v4 and Display P3). */
export async function builtInProfile(name: 'srgb' | 'p3'): Promise<Buffer> {
  const tagged = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .withIccProfile(name)
    .jpeg()
    .toBuffer();
  return (await sharp(tagged).metadata()).icc!;
}
