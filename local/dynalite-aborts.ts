/**
 * The one patch this project applies to `dynalite` (4.0.0, the in-process DynamoDB of the `node` backend).
 * `test/local/dynalite.test.ts` fails when it stops holding.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Drops a request whose connection breaks before its body has arrived, as DynamoDB does. dynalite rethrows
 * a request stream error (`req.on('error', (err) => { throw err })`), so one SDK call aborted mid-send or
 * one dropped connection is an uncaught exception that ends the process hosting the emulator: the tests,
 * `npm start`, `npm run lambda:local`. This listener runs after dynalite's own (listeners run in the order
 * they were added, and dynalite attaches its stream listeners synchronously) and replaces that one.
 */
export function dropAbortedRequests(server: Server): void {
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    request.removeAllListeners('error');
    request.on('error', () => response.destroy());
  });
}
