import { readFileSync } from 'node:fs';
import { jsonSchemas } from '@preview-lambda/contract';
import { describe, expect, it } from 'vitest';

const schemaDirectory = new URL('../../contract/schema/', import.meta.url);

function committed(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.schema.json`, schemaDirectory), 'utf8'));
}

describe('Function: jsonSchemas', () => {
  const schemas = jsonSchemas();

  it.each(Object.keys(schemas))('matches the committed contract/schema/%s.schema.json', (name) => {
    expect(
      committed(name),
      `contract/schema/${name}.schema.json is out of date: run \`npm run schema -w contract\``,
    ).toStrictEqual(JSON.parse(JSON.stringify(schemas[name as keyof typeof schemas])));
  });

  it('writes the committed files with 2-space indent and a trailing newline', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      const text = readFileSync(new URL(`${name}.schema.json`, schemaDirectory), 'utf8');

      expect(text, `run \`npm run schema -w contract\``).toBe(`${JSON.stringify(schema, null, 2)}\n`);
    }
  });

  it('identifies each document', () => {
    expect(schemas['resize-request']).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:preview-lambda:contract:resize-request',
      title: expect.any(String),
      description: expect.any(String),
    });
    expect(schemas['resize-response']).toMatchObject({
      $id: 'urn:preview-lambda:contract:resize-response',
      title: expect.any(String),
      description: expect.any(String),
    });
  });

  it('allows unknown properties, as the parsers do', () => {
    expect(schemas['resize-request']).not.toHaveProperty('additionalProperties');
    expect(schemas['resize-response']).not.toHaveProperty('additionalProperties');
  });

  it('requires every Go field, and width as an integer', () => {
    expect(schemas['resize-request'].required).toEqual([
      'src_key',
      'src_bucket',
      'dst_bucket',
      'root_folder',
      'preset_name',
      'rewrite_part',
      'width',
    ]);
    expect(schemas['resize-request'].properties?.width).toMatchObject({
      type: 'integer',
      exclusiveMinimum: 0,
    });
    expect(schemas['resize-response'].required).toEqual(['status', 'key', 'content_type', 'data', 'error']);
  });

  it('emits only patterns that compile as ECMA-262 unicode regular expressions', () => {
    const patterns: string[] = [];
    JSON.stringify(schemas, (key, value: unknown) => {
      if (key === 'pattern' && typeof value === 'string') {
        patterns.push(value);
      }
      return value;
    });

    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) {
      expect(() => new RegExp(pattern, 'u')).not.toThrow();
    }
  });

  it('does not emit the non-standard base64 format', () => {
    // The request's `format` property is an object; the keyword would be a string.
    expect(JSON.stringify(schemas)).not.toMatch(/"format":"/);
  });
});
