/**
 * Lambda quotas the local endpoint enforces, with the numbers the Lambda service uses.
 */

/**
 * Largest request and response payload of a synchronous (`RequestResponse`) invocation: 6 MB
 * (6,291,456 bytes). The endpoint applies the same limit to `Event` and `DryRun` requests.
 */
export const INVOKE_PAYLOAD_LIMIT_BYTES = 6_291_456;

/** How much of the end of an invocation's log `X-Amz-Log-Result` carries: 4 KB. */
export const LOG_TAIL_BYTES = 4_096;

/** The version every invocation reports: the endpoint serves the code as it is, unpublished. */
export const EXECUTED_VERSION = '$LATEST';

/** Region used in ARNs when none is configured (the emulators' region). */
export const DEFAULT_REGION = 'us-east-1';

/** Account ID used in ARNs when none is configured (what local AWS emulators use). */
export const DEFAULT_ACCOUNT_ID = '000000000000';
