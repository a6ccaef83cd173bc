/**
 * Writes schema/*.schema.json from the zod config schemas (src/config/json-schema.ts). Run after changing a schema:
 * `pnpm --filter @keyless/policy schema`. test/schema.test.ts fails while the committed files differ.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchemas, schemaFileText } from '../src/config/json-schema.js';

const dir = fileURLToPath(new URL('../schema/', import.meta.url));
for (const [name, schema] of Object.entries(configJsonSchemas())) {
  writeFileSync(`${dir}${name}`, schemaFileText(schema));
  process.stdout.write(`schema/${name}\n`);
}
