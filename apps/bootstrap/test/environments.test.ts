import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAccessModel } from '@keyless/constructs';
import { bootstrapAccounts, buildAccessModel, crossCheckModels, parseBootstrapConfigYaml } from '@keyless/policy';
import type { NamedModel } from '@keyless/policy';
import { describe, expect, it } from 'vitest';

const file = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

/** Every environment of this repository: the apps' access configs and the bootstrap's accounts. */
function allModels(): NamedModel[] {
  const bootstrapFile = file('../bootstrap.yaml');
  const bootstrap = bootstrapAccounts(parseBootstrapConfigYaml(readFileSync(bootstrapFile, 'utf8'), bootstrapFile));
  return [
    { source: 'apps/dev/access.yaml', model: loadAccessModel(file('../../dev/access.yaml')) },
    { source: 'apps/prod/access.yaml', model: loadAccessModel(file('../../prod/access.yaml')) },
    ...bootstrap.map((a) => ({ source: `apps/bootstrap/bootstrap.yaml#${a.key}`, model: buildAccessModel(a.access) })),
  ];
}

describe('environments of this repository', () => {
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

  it('fails the cross-check when two environments write the same repository variable', () => {
    const [dev] = allModels();
    if (!dev) throw new Error('no models');
    const problems = crossCheckModels([dev, { ...dev, source: 'copy.yaml' }]);
    expect(problems.some((p) => /variable AWS_ROLE_ARN in octo-org\/web-app is also written by/.test(p))).toBe(true);
  });
});
