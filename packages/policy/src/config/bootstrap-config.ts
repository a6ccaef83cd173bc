/**
 * The bootstrap config (`apps/bootstrap/bootstrap.yaml`): its schema and rules (bootstrap-schema.ts), its
 * expansion into one access config per AWS account (bootstrap-accounts.ts), and parsing its YAML with every
 * problem located in the text.
 */
import { ConfigError, zodIssues } from './problems.js';
import { loadYaml } from './yaml-input.js';
import { bootstrapConfigProblems, bootstrapConfigSchema } from './bootstrap-schema.js';
import type { BootstrapConfig } from './bootstrap-schema.js';
import { withLocations } from './locate.js';

export * from './bootstrap-schema.js';
export * from './bootstrap-accounts.js';

/** Parses the bootstrap YAML and checks its shape; a ConfigError points at the line and column of each problem. */
export function parseBootstrapConfigYaml(text: string, source = 'bootstrap config'): BootstrapConfig {
  return withLocations(text, () => {
    const input = loadYaml(text, source);
    const result = bootstrapConfigSchema.safeParse(input);
    if (!result.success) throw new ConfigError(source, zodIssues(result.error, input, bootstrapConfigSchema));
    const problems = bootstrapConfigProblems(result.data);
    if (problems.length > 0) throw new ConfigError(source, problems);
    return result.data;
  });
}
