/**
 * The entry point of an app (`apps/<env>/src/main.ts`), which `pnpm synth`, the app's `synth` script and
 * `cdktf synth` run: the config's stacks written by the printer, the same bytes `runApp` writes through the
 * construct tree, without importing cdktf or the provider packages. `runApp` stays the entry for teams that
 * compose the constructs in stacks of their own.
 */
import { reportErrors } from './report-errors.js';
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
  return reportErrors(options.configFile, () =>
    synthFast(options.outdir !== undefined ? { configFile: options.configFile, outdir: options.outdir } : { configFile: options.configFile }),
  );
}
