/**
 * Rendering of proxy/nginx/preview.conf.template (local/nginx.ts): placeholders, S3 addressing styles,
 * the timeout rules, the committed AWS example, and `nginx -t` on the results where nginx is installed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DECODED_TYPES } from '@preview-lambda/contract';
import { AWS_EXAMPLE_OPTIONS, awsExampleConfig } from '@preview-lambda/proxy/nginx/cli';
import {
  DEFAULT_CA_CERTIFICATES,
  INLINE_IMAGE_TYPES,
  NGINX_AWS_EXAMPLE_PATH,
  NGINX_TEMPLATE_PATH,
  NGINX_TEMPLATE_VARIABLES,
  type NginxConfigOptions,
  nginxTemplateValues,
  renderNginxConfig,
} from '@preview-lambda/proxy/nginx/render';
import { NginxConfigError } from '@preview-lambda/proxy/errors';
import { NginxModuleNotFoundError } from '@preview-lambda/local/errors';
import { HEADERS_MORE_MODULE, nginxModulePaths, parseNginxBuild } from '@preview-lambda/local/nginx-modules';
import { findNginx, parseAccessLog, renderMainConfig } from '@preview-lambda/local/nginx';

const LOCAL: NginxConfigOptions = {
  listen: { host: '127.0.0.1', port: 8080 },
  proxy: { host: '127.0.0.1', port: 8081 },
  s3: { style: 'path', endpoint: 'http://127.0.0.1:4568' },
  originalsBucket: 'originals-bucket',
  previewsBucket: 'previews-bucket',
};

const NGINX = findNginx();
/** The modules to load for `nginx -t`, or `undefined` when nginx or one of them is missing here. */
const MODULES = ((): string[] | undefined => {
  try {
    return NGINX === undefined ? undefined : nginxModulePaths(NGINX);
  } catch {
    return undefined;
  }
})();
const scratch = mkdtempSync(join(tmpdir(), 'preview-nginx-config-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `nginx -t` on a prefix holding the main configuration and `preview.conf`. */
function nginxTest(preview: string): { status: number | null; output: string } {
  const prefix = mkdtempSync(join(scratch, 'prefix-'));
  mkdirSync(join(prefix, 'conf'));
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'temp'));
  writeFileSync(join(prefix, 'conf', 'nginx.conf'), renderMainConfig({ loadModules: MODULES ?? [] }));
  writeFileSync(join(prefix, 'conf', 'preview.conf'), preview);
  const result = spawnSync(NGINX!, ['-t', '-p', `${prefix}/`, '-c', 'conf/nginx.conf', '-e', join(prefix, 'logs', 'error.log')], {
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function lines(config: string, pattern: RegExp): string[] {
  return config
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => pattern.test(line));
}

describe('Function: renderNginxConfig', () => {
  it('replaces every placeholder (the template uses exactly NGINX_TEMPLATE_VARIABLES)', () => {
    const template = readFileSync(NGINX_TEMPLATE_PATH, 'utf8');
    const used = new Set([...template.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((match) => match[1]));
    expect([...used].sort()).toEqual([...NGINX_TEMPLATE_VARIABLES].sort());
    expect(renderNginxConfig(LOCAL)).not.toMatch(/\$\{[A-Z]/);
  });

  it('addresses local S3 path-style over http: ENDPOINT/BUCKET/KEY, Host = the endpoint', () => {
    const config = renderNginxConfig(LOCAL);

    expect(lines(config, /^listen /)).toEqual(['listen 127.0.0.1:8080;']);
    expect(lines(config, /^server \d/)).toEqual(['server 127.0.0.1:4568;', 'server 127.0.0.1:4568;', 'server 127.0.0.1:8081;']);
    expect(lines(config, /^proxy_pass /)).toEqual([
      'proxy_pass http://preview_s3_previews/previews-bucket/prew/$preview_s3_key;',
      'proxy_pass http://preview_s3_originals/originals-bucket/photo/$args;',
      'proxy_pass http://preview_proxy$request_uri;',
    ]);
    expect(lines(config, /^proxy_set_header Host /)).toEqual([
      'proxy_set_header Host 127.0.0.1:4568;',
      'proxy_set_header Host 127.0.0.1:4568;',
      'proxy_set_header Host $host;',
    ]);
    expect(lines(config, /error_page 403 404/)).toEqual(['error_page 403 404 = @preview;', 'error_page 403 404 = @not_found;']);
  });

  it('addresses real S3 virtual-host style over https: BUCKET.s3.REGION.amazonaws.com, SNI and Host = that name', () => {
    const config = renderNginxConfig({
      ...LOCAL,
      s3: { style: 'virtual-host', region: 'eu-west-1' },
      originalsBucket: 'my-originals',
      previewsBucket: 'my-previews',
    });

    expect(lines(config, /^server my-/)).toEqual([
      'server my-originals.s3.eu-west-1.amazonaws.com:443;',
      'server my-previews.s3.eu-west-1.amazonaws.com:443;',
    ]);
    expect(lines(config, /^proxy_pass https/)).toEqual([
      'proxy_pass https://preview_s3_previews/prew/$preview_s3_key;',
      'proxy_pass https://preview_s3_originals/photo/$args;',
    ]);
    expect(lines(config, /^proxy_ssl_name /)).toEqual([
      'proxy_ssl_name my-previews.s3.eu-west-1.amazonaws.com;',
      'proxy_ssl_name my-originals.s3.eu-west-1.amazonaws.com;',
    ]);
    expect(lines(config, /^proxy_set_header Host my-/)).toEqual([
      'proxy_set_header Host my-previews.s3.eu-west-1.amazonaws.com;',
      'proxy_set_header Host my-originals.s3.eu-west-1.amazonaws.com;',
    ]);
    expect(lines(config, /^proxy_ssl_(verify|server_name|trusted)/)).toEqual([
      'proxy_ssl_server_name on;',
      'proxy_ssl_verify on;',
      `proxy_ssl_trusted_certificate ${DEFAULT_CA_CERTIFICATES};`,
      'proxy_ssl_server_name on;',
      'proxy_ssl_verify on;',
      `proxy_ssl_trusted_certificate ${DEFAULT_CA_CERTIFICATES};`,
    ]);
  });

  it('addresses a dotted bucket path-style over https through the regional endpoint', () => {
    const values = nginxTemplateValues({
      ...LOCAL,
      s3: { style: 'path', endpoint: 'https://s3.eu-west-1.amazonaws.com' },
      originalsBucket: 'bucket.mydomain',
      previewsBucket: 'bucket.mydomain',
    });

    expect(values).toMatchObject({
      S3_SCHEME: 'https',
      PREVIEWS_S3_SERVER: 's3.eu-west-1.amazonaws.com:443',
      PREVIEWS_S3_HOST: 's3.eu-west-1.amazonaws.com',
      PREVIEWS_S3_TLS_NAME: 's3.eu-west-1.amazonaws.com',
      PREVIEWS_S3_PATH_PREFIX: '/bucket.mydomain',
    });
  });

  it('refuses a dotted bucket with virtual-host style (the wildcard certificate does not cover it)', () => {
    expect(() =>
      renderNginxConfig({ ...LOCAL, s3: { style: 'virtual-host', region: 'eu-west-1' }, originalsBucket: 'bucket.mydomain' }),
    ).toThrow(
      "Invalid nginx options: Expected a bucket name without dots with virtual-host addressing (S3's wildcard certificate does not cover them: " +
        'use path-style addressing with https://s3.<region>.amazonaws.com) for originalsBucket but received "bucket.mydomain" (string)',
    );
  });

  it("keeps nginx's timeouts on the right side of the proxy's", () => {
    const values = nginxTemplateValues({ ...LOCAL, proxyRequestTimeoutMs: 30_000, proxyKeepAliveTimeoutMs: 65_000 });
    expect(values.PROXY_READ_TIMEOUT).toBe('35000ms');
    expect(values.PROXY_KEEPALIVE_TIMEOUT).toBe('60000ms');
    expect(nginxTemplateValues({ ...LOCAL, proxyKeepAliveTimeoutMs: 5_000 }).PROXY_KEEPALIVE_TIMEOUT).toBe('4000ms');

    expect(() => nginxTemplateValues({ ...LOCAL, proxyRequestTimeoutMs: 30_000, proxyReadTimeoutMs: 30_000 })).toThrow(
      "Invalid nginx options: Expected more than the proxy's REQUEST_TIMEOUT_MS (30000; the proxy must answer its own 504 before nginx gives up) for proxyReadTimeoutMs but received 30000 (number)",
    );
    expect(() => nginxTemplateValues({ ...LOCAL, proxyUpstreamKeepaliveTimeoutMs: 65_000 })).toThrow(
      "Invalid nginx options: Expected less than the proxy's KEEP_ALIVE_TIMEOUT_MS (65000; nginx must close idle connections first) for proxyUpstreamKeepaliveTimeoutMs but received 65000 (number)",
    );
  });

  it('names every bad option at once', () => {
    const attempt = () =>
      nginxTemplateValues({
        ...LOCAL,
        listen: { host: '127.0.0.1', port: 0 },
        previewsBucket: 'Not A Bucket',
        previewRoot: '../x',
        s3: { style: 'path', endpoint: 'ftp://x' },
      });
    expect(attempt).toThrow(NginxConfigError);
    expect(attempt).toThrow(
      'Invalid nginx options: Expected a TCP port from 1 to 65535 for listen.port but received 0 (number); ' +
        'Expected an http or https URL for s3.endpoint but received "ftp://x" (string); ' +
        'Expected an S3 bucket name for previewsBucket but received "Not A Bucket" (string); ' +
        'Expected one URL segment for previewRoot but received "../x" (string)',
    );
  });

  it('rejects a template with an unknown placeholder', () => {
    expect(() => renderNginxConfig(LOCAL, 'listen ${NGINX_LISTEN}; root ${DOCUMENT_ROOT};')).toThrow(
      /unknown template placeholders: DOCUMENT_ROOT/,
    );
    expect(renderNginxConfig(LOCAL, 'set $x "${uri}"; listen ${NGINX_LISTEN};')).toBe('set $x "${uri}"; listen 127.0.0.1:8080;');
  });

  it("serves inline exactly the types the function reads (one list: the contract's DECODED_TYPES)", () => {
    expect(INLINE_IMAGE_TYPES).toEqual(DECODED_TYPES);
    expect(nginxTemplateValues(LOCAL).INLINE_IMAGE_TYPES).toBe('image/jpeg|image/png|image/webp|image/gif|image/avif');
    expect(lines(renderNginxConfig(LOCAL), /image;$/)).toEqual([
      '"~*^(?:image/jpeg|image/png|image/webp|image/gif|image/avif)[ \\t]*(?:;|$)" image;',
    ]);
  });

  it('matches the committed AWS example (npm run nginx:config -- --write-example)', () => {
    expect(readFileSync(NGINX_AWS_EXAMPLE_PATH, 'utf8')).toBe(awsExampleConfig());
    expect(AWS_EXAMPLE_OPTIONS.s3).toEqual({ style: 'virtual-host', region: 'eu-west-1' });
  });
});

describe('Function: renderMainConfig', () => {
  it('runs in the foreground with pid, logs and temp files under the prefix', () => {
    const main = renderMainConfig({ workerProcesses: 2 });
    for (const directive of [
      'daemon off;',
      'worker_processes 2;',
      'pid logs/nginx.pid;',
      'error_log logs/error.log warn;',
      'proxy_temp_path temp/proxy;',
      'client_body_temp_path temp/client_body;',
      'include preview.conf;',
    ]) {
      expect(main).toContain(directive);
    }
    expect(main).not.toContain('load_module');
    expect(renderMainConfig({ loadModules: ['/usr/lib/nginx/modules/a.so', '/opt/b.so'] })).toMatch(
      /^load_module \/usr\/lib\/nginx\/modules\/a\.so;\nload_module \/opt\/b\.so;$/m,
    );
    const directives = main.split('\n').filter((line) => !line.trim().startsWith('#'));
    expect(directives.join('\n')).not.toMatch(/\/etc\/nginx|\/var\/|\/run\//);
  });
});

describe('Function: parseNginxBuild', () => {
  it("reads the version, the modules directory and the compiled-in modules from nginx -V", () => {
    const debian = parseNginxBuild(
      'nginx version: nginx/1.22.1\nbuilt with OpenSSL 3.0.11\nconfigure arguments: --with-cc-opt=\'-g -O2\' ' +
        '--prefix=/usr/share/nginx --modules-path=/usr/lib/nginx/modules --with-http_ssl_module\n',
    );
    const openresty = parseNginxBuild(
      'nginx version: openresty/1.25.3.1\nconfigure arguments: --prefix=/usr/local/openresty/nginx ' +
        '--add-module=../headers-more-nginx-module-0.37 --add-module=/src/echo-nginx-module/\n',
    );

    expect(debian).toEqual({ version: '1.22.1', modulesDirectory: '/usr/lib/nginx/modules', staticModules: [] });
    expect(openresty).toEqual({
      version: '1.25.3.1',
      modulesDirectory: '/usr/local/openresty/nginx/modules',
      staticModules: ['headers-more-nginx-module-0.37', 'echo-nginx-module'],
    });
    expect(parseNginxBuild('nginx version: nginx/1.27.0\nconfigure arguments:\n').modulesDirectory).toBe(
      '/usr/local/nginx/modules',
    );
  });
});

describe('Function: nginxModulePaths', () => {
  /** A stand-in nginx whose `-V` prints `configure` and whose modules directory holds `files`. */
  function fakeNginx(configure: (modules: string) => string, files: string[] = []): string {
    const directory = mkdtempSync(join(scratch, 'fake-nginx-'));
    const modules = join(directory, 'modules');
    mkdirSync(modules);
    for (const file of files) writeFileSync(join(modules, file), '');
    const nginx = join(directory, 'nginx');
    writeFileSync(nginx, `#!/bin/sh\necho 'nginx version: nginx/1.22.1' >&2\necho 'configure arguments: ${configure(modules)}' >&2\n`);
    chmodSync(nginx, 0o755);
    return nginx;
  }

  it('loads headers-more from the modules directory of that nginx', () => {
    const nginx = fakeNginx((modules) => `--modules-path=${modules}`, [HEADERS_MORE_MODULE.file]);
    expect(nginxModulePaths(nginx)).toEqual([join(dirname(nginx), 'modules', HEADERS_MORE_MODULE.file)]);
  });

  it('loads nothing for a module compiled in', () => {
    const nginx = fakeNginx(() => '--add-module=../headers-more-nginx-module');
    expect(nginxModulePaths(nginx)).toEqual([]);
  });

  it('names the missing module and the Debian package that has it', () => {
    const nginx = fakeNginx((modules) => `--modules-path=${modules}`);
    expect(() => nginxModulePaths(nginx)).toThrow(NginxModuleNotFoundError);
    expect(() => nginxModulePaths(nginx)).toThrow(/lacks the headers-more-nginx-module.*apt-get install libnginx-mod-http-headers-more-filter/);
  });
});

describe('Function: findNginx', () => {
  it('finds an executable nginx on PATH first, then in the extra directories, else nothing', () => {
    const bin = join(scratch, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'nginx'), '#!/bin/sh\n');
    chmodSync(join(bin, 'nginx'), 0o755);

    expect(findNginx({ explicit: '', path: `/nonexistent:${bin}`, extraDirectories: [] })).toBe(join(bin, 'nginx'));
    expect(findNginx({ explicit: '', path: '', extraDirectories: [bin] })).toBe(join(bin, 'nginx'));
    expect(findNginx({ explicit: '', path: '/nonexistent', extraDirectories: [] })).toBeUndefined();
  });

  it('uses an explicit executable (NGINX_BIN) and nothing else', () => {
    const nginx = join(scratch, 'bin', 'nginx');
    expect(findNginx({ explicit: nginx, path: '/nonexistent', extraDirectories: [] })).toBe(nginx);
    expect(findNginx({ explicit: '/nonexistent/nginx', path: join(scratch, 'bin') })).toBeUndefined();
  });
});

describe('Function: parseAccessLog', () => {
  it('reads the preview_json lines, splitting upstream lists of a fallback', () => {
    const text = [
      '{"time":"t","request_id":"a","method":"GET","uri":"/prew/small/x.jpg?v=1","status":200,"bytes":10,"upstream_addr":"127.0.0.1:4568 : 127.0.0.1:8081","upstream_status":"404 : 200","upstream_time":"0.001 : 0.050","request_time":0.051}',
      'not json',
      '{"time":"t","request_id":"b","method":"POST","uri":"/prew/x","status":405,"bytes":150,"upstream_addr":"","upstream_status":"","upstream_time":"","request_time":0.000}',
      '',
    ].join('\n');

    expect(parseAccessLog(text)).toEqual([
      {
        time: 't',
        requestId: 'a',
        method: 'GET',
        uri: '/prew/small/x.jpg?v=1',
        status: 200,
        bytes: 10,
        upstreams: ['127.0.0.1:4568', '127.0.0.1:8081'],
        upstreamStatuses: [404, 200],
        requestTimeSeconds: 0.051,
      },
      {
        time: 't',
        requestId: 'b',
        method: 'POST',
        uri: '/prew/x',
        status: 405,
        bytes: 150,
        upstreams: [],
        upstreamStatuses: [],
        requestTimeSeconds: 0,
      },
    ]);
  });
});

describe.skipIf(MODULES === undefined)('nginx -t', () => {
  it('accepts the local configuration', () => {
    const result = nginxTest(renderNginxConfig(LOCAL));
    expect(result.output).toContain('test is successful');
    expect(result.status).toBe(0);
  });

  it.skipIf(!existsSync(DEFAULT_CA_CERTIFICATES))(
    'accepts the AWS example (its S3 host names swapped for an address: nginx -t resolves names)',
    () => {
      const offline = awsExampleConfig()
        .replaceAll('server my-photos.s3.eu-west-1.amazonaws.com:443;', 'server 127.0.0.1:443;')
        .replace('/var/log/nginx/preview.access.log', 'logs/access.log');
      const result = nginxTest(offline);
      expect(result.output).toContain('test is successful');
      expect(result.status).toBe(0);
    },
  );
});
