/**
 * The EMF reader the tests and `npm start` use: it must refuse what CloudWatch would not extract metrics
 * from, or the metrics tests could pass on blobs CloudWatch ignores.
 */
import { formatEmf, isEmfLine, parseEmf } from '@preview-lambda/local/emf';
import { describe, expect, it } from 'vitest';

const VALID = {
  _aws: {
    Timestamp: 1_700_000_000_000,
    CloudWatchMetrics: [
      {
        Namespace: 'PreviewLambda',
        Dimensions: [['service'], ['service', 'outcome']],
        Metrics: [
          { Name: 'Invocations', Unit: 'Count' },
          { Name: 'Duration', Unit: 'Milliseconds' },
          { Name: 'SourceMegapixels', Unit: 'None' },
        ],
      },
    ],
  },
  service: 'preview-lambda',
  outcome: 'executed',
  Invocations: 1,
  Duration: 57,
  SourceMegapixels: 1.92,
};

const line = (value: unknown): string => JSON.stringify(value);

describe('parseEmf', () => {
  it('reads namespace, dimension sets and values, metrics with units and values', () => {
    const blob = parseEmf(line(VALID));
    expect(blob.timestamp).toBe(1_700_000_000_000);
    expect(blob.dimensions).toEqual({ service: 'preview-lambda', outcome: 'executed' });
    expect(blob.directives).toEqual([
      {
        namespace: 'PreviewLambda',
        dimensionSets: [['service'], ['service', 'outcome']],
        metrics: [
          { name: 'Invocations', unit: 'Count', values: [1] },
          { name: 'Duration', unit: 'Milliseconds', values: [57] },
          { name: 'SourceMegapixels', unit: 'None', values: [1.92] },
        ],
      },
    ]);
  });

  it.each([
    ['not JSON', 'preview 57 ms', /Expected an EMF blob/],
    ['no _aws member', line({ ...VALID, _aws: undefined }), 'Invalid EMF blob: Expected an object {"Timestamp", "CloudWatchMetrics"} for _aws but received undefined'],
    ['a unit CloudWatch does not know', line({ ...VALID, _aws: { ...VALID._aws, CloudWatchMetrics: [{ ...VALID._aws.CloudWatchMetrics[0], Metrics: [{ Name: 'Duration', Unit: 'ms' }] }] } }), 'Invalid EMF blob: Expected a CloudWatch unit (StandardUnit) for _aws.CloudWatchMetrics[0].Metrics[0].Unit but received "ms" (string)'],
    ['a dimension missing from the root', line({ ...VALID, outcome: undefined }), /Dimension "outcome" is not a string/],
    ['a dimension that is not a string', line({ ...VALID, outcome: 3 }), /Dimension "outcome" is not a string/],
    ['a metric without a value', line({ ...VALID, Duration: undefined }), /Metric "Duration" has no numeric value/],
    ['a metric that is not a number', line({ ...VALID, Duration: '57' }), /Metric "Duration" has no numeric value/],
    ['a timestamp in seconds as a string', line({ ...VALID, _aws: { ...VALID._aws, Timestamp: '1700000000' } }), 'Invalid EMF blob: Expected a whole number of ms since the epoch for _aws.Timestamp but received "1700000000" (string)'],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseEmf(text)).toThrow(message);
  });

  it('tells EMF lines from other log lines', () => {
    expect(isEmfLine(line(VALID))).toBe(true);
    expect(isEmfLine(line({ level: 'INFO', message: 'preview' }))).toBe(false);
  });
});

describe('formatEmf', () => {
  it('prints one line: namespace, dimensions but the service, metrics with their units, the dimension sets', () => {
    expect(formatEmf(parseEmf(line(VALID)))).toBe(
      'PreviewLambda outcome=executed  Invocations 1, Duration 57 ms, SourceMegapixels 1.92  (by service | service,outcome)',
    );
  });
});
