/**
 * Integration-test harness: the real handler over the local AWS emulators, with counters on the two
 * operations that must happen once per preview (resize and PutObject).
 *
 * The backend is `node` (s3rver + dynalite) unless `PREVIEW_TEST_BACKEND=moto`.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { parseHandlerConfig } from '@preview-lambda/handler/config';
import type { FunctionHandler } from '@preview-lambda/handler/entry';
import type { PreviewHandler, ResizeFunction } from '@preview-lambda/handler/handler';
import { TEST_PRESETS } from './requests.js';

export { lambdaContext } from '@preview-lambda/local/context';

import { type EmulatorBackend, type Emulators, freePort, startEmulators } from '@preview-lambda/local/emulators';
import { type CountedPreviewHandler, createCountedPreviewHandler } from '@preview-lambda/local/preview-function';

/** Bucket names every integration test uses. */
export const BUCKETS = Object.freeze({
  source: 'originals-bucket',
  destination: 'previews-bucket',
  forbidden: 'not-allowed-bucket',
});

/** The emulator backend selected for this run. */
export const BACKEND: EmulatorBackend = process.env.PREVIEW_TEST_BACKEND === 'moto' ? 'moto' : 'node';

/** A handler under test with the counters and clients to inspect what it did. */
export interface HandlerUnderTest {
  /** The Go contract's handler. */
  readonly handler: PreviewHandler;
  /** The function's entry point around it: Go payloads, S3 and EventBridge events, Batch Operations. */
  readonly entry: FunctionHandler;
  readonly logger: Logger;
  readonly tableName: string;
  /** The EMF metrics blobs published so far, one JSON line per invocation, in order. */
  readonly metricLines: readonly string[];
  /** Calls of the resize function so far. */
  resizes(): number;
  /** PutObject calls made by the handler's S3 client so far. */
  puts(): number;
}

/** Options for {@link Harness.handler}. */
export interface HandlerUnderTestOptions {
  /** Extra or overriding environment variables for the handler's config. */
  env?: Record<string, string>;
  /** Point idempotency at a port where nothing listens (DynamoDB down). */
  dynamodbDown?: boolean;
  /** Point the handler's S3 client at a port where nothing listens (S3 down). */
  s3Down?: boolean;
  /** Point the handler's clients at these endpoints instead (e.g. a fault proxy in front of the emulators). */
  endpoints?: { s3?: string; dynamodb?: string };
  /** Resize implementation behind the counter; defaults to the real `resizeImage`. */
  resize?: ResizeFunction;
  /**
   * Leave the EMF metrics on standard output, the production path (Powertools `publishStoredMetrics`),
   * instead of collecting them in `metricLines`.
   */
  metricsToStdout?: boolean;
  /** X-Ray tracing (only a simulated Lambda environment gives one: see test/handler/tracing.test.ts). */
  tracer?: Tracer;
}

/** Running emulators with buckets, plus factories for handlers and contexts. */
export interface Harness {
  readonly emulators: Emulators;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  /** Builds a handler with its own fresh idempotency table. */
  handler(options?: HandlerUnderTestOptions): Promise<HandlerUnderTest>;
  /** Uploads an original to the source bucket. */
  putSource(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** Reads an object back whole, with its headers. */
  getObject(
    bucket: string,
    key: string,
  ): Promise<{ bytes: Buffer; contentType?: string; cacheControl?: string } | undefined>;
  /** Deletes an object. */
  deleteObject(bucket: string, key: string): Promise<void>;
  /** Every object of a bucket as `key etag` lines, sorted: compare two listings to prove nothing changed. */
  listBucket(bucket: string): Promise<string[]>;
  /** The grants of an object (moto only; s3rver ignores ACLs). */
  getGrants(bucket: string, key: string): Promise<string[]>;
  /** Every item in an idempotency table. */
  records(tableName: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/** Starts the emulators and creates the buckets. */
export async function startHarness(): Promise<Harness> {
  const emulators = await startEmulators({ backend: BACKEND });
  for (const bucket of Object.values(BUCKETS)) await emulators.createBucket(bucket);
  const s3 = new S3Client(emulators.s3Config());
  const dynamodb = new DynamoDBClient(emulators.dynamodbConfig());
  const handlers: CountedPreviewHandler[] = [];

  return {
    emulators,
    s3,
    dynamodb,
    async handler(options = {}) {
      const tableName = `idempotency-${randomUUID()}`;
      await emulators.createIdempotencyTable(tableName);
      const config = parseHandlerConfig({
        SOURCE_BUCKETS: BUCKETS.source,
        DESTINATION_BUCKETS: BUCKETS.destination,
        IDEMPOTENCY_TABLE_NAME: tableName,
        PRESETS: TEST_PRESETS,
        S3_FORCE_PATH_STYLE: 'true',
        LOG_LEVEL: 'SILENT',
        ...options.env,
      });
      const logger = new Logger({ serviceName: 'preview-lambda-test', logLevel: config.logLevel });
      // The function's own composition root and client settings; only where the clients point differs.
      const { s3: s3Overrides, dynamodb: dynamodbOverrides } = emulators.clientOverrides();
      const nowhere = async () => `http://127.0.0.1:${await freePort()}`;
      const s3Endpoint = options.s3Down ? await nowhere() : (options.endpoints?.s3 ?? s3Overrides.endpoint);
      const dynamodbEndpoint = options.dynamodbDown
        ? await nowhere()
        : (options.endpoints?.dynamodb ?? dynamodbOverrides.endpoint);
      const metricLines: string[] = [];
      const counted = createCountedPreviewHandler({
        config,
        logger,
        ...(options.metricsToStdout ? {} : { emitMetrics: (line: string) => void metricLines.push(line) }),
        clients: {
          s3: { ...s3Overrides, endpoint: s3Endpoint },
          dynamodb: { ...dynamodbOverrides, endpoint: dynamodbEndpoint },
        },
        ...(options.resize === undefined ? {} : { resize: options.resize }),
        ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
      });
      handlers.push(counted);
      return { ...counted, logger, tableName, metricLines };
    },
    async putSource(key, body, contentType = 'application/octet-stream') {
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKETS.source, Key: key, Body: body, ContentType: contentType }),
      );
    },
    async getObject(bucket, key) {
      try {
        const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const bytes = Buffer.from(await output.Body!.transformToByteArray());
        return { bytes, contentType: output.ContentType, cacheControl: output.CacheControl };
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async deleteObject(bucket, key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async listBucket(bucket) {
      const lines: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const object of page.Contents ?? []) lines.push(`${object.Key} ${object.ETag}`);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return lines.sort();
    },
    async getGrants(bucket, key) {
      const output = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
      return (output.Grants ?? []).map(
        (grant) => `${grant.Grantee?.URI ?? grant.Grantee?.ID ?? 'unknown'}:${grant.Permission ?? ''}`,
      );
    },
    async records(tableName) {
      const output = await dynamodb.send(new ScanCommand({ TableName: tableName }));
      return output.Items ?? [];
    },
    async stop() {
      for (const counted of handlers) counted.destroy();
      s3.destroy();
      dynamodb.destroy();
      await emulators.stop();
    },
  };
}
