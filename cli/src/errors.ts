import { CodedError } from '@preview-lambda/contract';

/** Stable codes of the command-line tool's errors. */
export type PreviewsToolErrorCode = 'USAGE' | 'CONFIGURATION' | 'ABORTED_RUN';

/**
 * Root of every error the tool raises on purpose; its message is printed as is, and the tool exits 2
 * (`USAGE`, `CONFIGURATION`) or 1.
 */
export class PreviewsToolError extends CodedError<PreviewsToolErrorCode> {
  public constructor(code: PreviewsToolErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'PreviewsToolError';
  }
}

/** The command line is wrong: an unknown command or flag, a missing or bad value. */
export class CommandLineError extends PreviewsToolError {
  public constructor(message: string, options?: ErrorOptions) {
    super('USAGE', message, options);
    this.name = 'CommandLineError';
  }
}

/** The environment, the stack file or the layout cannot be used. */
export class TargetConfigurationError extends PreviewsToolError {
  public constructor(message: string, options?: ErrorOptions) {
    super('CONFIGURATION', message, options);
    this.name = 'TargetConfigurationError';
  }
}

/**
 * The run stopped before its end because a failure would repeat for every original (the function does
 * not exist, credentials are refused, S3 listing is denied).
 */
export class RunAbortedError extends PreviewsToolError {
  public constructor(message: string, options?: ErrorOptions) {
    super('ABORTED_RUN', message, options);
    this.name = 'RunAbortedError';
  }
}
