import { buildAccessModel, parseAccessConfigYaml } from '@keyless/policy';
import type { AccessModel, RepositoryModel } from '@keyless/policy';
import { describe, expect, it } from 'vitest';
import { GithubOidcProvider, RepositoryAccess } from '../src/index.js';
import { findResource, resourcesOf, synthScope } from './helpers.js';
import type { Block, Synthesized } from './helpers.js';

const HEADER = `
environment: dev
aws:
  accountId: "111111111111"
  region: eu-west-1
github:
  owner: octo-org
`;

function model(repositories: string): AccessModel {
  return buildAccessModel(parseAccessConfigYaml(`${HEADER}repositories:\n${repositories}`));
}

function synthRepositories(access: AccessModel, region = access.aws.region): Synthesized {
  return synthScope((scope) => {
    const provider = new GithubOidcProvider(scope, 'github-oidc');
    for (const repository of access.repositories) {
      new RepositoryAccess(scope, `repo-${repository.key}`, { repository, provider, region });
    }
  });
}

function roleArnRef(synth: Synthesized, roleName: string): string {
  return `\${aws_iam_role.${findResource(synth, 'aws_iam_role', 'name', roleName).key}.arn}`;
}

function variables(synth: Synthesized): { type: string; block: Block }[] {
  return ['github_actions_variable', 'github_actions_environment_variable'].flatMap((type) =>
    Object.values(resourcesOf(synth, type)).map((block) => ({ type, block })),
  );
}

const MIXED = `
  svc:
    environments:
      staging:
        reviewers: { teams: [42] }
        deploymentBranches: [main]
    roles:
      deploy:
        trust: { branches: [main] }
      release:
        trust: { environments: [staging] }
        variable: { name: AWS_RELEASE_ROLE_ARN }
`;

describe('RepositoryAccess', () => {
  it('creates one role per declared role, named from the prefix, repository and role key', () => {
    const synth = synthRepositories(model(MIXED));
    expect(Object.values(resourcesOf(synth, 'aws_iam_role')).map((r) => r['name']).sort()).toEqual(['gha-dev-svc-deploy', 'gha-dev-svc-release']);
  });

  it('writes the ARN of a branch role to a repository variable', () => {
    const synth = synthRepositories(model(MIXED));
    const v = findResource(synth, 'github_actions_variable', 'variable_name', 'AWS_ROLE_ARN').block;
    expect(v['repository']).toBe('svc');
    expect(v['value']).toBe(roleArnRef(synth, 'gha-dev-svc-deploy'));
  });

  it('writes the ARN of an environment-only role to a variable of that environment', () => {
    const synth = synthRepositories(model(MIXED));
    const v = findResource(synth, 'github_actions_environment_variable', 'variable_name', 'AWS_RELEASE_ROLE_ARN').block;
    expect(v).toMatchObject({ repository: 'svc', environment: 'staging', value: roleArnRef(synth, 'gha-dev-svc-release') });
    expect(Object.values(resourcesOf(synth, 'github_actions_variable')).map((b) => b['variable_name'])).not.toContain('AWS_RELEASE_ROLE_ARN');
  });

  it('writes the region once per scope that holds a role ARN', () => {
    const synth = synthRepositories(model(MIXED));
    const regions = variables(synth).filter((v) => v.block['variable_name'] === 'AWS_REGION');
    expect(regions.map((v) => [v.type, v.block['environment'] ?? null, v.block['value']]).sort()).toEqual([
      ['github_actions_environment_variable', 'staging', 'eu-west-1'],
      ['github_actions_variable', null, 'eu-west-1'],
    ]);
  });

  it('writes the region passed in, not a hard-coded one', () => {
    const synth = synthRepositories(model(MIXED), 'ap-northeast-2');
    const regions = variables(synth).filter((v) => v.block['variable_name'] === 'AWS_REGION');
    expect(regions.map((v) => v.block['value'])).toEqual(['ap-northeast-2', 'ap-northeast-2']);
  });

  it('writes one region variable for several roles in the same scope', () => {
    const synth = synthRepositories(
      model(`
  svc:
    roles:
      deploy:
        trust: { branches: [main] }
      plan:
        readOnly: true
        trust: { pullRequests: true }
        variable: { name: AWS_PLAN_ROLE_ARN }
`),
    );
    expect(Object.values(resourcesOf(synth, 'github_actions_variable')).map((v) => v['variable_name']).sort()).toEqual([
      'AWS_PLAN_ROLE_ARN',
      'AWS_REGION',
      'AWS_ROLE_ARN',
    ]);
  });

  it('writes no variable for a role whose variable scope is none', () => {
    const synth = synthRepositories(
      model(`
  svc:
    roles:
      deploy:
        trust: { branches: [main] }
        variable: { scope: none }
`),
    );
    expect(variables(synth)).toEqual([]);
  });

  it('creates the declared GitHub environment with its protection rules', () => {
    const synth = synthRepositories(model(MIXED));
    const env = findResource(synth, 'github_repository_environment', 'environment', 'staging').block;
    expect(env).toMatchObject({
      repository: 'svc',
      reviewers: [{ users: [], teams: [42] }],
      prevent_self_review: true,
      can_admins_bypass: false,
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    });
    expect(Object.values(resourcesOf(synth, 'github_repository_environment_deployment_policy')).map((p) => p['branch_pattern'])).toEqual(['main']);
  });

  it('makes the environment variables depend on the declared github_repository_environment', () => {
    const synth = synthRepositories(model(MIXED));
    const envKey = findResource(synth, 'github_repository_environment', 'environment', 'staging').key;
    const envVars = Object.values(resourcesOf(synth, 'github_actions_environment_variable'));
    expect(envVars).toHaveLength(2);
    for (const v of envVars) expect(v['depends_on']).toContain(`github_repository_environment.${envKey}`);
  });

  it('writes the subject template when a role pins reusable workflows', () => {
    const synth = synthRepositories(
      model(`
  svc:
    roles:
      deploy:
        dangerouslyAllowAnyBranch: true
        trust:
          environments: [dev]
          workflows: [octo-org/octo-automation/.github/workflows/deploy.yml@refs/heads/main]
`),
    );
    const templates = Object.values(resourcesOf(synth, 'github_actions_repository_oidc_subject_claim_customization_template'));
    expect(templates).toEqual([{ repository: 'svc', use_default: false, include_claim_keys: ['repo', 'context', 'job_workflow_ref'] }]);
  });

  it('trusts the subject the template produces when a role pins reusable workflows', () => {
    const synth = synthRepositories(
      model(`
  svc:
    roles:
      deploy:
        dangerouslyAllowAnyBranch: true
        trust:
          environments: [dev]
          workflows: [octo-org/octo-automation/.github/workflows/deploy.yml@refs/heads/main]
`),
    );
    const role = findResource(synth, 'aws_iam_role', 'name', 'gha-dev-svc-deploy').block;
    expect(role['assume_role_policy']).toContain(
      '"repo:octo-org/svc:environment:dev:job_workflow_ref:octo-org/octo-automation/.github/workflows/deploy.yml@refs/heads/main"',
    );
  });

  it('leaves the subject template to another app when manageSubjectTemplate is false', () => {
    const synth = synthRepositories(
      model(`
  svc:
    manageSubjectTemplate: false
    roles:
      deploy:
        dangerouslyAllowAnyBranch: true
        trust:
          environments: [dev]
          workflows: [octo-org/octo-automation/.github/workflows/deploy.yml@refs/heads/main]
`),
    );
    expect(resourcesOf(synth, 'github_actions_repository_oidc_subject_claim_customization_template')).toEqual({});
  });

  it('writes no subject template when no role pins a workflow', () => {
    expect(resourcesOf(synthRepositories(model(MIXED)), 'github_actions_repository_oidc_subject_claim_customization_template')).toEqual({});
  });

  it('keeps the address of a role when another role is added before it', () => {
    const before = synthRepositories(model(MIXED));
    const after = synthRepositories(
      model(`${MIXED}      aaa:
        trust: { branches: [develop] }
        variable: { name: AWS_AAA_ROLE_ARN }
`),
    );
    for (const name of ['gha-dev-svc-deploy', 'gha-dev-svc-release']) {
      expect(findResource(after, 'aws_iam_role', 'name', name).key).toBe(findResource(before, 'aws_iam_role', 'name', name).key);
    }
  });

  it('passes the role settings of the model to the role', () => {
    const synth = synthRepositories(
      model(`
  svc:
    roles:
      deploy:
        name: custom-deploy
        path: /ci/
        description: deploys svc
        maxSessionDurationSeconds: 7200
        permissionsBoundaryArn: arn:aws:iam::111111111111:policy/boundary
        tags: { team: web }
        trust: { branches: [main] }
        managedPolicyArns: [arn:aws:iam::111111111111:policy/deploy]
        inlinePolicies:
          logs:
            Statement:
              - { Effect: Allow, Action: logs:PutLogEvents, Resource: "*" }
`),
    );
    const role = findResource(synth, 'aws_iam_role', 'name', 'custom-deploy').block;
    expect(role).toMatchObject({
      path: '/ci/',
      description: 'deploys svc',
      max_session_duration: 7200,
      permissions_boundary: 'arn:aws:iam::111111111111:policy/boundary',
      tags: { 'keyless:environment': 'dev', 'keyless:repository': 'octo-org/svc', 'keyless:role': 'deploy', team: 'web' },
    });
    expect(Object.values(resourcesOf(synth, 'aws_iam_role_policy_attachment')).map((a) => a['policy_arn'])).toEqual([
      'arn:aws:iam::111111111111:policy/deploy',
    ]);
    expect(Object.values(resourcesOf(synth, 'aws_iam_role_policy')).map((p) => [p['name'], JSON.parse(p['policy'] as string)])).toEqual([
      ['logs', { Version: '2012-10-17', Statement: [{ Action: 'logs:PutLogEvents', Effect: 'Allow', Resource: '*' }] }],
    ]);
  });

  it('exposes its roles by key', () => {
    let access: RepositoryAccess | undefined;
    const m = model(MIXED);
    synthScope((scope) => {
      const provider = new GithubOidcProvider(scope, 'github-oidc');
      access = new RepositoryAccess(scope, 'repo-svc', { repository: m.repositories[0] as RepositoryModel, provider, region: 'eu-west-1' });
    });
    expect([...(access?.roles.keys() ?? [])]).toEqual(['deploy', 'release']);
    expect(access?.roles.get('deploy')?.claims).toEqual(['repo:octo-org/svc:ref:refs/heads/main']);
  });

  it('renders the trust policy the model built, and refuses a provider the model did not build it for', () => {
    const m = model(MIXED);
    const repository = m.repositories[0] as RepositoryModel;
    const synth = synthRepositories(m);
    const role = findResource(synth, 'aws_iam_role', 'name', 'gha-dev-svc-deploy').block;
    const rendered = JSON.parse(role['assume_role_policy'] as string) as { Statement: { Principal: unknown }[] };
    const built = repository.roles.find((r) => r.key === 'deploy')?.trustPolicy;
    expect(rendered.Statement.map((s) => ({ ...s, Principal: undefined }))).toEqual(built?.Statement.map((s) => ({ ...s, Principal: undefined })));
    for (const provider of [{ audiences: ['sts.example.com'] }, { issuer: { kind: 'enterprise-slug', slug: 'acme' } }]) {
      expect(() =>
        synthScope((scope) => {
          const other = new GithubOidcProvider(scope, 'github-oidc', provider as never);
          new RepositoryAccess(scope, 'repo-svc', { repository, provider: other, region: 'eu-west-1' });
        }),
      ).toThrow(/repo-svc: role gha-dev-svc-deploy: the provider .* is not the one the access model built this role's trust policy for/);
    }
  });

  it('fails when a variable refers to a role the repository does not declare', () => {
    const repository = model(MIXED).repositories[0] as RepositoryModel;
    const broken: RepositoryModel = {
      ...repository,
      variables: [...repository.variables, { repository: repository.key, name: 'GHOST', scope: 'repository', value: { kind: 'role-arn', role: 'ghost' } }],
    };
    expect(() =>
      synthScope((scope) => {
        const provider = new GithubOidcProvider(scope, 'github-oidc');
        new RepositoryAccess(scope, 'repo-svc', { repository: broken, provider, region: 'eu-west-1' });
      }),
    ).toThrow('variables: "GHOST" refers to role {"kind":"role-arn","role":"ghost"} that the repository does not declare');
  });

  it('fails when the trust policy is over the default 2048 characters and no raised quota is passed', () => {
    const branches = Array.from({ length: 40 }, (_, i) => `release/branch-${i}`).join(', ');
    const m = buildAccessModel(
      parseAccessConfigYaml(`${HEADER.replace('region: eu-west-1', 'region: eu-west-1\n  trustPolicyMaxChars: 4096')}repositories:
  svc:
    roles:
      deploy:
        trust: { branches: [${branches}] }
`),
    );
    expect(() =>
      synthScope((scope) => {
        const provider = new GithubOidcProvider(scope, 'github-oidc');
        new RepositoryAccess(scope, 'repo-svc', { repository: m.repositories[0] as RepositoryModel, provider, region: 'eu-west-1' });
      }),
    ).toThrow(/^stack\/repo-svc: role gha-dev-svc-deploy: the trust policy has \d+ characters \(40 subjects\), over the limit of 2048/);
  });
});
