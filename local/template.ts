/**
 * `template.yaml` parsed with its CloudFormation short forms (`!Ref`, `!Sub`, `!GetAtt`, `!If`, …) turned
 * into their long forms (`{ Ref }`, `{ 'Fn::Sub' }`, …): the local tools take the function's settings from
 * it, and tests check what it grants.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CollectionTag, parse, type ScalarTag } from 'yaml';

const TEMPLATE = fileURLToPath(new URL('../template.yaml', import.meta.url));

const INTRINSICS = ['Ref', 'Condition', 'Sub', 'GetAtt', 'If', 'Not', 'Equals', 'And', 'Or', 'Select', 'Split', 'Join',
  'FindInMap', 'Base64', 'Cidr', 'GetAZs', 'ImportValue', 'Transform'] as const;

function longName(name: (typeof INTRINSICS)[number]): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

const CFN_TAGS = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => [
  {
    tag: `!${name}`,
    resolve: (value: string) => ({ [longName(name)]: name === 'GetAtt' ? value.split('.') : value }),
  },
  ...(['seq', 'map'] as const).map(
    (collection): CollectionTag => ({
      tag: `!${name}`,
      collection,
      resolve: (value) => ({ [longName(name)]: value.toJSON() }),
    }),
  ),
]);

/** One IAM policy statement as the template writes it (intrinsics in their long form). */
export interface TemplateStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: unknown;
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The parsed template: parameters, resources and outputs as plain JSON. */
export interface Template {
  readonly Parameters: Record<string, { Type: string; Default?: string | number; AllowedPattern?: string; AllowedValues?: unknown[] }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
  readonly Outputs?: Record<string, unknown>;
}

/** Reads and parses `template.yaml`. */
export function readTemplate(): Template {
  return parse(readFileSync(TEMPLATE, 'utf8'), { customTags: CFN_TAGS }) as Template;
}

/** The function settings the local tools run it with. */
export interface FunctionSettings {
  /** The `Timeout` parameter's default, in seconds. */
  readonly timeoutSeconds: number;
  /** The `MemorySize` parameter's default, in MB. */
  readonly memoryMb: number;
}

/** The defaults of the template's `Timeout` and `MemorySize` parameters (the function uses `!Ref` to both). */
export function functionSettings(template: Template = readTemplate()): FunctionSettings {
  return {
    timeoutSeconds: Number(template.Parameters.Timeout?.Default),
    memoryMb: Number(template.Parameters.MemorySize?.Default),
  };
}
