/**
 * Progress on stderr: a cli-progress bar with counts, rate and ETA on a terminal; a plain line every
 * `intervalMs` otherwise (CI logs, files), so a long run stays readable either way.
 *
 * @module
 */
import cliProgress from 'cli-progress';
import type { Tally } from './tally.js';

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** The command's name, first on each line. */
  readonly label: string;
  /** Where to write (stderr). */
  readonly stream: NodeJS.WriteStream;
  /** Draw a bar (the stream is a terminal) or print plain lines. */
  readonly tty: boolean;
  /** Interval of the plain lines, in ms. */
  readonly intervalMs: number;
  /** What is counted: `originals`, or `previews` (purge). */
  readonly unit: string;
  /** The counts shown beside the originals, e.g. `generated`, `failed`. */
  readonly shown: readonly string[];
  readonly tally: Tally;
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** Shows how far a run over originals has come. */
export class Progress {
  readonly #options: ProgressOptions;
  #bar: cliProgress.SingleBar | undefined;
  #timer: NodeJS.Timeout | undefined;
  #total: number | undefined;
  #done = 0;
  #started = performance.now();

  public constructor(options: ProgressOptions) {
    this.#options = options;
  }

  /** Starts showing progress over `total` originals (`undefined`: not counted). */
  public start(total: number | undefined): void {
    this.#total = total;
    this.#started = performance.now();
    if (this.#options.tty) {
      this.#bar = new cliProgress.SingleBar(
        {
          stream: this.#options.stream,
          format: `${this.#options.label} [{bar}] {percentage}% | {value}/{total} ${this.#options.unit} | {counts} | {rate}/s | ETA {eta_formatted}`,
          hideCursor: true,
          etaBuffer: 200,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(total ?? 0, 0, this.#payload());
    } else {
      this.#timer = setInterval(() => this.#options.stream.write(`${this.line()}\n`), this.#options.intervalMs);
      this.#timer.unref();
    }
  }

  /** One more original done. */
  public tick(): void {
    this.#done += 1;
    this.#bar?.update(this.#done, this.#payload());
  }

  /** The plain progress line, e.g. `backfill: 1200/5000 originals (24%), generated 3400, failed 2, 45.2/s, ETA 1m24s`. */
  public line(): string {
    const elapsed = performance.now() - this.#started;
    const rate = elapsed > 0 ? (this.#done * 1000) / elapsed : 0;
    const total = this.#total;
    const of = total === undefined ? '' : `/${total}`;
    const percent = total ? ` (${Math.floor((this.#done * 100) / total)}%)` : '';
    const eta = total !== undefined && rate > 0 ? `, ETA ${duration(((total - this.#done) / rate) * 1000)}` : '';
    return `${this.#options.label}: ${this.#done}${of} ${this.#options.unit}${percent}, ${this.#counts()}, ${rate.toFixed(1)}/s${eta}`;
  }

  /** Stops the bar or the lines. */
  public stop(): void {
    this.#bar?.update(this.#done, this.#payload());
    this.#bar?.stop();
    clearInterval(this.#timer);
  }

  #counts(): string {
    return this.#options.shown.map((name) => `${name} ${this.#options.tally.get(name)}`).join(', ');
  }

  #payload(): Record<string, string> {
    const elapsed = performance.now() - this.#started;
    return { counts: this.#counts(), rate: (elapsed > 0 ? (this.#done * 1000) / elapsed : 0).toFixed(1) };
  }
}
