/**
 * Overload control after coalescing (proxy/src/admission.ts): `MAX_IN_FLIGHT` bounds distinct previews,
 * `MAX_COALESCED` the requests waiting on one already being handled; in the counter alone, in the server
 * with a gated fake invoker, and for the burst of issue 8 with the real PreviewInvoker and default settings.
 */
import { PreviewInvoker } from '@preview-lambda/invoker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PreviewAdmission } from '@preview-lambda/proxy/admission';
import { PROXY_DEFAULTS } from '@preview-lambda/proxy/config';
import { answer, FakeLambda } from '../invoker/fake-lambda.js';
import { FakeInvoker, gate, previewResult, send, startProxy, type StartProxyOptions, type TestProxy, until } from './support.js';

const proxies: TestProxy[] = [];

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((running) => running.proxy.close()));
});

async function start(options: StartProxyOptions): Promise<TestProxy> {
  const running = await startProxy(options);
  proxies.push(running);
  return running;
}

describe('Class: PreviewAdmission', () => {
  it('counts requests for one preview once against maxInFlight', () => {
    const admission = new PreviewAdmission({ maxInFlight: 1, maxCoalesced: 10 });

    const first = admission.admit('prew/small/a.jpg');
    const joined = [1, 2, 3].map(() => admission.admit('prew/small/a.jpg'));
    const other = admission.admit('prew/small/b.jpg');

    expect(first).toMatchObject({ admitted: true, coalesced: false });
    for (const each of joined) expect(each).toMatchObject({ admitted: true, coalesced: true });
    expect(other).toMatchObject({ admitted: false, limit: 'MAX_IN_FLIGHT' });
    expect([admission.requests, admission.distinct, admission.coalesced]).toEqual([4, 1, 3]);
  });

  it('refuses requests beyond maxCoalesced, across previews, and frees a key with its last request', () => {
    const admission = new PreviewAdmission({ maxInFlight: 2, maxCoalesced: 1 });
    const a = admission.admit('a');
    const b = admission.admit('b');
    const aJoined = admission.admit('a');

    expect(admission.admit('b')).toEqual({
      admitted: false,
      limit: 'MAX_COALESCED',
      reason: 'MAX_COALESCED (1) requests already wait on previews being handled',
    });
    if (!a.admitted || !b.admitted || !aJoined.admitted) throw new Error('expected admissions');
    a.release();
    a.release();
    expect([admission.requests, admission.distinct, admission.coalesced]).toEqual([2, 2, 0]);
    aJoined.release();
    b.release();
    expect([admission.requests, admission.distinct]).toEqual([0, 0]);
    expect(admission.admit('c')).toMatchObject({ admitted: true, coalesced: false });
  });

  it('with maxCoalesced 0, lets no request wait on another', () => {
    const admission = new PreviewAdmission({ maxInFlight: 5, maxCoalesced: 0 });
    expect(admission.admit('a').admitted).toBe(true);
    expect(admission.admit('a')).toMatchObject({ admitted: false, limit: 'MAX_COALESCED' });
  });
});

describe('Function: createProxyServer, bounded work after coalescing', () => {
  it('serves every request for previews already in flight while a new preview gets 503 beyond MAX_IN_FLIGHT', async () => {
    const release = gate();
    const invoker = new FakeInvoker(async () => {
      await release.opened;
      return previewResult();
    });
    const running = await start({ invoker, env: { MAX_IN_FLIGHT: '1' } });
    const same = Array.from({ length: 5 }, () => send(running.port, '/prew/small/a.jpg'));
    await until(() => running.proxy.inFlight === 5);

    const other = await send(running.port, '/prew/small/b.jpg', { headers: { 'X-Request-Id': 'other' } });

    expect(running.proxy.previewsInFlight).toBe(1);
    expect([other.status, other.headers['x-preview-error']]).toEqual([503, 'OVERLOADED']);
    release.open();
    expect((await Promise.all(same)).map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    await until(() => running.accessLogs().some((line) => line.reqId === 'other'));
    expect(running.accessLogs().find((line) => line.reqId === 'other')).toMatchObject({
      outcome: 'overloaded',
      reason: 'MAX_IN_FLIGHT (1) distinct previews are being handled',
    });
  });

  it('answers 503 beyond MAX_COALESCED requests waiting, and recovers', async () => {
    const release = gate();
    const invoker = new FakeInvoker(async () => {
      await release.opened;
      return previewResult();
    });
    const running = await start({ invoker, env: { MAX_IN_FLIGHT: '4', MAX_COALESCED: '2' } });
    const admitted = [send(running.port, '/prew/small/a.jpg'), send(running.port, '/prew/small/b.jpg')];
    await until(() => running.proxy.inFlight === 2);
    admitted.push(send(running.port, '/prew/small/a.jpg'), send(running.port, '/prew/small/b.jpg'));
    await until(() => running.proxy.inFlight === 4);

    const refused = await send(running.port, '/prew/small/a.jpg');
    const distinct = send(running.port, '/prew/small/c.jpg');
    await until(() => running.proxy.previewsInFlight === 3);

    expect([refused.status, refused.headers['retry-after'], refused.headers['x-preview-error']]).toEqual([
      503,
      '1',
      'OVERLOADED',
    ]);
    release.open();
    expect((await Promise.all([...admitted, distinct])).map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    await until(() => running.proxy.inFlight === 0);
    expect((await send(running.port, '/prew/small/a.jpg')).status).toBe(200);
  });

  describe('the burst of issue 8, with the real PreviewInvoker and default settings', () => {
    let lambda: FakeLambda;
    let invoker: PreviewInvoker;

    beforeAll(async () => {
      lambda = await FakeLambda.start();
      // Each invocation takes 150 ms, so that many requests for one preview arrive while it runs.
      lambda.otherwise({
        ...answer({ status: true, key: 'prew/small/x.jpg', content_type: 'image/jpeg', data: 'AQID', error: '' }),
        delayMs: 150,
      });
      invoker = new PreviewInvoker({
        functionName: 'PreviewFunction',
        clientConfig: { endpoint: lambda.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
      });
    });

    afterAll(async () => {
      invoker?.destroy();
      await lambda?.close();
    });

    it('answers 1000 requests, 100 at a time, for 50 missing previews without a single 503', async () => {
      const running = await start({ invoker, env: { LOG_LEVEL: 'warn' } });
      let next = 0;
      let mostPreviews = 0;
      const statuses: number[] = [];
      const worker = async (): Promise<void> => {
        while (next < 1000) {
          const key = next % 50;
          next += 1;
          const response = await send(running.port, `/prew/small/burst/${key}.jpg`);
          statuses.push(response.status);
          mostPreviews = Math.max(mostPreviews, running.proxy.previewsInFlight);
        }
      };
      await Promise.all(Array.from({ length: 100 }, worker));

      expect(statuses).toHaveLength(1000);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      expect(mostPreviews).toBeLessThanOrEqual(PROXY_DEFAULTS.MAX_IN_FLIGHT);
      // Requests for a preview whose invocation is running share it (about two at a time per preview here).
      expect(lambda.requests.length).toBeGreaterThanOrEqual(50);
      expect(lambda.requests.length).toBeLessThan(800);
    });
  });
});
