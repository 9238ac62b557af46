// The validation rules shared by the request schema and the preview-key derivation, so that both report
// a problem with the same words.

/** S3's limit on the length of an object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * S3's limit on the keys of one DeleteObjects request (S3 API Reference, DeleteObjects: "up to 1,000
 * keys"): the function's purge and the previews tool's deletes send at most this many at once.
 */
export const DELETE_OBJECTS_MAX_KEYS = 1000;

/**
 * An S3 bucket name: 3 to 63 characters, lowercase letters, digits, dots and hyphens, starting and
 * ending with a letter or a digit.
 */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A string without C0 control characters (including NUL), DEL or C1 control characters. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;

/**
 * A well-formed UTF-16 string: no lone surrogate (valid JSON such as `"a\ud800"` decodes to one, but no
 * UTF-8 encoder, URI encoder or S3 key can represent it).
 */
export const WELL_FORMED = /^\P{Cs}*$/u;

/** One key segment: not empty, no `/`, and not `.` or `..`. */
export const SINGLE_SEGMENT = /^(?!\.{1,2}$)[^/]+$/;

/**
 * One or more {@link SINGLE_SEGMENT}s joined by `/`: no leading, trailing or doubled `/`, and no `.` or
 * `..` segment.
 */
export const SEGMENT_PATH = /^(?!\.{1,2}(?:\/|$))[^/]+(?:\/(?!\.{1,2}(?:\/|$))[^/]+)*$/;

/** What each rule expects, phrased to follow `Expected` in an issue line. */
export const EXPECTED = {
  nonEmptyString: 'non-empty string',
  bucketName:
    'S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit)',
  keyBytes: `string of at most ${MAX_KEY_BYTES} UTF-8 bytes`,
  noControlCharacters: 'string without control characters',
  wellFormed: 'well-formed Unicode string (no lone surrogate)',
  singleSegment: 'single key segment (no "/", not "." or "..")',
  segmentPath: '"/"-separated key segments (no leading, trailing or doubled "/", no "." or ".." segment)',
  keySegments: 'key without empty, "." or ".." segments',
  positiveInteger: 'positive integer',
  boolean: 'boolean',
  string: 'string',
  base64: 'base64 string',
} as const;
