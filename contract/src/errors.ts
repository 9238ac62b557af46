/** Options shared by every {@link ContractError}. */
export interface ContractErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown;
}

/**
 * Root of every error raised by the contract package.
 *
 * Catch `ContractError` to handle any contract violation; check `code` (or `instanceof` a subclass) to
 * tell a bad request from a bad Lambda answer.
 */
export class ContractError extends Error {
  /** Stable machine-readable code, e.g. `INVALID_REQUEST`. */
  public readonly code: string;

  public constructor(code: string, message: string, options: ContractErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The resize request does not satisfy the contract.
 *
 * `issues` holds one human-readable line per problem, each naming the field, what was expected and what
 * was received, e.g. `Expected positive integer for width but received "1440" (string)`. The message is
 * the lines joined with `'; '`.
 */
export class InvalidRequestError extends ContractError {
  /** One line per problem, in the order they were found. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[], options?: ContractErrorOptions) {
    super('INVALID_REQUEST', issues.join('; '), options);
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * A Lambda answer does not satisfy the response contract (raised by the invoker, not the handler).
 *
 * `issues` has the same one-line-per-problem shape as {@link InvalidRequestError.issues}.
 */
export class InvalidResponseError extends ContractError {
  /** One line per problem, in the order they were found. */
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[], options?: ContractErrorOptions) {
    super('INVALID_RESPONSE', issues.join('; '), options);
    this.issues = Object.freeze([...issues]);
  }
}
