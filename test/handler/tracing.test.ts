/**
 * Optional X-Ray tracing, end to end: the function runs in a child process with the variables the Lambda
 * service sets under active tracing, and the X-Ray SDK sends its subsegments (UDP, the daemon protocol) to
 * a socket of this test, which reads them as the X-Ray daemon would.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { HANDLER_SUBSEGMENT, loadTracer, RESIZE_SUBSEGMENT } from '@preview-lambda/handler/tracing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TRACE_ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const LAMBDA_PARENT = '53995c3f42cd8ad8';

/** The fields of a subsegment document this test reads (X-Ray segment document schema). */
interface SubsegmentDocument {
  readonly name: string;
  readonly id: string;
  readonly parent_id: string;
  readonly trace_id: string;
  readonly annotations?: Record<string, string | number | boolean>;
  readonly aws?: { readonly operation?: string };
  readonly error?: boolean;
  readonly fault?: boolean;
}

let socket: Socket;
const documents: SubsegmentDocument[] = [];
let stdout = '';

beforeAll(async () => {
  socket = createSocket('udp4');
  // The daemon protocol: a JSON header line, then the segment document.
  socket.on('message', (message) => {
    const [header, body] = message.toString('utf8').split('\n');
    expect(JSON.parse(header!)).toEqual({ format: 'json', version: 1 });
    documents.push(JSON.parse(body!) as SubsegmentDocument);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const child = spawn(
    process.execPath,
    ['--conditions=@preview-lambda/source', '--import', 'tsx', 'test/handler/support/traced-invocations.ts'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        LAMBDA_TASK_ROOT: '/var/task',
        _X_AMZN_TRACE_ID: `Root=${TRACE_ROOT};Parent=${LAMBDA_PARENT};Sampled=1`,
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${socket.address().port}`,
      },
    },
  );
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the traced child exited ${code}: ${stderr}`);
  // Datagrams sent just before the exit are still being delivered.
  await new Promise((resolve) => setTimeout(resolve, 200));
}, 60_000);

afterAll(() => socket?.close());

function invocations(): SubsegmentDocument[] {
  return documents.filter((document) => document.name === HANDLER_SUBSEGMENT);
}

function childrenOf(parent: SubsegmentDocument): string[] {
  return documents
    .filter((document) => document.parent_id === parent.id)
    .map((document) => (document.aws?.operation === undefined ? document.name : `${document.name} ${document.aws.operation}`));
}

describe('Function: X-Ray tracing (POWERTOOLS_TRACE_ENABLED in Lambda)', () => {
  it('answers as without tracing', () => {
    const answers = JSON.parse(stdout) as { preview: { status: boolean }; missing: { code: string } };
    expect(answers.preview.status).toBe(true);
    expect(answers.missing.code).toBe('SOURCE_NOT_FOUND');
  });

  it('traces each invocation in a subsegment of Lambda’s, annotated with the cold start and the service', () => {
    const [first, second] = invocations();
    expect(invocations()).toHaveLength(2);
    for (const invocation of [first!, second!]) {
      expect(invocation.trace_id).toBe(TRACE_ROOT);
      expect(invocation.parent_id).toBe(LAMBDA_PARENT);
    }
    expect(first!.annotations).toEqual({ ColdStart: true, Service: 'preview-lambda' });
    expect(second!.annotations).toEqual({ ColdStart: false, Service: 'preview-lambda', code: 'SOURCE_NOT_FOUND' });
  });

  it('captures every S3 and DynamoDB call and the resize as subsegments of the invocation', () => {
    const [preview, missing] = invocations();
    // HeadObject: after writing, the original's ETag is read again (freshness.ts).
    expect(childrenOf(preview!).sort()).toEqual(
      ['DynamoDB PutItem', 'DynamoDB UpdateItem', 'S3 GetObject', 'S3 HeadObject', 'S3 PutObject', RESIZE_SUBSEGMENT].sort(),
    );
    expect(childrenOf(missing!).sort()).toEqual(['DynamoDB DeleteItem', 'DynamoDB PutItem', 'S3 GetObject']);
  });

  it('records the failed S3 read as an error of its subsegment', () => {
    const [, missing] = invocations();
    const read = documents.find((document) => document.parent_id === missing!.id && document.aws?.operation === 'GetObject');
    expect(read?.error).toBe(true);
  });
});

describe('Function: loadTracer', () => {
  it('loads nothing when tracing is off', async () => {
    await expect(loadTracer({ tracing: false, serviceName: 'preview-lambda' })).resolves.toBeUndefined();
  });

  it('gives no tracer outside Lambda, even when tracing is on (Powertools disables it there)', async () => {
    await expect(loadTracer({ tracing: true, serviceName: 'preview-lambda' })).resolves.toBeUndefined();
  });
});
