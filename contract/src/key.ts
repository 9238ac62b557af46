import { ResizeRequestError } from './errors.js';
import { variantSegment } from './formats.js';
import { describeReceived } from './issues.js';
import { EXPECTED, MAX_KEY_BYTES, SEGMENT_PATH, SINGLE_SEGMENT } from './rules.js';
import type { ResizeRequest } from './schemas.js';
import { utf8ByteLength } from './utf8.js';

/** The request fields the preview key is derived from. */
export type PreviewKeyInput = Pick<ResizeRequest, 'src_key' | 'rewrite_part' | 'root_folder' | 'preset_name' | 'format'>;

/**
 * Derives the destination key of a preview: `root_folder/preset_name/<src_key without its leading
 * "rewrite_part/">`, e.g. `photo/some/file.jpg` with `rewrite_part: "photo"`, `root_folder: "prew"`,
 * `preset_name: "small"` gives `prew/small/some/file.jpg`; with `format: "avif"` the variant's key
 * `prew/small@avif/some/file.jpg` (`variantSegment`).
 *
 * Unlike the Go Lambda, only the leading `rewrite_part/` is removed (`photo/photo/a.jpg` gives
 * `prew/small/photo/a.jpg`), it must match whole segments (`photography/a.jpg` does not start with
 * `photo/`), and a key that cannot be derived safely is rejected instead of being built from a temp path.
 *
 * @throws {ResizeRequestError} naming the field when `src_key` has an empty, `.` or `..` segment (which
 * covers a trailing `/` and an empty remainder), does not start with `rewrite_part + "/"`, when
 * `root_folder` or `preset_name` is not a single segment, or when the preview key would exceed 1024
 * UTF-8 bytes.
 */
export function previewKey(request: PreviewKeyInput): string {
  const result = derivePreviewKey(request);
  if (!result.ok) {
    throw new ResizeRequestError(result.issues);
  }
  return result.key;
}

/** Outcome of {@link derivePreviewKey}: the key, or the problems that prevent deriving it. */
export type PreviewKeyResult = { ok: true; key: string } | { ok: false; issues: string[] };

/**
 * Non-throwing form of {@link previewKey}: returns the key, or every problem found as an issue line.
 */
export function derivePreviewKey(request: PreviewKeyInput): PreviewKeyResult {
  const {
    src_key: sourceKey,
    rewrite_part: rewritePart,
    root_folder: rootFolder,
    preset_name: presetName,
    format,
  } = request;
  const issues: string[] = [];

  for (const [field, value] of [
    ['root_folder', rootFolder],
    ['preset_name', presetName],
  ] as const) {
    if (!SINGLE_SEGMENT.test(value)) {
      issues.push(issueLine(EXPECTED.singleSegment, field, value));
    }
  }

  // Empty, "." and ".." segments; an empty last one also catches a trailing "/" and an empty remainder.
  if (!SEGMENT_PATH.test(sourceKey)) {
    issues.push(issueLine(EXPECTED.keySegments, 'src_key', sourceKey));
  }

  const prefix = `${rewritePart}/`;
  if (!sourceKey.startsWith(prefix)) {
    issues.push(
      issueLine(
        `key starting with ${JSON.stringify(prefix)} (rewrite_part followed by "/")`,
        'src_key',
        sourceKey,
      ),
    );
  }

  if (issues.length > 0) {
    return { ok: false, issues };
  }

  const key = `${rootFolder}/${variantSegment(presetName, format)}/${sourceKey.slice(prefix.length)}`;
  const bytes = utf8ByteLength(key);
  if (bytes > MAX_KEY_BYTES) {
    const expected = `key giving a preview key of at most ${MAX_KEY_BYTES} UTF-8 bytes`;
    return {
      ok: false,
      issues: [`${issueLine(expected, 'src_key', sourceKey)}: the preview key would have ${bytes} bytes`],
    };
  }
  return { ok: true, key };
}

function issueLine(expected: string, field: string, received: unknown): string {
  return `Expected ${expected} for ${field} but received ${describeReceived(received)}`;
}
