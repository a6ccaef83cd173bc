/**
 * The one loader from a config's text to its stacks' models: an access config (one environment, one stack or one
 * per shard) or a bootstrap config (one stack per account). Every caller (the apps, `keyless synth`, `check` and
 * `explain`, the pipeline, the bench, the testkit) goes through it, so a config reads the same everywhere and a
 * problem is reported in one form: a ConfigError naming the file, each problem at `file:line:column: entry:
 * value: rule`, a bootstrap account's problems mapped back to the bootstrap file's entries. The file-reading
 * wrapper is `loadConfigFile` (load-file.ts); this part reads no file.
 */
import { parseAccessConfig } from './access-config.js';
import type { AccessConfig } from './access-config.js';
import { ConfigError } from './problems.js';
import type { ConfigProblem } from './problems.js';
import { loadYaml } from './yaml-input.js';
import { bootstrapAccounts, parseBootstrapConfigYaml } from './bootstrap-config.js';
import type { BootstrapAccount, BootstrapConfig } from './bootstrap-config.js';
import { bootstrapAccountProblem, locateIssues, withLocations } from './locate.js';
import { buildAccessModel, splitModel } from '../model/index.js';
import type { AccessModel } from '../model/index.js';
import type { NamedModel } from '../report/cross-check.js';

export type ConfigKind = 'access' | 'bootstrap';

/** The kind a config file's name says: a name ending in `bootstrap.yaml` is a bootstrap config. */
export function configKindOf(file: string): ConfigKind {
  return file.endsWith('bootstrap.yaml') ? 'bootstrap' : 'access';
}

/**
 * The steps of a load, in order: `read` (the file), `yaml`, `schema` (for a bootstrap config, the YAML and the
 * schema are one step, `schema`), `model` (every rule), `stacks` (the split into stacks).
 */
export type LoadStep = 'read' | 'yaml' | 'schema' | 'model' | 'stacks';

export interface LoadOptions {
  /**
   * Which config the text is.
   * @default - the kind the source's name says (configKindOf)
   */
  readonly kind?: ConfigKind;
  /**
   * Called after each step (the bench's profile times them).
   * @default - nothing
   */
  readonly onStep?: (step: LoadStep) => void;
}

/** One stack of a config: its id (the directory under `cdktf.out/stacks/`) and the model it holds. */
export interface ConfigStack {
  /** `<environment>`, `<environment>-<shard>` for a sharded environment, `bootstrap-<account>` for a bootstrap account. */
  readonly stackId: string;
  readonly model: AccessModel;
}

/** A bootstrap account with the validated model of its pipeline roles. */
export interface BootstrapAccountModel {
  readonly account: BootstrapAccount;
  readonly model: AccessModel;
}

export interface BootstrapStackModel extends ConfigStack, BootstrapAccountModel {}

/**
 * An environment of a config, named as the rules across environments (crossCheckModels) and `keyless explain`
 * name it: the file (`apps/dev/access.yaml`), or for a bootstrap account the file and the account
 * (`apps/bootstrap/bootstrap.yaml#prod`).
 */
export interface ConfigEnvironment extends NamedModel {
  /** The bootstrap account the model belongs to. */
  readonly account?: BootstrapAccount;
}

export interface LoadedAccessConfig {
  readonly kind: 'access';
  /** The name the errors and reports give the file. */
  readonly source: string;
  readonly config: AccessConfig;
  readonly model: AccessModel;
  /** The environment, named `source`. */
  readonly environments: readonly ConfigEnvironment[];
  /** One stack, or one per shard (splitModel). */
  readonly stacks: readonly ConfigStack[];
}

export interface LoadedBootstrapConfig {
  readonly kind: 'bootstrap';
  readonly source: string;
  readonly config: BootstrapConfig;
  /** Each account's model, named `source#account`. */
  readonly environments: readonly ConfigEnvironment[];
  /** One stack per account, `bootstrap-<account>`, in the config's account order. */
  readonly stacks: readonly BootstrapStackModel[];
}

export type LoadedConfig = LoadedAccessConfig | LoadedBootstrapConfig;

/**
 * A load that may have failed, with as much as it got: the parsed config when only the rules of the model failed
 * (`keyless check` runs its own checks on it), the loaded config when nothing failed, the error otherwise.
 */
export type ConfigAttempt =
  | { readonly kind: 'access'; readonly source: string; readonly config?: AccessConfig; readonly loaded?: LoadedAccessConfig; readonly error?: ConfigError }
  | { readonly kind: 'bootstrap'; readonly source: string; readonly config?: BootstrapConfig; readonly loaded?: LoadedBootstrapConfig; readonly error?: ConfigError };

/**
 * Parses and validates a config's text and returns its stacks' models. Throws one ConfigError naming `source`
 * with every problem, each located in the text.
 */
export function loadConfigText(text: string, source: string, options: LoadOptions & { readonly kind: 'access' }): LoadedAccessConfig;
export function loadConfigText(text: string, source: string, options: LoadOptions & { readonly kind: 'bootstrap' }): LoadedBootstrapConfig;
export function loadConfigText(text: string, source: string, options?: LoadOptions): LoadedConfig;
export function loadConfigText(text: string, source: string, options: LoadOptions = {}): LoadedConfig {
  const attempt = attemptConfigText(text, source, options);
  if (attempt.loaded) return attempt.loaded;
  throw attempt.error ?? new ConfigError(source, ['the config did not load']);
}

/** Like loadConfigText, but a ConfigError is returned (with the parsed config, when parsing got that far). */
export function attemptConfigText(text: string, source: string, options: LoadOptions = {}): ConfigAttempt {
  const step = options.onStep ?? ((): void => {});
  return (options.kind ?? configKindOf(source)) === 'bootstrap' ? attemptBootstrap(text, source, step) : attemptAccess(text, source, step);
}

/** The error of a failed load, naming the file (a part of a config may have named itself otherwise). */
function failure(error: unknown, source: string): ConfigError {
  if (!(error instanceof ConfigError)) throw error;
  return error.source === source ? error : new ConfigError(source, error.issues);
}

function attemptAccess(text: string, source: string, step: (s: LoadStep) => void): ConfigAttempt {
  let config: AccessConfig | undefined;
  try {
    const parsed = withLocations(text, () => {
      const data = loadYaml(text, source);
      step('yaml');
      return parseAccessConfig(data, source);
    });
    config = parsed;
    step('schema');
    const model = withLocations(text, () => buildAccessModel(parsed, source));
    step('model');
    const stacks = splitModel(model);
    step('stacks');
    return { kind: 'access', source, config, loaded: { kind: 'access', source, config, model, environments: [{ source, model }], stacks } };
  } catch (error) {
    return { kind: 'access', source, ...(config ? { config } : {}), error: failure(error, source) };
  }
}

function attemptBootstrap(text: string, source: string, step: (s: LoadStep) => void): ConfigAttempt {
  let config: BootstrapConfig | undefined;
  try {
    const parsed = parseBootstrapConfigYaml(text, source);
    config = parsed;
    step('schema');
    const accounts = withLocations(text, () => bootstrapAccounts(parsed));
    const stacks: BootstrapStackModel[] = [];
    const issues: ConfigProblem[] = [];
    for (const account of accounts) {
      try {
        stacks.push({ stackId: `bootstrap-${account.key}`, account, model: buildAccessModel(account.access, `${source}#${account.key}`) });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // Every account shares github and the infra repository: their problems are reported once.
        for (const issue of error.issues.map((i) => bootstrapAccountProblem(i, account.key, parsed.infraRepository.name)))
          if (!issues.some((i) => i.text === issue.text)) issues.push(issue);
      }
    }
    if (issues.length > 0) throw new ConfigError(source, locateIssues(text, issues));
    step('model');
    step('stacks');
    const environments = stacks.map((s) => ({ source: `${source}#${s.account.key}`, model: s.model, account: s.account }));
    return { kind: 'bootstrap', source, config, loaded: { kind: 'bootstrap', source, config, environments, stacks } };
  } catch (error) {
    return { kind: 'bootstrap', source, ...(config ? { config } : {}), error: failure(error, source) };
  }
}
