import {
  InvalidRequestError as ContractInvalidRequestError,
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
    if (error instanceof ContractInvalidRequestError) {
      throw new InvalidRequestError(error.issues, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new InvalidRequestError([`Unreadable request: ${message}`], { cause: error });
  }
}

/**
 * The identity of a validated request: its seven fields in a fixed order, so that two requests that
 * differ only in key order or unknown fields are the same.
 */
export function requestKey(request: ResizeRequest): string {
  return JSON.stringify([
    request.src_key,
    request.src_bucket,
    request.dst_bucket,
    request.root_folder,
    request.preset_name,
    request.rewrite_part,
    request.width,
  ]);
}

/** The invocation payload: the validated request as UTF-8 JSON. */
export function encodeRequest(request: ResizeRequest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(request));
}
