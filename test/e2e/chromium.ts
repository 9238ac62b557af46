/**
 * Debian's Chromium for the browser suite, driven by playwright-core (no browser download: the system
 * executable is launched). Skipped with a note where it is missing, failing instead under `CI`, like the
 * nginx suites.
 */
import { findExecutable } from '@preview-lambda/local/executables';
import { type Browser, chromium } from 'playwright-core';

/**
 * The Chromium executable: `CHROMIUM_BIN` when set (and nothing else: none when it is not executable),
 * else `chromium` or `chromium-browser` on PATH or in /usr/bin.
 */
export const CHROMIUM_PATH: string | undefined = findExecutable({
  names: ['chromium', 'chromium-browser'],
  explicit: process.env.CHROMIUM_BIN,
  path: process.env.PATH,
  extraDirectories: ['/usr/bin'],
});

/** Whether the browser suite is skipped: only where Chromium is missing and `CI` is not set. */
export const SKIP_WITHOUT_CHROMIUM = CHROMIUM_PATH === undefined && !process.env.CI;

/** Says once why the suite is skipped. */
export function noteChromiumSkip(suite: string): void {
  if (SKIP_WITHOUT_CHROMIUM) {
    console.warn(
      `[${suite}] SKIPPED: Chromium is not installed (apt-get install chromium, or set CHROMIUM_BIN). ` +
        'In CI (CI set) this suite fails instead of skipping.',
    );
  }
}

/**
 * The flags that work on these machines (no sandbox as root, no GPU, no QUIC, nothing fetched in the
 * background); playwright-core adds `--headless` and a fresh `--user-data-dir` of its own.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium headless.
 *
 * @throws when Chromium is missing (under `CI`: the suite fails rather than skips) or cannot start.
 */
export function launchChromium(): Promise<Browser> {
  if (CHROMIUM_PATH === undefined) throw new Error('Chromium is not installed (apt-get install chromium, or set CHROMIUM_BIN)');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS, timeout: 30_000 });
}
