/**
 * Helpers for the end-to-end tests with a real nginx: whether nginx (with the modules the template needs)
 * is there, and the rule that CI must have it, a raw HTTP client and access-log lookups by request id.
 */
import { NginxNotFoundError } from '@preview-lambda/local/errors';
import { findNginx, type NginxAccessEntry, type RunningNginx } from '@preview-lambda/local/nginx';
import { nginxModulePaths } from '@preview-lambda/local/nginx-modules';

export { type RawResponse, send } from '../proxy/support.js';

/** The nginx executable, when installed. */
export const NGINX_PATH = findNginx();

/** Why these suites cannot run here: nginx or a module it needs is missing; `undefined` when they can. */
const MISSING: string | undefined = (() => {
  if (NGINX_PATH === undefined) return new NginxNotFoundError().message;
  try {
    nginxModulePaths(NGINX_PATH);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
})();

/**
 * Whether the suites that need nginx are skipped: only where nginx (or a module the template needs) is
 * missing *and* `CI` is not set. In CI they run and fail (`NginxNotFoundError`,
 * `NginxModuleNotFoundError`), so they can never pass by skipping.
 */
export const SKIP_WITHOUT_NGINX = MISSING !== undefined && !process.env.CI;

/** Says once, on the console, why a suite is skipped. */
export function noteSkip(suite: string): void {
  if (SKIP_WITHOUT_NGINX) {
    console.warn(
      `[${suite}] SKIPPED: ${MISSING}. These tests need a real nginx with its modules; ` +
        'in CI (CI set) they fail instead of skipping.',
    );
  }
}

/**
 * The access-log entry of the request whose `X-Request-Id` answer header was `requestId`. nginx writes the
 * line after answering, so this polls.
 */
export async function accessEntry(nginx: RunningNginx, requestId: unknown, timeoutMs = 2_000): Promise<NginxAccessEntry> {
  if (typeof requestId !== 'string') throw new Error(`expected an X-Request-Id header but got ${String(requestId)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = (await nginx.accessLog()).find((each) => each.requestId === requestId);
    if (entry !== undefined) return entry;
    if (Date.now() > deadline) throw new Error(`no access-log line for request ${requestId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
