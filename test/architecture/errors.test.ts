/**
 * One error recipe for every package (Powertools style): each error class sets a literal `name` equal to
 * its class name (so minified bundles keep it without esbuild's `keepNames`), passes the native
 * `ErrorOptions` through, and no two packages export an error of the same name.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = ['contract', 'handler', 'invoker', 'proxy', 'local', 'cli'];

function sources(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

interface ErrorClass {
  readonly pkg: string;
  readonly file: string;
  readonly name: string;
  readonly body: string;
}

/** Every `class X extends …Error` with the text of its body (up to the next top-level class or export). */
function errorClasses(): ErrorClass[] {
  return PACKAGES.flatMap((pkg) =>
    sources(join(ROOT, pkg)).flatMap((path) => {
      const text = readFileSync(path, 'utf8');
      const found: ErrorClass[] = [];
      const pattern = /^(?:export )?class (\w+) extends (\w*Error)\b/gm;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const rest = text.slice(match.index + match[0].length);
        const end = rest.search(/^(?:export |class |\/\*\*)/m);
        found.push({ pkg, file: relative(ROOT, path), name: match[1]!, body: end < 0 ? rest : rest.slice(0, end) });
      }
      return found;
    }),
  );
}

const classes = errorClasses();

describe('Error classes of every package', () => {
  it('are found', () => {
    expect(classes.length).toBeGreaterThan(20);
  });

  it.each(classes.map((error) => [`${error.file} ${error.name}`, error]))('%s sets its literal name', (_where, error) => {
    expect(error.body).toContain(`this.name = '${error.name}';`);
    expect(error.body).not.toContain('new.target');
  });

  it('pass ErrorOptions through rather than a home-made options type', () => {
    for (const error of classes) {
      expect([error.name, /\w+ErrorOptions\b/.test(error.body)]).toEqual([error.name, false]);
      expect([error.name, error.body.includes('options.cause')]).toEqual([error.name, false]);
    }
  });

  it('live in their package’s errors.ts (build scripts apart)', () => {
    const elsewhere = classes
      .filter((error) => !error.file.endsWith('errors.ts') && !error.file.includes('/scripts/'))
      .map((error) => `${error.file} ${error.name}`);
    expect(elsewhere).toEqual([]);
  });

  it('have names that no two packages share', () => {
    const owners = new Map<string, Set<string>>();
    for (const error of classes) owners.set(error.name, (owners.get(error.name) ?? new Set()).add(error.pkg));
    const shared = [...owners].filter(([, pkgs]) => pkgs.size > 1).map(([name, pkgs]) => `${name}: ${[...pkgs]}`);
    expect(shared).toEqual([]);
  });
});
