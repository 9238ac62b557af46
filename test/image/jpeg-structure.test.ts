import { describe, expect, it } from 'vitest';
import { coversAllCoefficients, readJpegStructure } from '@preview-lambda/handler/image/jpeg-structure';
import { makeJpeg, randomBytes } from '@preview-lambda/fixtures/images';

describe('Function: readJpegStructure', () => {
  it('reads a baseline JPEG: one frame, one scan with every component, ending at EOI', async () => {
    // Prepare
    const jpeg = await makeJpeg({ width: 64, height: 48 });

    // Act
    const structure = readJpegStructure(jpeg);

    // Assess
    expect(structure).toMatchObject({ end: 'eoi', frame: { progressive: false, arithmetic: false } });
    expect(structure.frame?.components).toHaveLength(3);
    expect(structure.scans).toEqual([{ components: structure.frame?.components, ss: 0, se: 63, ah: 0, al: 0 }]);
    expect(coversAllCoefficients(structure)).toBe(true);
  });

  it('says where the bytes end: in the last scan without EOI, or inside a segment', async () => {
    // Prepare
    const jpeg = await makeJpeg({ width: 64, height: 48 });

    // Act & Assess
    expect(readJpegStructure(jpeg.subarray(0, -2)).end).toBe('in-scan');
    expect(readJpegStructure(jpeg.subarray(0, 30)).end).toBe('in-header');
    expect(readJpegStructure(randomBytes(64)).end).toBe('malformed');
  });

  it('tells a progressive JPEG whose scans cover every coefficient from one cut between scans', async () => {
    // Prepare
    const jpeg = await makeJpeg({ width: 64, height: 48, progressive: true });
    const structure = readJpegStructure(jpeg);

    // Assess
    expect(structure.frame?.progressive).toBe(true);
    expect(structure.scans.length).toBeGreaterThan(3);
    expect(coversAllCoefficients(structure)).toBe(true);
    expect(coversAllCoefficients({ ...structure, scans: structure.scans.slice(0, 3) })).toBe(false);
  });

  it('reads the Adobe colour transform of a CMYK JPEG', async () => {
    // Act
    const structure = readJpegStructure(await makeJpeg({ width: 32, height: 32, cmyk: true }));

    // Assess
    expect(structure.frame?.components).toHaveLength(4);
    expect(structure.adobeTransform).toBe(0);
  });
});
