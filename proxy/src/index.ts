/**
 * The nginx-side preview proxy: `GET`/`HEAD /<root>/<preset>/<path>` invokes the preview Lambda and
 * answers with the preview, a stored preview streamed from S3, or a placeholder image.
 *
 * Run it with `npm run proxy` (`main.ts`); embed it with {@link createProxyServer}.
 *
 * @module
 */
export { abortable } from './abort.js';
export {
  LOG_LEVELS,
  type LogLevel,
  loadProxyConfig,
  type ParseProxyConfigOptions,
  parseProxyConfig,
  PROXY_DEFAULTS,
  type ProxyConfig,
  type ProxyEnvironment,
  proxyEnvironmentSchema,
} from './config.js';
export {
  ClientClosedError,
  ConfigError,
  ProxyError,
  type ProxyErrorCode,
  type ProxyErrorOptions,
  RequestTimeoutError,
  StorageError,
  StoredPreviewMissingError,
} from './errors.js';
export {
  BUILT_IN_ERROR_IMAGE,
  BUILT_IN_NOT_FOUND_IMAGE,
  md5Etag,
  type PlaceholderContentType,
  type PlaceholderImage,
  placeholderFromBytes,
  sniffPlaceholderType,
} from './images.js';
export { createProxyLogger, type ProxyLogger, type ProxyLoggerOptions, SERVICE_NAME } from './logger.js';
export {
  answerForError,
  answerForFailure,
  type AnswerImage,
  type AnswerLevel,
  CLIENT_CLOSED_STATUS,
  FAILED_RESULT_ANSWERS,
  type FailureAnswer,
  type Outcome,
  overloaded,
  RETRY_AFTER_SECONDS,
  shuttingDown,
} from './outcome.js';
export {
  isPresetName,
  MAX_PRESET_WIDTH,
  PRESET_NAME,
  parsePresetList,
  parsePresetObject,
  type PresetsResult,
  type PresetTable,
} from './presets.js';
export { REQUEST_ID_HEADER, resolveRequestId, SANE_REQUEST_ID } from './request-id.js';
export {
  ALLOWED_METHODS,
  HEALTH_PATH,
  MAX_KEY_BYTES,
  MAX_TARGET_LENGTH,
  type PreviewRoute,
  type Route,
  type RouteOptions,
  routePreview,
  routeRequest,
} from './route.js';
export {
  type PreviewObjectReader,
  type ReadOptions,
  S3PreviewReader,
  type S3PreviewReaderOptions,
  type StoredPreviewInfo,
  type StoredPreviewStream,
} from './s3.js';
export {
  CLOSE_GRACE_MS,
  type CloseResult,
  createProxyServer,
  type ListeningAddress,
  type PreviewInvokerLike,
  type ProxyServer,
  type ProxyServerDeps,
} from './server.js';
