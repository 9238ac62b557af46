/**
 * The nginx-side preview proxy: `GET`/`HEAD /<root>/<preset>/<path>` invokes the preview Lambda and
 * answers with the preview, a stored preview streamed from S3, or a placeholder image.
 *
 * Run it with `npm run proxy` (`main.ts`); embed it with {@link createProxyServer}.
 *
 * @module
 */
export { parseProxyConfig, type ProxyConfig } from './config.js';
export { createProxyLogger } from './logger.js';
export { METRICS_PATH, ProxyMetrics, startMetricsServer } from './metrics.js';
export { S3PreviewReader } from './s3.js';
export { createProxyServer, type ProxyServer } from './server.js';
