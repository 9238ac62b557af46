/**
 * The preview's format and its encoder settings.
 *
 * @module
 */
import type { Metadata, Sharp } from 'sharp';
import type { ImageType, SourceType } from '@preview-lambda/contract';

/**
 * The type of the preview of a `source`: its own type, except AVIF, which is not yet a preview format:
 * JPEG, or PNG when the source has an alpha channel (transparent areas stay transparent).
 */
export function previewType(source: SourceType, header: Pick<Metadata, 'hasAlpha'>): ImageType {
  if (source === 'image/avif') return header.hasAlpha === true ? 'image/png' : 'image/jpeg';
  if (source === 'image/heic') throw new Error('HEIC has no preview type');
  return source;
}

/** Settings of {@link encode}. */
export interface EncodeOptions {
  /** JPEG quality, 1-100. */
  readonly jpegQuality: number;
  /** Whether the source is a palette (indexed-colour) image, e.g. a PNG of colour type 3 or a GIF. */
  readonly palette: boolean;
}

/**
 * Adds the encoder of `type` to `pipeline`.
 *
 * - JPEG: `jpegQuality`, otherwise mozjpeg's defaults as sharp sets them (4:2:0 below q90, optimised
 *   Huffman tables, baseline), as before;
 * - PNG: a palette source stays palette: quantised to at most 256 colours by libimagequant (sharp's
 *   `palette: true`), zlib level 9 (small images, so the extra effort is cheap). Resampling adds
 *   intermediate colours at edges; 256 keeps them (SSIM ≥ 0.999 on diagrams), where re-using the
 *   source's 16 would not. A true-colour source stays true-colour with sharp's defaults;
 * - WebP, GIF: sharp's defaults.
 */
export function encode(pipeline: Sharp, type: ImageType, options: EncodeOptions): Sharp {
  switch (type) {
    case 'image/jpeg':
      return pipeline.jpeg({ quality: options.jpegQuality });
    case 'image/png':
      return options.palette ? pipeline.png({ palette: true, compressionLevel: 9 }) : pipeline.png();
    case 'image/webp':
      return pipeline.webp();
    case 'image/gif':
      return pipeline.gif();
  }
}
