import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAccessModel } from '@keyless/constructs';
import { bootstrapAccounts, buildAccessModel, crossCheckModels, parseBootstrapConfigYaml } from '@keyless/policy';
import type { NamedModel } from '@keyless/policy';
import { describe, expect, it } from 'vitest';

// Every expectation comes from the configs under apps/ (whichever apps there are), so these hold for any
// organisation's configs, not only the example's.
const APPS = fileURLToPath(new URL('../..', import.meta.url));
const BOOTSTRAP = join(APPS, 'bootstrap', 'bootstrap.yaml');
const accounts = bootstrapAccounts(parseBootstrapConfigYaml(readFileSync(BOOTSTRAP, 'utf8'), BOOTSTRAP));

/** The access configs of every app (apps/<app>/access.yaml), by source. */
function appModels(): NamedModel[] {
  return readdirSync(APPS)
    .sort()
    .filter((app) => existsSync(join(APPS, app, 'access.yaml')))
    .map((app) => ({ source: `apps/${app}/access.yaml`, model: loadAccessModel(join(APPS, app, 'access.yaml')) }));
}

/** Every environment of this repository: the apps' access configs and the bootstrap's accounts. */
function allModels(): NamedModel[] {
  return [
    ...appModels(),
    ...accounts.map((a) => ({ source: `apps/bootstrap/bootstrap.yaml#${a.key}`, model: buildAccessModel(a.access) })),
  ];
}

describe('environments of this repository', () => {
  it('include at least one app besides the bootstrap', () => {
    expect(appModels().length).toBeGreaterThan(0);
  });

  it('can be applied side by side: no shared variable, environment, template, role name or provider', () => {
    expect(crossCheckModels(allModels())).toEqual([]);
  });

  it('refer to the OIDC provider that the bootstrap creates in the same account', () => {
    const models = allModels();
    const created = new Map(
      models.filter((m) => 'create' in m.model.aws.oidcProvider).map((m) => [m.model.aws.accountId, m.model.aws.oidcProviderArn]),
    );
    for (const { source, model } of models.filter((m) => 'existingArn' in m.model.aws.oidcProvider)) {
      expect(created.get(model.aws.accountId), source).toBe(model.aws.oidcProviderArn);
    }
  });

  it('live in accounts the bootstrap knows (its pipeline roles plan and apply them), with its state bucket', () => {
    const bootstrap = accounts.map((a) => buildAccessModel(a.access));
    for (const { source, model } of appModels()) {
      const account = bootstrap.find((b) => b.aws.accountId === model.aws.accountId);
      expect(account, `${source}: account ${model.aws.accountId} is not an account of apps/bootstrap/bootstrap.yaml`).toBeDefined();
      if (model.state) expect(model.state, `${source}: state`).toMatchObject({ bucket: account?.state?.bucket, region: account?.state?.region });
    }
  });

  it('fails the cross-check when two environments write the same variable', () => {
    const withVariable = allModels().find((m) => m.model.repositories.some((r) => r.variables.length > 0));
    if (!withVariable) throw new Error('no environment writes a variable');
    const variable = withVariable.model.repositories.flatMap((r) => r.variables)[0];
    const problems = crossCheckModels([withVariable, { ...withVariable, source: 'copy.yaml' }]);
    const mentions = problems.filter(
      (p) => p.includes(`variable ${variable?.name} in `) && p.includes(`${withVariable.model.github.owner}/${variable?.repository}`) && p.includes('is also written by'),
    );
    expect(mentions, problems.join('\n')).not.toEqual([]);
  });
});
