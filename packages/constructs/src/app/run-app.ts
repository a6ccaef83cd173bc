import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, bootstrapModelsFromYaml, splitModel } from '@keyless/policy';
import { App } from 'cdktf';
import type { TerraformStack } from 'cdktf';
import { BootstrapStack } from '../stacks/bootstrap-stack.js';
import { KeylessStack } from '../stacks/keyless-stack.js';
import { backendFromEnvironment, loadAccessModel } from './load.js';


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
  return reportErrors(options.configFile, () => {
    const model = loadAccessModel(options.configFile);
    if (options.stackName !== undefined && model.sharding) throw new Error(`stackName: "${options.stackName}": a sharded environment names its stacks <environment>-<shard>`);
    const app = new App(options.outdir !== undefined ? { outdir: options.outdir } : {});
    for (const { stackId, model: stackModel } of splitModel(model)) {
      new KeylessStack(app, options.stackName ?? stackId, {
        model: stackModel,
        backend: backendFromEnvironment(),
        ...(options.configureBackend ? { configureBackend: options.configureBackend } : {}),
      });
    }
    app.synth();
    return app;
  });
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
  const path = options.configFile instanceof URL ? fileURLToPath(options.configFile) : options.configFile;
  return reportErrors(path, () => {
    // Validate every account before creating any stack, so a bad entry writes nothing at all.
    const { config, accounts: validated } = bootstrapModelsFromYaml(readFileSync(path, 'utf8'), path);
    const accounts = validated.map((a) => a.account);
    const app = new App(options.outdir !== undefined ? { outdir: options.outdir } : {});
    for (const account of accounts) {
      new BootstrapStack(app, `bootstrap-${account.key}`, {
        account,
        infraRepository: config.infraRepository.name,
        backend: backendFromEnvironment(),
        ...(options.configureBackend ? { configureBackend: options.configureBackend } : {}),
      });
    }
    app.synth();
    return app;
  });
}

/**
 * Runs `build`. A ConfigError is printed with every problem (nothing is synthesized); any other error as one
 * line naming the config file, with the stack trace only when KEYLESS_DEBUG is set. Either sets a failing exit
 * code and yields undefined.
 */
function reportErrors<T>(configFile: string | URL, build: () => T): T | undefined {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\nnothing was synthesized\n`);
    else {
      const source = configFile instanceof URL ? fileURLToPath(configFile) : configFile;
      const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ').trim();
      const debug = process.env['KEYLESS_DEBUG'] ? `\n${(error as Error).stack ?? ''}` : ' (KEYLESS_DEBUG=1 prints the stack trace)';
      process.stderr.write(`${source}: synthesis failed: ${message}${debug}\n`);
    }
    process.exitCode = 1;
    return undefined;
  }
}
