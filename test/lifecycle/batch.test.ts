/**
 * S3 Batch Operations invocations (schemas 1.0 and 2.0) against the emulators with the real handler:
 * the result format exactly, and each result code for what earns it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, type Harness, lambdaContext, startHarness } from '../support/harness.js';
import { previewRequest, uniqueSourceKey } from '../support/requests.js';
import { batchInvocation, colourJpeg, existing, previewKeys, TEST_PRESETS_LIST, TEST_VARIANTS } from './support.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

type Sut = Awaited<ReturnType<Harness['handler']>>;

/** The one task result of a Batch answer. */
async function run(sut: Sut, invocation: unknown, context = lambdaContext()): Promise<{ resultCode: string; resultString: string }> {
  const answer = (await sut.entry(invocation, context)) as unknown as { results: { resultCode: string; resultString: string }[] };
  return answer.results[0]!;
}

/**
 * A context with the whole timeout until the first resize, then 2.4 s left: room for S3 calls, not for
 * another preview (`FUNCTION_RESERVE_MS` plus `PREVIEW_TIME_FLOOR_MS` is 2.5 s).
 */
function runningOut(sut: Sut): ReturnType<typeof lambdaContext> {
  const context = lambdaContext();
  return { ...context, getRemainingTimeInMillis: () => (sut.resizes() === 0 ? context.getRemainingTimeInMillis() : 2_400) };
}

describe('Function: entry point (S3 Batch Operations)', () => {
  it('answers schema 1.0 in Batch Operations’ format, field for field, having generated every preset', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('a photo+1.jpg');
    await harness.putSource(src, await colourJpeg(10, 120, 200));

    const answer = await sut.entry(batchInvocation('1.0', src), lambdaContext());

    expect(JSON.stringify(answer)).toBe(
      JSON.stringify({
        invocationSchemaVersion: '1.0',
        treatMissingKeysAs: 'PermanentFailure',
        invocationId: 'invocation-1',
        results: [{ taskId: 'task-1', resultCode: 'Succeeded', resultString: `Generated ${TEST_VARIANTS.join(',')}` }],
      }),
    );
    expect(await existing(harness, previewKeys(src))).toEqual(previewKeys(src));
  });

  it('generates only the missing previews of the presets a 2.0 job names (their variants too), and purges with action=purge', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('two.jpg');
    await harness.putSource(src, await colourJpeg(200, 120, 10));
    await sut.handler(previewRequest(BUCKETS, src), lambdaContext());

    const generated = await sut.entry(batchInvocation('2.0', src, { presets: 'small, icon' }), lambdaContext());
    expect(generated).toMatchObject({
      invocationSchemaVersion: '2.0',
      invocationId: 'invocation-1',
      results: [{ taskId: 'task-1', resultCode: 'Succeeded', resultString: 'Generated icon,small@avif,small@webp; existing small' }],
    });
    expect(sut.resizes()).toBe(4);

    expect(await run(sut, batchInvocation('2.0', src, { action: 'purge' }))).toEqual({
      taskId: 'task-1',
      resultCode: 'Succeeded',
      resultString: `Purged ${TEST_VARIANTS.length} preview key(s)`,
    });
    expect(await existing(harness, previewKeys(src))).toEqual([]);
    expect(await harness.records(sut.tableName)).toEqual([]);
  });

  it('regenerates (purge, then generate) with action=regenerate', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('again.jpg');
    await harness.putSource(src, await colourJpeg(1, 2, 3));
    await sut.handler(previewRequest(BUCKETS, src), lambdaContext());
    expect(await run(sut, batchInvocation('2.0', src, { action: 'regenerate', presets: 'small' }))).toMatchObject({
      resultCode: 'Succeeded',
      resultString: 'Generated small,small@avif,small@webp',
    });
    expect(sut.resizes()).toBe(4);
  });

  it('retries (TemporaryFailure) a generate task that ran out of time, and the retry makes only the rest', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('many.jpg');
    await harness.putSource(src, await colourJpeg(90, 90, 30));

    expect(await run(sut, batchInvocation('1.0', src), runningOut(sut))).toEqual({
      taskId: 'task-1',
      resultCode: 'TemporaryFailure',
      resultString: `Generated icon; deferred ${TEST_VARIANTS.slice(1).join(',')}: too little time left in this invocation`,
    });
    expect(await existing(harness, previewKeys(src))).toEqual(previewKeys(src).slice(0, 1));

    expect(await run(sut, batchInvocation('1.0', src))).toEqual({
      taskId: 'task-1',
      resultCode: 'Succeeded',
      resultString: `Generated ${TEST_VARIANTS.slice(1).join(',')}; existing icon`,
    });
    expect(sut.resizes()).toBe(TEST_VARIANTS.length);
  });

  it('ends a regenerate task that ran out of time as Succeeded, naming what the first request will make', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('later.jpg');
    await harness.putSource(src, await colourJpeg(30, 90, 90));
    expect(await run(sut, batchInvocation('2.0', src, { action: 'regenerate', presets: 'small' }), runningOut(sut))).toEqual({
      taskId: 'task-1',
      resultCode: 'Succeeded',
      resultString: 'Generated small; deferred small@avif,small@webp (made on the first request)',
    });
  });

  it('fails an unusable original permanently, with its code', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('notes.jpg');
    await harness.putSource(src, Buffer.from('plain text'));
    const missing = uniqueSourceKey('gone.jpg');
    expect(await run(sut, batchInvocation('1.0', src))).toMatchObject({ resultCode: 'PermanentFailure', resultString: expect.stringMatching(/^NOT_AN_IMAGE: Not an image/) });
    expect(await run(sut, batchInvocation('1.0', missing))).toMatchObject({
      resultCode: 'PermanentFailure',
      resultString: `SOURCE_NOT_FOUND: File ${missing} not exists in ${BUCKETS.source}`,
    });
  });

  it('succeeds, skipping, on objects outside the layout (an inventory of the whole bucket lists previews too)', async () => {
    const sut = await harness.handler();
    expect(await run(sut, batchInvocation('1.0', 'prew/small/a.jpg'))).toMatchObject({
      resultCode: 'Succeeded',
      resultString: 'Skipped: "prew/small/a.jpg" is not an original below "photo/"',
    });
  });

  it('fails permanently a bucket it may not read and arguments it does not know', async () => {
    const sut = await harness.handler();
    expect(await run(sut, batchInvocation('1.0', 'photo/a.jpg', undefined, BUCKETS.forbidden))).toMatchObject({
      resultCode: 'PermanentFailure',
      resultString: `BUCKET_NOT_ALLOWED: Bucket "${BUCKETS.forbidden}" is not an allowed source bucket`,
    });
    expect(await run(sut, batchInvocation('2.0', 'photo/a.jpg', { action: 'resize' }))).toMatchObject({
      resultCode: 'PermanentFailure',
      resultString: 'Expected action generate, regenerate, purge but received "resize"',
    });
    expect(await run(sut, batchInvocation('2.0', 'photo/a.jpg', { presets: 'small,huge' }))).toMatchObject({
      resultCode: 'PermanentFailure',
      resultString: `Expected presets among ${TEST_PRESETS_LIST.join(', ')} but received "huge"`,
    });
    expect(await run(sut, batchInvocation('2.0', 'photo/a.jpg', { preset: 'small' }))).toMatchObject({
      resultCode: 'PermanentFailure',
      resultString: 'Unknown user argument(s) "preset" (known: action, presets)',
    });
  });

  it('fails temporarily (Batch Operations retries) when S3 cannot be reached', async () => {
    const sut = await harness.handler({ s3Down: true });
    const answer = await run(sut, batchInvocation('2.0', 'photo/a.jpg', { action: 'purge' }));
    expect(answer.resultCode).toBe('TemporaryFailure');
    expect(answer.resultString).toMatch(/ECONNREFUSED|connect/);
  });
});
