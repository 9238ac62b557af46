/** Helpers of the createProxyServer suites: every server started here is closed after each test. */
import { afterEach } from 'vitest';
import { startProxy, type StartProxyOptions, type TestProxy, until } from './support.js';

/** A version-4 UUID, as `crypto.randomUUID` makes request ids. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const proxies: TestProxy[] = [];

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((running) => running.proxy.close()));
});

/** Starts a proxy server (closed after the test). */
export async function start(options: StartProxyOptions = {}): Promise<TestProxy> {
  const running = await startProxy(options);
  proxies.push(running);
  return running;
}

/** The access-log line of the request with `reqId`, once it is written. */
export async function accessLine(running: TestProxy, reqId: string): Promise<Record<string, unknown>> {
  await until(() => running.accessLogs().some((line) => line.reqId === reqId));
  return running.accessLogs().find((line) => line.reqId === reqId)!;
}
