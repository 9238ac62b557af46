/**
 * Small measuring helpers shared by the benchmarks: quantiles, wall and CPU time, tables.
 *
 * @module
 */

/** The `q` quantile (0-1) of `values` (nearest rank), `NaN` when empty. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

/** The median of `values`. */
export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** `value` rounded to one decimal. */
export const round1 = (value: number): number => Math.round(value * 10) / 10;

/** Wall-clock ms of one call of `fn`. */
export async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Wall-clock and CPU ms (user + system, every thread of this process: libvips' workers included) of one
 * call of `fn`. Meaningful when nothing else runs in the process meanwhile.
 */
export async function measureOnce(fn: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows].map((row) => row.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}
