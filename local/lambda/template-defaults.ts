/**
 * The function settings the local endpoint takes from `template.yaml`: the `Default` of the `Timeout` and
 * `MemorySize` parameters (the function's `Timeout: !Ref Timeout`, `MemorySize: !Ref MemorySize`).
 *
 * The YAML is not parsed in general (no YAML dependency for two numbers): the reader looks for a
 * `Default:` line inside the block of the parameter under the top-level `Parameters:` key, and falls back
 * to Lambda-like values, saying so, when the template is missing or shaped otherwise.
 */
import { readFile } from 'node:fs/promises';

/** Where a setting came from. */
export type SettingSource = 'template' | 'fallback';

/** A setting with where it came from, so a CLI can say which it used. */
export interface TemplateSetting {
  /** The value. */
  readonly value: number;
  /** `template` when read from the template, `fallback` otherwise. */
  readonly source: SettingSource;
  /** Human-readable origin, e.g. `template.yaml Parameters.Timeout.Default`. */
  readonly description: string;
}

/** The function settings the endpoint uses. */
export interface FunctionSettings {
  /** Timeout in seconds. */
  readonly timeoutSeconds: TemplateSetting;
  /** Memory size in MB. */
  readonly memoryMb: TemplateSetting;
}

/** Options for {@link readFunctionSettings}. */
export interface FunctionSettingsOptions {
  /** Timeout used when the template gives none; defaults to 30 s. */
  fallbackTimeoutSeconds?: number;
  /** Memory size used when the template gives none; defaults to 1536 MB. */
  fallbackMemoryMb?: number;
}

/**
 * Finds `Parameters.<name>.Default` in a CloudFormation/SAM template's text, as a number.
 *
 * @returns the number, or `undefined` when the parameter, its `Default` or a number is not there.
 */
export function parameterDefault(templateText: string, name: string): number | undefined {
  const lines = templateText.split(/\r?\n/);
  const parameters = lines.findIndex((line) => /^Parameters:\s*(#.*)?$/.test(line));
  if (parameters < 0) return undefined;
  let inParameter = false;
  let parameterIndent = -1;
  for (const line of lines.slice(parameters + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) return undefined; // the next top-level key: the parameter was not found
    if (parameterIndent < 0) parameterIndent = indent;
    if (indent === parameterIndent) {
      inParameter = line.trim() === `${name}:`;
      continue;
    }
    if (!inParameter) continue;
    const match = /^\s+Default:\s*['"]?([0-9]+(?:\.[0-9]+)?)['"]?\s*(#.*)?$/.exec(line);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
}

function setting(value: number | undefined, name: string, path: string, fallback: number): TemplateSetting {
  return value === undefined || !(value > 0)
    ? { value: fallback, source: 'fallback', description: `fallback: no Parameters.${name}.Default in ${path}` }
    : { value, source: 'template', description: `${path} Parameters.${name}.Default` };
}

/** Reads the function's timeout and memory size defaults from a template file. */
export async function readFunctionSettings(
  templatePath: string,
  options: FunctionSettingsOptions = {},
): Promise<FunctionSettings> {
  const fallbackTimeout = options.fallbackTimeoutSeconds ?? 30;
  const fallbackMemory = options.fallbackMemoryMb ?? 1536;
  let text = '';
  try {
    text = await readFile(templatePath, 'utf8');
  } catch {
    // Missing or unreadable: both settings fall back.
  }
  return {
    timeoutSeconds: setting(parameterDefault(text, 'Timeout'), 'Timeout', templatePath, fallbackTimeout),
    memoryMb: setting(parameterDefault(text, 'MemorySize'), 'MemorySize', templatePath, fallbackMemory),
  };
}
