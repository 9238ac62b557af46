import {
  ResizeRequestError as ContractRequestError,
  parseResizeRequest,
  type ResizeRequest,
} from '@preview-lambda/contract';
import { InvalidRequestError } from './errors.js';

/**
 * Validates a request against the contract and returns it with unknown fields stripped.
 *
 * @throws {InvalidRequestError} listing every problem; `cause` is the contract's error.
 */
export function validateRequest(input: unknown): ResizeRequest {
  try {
    return parseResizeRequest(input);
  } catch (error) {
    if (error instanceof ContractRequestError) {
      throw new InvalidRequestError(error.issues, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new InvalidRequestError([`Unreadable request: ${message}`], { cause: error });
  }
}

/**
 * The invocation payload, which is also the request's identity for single-flight: the validated request
 * as JSON. The contract's parser returns the seven Go fields (and `format`, when given) in schema order
 * with unknown fields stripped, so two requests that differ only in key order or unknown fields give the
 * same string.
 */
export function requestPayload(request: ResizeRequest): string {
  return JSON.stringify(request);
}
