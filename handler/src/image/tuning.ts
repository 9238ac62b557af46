/**
 * Process-wide sharp/libvips settings for a Lambda that resizes one image at a time.
 *
 * Allocator: glibc's malloc gives each thread that allocates its own arena (up to 8 per core), and
 * libvips' worker threads allocate and free large pixel buffers, so RSS ratchets up over many images even
 * though nothing leaks. `MALLOC_ARENA_MAX=2` caps the arenas; glibc reads it when the process starts, so it
 * must be in the function's environment (template.yaml), not set from JavaScript. Measured by
 * `bench/resize.ts` on 2 cores, 100 consecutive 24 MP JPEGs -> 1440: RSS ~200 MiB unset, ~145-150 MiB with
 * 2 (~125-140 MiB with 1), flat after the first 25 images in every case, speed within noise.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import sharp from 'sharp';

/** Options of {@link tuneSharp}. */
export interface SharpTuningOptions {
  /**
   * Memory of libvips' operation cache in MiB (default 0). The cache only pays off when the same input is
   * processed repeatedly; every request here brings a new buffer, so it only holds on to memory.
   */
  cacheMemoryMiB?: number;
  /** Number of operations libvips' cache may hold (default 0: together with `cacheMemoryMiB` 0, no cache). */
  cacheItems?: number;
  /**
   * Threads libvips uses per image (default: the number of CPUs, at most 4). sharp's own default is 1 on
   * glibc without jemalloc (to limit fragmentation); with `MALLOC_ARENA_MAX` set, more threads let
   * resizing and encoding overlap the (single-threaded) decoding of the same image: ~5% lower latency for
   * one image at a time on 2 cores (what a Lambda does), ~5% lower throughput with two images in flight.
   */
  concurrency?: number;
}

/** The settings {@link tuneSharp} applies when given no options. */
export const DEFAULT_SHARP_TUNING: Readonly<Required<SharpTuningOptions>> = {
  cacheMemoryMiB: 0,
  cacheItems: 0,
  concurrency: Math.min(4, availableParallelism()),
};

/** Value recommended for the `MALLOC_ARENA_MAX` environment variable of the Lambda (see the module doc). */
export const RECOMMENDED_MALLOC_ARENA_MAX = '2';

/**
 * Apply process-wide sharp settings. Call once at cold start, before the first image; calling again
 * replaces the settings.
 *
 * @example
 * ```ts
 * tuneSharp(); // defaults: no operation cache, one libvips thread per CPU (at most 4)
 * tuneSharp({ concurrency: 1 });
 * ```
 */
export function tuneSharp(options: SharpTuningOptions = {}): void {
  const cacheMemoryMiB = options.cacheMemoryMiB ?? DEFAULT_SHARP_TUNING.cacheMemoryMiB;
  const cacheItems = options.cacheItems ?? DEFAULT_SHARP_TUNING.cacheItems;
  const concurrency = options.concurrency ?? DEFAULT_SHARP_TUNING.concurrency;
  if (cacheMemoryMiB === 0 || cacheItems === 0) sharp.cache(false);
  else sharp.cache({ memory: cacheMemoryMiB, items: cacheItems, files: 0 });
  sharp.concurrency(concurrency);
}
