/**
 * Writes the contract's JSON Schema files, `contract/schema/<name>.schema.json`, from the zod schemas.
 *
 * Run `npm run schema -w contract` after changing `src/schemas.ts`; a test fails while the committed
 * files differ from `jsonSchemas()`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { jsonSchemas } from '../src/index.js';

const directory = new URL('../schema/', import.meta.url);
mkdirSync(directory, { recursive: true });
for (const [name, schema] of Object.entries(jsonSchemas())) {
  const file = new URL(`${name}.schema.json`, directory);
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}
