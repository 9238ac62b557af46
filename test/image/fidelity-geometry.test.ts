/**
 * Geometry fidelity: the exact height for every format and size (the Go original's rounding), and the
 * eight EXIF orientations. References are exact formulas.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { previewSize, resizeImage, tuneSharp } from '@preview-lambda/handler/image';
import { makeJpeg, makePng, makeWebp } from '@preview-lambda/fixtures/images';
import { pixelAt } from './support.js';

/** Go's `imaging.Resize(img, width, 0, …)` height: `int(float64(width)*float64(h)/float64(w) + 0.5)`, at least 1. */
const goHeight = (width: number, height: number, target: number) =>
  Math.max(1, Math.floor((target * height) / width + 0.5));

/** mulberry32, for a reproducible sweep. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(() => {
  tuneSharp();
});

describe('Function: resizeImage › exact height', () => {
  it('makes 2880x1413 at width 320 157 px high, as Go did (JPEG shrink-on-load gave 156)', async () => {
    // Prepare
    const jpeg = await makeJpeg({ width: 2880, height: 1413, content: 'flat' });

    // Act
    const preview = await resizeImage(jpeg, { width: 320 });

    // Assess
    expect([preview.width, preview.height]).toEqual([320, 157]);
    expect((await sharp(preview.data).metadata()).height).toBe(157);
  });

  it.each([
    ['JPEG', (width: number, height: number) => makeJpeg({ width, height, content: 'flat' })],
    ['PNG', (width: number, height: number) => makePng({ width, height, content: 'flat' })],
    ['WebP', (width: number, height: number) => makeWebp({ width, height, content: 'flat' })],
  ])('gives %s previews round(height x width / source width) over 40 sizes and widths', async (_format, make) => {
    // Prepare: sources 200-2400 px wide, all aspect ratios, widths with every shrink-on-load band.
    const random = prng(2880);
    const cases = Array.from({ length: 40 }, () => {
      const width = 200 + Math.floor(random() * 2200);
      const height = 100 + Math.floor(random() * 2200);
      const target = Math.max(1, Math.floor(width / (1.05 + random() * 30)));
      return { width, height, target };
    });

    // Act
    const sizes = [];
    for (const { width, height, target } of cases) {
      const preview = await resizeImage(await make(width, height), { width: target });
      sizes.push([preview.width, preview.height]);
    }

    // Assess
    expect(sizes).toEqual(cases.map(({ width, height, target }) => [target, goHeight(width, height, target)]));
  });

  it('computes the size in integers: halves go up, never below 1 px', () => {
    // Assess
    expect(previewSize({ width: 1000, height: 333 }, 320, true)).toEqual({ width: 320, height: 107 }); // 106.56
    expect(previewSize({ width: 400, height: 301 }, 200, true)).toEqual({ width: 200, height: 151 }); // 150.5
    expect(previewSize({ width: 10_000, height: 10 }, 100, true)).toEqual({ width: 100, height: 1 }); // 0.1
    expect(previewSize({ width: 300, height: 200 }, 1440, true)).toEqual({ width: 300, height: 200 });
    expect(previewSize({ width: 300, height: 200 }, 1440, false)).toEqual({ width: 1440, height: 960 });
  });
});

describe('Function: resizeImage › EXIF orientation sweep', () => {
  /** Stored corners: red top-left, green top-right, blue bottom-left, white bottom-right. */
  const CORNERS = { R: [255, 0, 0], G: [0, 255, 0], B: [0, 0, 255], W: [255, 255, 255] } as const;

  /**
   * Which stored corner each displayed corner (TL, TR, BL, BR) shows, from the EXIF 2.32 definition of
   * `Orientation` (1 = as stored, 2 = mirrored, 3 = 180°, 4 = flipped, 5 = transposed, 6 = 90° clockwise,
   * 7 = transversed, 8 = 90° anticlockwise).
   */
  const DISPLAYED: Record<number, readonly (keyof typeof CORNERS)[]> = {
    1: ['R', 'G', 'B', 'W'],
    2: ['G', 'R', 'W', 'B'],
    3: ['W', 'B', 'G', 'R'],
    4: ['B', 'W', 'R', 'G'],
    5: ['R', 'B', 'G', 'W'],
    6: ['B', 'R', 'W', 'G'],
    7: ['W', 'G', 'B', 'R'],
    8: ['G', 'W', 'R', 'B'],
  };

  let quadrants: Buffer;

  beforeAll(() => {
    quadrants = Buffer.alloc(400 * 300 * 3);
    for (let y = 0; y < 300; y++) {
      for (let x = 0; x < 400; x++) {
        const corner = y < 150 ? (x < 200 ? CORNERS.R : CORNERS.G) : x < 200 ? CORNERS.B : CORNERS.W;
        quadrants.set(corner, (y * 400 + x) * 3);
      }
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('displays orientation %i as the EXIF definition says', async (orientation) => {
    // Prepare: 400x300 stored pixels tagged with the orientation.
    const jpeg = await sharp(quadrants, { raw: { width: 400, height: 300, channels: 3 } })
      .withMetadata({ orientation })
      .jpeg({ quality: 95 })
      .toBuffer();

    // Act
    const preview = await resizeImage(jpeg, { width: 120 });

    // Assess
    const swapped = orientation >= 5;
    expect([preview.width, preview.height]).toEqual(swapped ? [120, 160] : [120, 90]);
    const [w, h] = [preview.width, preview.height];
    const seen = await Promise.all(
      [[10, 10], [w - 10, 10], [10, h - 10], [w - 10, h - 10]].map(([x, y]) => pixelAt(preview.data, x!, y!)),
    );
    seen.forEach((rgb, corner) => {
      const expected = CORNERS[DISPLAYED[orientation]![corner]!];
      rgb.forEach((value, i) => expect(Math.abs(value - expected[i]!)).toBeLessThanOrEqual(12));
    });
    expect((await sharp(preview.data).metadata()).orientation).toBeUndefined();
  });
});
