/**
 * The `{FunctionName}` of `POST /2015-03-31/functions/{FunctionName}/invocations`, in every form the
 * Invoke API accepts: `NAME`, `NAME:QUALIFIER`, `ACCOUNT:function:NAME[:QUALIFIER]` and
 * `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
 */
import { InvalidParameterValueException } from './api-errors.js';

/** Path of the Invoke operation; group 1 is the URL-encoded function name. */
export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/** A function reference split into its parts. */
export interface FunctionReference {
  /** The function's name, e.g. `PreviewFunction`. */
  readonly name: string;
  /** The version or alias after the name, if any. */
  readonly qualifier?: string;
}

const NAME = /^[a-zA-Z0-9_-]{1,140}$/;
const QUALIFIER = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;
const FULL_ARN = /^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:(.+)$/;
const PARTIAL_ARN = /^\d{12}:function:(.+)$/;

/**
 * Parses a decoded function name, ARN or partial ARN.
 *
 * @throws {InvalidParameterValueException} when it matches none of the accepted forms.
 */
export function parseFunctionReference(raw: string): FunctionReference {
  const rest = FULL_ARN.exec(raw)?.[1] ?? PARTIAL_ARN.exec(raw)?.[1] ?? raw;
  const [name = '', qualifier, ...extra] = rest.split(':');
  if (!NAME.test(name) || extra.length > 0 || (qualifier !== undefined && !QUALIFIER.test(qualifier))) {
    throw new InvalidParameterValueException(
      `1 validation error detected: Value '${raw}' at 'functionName' failed to satisfy constraint: ` +
        'Member must be a function name, a partial ARN or an ARN',
    );
  }
  return qualifier === undefined ? { name } : { name, qualifier };
}

/** Options for {@link functionArn}. */
export interface FunctionArnOptions {
  /** Region in the ARN. */
  region: string;
  /** Account ID in the ARN. */
  accountId: string;
  /** Version or alias appended as `:QUALIFIER`; omitted when undefined. */
  qualifier?: string;
}

/** The ARN of a function, as Lambda prints it in errors and `invokedFunctionArn`. */
export function functionArn(name: string, options: FunctionArnOptions): string {
  const arn = `arn:aws:lambda:${options.region}:${options.accountId}:function:${name}`;
  return options.qualifier === undefined ? arn : `${arn}:${options.qualifier}`;
}
