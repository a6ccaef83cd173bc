/**
 * From a config file's text to validated models, with every problem located in that text: the access config of
 * one environment, and the accounts of a bootstrap config (whose generated access configs' problems are mapped
 * back to the bootstrap file's entries).
 */
import { ConfigError, parseAccessConfigYaml } from './access-config.js';
import type { ConfigProblem } from './access-config.js';
import { bootstrapAccounts, parseBootstrapConfigYaml } from './bootstrap-config.js';
import type { BootstrapAccount, BootstrapConfig } from './bootstrap-config.js';
import { bootstrapAccountProblem, locateIssues, withLocations } from './locate.js';
import { buildAccessModel } from '../model/index.js';
import type { AccessModel } from '../model/index.js';

/** Parses and validates an access config; a ConfigError names `source` and points at each problem's line. */
export function accessModelFromYaml(text: string, source: string): AccessModel {
  return withLocations(text, () => buildAccessModel(parseAccessConfigYaml(text, source), source));
}

export interface BootstrapAccountModel {
  readonly account: BootstrapAccount;
  readonly model: AccessModel;
}

/**
 * Parses a bootstrap config and validates every account's access config. One ConfigError (naming `source`) lists
 * the problems of all accounts, each mapped to the bootstrap entry it comes from and located in the text.
 */
export function bootstrapModelsFromYaml(text: string, source: string): { config: BootstrapConfig; accounts: BootstrapAccountModel[] } {
  const config = parseBootstrapConfigYaml(text, source);
  const accounts = withLocations(text, () => bootstrapAccounts(config));
  const models: BootstrapAccountModel[] = [];
  const issues: ConfigProblem[] = [];
  for (const account of accounts) {
    try {
      models.push({ account, model: buildAccessModel(account.access, `${source}#${account.key}`) });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // Every account shares github and the infra repository: their problems are reported once.
      for (const issue of error.issues.map((i) => bootstrapAccountProblem(i, account.key, config.infraRepository.name)))
        if (!issues.some((i) => i.text === issue.text)) issues.push(issue);
    }
  }
  if (issues.length > 0) throw new ConfigError(source, locateIssues(text, issues));
  return { config, accounts: models };
}
