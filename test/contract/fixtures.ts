/** Loads the golden fixtures of `contract/fixtures/`, checking their shape so a typo fails loudly. */
import { readFileSync } from 'node:fs';
import * as z from 'zod';

const fixturesDirectory = new URL('../../contract/fixtures/', import.meta.url);

const PreviewKeyCase = z.strictObject({
  name: z.string().min(1),
  request: z.record(z.string(), z.unknown()),
  expected: z.union([
    z.strictObject({ key: z.string().min(1) }),
    z.strictObject({
      error: z.strictObject({
        code: z.literal('INVALID_REQUEST'),
        field: z.enum([
          'src_key',
          'src_bucket',
          'dst_bucket',
          'root_folder',
          'preset_name',
          'rewrite_part',
          'width',
          'format',
        ]),
      }),
    }),
  ]),
});

const ResponseCase = z.strictObject({
  name: z.string().min(1),
  note: z.string().optional(),
  response: z.record(z.string(), z.unknown()),
  serialized: z.string().min(1),
  bytes: z.number().int().positive(),
});

/** One case of `preview-keys.json`. */
export type PreviewKeyCase = z.infer<typeof PreviewKeyCase>;

/** One case of `responses.json`. */
export type ResponseCase = z.infer<typeof ResponseCase>;

function load<T extends z.ZodType>(file: string, schema: T): z.infer<T>[] {
  const json: unknown = JSON.parse(readFileSync(new URL(file, fixturesDirectory), 'utf8'));
  const cases = z.array(schema).min(1).parse(json);
  const names = cases.map((entry) => (entry as { name: string }).name);
  const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
  if (duplicates.length > 0) {
    throw new Error(`Duplicate fixture names in ${file}: ${duplicates.join(', ')}`);
  }
  return cases;
}

/** The golden preview-key cases. */
export const previewKeyCases: PreviewKeyCase[] = load('preview-keys.json', PreviewKeyCase);

/** The golden Go-shaped responses and their exact serialized strings. */
export const responseCases: ResponseCase[] = load('responses.json', ResponseCase);
