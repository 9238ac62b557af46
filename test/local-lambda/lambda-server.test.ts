import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LambdaFunctionDefinition,
  type LambdaServer,
  type LambdaServerOptions,
  startLambdaServer,
} from '@preview-lambda/local/lambda-server';
import { deferred, lambdaClient, payloadJson, payloadText, rejection, waitFor } from './support.js';

const LIMIT = 6_291_456;

const servers: LambdaServer[] = [];
const clients: LambdaClient[] = [];
const logs: string[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  logs.length = 0;
});

/** A server on a free port serving `PreviewFunction` with `definition`, and a client pointed at it. */
async function serve(
  definition: Partial<LambdaFunctionDefinition> & Pick<LambdaFunctionDefinition, 'handler'>,
  options: Partial<LambdaServerOptions> = {},
): Promise<{ server: LambdaServer; client: LambdaClient }> {
  const server = await startLambdaServer({
    functions: { PreviewFunction: { timeoutMs: 30_000, memoryMb: 1536, ...definition } },
    port: 0,
    log: (line) => logs.push(line),
    ...options,
  });
  servers.push(server);
  const client = lambdaClient(server.url);
  clients.push(client);
  return { server, client };
}

function invoke(client: LambdaClient, input: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {}) {
  return client.send(
    new InvokeCommand({ FunctionName: 'PreviewFunction', Payload: Buffer.from('{"name":"x"}'), ...input }),
  );
}

class IdempotencyAlreadyInProgressError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'IdempotencyAlreadyInProgressError';
  }
}

describe('Function: startLambdaServer', () => {
  it('answers 200 with the JSON of the return value and a Lambda-like context when invoked RequestResponse', async () => {
    let seen: Context | undefined;
    const { server, client } = await serve({
      timeoutMs: 5_000,
      memoryMb: 2048,
      handler: async (event, context) => {
        seen = context;
        return { echo: event, remaining: context.getRemainingTimeInMillis() };
      },
    });

    const output = await invoke(client);

    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBeUndefined();
    expect(output.ExecutedVersion).toBe('$LATEST');
    const body = payloadJson(output.Payload) as { echo: unknown; remaining: number };
    expect(body.echo).toEqual({ name: 'x' });
    expect(body.remaining).toBeGreaterThan(4_000);
    expect(body.remaining).toBeLessThanOrEqual(5_000);
    expect(seen?.awsRequestId).toBe(output.$metadata.requestId);
    expect(seen).toMatchObject({ functionName: 'PreviewFunction', functionVersion: '$LATEST', memoryLimitInMB: '2048' });
    expect(server.invocations).toBe(1);
    expect(logs).toEqual([expect.stringMatching(/^\[PreviewFunction\] RequestResponse \S+ \d+ ms ok$/)]);
  });

  it('answers null when the handler returns undefined, and {} is the event when the payload is empty', async () => {
    let event: unknown;
    const { client } = await serve({
      handler: (received) => {
        event = received;
      },
    });

    const output = await invoke(client, { Payload: undefined });

    expect(payloadText(output.Payload)).toBe('null');
    expect(event).toEqual({});
  });

  it.each([
    ['an Event invocation', { InvocationType: 'Event' as const }, 'Invocation type Event'],
    ['a DryRun invocation', { InvocationType: 'DryRun' as const }, 'Invocation type DryRun'],
    ['a log tail', { LogType: 'Tail' as const }, 'LogType Tail'],
    ['a qualifier', { Qualifier: 'live' }, 'A qualifier'],
  ])('refuses %s, which it does not emulate, with a 400 saying so', async (_what, input, what) => {
    const { server, client } = await serve({ handler: () => 'never' });

    const error = await rejection(invoke(client, input));

    expect(error).toMatchObject({
      name: 'InvalidParameterValueException',
      message: `${what} is not emulated by the local Lambda endpoint`,
      $metadata: { httpStatusCode: 400 },
    });
    expect(server.invocations).toBe(0);
  });

  it('answers a function error with errorType, errorMessage and trace when the handler throws', async () => {
    const { client } = await serve({
      handler: async () => {
        throw new IdempotencyAlreadyInProgressError('There is already an execution in progress');
      },
    });

    const output = await invoke(client);

    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    const body = payloadJson(output.Payload) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(body.errorType).toBe('IdempotencyAlreadyInProgressError');
    expect(body.errorMessage).toBe('There is already an execution in progress');
    expect(body.trace).toEqual(
      expect.arrayContaining([
        'IdempotencyAlreadyInProgressError: There is already an execution in progress',
        expect.stringMatching(/^\s+at /),
      ]),
    );
  });

  it('reports a thrown non-error by its type, and a synchronous throw like an async one', async () => {
    const { client } = await serve({
      handler: (event) => {
        if ((event as { kind?: string }).kind === 'string') throw 'plain string';
        throw new RangeError('sync');
      },
    });

    const plain = await invoke(client, { Payload: Buffer.from('{"kind":"string"}') });
    const sync = await invoke(client);

    expect(plain.FunctionError).toBe('Unhandled');
    expect(payloadJson(plain.Payload)).toEqual({ errorType: 'string', errorMessage: 'plain string', trace: [] });
    expect(payloadJson(sync.Payload)).toMatchObject({ errorType: 'RangeError', errorMessage: 'sync' });
  });

  it('answers Sandbox.Timedout at the deadline when the handler has not settled', async () => {
    const { client } = await serve({ timeoutMs: 300, handler: () => new Promise(() => undefined) });

    const started = performance.now();
    const output = await invoke(client);
    const elapsed = performance.now() - started;

    expect(output.FunctionError).toBe('Unhandled');
    expect(payloadJson(output.Payload)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${output.$metadata.requestId} Error: Task timed out after 0.30 seconds`,
    });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('answers Function.ResponseSizeTooLarge when the response is over 6,291,456 bytes, and accepts one at the limit', async () => {
    // A JSON string of n characters is n + 2 bytes.
    const { client } = await serve({ handler: (event) => 'x'.repeat((event as { bytes: number }).bytes - 2) });

    const atLimit = await invoke(client, { Payload: Buffer.from(JSON.stringify({ bytes: LIMIT })) });
    const over = await invoke(client, { Payload: Buffer.from(JSON.stringify({ bytes: LIMIT + 1 })) });

    expect(atLimit.FunctionError).toBeUndefined();
    expect(atLimit.Payload?.byteLength).toBe(LIMIT);
    expect(over.StatusCode).toBe(200);
    expect(over.FunctionError).toBe('Unhandled');
    expect(payloadJson(over.Payload)).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size (${LIMIT + 1} bytes) exceeded maximum allowed payload size (${LIMIT} bytes).`,
    });
  });

  it('rejects with ResourceNotFoundException (404) when the function is unknown', async () => {
    const { server, client } = await serve({ handler: () => 'never' });

    const error = await rejection(invoke(client, { FunctionName: 'OtherFunction' }));

    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Function not found: OtherFunction',
      $metadata: { httpStatusCode: 404 },
    });
    expect(server.invocations).toBe(0);
  });

  it('rejects with TooManyRequestsException (429) beyond maxConcurrency in-flight invocations', async () => {
    const release = deferred();
    const { server, client } = await serve({ handler: () => release.promise.then(() => 'done') }, { maxConcurrency: 2 });

    const running = [invoke(client), invoke(client)];
    await waitFor(() => server.invocations === 2);
    const throttled = await rejection(invoke(client));
    release.resolve();
    const [first] = await Promise.all(running);

    expect(throttled).toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      Type: 'User',
      message: 'Rate Exceeded.',
      $metadata: { httpStatusCode: 429 },
    });
    expect(payloadJson(first?.Payload)).toBe('done');
    expect((await invoke(client)).StatusCode).toBe(200);
    expect(server.invocations).toBe(3);
  });

  it('rejects with InvalidRequestContentException (400) when the payload is not JSON', async () => {
    const { server, client } = await serve({ handler: () => 'never' });

    const error = await rejection(invoke(client, { Payload: Buffer.from('{"src_key": ') }));

    expect(error).toMatchObject({
      name: 'InvalidRequestContentException',
      Type: 'User',
      $metadata: { httpStatusCode: 400 },
    });
    expect((error as Error).message).toMatch(/^Could not parse request body into json: /);
    expect(server.invocations).toBe(0);
  });

  it('rejects with RequestTooLargeException (413) when the payload is over 6,291,456 bytes', async () => {
    const { server, client } = await serve({ handler: () => 'never' });
    const payload = Buffer.from(JSON.stringify('y'.repeat(LIMIT - 1)));

    const error = await rejection(invoke(client, { Payload: payload }));

    expect(payload.byteLength).toBe(LIMIT + 1);
    expect(error).toMatchObject({ name: 'RequestTooLargeException', $metadata: { httpStatusCode: 413 } });
    expect(server.invocations).toBe(0);
  });

  it('answers 404 UnknownOperationException to other paths and methods', async () => {
    const { server } = await serve({ handler: () => 'never' });

    const other = await fetch(`${server.url}/2015-03-31/functions`, { method: 'POST' });
    const get = await fetch(`${server.url}/2015-03-31/functions/PreviewFunction/invocations`);

    for (const answer of [other, get]) {
      expect(answer.status).toBe(404);
      expect(answer.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    }
    expect(server.invocations).toBe(0);
  });

  it('lets running invocations finish when stopped, then refuses connections', async () => {
    const release = deferred();
    const { server, client } = await serve({ handler: () => release.promise.then(() => 'finished') });
    servers.length = 0;

    const running = invoke(client);
    await waitFor(() => server.invocations === 1);
    let stopped = false;
    const stopping = server.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release.resolve();

    expect(payloadJson((await running).Payload)).toBe('finished');
    await stopping;
    await expect(fetch(`${server.url}/2015-03-31/functions/PreviewFunction/invocations`)).rejects.toThrow();
  });
});
