/**
 * `keyless synth`: the whole environment through the fast synthesizer, for organisations with thousands of
 * repositories. Imports neither cdktf nor the provider packages, so it starts in milliseconds.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootstrapModelsFromYaml, splitModel } from '@keyless/policy';
import { renderBootstrapStack, renderKeylessStack } from '../printer/render.js';
import { writeSynthesized } from '../printer/write.js';
import { backendFromEnvironment, loadAccessModel } from './load.js';

export interface FastSynthOptions {
  /** An access config (`access.yaml`) or a bootstrap config (`bootstrap.yaml`). */
  readonly configFile: string | URL;
  /** @default 'cdktf.out' */
  readonly outdir?: string;
}

export interface FastSynthResult {
  readonly outdir: string;
  /** The stack ids written, sorted. */
  readonly stacks: readonly string[];
}

/** Validates the config and writes every stack; throws ConfigError before writing anything when it is invalid. */
export function synthFast(options: FastSynthOptions): FastSynthResult {
  const path = options.configFile instanceof URL ? fileURLToPath(options.configFile) : options.configFile;
  const outdir = options.outdir ?? process.env['CDKTF_OUTDIR'] ?? 'cdktf.out';
  const backend = backendFromEnvironment();
  let stacks: { id: string; json: object }[];
  if (path.endsWith('bootstrap.yaml')) {
    const { config, accounts } = bootstrapModelsFromYaml(readFileSync(path, 'utf8'), path);
    stacks = accounts.map(({ account, model }) => {
      const id = `bootstrap-${account.key}`;
      return { id, json: renderBootstrapStack(id, model, account, config.infraRepository.name, { backend }) };
    });
  } else {
    stacks = splitModel(loadAccessModel(path)).map(({ stackId, model }) => ({ id: stackId, json: renderKeylessStack(stackId, model, { backend }) }));
  }
  writeSynthesized(outdir, stacks);
  return { outdir, stacks: stacks.map((s) => s.id).sort() };
}
