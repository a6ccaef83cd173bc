/**
 * `keyless synth`: the whole environment through the fast synthesizer, for organisations with thousands of
 * repositories. Imports neither cdktf nor the provider packages, so it starts in milliseconds.
 */
import { loadConfigFile } from '@keyless/policy';
import { renderBootstrapStack, renderKeylessStack } from '../printer/render.js';
import { writeSynthesized } from '../printer/write.js';
import { backendFromEnvironment } from './load.js';

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
  const outdir = options.outdir ?? process.env['CDKTF_OUTDIR'] ?? 'cdktf.out';
  const backend = backendFromEnvironment();
  const loaded = loadConfigFile(options.configFile);
  const stacks =
    loaded.kind === 'bootstrap'
      ? loaded.stacks.map(({ stackId, account, model }) => ({ id: stackId, json: renderBootstrapStack(stackId, model, account, loaded.config.infraRepository.name, { backend }) }))
      : loaded.stacks.map(({ stackId, model }) => ({ id: stackId, json: renderKeylessStack(stackId, model, { backend }) }));
  writeSynthesized(outdir, stacks);
  return { outdir, stacks: stacks.map((s) => s.id).sort() };
}
