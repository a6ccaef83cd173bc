/**
 * JSON Schemas of the two config files, generated from the zod schemas that parse them, so that an editor (the
 * YAML language server: `# yaml-language-server: $schema=...` at the top of a file) completes keys, shows each
 * key's description and marks unknown keys and wrong types as you type. The schema checks the shape only; the
 * rules (names, limits, opt-ins, policies) are keyless' own: run `keyless check`.
 *
 * The committed files under `schema/` are these, written by `pnpm --filter @keyless/policy schema`; a test keeps
 * them equal.
 */
import { z } from 'zod';
import { bootstrapConfigSchema } from './bootstrap-config.js';
import { accessConfigSchema } from './access-config.js';

/** File name → schema, for every config file keyless reads. */
export function configJsonSchemas(): Record<string, Record<string, unknown>> {
  const generate = (schema: z.ZodType, title: string, description: string): Record<string, unknown> => {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
    const { $schema, ...rest } = json;
    return { $schema, title, description, ...rest };
  };
  return {
    'access-config.schema.json': generate(
      accessConfigSchema,
      'keyless access config',
      'The access config of one environment (apps/<env>/access.yaml): which repositories get which AWS roles, who may assume each, and what each may do. Shape only; keyless check applies the rules.',
    ),
    'bootstrap-config.schema.json': generate(
      bootstrapConfigSchema,
      'keyless bootstrap config',
      'The bootstrap config (apps/bootstrap/bootstrap.yaml): per AWS account, the OIDC provider, the state bucket and the pipeline roles of the infra repository. Shape only; keyless check applies the rules.',
    ),
  };
}

/** The text of a schema file as committed: two-space JSON and a final newline. */
export function schemaFileText(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
