/**
 * The output formats' figures: what `resizeImage` makes of real photographs in each format (bytes, SSIM,
 * ms, CPU ms, and whether AVIF fits the function's time budget on 12 and 24 MP photos), for `npm run
 * bench`; and the encoder-settings study behind `DEFAULT_WEBP_QUALITY`, `DEFAULT_AVIF_QUALITY` and
 * `AVIF_EFFORT`, for `npm run bench:quality`.
 *
 * Two SSIMs, both Wang et al.'s (ssim.js `original`): **SSIM** with its automatic downsampling, as every
 * other figure of the project (a 1440 px preview is judged at about 360 px), and **SSIM full** at full
 * resolution, where coding artefacts live (blocking, ringing, smoothed texture): the encoder settings are
 * chosen by the latter.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { FUNCTION_RESERVE_MS, FUNCTION_TIMEOUT_SECONDS, type OutputFormat } from '@preview-lambda/contract';
import {
  AVIF_CHROMA_SUBSAMPLING,
  AVIF_EFFORT,
  DEFAULT_AVIF_QUALITY,
  DEFAULT_WEBP_QUALITY,
  resizeImage,
} from '@preview-lambda/handler/image';
import { decodePixels, type Pixels, ssim, ssimFullResolution as ssimFull } from '@preview-lambda/fixtures/metrics';
import type { Photo } from './photos.js';
import { reference } from './real-photos.js';
import { measureOnce, median, round1, table } from './stats.js';

const r4 = (value: number): number => Math.round(value * 10_000) / 10_000;
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * The margin of the rule: a variant's SSIM full at most this much below the JPEG q70 preview's, on every
 * photograph (the worst photo counts, as in the decode-scale study).
 */
export const SSIM_MARGIN = 0.003;

/** Lambda gives 1 vCPU at 1,769 MB and a proportional share below (AWS documentation). */
const MB_PER_VCPU = 1769;

/** One format of one photo at one width, `resizeImage` end to end. */
export interface FormatFigures {
  readonly format: OutputFormat | 'source';
  readonly contentType: string;
  readonly medianMs: number;
  readonly cpuMs: number;
  readonly bytes: number;
  readonly ssim: number;
  readonly ssimFull: number;
}

/** One photo at one width, every format. */
export interface FormatCase {
  readonly photo: string;
  readonly width: number;
  readonly results: readonly FormatFigures[];
}

const FORMATS = [undefined, 'webp', 'avif'] as const;

/**
 * `resizeImage` in the source format, WebP and AVIF on `photo` at `width`, interleaved over `rounds`
 * rounds; SSIMs against ImageMagick's full-quality rendering (the real-photo study's reference).
 */
async function measureFormats(photo: Photo, width: number, rounds: number): Promise<FormatCase> {
  const input = readFileSync(photo.file);
  const run = (format: OutputFormat | undefined) => resizeImage(input, { width, format });
  const outputs = await Promise.all(FORMATS.map((format) => run(format))); // warm-up
  const wall: number[][] = FORMATS.map(() => []);
  const cpu: number[][] = FORMATS.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, format] of FORMATS.entries()) {
      const { wallMs, cpuMs } = await measureOnce(() => run(format));
      wall[i]!.push(wallMs);
      cpu[i]!.push(cpuMs);
    }
  }
  const size = { width: outputs[0]!.width, height: outputs[0]!.height };
  const ref = await decodePixels(await reference(photo.file, input, size));
  const results = await Promise.all(
    FORMATS.map(async (format, i) => {
      const pixels = await decodePixels(outputs[i]!.data);
      return {
        format: format ?? 'source',
        contentType: outputs[i]!.contentType,
        medianMs: round1(median(wall[i]!)),
        cpuMs: round1(median(cpu[i]!)),
        bytes: outputs[i]!.data.length,
        ssim: r4(ssim(pixels, ref)),
        ssimFull: r4(ssimFull(pixels, ref)),
      } satisfies FormatFigures;
    }),
  );
  return { photo: photo.name, width, results };
}

/** One of the format targets, checked against what was measured. */
export interface FormatTarget {
  readonly name: string;
  readonly limit: string;
  readonly measured: string;
  readonly met: 'yes' | 'NO';
}

/** What {@link formatStudy} measured. */
export interface FormatStudy {
  readonly settings: { readonly webpQuality: number; readonly avifQuality: number; readonly avifEffort: number; readonly avifChroma: string };
  readonly cases: readonly FormatCase[];
  readonly targets: readonly FormatTarget[];
}

/**
 * Every photo at 1440 and 320 px in each format, a table per width, and the targets: variants at most
 * {@link SSIM_MARGIN} below the source-format preview's SSIM full on every photo, with fewer bytes on average,
 * and AVIF of the 12 and 24 MP photos within the function's budget (`Timeout` − `FUNCTION_RESERVE_MS`) at
 * the template's memory, its CPU time spread over Lambda's share of a vCPU.
 */
export async function formatStudy(photos: readonly Photo[], memoryMb: number, rounds: number): Promise<FormatStudy> {
  const cases: FormatCase[] = [];
  for (const width of [1440, 320]) {
    const atWidth: FormatCase[] = [];
    for (const photo of photos) atWidth.push(await measureFormats(photo, width, rounds));
    console.log(`\noutput formats: resizeImage end to end -> ${width} px, interleaved x${rounds} (SSIM against ImageMagick)`);
    const rows = atWidth.flatMap((c) => {
      const source = c.results[0]!;
      return c.results.map((r) => [
        `${c.photo} ${r.format}`, r.contentType, r.medianMs, r.cpuMs, r.bytes, (r.bytes / source.bytes).toFixed(2),
        r.ssim.toFixed(4), r.ssimFull.toFixed(4), (r.ssimFull - source.ssimFull).toFixed(4),
      ]);
    });
    console.log(table(['photo, format', 'type', 'ms', 'CPU ms', 'bytes', 'bytes/src', 'SSIM', 'SSIM full', 'Δ full'], rows));
    cases.push(...atWidth);
  }
  const share = Math.min(1, memoryMb / MB_PER_VCPU);
  const budgetMs = FUNCTION_TIMEOUT_SECONDS * 1000 - FUNCTION_RESERVE_MS;
  const targets: FormatTarget[] = [];
  for (const format of ['webp', 'avif'] as const) {
    for (const width of [1440, 320]) {
      const at = cases.filter((c) => c.width === width);
      const pick = (c: FormatCase, f: string) => c.results.find((r) => r.format === f)!;
      const delta = Math.min(...at.map((c) => pick(c, format).ssimFull - pick(c, 'source').ssimFull));
      const ratio = mean(at.map((c) => pick(c, format).bytes / pick(c, 'source').bytes));
      targets.push({
        name: `${format} -> ${width}: worst photo's SSIM full vs the source-format preview, mean bytes`,
        limit: `>= -${SSIM_MARGIN}, < 1x`,
        measured: `${delta >= 0 ? '+' : ''}${delta.toFixed(4)}, ${ratio.toFixed(2)}x`,
        met: delta >= -SSIM_MARGIN && ratio < 1 ? 'yes' : 'NO',
      });
    }
  }
  for (const photo of photos.filter((p) => /\b(12|24) MP\b/.test(p.name))) {
    const avif = cases.find((c) => c.photo === photo.name && c.width === 1440)!.results.find((r) => r.format === 'avif')!;
    const billed = Math.max(avif.medianMs, avif.cpuMs / share);
    targets.push({
      name: `AVIF ${photo.name} -> 1440 at ${memoryMb} MB (${round1(share)} vCPU): max(wall, CPU / share)`,
      limit: `<= ${budgetMs} ms`,
      measured: `${Math.round(billed)} ms`,
      met: billed <= budgetMs ? 'yes' : 'NO',
    });
  }
  return {
    settings: {
      webpQuality: DEFAULT_WEBP_QUALITY,
      avifQuality: DEFAULT_AVIF_QUALITY,
      avifEffort: AVIF_EFFORT,
      avifChroma: AVIF_CHROMA_SUBSAMPLING,
    },
    cases,
    targets,
  };
}

/** An encoder setting of the study. */
interface Candidate {
  readonly name: string;
  readonly format: 'jpeg' | OutputFormat;
  readonly quality: number;
  readonly effort?: number;
  readonly encode: (image: Sharp) => Sharp;
}

const CANDIDATES: readonly Candidate[] = [
  { name: 'JPEG q70 (source format)', format: 'jpeg', quality: 70, encode: (i) => i.jpeg({ quality: 70 }) },
  ...[65, 70, 75, 80, 82, 85].map((q) => ({ name: `WebP q${q}`, format: 'webp' as const, quality: q, encode: (i: Sharp) => i.webp({ quality: q }) })),
  ...[55, 60, 65].flatMap((q) =>
    [2, 3, 4].map((effort) => ({
      name: `AVIF q${q} effort ${effort}`,
      format: 'avif' as const,
      quality: q,
      effort,
      encode: (i: Sharp) => i.avif({ quality: q, effort, chromaSubsampling: AVIF_CHROMA_SUBSAMPLING }),
    })),
  ),
];

/**
 * The encoder settings study (`npm run bench:quality`): each candidate encodes the same Lanczos-resized
 * pixels of every photo at 1440 and 320 px; bytes, encode ms and both SSIMs against those unencoded pixels
 * (the encoding's own loss): means over the photos, and the worst photo's SSIM full against JPEG's. Picks,
 * per format, the lowest quality whose SSIM full stays within {@link SSIM_MARGIN} of JPEG q70's on every
 * photo at both widths, and for AVIF the lowest effort whose files are within 2 % of effort 4's; prints
 * them beside the shipped defaults. (The mean alone misleads: WebP and AVIF lose most on smooth, clean
 * photos and gain most on noisy ones, where JPEG q70 is weakest.)
 */
export async function encoderSettingsStudy(files: readonly string[]): Promise<void> {
  /** Per setting and width, one value per photo, in the order of `files`. */
  const figures = new Map<string, { bytes: number[]; ms: number[]; ssim: number[]; full: number[] }>();
  for (const width of [1440, 320]) {
    for (const file of files) {
      const { data, info } = await sharp(file).rotate().resize({ width, kernel: 'lanczos3' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      const raw = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
      const ref: Pixels = { data, width: info.width, height: info.height, channels: info.channels };
      for (const candidate of CANDIDATES) {
        await candidate.encode(raw()).toBuffer();
        const timing: number[] = [];
        for (let i = 0; i < 3; i++) timing.push((await measureOnce(() => candidate.encode(raw()).toBuffer())).wallMs);
        const out = await candidate.encode(raw()).toBuffer();
        const pixels = await decodePixels(out);
        const key = `${width} ${candidate.name}`;
        const entry = figures.get(key) ?? { bytes: [], ms: [], ssim: [], full: [] };
        entry.bytes.push(out.length);
        entry.ms.push(median(timing));
        entry.ssim.push(ssim(pixels, ref));
        entry.full.push(ssimFull(pixels, ref));
        figures.set(key, entry);
      }
    }
  }
  const at = (width: number, name: string) => figures.get(`${width} ${name}`)!;
  const jpegName = CANDIDATES[0]!.name;
  /** The worst photo's SSIM full minus JPEG q70's, at `width`. */
  const worst = (width: number, c: Candidate) =>
    Math.min(...at(width, c.name).full.map((full, i) => full - at(width, jpegName).full[i]!));
  /** The mean of the photos' byte ratios to JPEG q70, at `width`. */
  const ratio = (width: number, c: Candidate) => mean(at(width, c.name).bytes.map((b, i) => b / at(width, jpegName).bytes[i]!));
  const within = (c: Candidate) => [1440, 320].every((w) => worst(w, c) >= -SSIM_MARGIN);
  for (const width of [1440, 320]) {
    const jpeg = at(width, jpegName);
    console.log(`\n5. encoder settings -> ${width} px: encode only, ${files.length} photographs (against the unencoded pixels)`);
    console.log(
      table(
        ['settings', 'mean bytes', 'bytes/JPEG', 'encode ms', 'SSIM', 'SSIM full', 'Δ full mean', 'Δ full worst', `all within ${SSIM_MARGIN}`],
        CANDIDATES.map((c) => {
          const f = at(width, c.name);
          return [
            c.name, Math.round(mean(f.bytes)), ratio(width, c).toFixed(2), round1(mean(f.ms)), mean(f.ssim).toFixed(4),
            mean(f.full).toFixed(4), (mean(f.full) - mean(jpeg.full)).toFixed(4), worst(width, c).toFixed(4), within(c) ? 'yes' : 'no',
          ];
        }),
      ),
    );
  }
  const lowest = (format: OutputFormat) =>
    CANDIDATES.filter((c) => c.format === format && within(c)).sort((a, b) => a.quality - b.quality)[0];
  const webp = lowest('webp');
  const avif = lowest('avif');
  const bytes = (c: Candidate) => mean([1440, 320].map((w) => ratio(w, c)));
  const effort4 = CANDIDATES.find((c) => c.format === 'avif' && c.quality === avif?.quality && c.effort === 4);
  const effort = CANDIDATES.filter((c) => c.format === 'avif' && c.quality === avif?.quality)
    .filter((c) => effort4 !== undefined && bytes(c) <= bytes(effort4) * 1.02)
    .sort((a, b) => (a.effort ?? 0) - (b.effort ?? 0))[0];
  console.log(
    `\npicked by the rule: WebP q${webp?.quality ?? '-'}; AVIF q${avif?.quality ?? '-'} effort ${effort?.effort ?? '-'}` +
      ` | shipped: WebP q${DEFAULT_WEBP_QUALITY}; AVIF q${DEFAULT_AVIF_QUALITY} effort ${AVIF_EFFORT} ${AVIF_CHROMA_SUBSAMPLING}`,
  );
}
