/**
 * Memory of the resize core over many images. Each run is a fresh child process (glibc reads
 * `MALLOC_ARENA_MAX` only at process start): the benchmark script re-runs itself in child mode
 * (`--child rss <json>`, see {@link rssChild}), resizes the same image 100 times and prints its RSS.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  RECOMMENDED_MALLOC_ARENA_MAX,
  resizeImage,
  type SharpTuningOptions,
  tuneSharp,
} from '@preview-lambda/handler/image';
import { median, round1, timeOnce } from './stats.js';

const MiB = 2 ** 20;

/** What a memory child reports, with the run's settings. */
export interface RssResult {
  label: string;
  mallocArenaMax: string | null;
  tuning: SharpTuningOptions | 'sharp defaults';
  images: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  peakRssMiB: number;
  medianMs: number;
}

/** Arguments of a memory child, passed as JSON on its command line. */
export interface RssChildArgs {
  file: string;
  width: number;
  images: number;
  tuning: SharpTuningOptions | 'sharp defaults';
}

/** Peak resident set size of this process so far (Linux `VmHWM`), or `undefined` elsewhere. */
function peakRssMiB(): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Run `node <execArgv> <script> --child <mode> <json>` with `env`, and parse the JSON it prints. */
function runChild<T>(script: string, mode: string, args: unknown, env: NodeJS.ProcessEnv): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, '--child', mode, JSON.stringify(args)], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child ${mode} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? 'null') as T);
    });
  });
}

/** Child mode: resize the same image `images` times in a row and print memory as one JSON line. */
export async function rssChild({ file, width, images, tuning }: RssChildArgs): Promise<void> {
  if (tuning !== 'sharp defaults') tuneSharp(tuning);
  const input = readFileSync(file);
  const rssBefore = process.memoryUsage().rss / MiB;
  const times: number[] = [];
  for (let i = 0; i < images; i++) times.push(await timeOnce(() => resizeImage(input, { width })));
  const rssAfter = process.memoryUsage().rss / MiB;
  process.stdout.write(
    `${JSON.stringify({
      rssBeforeMiB: round1(rssBefore),
      rssAfterMiB: round1(rssAfter),
      peakRssMiB: round1(peakRssMiB() ?? rssAfter),
      medianMs: round1(median(times)),
    })}\n`,
  );
}

/** A memory child to run: its label, `MALLOC_ARENA_MAX` (null: unset) and tuning. */
interface MemoryRun {
  label: string;
  arena: string | null;
  tuning: SharpTuningOptions | 'sharp defaults';
}

/**
 * 100 consecutive previews of `file` at 1440 px in three fresh children: `tuneSharp()` without and with
 * `MALLOC_ARENA_MAX`, and sharp's defaults with it. `script` is the benchmark entry that handles `--child`.
 */
export async function memoryStudy(script: string, file: string): Promise<RssResult[]> {
  const { MALLOC_ARENA_MAX: _ignored, ...envWithoutArena } = process.env;
  const arena = RECOMMENDED_MALLOC_ARENA_MAX;
  const runs: MemoryRun[] = [
    { label: 'tuneSharp(), MALLOC_ARENA_MAX unset', arena: null, tuning: {} },
    { label: `tuneSharp(), MALLOC_ARENA_MAX=${arena}`, arena, tuning: {} },
    { label: `sharp's defaults, MALLOC_ARENA_MAX=${arena}`, arena, tuning: 'sharp defaults' },
  ];
  const memory: RssResult[] = [];
  for (const run of runs) {
    const env = run.arena === null ? envWithoutArena : { ...envWithoutArena, MALLOC_ARENA_MAX: run.arena };
    const args: RssChildArgs = { file, width: 1440, images: 100, tuning: run.tuning };
    type ChildResult = Pick<RssResult, 'rssBeforeMiB' | 'rssAfterMiB' | 'peakRssMiB' | 'medianMs'>;
    const result = await runChild<ChildResult>(script, 'rss', args, env);
    memory.push({ label: run.label, mallocArenaMax: run.arena, tuning: run.tuning, images: 100, ...result });
  }
  return memory;
}
