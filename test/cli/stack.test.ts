/**
 * `npm run previews` (the real command, as a child process) against the `npm start` stack (`startStack`:
 * emulators, the local Lambda endpoint with the real function) and its stack file, over a few hundred
 * tiny generated originals: backfill makes exactly the missing previews and is a no-op the second time,
 * verify finds a deleted original's orphans and --fix removes them, the --json counts match the bucket,
 * and Ctrl-C stops cleanly with a resume point.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '@preview-lambda/local/stack';
import { describeStack } from '@preview-lambda/local/stack-description';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ORIGINALS = 240;
// `small` has a WebP variant: the tool treats every variant as a preview of its own.
const CATALOGUE = 'small=320;webp,medium=720,large=1440';
const PRESETS = ['small', 'small@webp', 'medium', 'large'];
const N = PRESETS.length;

let stack: Stack;
let s3: S3Client;
let directory: string;
let stackFile: string;

/** What a run of the command printed and how it exited. */
interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(args: readonly string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, ['--conditions=@preview-lambda/source', '--import', 'tsx', 'cli/src/main.ts', ...args, '--stack', stackFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

async function previews(args: readonly string[]): Promise<Run & { summary: { counts: Record<string, number>; [key: string]: unknown } }> {
  const run = await start([...args, '--json']).done;
  return { ...run, summary: JSON.parse(run.stdout) as { counts: Record<string, number> } };
}

/** Every key of the bucket below `prefix`. */
async function keys(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: prefix, ContinuationToken: token }));
    found.push(...(page.Contents ?? []).map((object) => object.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return found.sort();
}

const path = (i: number): string => `bulk/${String(i).padStart(4, '0')}.jpg`;

beforeAll(async () => {
  stack = await startStack({ nginx: 'off', seed: false, presets: CATALOGUE, handlerEnv: { LOG_LEVEL: 'SILENT' } });
  s3 = new S3Client(stack.emulators.s3Config());
  directory = await mkdtemp(join(tmpdir(), 'previews-cli-'));
  stackFile = join(directory, 'stack.json');
  await writeFile(stackFile, JSON.stringify(describeStack(stack)));
  const tiny = await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 40, g: 90, b: 160 } } }).jpeg().toBuffer();
  for (let i = 0; i < ORIGINALS; i += 24) {
    await Promise.all(
      Array.from({ length: 24 }, (_, j) => s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: `photo/${path(i + j)}`, Body: tiny }))),
    );
  }
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

describe('npm run previews (against the npm start stack)', () => {
  it('backfill generates exactly the missing previews, and a second run does nothing', async () => {
    // Ten originals already have their small preview (as if a visitor had asked).
    for (let i = 0; i < 10; i++) {
      const body = JSON.stringify({ src_key: `photo/${path(i)}`, src_bucket: stack.bucket, dst_bucket: stack.bucket, root_folder: 'prew', preset_name: 'small', rewrite_part: 'photo', width: 320 });
      await fetch(`${stack.lambda.url}/2015-03-31/functions/${stack.functionName}/invocations`, { method: 'POST', body });
    }
    const resizesBefore = stack.counters.resizes();

    const first = await previews(['backfill', '--prefix', 'photo/bulk/', '--concurrency', '8']);
    expect(first.code).toBe(0);
    expect(first.summary).toMatchObject({ complete: true, interrupted: false, resumeAfter: null });
    expect(first.summary.counts).toEqual({ originals: ORIGINALS, existing: 10, generated: ORIGINALS * N - 10 });
    expect(stack.counters.resizes() - resizesBefore).toBe(ORIGINALS * N - 10);
    const all = Array.from({ length: ORIGINALS }, (_, i) => PRESETS.map((preset) => `prew/${preset}/${path(i)}`)).flat().sort();
    expect(await keys('prew/')).toEqual(all);
    expect(first.stderr).toMatch(/backfill: 240\/240 originals \(100%\), generated 950/);

    const invocations = stack.counters.invocations();
    const second = await previews(['backfill', '--prefix', 'photo/bulk/']);
    expect(second.code).toBe(0);
    expect(second.summary.counts).toEqual({ originals: ORIGINALS, existing: ORIGINALS * N, complete: ORIGINALS });
    expect(stack.counters.invocations()).toBe(invocations);
  });

  it('verify finds a deleted original’s orphans; --fix deletes them; the counts match the bucket', async () => {
    for (const i of [3, 77]) await s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: `photo/${path(i)}` }));
    await s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: `prew/medium/${path(5)}` }));

    const found = await previews(['verify', '--prefix', 'photo/bulk/']);
    expect(found.code).toBe(1);
    expect(found.summary.counts).toEqual({ originals: ORIGINALS - 2, complete: ORIGINALS - 3, orphan: 8, missing: 1 });
    expect(found.summary.findings).toEqual(
      expect.arrayContaining([
        { kind: 'orphan', preset: 'small', key: `prew/small/${path(3)}` },
        { kind: 'orphan', preset: 'small@webp', key: `prew/small@webp/${path(3)}` },
        { kind: 'orphan', preset: 'large', key: `prew/large/${path(77)}` },
        { kind: 'missing', preset: 'medium', key: `photo/${path(5)}` },
      ]),
    );

    const fixed = await previews(['verify', '--prefix', 'photo/bulk/', '--fix']);
    expect(fixed.code).toBe(0);
    expect(fixed.summary.counts).toMatchObject({ orphan: 8, missing: 1, deleted: 8, generated: 1 });
    const previewKeys = await keys('prew/');
    expect(previewKeys).toHaveLength((ORIGINALS - 2) * N);
    expect(previewKeys.filter((key) => key.endsWith(path(3)) || key.endsWith(path(77)))).toEqual([]);

    const clean = await previews(['verify', '--prefix', 'photo/bulk/']);
    expect([clean.code, clean.summary.counts]).toEqual([0, { originals: ORIGINALS - 2, complete: ORIGINALS - 2 }]);
  });

  it('purge deletes the previews below a prefix (dry run first), leaving the originals', async () => {
    const dry = await previews(['purge', '--prefix', 'photo/bulk/00', '--presets', 'large', '--dry-run']);
    expect(dry.summary.counts).toEqual({ previews: 98, wouldDelete: 98 });
    expect(await keys('prew/large/bulk/00')).toHaveLength(98);

    const purged = await previews(['purge', '--prefix', 'photo/bulk/00', '--presets', 'large']);
    expect([purged.code, purged.summary.counts]).toEqual([0, { previews: 98, deleted: 98 }]);
    expect(await keys('prew/large/bulk/00')).toEqual([]);
    expect(await keys('prew/small/bulk/00')).toHaveLength(98);
    expect(await keys('photo/bulk/00')).toHaveLength(98);

    // A preset name takes its variants along; a variant segment names that variant alone.
    const small = await previews(['purge', '--prefix', 'photo/bulk/01', '--presets', 'small']);
    expect([small.code, small.summary.counts]).toEqual([0, { previews: 200, deleted: 200 }]);
    expect([await keys('prew/small/bulk/01'), await keys('prew/small@webp/bulk/01')]).toEqual([[], []]);
    const webp = await previews(['purge', '--prefix', 'photo/bulk/02', '--presets', 'small@webp']);
    expect([webp.code, webp.summary.counts]).toEqual([0, { previews: 40, deleted: 40 }]);
    expect([(await keys('prew/small/bulk/02')).length, (await keys('prew/small@webp/bulk/02')).length]).toEqual([40, 0]);
  });

  it('stops on Ctrl-C with a summary and a resume point, and --start-after finishes the job', async () => {
    const running = start(['backfill', '--prefix', 'photo/bulk/', '--presets', 'large', '--concurrency', '2', '--json']);
    const invocations = stack.counters.invocations();
    while (stack.counters.invocations() < invocations + 10) await new Promise((resolve) => setTimeout(resolve, 10));
    running.child.kill('SIGINT');
    const stopped = await running.done;
    expect(stopped.code).toBe(130);
    const summary = JSON.parse(stopped.stdout) as { interrupted: boolean; complete: boolean; resumeAfter: string; counts: Record<string, number> };
    expect(summary).toMatchObject({ interrupted: true, complete: false });
    expect(summary.resumeAfter).toMatch(/^photo\/bulk\/\d{4}\.jpg$/);
    expect(summary.counts.generated).toBeGreaterThan(0);
    expect(summary.counts.generated).toBeLessThan(98);
    expect(stopped.stderr).toContain(`resume with --start-after "${summary.resumeAfter}"`);

    const resumed = await previews(['backfill', '--prefix', 'photo/bulk/', '--presets', 'large', '--start-after', summary.resumeAfter]);
    expect(resumed.code).toBe(0);
    expect(summary.counts.generated! + resumed.summary.counts.generated!).toBe(98);
    expect(await keys('prew/large/bulk/00')).toHaveLength(98);
  });
});
