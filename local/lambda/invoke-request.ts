/**
 * The parameters of an Invoke request that travel in its path, query and headers: which function, which
 * qualifier, `X-Amz-Invocation-Type`, `X-Amz-Log-Type` and `X-Amz-Client-Context`.
 */
import type { IncomingMessage } from 'node:http';
import type { ClientContext } from 'aws-lambda';
import { InvalidParameterValueException } from './api-errors.js';
import { type FunctionReference, parseFunctionReference } from './function-name.js';
import { parseClientContext } from './request-body.js';

/** How the caller wants the function run (`X-Amz-Invocation-Type`). */
export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

/** Whether the caller wants the log tail (`X-Amz-Log-Type`). */
export type LogType = 'None' | 'Tail';

/** The parsed parameters of one Invoke request. */
export interface InvokeParameters {
  /** The function name (and qualifier) from the path. */
  readonly function: FunctionReference;
  /** `?Qualifier=`, else the qualifier in the path, else `undefined`. */
  readonly qualifier: string | undefined;
  /** Defaults to `RequestResponse`. */
  readonly invocationType: InvocationType;
  /** Defaults to `None`. */
  readonly logType: LogType;
  /** The decoded `X-Amz-Client-Context`, if sent. */
  readonly clientContext: ClientContext | undefined;
}

const INVOCATION_TYPES: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun'];
const LOG_TYPES: readonly LogType[] = ['None', 'Tail'];

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidParameterValueException(
    `1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: ` +
      `Member must satisfy enum value set: [${allowed.join(', ')}]`,
  );
}

/**
 * Reads the Invoke parameters of a request whose path matched the Invoke operation.
 *
 * @param encodedName - The `{FunctionName}` path segment, still URL-encoded.
 * @throws {InvalidParameterValueException} a malformed name or an unknown invocation or log type.
 * @throws {InvalidRequestContentException} a client context that is not base64 of a JSON object.
 */
export function parseInvokeParameters(request: IncomingMessage, url: URL, encodedName: string): InvokeParameters {
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    throw new InvalidParameterValueException(`The function name "${encodedName}" is not valid URL encoding`);
  }
  const reference = parseFunctionReference(name);
  return {
    function: reference,
    qualifier: url.searchParams.get('Qualifier') ?? reference.qualifier,
    invocationType: oneOf(
      'invocationType',
      header(request, 'x-amz-invocation-type') ?? 'RequestResponse',
      INVOCATION_TYPES,
    ),
    logType: oneOf('logType', header(request, 'x-amz-log-type') ?? 'None', LOG_TYPES),
    clientContext: parseClientContext(header(request, 'x-amz-client-context')),
  };
}
