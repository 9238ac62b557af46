/**
 * The measurements behind the resize core's quality choices (`npm run bench:quality`, ~8 min on 2 cores):
 *
 * 1. JPEG decode scale. For each real photograph (and one generated) and each shrink factor, the SSIM of
 *    a q70 preview decoded at 1/2, 1/4 and 1/8 minus that of a full-scale decode, both against
 *    ImageMagick's full-quality Lanczos rendering. Prints the worst photo per scale and shrink, and the
 *    smallest shrink from which each scale stays within 0.002: `JPEG_SHRINK_ON_LOAD_BANDS`.
 *    The scale is forced with libvips' load option in the file name (`photo.jpg[shrink=2]`), sharp's own
 *    reload being disabled by a pipeline colourspace.
 * 2. `resizeImage` itself in the bands where it differs from sharp's choice, against sharp's choice.
 * 3. JPEG encoder settings at 1440 px: bytes, ms and SSIM for mozjpeg options sharp exposes.
 * 4. WebP sources (4096x4096 made from photos): sharp's scaled decode (straight to the preview's size),
 *    a scaled decode to twice the size then Lanczos, and a full decode: `WEBP_TWO_STEP_MIN_SHRINK`.
 * 5. Output formats' encoder settings (WebP quality, AVIF quality and effort) against JPEG q70 on the six
 *    photographs at 1440 and 320 px: `DEFAULT_WEBP_QUALITY`, `DEFAULT_AVIF_QUALITY`, `AVIF_EFFORT`
 *    (`bench/lib/formats.ts`, which states its SSIM at full resolution).
 *
 * SSIM is Wang et al.'s reference (Gaussian window, automatic downsampling), as in `npm run bench`.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type JpegOptions, type Sharp } from 'sharp';
import { JPEG_SHRINK_ON_LOAD_BANDS, resizeImage, tuneSharp } from '@preview-lambda/handler/image';
import { decodePixels, type Pixels, ssim } from '@preview-lambda/fixtures/metrics';
import { referencePreview } from '@preview-lambda/fixtures/tools';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { encoderSettingsStudy } from './lib/formats.js';
import { fetchOriginals } from './lib/photos.js';
import { measureOnce, median, round1, table } from './lib/stats.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache/photos');
const SHRINKS = [2.5, 2.8, 3, 3.2, 3.4, 3.6, 4, 5, 6, 6.5, 7, 8, 10, 12, 16, 18, 20, 22, 24, 28];
const TOLERANCE = 0.002;

/** ImageMagick's reference of `file` at `width` x `height`, cached. */
async function referenceOf(file: string, width: number, height: number): Promise<Pixels> {
  const cached = join(cache, 'study', `${basename(file)}-${width}x${height}.png`);
  if (!existsSync(cached)) {
    mkdirSync(dirname(cached), { recursive: true });
    writeFileSync(cached, await referencePreview(readFileSync(file), { width, height, colourManage: false }));
  }
  return decodePixels(readFileSync(cached));
}

/** A q70 preview of `file` decoded at exactly 1/`scale`. */
function forcedScale(file: string, scale: number, width: number, height: number): Promise<Buffer> {
  const source = scale === 1 ? file : `${file}[shrink=${scale}]`;
  return sharp(source)
    .pipelineColourspace('srgb')
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .jpeg({ quality: 70 })
    .toBuffer();
}

async function decodeScaleStudy(files: readonly string[]): Promise<void> {
  const deltas = new Map<string, { worst: number; photo: string; mean: number[] }>();
  for (const file of files) {
    const { width: w, height: h } = await sharp(file).metadata();
    for (const shrink of SHRINKS) {
      const width = Math.round(w / shrink);
      const height = Math.round((h * width) / w);
      const reference = await referenceOf(file, width, height);
      const full = ssim(await decodePixels(await forcedScale(file, 1, width, height)), reference);
      for (const scale of [2, 4, 8].filter((s) => s <= shrink)) {
        const delta = ssim(await decodePixels(await forcedScale(file, scale, width, height)), reference) - full;
        const key = `${scale}@${shrink}`;
        const entry = deltas.get(key) ?? { worst: Infinity, photo: '', mean: [] };
        if (delta < entry.worst) Object.assign(entry, { worst: delta, photo: basename(file) });
        entry.mean.push(delta);
        deltas.set(key, entry);
      }
    }
  }
  console.log(`\n1. JPEG decode scale: SSIM(q70 preview at 1/scale) - SSIM(full-scale decode), ${files.length} photos`);
  const rows = [...deltas.entries()].map(([key, { worst, photo, mean }]) => {
    const [scale, shrink] = key.split('@');
    const average = mean.reduce((a, b) => a + b, 0) / mean.length;
    return [`1/${scale}`, shrink!, worst.toFixed(4), photo, average.toFixed(4), worst >= -TOLERANCE ? 'ok' : ''];
  });
  console.log(table(['scale', 'shrink', 'worst', 'worst photo', 'mean', `>= -${TOLERANCE}`], rows));
  for (const scale of [2, 4, 8]) {
    // The smallest shrink from which every larger measured shrink keeps the scale within the tolerance.
    const measured = SHRINKS.filter((shrink) => deltas.has(`${scale}@${shrink}`));
    const failing = measured.filter((shrink) => deltas.get(`${scale}@${shrink}`)!.worst < -TOLERANCE);
    const from = measured.find((shrink) => shrink > Math.max(0, ...failing));
    const used = JPEG_SHRINK_ON_LOAD_BANDS.find((band) => band.scale === scale)?.minShrink;
    console.log(`1/${scale}: within ${TOLERANCE} from shrink ${from ?? 'never'} (JPEG_SHRINK_ON_LOAD_BANDS: ${used})`);
  }
}

async function bandStudy(files: readonly string[]): Promise<void> {
  console.log('\n2. resizeImage against sharp (fastShrinkOnLoad) where their decode scales differ, SSIM and ms');
  const rows: (string | number)[][] = [];
  for (const file of files) {
    const input = readFileSync(file);
    const { width: w, height: h } = await sharp(input).metadata();
    for (const shrink of [3.2, 6, 12, 18]) {
      const width = Math.round(w / shrink);
      const reference = await referenceOf(file, width, Math.round((h * width) / w));
      const ours = await measureOnce(() => resizeImage(input, { width }));
      const plain = await measureOnce(() => sharp(input).resize(width).jpeg({ quality: 70 }).toBuffer());
      const oursSsim = ssim(await decodePixels((await resizeImage(input, { width })).data), reference);
      const plainPixels = await decodePixels(await sharp(input).resize(width).jpeg({ quality: 70 }).toBuffer());
      const plainSsim = plainPixels.height === reference.height ? ssim(plainPixels, reference) : Number.NaN;
      const ms = [round1(ours.wallMs), round1(plain.wallMs)];
      rows.push([basename(file), shrink, oursSsim.toFixed(4), plainSsim.toFixed(4), ...ms]);
    }
  }
  console.log(table(['photo', 'shrink', 'SSIM ours', 'SSIM sharp', 'ms ours', 'ms sharp'], rows));
}

async function encoderStudy(files: readonly string[]): Promise<void> {
  const settings: Record<string, JpegOptions> = {
    'q70 (as shipped)': { quality: 70 },
    'q70 optimiseCoding off': { quality: 70, optimiseCoding: false },
    'q70 progressive': { quality: 70, progressive: true },
    'q70 trellis + overshoot': { quality: 70, trellisQuantisation: true, overshootDeringing: true },
    'q70 mozjpeg defaults': { quality: 70, mozjpeg: true },
  };
  const rows: (string | number)[][] = [];
  for (const [name, options] of Object.entries(settings)) {
    const bytes: number[] = [];
    const ms: number[] = [];
    const similarity: number[] = [];
    for (const file of files) {
      const { width: w, height: h } = await sharp(file).metadata();
      const height = Math.round((h * 1440) / w);
      const resized = await sharp(file)
        .resize(1440, height, { fit: 'fill', kernel: 'lanczos3' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const encode = () => sharp(resized.data, { raw: resized.info }).jpeg(options).toBuffer();
      const timing = [];
      for (let i = 0; i < 5; i++) timing.push((await measureOnce(encode)).wallMs);
      const out = await encode();
      bytes.push(out.length);
      ms.push(median(timing));
      similarity.push(ssim(await decodePixels(out), await referenceOf(file, 1440, height)));
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    rows.push([name, Math.round(mean(bytes)), round1(mean(ms)), mean(similarity).toFixed(4)]);
  }
  console.log('\n3. JPEG encoder settings on the photos at 1440 px (encode only, means)');
  console.log(table(['settings', 'bytes', 'encode ms', 'SSIM'], rows));
}

/** A WebP preview (raw) of `webp` at `width`: sharp's scaled decode, 2x then Lanczos, or a full decode. */
async function webpPreview(webp: Buffer, width: number, how: 'scaled' | 'twice' | 'full'): Promise<Pixels> {
  const step = (input: Sharp, to: number, fastShrinkOnLoad: boolean) =>
    input.resize({ width: to, kernel: 'lanczos3', fastShrinkOnLoad }).raw().toBuffer({ resolveWithObject: true });
  const twice = async () => {
    const first = await step(sharp(webp), width * 2, true);
    return step(sharp(first.data, { raw: first.info }), width, false);
  };
  const { data, info } = how === 'twice' ? await twice() : await step(sharp(webp), width, how === 'scaled');
  return { data, width: info.width, height: info.height, channels: info.channels };
}

async function webpStudy(files: readonly string[]): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const shrink of [4, 6.4, 8, 10, 12.8, 16]) {
    const deltas = { scaled: [] as number[], twice: [] as number[] };
    const ms = { scaled: [] as number[], twice: [] as number[], full: [] as number[] };
    for (const file of files) {
      const webp = await sharp(file).resize(4096, 4096, { fit: 'cover' }).webp({ quality: 80 }).toBuffer();
      const width = Math.round(4096 / shrink);
      const reference = await decodePixels(
        await referencePreview(await sharp(webp).png().toBuffer(), { width, height: width, colourManage: false }),
      );
      const full = ssim(await webpPreview(webp, width, 'full'), reference);
      for (const how of ['scaled', 'twice', 'full'] as const) {
        ms[how].push((await measureOnce(() => webpPreview(webp, width, how))).wallMs);
        if (how !== 'full') deltas[how].push(ssim(await webpPreview(webp, width, how), reference) - full);
      }
    }
    const worst = (values: number[]) => Math.min(...values).toFixed(4);
    const times = [ms.scaled, ms.twice, ms.full].map((values) => round1(median(values)));
    rows.push([shrink, worst(deltas.scaled), worst(deltas.twice), ...times]);
  }
  console.log(
    `\n4. WebP sources 4096x4096 (q80, from ${files.length} photos): worst SSIM delta from a full decode, and ms`,
  );
  console.log(table(['shrink', 'scaled (sharp)', '2x + Lanczos', 'ms scaled', 'ms 2x', 'ms full'], rows));
}

async function main(): Promise<void> {
  tuneSharp();
  const originals = Object.values(await fetchOriginals(cache));
  const generated = join(cache, 'generated-12mp.jpg');
  if (!existsSync(generated)) writeFileSync(generated, await makeJpeg({ width: 4000, height: 3000 }));
  const files = [...originals, generated];
  await decodeScaleStudy(files);
  await bandStudy(files.slice(0, 3));
  await encoderStudy(originals.slice(0, 3));
  await webpStudy(originals.slice(0, 3));
  await encoderSettingsStudy(originals);
}

await main();
