/**
 * One run of the tool: the command line and the environment in, an exit status out; progress on stderr,
 * findings (verify) or the `--json` summary on stdout. A first interrupt stops taking new originals and
 * lets running invocations finish (the summary says where to resume); a second aborts them.
 *
 * @module
 */
import { setMaxListeners } from 'node:events';
import { S3Client } from '@aws-sdk/client-s3';
import { type Environment, presetVariants } from '@preview-lambda/contract';
import { PreviewInvoker } from '@preview-lambda/invoker';
import { type CommandLine, parseCommandLine } from './args.js';
import { backfill, type CommandContext, purge, verify } from './commands.js';
import { resolveTarget, type Target } from './config.js';
import { PreviewsToolError, CommandLineError } from './errors.js';
import { countObjects } from './listing.js';
import { PreviewMaker } from './maker.js';
import { Progress } from './progress.js';
import { Tally } from './tally.js';

/** Where a run writes, and how it learns it is interrupted. */
export interface RunIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Registers the interrupt handler (SIGINT, SIGTERM); returns a function that removes it. */
  readonly onInterrupt: (handler: () => void) => () => void;
}

/** Exit statuses. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** The counts each command shows on its progress line. */
const SHOWN: Record<CommandLine['command'], readonly string[]> = {
  backfill: ['generated', 'complete', 'unusable', 'failed', 'retries'],
  purge: ['deleted', 'failed'],
  verify: ['missing', 'stale', 'orphan', 'generated', 'deleted', 'unusable', 'failed'],
};

/** Runs the tool; never throws. */
export async function runCli(argv: readonly string[], env: Environment, io: RunIo): Promise<number> {
  let line: CommandLine;
  let target: Target;
  try {
    line = parseCommandLine(argv);
    target = resolveTarget(line, env);
  } catch (error) {
    if (error instanceof CommandLineError && error.message.startsWith('usage:')) {
      io.stdout.write(error.message);
      return EXIT.ok;
    }
    io.stderr.write(`preview-lambda-previews: ${(error as Error).message}\n`);
    if (error instanceof CommandLineError) io.stderr.write('Try --help.\n');
    return EXIT.usage;
  }
  const selection = select(line, target);
  if (typeof selection === 'string') {
    io.stderr.write(`preview-lambda-previews: ${selection}\n`);
    return EXIT.usage;
  }

  const s3 = new S3Client({ ...target.s3, maxAttempts: 5 });
  const invoker = new PreviewInvoker({ functionName: target.functionName, clientConfig: { ...target.lambda, maxAttempts: 3 } });
  const tally = new Tally();
  const progress = new Progress({
    label: line.command,
    stream: io.stderr,
    tty: io.stderr.isTTY === true,
    intervalMs: line.progressIntervalMs,
    unit: line.command === 'purge' ? 'previews' : 'originals',
    shown: SHOWN[line.command],
    tally,
  });
  const aborter = new AbortController();
  // Every running invocation listens to it (concurrency × retries): not a leak.
  setMaxListeners(0, aborter.signal);
  let interrupts = 0;
  let fatal: Error | undefined;
  const removeInterrupt = io.onInterrupt(() => {
    interrupts += 1;
    if (interrupts === 1) io.stderr.write(`\n${line.command}: interrupted: finishing the running invocations (Ctrl-C again aborts them)\n`);
    else aborter.abort(new Error('interrupted twice'));
  });
  const started = Date.now();
  const context: CommandContext = {
    s3,
    bucket: target.bucket,
    destinationBucket: target.destinationBucket,
    layout: target.layout,
    presets: selection.presets,
    subPrefix: selection.subPrefix,
    startAfter: line.startAfter,
    concurrency: line.concurrency,
    dryRun: line.dryRun,
    tally,
    progress,
    maker: new PreviewMaker({ invoker, layout: target.layout, bucket: target.bucket, destinationBucket: target.destinationBucket, retries: line.retries, retryDelayMs: 500, tally }),
    stopped: () => interrupts > 0 || fatal !== undefined,
    signal: aborter.signal,
    report: (text) => {
      if (!line.json) io.stdout.write(`${text}\n`);
    },
  };

  io.stderr.write(
    `${line.command}: s3://${target.bucket}/${target.layout.sourcePrefix}/${selection.subPrefix} → s3://${target.destinationBucket}/${target.layout.previewRoot}/{${selection.presets.join(',')}}/, ` +
      `function ${target.functionName} (${target.describedBy})${line.dryRun ? ', dry run' : ''}\n`,
  );
  let resumeAfter: string | undefined;
  try {
    const total =
      line.count && line.command !== 'purge'
        ? await countObjects(s3, target.bucket, `${target.layout.sourcePrefix}/${selection.subPrefix}`, line.startAfter, aborter.signal)
        : undefined;
    progress.start(total);
    const run = line.command === 'backfill' ? backfill(context) : line.command === 'purge' ? purge(context) : verify(context, line.fix);
    resumeAfter = (await run).resumeAfter;
  } catch (error) {
    fatal = error as Error;
  } finally {
    progress.stop();
    removeInterrupt();
    invoker.destroy();
    s3.destroy();
  }

  const interrupted = interrupts > 0;
  const complete = !interrupted && fatal === undefined;
  const summary = {
    command: line.command,
    bucket: target.bucket,
    destinationBucket: target.destinationBucket,
    prefix: `${target.layout.sourcePrefix}/${selection.subPrefix}`,
    presets: selection.presets,
    dryRun: line.dryRun,
    ...(line.command === 'verify' ? { fix: line.fix } : {}),
    durationMs: Date.now() - started,
    complete,
    interrupted,
    error: fatal === undefined ? null : describe(fatal),
    resumeAfter: complete ? null : (resumeAfter ?? line.startAfter ?? null),
    counts: tally.counts(),
    failures: tally.failures,
    unusable: tally.unusable,
    ...(line.command === 'verify' ? { findings: tally.findings } : {}),
  };
  if (line.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  io.stderr.write(`${progress.line()}\n`);
  for (const failure of tally.failures.slice(0, 20)) {
    io.stderr.write(`  failed ${failure.preset ?? ''} ${failure.key}: ${failure.code}: ${failure.message}\n`);
  }
  for (const original of tally.unusable.slice(0, 20)) io.stderr.write(`  unusable ${original.key}: ${original.code}: ${original.message}\n`);
  if (fatal !== undefined) io.stderr.write(`${line.command}: stopped: ${describe(fatal)}\n`);
  if (!complete) io.stderr.write(`${line.command}: resume with --start-after ${JSON.stringify(summary.resumeAfter ?? '')}\n`);
  if (interrupted) return EXIT.interrupted;
  if (fatal !== undefined || tally.get('failed') > 0) return EXIT.failed;
  if (line.command === 'verify' && !line.fix && tally.findings.length + tally.get('missing') + tally.get('orphan') + tally.get('stale') > 0) return EXIT.failed;
  return EXIT.ok;
}

function describe(error: Error): string {
  return error instanceof PreviewsToolError ? error.message : `${error.name}: ${error.message}`;
}

/**
 * The previews (variant segments: `small`, `small@avif`, …) and the path prefix the command line selects,
 * or what is wrong with them. A preset name selects its source-format preview and every format it lists;
 * a variant segment (`small@avif`) that one variant only.
 */
function select(line: CommandLine, target: Target): { presets: readonly string[]; subPrefix: string } | string {
  const variants = presetVariants(target.layout);
  const known = (name: string) => variants.some((variant) => variant.preset === name || variant.segment === name);
  const unknown = (line.presets ?? []).filter((name) => !known(name));
  if (unknown.length > 0) {
    return `--presets: unknown preset(s) ${unknown.join(', ')} (the layout has ${variants.map((variant) => variant.segment).join(', ')})`;
  }
  const chosen = line.presets;
  const presets = variants
    .filter((variant) => chosen === undefined || chosen.includes(variant.preset) || chosen.includes(variant.segment))
    .map((variant) => variant.segment);
  const root = `${target.layout.sourcePrefix}/`;
  const prefix = line.prefix ?? root;
  if (!`${prefix}/`.startsWith(root)) return `--prefix: expected a key prefix below ${root} but received ${JSON.stringify(prefix)}`;
  if (line.startAfter !== undefined && !line.startAfter.startsWith(root)) return `--start-after: expected an original's key (below ${root})`;
  return { presets, subPrefix: prefix.length > root.length ? prefix.slice(root.length) : '' };
}
