/**
 * crossCheckModels, rule by rule: several environments' configs must be appliable side by side, so two of them
 * never manage one object (OIDC provider, GitHub variable, GitHub environment, subject template, role name).
 * Each rule gets a case that breaks it, the nearest case that does not, and the message it prints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAccessModel, crossCheckModels, parseAccessConfig } from '../src/index.js';
import type { NamedModel } from '../src/index.js';

type Config = Record<string, any>;

const DEV_ACCOUNT = '111111111111';
const PROD_ACCOUNT = '222222222222';
const PROVIDER = (account: string) => `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
const WORKFLOW = 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/main';

/** The role ARN and region variables of an environment, named after it so that two environments' differ. */
const ownVariables = (environment: string) => ({ name: `${environment.toUpperCase()}_ROLE_ARN`, regionName: `${environment.toUpperCase()}_REGION` });

/**
 * An environment's config: one repository of its own (`<environment>-app`) with a deploy role for main, unless
 * `repositories` says otherwise, so that two environments share nothing until a test makes them.
 */
function config(environment: string, options: { account?: string; create?: boolean; repositories?: Config } = {}): Config {
  const account = options.account ?? DEV_ACCOUNT;
  return {
    environment,
    aws: { accountId: account, region: 'eu-west-1', oidcProvider: options.create ? { create: true } : { existingArn: PROVIDER(account) } },
    github: { owner: 'octo-org' },
    repositories: options.repositories ?? { [`${environment}-app`]: { roles: { deploy: { trust: { branches: ['main'] } } } } },
  };
}

function named(source: string, c: Config): NamedModel {
  return { source, model: buildAccessModel(parseAccessConfig(c, source), source) };
}

describe('crossCheckModels', () => {
  it('finds nothing in environments that share no object', () => {
    expect(crossCheckModels([named('apps/dev/access.yaml', config('dev')), named('apps/prod/access.yaml', config('prod', { account: PROD_ACCOUNT, create: true }))])).toEqual([]);
  });

  it('finds nothing in a single environment', () => {
    expect(crossCheckModels([named('apps/dev/access.yaml', config('dev', { create: true }))])).toEqual([]);
  });

  describe('the OIDC provider', () => {
    it('fails when two configs create the provider for one issuer in one account', () => {
      const problems = crossCheckModels([
        named('a.yaml', config('dev', { create: true })),
        named('b.yaml', config('staging', { create: true })),
      ]);
      expect(problems).toEqual([
        `b.yaml: aws.oidcProvider: both a.yaml and this config create the provider for https://token.actions.githubusercontent.com in account ${DEV_ACCOUNT}; an account holds one per issuer, so set existingArn in one of them`,
      ]);
    });

    it('passes when they create it in different accounts, or one refers to it by ARN', () => {
      expect(crossCheckModels([named('a.yaml', config('dev', { create: true })), named('b.yaml', config('prod', { account: PROD_ACCOUNT, create: true }))])).toEqual([]);
      expect(crossCheckModels([named('a.yaml', config('dev', { create: true })), named('b.yaml', config('staging'))])).toEqual([]);
    });
  });

  describe('GitHub variables', () => {
    it('fails when two configs write one variable of one repository, whatever the case of its name', () => {
      const problems = crossCheckModels([
        named('apps/dev/access.yaml', config('dev', { repositories: { web: { roles: { deploy: { trust: { branches: ['main'] } } } } } })),
        named('apps/prod/access.yaml', config('prod', { account: PROD_ACCOUNT, repositories: { WEB: { roles: { deploy: { trust: { branches: ['main'] }, variable: { name: 'aws_role_arn', regionName: 'PROD_REGION' } } } } } })),
      ]);
      expect(problems).toEqual([
        'apps/prod/access.yaml: repositories.WEB: variable aws_role_arn in octo-org/WEB is also written by apps/dev/access.yaml; two states would overwrite each other, so rename one (variable.name) or scope it to an environment',
      ]);
    });

    it('passes when the names differ, or the variables live in different environments of the repository', () => {
      const web = (environment: string, account: string) => config(environment, { account, repositories: { web: { roles: { deploy: { trust: { branches: ['main'] }, variable: ownVariables(environment) } } } } });
      expect(crossCheckModels([named('dev.yaml', web('dev', DEV_ACCOUNT)), named('prod.yaml', web('prod', PROD_ACCOUNT))])).toEqual([]);
      const scoped = (environment: string, account: string) =>
        config(environment, { account, repositories: { web: { environments: { [environment]: { deploymentBranches: ['main'] } }, roles: { deploy: { trust: { environments: [environment] } } } } } });
      expect(crossCheckModels([named('dev.yaml', scoped('dev', DEV_ACCOUNT)), named('prod.yaml', scoped('prod', PROD_ACCOUNT))])).toEqual([]);
    });
  });

  describe('GitHub environments', () => {
    const withEnvironment = (name: string, environment: string, account: string) =>
      config(name, {
        account,
        repositories: { web: { environments: { [environment]: { deploymentBranches: ['main'] } }, roles: { deploy: { trust: { environments: [environment] }, variable: ownVariables(name) } } } },
      });

    it('fails when two configs manage one environment of one repository, whatever its case', () => {
      const problems = crossCheckModels([named('dev.yaml', withEnvironment('dev', 'shared', DEV_ACCOUNT)), named('prod.yaml', withEnvironment('prod', 'Shared', PROD_ACCOUNT))]);
      expect(problems).toContain('prod.yaml: repositories.web.environments.Shared: dev.yaml manages this GitHub environment too; declare it in one config only');
    });

    it('passes when each config manages its own environment', () => {
      expect(crossCheckModels([named('dev.yaml', withEnvironment('dev', 'dev', DEV_ACCOUNT)), named('prod.yaml', withEnvironment('prod', 'prod', PROD_ACCOUNT))])).toEqual([]);
    });
  });

  describe('the subject template of a repository', () => {
    const pinned = (name: string, account: string, options: { manage?: boolean; workflows?: boolean } = {}) =>
      config(name, {
        account,
        repositories: {
          web: {
            ...(options.manage === undefined ? {} : { manageSubjectTemplate: options.manage }),
            roles: { deploy: { trust: { branches: ['main'], ...(options.workflows === false ? {} : { workflows: [WORKFLOW] }) }, variable: ownVariables(name) } },
          },
        },
      });

    it('passes when exactly one config writes the template the others rely on', () => {
      expect(crossCheckModels([named('dev.yaml', pinned('dev', DEV_ACCOUNT)), named('prod.yaml', pinned('prod', PROD_ACCOUNT, { manage: false }))])).toEqual([]);
    });

    it('fails when no config writes it', () => {
      const problems = crossCheckModels([named('dev.yaml', pinned('dev', DEV_ACCOUNT, { manage: false })), named('prod.yaml', pinned('prod', PROD_ACCOUNT, { manage: false }))]);
      expect(problems).toEqual(['octo-org/web: roles in dev.yaml, prod.yaml rely on a subject template that no config writes; set manageSubjectTemplate: true (the default) in exactly one']);
    });

    it('fails when two configs write it', () => {
      const problems = crossCheckModels([named('dev.yaml', pinned('dev', DEV_ACCOUNT)), named('prod.yaml', pinned('prod', PROD_ACCOUNT))]);
      expect(problems).toEqual(['octo-org/web: dev.yaml and prod.yaml both write the subject template; set manageSubjectTemplate: false in all but one']);
    });

    it('fails when another config trusts default subjects of that repository, which would never match', () => {
      const problems = crossCheckModels([named('dev.yaml', pinned('dev', DEV_ACCOUNT)), named('prod.yaml', pinned('prod', PROD_ACCOUNT, { workflows: false }))]);
      expect(problems).toEqual([
        "octo-org/web: prod.yaml trust default subjects, but the repository's subject template includes job_workflow_ref, so those roles would never match; pin workflows there too",
      ]);
    });
  });

  describe('role names', () => {
    it('fails when two configs name a role alike in one account, ignoring case', () => {
      const problems = crossCheckModels([
        named('dev.yaml', config('dev', { repositories: { web: { roles: { deploy: { name: 'web-deploy', trust: { branches: ['main'] } } } } } })),
        named('staging.yaml', config('staging', { repositories: { api: { roles: { deploy: { name: 'Web-Deploy', trust: { branches: ['main'] } } } } } })),
      ]);
      expect(problems).toEqual([
        `staging.yaml: repositories.api.roles.deploy.name: "Web-Deploy" is also a role name in account ${DEV_ACCOUNT} from dev.yaml (repositories.web.roles.deploy); role names are unique ignoring case within an account`,
      ]);
    });

    it('passes when the same name is used in different accounts', () => {
      const named1 = config('dev', { repositories: { web: { roles: { deploy: { name: 'web-deploy', trust: { branches: ['main'] } } } } } });
      const named2 = config('prod', { account: PROD_ACCOUNT, repositories: { api: { roles: { deploy: { name: 'web-deploy', trust: { branches: ['main'] } } } } } });
      expect(crossCheckModels([named('dev.yaml', named1), named('prod.yaml', named2)])).toEqual([]);
    });
  });

  describe('numeric ids (the same GitHub facts in every environment)', () => {
    const withIds = (environment: string, account: string, ownerId: number, id: number): Config => {
      const c = config(environment, { account, repositories: { web: { id, roles: { deploy: { trust: { branches: ['main'] }, variable: ownVariables(environment) } } } } });
      c.github.ownerId = ownerId;
      return c;
    };

    it.each([
      ['agree', 1001, 2002, 1001, 2002, []],
      ['disagree on the repository id', 1001, 2002, 1001, 2003, ['prod.yaml: repositories.web.id: 2003: dev.yaml says 2002; a wrong id locks the repository out of every role that pins it, so correct one of them']],
      ['disagree on the owner id', 1001, 2002, 1009, 2002, ['prod.yaml: github.ownerId: 1009: dev.yaml says 1001; a wrong id locks the repository out of every role that pins it, so correct one of them']],
    ] as const)('%s', (_label, devOwner, devId, prodOwner, prodId, expected) => {
      expect(crossCheckModels([named('prod.yaml', withIds('prod', PROD_ACCOUNT, prodOwner, prodId)), named('dev.yaml', withIds('dev', DEV_ACCOUNT, devOwner, devId))])).toEqual(expected);
    });
  });

  it('checks organization role names against every role name of the account', () => {
    const org = config('dev');
    org.github.ownerId = 1001;
    org.organization = { roles: { shared: { name: 'web-deploy', trust: { workflows: [WORKFLOW] } } } };
    const other = config('staging', { repositories: { api: { roles: { deploy: { name: 'WEB-deploy', trust: { branches: ['main'] } } } } } });
    expect(crossCheckModels([named('dev.yaml', org), named('staging.yaml', other)])).toEqual([
      `staging.yaml: repositories.api.roles.deploy.name: "WEB-deploy" is also a role name in account ${DEV_ACCOUNT} from dev.yaml (organization.roles.shared); role names are unique ignoring case within an account`,
    ]);
  });

  it('reports every conflict of a pair, not only the first', () => {
    // The same config twice: one provider, two variables (role ARN and region) and one role name in common.
    const problems = crossCheckModels([named('a.yaml', config('dev', { create: true })), named('b.yaml', config('dev', { create: true }))]);
    expect(problems.map((p) => p.replace(/:.*$/, ''))).toEqual(['b.yaml', 'b.yaml', 'b.yaml', 'b.yaml']);
    expect(problems.join('\n')).toMatch(/create the provider/);
    expect(problems.join('\n')).toMatch(/variable AWS_ROLE_ARN/);
    expect(problems.join('\n')).toMatch(/variable AWS_REGION/);
    expect(problems.join('\n')).toMatch(/role name/);
  });

  it('gives the same lines whatever the order of the environments (property)', () => {
    const models = [
      named('apps/dev/access.yaml', config('dev', { create: true })),
      named('apps/prod/access.yaml', config('dev', { create: true })),
      named('apps/staging/access.yaml', config('staging', { account: PROD_ACCOUNT, create: true })),
      named('apps/qa/access.yaml', config('qa', { account: PROD_ACCOUNT, create: true })),
    ];
    const expected = crossCheckModels(models);
    expect(expected.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.shuffledSubarray(models, { minLength: models.length, maxLength: models.length }), (order) => {
        expect(crossCheckModels(order)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });
});
