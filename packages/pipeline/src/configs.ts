/**
 * The environments of a checkout, read from the apps' config files with the same functions the apps
 * synthesize with: the bootstrap's accounts (account id → environment) and the access report of each stack.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { accessReport, bootstrapAccounts, buildAccessModel, parseAccessConfigYaml, parseBootstrapConfigYaml } from '@keyless/policy';
import type { AccessReport } from '@keyless/policy';

export const BOOTSTRAP_CONFIG = 'apps/bootstrap/bootstrap.yaml';

/** Account id → environment key (dev, prod), from apps/bootstrap/bootstrap.yaml. */
export function bootstrapAccountMap(root: string, file = BOOTSTRAP_CONFIG): Map<string, string> {
  const path = join(root, file);
  const config = parseBootstrapConfigYaml(readFileSync(path, 'utf8'), file);
  return new Map(bootstrapAccounts(config).map((a) => [a.access.aws.accountId, a.key]));
}

/**
 * The access report of every stack in a checkout, by stack name: an app's `access.yaml` is the stack named
 * after its environment (as `runApp` names it), a `bootstrap.yaml` has a stack `bootstrap-<account>` per
 * account (as `runBootstrapApp` names them). A config that does not parse is reported in `errors`.
 */
export function accessReportsByStack(root: string): { reports: Map<string, AccessReport>; errors: string[] } {
  const reports = new Map<string, AccessReport>();
  const errors: string[] = [];
  const appsDir = join(root, 'apps');
  if (!existsSync(appsDir)) return { reports, errors };
  for (const app of readdirSync(appsDir).sort()) {
    const accessFile = join(appsDir, app, 'access.yaml');
    const bootstrapFile = join(appsDir, app, 'bootstrap.yaml');
    try {
      if (existsSync(accessFile)) {
        const source = `apps/${app}/access.yaml`;
        const model = buildAccessModel(parseAccessConfigYaml(readFileSync(accessFile, 'utf8'), source), source);
        reports.set(model.environment, accessReport(model));
      }
      if (existsSync(bootstrapFile)) {
        const source = `apps/${app}/bootstrap.yaml`;
        for (const account of bootstrapAccounts(parseBootstrapConfigYaml(readFileSync(bootstrapFile, 'utf8'), source)))
          reports.set(`bootstrap-${account.key}`, accessReport(buildAccessModel(account.access, `${source}#${account.key}`)));
      }
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  return { reports, errors };
}
