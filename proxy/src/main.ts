/**
 * Entry point (`npm run proxy`): loads the configuration, builds the one invoker, the S3 client and the
 * Prometheus metrics (`/metrics` on PORT, or on METRICS_PORT), starts the server and shuts it down
 * gracefully on SIGTERM or SIGINT (a second signal cuts it short).
 *
 * Exit codes: 0 after a graceful shutdown, 1 when the configuration is invalid, the server cannot start,
 * or connections had to be cut.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { formatPresetList } from '@preview-lambda/contract';
import { PreviewInvoker } from '@preview-lambda/invoker';
import { loadProxyConfig } from './config.js';
import { ProxyConfigError } from './errors.js';
import { createProxyLogger } from './logger.js';
import { METRICS_PATH, type MetricsServer, ProxyMetrics, startMetricsServer } from './metrics.js';
import { S3PreviewReader } from './s3.js';
import { createProxyServer } from './server.js';

async function main(): Promise<number> {
  let config;
  try {
    config = loadProxyConfig();
  } catch (error) {
    if (error instanceof ProxyConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const logger = createProxyLogger({ level: config.logLevel });
  const metrics = new ProxyMetrics();
  // ONE invoker for the process: its single-flight makes identical concurrent requests share one
  // invocation. The SDK reads AWS_REGION, credentials and AWS_ENDPOINT_URL(_LAMBDA|_S3) itself.
  const invoker = new PreviewInvoker({
    functionName: config.functionName,
    timeoutMs: config.invokeTimeoutMs,
    observer: metrics.invokerObserver,
  });
  const s3 = new S3Client({ forcePathStyle: config.s3ForcePathStyle });
  const proxy = createProxyServer({ config, invoker, storage: new S3PreviewReader({ client: s3 }), logger, metrics });

  let address;
  let metricsServer: MetricsServer | undefined;
  try {
    address = await proxy.listen();
  } catch (error) {
    logger.fatal({ err: error, host: config.host, port: config.port }, 'could not listen');
    invoker.destroy();
    s3.destroy();
    return 1;
  }
  if (config.metrics.port !== undefined) {
    try {
      metricsServer = await startMetricsServer(metrics, config.metrics.host, config.metrics.port);
    } catch (error) {
      logger.fatal({ err: error, host: config.metrics.host, port: config.metrics.port }, 'could not listen for /metrics');
      await proxy.close();
      invoker.destroy();
      s3.destroy();
      return 1;
    }
  }
  logger.info(
    {
      url: address.url,
      metricsUrl: `${metricsServer?.url ?? address.url}${METRICS_PATH}`,
      functionName: config.functionName,
      sourceBucket: config.sourceBucket,
      destinationBucket: config.destinationBucket,
      sourcePrefix: config.layout.sourcePrefix,
      previewRoot: config.layout.previewRoot,
      presets: formatPresetList(config.layout.presets),
      endpoints: config.endpoints,
      maxInFlight: config.maxInFlight,
      maxCoalesced: config.maxCoalesced,
      invokeTimeoutMs: config.invokeTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    'listening',
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal, inFlight: proxy.inFlight }, 'shutting down: draining requests in flight');
  let cut = false;
  const again = (): void => {
    cut = true;
    logger.warn({ inFlight: proxy.inFlight }, 'second signal: cutting open connections');
    proxy.server.closeAllConnections();
  };
  process.once('SIGTERM', again);
  process.once('SIGINT', again);

  const { forced } = await proxy.close();
  // The metrics stay up until the drain is over, so that it can be watched.
  await metricsServer?.close();
  invoker.destroy();
  s3.destroy();
  if (forced || cut) {
    logger.warn({ forced, cut }, 'stopped: connections were cut before their requests finished');
    return 1;
  }
  logger.info('stopped');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
