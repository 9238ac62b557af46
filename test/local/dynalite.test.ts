/**
 * The dynalite patch (local/dynalite-aborts.ts): a DynamoDB request whose connection breaks before its body
 * has arrived (an SDK call aborted mid-send, a dropped connection) is dropped, as DynamoDB drops it,
 * instead of being rethrown as an uncaught exception that ends the process hosting the emulator.
 */
import { connect } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '@preview-lambda/local/emulators';

let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators({ backend: 'node' });
});

afterAll(async () => {
  await emulators?.stop();
});

/** Sends the headers of a 100-byte PutItem and 20 bytes of its body, then closes the connection. */
async function cutRequest(endpoint: string): Promise<void> {
  const { hostname, port } = new URL(endpoint);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n' +
      'X-Amz-Target: DynamoDB_20120810.PutItem\r\nContent-Length: 100\r\n\r\n{"TableName":"t",',
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.destroy();
  await new Promise((resolve) => socket.once('close', resolve));
}

describe('Function: dropAbortedRequests (dynalite 4.0.0)', () => {
  it('drops a request whose body is cut, and keeps serving', async () => {
    const uncaught: unknown[] = [];
    const record = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      await cutRequest(emulators.dynamodbEndpoint);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('uncaughtException', record);
    }

    expect(uncaught).toEqual([]);
    const client = new DynamoDBClient(emulators.dynamodbConfig());
    try {
      await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
    } finally {
      client.destroy();
    }
  });
});
