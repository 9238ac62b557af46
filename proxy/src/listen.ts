/**
 * Starting a `node:http` server, one way for the proxy's port and for the metrics' own (`METRICS_PORT`).
 *
 * @module
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where a listening server is. */
export interface ListeningAddress {
  /** The bound address, e.g. `127.0.0.1`. */
  readonly host: string;
  /** The bound port (the real one when asked for port `0`). */
  readonly port: number;
  /** `http://host:port` (an IPv6 address in brackets). */
  readonly url: string;
}

/**
 * Listens on `host:port` (`0`: a free port) and resolves once bound.
 *
 * @throws the listen error (e.g. `EADDRINUSE`).
 */
export async function listen(server: Server, port: number, host: string): Promise<ListeningAddress> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { host: address.address, port: address.port, url: `http://${shown}:${address.port}` };
}
