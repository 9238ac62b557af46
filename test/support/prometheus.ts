/**
 * Scrapes a Prometheus endpoint and reads it with the Prometheus project's own parser of the text
 * exposition format: `prometheus_client.parser` of the official Python client (Debian's
 * `python3-prometheus-client`), so the tests check what Prometheus ingests, not what prom-client meant to
 * write. (The npm parser `parse-prometheus-text-format` drops the labels, count and sum of labelled
 * histograms, an open issue since 2019: it cannot check these.)
 *
 * Where the parser is missing the suites that need it are skipped with a note; with `CI` set they fail
 * instead (`.ci/run` installs it).
 */
import { execFile, spawnSync } from 'node:child_process';
import { expect } from 'vitest';

/** The Debian system interpreter, where `python3-prometheus-client` installs (not a pyenv shim's). */
const PYTHON = '/usr/bin/python3';

/** Reads the exposition on stdin; writes `[{name, type, samples: [{name, labels, value}]}]` as JSON. */
const PARSE = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
def number(value):
    return value if math.isfinite(value) else ('+Inf' if value > 0 else ('-Inf' if value < 0 else 'NaN'))
families = [
    {'name': f.name, 'type': f.type, 'samples': [{'name': s.name, 'labels': s.labels, 'value': number(s.value)} for s in f.samples]}
    for f in text_string_to_metric_families(sys.stdin.read())
]
json.dump(families, sys.stdout)
`;

const probe = spawnSync(PYTHON, ['-c', 'import prometheus_client.parser'], { encoding: 'utf8' });
const MISSING =
  probe.status === 0
    ? undefined
    : `the Prometheus text parser is missing (${PYTHON} -c "import prometheus_client.parser" failed); ` +
      'apt-get install python3-prometheus-client';

/** Whether the suites that parse scrapes are skipped: only where the parser is missing and `CI` is not set. */
export const SKIP_WITHOUT_PROMETHEUS_PARSER = MISSING !== undefined && !process.env.CI;

/** Says once, on the console, why a suite is skipped. */
export function noteSkipWithoutParser(suite: string): void {
  if (SKIP_WITHOUT_PROMETHEUS_PARSER) {
    console.warn(`[${suite}] SKIPPED: ${MISSING}. With CI set these tests fail instead of skipping.`);
  }
}

/** One sample as the parser reads it: full name (`…_total`, `…_bucket`), labels, value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | '+Inf' | '-Inf' | 'NaN';
}

/** A metric family: its name (counters without `_total`, as the parser names them), type and samples. */
export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown' | 'info' | 'stateset' | 'gaugehistogram';
  readonly samples: readonly Sample[];
}

/** A histogram series: cumulative bucket counts by `le` (in the exposition's order), count and sum. */
export interface HistogramSeries {
  readonly buckets: ReadonlyMap<string, number>;
  readonly count: number;
  readonly sum: number;
}

/** A parsed scrape. */
export interface Scrape {
  readonly families: readonly Family[];
  /** The family whose samples are named `name` (`x_total` names the counter family `x`), failing unless of `type`. */
  family(name: string, type: Family['type']): Family;
  /** The value of the sample `name` with exactly `labels`; 0 when that sample is absent but its family is there. */
  value(name: string, labels?: Record<string, string>): number;
  /** The series of the histogram `name` with exactly `labels` (`le` apart), or `undefined`. */
  histogram(name: string, labels: Record<string, string>): HistogramSeries | undefined;
}

function sameLabels(actual: Readonly<Record<string, string>>, expected: Record<string, string>): boolean {
  const keys = Object.keys(actual);
  return keys.length === Object.keys(expected).length && keys.every((key) => actual[key] === expected[key]);
}

function withoutLe(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { le: _le, ...rest } = labels;
  return rest;
}

/** Reads a scrape's body with the Prometheus parser (which throws on a malformed exposition). */
export async function readScrape(text: string): Promise<Scrape> {
  const json = await new Promise<string>((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', PARSE], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`the Prometheus parser refused the exposition: ${stderr || error.message}`)),
    );
    child.stdin!.end(text);
  });
  const families = JSON.parse(json) as Family[];
  const familyOf = (name: string): Family | undefined =>
    families.find((family) => family.name === name || `${family.name}_total` === name);
  const family = (name: string, type: Family['type']): Family => {
    const found = familyOf(name);
    expect(found, `metric family ${name}`).toBeDefined();
    expect(found!.type, name).toBe(type);
    return found!;
  };
  return {
    families,
    family,
    value(name, labels = {}) {
      const found = familyOf(name);
      expect(found, `metric family of ${name}`).toBeDefined();
      const sample = found!.samples.find((each) => each.name === name && sameLabels(each.labels, labels));
      return sample === undefined ? 0 : Number(sample.value);
    },
    histogram(name, labels) {
      const samples = family(name, 'histogram').samples.filter((each) => sameLabels(withoutLe(each.labels), labels));
      if (samples.length === 0) return undefined;
      const buckets = new Map(samples.filter((each) => each.name === `${name}_bucket`).map((each) => [each.labels.le!, Number(each.value)]));
      const one = (suffix: string) => Number(samples.find((each) => each.name === `${name}_${suffix}`)?.value);
      return { buckets, count: one('count'), sum: one('sum') };
    },
  };
}

/** `GET url` and {@link readScrape} its body, checking the status and the exposition's content type. */
export async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return readScrape(await response.text());
}
