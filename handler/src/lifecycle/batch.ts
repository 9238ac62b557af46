/**
 * S3 Batch Operations (`LambdaInvoke`, invocation schemas 1.0 and 2.0): one task per object of a
 * manifest or S3 Inventory report, answered in Batch Operations' result format, per task:
 *
 * - `Succeeded`: done, or skipped because the object is not an original of the layout (an inventory of
 *   the whole bucket lists the previews too; failing them would trip the job's failure threshold);
 * - `PermanentFailure`: the original cannot be previewed (`NOT_AN_IMAGE`, …), the bucket is not allowed,
 *   the job's arguments are wrong, or S3 denied a delete: retrying cannot help;
 * - `TemporaryFailure`: throttling, S3 5xx, a deadline, a generation already in progress: Batch
 *   Operations runs the task again.
 *
 * The job's `userArguments` (schema 2.0 only): `action` = `generate` (the missing presets; the default),
 * `regenerate` (purge, then generate) or `purge`; `presets` = comma-separated names or `*` (default).
 *
 * @module
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { PreviewsNotDeletedError } from '../errors.js';
import type { BatchInvocation } from '../events/schemas.js';
import { selectPresets } from '../preset-selection.js';
import { invocationDeadline } from '../handler.js';
import type { OriginalPreviews, PresetOutcome } from './originals.js';

/** Batch Operations' result codes. */
export type BatchResultCode = 'Succeeded' | 'TemporaryFailure' | 'PermanentFailure';

/** One task's result. */
export interface BatchTaskResult {
  readonly taskId: string;
  readonly resultCode: BatchResultCode;
  /** Shown in the job's completion report. */
  readonly resultString: string;
}

/** The answer Batch Operations expects, field for field (S3 User Guide, *Invoke AWS Lambda function*). */
export interface BatchResponse {
  /** Copied from the invocation. */
  readonly invocationSchemaVersion: '1.0' | '2.0';
  /** What Batch Operations records for a task the answer leaves out. */
  readonly treatMissingKeysAs: 'PermanentFailure';
  /** Copied from the invocation. */
  readonly invocationId: string;
  readonly results: readonly BatchTaskResult[];
}

/** What a Batch job asks the function to do with each original. */
export const BATCH_ACTIONS = ['generate', 'regenerate', 'purge'] as const;
/** One of {@link BATCH_ACTIONS}. */
export type BatchAction = (typeof BATCH_ACTIONS)[number];

/** The job's arguments, checked: what to do and to which presets. */
interface JobArguments {
  readonly action: BatchAction;
  readonly presets: readonly string[];
}

/** Longest `resultString` sent (the completion report keeps strings short). */
const MAX_RESULT_STRING = 1000;

/** Options of {@link handleBatch}. */
export interface BatchOptions {
  readonly originals: OriginalPreviews;
  readonly logger: Logger;
  /** Every configured preset name, in catalogue order. */
  readonly presets: readonly string[];
}

/** The job's `userArguments`, or what is wrong with them. */
function jobArguments(invocation: BatchInvocation, presets: readonly string[]): JobArguments | string {
  const given = invocation.invocationSchemaVersion === '2.0' ? (invocation.job.userArguments ?? {}) : {};
  const unknown = Object.keys(given).filter((name) => name !== 'action' && name !== 'presets');
  if (unknown.length > 0) return `Unknown user argument(s) ${unknown.map((n) => JSON.stringify(n)).join(', ')} (known: action, presets)`;
  const action = given.action?.trim() || 'generate';
  if (!(BATCH_ACTIONS as readonly string[]).includes(action)) {
    return `Expected action ${BATCH_ACTIONS.join(', ')} but received ${JSON.stringify(action)}`;
  }
  const selection = selectPresets(given.presets ?? '*', presets);
  if (selection.unknown.length > 0) {
    return `Expected presets among ${presets.join(', ')} but received ${selection.unknown.map((n) => JSON.stringify(n)).join(', ')}`;
  }
  // No name at all (`presets: ""`) means every preset, like no `presets` argument.
  return { action: action as BatchAction, presets: selection.names.length === 0 ? presets : selection.presets };
}

/** The bucket of a task: schema 2.0 names it; 1.0 gives its ARN (`arn:aws:s3:::name`). */
function taskBucket(task: BatchInvocation['tasks'][number]): string {
  return 's3Bucket' in task ? task.s3Bucket : task.s3BucketArn.slice(task.s3BucketArn.lastIndexOf(':') + 1);
}

function result(taskId: string, resultCode: BatchResultCode, text: string): BatchTaskResult {
  const resultString = text.length > MAX_RESULT_STRING ? `${text.slice(0, MAX_RESULT_STRING - 1)}…` : text;
  return { taskId, resultCode, resultString };
}

/** Runs every task of a Batch Operations invocation and answers in its result format. */
export async function handleBatch(invocation: BatchInvocation, context: Context, options: BatchOptions): Promise<BatchResponse> {
  const { originals, logger } = options;
  const job = jobArguments(invocation, options.presets);
  const results: BatchTaskResult[] = [];
  for (const task of invocation.tasks) {
    const bucket = taskBucket(task);
    const answer = typeof job === 'string' ? result(task.taskId, 'PermanentFailure', job) : await runTask(task.taskId, bucket, task.s3Key, job);
    results.push(answer);
    logger[answer.resultCode === 'Succeeded' ? 'info' : 'warn']('batch', {
      job_id: invocation.job.id,
      task_id: task.taskId,
      bucket,
      key: task.s3Key,
      action: typeof job === 'string' ? undefined : job.action,
      result_code: answer.resultCode,
      result: answer.resultString,
    });
  }
  return {
    invocationSchemaVersion: invocation.invocationSchemaVersion,
    treatMissingKeysAs: 'PermanentFailure',
    invocationId: invocation.invocationId,
    results,
  };

  async function runTask(taskId: string, bucket: string, key: string, job: JobArguments): Promise<BatchTaskResult> {
    const original = originals.locate(bucket, key);
    if ('reason' in original) {
      return original.reason === 'bucket-not-allowed'
        ? result(taskId, 'PermanentFailure', `BUCKET_NOT_ALLOWED: ${original.message}`)
        : result(taskId, 'Succeeded', `Skipped: ${original.message}`);
    }
    try {
      if (job.action === 'purge') {
        const purged = await originals.purge(original, invocationDeadline(context));
        return result(taskId, 'Succeeded', `Purged ${purged} preview key(s)`);
      }
      const destination = originals.destinationFor(bucket);
      if (destination === undefined) {
        return result(taskId, 'PermanentFailure', `No destination bucket for originals of ${bucket}: DESTINATION_BUCKETS lists several and not ${bucket}`);
      }
      if (job.action === 'regenerate') await originals.purge(original, invocationDeadline(context));
      const outcomes = await originals.generate(original, job.presets, destination, context, { skipExisting: job.action === 'generate' });
      const failed = outcomes.find((outcome): outcome is Extract<PresetOutcome, { outcome: 'failed' }> => outcome.outcome === 'failed');
      if (failed !== undefined) return result(taskId, 'PermanentFailure', `${failed.code}: ${failed.message}`);
      const by = (kind: string) => outcomes.filter((outcome) => outcome.outcome === kind).map((outcome) => outcome.preset);
      const parts = [['Generated', by('generated')], ['existing', by('existing')], ['deferred', by('deferred')]] as const;
      const summary = parts.filter(([, names]) => names.length > 0).map(([what, names]) => `${what} ${names.join(',')}`).join('; ') || 'Nothing to do';
      if (by('deferred').length === 0) return result(taskId, 'Succeeded', summary);
      // Out of time: a generate task is retried and skips what exists, so each run gets further; a retried
      // regenerate would purge again, so it stops here and the first request makes the rest.
      return job.action === 'generate'
        ? result(taskId, 'TemporaryFailure', `${summary}: too little time left in this invocation`)
        : result(taskId, 'Succeeded', `${summary} (made on the first request)`);
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      const permanent = error instanceof PreviewsNotDeletedError && error.permanent;
      return result(taskId, permanent ? 'PermanentFailure' : 'TemporaryFailure', `${name}: ${message}`);
    }
  }
}
