/**
 * The proxy's systemd unit (proxy/deploy/preview-proxy.service) and its environment file: `systemd-analyze
 * verify` accepts the unit without a warning, `systemd-analyze security` rates it well hardened (both work
 * offline: no running systemd is needed), its stop matches the proxy's SIGTERM drain, and the example
 * environment is one the proxy accepts.
 *
 * Where `systemd-analyze` is missing the systemd checks are skipped with a note; with `CI` set they fail
 * instead (`.ci/run` installs systemd's tools).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '@preview-lambda/contract';
import { parseProxyConfig, PROXY_VARIABLES } from '@preview-lambda/proxy/config';
import { CLOSE_GRACE_MS } from '@preview-lambda/proxy/server';
import { afterAll, describe, expect, it } from 'vitest';

const DEPLOY = fileURLToPath(new URL('../../proxy/deploy/', import.meta.url));
const UNIT = readFileSync(join(DEPLOY, 'preview-proxy.service'), 'utf8');
const ENV_FILE = readFileSync(join(DEPLOY, 'preview-proxy.env'), 'utf8');

const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path));
const SKIP_WITHOUT_SYSTEMD = ANALYZE === undefined && !process.env.CI;
if (SKIP_WITHOUT_SYSTEMD) {
  console.warn(
    '[systemd unit] SKIPPED: systemd-analyze is not installed (apt-get install systemd). ' +
      'With CI set these tests fail instead of skipping.',
  );
}

/** The unit's settings: `section → key → values` (a key may repeat, e.g. SystemCallFilter). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = new Map();
      sections.set(header[1]!, section);
      continue;
    }
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    section!.set(key, [...(section!.get(key) ?? []), line.slice(at + 1)]);
  }
  return sections;
}

/** `KEY=value` lines of an environment file (systemd's EnvironmentFile= syntax, without quotes here). */
function parseEnvironmentFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const service = parseUnit(UNIT).get('Service')!;
const one = (key: string): string | undefined => service.get(key)?.at(-1);

const scratch = mkdtempSync(join(tmpdir(), 'preview-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The unit as shipped, written where systemd-analyze can read it. `verify` checks that ExecStart's
 * program exists: where Node.js is not at /usr/bin/node (the unit's documented location), this Node.js
 * stands in for it; every other byte is the shipped unit's.
 */
function unitCopy(): string {
  const path = join(scratch, 'preview-proxy.service');
  const text = existsSync('/usr/bin/node') ? UNIT : UNIT.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `);
  writeFileSync(path, text);
  return path;
}

describe.skipIf(SKIP_WITHOUT_SYSTEMD)('proxy/deploy/preview-proxy.service: systemd-analyze', () => {
  it('verifies without an error or a warning', () => {
    const result = spawnSync(ANALYZE!, ['verify', unitCopy()], { encoding: 'utf8' });
    expect({ status: result.status, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });

  it('is rated well hardened (exposure at most 2.0 of 10, "OK")', () => {
    const result = spawnSync(ANALYZE!, ['security', '--offline=true', '--threshold=20', unitCopy()], { encoding: 'utf8' });
    expect([result.status, result.stdout.match(/Overall exposure level for \S+: ([\d.]+)/)?.[1]]).toEqual([0, expect.any(String)]);
  });
});

describe('proxy/deploy/preview-proxy.service: settings', () => {
  it('runs the production bundle with its environment file, which must exist', () => {
    expect(one('ExecStart')).toMatch(/^\/usr\/bin\/node --enable-source-maps \/opt\/preview-proxy\/main\.mjs$/);
    expect(one('EnvironmentFile')).toBe('/etc/preview-proxy/preview-proxy.env');
    expect(one('Type')).toBe('exec');
  });

  it('stops with the proxy’s SIGTERM drain, waiting longer than the drain may take, and has no reload', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('KillMode')).toBe('mixed');
    const stopSeconds = Number(/^(\d+)s$/.exec(one('TimeoutStopSec') ?? '')?.[1]);
    expect(stopSeconds * 1000).toBeGreaterThan(DEFAULT_REQUEST_TIMEOUT_MS + CLOSE_GRACE_MS);
    expect(service.has('ExecReload')).toBe(false);
    expect([one('Restart'), one('RestartSec')]).toEqual(['on-failure', '1s']);
  });

  it('runs unprivileged in a read-only system', () => {
    expect(Object.fromEntries(['DynamicUser', 'NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'CapabilityBoundingSet'].map((key) => [key, one(key)]))).toEqual({
      DynamicUser: 'yes',
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      CapabilityBoundingSet: '',
    });
    expect(one('RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX');
    // V8's JIT needs writable executable memory.
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
  });
});

describe('proxy/deploy/preview-proxy.env', () => {
  const environment = parseEnvironmentFile(ENV_FILE);

  it('is an environment the proxy accepts, with metrics on a port of their own', () => {
    const config = parseProxyConfig(environment);
    expect(config.metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect([config.port, config.requestTimeoutMs]).toEqual([8081, DEFAULT_REQUEST_TIMEOUT_MS]);
  });

  it('sets only variables the proxy or the AWS SDK reads', () => {
    const unknown = Object.keys(environment).filter((name) => !PROXY_VARIABLES.includes(name) && !name.startsWith('AWS_'));
    expect(unknown).toEqual([]);
  });
});
