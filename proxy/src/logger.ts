/**
 * The proxy's JSON logger (pino): one line per event, ISO `time`, level names, `service: preview-proxy`.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

/** Value of `service` in every line. */
export const SERVICE_NAME = 'preview-proxy';

/** Options of {@link createProxyLogger}. */
export interface ProxyLoggerOptions {
  /** Lowest level written. Default: `info`. */
  level?: LogLevel;
  /** Where lines go. Default: standard output. Tests pass a stream that collects them. */
  destination?: DestinationStream;
}

/** The logger type the proxy uses. */
export type ProxyLogger = Logger;

/** Creates the proxy's logger. */
export function createProxyLogger(options: ProxyLoggerOptions = {}): ProxyLogger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: SERVICE_NAME },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
