/**
 * The real-photo study of `npm run bench`: for each photograph and preview width, `resizeImage` against
 * a plain `sharp().rotate().resize().jpeg()` pipeline and against the resize core as it was before colour
 * management moved after the shrink, interleaved round by round; warm median wall ms, CPU ms per preview,
 * bytes, and SSIM against ImageMagick's full-quality rendering; and the cost per million previews.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { jpegDecodePlan, previewSize, resizeImage } from '@preview-lambda/handler/image';
import { decodePixels, ssim } from '@preview-lambda/fixtures/metrics';
import { IMAGE_TOOLS, referencePreview, run } from '@preview-lambda/fixtures/tools';
import type { Photo } from './photos.js';
import { measureOnce, median, round1, table } from './stats.js';

/**
 * AWS Lambda's published on-demand prices, us-east-1, first tier (AWS Lambda pricing page; unchanged
 * since tiered pricing began in August 2022, quoted December 2026): per GB-second of duration by
 * architecture, and per request.
 */
export const LAMBDA_PRICE = {
  date: '2026-12 (prices in force since 2022-08)',
  region: 'us-east-1',
  perGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  perRequest: 0.2 / 1_000_000,
} as const;

/** Lambda gives a function one full vCPU at 1,769 MB and a proportional share below (AWS docs). */
const MB_PER_VCPU = 1769;

/** The pipelines compared. */
export const PIPELINES = {
  /** The resize core as shipped. */
  ours: (input: Buffer, width: number) => resizeImage(input, { width }).then((preview) => preview.data),
  /** What most services write: sharp's defaults, EXIF rotation, JPEG q70. */
  plain: (input: Buffer, width: number) => sharp(input).rotate().resize(width).jpeg({ quality: 70 }).toBuffer(),
  /** The resize core before this change: the embedded profile converted on every source pixel. */
  before: (input: Buffer, width: number) =>
    sharp(input, { autoOrient: true, failOn: 'error', sequentialRead: true })
      .resize({ width, kernel: 'lanczos3', withoutEnlargement: true })
      .toColourspace('srgb')
      .jpeg({ quality: 70 })
      .toBuffer(),
} as const;

type PipelineName = keyof typeof PIPELINES;

/** What one pipeline did on one photo and width. */
export interface PipelineFigures {
  readonly medianMs: number;
  readonly cpuMs: number;
  readonly bytes: number;
  readonly size: string;
  readonly ssim: number;
}

/** One photo at one width. */
export interface RealPhotoCase {
  readonly photo: string;
  readonly width: number;
  readonly sourceBytes: number;
  readonly results: Record<PipelineName, PipelineFigures>;
  /** Cost of one million previews with `ours` at the template's memory, USD (image work only). */
  readonly costPerMillionUsd: number;
}

/**
 * Estimated cost of a million previews taking `cpuMs` of CPU and `wallMs` here, at `memoryMb` on `arch`:
 * the billed duration is the longer of the wall time and the CPU time spread over Lambda's CPU share
 * (`memoryMb / 1769` vCPU), plus the request price. S3 transfers are not included.
 */
export function costPerMillion(cpuMs: number, wallMs: number, memoryMb: number, arch: 'arm64' | 'x86_64'): number {
  const share = Math.min(1, memoryMb / MB_PER_VCPU);
  const seconds = Math.max(wallMs, cpuMs / share) / 1000;
  const perPreview = (memoryMb / 1024) * seconds * LAMBDA_PRICE.perGbSecond[arch] + LAMBDA_PRICE.perRequest;
  return perPreview * 1_000_000;
}

/** ImageMagick's reference for `file` at `size`, cached next to the photos. */
export async function reference(file: string, input: Buffer, size: { width: number; height: number }): Promise<Buffer> {
  const cached = join(file, '..', `ref-${basename(file)}-${size.width}x${size.height}.png`);
  if (existsSync(cached)) return readFileSync(cached);
  const png = await referencePreview(input, size);
  writeFileSync(cached, png);
  return png;
}

/** Runs every pipeline on `photo` at `width`, interleaved over `rounds` rounds. */
export async function measurePhoto(
  photo: Photo,
  width: number,
  rounds: number,
  memoryMb: number,
): Promise<RealPhotoCase> {
  const input = readFileSync(photo.file);
  const names = Object.keys(PIPELINES) as PipelineName[];
  const wall = new Map<PipelineName, number[]>(names.map((name) => [name, []]));
  const cpu = new Map<PipelineName, number[]>(names.map((name) => [name, []]));
  const outputs = new Map<PipelineName, Buffer>();
  for (const name of names) outputs.set(name, await PIPELINES[name](input, width)); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const { wallMs, cpuMs } = await measureOnce(() => PIPELINES[name](input, width));
      wall.get(name)!.push(wallMs);
      cpu.get(name)!.push(cpuMs);
    }
  }
  const results = {} as Record<PipelineName, PipelineFigures>;
  for (const name of names) {
    const output = outputs.get(name)!;
    const pixels = await decodePixels(output);
    const size = { width: pixels.width, height: pixels.height };
    const ref = await decodePixels(await reference(photo.file, input, size));
    results[name] = {
      medianMs: round1(median(wall.get(name)!)),
      cpuMs: round1(median(cpu.get(name)!)),
      bytes: output.length,
      size: `${size.width}x${size.height}`,
      ssim: Math.round(ssim(pixels, ref) * 10_000) / 10_000,
    };
  }
  const cost = costPerMillion(results.ours.cpuMs, results.ours.medianMs, memoryMb, 'arm64');
  const costPerMillionUsd = Math.round(cost * 100) / 100;
  return { photo: photo.name, width, sourceBytes: input.length, results, costPerMillionUsd };
}

/**
 * Warm libjpeg-turbo decode of `file` at the DCT scale `resizeImage` uses for `width`, in ms: `tjbench`,
 * in process, single-threaded, for at least one second.
 */
export async function warmJpegDecodeMs(file: string, width: number): Promise<{ scale: string; ms: number }> {
  const { width: w, height: h, orientation } = await sharp(file).metadata();
  const swapped = (orientation ?? 1) >= 5;
  const displayed = swapped ? { width: h, height: w } : { width: w, height: h };
  const target = previewSize(displayed, width, true);
  const stored = swapped ? { width: target.height, height: target.width } : target;
  const scale = `1/${jpegDecodePlan({ width: w, height: h }, stored).scale}`;
  const args = [file, '-scale', scale, '-benchtime', '1', '-warmup', '0.5', '-nowrite'];
  const out = (await run(IMAGE_TOOLS.tjbench, args)).toString();
  const fps = Number(/Frame rate:\s+([\d.]+) fps/.exec(out)?.[1]);
  return { scale, ms: round1(1000 / fps) };
}

/** One of issue 14's targets, checked against what was measured. */
export interface RealPhotoTarget {
  readonly name: string;
  readonly limit: string;
  readonly measured: string;
  readonly met: 'yes' | 'NO';
}

/** What {@link realPhotoStudy} measured. */
export interface RealPhotoStudy {
  readonly memoryMb: number;
  readonly price: typeof LAMBDA_PRICE;
  readonly cases: readonly RealPhotoCase[];
  readonly decodeFloor: { readonly photo: string; readonly scale: string; readonly ms: number };
  readonly targets: readonly RealPhotoTarget[];
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

/** `ours` time over `other`'s on one case. */
const timeRatio = (c: RealPhotoCase, other: PipelineName): number =>
  ratio(c.results.ours.medianMs, c.results[other].medianMs);

const HEADERS = [
  'photo', 'ms', 'CPU ms', 'plain ms', 'plain CPU', 'before ms', 'ours/plain',
  'bytes', 'plain bytes', 'SSIM', 'plain SSIM', '$/M previews',
];

function printCases(width: number, rounds: number, cases: readonly RealPhotoCase[]): void {
  console.log(
    `\nreal photographs -> ${width} px: ours | plain sharp().rotate().resize().jpeg() | ` +
      `before (ICC at full size), interleaved x${rounds}`,
  );
  const rows = cases.map((c) => {
    const { ours, plain, before } = c.results;
    return [
      c.photo, ours.medianMs, ours.cpuMs, plain.medianMs, plain.cpuMs, before.medianMs, timeRatio(c, 'plain'),
      ours.bytes, plain.bytes, ours.ssim.toFixed(4), plain.ssim.toFixed(4), c.costPerMillionUsd.toFixed(2),
    ];
  });
  console.log(table(HEADERS, rows));
}

function target(name: string, limit: number, value: number, alsoNeeded = true): RealPhotoTarget {
  return { name, limit: `<= ${limit}x`, measured: String(value), met: value <= limit && alsoNeeded ? 'yes' : 'NO' };
}

/**
 * Every photo at 1440 and 320 px (`rounds` interleaved rounds each), a table per width, the warm decode
 * floor of the 12 MP sRGB photo, and issue 14's targets.
 */
export async function realPhotoStudy(
  photos: readonly Photo[],
  memoryMb: number,
  rounds: number,
): Promise<RealPhotoStudy> {
  const cases: RealPhotoCase[] = [];
  for (const width of [1440, 320]) {
    const atWidth: RealPhotoCase[] = [];
    for (const photo of photos) atWidth.push(await measurePhoto(photo, width, rounds, memoryMb));
    printCases(width, rounds, atWidth);
    cases.push(...atWidth);
  }
  const srgb = photos.find((photo) => photo.name.includes('12 MP sRGB'))!;
  const floor = await warmJpegDecodeMs(srgb.file, 1440);
  const twelve = cases.find((c) => c.photo === srgb.name && c.width === 1440)!;
  const large = cases.filter((c) => c.width === 1440);
  const worst = large.reduce((a, b) => (timeRatio(a, 'plain') >= timeRatio(b, 'plain') ? a : b));
  const ssimOk = large.every((c) => c.results.ours.ssim >= c.results.plain.ssim);
  const targets = [
    target(`${srgb.name} -> 1440 vs before`, 0.4, timeRatio(twelve, 'before')),
    target(
      `${srgb.name} -> 1440 vs tjbench decode at ${floor.scale} (${floor.ms} ms)`,
      1.3,
      ratio(twelve.results.ours.medianMs, floor.ms),
    ),
    target(
      `every photo -> 1440 vs plain sharp (worst: ${worst.photo}), SSIM >= plain: ${ssimOk}`,
      0.75,
      timeRatio(worst, 'plain'),
      ssimOk,
    ),
  ];
  const [gbSecond, request] = [LAMBDA_PRICE.perGbSecond.arm64, LAMBDA_PRICE.perRequest * 1e6];
  const share = round1(memoryMb / MB_PER_VCPU);
  console.log(
    `\n$/M previews: ${memoryMb} MB arm64 at $${gbSecond}/GB-s + $${request.toFixed(2)}/M requests ` +
      `(${LAMBDA_PRICE.region}, ${LAMBDA_PRICE.date}); billed time = max(wall, CPU / ${share} vCPU), image work only`,
  );
  return { memoryMb, price: LAMBDA_PRICE, cases, decodeFloor: { photo: srgb.name, ...floor }, targets };
}
