/**
 * Where the tool points: the bucket, the function, the layout and the AWS clients' settings, from the
 * command line, the environment (read here only, with the project's environment recipe) and, for the
 * local demo, the `.local/stack.json` that `npm start` writes.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import {
  BUCKET_NAME,
  type Environment,
  formatIssues,
  isPreviewRoot,
  isSourcePrefix,
  LAYOUT_SEGMENT_CHARACTERS,
  layoutOverlap,
  layoutVariables,
  parseEnvironment,
  parsePresetList,
  type PresetCatalogue,
  type PreviewLayout,
} from '@preview-lambda/contract';
import * as z from 'zod';
import { TargetConfigurationError } from './errors.js';

/** Everything a command needs to know about its target. */
export interface Target {
  /** Bucket of the originals. */
  readonly bucket: string;
  /** Bucket of the previews (default: `bucket`). */
  readonly destinationBucket: string;
  /** The preview function's name or ARN. */
  readonly functionName: string;
  /** The function's layout (prefix, root, presets). */
  readonly layout: PreviewLayout;
  /** S3 client settings (endpoint and credentials only for the local stack). */
  readonly s3: S3ClientConfig;
  /** Lambda client settings for the invoker. */
  readonly lambda: LambdaClientConfig;
  /** Where it came from, for the banner: `AWS` or the stack file's path. */
  readonly describedBy: string;
}

/** What the command line says about the target. */
export interface TargetFlags {
  readonly bucket?: string | undefined;
  readonly destinationBucket?: string | undefined;
  readonly functionName?: string | undefined;
  /** Path of a stack file written by `npm start`. */
  readonly stack?: string | undefined;
}

const environment = z.object({
  PREVIEW_FUNCTION_NAME: z.string().optional(),
  SOURCE_BUCKET: z.string().regex(BUCKET_NAME, 'Expected an S3 bucket name').optional(),
  DESTINATION_BUCKET: z.string().regex(BUCKET_NAME, 'Expected an S3 bucket name').optional(),
  ...layoutVariables((path) => readFileSync(path, 'utf8')),
});

const URL_TEXT = 'Expected a URL';
const NON_EMPTY = 'Expected a non-empty string';
const TEXT = 'Expected a string';

/** The part of `.local/stack.json` the tool reads (see `local/stack-description.ts`). */
const StackFile = z.object(
  {
    endpoints: z.object(
      { lambda: z.url({ error: URL_TEXT }), s3: z.url({ error: URL_TEXT }) },
      { error: 'Expected an object {"lambda", "s3"} of URLs' },
    ),
    bucket: z.string({ error: NON_EMPTY }).min(1, { error: NON_EMPTY }),
    functionName: z.string({ error: NON_EMPTY }).min(1, { error: NON_EMPTY }),
    previewRoot: z.string({ error: TEXT }),
    sourcePrefix: z.string({ error: TEXT }),
    presetList: z.string({ error: NON_EMPTY }).min(1, { error: NON_EMPTY }),
    credentials: z.object(
      { accessKeyId: z.string({ error: TEXT }), secretAccessKey: z.string({ error: TEXT }), region: z.string({ error: TEXT }) },
      { error: 'Expected an object {"accessKeyId", "secretAccessKey", "region"}' },
    ),
  },
  { error: 'Expected a JSON object' },
);

/** The layout of `sourcePrefix`, `previewRoot` and `presets`, checked with the contract's rules. */
function layoutFrom(sourcePrefix: string, previewRoot: string, presets: PresetCatalogue, source: string): PreviewLayout {
  const problems = [
    isSourcePrefix(sourcePrefix) ? undefined : `the originals prefix ${JSON.stringify(sourcePrefix)} is not "/"-separated segments of ${LAYOUT_SEGMENT_CHARACTERS}`,
    isPreviewRoot(previewRoot) ? undefined : `the preview root ${JSON.stringify(previewRoot)} is not one segment of ${LAYOUT_SEGMENT_CHARACTERS}`,
    layoutOverlap(sourcePrefix, previewRoot),
  ].filter((problem) => problem !== undefined);
  if (problems.length > 0) throw new TargetConfigurationError(`${source}: ${problems.join('; ')}`);
  return Object.freeze({ sourcePrefix, previewRoot, presets });
}

/**
 * Resolves the target. With `flags.stack`, the stack file gives the endpoints, credentials, bucket,
 * function and layout (flags still win for buckets and function); otherwise AWS as the SDK finds it
 * (`AWS_REGION`, `AWS_PROFILE`, …), `--bucket`/`SOURCE_BUCKET`, `--function`/`PREVIEW_FUNCTION_NAME`
 * and the layout from `SOURCE_PREFIX`, `PREVIEW_ROOT`, `PRESETS` or `PRESETS_FILE` (the function's).
 *
 * @throws {TargetConfigurationError} naming what is missing or wrong.
 */
export function resolveTarget(flags: TargetFlags, env: Environment): Target {
  const parsed = parseEnvironment(environment, env);
  if (!parsed.ok) throw new TargetConfigurationError(`Invalid environment:\n  ${parsed.issues.join('\n  ')}`);
  const e = parsed.data;
  if (flags.stack !== undefined) {
    const unusable = `Cannot use the stack file ${flags.stack} (is \`npm start\` running?)`;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(flags.stack, 'utf8'));
    } catch (error) {
      throw new TargetConfigurationError(`${unusable}: ${(error as Error).message}`, { cause: error });
    }
    const parsedStack = StackFile.safeParse(json, { reportInput: true });
    if (!parsedStack.success) {
      throw new TargetConfigurationError(`${unusable}: ${formatIssues(parsedStack.error.issues, { rootName: 'stack' }).join('; ')}`);
    }
    const stack = parsedStack.data;
    const presets = parsePresetList(stack.presetList);
    if (!presets.ok) throw new TargetConfigurationError(`${flags.stack}: presetList: ${presets.message}`);
    const credentials = { accessKeyId: stack.credentials.accessKeyId, secretAccessKey: stack.credentials.secretAccessKey };
    const bucket = flags.bucket ?? stack.bucket;
    return {
      bucket,
      destinationBucket: flags.destinationBucket ?? bucket,
      functionName: flags.functionName ?? stack.functionName,
      layout: layoutFrom(stack.sourcePrefix, stack.previewRoot, presets.presets, flags.stack),
      s3: { endpoint: stack.endpoints.s3, forcePathStyle: true, region: stack.credentials.region, credentials: { ...credentials } },
      lambda: { endpoint: stack.endpoints.lambda, region: stack.credentials.region, credentials: { ...credentials } },
      describedBy: flags.stack,
    };
  }
  const bucket = flags.bucket ?? e.SOURCE_BUCKET;
  const functionName = flags.functionName ?? e.PREVIEW_FUNCTION_NAME;
  const missing = [
    bucket === undefined ? '--bucket (or SOURCE_BUCKET)' : undefined,
    functionName === undefined ? '--function (or PREVIEW_FUNCTION_NAME)' : undefined,
    e.PRESETS === undefined && e.PRESETS_FILE === undefined ? 'PRESETS or PRESETS_FILE (the function’s preset catalogue)' : undefined,
  ].filter((item) => item !== undefined);
  if (missing.length > 0) throw new TargetConfigurationError(`Missing ${missing.join(', ')}; or use --stack .local/stack.json for the npm start stack`);
  const presets = e.PRESETS ?? e.PRESETS_FILE!;
  return {
    bucket: bucket!,
    destinationBucket: flags.destinationBucket ?? e.DESTINATION_BUCKET ?? bucket!,
    functionName: functionName!,
    layout: layoutFrom(e.SOURCE_PREFIX, e.PREVIEW_ROOT, presets, 'SOURCE_PREFIX, PREVIEW_ROOT'),
    s3: {},
    lambda: {},
    describedBy: 'AWS',
  };
}
