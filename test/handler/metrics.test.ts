/**
 * The function's EMF metrics, read back from the log stream as CloudWatch reads it (`parseEmf` checks the
 * EMF specification): one blob per invocation, for every outcome, with the names, units, dimension sets
 * and values the handler's constants promise (`handler/src/metrics.ts`, which the template's alarms use).
 */
import { makeJpeg } from '@preview-lambda/fixtures/images';
import {
  DIMENSION_SETS,
  FAILURE_CODES,
  INVOCATION_OUTCOMES,
  METRIC,
  METRIC_UNITS,
  type MetricName,
} from '@preview-lambda/handler/metrics';
import { type EmfBlob, parseEmf } from '@preview-lambda/local/emf';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUCKETS, type Harness, type HandlerUnderTest, lambdaContext, startHarness } from '../support/harness.js';
import { uniqueSourceKey } from '../support/requests.js';
import { s3Notification } from '../lifecycle/support.js';
import { request } from './support.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The blobs a handler published so far. */
function blobs(sut: HandlerUnderTest): EmfBlob[] {
  return sut.metricLines.map(parseEmf);
}

/** The blob's metrics by name, each with its unit and single value. */
function metricsOf(blob: EmfBlob): Record<string, { unit: string; value: number }> {
  expect(blob.directives).toHaveLength(1);
  return Object.fromEntries(blob.directives[0]!.metrics.map((metric) => {
    expect(metric.values).toHaveLength(1);
    return [metric.name, { unit: metric.unit, value: metric.values[0]! }];
  }));
}

/** Checks what every blob must satisfy, and returns its metric values by name. */
function checked(blob: EmfBlob, namespace = 'PreviewLambda'): Record<string, number> {
  const [directive] = blob.directives;
  expect(directive!.namespace).toBe(namespace);
  for (const set of directive!.dimensionSets) expect(DIMENSION_SETS).toContainEqual(set);
  expect(blob.dimensions.service).toBe('preview-lambda');
  expect(INVOCATION_OUTCOMES).toContain(blob.dimensions.outcome);
  const metrics = metricsOf(blob);
  for (const [name, { unit }] of Object.entries(metrics)) expect([name, unit]).toEqual([name, METRIC_UNITS[name as MetricName]]);
  expect(metrics.Invocations?.value).toBe(1);
  expect(metrics.Duration?.value).toBeGreaterThanOrEqual(0);
  return Object.fromEntries(Object.entries(metrics).map(([name, { value }]) => [name, value]));
}

function dimensionSets(blob: EmfBlob): readonly (readonly string[])[] {
  return blob.directives[0]!.dimensionSets;
}

const PHASES: readonly MetricName[] = [METRIC.readTime, METRIC.resizeTime, METRIC.writeTime, METRIC.idempotencyTime];

describe('Function: metrics (EMF, one blob per invocation)', () => {
  it('writes an executed invocation to standard output with Powertools, cold start counted once', async () => {
    // Powertools counts a cold start only in an on-demand execution environment, as Lambda says.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const sut = await harness.handler({ metricsToStdout: true });
    const original = await makeJpeg({ width: 1600, height: 1200 });
    const [first, second] = [uniqueSourceKey('a.jpg'), uniqueSourceKey('b.jpg')];
    await harness.putSource(first, original);
    await harness.putSource(second, original);
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = String(chunk);
      if (text.includes('"_aws"')) return written.push(text) > 0;
      return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
    });

    const response = await sut.handler(request(first), lambdaContext());
    await sut.handler(request(second), lambdaContext());

    expect(sut.metricLines).toEqual([]);
    expect(written).toHaveLength(2);
    expect(written.every((text) => text.endsWith('\n') && text.indexOf('\n') === text.length - 1)).toBe(true);
    const [cold, warm] = written.map((text) => parseEmf(text.trimEnd()));
    const values = checked(cold!);
    expect(cold!.dimensions).toEqual({ service: 'preview-lambda', outcome: 'executed', preset: 'small' });
    expect(dimensionSets(cold!)).toEqual([['service'], ['service', 'outcome'], ['service', 'preset']]);
    expect(Object.keys(values).sort()).toEqual([...Object.values(METRIC)].sort());
    expect(values).toMatchObject({
      ColdStart: 1,
      SourceBytes: original.length,
      PreviewBytes: Buffer.from(response.data, 'base64').length,
      SourceMegapixels: 1.92,
    });
    for (const phase of PHASES) expect(values[phase]).toBeGreaterThan(0);
    // The phases are parts of the handler's time, the idempotency time without the generation it guards.
    const phases = PHASES.reduce((sum, phase) => sum + values[phase]!, 0);
    expect(phases).toBeLessThanOrEqual(values.Duration! + 1);
    expect(checked(warm!)).not.toHaveProperty('ColdStart');
  });

  it('counts the cold start of an object event in that invocation (a ColdStart-only blob), not on the next preview', async () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const sut = await harness.handler();
    await sut.entry(s3Notification('ObjectTagging:Put', uniqueSourceKey('tagged.jpg')), lambdaContext());
    await sut.entry(s3Notification('ObjectTagging:Put', uniqueSourceKey('tagged-again.jpg')), lambdaContext());
    const src = uniqueSourceKey('after-event.jpg');
    await harness.putSource(src, await makeJpeg({ width: 400, height: 300 }));
    await sut.handler(request(src), lambdaContext());

    const [coldStart, preview, ...rest] = blobs(sut);
    expect(rest).toEqual([]);
    expect(coldStart!.dimensions).toEqual({ service: 'preview-lambda' });
    expect(dimensionSets(coldStart!)).toEqual([['service']]);
    expect(metricsOf(coldStart!)).toEqual({ ColdStart: { unit: METRIC_UNITS.ColdStart, value: 1 } });
    expect(checked(preview!)).not.toHaveProperty('ColdStart');
  });

  it('publishes a replay with the read-back time and bytes, and nothing of a resize', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('replay.jpg');
    await harness.putSource(src, await makeJpeg({ width: 800, height: 600 }));

    await sut.handler(request(src), lambdaContext());
    const replay = await sut.handler(request(src), lambdaContext());

    const [executed, replayed] = blobs(sut);
    expect(executed!.dimensions.outcome).toBe('executed');
    expect(replayed!.dimensions).toEqual({ service: 'preview-lambda', outcome: 'replayed', preset: 'small' });
    const values = checked(replayed!);
    expect(Object.keys(values).sort()).toEqual(['Duration', 'IdempotencyTime', 'Invocations', 'PreviewBytes', 'ReadTime']);
    expect(values.PreviewBytes).toBe(Buffer.from(replay.data, 'base64').length);
  });

  it('publishes a permanent failure by code, with the validated preset', async () => {
    const sut = await harness.handler();

    const response = await sut.handler(request(uniqueSourceKey('missing.jpg')), lambdaContext());

    expect(response.code).toBe('SOURCE_NOT_FOUND');
    const [failed] = blobs(sut);
    expect(failed!.dimensions).toEqual({ service: 'preview-lambda', outcome: 'failed', preset: 'small', code: 'SOURCE_NOT_FOUND' });
    expect(dimensionSets(failed!)).toEqual([['service'], ['service', 'outcome'], ['service', 'preset'], ['service', 'code']]);
    const values = checked(failed!);
    expect(Object.keys(values).sort()).toEqual(['Duration', 'IdempotencyTime', 'Invocations', 'ReadTime']);
    expect(FAILURE_CODES).toContain(failed!.dimensions.code);
  });

  it('never makes a dimension of a preset the request was refused for, nor of an invalid request', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('refused.jpg');

    const unknown = await sut.handler(request(src, { preset_name: 'huge-user-chosen-name', width: 999 }), lambdaContext());
    const invalid = await sut.handler({ src_key: src, preset_name: 'x' }, lambdaContext());

    expect([unknown.code, invalid.code]).toEqual(['UNKNOWN_PRESET', 'INVALID_REQUEST']);
    for (const blob of blobs(sut)) {
      expect(blob.dimensions).not.toHaveProperty('preset');
      expect(dimensionSets(blob)).toEqual([['service'], ['service', 'outcome'], ['service', 'code']]);
      expect(Object.keys(checked(blob)).sort()).toEqual(['Duration', 'Invocations']);
    }
    expect(blobs(sut).map((blob) => blob.dimensions.code)).toEqual(['UNKNOWN_PRESET', 'INVALID_REQUEST']);
  });

  it('publishes a fail-open invocation (DynamoDB unreachable) as unguarded, with its generation', async () => {
    const sut = await harness.handler({ dynamodbDown: true });
    const src = uniqueSourceKey('fail-open.jpg');
    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));

    const response = await sut.handler(request(src), lambdaContext());

    expect(response.status).toBe(true);
    const [blob] = blobs(sut);
    expect(blob!.dimensions).toEqual({ service: 'preview-lambda', outcome: 'unguarded', preset: 'small' });
    const values = checked(blob!);
    expect(values).toMatchObject({ SourceMegapixels: 0.3072, PreviewBytes: Buffer.from(response.data, 'base64').length });
    for (const phase of PHASES) expect(values[phase]).toBeGreaterThan(0);
  });

  it('publishes in-progress duplicates apart from errors, one blob for each of 8 concurrent calls', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('concurrent.jpg');
    await harness.putSource(src, await makeJpeg({ width: 1200, height: 900 }));

    const results = await Promise.allSettled(Array.from({ length: 8 }, () => sut.handler(request(src), lambdaContext())));

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const outcomes = blobs(sut).map((blob) => checked(blob) && blob.dimensions.outcome);
    expect(outcomes.sort()).toEqual(['executed', ...Array<string>(7).fill('in-progress')]);
  });

  it('publishes a preview generated again after it vanished from S3 as regenerated', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('vanished.jpg');
    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));
    const first = await sut.handler(request(src), lambdaContext());
    await harness.deleteObject(BUCKETS.destination, first.key);

    await sut.handler(request(src), lambdaContext());

    const [, regenerated] = blobs(sut);
    expect(regenerated!.dimensions.outcome).toBe('regenerated');
    expect(Object.keys(checked(regenerated!)).sort()).toEqual(
      ['Duration', 'IdempotencyTime', 'Invocations', 'PreviewBytes', 'ReadTime', 'ResizeTime', 'SourceBytes', 'SourceMegapixels', 'WriteTime'],
    );
  });

  it('publishes a thrown error (S3 unreachable) as error, without a code', async () => {
    const sut = await harness.handler({ s3Down: true });

    await expect(sut.handler(request(uniqueSourceKey('s3-down.jpg')), lambdaContext())).rejects.toThrow();

    const [blob] = blobs(sut);
    expect(blob!.dimensions).toEqual({ service: 'preview-lambda', outcome: 'error', preset: 'small' });
    expect(checked(blob!)).toHaveProperty('ReadTime');
  });

  it('takes its namespace from POWERTOOLS_METRICS_NAMESPACE', async () => {
    const sut = await harness.handler({ env: { POWERTOOLS_METRICS_NAMESPACE: 'Team/Previews' } });

    await sut.handler(request(uniqueSourceKey('missing.jpg')), lambdaContext());

    checked(blobs(sut)[0]!, 'Team/Previews');
  });

  it('never fails an invocation because metrics could not be written', async () => {
    const sut = await harness.handler();
    const src = uniqueSourceKey('unmeasured.jpg');
    await harness.putSource(src, await makeJpeg({ width: 640, height: 480 }));
    const warn = vi.spyOn(sut.logger, 'warn');
    vi.spyOn(sut.metricLines as string[], 'push').mockImplementation(() => {
      throw new Error('log stream closed');
    });

    const response = await sut.handler(request(src), lambdaContext());

    expect(response.status).toBe(true);
    expect(warn).toHaveBeenCalledWith('Metrics could not be published', expect.objectContaining({ error: expect.any(Error) }));
  });
});
