/**
 * The environments of a checkout, read from the apps' config files with the same functions the apps
 * synthesize with: the bootstrap's accounts (account id → environment) and the access report of each stack.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { accessReport, loadConfigFile } from '@keyless/policy';
import type { AccessReport } from '@keyless/policy';

export const BOOTSTRAP_CONFIG = 'apps/bootstrap/bootstrap.yaml';

/** Account id → environment key (dev, prod), from apps/bootstrap/bootstrap.yaml. */
export function bootstrapAccountMap(root: string, file = BOOTSTRAP_CONFIG): Map<string, string> {
  const { stacks } = loadConfigFile(join(root, file), { source: file, kind: 'bootstrap' });
  return new Map(stacks.map(({ account }) => [account.access.aws.accountId, account.key]));
}

/**
 * The access report of every stack in a checkout, by stack name, with the stacks the loader gives (the ones synth
 * writes): an app's `access.yaml` is the stack named after its environment, or one `<environment>-<shard>` per
 * shard of a sharded environment (the report of that shard's repositories); a `bootstrap.yaml` has a stack
 * `bootstrap-<account>` per account. A config that does not load is reported in `errors`.
 */
export function accessReportsByStack(root: string): { reports: Map<string, AccessReport>; errors: string[] } {
  const reports = new Map<string, AccessReport>();
  const errors: string[] = [];
  const appsDir = join(root, 'apps');
  if (!existsSync(appsDir)) return { reports, errors };
  for (const app of readdirSync(appsDir).sort()) {
    for (const name of ['access.yaml', 'bootstrap.yaml']) {
      const file = join(appsDir, app, name);
      if (!existsSync(file)) continue;
      try {
        for (const { stackId, model } of loadConfigFile(file, { source: `apps/${app}/${name}` }).stacks) reports.set(stackId, accessReport(model));
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  }
  return { reports, errors };
}
