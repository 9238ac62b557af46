/**
 * CloudWatch Embedded Metric Format (EMF) blobs, read back the way CloudWatch reads them from a log
 * stream: checked against the EMF specification, and pretty-printed for the local tools (`npm start`
 * prints one line per invocation), so a function's metrics can be seen without AWS or any other tool.
 *
 * Source of the rules: AWS, "Specification: Embedded metric format" (CloudWatch User Guide): a root
 * `_aws` member with `Timestamp` (ms since the epoch) and `CloudWatchMetrics` directives (`Namespace`,
 * `Dimensions`: sets of root member names, `Metrics`: `Name`, optional `Unit` and `StorageResolution`);
 * every dimension a string member of the root, every metric a number (or up to 100 numbers).
 *
 * @module
 */
import { formatIssues } from '@preview-lambda/contract';
import * as z from 'zod';
import { EmfFormatError } from './errors.js';

/** The units CloudWatch accepts (`StandardUnit`, CloudWatch API reference). */
export const CLOUDWATCH_UNITS = [
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second',
  'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second',
  'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
] as const;

const NAMESPACE = 'Expected a namespace of 1 to 255 characters';
const DIMENSION_SET = 'Expected a dimension set: up to 30 root member names';
const METRIC_NAME = 'Expected a metric name of 1 to 1024 characters';
const METRICS = 'Expected up to 100 metric definitions';
const TIMESTAMP = 'Expected a whole number of ms since the epoch';
const DIRECTIVES = 'Expected at least one directive';

const Metric = z.object(
  {
    Name: z.string({ error: METRIC_NAME }).min(1, { error: METRIC_NAME }).max(1024, { error: METRIC_NAME }),
    Unit: z.enum(CLOUDWATCH_UNITS, { error: 'Expected a CloudWatch unit (StandardUnit)' }).optional(),
    StorageResolution: z.union([z.literal(1), z.literal(60)], { error: 'Expected 1 or 60 (seconds)' }).optional(),
  },
  { error: 'Expected a metric definition {"Name", "Unit"?, "StorageResolution"?}' },
);

const DimensionSet = z
  .array(z.string({ error: 'Expected a root member name' }).min(1, { error: 'Expected a root member name' }), {
    error: DIMENSION_SET,
  })
  .max(30, { error: DIMENSION_SET });

const Directive = z.object(
  {
    Namespace: z.string({ error: NAMESPACE }).min(1, { error: NAMESPACE }).max(255, { error: NAMESPACE }),
    Dimensions: z.array(DimensionSet, { error: 'Expected an array of dimension sets' }),
    Metrics: z.array(Metric, { error: METRICS }).max(100, { error: METRICS }),
  },
  { error: 'Expected a directive {"Namespace", "Dimensions", "Metrics"}' },
);

const Blob = z.looseObject(
  {
    _aws: z.object(
      {
        Timestamp: z.number({ error: TIMESTAMP }).int({ error: TIMESTAMP }).nonnegative({ error: TIMESTAMP }),
        CloudWatchMetrics: z.array(Directive, { error: DIRECTIVES }).min(1, { error: DIRECTIVES }),
      },
      { error: 'Expected an object {"Timestamp", "CloudWatchMetrics"}' },
    ),
  },
  { error: 'Expected a JSON object' },
);

/** One metric of a blob: its name, unit and value(s). */
export interface EmfMetric {
  readonly name: string;
  readonly unit: string;
  readonly values: readonly number[];
}

/** An EMF blob as CloudWatch reads it (one directive per entry of `CloudWatchMetrics`). */
export interface EmfBlob {
  /** When the metrics were taken, ms since the epoch. */
  readonly timestamp: number;
  /** Every directive: namespace, dimension sets (with their values), metrics. */
  readonly directives: readonly {
    readonly namespace: string;
    readonly dimensionSets: readonly (readonly string[])[];
    readonly metrics: readonly EmfMetric[];
  }[];
  /** The root's dimension values, by name. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** The raw JSON object. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Whether a log line is an EMF blob at all (a JSON object with an `_aws` member), before checking it. */
export function isEmfLine(line: string): boolean {
  return line.trimStart().startsWith('{') && line.includes('"_aws"');
}

/**
 * Parses and checks one EMF log line.
 *
 * @throws {EmfFormatError} naming what breaks the specification: not JSON, a malformed `_aws` member, a
 *   dimension that is not a string member of the root, a metric without a numeric value.
 */
export function parseEmf(line: string): EmfBlob {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new EmfFormatError(`Expected an EMF blob (JSON) but received: ${line.slice(0, 80)}`, { cause: error });
  }
  const parsed = Blob.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new EmfFormatError(`Invalid EMF blob: ${formatIssues(parsed.error.issues, { rootName: 'blob' }).join('; ')}`);
  }
  const root = parsed.data as Record<string, unknown>;
  const dimensions: Record<string, string> = {};
  const directives = parsed.data._aws.CloudWatchMetrics.map((directive) => {
    for (const name of directive.Dimensions.flat()) {
      const value = root[name];
      if (typeof value !== 'string') throw new EmfFormatError(`Dimension "${name}" is not a string member of the blob`);
      dimensions[name] = value;
    }
    const metrics = directive.Metrics.map(({ Name, Unit }): EmfMetric => {
      const value = root[Name];
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0 || values.length > 100 || !values.every((each) => typeof each === 'number' && Number.isFinite(each))) {
        throw new EmfFormatError(`Metric "${Name}" has no numeric value (received ${JSON.stringify(value)})`);
      }
      return { name: Name, unit: Unit ?? 'None', values: values as number[] };
    });
    return { namespace: directive.Namespace, dimensionSets: directive.Dimensions, metrics };
  });
  return { timestamp: parsed.data._aws.Timestamp, directives, dimensions, raw: root };
}

const UNIT_SUFFIX: Readonly<Record<string, string>> = { Milliseconds: ' ms', Bytes: ' B', Count: '', None: '', Seconds: ' s' };

function formatValue(value: number, unit: string): string {
  const shown = String(Number(value.toFixed(Math.abs(value) < 10 ? 2 : 1)));
  return `${shown}${UNIT_SUFFIX[unit] ?? ` ${unit}`}`;
}

/**
 * One line for a blob, e.g. `PreviewLambda outcome=executed preset=small  Invocations 1, Duration 57 ms,
 * ReadTime 3.2 ms, …, SourceMegapixels 12 (dimension sets: service | service,outcome | service,preset)`.
 */
export function formatEmf(blob: EmfBlob): string {
  return blob.directives
    .map((directive) => {
      const dimensions = Object.entries(blob.dimensions)
        .filter(([name]) => name !== 'service')
        .map(([name, value]) => `${name}=${value}`)
        .join(' ');
      const metrics = directive.metrics
        .map((metric) => `${metric.name} ${metric.values.map((value) => formatValue(value, metric.unit)).join('/')}`)
        .join(', ');
      const sets = directive.dimensionSets.map((set) => set.join(',')).join(' | ');
      return `${directive.namespace} ${dimensions}  ${metrics}  (by ${sets})`;
    })
    .join('\n');
}
