/**
 * The entry point of an app (`apps/<env>/src/main.ts`), which `pnpm synth`, the app's `synth` script and
 * `cdktf synth` run: the config's stacks written by the printer, the same bytes `runApp` writes through the
 * construct tree, without importing cdktf or the provider packages. `runApp` stays the entry for teams that
 * compose the constructs in stacks of their own.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@keyless/policy';
import { synthFast } from './synth.js';
import type { FastSynthResult } from './synth.js';

export interface SynthAppOptions {
  /** The app's config file: an access config (`access.yaml`) or a bootstrap config (`bootstrap.yaml`). */
  readonly configFile: string | URL;
  /**
   * Where to write `manifest.json` and `stacks/<id>/cdk.tf.json`.
   * @default - `CDKTF_OUTDIR` when the cdktf CLI runs the app, else `cdktf.out`
   */
  readonly outdir?: string;
}

/**
 * Synthesizes one app. A config that breaks a rule stops synthesis before anything is written, prints every
 * problem and sets a failing exit code; any other error is one line on stderr naming the config file and a
 * failing exit code, never a stack trace (unless KEYLESS_DEBUG is set). Yields the stacks written, or
 * undefined on failure.
 */
export function synthApp(options: SynthAppOptions): FastSynthResult | undefined {
  try {
    return synthFast(options.outdir !== undefined ? { configFile: options.configFile, outdir: options.outdir } : { configFile: options.configFile });
  } catch (error) {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\nnothing was synthesized\n`);
    else {
      const source = options.configFile instanceof URL ? fileURLToPath(options.configFile) : options.configFile;
      const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ').trim();
      const debug = process.env['KEYLESS_DEBUG'] ? `\n${(error as Error).stack ?? ''}` : ' (KEYLESS_DEBUG=1 prints the stack trace)';
      process.stderr.write(`${source}: synthesis failed: ${message}${debug}\n`);
    }
    process.exitCode = 1;
    return undefined;
  }
}
