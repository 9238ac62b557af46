/**
 * The https side of the nginx configuration, as used in front of real S3: nginx connects to S3 over TLS
 * with SNI and the `Host` of the S3 name, and verifies S3's certificate against the CA bundle. A scripted
 * S3 serves a certificate for `localhost` from a throw-away CA made with the openssl command-line tool.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@preview-lambda/local/emulators';
import { type RunningNginx, startNginx } from '@preview-lambda/local/nginx';
import { NGINX_PATH, noteSkip, send, SKIP_WITHOUT_NGINX } from './support.js';

noteSkip('nginx to S3 over TLS');

const OPENSSL = spawnSync('openssl', ['version']).status === 0;
if (!OPENSSL) console.warn('[nginx to S3 over TLS] SKIPPED: the openssl command is not installed');

const directory = mkdtempSync(join(tmpdir(), 'preview-nginx-tls-'));
const seen: { url: string; host: string | undefined; servername: string | false | null }[] = [];
let server: Server;
const running: RunningNginx[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: directory, stdio: 'ignore' });
}

/** A CA (`<name>.pem`, `<name>.key`). */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`);
}

async function nginxTrusting(ca: string, s3Port: number): Promise<RunningNginx> {
  const nginx = await startNginx({
    prefixDir: mkdtempSync(join(directory, 'prefix-')),
    ...(NGINX_PATH === undefined ? {} : { nginxPath: NGINX_PATH }),
    config: {
      listen: { host: '127.0.0.1', port: await freePort() },
      // Nothing listens there: a miss would be a 502, which these tests never cause.
      proxy: { host: '127.0.0.1', port: await freePort() },
      s3: { style: 'path', endpoint: `https://localhost:${s3Port}` },
      originalsBucket: 'originals-bucket',
      previewsBucket: 'previews-bucket',
      caCertificates: join(directory, ca),
    },
  });
  running.push(nginx);
  return nginx;
}

describe.skipIf(SKIP_WITHOUT_NGINX || !OPENSSL)('nginx → S3 over https', () => {
  let s3Port: number;

  beforeAll(async () => {
    makeCa('ca');
    makeCa('other-ca');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
      '-keyout', 'server.key', '-out', 'server.csr');
    writeFileSync(join(directory, 'ext.cnf'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
      '-extfile', 'ext.cnf', '-out', 'server.pem');
    server = createServer(
      { key: readFileSync(join(directory, 'server.key')), cert: readFileSync(join(directory, 'server.pem')) },
      (req, res) => {
        seen.push({ url: req.url ?? '', host: req.headers.host, servername: (req.socket as TLSSocket).servername });
        if (req.url === '/previews-bucket/prew/small/hit.jpg') {
          res.writeHead(200, { 'content-type': 'image/jpeg' });
          res.end('over tls');
        } else {
          res.writeHead(404);
          res.end();
        }
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    s3Port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const nginx of running) await nginx.stop();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    rmSync(directory, { recursive: true, force: true });
  });

  it('connects with SNI and Host set to the S3 name and serves the object when the certificate verifies', async () => {
    const nginx = await nginxTrusting('ca.pem', s3Port);

    const response = await send(nginx.port, '/prew/small/hit.jpg');

    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('over tls');
    expect(seen.at(-1)).toEqual({
      url: '/previews-bucket/prew/small/hit.jpg',
      host: `localhost:${s3Port}`,
      servername: 'localhost',
    });
  });

  it('refuses S3 whose certificate does not verify: 502, nothing served', async () => {
    const nginx = await nginxTrusting('other-ca.pem', s3Port);
    const before = seen.length;

    const response = await send(nginx.port, '/prew/small/hit.jpg');

    expect(response.status).toBe(502);
    expect(response.body.toString()).toBe('Bad Gateway: storage unavailable\n');
    expect(seen.length).toBe(before);
  });
});
