/**
 * Optional AWS X-Ray tracing with Powertools Tracer: a `## index.handler` subsegment per invocation
 * (annotated `ColdStart`, `Service` and, for a permanent failure, `code`), the S3 and DynamoDB clients'
 * calls as subsegments, and a `### resize` subsegment around sharp.
 *
 * Off by default (`POWERTOOLS_TRACE_ENABLED`, template `Tracing`). The Tracer and the X-Ray SDK are loaded
 * only when it is on, with a dynamic `import()` that the bundle turns into a chunk of its own (a cold start
 * without tracing does not even parse them); loading them adds about 7 ms to the bundle's cold import
 * (README, "What it costs").
 * Outside Lambda, Powertools disables tracing itself, so the local tools and tests never trace.
 *
 * @module
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

/** Name of the per-invocation subsegment (Powertools names it `## ${_HANDLER}`; the template's handler). */
export const HANDLER_SUBSEGMENT = '## index.handler';

/** Name of the resize subsegment. */
export const RESIZE_SUBSEGMENT = '### resize';

/** What {@link loadTracer} reads from the function's configuration. */
export interface TracingConfig {
  /** `POWERTOOLS_TRACE_ENABLED`. */
  readonly tracing: boolean;
  /** The `Service` annotation (`POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;
}

/**
 * A Powertools Tracer when tracing is on and the function runs in Lambda, else `undefined` (nothing is
 * loaded). HTTP calls are not captured globally: the only ones the function makes are the SDK clients',
 * which {@link traceClients} captures as AWS calls.
 */
export async function loadTracer(config: TracingConfig): Promise<Tracer | undefined> {
  if (!config.tracing) return undefined;
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  const tracer = new Tracer({ serviceName: config.serviceName, captureHTTPsRequests: false });
  return tracer.isTracingEnabled() ? tracer : undefined;
}

/** Captures every call of the given AWS SDK v3 clients as X-Ray subsegments (Powertools `captureAWSv3Client`). */
export function traceClients(tracer: Tracer, clients: readonly object[]): void {
  for (const client of clients) tracer.captureAWSv3Client(client);
}

/**
 * Runs `step` in a subsegment `name` of the current segment (the error, if any, recorded on it), as
 * Powertools' manual instrumentation does. Without a current segment it just runs `step`.
 */
async function inSubsegment<T>(tracer: Tracer, name: string, step: () => Promise<T>): Promise<T> {
  const parent = tracer.getSegment();
  if (parent === undefined) return step();
  const subsegment = parent.addNewSubsegment(name);
  tracer.setSegment(subsegment);
  try {
    return await step();
  } catch (error) {
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(parent);
  }
}

/** `fn`, each call traced in a subsegment `name`. */
export function traced<A extends unknown[], R>(tracer: Tracer, name: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => inSubsegment(tracer, name, () => fn(...args));
}

/**
 * The handler, each invocation traced in {@link HANDLER_SUBSEGMENT} with Powertools' `ColdStart` and
 * `Service` annotations and, when it answers a Go response with a permanent failure, a `code` annotation
 * (searchable: `annotation.code = "SOURCE_NOT_FOUND"`). The response is not added as metadata: it holds
 * the image.
 */
export function traceHandler<Response>(
  tracer: Tracer,
  handler: (event: unknown, context: Context) => Promise<Response>,
): (event: unknown, context: Context) => Promise<Response> {
  return (event, context) =>
    inSubsegment(tracer, HANDLER_SUBSEGMENT, async () => {
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      const response = await handler(event, context);
      const code = failureCode(response);
      if (code !== undefined) tracer.putAnnotation('code', code);
      return response;
    });
}

/** The `code` of a failed Go response; `undefined` for a success or any other answer (events, Batch). */
function failureCode(response: unknown): string | undefined {
  if (typeof response !== 'object' || response === null || !('status' in response) || response.status !== false) {
    return undefined;
  }
  return 'code' in response && typeof response.code === 'string' ? response.code : undefined;
}
