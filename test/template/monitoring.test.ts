/**
 * The template's alarms and dashboard watch metrics that exist: every metric they name is one the function
 * emits (names, dimension sets and dimension values from the constants `handler/src/metrics.ts` publishes
 * with, which test/handler/metrics.test.ts checks against the real EMF output), or one Lambda or DynamoDB
 * publishes for this function and table. A renamed metric, a dimension the function never sets or an
 * outcome it never reports would otherwise make an alarm that never fires.
 */
import { parsePresetList } from '@preview-lambda/contract';
import {
  DIMENSION_SETS,
  FAILURE_CLASSES,
  FAILURE_CODES,
  INVOCATION_OUTCOMES,
  METRIC,
} from '@preview-lambda/handler/metrics';
import { readTemplate } from '@preview-lambda/local/template';
import { describe, expect, it } from 'vitest';

const template = readTemplate();
const resources = template.Resources;
const environment = (resources.PreviewFunction!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const SERVICE = environment.POWERTOOLS_SERVICE_NAME as string;
const presetsDefault = parsePresetList(String(template.Parameters.Presets!.Default));
const PRESETS = presetsDefault.ok ? [...presetsDefault.presets.keys()] : [];

/** Metrics Lambda publishes per function (AWS Lambda Developer Guide, "Types of metrics for Lambda functions"). */
const LAMBDA_METRICS = ['Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions', 'PostRuntimeExtensionsDuration'];
/** Metrics DynamoDB publishes per table with the `TableName` dimension alone (DynamoDB Developer Guide, "DynamoDB metrics and dimensions"). */
const DYNAMODB_TABLE_METRICS = ['ReadThrottleEvents', 'WriteThrottleEvents', 'ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits'];

/** A metric as alarms and widgets name it: namespace (`<Param>` for a parameter), name, dimensions in order. */
interface MetricReference {
  readonly where: string;
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: readonly (readonly [string, string])[];
}

/** `{ Ref: X }` as `<X>`, a string as itself. */
function value(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  const ref = (raw as { Ref?: string }).Ref;
  if (ref !== undefined) return `<${ref}>`;
  throw new Error(`Expected a string or a Ref, received ${JSON.stringify(raw)}`);
}

/** Fails unless the function, Lambda or DynamoDB emits this metric under exactly these dimensions. */
function expectEmitted(metric: MetricReference): void {
  const names = metric.dimensions.map(([name]) => name);
  const context = `${metric.where}: ${metric.namespace} ${metric.name} ${JSON.stringify(metric.dimensions)}`;
  if (metric.namespace === '<MetricsNamespace>') {
    expect(Object.values(METRIC), context).toContain(metric.name);
    expect(DIMENSION_SETS.map((set) => [...set].sort().join(',')), context).toContain([...names].sort().join(','));
    for (const [name, dimension] of metric.dimensions) {
      const allowed: Record<string, readonly string[]> = {
        service: [SERVICE],
        outcome: INVOCATION_OUTCOMES,
        code: FAILURE_CODES,
        preset: PRESETS,
      };
      expect(allowed[name], context).toContain(dimension);
    }
    return;
  }
  if (metric.namespace === 'AWS/Lambda') {
    expect(LAMBDA_METRICS, context).toContain(metric.name);
    expect(metric.dimensions, context).toEqual([['FunctionName', '<PreviewFunction>']]);
    return;
  }
  expect(metric.namespace, context).toBe('AWS/DynamoDB');
  expect(DYNAMODB_TABLE_METRICS, context).toContain(metric.name);
  expect(metric.dimensions, context).toEqual([['TableName', '<IdempotencyTable>']]);
}

interface AlarmMetric {
  Namespace: unknown;
  MetricName: string;
  Dimensions?: { Name: string; Value: unknown }[];
}

interface MetricQuery {
  Id: string;
  ReturnData?: boolean;
  Expression?: unknown;
  MetricStat?: { Metric: AlarmMetric; Period: number; Stat: string };
}

const alarms = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm');

function alarmMetrics(name: string): { id: string; stat: string; metric: MetricReference }[] {
  const properties = resources[name]!.Properties as Partial<AlarmMetric> & { Metrics?: MetricQuery[]; Statistic?: string; ExtendedStatistic?: string };
  const reference = (metric: AlarmMetric): MetricReference => ({
    where: name,
    namespace: value(metric.Namespace),
    name: metric.MetricName,
    dimensions: (metric.Dimensions ?? []).map((dimension) => [dimension.Name, value(dimension.Value)] as const),
  });
  if (properties.Metrics === undefined) {
    const stat = properties.Statistic ?? properties.ExtendedStatistic ?? '';
    return [{ id: '', stat, metric: reference(properties as AlarmMetric) }];
  }
  return properties.Metrics.filter((query) => query.MetricStat !== undefined).map((query) => ({
    id: query.Id,
    stat: query.MetricStat!.Stat,
    metric: reference(query.MetricStat!.Metric),
  }));
}

function expressionText(raw: unknown): string {
  return typeof raw === 'string' ? raw : String((raw as { 'Fn::Sub': string })['Fn::Sub']);
}

/** The identifiers an expression uses (its functions and `${Parameter}` substitutions apart). */
function identifiers(expression: string): string[] {
  const text = expression.replace(/\$\{[^}]+\}/g, '0').replace(/'[^']*'/g, "''");
  return [...text.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/g)].map((match) => match[1]!);
}

function codesOf(name: string): string[] {
  return alarmMetrics(name).flatMap(({ metric }) => metric.dimensions.filter(([dimension]) => dimension === 'code').map(([, code]) => code));
}

describe('template.yaml: alarms', () => {
  it('alarm on errors, throttles, duration, failures by code, fail-open and DynamoDB throttles', () => {
    expect(alarms.map(([name]) => name).sort()).toEqual([
      'ConfigurationFailuresAlarm',
      'FunctionDurationAlarm',
      'FunctionErrorsAlarm',
      'FunctionThrottlesAlarm',
      'IdempotencyFailOpenAlarm',
      'IdempotencyTableThrottlesAlarm',
      'InputFailuresAlarm',
    ]);
  });

  it.each(alarms.map(([name]) => [name]))('%s watches metrics that are emitted', (name) => {
    const metrics = alarmMetrics(name);
    expect(metrics.length).toBeGreaterThan(0);
    // CloudWatch: an alarm's math may use at most 10 metrics.
    expect(metrics.length).toBeLessThanOrEqual(10);
    for (const { metric } of metrics) expectEmitted(metric);
  });

  it.each(alarms.map(([name]) => [name]))('%s computes one result from the metrics it declares', (name) => {
    const queries = (resources[name]!.Properties.Metrics as MetricQuery[] | undefined) ?? [];
    if (queries.length === 0) return;
    expect(queries.filter((query) => query.ReturnData === true)).toHaveLength(1);
    const ids = new Set(queries.map((query) => query.Id));
    for (const query of queries.filter((each) => each.Expression !== undefined)) {
      for (const id of identifiers(expressionText(query.Expression))) expect([name, ids.has(id)]).toEqual([name, true]);
    }
  });

  it.each(alarms.map(([name]) => [name]))('%s notifies the optional topic, firing and recovering, and stays quiet without data', (name) => {
    const properties = resources[name]!.Properties;
    const actions = { 'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }] };
    expect(properties.AlarmActions).toEqual(actions);
    expect(properties.OKActions).toEqual(actions);
    expect(properties.TreatMissingData).toBe('notBreaching');
  });

  it('counts function errors without the identical requests answered "in progress"', () => {
    const metrics = alarmMetrics('FunctionErrorsAlarm').map(({ id, metric }) => [id, metric.name, Object.fromEntries(metric.dimensions)]);
    expect(metrics).toEqual([
      ['errors', 'Errors', { FunctionName: '<PreviewFunction>' }],
      ['inprogress', METRIC.invocations, { service: SERVICE, outcome: 'in-progress' }],
    ]);
  });

  it('compares the p99 duration with a share of the Timeout parameter', () => {
    const [duration] = alarmMetrics('FunctionDurationAlarm');
    expect([duration!.metric.name, duration!.stat]).toEqual(['Duration', 'p99']);
    const queries = resources.FunctionDurationAlarm!.Properties.Metrics as MetricQuery[];
    expect(expressionText(queries.find((query) => query.ReturnData)!.Expression)).toBe('100 * duration / (${Timeout} * 1000)');
    expect(resources.FunctionDurationAlarm!.Properties.Threshold).toEqual({ Ref: 'DurationAlarmPercent' });
  });

  it('alarms on exactly the failure codes of each class (FAILURE_CLASSES), the input rate over every invocation', () => {
    const ofClass = (kind: string) => Object.entries(FAILURE_CLASSES).filter(([, each]) => each === kind).map(([code]) => code).sort();
    expect(codesOf('ConfigurationFailuresAlarm').sort()).toEqual(ofClass('configuration'));
    expect(codesOf('InputFailuresAlarm').sort()).toEqual(ofClass('input'));
    const total = alarmMetrics('InputFailuresAlarm').find(({ id }) => id === 'total');
    expect(total?.metric.dimensions).toEqual([['service', SERVICE]]);
  });
});

/** The dashboard's JSON with `${...}` substituted: number parameters by their default, anything else by `<Name>`. */
function dashboard(): { widgets: { type: string; properties: Record<string, unknown> }[] } {
  const body = (resources.PreviewDashboard!.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
  const substituted = body.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
    const parameter = template.Parameters[name];
    return parameter?.Type === 'Number' ? String(parameter.Default) : `<${name}>`;
  });
  return JSON.parse(substituted) as ReturnType<typeof dashboard>;
}

/** The metrics of a widget's `metrics` rows: `[namespace, name, dimension, value, …, options?]` or a SEARCH. */
function widgetMetrics(title: string, rows: unknown[][]): MetricReference[] {
  return rows.flatMap((row): MetricReference[] => {
    const strings = row.filter((cell): cell is string => typeof cell === 'string');
    const options = row.find((cell) => typeof cell === 'object') as { expression?: string } | undefined;
    if (strings.length === 0) {
      const search = /SEARCH\('\{([^}]+)\} MetricName="([^"]+)"'/.exec(options?.expression ?? '');
      if (search === null) return [];
      const [namespace, ...dimensions] = search[1]!.split(',');
      // A search names the dimension set; its values are whatever was emitted.
      expect(DIMENSION_SETS.map((set) => set.join(','))).toContain(dimensions.join(','));
      return [{ where: title, namespace: namespace!, name: search[2]!, dimensions: [] }].map((metric) => ({
        ...metric,
        dimensions: dimensions.map((dimension) => [dimension, dimension === 'service' ? SERVICE : PRESETS[0]!] as const),
      }));
    }
    const [namespace, name, ...pairs] = strings;
    const dimensions: [string, string][] = [];
    for (let i = 0; i < pairs.length; i += 2) dimensions.push([pairs[i]!, pairs[i + 1]!]);
    return [{ where: title, namespace: namespace!, name: name!, dimensions }];
  });
}

describe('template.yaml: dashboard', () => {
  const widgets = dashboard().widgets;
  const metricWidgets = widgets.filter((widget) => widget.type === 'metric');

  it('graphs only metrics that are emitted', () => {
    expect(metricWidgets.length).toBeGreaterThanOrEqual(8);
    for (const widget of metricWidgets) {
      const metrics = widgetMetrics(String(widget.properties.title), widget.properties.metrics as unknown[][]);
      expect(metrics.length).toBeGreaterThan(0);
      for (const metric of metrics) expectEmitted(metric);
    }
  });

  it('graphs every metric the function emits, every outcome and every failure code', () => {
    const all = metricWidgets.flatMap((widget) => widgetMetrics(String(widget.properties.title), widget.properties.metrics as unknown[][]));
    const ours = all.filter((metric) => metric.namespace === '<MetricsNamespace>');
    expect(new Set(ours.map((metric) => metric.name))).toEqual(new Set(Object.values(METRIC)));
    const values = (dimension: string) => new Set(ours.flatMap((metric) => metric.dimensions.filter(([name]) => name === dimension).map(([, each]) => each)));
    expect(values('outcome')).toEqual(new Set(INVOCATION_OUTCOMES));
    expect(values('code')).toEqual(new Set(FAILURE_CODES));
  });

  it('uses in its expressions only the ids its rows declare', () => {
    for (const widget of metricWidgets) {
      const rows = widget.properties.metrics as unknown[][];
      const options = rows.map((row) => row.find((cell) => typeof cell === 'object') as { id?: string; expression?: string } | undefined);
      const ids = new Set(options.map((each) => each?.id).filter((id) => id !== undefined));
      for (const expression of options.map((each) => each?.expression).filter((each) => each !== undefined)) {
        if (expression.startsWith('SEARCH(')) continue;
        for (const id of identifiers(expression)) expect([widget.properties.title, id, ids.has(id)]).toEqual([widget.properties.title, id, true]);
      }
    }
  });

  it('shows the state of every alarm', () => {
    const alarmWidget = widgets.find((widget) => widget.type === 'alarm');
    expect(alarmWidget?.properties.alarms).toEqual(alarms.map(([name]) => `<${name}.Arn>`));
  });
});
