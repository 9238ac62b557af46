import { CodedError } from '@preview-lambda/contract';

/** Stable machine-readable code of every {@link ProxyError}. */
export type ProxyErrorCode =
  | 'CONFIGURATION'
  | 'NGINX_CONFIGURATION'
  | 'REQUEST_TIMEOUT'
  | 'CLIENT_CLOSED'
  | 'STORED_PREVIEW_MISSING'
  | 'STORAGE_FAILED';

/**
 * Root of every error the proxy raises on purpose. Check `code` (or `instanceof` a subclass) to tell them
 * apart; errors of the invoker (`InvokerError`) are not wrapped.
 */
export class ProxyError extends CodedError<ProxyErrorCode> {
  public constructor(code: ProxyErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'ProxyError';
  }
}

/** The environment does not satisfy the configuration schema; names every bad variable. */
export class ProxyConfigError extends ProxyError {
  /** One line per problem, e.g. `PRESETS: Expected name=width pairs … but received "small=abc"`. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[]) {
    super('CONFIGURATION', `Invalid proxy environment:\n  ${issues.join('\n  ')}`);
    this.name = 'ProxyConfigError';
    this.issues = Object.freeze([...issues]);
  }
}

/** The options of the nginx renderer (`proxy/nginx/render.ts`) are not usable; names every bad option. */
export class NginxConfigError extends ProxyError {
  /** One line per problem, e.g. `Expected a TCP port from 1 to 65535 for listen.port but received 0 (number)`. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[]) {
    super('NGINX_CONFIGURATION', `Invalid nginx options: ${issues.join('; ')}`);
    this.name = 'NginxConfigError';
    this.issues = Object.freeze([...issues]);
  }
}

/** A request did not complete within `REQUEST_TIMEOUT_MS`; the reason its work was aborted. */
export class RequestTimeoutError extends ProxyError {
  /** The deadline, in milliseconds. */
  public readonly timeoutMs: number;

  public constructor(timeoutMs: number) {
    super('REQUEST_TIMEOUT', `The request did not complete within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The client closed the connection before the answer was sent; the reason its work was aborted. */
export class ClientClosedError extends ProxyError {
  public constructor() {
    super('CLIENT_CLOSED', 'The client closed the connection before the response was complete');
    this.name = 'ClientClosedError';
  }
}

/**
 * The function reported a stored preview (too large to inline) that the destination bucket does not have:
 * it was deleted in between, or the function and the proxy disagree on the bucket.
 */
export class StoredPreviewMissingError extends ProxyError {
  /** The bucket that was read. */
  public readonly bucket: string;
  /** The key that was read. */
  public readonly key: string;

  public constructor(bucket: string, key: string, options?: ErrorOptions) {
    super('STORED_PREVIEW_MISSING', `The stored preview s3://${bucket}/${key} does not exist`, options);
    this.name = 'StoredPreviewMissingError';
    this.bucket = bucket;
    this.key = key;
  }
}

/** Reading a stored preview from S3 failed (access denied, throttling after retries, network, 5xx). */
export class StorageError extends ProxyError {
  /** The bucket that was read. */
  public readonly bucket: string;
  /** The key that was read. */
  public readonly key: string;
  /** Name of the SDK error, e.g. `AccessDenied`. */
  public readonly errorName: string;
  /** HTTP status of the last attempt, when there was an answer. */
  public readonly httpStatusCode: number | undefined;

  public constructor(
    details: { bucket: string; key: string; errorName: string; httpStatusCode?: number | undefined },
    message: string,
    options?: ErrorOptions,
  ) {
    const status = details.httpStatusCode === undefined ? '' : ` (HTTP ${details.httpStatusCode})`;
    super(
      'STORAGE_FAILED',
      `Reading s3://${details.bucket}/${details.key} failed: ${details.errorName}${status}: ${message}`,
      options,
    );
    this.name = 'StorageError';
    this.bucket = details.bucket;
    this.key = details.key;
    this.errorName = details.errorName;
    this.httpStatusCode = details.httpStatusCode;
  }
}
