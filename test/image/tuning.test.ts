import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SHARP_TUNING,
  RECOMMENDED_MALLOC_ARENA_MAX,
  tuneSharp,
} from '@preview-lambda/handler/image';

describe('Function: tuneSharp', () => {
  afterEach(() => {
    tuneSharp();
  });

  it('turns the libvips operation cache off and sets the default concurrency', () => {
    // Act
    tuneSharp();

    // Assess
    const cache = sharp.cache();
    expect(cache.memory.max).toBe(0);
    expect(cache.items.max).toBe(0);
    expect(sharp.concurrency()).toBe(DEFAULT_SHARP_TUNING.concurrency);
    expect(DEFAULT_SHARP_TUNING.concurrency).toBeGreaterThanOrEqual(1);
    expect(DEFAULT_SHARP_TUNING.concurrency).toBeLessThanOrEqual(4);
  });

  it('applies explicit options', () => {
    // Act
    tuneSharp({ cacheMemoryMiB: 8, cacheItems: 10, concurrency: 1 });

    // Assess
    const cache = sharp.cache();
    expect(cache.memory.max).toBe(8);
    expect(cache.items.max).toBe(10);
    expect(cache.files.max).toBe(0);
    expect(sharp.concurrency()).toBe(1);
  });

  it('recommends a small allocator arena count', () => {
    // Assess
    expect(RECOMMENDED_MALLOC_ARENA_MAX).toBe('2');
  });
});
