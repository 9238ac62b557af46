/**
 * Local AWS APIs for tests, `npm run invoke` and the demo: S3 and DynamoDB served over real HTTP on free
 * loopback ports, so the code under test talks to them through the ordinary AWS SDK.
 *
 * Two backends:
 * - `node` (default): the npm packages `s3rver` and `dynalite`, started in-process — a fresh machine
 *   needs only Node.
 * - `moto`: one `moto_server` child process serving both APIs (stricter: honours ACLs and the TTL API).
 *   Needs `pip install "moto[server]"`; CI machines have it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { dropAbortedRequests } from './dynalite-aborts.js';
import { makePutsAtomic } from './s3rver-atomic.js';

/** Which implementation serves the local AWS APIs. */
export type EmulatorBackend = 'node' | 'moto';

/** Options for {@link startEmulators}. */
export interface EmulatorsOptions {
  /** Backend to start; defaults to `node` (s3rver + dynalite). */
  backend?: EmulatorBackend;
  /** Print the emulators' own request logs. Defaults to false. */
  verbose?: boolean;
}

/** Credentials every backend accepts (s3rver insists on exactly these). */
export const EMULATOR_CREDENTIALS = Object.freeze({
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
});

/** Region the emulators pretend to be in. */
export const EMULATOR_REGION = 'us-east-1';

/** Running local AWS APIs and helpers to provision and reach them. */
export interface Emulators {
  /** The backend that is running. */
  readonly backend: EmulatorBackend;
  /** Base URL of the S3 API, e.g. `http://127.0.0.1:40123`. */
  readonly s3Endpoint: string;
  /** Base URL of the DynamoDB API. */
  readonly dynamodbEndpoint: string;
  /**
   * The environment a process needs to reach these emulators through the SDK's standard variables
   * (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_DYNAMODB`, credentials, region) plus `S3_FORCE_PATH_STYLE`.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Client configuration for an S3 client pointed at the emulator (path-style). */
  s3Config(): S3ClientConfig;
  /** Client configuration for a DynamoDB client pointed at the emulator. */
  dynamodbConfig(): DynamoDBClientConfig;
  /**
   * Where the function's clients point (endpoints, credentials, region), for its composition root's
   * `createClients`; everything else stays production's.
   */
  clientOverrides(): {
    s3: Pick<S3ClientConfig, 'endpoint' | 'credentials' | 'region'>;
    dynamodb: Pick<DynamoDBClientConfig, 'endpoint' | 'credentials' | 'region'>;
  };
  /** Creates a bucket; succeeds if it already exists. */
  createBucket(name: string): Promise<void>;
  /**
   * Creates a Powertools idempotency table (partition key `id`, TTL on `expiration` where supported);
   * succeeds if it already exists.
   */
  createIdempotencyTable(name: string): Promise<void>;
  /** Stops every process and server this started and removes their files. */
  stop(): Promise<void>;
}

/** Finds a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('Could not allocate a free port');
  return address.port;
}

interface Running {
  s3Endpoint: string;
  dynamodbEndpoint: string;
  stop: () => Promise<void>;
}

async function startNodeBackend(verbose: boolean): Promise<Running> {
  const directory = await mkdtemp(join(tmpdir(), 'preview-s3rver-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: await freePort(),
    silent: !verbose,
    directory,
    allowMismatchedSignatures: true,
  });
  makePutsAtomic(s3, `${directory}-partial`);
  const s3Address = await s3.run();

  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, verbose });
  dropAbortedRequests(dynamo);
  const dynamoPort = await freePort();
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(dynamoPort, '127.0.0.1', () => resolve());
  });

  return {
    s3Endpoint: `http://127.0.0.1:${s3Address.port}`,
    dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}`,
    stop: async () => {
      await s3.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
      await rm(`${directory}-partial`, { recursive: true, force: true });
    },
  };
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`moto_server did not answer at ${url} within ${timeoutMs} ms`, { cause: lastError });
}

async function startMotoBackend(verbose: boolean): Promise<Running> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', verbose ? 'inherit' : 'ignore', verbose ? 'inherit' : 'ignore'],
  });
  const spawned = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`Could not start moto_server (pip install "moto[server]"): ${error.message}`)),
    );
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await Promise.race([waitForHttp(`${endpoint}/moto-api/`, child, 20_000), spawned]);
  return {
    s3Endpoint: endpoint,
    dynamodbEndpoint: endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Starts the local S3 and DynamoDB APIs on free loopback ports. */
export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
  const backend = options.backend ?? 'node';
  const verbose = options.verbose ?? false;
  const running = backend === 'moto' ? await startMotoBackend(verbose) : await startNodeBackend(verbose);
  return emulatorsAt(backend, running);
}

/** Where emulators that another process started listen, and which backend they are. */
export interface RunningEmulators {
  readonly backend: EmulatorBackend;
  /** Base URL of the S3 API. */
  readonly s3Endpoint: string;
  /** Base URL of the DynamoDB API. */
  readonly dynamodbEndpoint: string;
}

/**
 * Emulators that are already running elsewhere (e.g. started by a test, which can then restart the Lambda
 * endpoint around them): the same helpers as {@link startEmulators} gives; `stop()` leaves them running.
 */
export function connectEmulators(running: RunningEmulators): Emulators {
  return emulatorsAt(running.backend, { ...running, stop: async () => undefined });
}

function emulatorsAt(backend: EmulatorBackend, running: Running): Emulators {
  // The SDK annotates the credentials object it is given, so every client gets a fresh copy.
  const base = () => ({ region: EMULATOR_REGION, credentials: { ...EMULATOR_CREDENTIALS } });
  const s3Config = (): S3ClientConfig => ({ ...base(), endpoint: running.s3Endpoint, forcePathStyle: true });
  const dynamodbConfig = (): DynamoDBClientConfig => ({ ...base(), endpoint: running.dynamodbEndpoint });
  const env = Object.freeze({
    AWS_REGION: EMULATOR_REGION,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: running.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: running.dynamodbEndpoint,
    S3_FORCE_PATH_STYLE: 'true',
  });

  return {
    backend,
    s3Endpoint: running.s3Endpoint,
    dynamodbEndpoint: running.dynamodbEndpoint,
    env,
    s3Config,
    dynamodbConfig,
    clientOverrides: () => ({
      s3: { ...base(), endpoint: running.s3Endpoint },
      dynamodb: { ...base(), endpoint: running.dynamodbEndpoint },
    }),
    async createBucket(name) {
      const client = new S3Client(s3Config());
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } catch (error) {
        const code = (error as { name?: string }).name;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
      } finally {
        client.destroy();
      }
    },
    async createIdempotencyTable(name) {
      const client = new DynamoDBClient(dynamodbConfig());
      try {
        try {
          await client.send(
            new CreateTableCommand({
              TableName: name,
              BillingMode: 'PAY_PER_REQUEST',
              AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
              KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            }),
          );
        } catch (error) {
          // Created before (e.g. by an earlier run against the same emulators), TTL included.
          if ((error as { name?: string }).name === 'ResourceInUseException') return;
          throw error;
        }
        await waitUntilTableExists(
          { client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.5 },
          { TableName: name },
        );
        // dynalite lacks the TTL API; moto and real DynamoDB have it.
        if (backend === 'moto') {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: name,
              TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
            }),
          );
        }
      } finally {
        client.destroy();
      }
    },
    stop: running.stop,
  };
}
