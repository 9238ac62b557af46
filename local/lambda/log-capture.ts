/**
 * Per-invocation capture of what the handler writes to `process.stdout` and `process.stderr`, for
 * `X-Amz-Log-Result` (`LogType: Tail`).
 *
 * The handler runs in this process, beside other invocations, so the writes are told apart with
 * `AsyncLocalStorage`: a write belongs to the invocation whose async context made it. Everything still goes
 * to the real streams. Writes made outside any invocation's context (e.g. from a promise another
 * invocation started and this one awaits) are not attributed to it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { LOG_TAIL_BYTES } from './limits.js';

/** The last bytes an invocation wrote, bounded. */
export class LogBuffer {
  readonly #limitBytes: number;
  #bytes: Buffer = Buffer.alloc(0);

  /** @param limitBytes - How many trailing bytes to keep; defaults to 4 KB, Lambda's tail. */
  public constructor(limitBytes: number = LOG_TAIL_BYTES) {
    this.#limitBytes = limitBytes;
  }

  /** Appends a written chunk (a string in `encoding`, or bytes). */
  public append(chunk: unknown, encoding?: BufferEncoding): void {
    let bytes: Buffer;
    if (typeof chunk === 'string') bytes = Buffer.from(chunk, encoding ?? 'utf8');
    else if (chunk instanceof Uint8Array) bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else return;
    const joined = Buffer.concat([this.#bytes, bytes]);
    this.#bytes = joined.byteLength > this.#limitBytes ? joined.subarray(joined.byteLength - this.#limitBytes) : joined;
  }

  /** The kept bytes as base64, the form of `X-Amz-Log-Result`. */
  public base64(): string {
    return this.#bytes.toString('base64');
  }
}

const current = new AsyncLocalStorage<LogBuffer>();
type Write = typeof process.stdout.write;
let installed: { count: number; stdout: Write; stderr: Write } | undefined;

function tee(original: Write): Write {
  return function write(this: NodeJS.WriteStream, ...args: unknown[]): boolean {
    current.getStore()?.append(args[0], typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined);
    return (original as (...rest: unknown[]) => boolean).apply(this, args);
  } as Write;
}

/**
 * Starts teeing `process.stdout` and `process.stderr` writes into the current invocation's
 * {@link LogBuffer}. Reference-counted: each call returns a function that undoes it, and the streams are
 * restored when the last one is called.
 */
export function installLogCapture(): () => void {
  if (installed === undefined) {
    installed = { count: 0, stdout: process.stdout.write, stderr: process.stderr.write };
    process.stdout.write = tee(installed.stdout);
    process.stderr.write = tee(installed.stderr);
  }
  installed.count += 1;
  let released = false;
  return () => {
    if (released || installed === undefined) return;
    released = true;
    installed.count -= 1;
    if (installed.count === 0) {
      process.stdout.write = installed.stdout;
      process.stderr.write = installed.stderr;
      installed = undefined;
    }
  };
}

/** Runs `fn` so that what it (and everything it starts) writes is appended to `buffer`. */
export function withLogBuffer<T>(buffer: LogBuffer, fn: () => T): T {
  return current.run(buffer, fn);
}

/** Lambda's first log line of an invocation. */
export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}\n`;
}

/** The line Lambda logs when an invocation times out. */
export function timeoutLine(requestId: string, timeoutMs: number): string {
  return `${new Date().toISOString()} ${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds\n`;
}

/**
 * Lambda's last log lines of an invocation: `END` and `REPORT`. `Max Memory Used` is this whole process's
 * resident set size, not the invocation's.
 */
export function endLines(requestId: string, durationMs: number, memoryMb: number): string {
  const maxUsedMb = Math.round(process.memoryUsage.rss() / 1024 / 1024);
  return (
    `END RequestId: ${requestId}\n` +
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: ${maxUsedMb} MB\t\n`
  );
}
