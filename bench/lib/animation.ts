/**
 * Animated previews in `npm run bench`: what keeping every frame costs (ms, CPU ms, bytes per format), on a
 * photographic animation (90 frames of 480x270, 11.7 MP, within `MAX_ANIMATION_PIXELS`; the worst case:
 * every resized frame is quantised anew)
 * and on the demo's drawn one; and the cost at `MAX_ANIMATION_PIXELS`, the limit those figures set.
 *
 * @module
 */
import sharp from 'sharp';
import { FUNCTION_RESERVE_MS, FUNCTION_TIMEOUT_SECONDS, type OutputFormat } from '@preview-lambda/contract';
import { DEFAULT_MAX_ANIMATION_PIXELS, resizeImage } from '@preview-lambda/handler/image';
import { makeJpeg } from '@preview-lambda/fixtures/images';
import { makeBoatAnimation } from '@preview-lambda/fixtures/scenes';
import { measureOnce, median, round1, table } from './stats.js';

/** One source, width and format. */
export interface AnimationCase {
  readonly source: string;
  readonly width: number;
  readonly format: OutputFormat | 'source';
  readonly contentType: string;
  readonly frames: number;
  readonly medianMs: number;
  readonly cpuMs: number;
  readonly bytes: number;
  /** CPU ms per million pixels of all the source's frames (what `MAX_ANIMATION_PIXELS` counts). */
  readonly cpuMsPerMegapixel: number;
}

/** What {@link animationStudy} measured. */
export interface AnimationStudy {
  readonly cases: readonly AnimationCase[];
  /** The slowest CPU ms per million source pixels, times `MAX_ANIMATION_PIXELS`, spread over Lambda's share. */
  readonly atLimit: { readonly maxAnimationPixels: number; readonly projectedMs: number; readonly budgetMs: number };
  /** That projection as a target of the bench: within the function's budget. */
  readonly target: { readonly name: string; readonly limit: string; readonly measured: string; readonly met: 'yes' | 'NO' };
}

/** A 90-frame GIF panning across a generated photo: no two frames alike, no palette in common. */
async function photographicGif(): Promise<Buffer> {
  const [width, height, frames] = [480, 270, 90];
  const photo = await makeJpeg({ width: width * 2, height });
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp(photo).extract({ left: Math.round((i / frames) * width), top: 0, width, height }).png().toBuffer(),
    ),
  );
  return sharp(pages, { join: { animated: true } }).gif({ loop: 0, delay: pages.map(() => 40) }).toBuffer();
}

/**
 * Each animation to 320 px and to its own width (no resize: the most pixels to encode), as GIF (the
 * source format), WebP and AVIF (written as animated WebP), `rounds` interleaved rounds.
 */
export async function animationStudy(memoryMb: number, rounds: number): Promise<AnimationStudy> {
  const sources = [
    { name: 'photographic 480x270 x90', bytes: await photographicGif() },
    { name: 'demo boat 480x270 x12', bytes: await makeBoatAnimation({ width: 480, height: 270 }) },
  ];
  const cases: AnimationCase[] = [];
  for (const source of sources) {
    for (const width of [320, 480]) {
      const formats = [undefined, 'webp', 'avif'] as const;
      const run = (format: OutputFormat | undefined) => resizeImage(source.bytes, { width, format });
      const outputs = await Promise.all(formats.map(run));
      const wall: number[][] = formats.map(() => []);
      const cpu: number[][] = formats.map(() => []);
      for (let round = 0; round < rounds; round++) {
        for (const [i, format] of formats.entries()) {
          const { wallMs, cpuMs } = await measureOnce(() => run(format));
          wall[i]!.push(wallMs);
          cpu[i]!.push(cpuMs);
        }
      }
      for (const [i, format] of formats.entries()) {
        const out = outputs[i]!;
        const megapixels = (out.source.width * out.source.height * out.source.frames) / 1e6;
        cases.push({
          source: source.name,
          width,
          format: format ?? 'source',
          contentType: out.contentType,
          frames: out.frames,
          medianMs: round1(median(wall[i]!)),
          cpuMs: round1(median(cpu[i]!)),
          bytes: out.data.length,
          cpuMsPerMegapixel: round1(median(cpu[i]!) / megapixels),
        });
      }
    }
  }
  console.log(`\nanimated previews: resizeImage, every frame kept, interleaved x${rounds}`);
  console.log(
    table(
      ['source -> width, format', 'type', 'frames', 'ms', 'CPU ms', 'bytes', 'CPU ms/MP'],
      cases.map((c) => [`${c.source} -> ${c.width} ${c.format}`, c.contentType, c.frames, c.medianMs, c.cpuMs, c.bytes, c.cpuMsPerMegapixel]),
    ),
  );
  const worst = Math.max(...cases.map((c) => c.cpuMsPerMegapixel));
  const share = Math.min(1, memoryMb / 1769);
  const projectedMs = Math.round(((worst * DEFAULT_MAX_ANIMATION_PIXELS) / 1e6) / share);
  const budgetMs = FUNCTION_TIMEOUT_SECONDS * 1000 - FUNCTION_RESERVE_MS;
  console.log(
    `at MAX_ANIMATION_PIXELS (${DEFAULT_MAX_ANIMATION_PIXELS} source pixels) at the slowest rate (${worst} CPU ms/MP): ` +
      `${projectedMs} ms at ${memoryMb} MB (${round1(share)} vCPU), budget ${budgetMs} ms`,
  );
  return {
    cases,
    atLimit: { maxAnimationPixels: DEFAULT_MAX_ANIMATION_PIXELS, projectedMs, budgetMs },
    target: {
      name: `animated preview at MAX_ANIMATION_PIXELS, slowest encoder, ${memoryMb} MB`,
      limit: `<= ${budgetMs} ms`,
      measured: `${projectedMs} ms`,
      met: projectedMs <= budgetMs ? 'yes' : 'NO',
    },
  };
}
