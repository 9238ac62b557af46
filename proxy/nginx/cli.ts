/**
 * `npm run nginx:config -- [flags]`: prints the nginx configuration (http context) rendered from
 * `proxy/nginx/preview.conf.template`, e.g. for real S3:
 *
 *   npm run nginx:config -- --region eu-west-1 --bucket my-photos --listen 80 --proxy 127.0.0.1:8080
 *
 * `--write-example` rewrites the committed example `proxy/nginx/preview.aws.conf` instead.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type HostPort, NGINX_AWS_EXAMPLE_PATH, type NginxConfigOptions, renderNginxConfig } from './render.js';

/** The options the committed AWS example is rendered with. */
export const AWS_EXAMPLE_OPTIONS: NginxConfigOptions = Object.freeze<NginxConfigOptions>({
  listen: { host: '0.0.0.0', port: 80 },
  proxy: { host: '127.0.0.1', port: 8080 },
  s3: { style: 'virtual-host', region: 'eu-west-1' },
  originalsBucket: 'my-photos',
  previewsBucket: 'my-photos',
  accessLog: '/var/log/nginx/preview.access.log',
  presets: 'small=320;avif;webp,medium=720;avif;webp,large=1440;avif;webp',
});

/** The committed example `proxy/nginx/preview.aws.conf`: a header, then the rendered template. */
export function awsExampleConfig(): string {
  return `# EXAMPLE, rendered for real S3 by \`npm run nginx:config -- --write-example\` from preview.conf.template
# (do not edit by hand: a test checks that it is up to date). Values used: bucket my-photos (originals
# and previews), region eu-west-1, virtual-host addressing over https, nginx on port 80, the proxy on
# 127.0.0.1:8080 with its default REQUEST_TIMEOUT_MS (25 s) and KEEP_ALIVE_TIMEOUT_MS (65 s), the template's
# default presets (small=320;avif;webp,medium=720;avif;webp,large=1440;avif;webp) and FORMAT_ORDER avif,webp.
# Render your own with: npm run nginx:config -- --region REGION --bucket BUCKET --presets PRESETS [--listen 80] [--proxy 127.0.0.1:8080]
# Install it as /etc/nginx/conf.d/preview.conf (Debian's nginx.conf includes conf.d/*.conf inside http {}).
# nginx resolves the bucket's host name when it starts and on reload.

${renderNginxConfig(AWS_EXAMPLE_OPTIONS)}`;
}

const USAGE = `usage: npm run nginx:config -- [--write-example]
  [--listen [HOST:]PORT]                 default 127.0.0.1:8080
  [--proxy HOST:PORT]                    default 127.0.0.1:8080 (the proxy's PORT)
  S3, virtual-host style (real S3):      --region REGION [--s3-domain s3.REGION.amazonaws.com]
  S3, path style (emulators, dotted buckets): --endpoint URL (e.g. http://127.0.0.1:4568)
  --bucket NAME | --originals-bucket NAME --previews-bucket NAME
  [--preview-root prew] [--source-prefix photo]
  [--presets LIST]                       the proxy's PRESETS, e.g. small=320;avif;webp,large=1440 (variants by Accept)
  [--format-order avif,webp]             the proxy's FORMAT_ORDER
  [--server-includes preview.d/*.conf]   other locations of the server, relative to nginx's configuration directory
  [--proxy-request-timeout-ms 25000] [--proxy-keep-alive-timeout-ms 65000]
  [--access-log PATH] [--ca-certificates PATH]
`;

function hostPort(raw: string, fallbackHost: string): HostPort {
  const match = /^(?:(.+):)?(\d+)$/.exec(raw);
  if (match === null) throw new Error(`expected [HOST:]PORT but received "${raw}"`);
  return { host: (match[1] ?? fallbackHost).replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      'write-example': { type: 'boolean', default: false },
      listen: { type: 'string', default: '127.0.0.1:8080' },
      proxy: { type: 'string', default: '127.0.0.1:8080' },
      region: { type: 'string' },
      's3-domain': { type: 'string' },
      endpoint: { type: 'string' },
      bucket: { type: 'string' },
      'originals-bucket': { type: 'string' },
      'previews-bucket': { type: 'string' },
      'preview-root': { type: 'string' },
      'source-prefix': { type: 'string' },
      'proxy-request-timeout-ms': { type: 'string' },
      'proxy-keep-alive-timeout-ms': { type: 'string' },
      'access-log': { type: 'string' },
      'ca-certificates': { type: 'string' },
      presets: { type: 'string' },
      'format-order': { type: 'string' },
      'server-includes': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values['write-example']) {
    writeFileSync(NGINX_AWS_EXAMPLE_PATH, awsExampleConfig());
    process.stderr.write(`wrote ${NGINX_AWS_EXAMPLE_PATH}\n`);
    return;
  }
  const originals = values['originals-bucket'] ?? values.bucket;
  const previews = values['previews-bucket'] ?? values.bucket;
  if (originals === undefined || previews === undefined) throw new Error('--bucket (or both bucket flags) is required');
  if ((values.region === undefined) === (values.endpoint === undefined)) {
    throw new Error('give either --region (virtual-host style) or --endpoint (path style)');
  }
  const number = (raw: string | undefined) => (raw === undefined ? undefined : Number(raw));
  const options: NginxConfigOptions = {
    listen: hostPort(values.listen, '0.0.0.0'),
    proxy: hostPort(values.proxy, '127.0.0.1'),
    s3:
      values.endpoint === undefined
        ? {
            style: 'virtual-host',
            region: values.region!,
            ...(values['s3-domain'] === undefined ? {} : { domain: values['s3-domain'] }),
          }
        : { style: 'path', endpoint: values.endpoint },
    originalsBucket: originals,
    previewsBucket: previews,
    ...(values['preview-root'] === undefined ? {} : { previewRoot: values['preview-root'] }),
    ...(values['source-prefix'] === undefined ? {} : { sourcePrefix: values['source-prefix'] }),
    ...(values['proxy-request-timeout-ms'] === undefined
      ? {}
      : { proxyRequestTimeoutMs: number(values['proxy-request-timeout-ms']) }),
    ...(values['proxy-keep-alive-timeout-ms'] === undefined
      ? {}
      : { proxyKeepAliveTimeoutMs: number(values['proxy-keep-alive-timeout-ms']) }),
    ...(values['access-log'] === undefined ? {} : { accessLog: values['access-log'] }),
    ...(values['ca-certificates'] === undefined ? {} : { caCertificates: values['ca-certificates'] }),
    ...(values.presets === undefined ? {} : { presets: values.presets }),
    ...(values['format-order'] === undefined
      ? {}
      : { formatOrder: values['format-order'].split(',').map((format) => format.trim()) as NginxConfigOptions['formatOrder'] }),
    ...(values['server-includes'] === undefined ? {} : { serverIncludes: values['server-includes'] }),
  };
  process.stdout.write(renderNginxConfig(options));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`nginx:config: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
  }
}
