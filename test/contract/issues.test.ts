import { formatIssues } from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const issuesOf = (schema: z.ZodType, input: unknown) => {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) throw new Error('expected the input to be refused');
  return result.error.issues;
};

describe('Function: formatIssues', () => {
  it('names the field, what was expected and what was received', () => {
    const schema = z.object({ size: z.object({ width: z.number({ error: 'Expected number' }) }) });
    expect(formatIssues(issuesOf(schema, { size: { width: '1440' } }))).toEqual([
      'Expected number for size.width but received "1440" (string)',
    ]);
  });

  it('inserts the field into a message that already says what it received', () => {
    const schema = z.string().refine(() => false, { error: 'Expected a preset list but received "small=abc"' });
    expect(formatIssues(issuesOf(z.object({ presets: schema }), { presets: 'small=abc' }))).toEqual([
      'Expected a preset list for presets but received "small=abc"',
    ]);
  });

  it('prefixes a message in another shape with the field, and names the root after rootName', () => {
    expect(formatIssues(issuesOf(z.string().min(2), 'a'), { rootName: 'name' })).toEqual([
      'Invalid name: Too small: expected string to have >=2 characters (received "a" (string))',
    ]);
  });
});
