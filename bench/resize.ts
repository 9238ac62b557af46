/**
 * Benchmark of the resize core (`npm run bench`).
 *
 * 1. Generates photo-like JPEGs of 2, 12 and 24 MP (plus a lower-quality 12 MP one, to show how decode
 *    time follows file size) and a 12 MP PNG, into a temporary folder.
 * 2. Times `resizeImage` to widths 1440 and 320 with the production tuning (`tuneSharp()`): warm median
 *    and p90 ms per image one at a time, and images/s with two in flight.
 * 3. Tuning study on 12 MP JPEG -> 1440: a plain sharp pipeline with sharp's defaults against
 *    `resizeImage` with each setting changed in turn, interleaved round by round so that machine noise
 *    hits every variant alike.
 * 4. Real photographs (`bench/lib/photos.ts`): `resizeImage` against plain sharp and the previous core, with
 *    CPU ms, bytes, SSIM against ImageMagick and the cost per million previews (`bench/lib/real-photos.ts`);
 *    then in each output format (source, WebP, AVIF: bytes, SSIM, ms, AVIF's time budget on 12 and 24 MP,
 *    `bench/lib/formats.ts`) and animated previews (`bench/lib/animation.ts`).
 * 5. Memory: RSS after 100 consecutive 24 MP images, each run in a fresh child process (with and without
 *    `MALLOC_ARENA_MAX`, which glibc only reads at process start).
 * 6. Cold import time of the bundled handler (`handler/dist/index.mjs`), when it has been built.
 *
 * Prints tables and writes `bench/results.json`. Takes about two to three minutes on 2 cores.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import {
  DEFAULT_SHARP_TUNING,
  RECOMMENDED_MALLOC_ARENA_MAX,
  resizeImage,
  type SharpTuningOptions,
  tuneSharp,
} from '@preview-lambda/handler/image';
import { makeJpeg, makePng } from '@preview-lambda/fixtures/images';
import { functionSettings } from '@preview-lambda/local/template';
import { coldImport, type ColdImport, describeCold } from './lib/cold-import.js';
import { memoryStudy, rssChild, type RssChildArgs, type RssResult } from './lib/memory.js';
import { ensurePhotos, type Photo } from './lib/photos.js';
import { realPhotoStudy } from './lib/real-photos.js';
import { formatStudy } from './lib/formats.js';
import { animationStudy } from './lib/animation.js';
import { median, quantile, round1, table, timeOnce } from './lib/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/** One generated source image. */
interface BenchImage {
  name: string;
  file: string;
  width: number;
  height: number;
  bytes: number;
}

/** Timing of one image/width pair. */
interface CaseResult {
  image: string;
  width: number;
  runs: number;
  medianMs: number;
  p90Ms: number;
  imagesPerSecondTwoInFlight: number;
  outputBytes: number;
  outputWidth: number;
  outputHeight: number;
}

/** Images per second when `lanes` calls are kept in flight, `perLane` calls each. */
async function throughput(fn: () => Promise<unknown>, lanes: number, perLane: number): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let i = 0; i < perLane; i++) await fn();
    }),
  );
  return (lanes * perLane * 1000) / (performance.now() - start);
}

async function generateImages(dir: string): Promise<BenchImage[]> {
  const specs = [
    { name: 'JPEG 2 MP', width: 1728, height: 1152, make: makeJpeg },
    { name: 'JPEG 12 MP', width: 4000, height: 3000, make: makeJpeg },
    { name: 'JPEG 24 MP', width: 6000, height: 4000, make: makeJpeg },
    {
      name: 'JPEG 12 MP q75',
      width: 4000,
      height: 3000,
      make: (o: { width: number; height: number }) => makeJpeg({ ...o, quality: 75 }),
    },
    { name: 'PNG 12 MP', width: 4000, height: 3000, make: makePng },
  ];
  const images: BenchImage[] = [];
  for (const spec of specs) {
    const bytes = await spec.make({ width: spec.width, height: spec.height });
    const file = join(dir, `${spec.name.replace(/\W+/g, '-')}.img`);
    writeFileSync(file, bytes);
    images.push({ name: spec.name, file, width: spec.width, height: spec.height, bytes: bytes.length });
  }
  return images;
}

async function timeCase(image: BenchImage, width: number): Promise<CaseResult> {
  const input = readFileSync(image.file);
  const run = () => resizeImage(input, { width });
  const first = await timeOnce(run);
  await run();
  // About 1.5 s of timed runs per case, 7 to 25 of them.
  const runs = Math.max(7, Math.min(25, Math.ceil(1500 / first)));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeOnce(run));
  const perLane = Math.max(3, Math.ceil(runs / 2));
  const ips = await throughput(run, 2, perLane);
  const out = await run();
  return {
    image: image.name,
    width,
    runs,
    medianMs: round1(median(times)),
    p90Ms: round1(quantile(times, 0.9)),
    imagesPerSecondTwoInFlight: round1(ips),
    outputBytes: out.data.length,
    outputWidth: out.width,
    outputHeight: out.height,
  };
}

/** A variant of the tuning study: global settings, then the call to time. */
interface Variant {
  name: string;
  setup: () => void;
  run: (input: Buffer) => Promise<unknown>;
}

const mark = (isDefault: boolean): string => (isDefault ? '*' : '');

function variants(tuned: Required<SharpTuningOptions>): Variant[] {
  const sharpDefaults = () => {
    sharp.cache({ memory: 50, files: 20, items: 100 });
    sharp.concurrency(1);
  };
  const resize1440 = (input: Buffer) => resizeImage(input, { width: 1440 });
  return [
    {
      name: 'plain sharp, sharp defaults (cache on, concurrency 1)',
      setup: sharpDefaults,
      run: (input) => sharp(input).rotate().resize(1440).jpeg({ quality: 70 }).toBuffer(),
    },
    { name: 'resizeImage, sharp defaults', setup: sharpDefaults, run: resize1440 },
    ...[1, 2].map((concurrency) => ({
      name: `resizeImage, cache off, concurrency ${concurrency}${mark(concurrency === tuned.concurrency)}`,
      setup: () => tuneSharp({ ...tuned, concurrency }),
      run: resize1440,
    })),
    {
      name: 'same pipeline without shrink-on-load',
      setup: () => tuneSharp(),
      run: (input) =>
        sharp(input, { autoOrient: true, failOn: 'error' })
          .resize({ width: 1440, kernel: 'lanczos3', withoutEnlargement: true, fastShrinkOnLoad: false })
          .toColourspace('srgb')
          .jpeg({ quality: 70 })
          .toBuffer(),
    },
    {
      name: "floor: decode alone at sharp's own scale (nearest, raw out)",
      setup: () => tuneSharp(),
      run: (input) => sharp(input).resize({ width: 1440, kernel: 'nearest' }).raw().toBuffer(),
    },
    {
      name: 'same pipeline with random access (sequentialRead: false)',
      setup: () => tuneSharp(),
      run: (input) =>
        sharp(input, { autoOrient: true, failOn: 'error', sequentialRead: false })
          .resize({ width: 1440, kernel: 'lanczos3', withoutEnlargement: true })
          .toColourspace('srgb')
          .jpeg({ quality: 70 })
          .toBuffer(),
    },
  ];
}

async function tuningStudy(image: BenchImage, rounds: number) {
  const input = readFileSync(image.file);
  const list = variants({ ...DEFAULT_SHARP_TUNING });
  const single = new Map<string, number[]>();
  const twoInFlight = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const variant of list) {
      variant.setup();
      await variant.run(input);
      for (let i = 0; i < 3; i++) {
        const ms = await timeOnce(() => variant.run(input));
        single.set(variant.name, [...(single.get(variant.name) ?? []), ms]);
      }
      const ips = await throughput(() => variant.run(input), 2, 3);
      twoInFlight.set(variant.name, [...(twoInFlight.get(variant.name) ?? []), ips]);
    }
  }
  tuneSharp();
  return list.map(({ name }) => ({
    variant: name,
    medianMs: round1(median(single.get(name) ?? [])),
    p10Ms: round1(quantile(single.get(name) ?? [], 0.1)),
    imagesPerSecondTwoInFlight: round1(median(twoInFlight.get(name) ?? [])),
  }));
}

/** One of the targets, checked against what was measured. */
interface TargetCheck {
  name: string;
  limit: string;
  measured: string;
  met: 'yes' | 'NO' | 'n/a';
}

function checkTargets(
  cases: readonly CaseResult[],
  memory: readonly RssResult[],
  cold: ColdImport,
): TargetCheck[] {
  const twelve = cases.find((c) => c.image === 'JPEG 12 MP' && c.width === 1440);
  const rss = memory.find((m) => m.mallocArenaMax !== null && m.tuning !== 'sharp defaults');
  const check = (name: string, limit: number, unit: string, value: number | undefined): TargetCheck => ({
    name,
    limit: `<= ${limit} ${unit}`,
    measured: value === undefined ? 'n/a' : `${value} ${unit}`,
    met: value === undefined ? 'n/a' : value <= limit ? 'yes' : 'NO',
  });
  return [
    check('JPEG 12 MP -> 1440 warm median', 50, 'ms', twelve?.medianMs),
    check('peak RSS over 100 x 24 MP (MALLOC_ARENA_MAX set)', 256, 'MiB', rss?.peakRssMiB),
    check('import of the bundled handler', 250, 'ms', typeof cold === 'string' ? undefined : cold.medianMs),
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  tuneSharp();
  const tuned = { ...DEFAULT_SHARP_TUNING };
  const machine = {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    node: process.version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    simd: sharp.simd(),
    mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
    tuning: tuned,
    loadAverageAtStart: loadavg().map(round1),
  };
  const { cpu, cores, node, libvips } = machine;
  console.log(`resize bench: ${cpu} x${cores}, node ${node}, sharp ${machine.sharp}, libvips ${libvips}`);
  const arena = machine.mallocArenaMax ?? 'unset';
  console.log(`tuneSharp(): ${JSON.stringify(tuned)}; MALLOC_ARENA_MAX=${arena}\n`);

  const dir = mkdtempSync(join(tmpdir(), 'resize-bench-'));
  try {
    const images = await generateImages(dir);
    console.log(
      table(
        ['source', 'size', 'bytes', 'bytes/px'],
        images.map((i) => [
          i.name,
          `${i.width}x${i.height}`,
          i.bytes,
          (i.bytes / (i.width * i.height)).toFixed(2),
        ]),
      ),
    );

    const cases: CaseResult[] = [];
    for (const image of images) for (const width of [1440, 320]) cases.push(await timeCase(image, width));
    console.log('\nresizeImage, warm, one process (tuneSharp() defaults)');
    console.log(
      table(
        ['source', '-> width', 'median ms', 'p90 ms', 'img/s x2', 'output', 'out bytes'],
        cases.map((c) => [
          c.image,
          c.width,
          c.medianMs,
          c.p90Ms,
          c.imagesPerSecondTwoInFlight,
          `${c.outputWidth}x${c.outputHeight}`,
          c.outputBytes,
        ]),
      ),
    );

    const twelve = images.find((i) => i.name === 'JPEG 12 MP')!;
    const study = await tuningStudy(twelve, 8);
    console.log('\ntuning study: JPEG 12 MP -> 1440, interleaved over 8 rounds (*: tuneSharp default)');
    console.log(
      table(
        ['variant', 'median ms', 'p10 ms', 'img/s x2'],
        study.map((s) => [s.variant, s.medianMs, s.p10Ms, s.imagesPerSecondTwoInFlight]),
      ),
    );

    const photos = await realPhotos();
    const { memoryMb } = functionSettings();
    const realPhotoFigures = photos.length === 0 ? undefined : await realPhotoStudy(photos, memoryMb, 7);

    // Output formats on a 12 MP, a 13 MP and the 24 MP photo; animated previews.
    const formatPhotos = photos.filter((photo) => /sunset 12 MP sRGB|13 MP none|24 MP/.test(photo.name));
    const formats = formatPhotos.length === 0 ? undefined : await formatStudy(formatPhotos, memoryMb, 5);
    const animation = await animationStudy(memoryMb, 3);

    const generated24 = images.find((i) => i.name === 'JPEG 24 MP')!;
    const big = photos.find((photo) => photo.name.includes('24 MP')) ?? generated24;
    const memory = await memoryStudy(fileURLToPath(import.meta.url), big.file);
    console.log(`\nmemory: 100 consecutive ${big.name} -> 1440 with resizeImage, fresh child process each`);
    console.log(
      table(
        ['child', 'RSS before MiB', 'RSS after MiB', 'peak RSS MiB', 'median ms'],
        memory.map((m) => [m.label, m.rssBeforeMiB, m.rssAfterMiB, m.peakRssMiB, m.medianMs]),
      ),
    );

    const cold = await coldImport(root);
    console.log(`\ncold import of handler/dist/index.mjs: ${describeCold(cold)}`);

    const targets = [
      ...checkTargets(cases, memory, cold),
      ...(realPhotoFigures?.targets ?? []),
      ...(formats?.targets ?? []),
      animation.target,
    ];
    console.log('\ntargets (this 2-core machine)');
    console.log(table(['target', 'limit', 'measured', 'met'], targets.map((t) => [t.name, t.limit, t.measured, t.met])));

    const results = {
      machine,
      targets,
      images: images.map(({ file: _file, ...image }) => image),
      cases,
      tuningStudy: { source: twelve.name, width: 1440, variants: study },
      realPhotos: realPhotoFigures,
      formats,
      animation,
      memory,
      coldImport: cold,
      durationSeconds: Math.round((performance.now() - started) / 1000),
    };
    // Other benchmarks (bench:proxy) keep their figures in the same file under their own key.
    const file = join(here, 'results.json');
    const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    const { proxy } = previous;
    writeFileSync(file, `${JSON.stringify({ ...results, ...(proxy === undefined ? {} : { proxy }) }, null, 2)}\n`);
    console.log(`\nwrote bench/results.json in ${results.durationSeconds} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The real photographs (fetched once into `.cache/photos`), or none, saying why, when they cannot be had. */
async function realPhotos(): Promise<Photo[]> {
  try {
    return await ensurePhotos(join(root, '.cache/photos'));
  } catch (error) {
    console.log(`\nreal photographs skipped: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}

/**
 * Re-run this script with the production allocator setting when the caller did not choose one: glibc reads
 * `MALLOC_ARENA_MAX` only at process start.
 */
function rerunWithArenaMax(): Promise<number> {
  console.log(`MALLOC_ARENA_MAX unset: re-running with MALLOC_ARENA_MAX=${RECOMMENDED_MALLOC_ARENA_MAX}`);
  console.log('(the production setting; set MALLOC_ARENA_MAX yourself to measure another value)\n');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, MALLOC_ARENA_MAX: RECOMMENDED_MALLOC_ARENA_MAX },
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

if (process.argv[2] === '--child') {
  const [, , , mode, json] = process.argv;
  if (mode === 'rss') await rssChild(JSON.parse(json ?? '{}') as RssChildArgs);
  else throw new Error(`unknown child mode ${mode}`);
} else if (process.env.MALLOC_ARENA_MAX === undefined) {
  process.exitCode = await rerunWithArenaMax();
} else {
  await main();
}
