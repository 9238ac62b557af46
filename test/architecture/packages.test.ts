/**
 * Boundaries the tooling enforces, beyond ESLint's import rules: every workspace declares, in its own
 * package.json, each package its sources import (other workspaces by name included), so that a
 * workspace's dependencies can be read off its manifest.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKSPACES = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

/** TypeScript sources of a workspace, build scripts and examples apart (they have their own tooling). */
function sources(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (['node_modules', 'dist', 'scripts', 'examples'].includes(name) || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function importedPackages(workspace: string): Set<string> {
  const found = new Set<string>();
  const pattern = /^\s*(?:import|export)\s[^'"]*?from\s+'([^'.][^']*)'|import\('([^'.][^']*)'\)/gm;
  for (const file of sources(join(ROOT, workspace))) {
    const text = readFileSync(file, 'utf8');
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
      found.add(packageOf(specifier));
    }
  }
  return found;
}

describe('Workspaces', () => {
  it.each(WORKSPACES)('%s declares every package its sources import', (workspace) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, workspace, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const declared = new Set([
      manifest.name,
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.devDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      // Types only, from the root's devDependencies (@types/aws-lambda): erased at build time.
      'aws-lambda',
    ]);
    const undeclared = [...importedPackages(workspace)].filter((name) => !declared.has(name));
    expect(undeclared).toEqual([]);
  });
});
