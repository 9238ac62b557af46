/**
 * The JSON contract of the preview Lambda, byte-compatible with the Go function it replaces.
 *
 * - {@link ResizeRequest} / {@link ResizeResponse}: zod schemas and their types (Go's JSON field names).
 * - {@link parseResizeRequest} / {@link parseResizeResponse}: validation that reports every problem.
 * - {@link previewKey}: the destination key, derived safely.
 * - {@link PreviewLayout}: the function's bucket layout (originals prefix, preview root, presets), the
 *   preset grammar ({@link parsePresetList}) and the checks every request must pass
 *   ({@link checkRequestLayout}).
 * - {@link OUTPUT_FORMATS}: the variants a preset may offer (`small@avif`), and {@link chooseFormat}, the
 *   one rule by which nginx and the proxy pick a variant from the `Accept` header.
 * - {@link successResponse}, {@link failureResponse}, {@link serializeResponse}: responses in Go's field
 *   order.
 * - {@link jsonSchemas}: the JSON Schema documents committed in `contract/schema/`.
 *
 * Pure: depends on zod only, no I/O, no environment.
 *
 * @module
 */
export { raceAbort } from './abort.js';
export { DEFAULT_PREVIEW_CACHE_CONTROL } from './cache.js';
export {
  DEFAULT_INVOKE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  FUNCTION_RESERVE_MS,
  FUNCTION_TIMEOUT_SECONDS,
  invokeTimeoutFor,
  nginxReadTimeoutFor,
  requestTimeoutFor,
} from './deadlines.js';
export {
  type Environment,
  type EnvironmentResult,
  envBoolean,
  envChoice,
  envInteger,
  envList,
  environmentInput,
  envUrl,
  formatEnvironmentIssues,
  parseEnvironment,
} from './environment.js';
export {
  CodedError,
  ContractError,
  ResizeRequestError,
  ResizeResponseError,
} from './errors.js';
export {
  DEFAULT_FORMAT_ORDER,
  isOutputFormat,
  OUTPUT_FORMAT_TYPES,
  OUTPUT_FORMATS,
  type OutputFormat,
  parseVariantSegment,
  VARIANT_SEPARATOR,
  type VariantSegment,
  variantSegment,
} from './formats.js';
export { describeReceived, type FormatIssuesOptions, formatIssues } from './issues.js';
export { acceptPattern, acceptsFormat, chooseFormat } from './negotiation.js';
export { BUCKET_NAME, DELETE_OBJECTS_MAX_KEYS, MAX_KEY_BYTES } from './rules.js';
export {
  checkRequestLayout,
  isPreviewRoot,
  isSourcePrefix,
  LAYOUT_SEGMENT,
  LAYOUT_SEGMENT_CHARACTERS,
  type LayoutRefusal,
  type LayoutRefusalCode,
  layoutOverlap,
  layoutRequest,
  originalKey,
  type PreviewLayout,
  type PreviewLocation,
  type PreviewTarget,
  type PresetVariant,
  presetVariants,
  previewLocations,
} from './layout.js';
export {
  formatPresetList,
  isPresetName,
  MAX_PRESET_WIDTH,
  PRESET_NAME,
  type Preset,
  type PresetCatalogue,
  type PresetsResult,
  parsePresetList,
  parsePresetObject,
} from './presets.js';
export { utf8ByteLength } from './utf8.js';
export {
  DECODED_TYPES,
  IMAGE_TYPES,
  type ImageType,
  isoBrands,
  SOURCE_TYPES,
  type SourceType,
  sniffImageType,
} from './sniff.js';
export {
  type LayoutVariables,
  layoutOf,
  layoutVariables,
  presetsGiven,
  type ReadTextFile,
} from './layout-environment.js';
export { type JsonSchemaDocument, type JsonSchemas, jsonSchemas } from './json-schema.js';
export { derivePreviewKey, type PreviewKeyInput, type PreviewKeyResult, previewKey } from './key.js';
export {
  type ParsedResizeRequest,
  parseResizeRequest,
  parseResizeRequestWithKey,
  parseResizeResponse,
} from './parse.js';
export {
  failureResponse,
  responseByteLength,
  type SuccessResponseInput,
  serializeResponse,
  successResponse,
} from './response.js';
export {
  LAMBDA_SYNC_RESPONSE_LIMIT_BYTES,
  PREVIEW_CONTENT_TYPES,
  type PreviewContentType,
  RESIZE_ERROR_CODE_DESCRIPTIONS,
  ResizeErrorCode,
  ResizeRequest,
  ResizeResponse,
} from './schemas.js';
