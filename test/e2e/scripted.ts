/**
 * A real nginx (the rendered preview.conf.template) between two scripted HTTP servers that record every
 * request: one plays S3, the other the preview proxy. The request line each receives is kept exactly as
 * sent (`req.url` is the raw request target), so the tests see the encoding nginx chose.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@preview-lambda/local/emulators';
import { type RunningNginx, startNginx } from '@preview-lambda/local/nginx';
import type { NginxConfigOptions } from '@preview-lambda/proxy/nginx/render';
import { NGINX_PATH } from './support.js';

/** One request as a scripted server received it. */
export interface Recorded {
  readonly method: string;
  /** The raw request target, e.g. `/previews-bucket/prew/small/a%2Bb.jpg`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** How a scripted server answers: `'hold'` keeps the request open until {@link Scripted.close}. */
export type Script = (request: Recorded, response: ServerResponse) => 'hold' | undefined;

/** An HTTP server that records requests and answers with a script. */
export class Scripted {
  public readonly requests: Recorded[] = [];
  public connections = 0;
  public readonly server: Server;
  readonly #held: ServerResponse[] = [];

  public constructor(respond: Script) {
    this.server = createServer((req, res) => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
      this.requests.push(recorded);
      if (respond(recorded, res) === 'hold') this.#held.push(res);
    });
    this.server.on('connection', () => {
      this.connections += 1;
    });
  }

  /** Listens on a free loopback port and returns it. */
  public async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  public async close(): Promise<void> {
    for (const res of this.#held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Headers real S3 sends with an object that must not reach clients: request ids, version, encryption,
 * checksums, object lock, user metadata (x-amz-meta-*, any name, in mixed case), a name S3 may add one day,
 * and a cookie.
 */
export const STORAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-amz-id-2': 'host-id',
  'x-amz-request-id': 'REQUESTID',
  'x-amz-version-id': 'v1',
  'x-amz-server-side-encryption': 'AES256',
  'x-amz-storage-class': 'STANDARD',
  'x-amz-checksum-crc32': 'AAAAAA==',
  'x-amz-meta-s3cmd-attrs': 'uid:0/gid:0/mode:33188',
  'X-Amz-Meta-Owner-Email': 'owner@example.com',
  'x-amz-meta-original-filename': 'IMG_0001.HEIC',
  'x-amz-meta-x': 'y',
  'x-amz-website-redirect-location': '/elsewhere',
  'x-amz-object-lock-mode': 'GOVERNANCE',
  'x-amz-some-future-header': 'z',
  'set-cookie': 'AWSALB=1; Path=/',
});

/** Answers like S3 answers an error: its status, an XML body and its own `x-amz-*` headers. */
export function s3Error(res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}): undefined {
  res.writeHead(status, {
    'content-type': 'application/xml',
    'x-amz-request-id': 'ERRID',
    'x-amz-id-2': 'ERRHOST',
    ...headers,
  });
  res.end(`<?xml version="1.0"?><Error><Code>${code}</Code><RequestId>ERRID</RequestId></Error>`);
  return undefined;
}

/** nginx between a scripted S3 and a scripted proxy. */
export interface ScriptedNginx {
  readonly nginx: RunningNginx;
  readonly s3Port: number;
  readonly proxyPort: number;
  /** Stops nginx and both scripted servers; removes nginx's prefix directory. */
  stop(): Promise<void>;
}

/**
 * Starts both scripted servers and an nginx between them: path-style S3 with the buckets
 * `originals-bucket` and `previews-bucket`, default roots (`/prew/`, `/photo/`).
 */
export async function startScriptedNginx(
  s3: Scripted,
  proxy: Scripted,
  config: Partial<NginxConfigOptions> = {},
): Promise<ScriptedNginx> {
  const s3Port = await s3.listen();
  const proxyPort = await proxy.listen();
  const between = await startNginxBetween(s3Port, proxyPort, config);
  return {
    nginx: between.nginx,
    s3Port,
    proxyPort,
    async stop() {
      await between.stop();
      await s3.close();
      await proxy.close().catch(() => undefined);
    },
  };
}

/**
 * Starts an nginx (in a temporary prefix) between scripted servers already listening on `s3Port` and
 * `proxyPort`, e.g. a second one rendered with other options; `stop()` stops it and removes its prefix.
 */
export async function startNginxBetween(
  s3Port: number,
  proxyPort: number,
  config: Partial<NginxConfigOptions> = {},
): Promise<{ readonly nginx: RunningNginx; stop(): Promise<void> }> {
  const prefixDir = await mkdtemp(join(tmpdir(), 'preview-nginx-'));
  const nginx = await startNginx({
    prefixDir,
    ...(NGINX_PATH === undefined ? {} : { nginxPath: NGINX_PATH }),
    config: {
      listen: { host: '127.0.0.1', port: await freePort() },
      proxy: { host: '127.0.0.1', port: proxyPort },
      s3: { style: 'path', endpoint: `http://127.0.0.1:${s3Port}` },
      originalsBucket: 'originals-bucket',
      previewsBucket: 'previews-bucket',
      ...config,
    },
  });
  return {
    nginx,
    async stop() {
      await nginx.stop();
      await rm(prefixDir, { recursive: true, force: true });
    },
  };
}
