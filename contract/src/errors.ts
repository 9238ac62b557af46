/**
 * The recipe of every package's root error (Powertools style): a stable machine-readable `code`, the
 * native `ErrorOptions` (`cause`) passed through, and, in each concrete class, a literal `name` (so a
 * minified bundle keeps it). `ContractError`, `PreviewError` (handler), `InvokerError` and `ProxyError`
 * extend it with their own code union.
 */
export abstract class CodedError<Code extends string> extends Error {
  /** Stable machine-readable code, e.g. `INVALID_REQUEST`. */
  public readonly code: Code;

  protected constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CodedError';
    this.code = code;
  }
}

/**
 * Root of every error raised by the contract package.
 *
 * Catch `ContractError` to handle any contract violation; check `code` (or `instanceof` a subclass) to
 * tell a bad request from a bad Lambda answer.
 */
export class ContractError extends CodedError<'INVALID_REQUEST' | 'INVALID_RESPONSE'> {
  public constructor(code: ContractError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'ContractError';
  }
}

/**
 * A resize request does not satisfy the contract.
 *
 * `issues` holds one human-readable line per problem, each naming the field, what was expected and what
 * was received, e.g. `Expected positive integer for width but received "1440" (string)`. The message is
 * the lines joined with `'; '`.
 */
export class ResizeRequestError extends ContractError {
  /** One line per problem, in the order they were found. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[], options?: ErrorOptions) {
    super('INVALID_REQUEST', issues.join('; '), options);
    this.name = 'ResizeRequestError';
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * A Lambda answer does not satisfy the response contract (raised by the invoker, not the handler).
 *
 * `issues` has the same one-line-per-problem shape as {@link ResizeRequestError.issues}.
 */
export class ResizeResponseError extends ContractError {
  /** One line per problem, in the order they were found. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[], options?: ErrorOptions) {
    super('INVALID_RESPONSE', issues.join('; '), options);
    this.name = 'ResizeResponseError';
    this.issues = Object.freeze([...issues]);
  }
}
