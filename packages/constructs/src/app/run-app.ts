import { loadConfigFile } from '@keyless/policy';
import { App } from 'cdktf';
import type { TerraformStack } from 'cdktf';
import { BootstrapStack } from '../stacks/bootstrap-stack.js';
import { KeylessStack } from '../stacks/keyless-stack.js';
import { backendFromEnvironment } from './load.js';
import { reportErrors } from './report-errors.js';

export interface RunAppOptions {
  /** The access config file of the environment. */
  readonly configFile: string | URL;
  /**
   * The stack id, which names the directory under `cdktf.out/stacks/`. Not for a sharded environment, whose
   * stacks are named `<environment>-<shard>`.
   * @default - the config's environment name
   */
  readonly stackName?: string;
  /**
   * Where to write `manifest.json` and `stacks/<id>/cdk.tf.json`.
   * @default - `CDKTF_OUTDIR` when the cdktf CLI runs the app, else `cdktf.out`
   */
  readonly outdir?: string;
  /**
   * Backend configuration per stack.
   * @default - local state
   */
  readonly configureBackend?: (stack: TerraformStack) => void;
}

/**
 * Synthesizes one environment's app. A config that breaks a rule stops synthesis before anything is
 * written, prints every problem, and sets a failing exit code; any other error is one line on stderr and a
 * failing exit code, never a stack trace (unless KEYLESS_DEBUG is set).
 */
export function runApp(options: RunAppOptions): App | undefined {
  return reportErrors(options.configFile, () => withoutTokenTraces(() => {
    const { model, stacks } = loadConfigFile(options.configFile, { kind: 'access' });
    if (options.stackName !== undefined && model.sharding) throw new Error(`stackName: "${options.stackName}": a sharded environment names its stacks <environment>-<shard>`);
    const app = new App(options.outdir !== undefined ? { outdir: options.outdir } : {});
    for (const { stackId, model: stackModel } of stacks) {
      new KeylessStack(app, options.stackName ?? stackId, {
        model: stackModel,
        backend: backendFromEnvironment(),
        ...(options.configureBackend ? { configureBackend: options.configureBackend } : {}),
      });
    }
    app.synth();
    return app;
  }));
}

/**
 * Runs `build` with V8's stack traces formatted as empty text. cdktf captures a full stack trace for every token
 * it creates (to name where an unresolved token came from); formatting them is a sixth of the construct path's
 * time at 1,000 repositories, and nothing keyless writes or prints reads them. With KEYLESS_DEBUG set, traces stay.
 */
export function withoutTokenTraces<T>(build: () => T): T {
  if (process.env['KEYLESS_DEBUG']) return build();
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = () => '';
  try {
    return build();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

export interface RunBootstrapAppOptions {
  /** The bootstrap config file. */
  readonly configFile: string | URL;
  /**
   * Where to write `manifest.json` and `stacks/<id>/cdk.tf.json`.
   * @default - `CDKTF_OUTDIR` when the cdktf CLI runs the app, else `cdktf.out`
   */
  readonly outdir?: string;
  /**
   * Configure each stack's Terraform backend yourself.
   * @default - local state
   */
  readonly configureBackend?: (stack: TerraformStack) => void;
}

/** Synthesizes one `bootstrap-<account>` stack per account of the bootstrap config. */
export function runBootstrapApp(options: RunBootstrapAppOptions): App | undefined {
  return reportErrors(options.configFile, () => withoutTokenTraces(() => {
    // Validate every account before creating any stack, so a bad entry writes nothing at all.
    const { config, stacks } = loadConfigFile(options.configFile, { kind: 'bootstrap' });
    const app = new App(options.outdir !== undefined ? { outdir: options.outdir } : {});
    for (const { stackId, account } of stacks) {
      new BootstrapStack(app, stackId, {
        account,
        infraRepository: config.infraRepository.name,
        backend: backendFromEnvironment(),
        ...(options.configureBackend ? { configureBackend: options.configureBackend } : {}),
      });
    }
    app.synth();
    return app;
  }));
}
