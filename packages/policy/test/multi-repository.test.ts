import { describe, expect, it } from 'vitest';
import { ConfigError, buildAccessModel, evaluateTrustPolicy, parseAccessConfig } from '../src/index.js';

function config(role: Record<string, unknown>, extraRepositories: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    environment: 'dev',
    aws: { accountId: '111111111111', region: 'ap-northeast-2' },
    github: { owner: 'octo-org', ownerId: 123456 },
    repositories: { docs: { roles: { publish: role } }, ...extraRepositories },
  };
}

function problems(input: Record<string, unknown>): readonly string[] {
  try {
    buildAccessModel(parseAccessConfig(input));
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const allowed = (input: Record<string, unknown>, sub: string, claims: Record<string, string> = {}): boolean => {
  const model = buildAccessModel(parseAccessConfig(input));
  const role = model.repositories.find((r) => r.key === 'docs')?.roles[0];
  if (!role) throw new Error('no role');
  // The token carries the ids GitHub gives the repository its sub names; api is the one with a known id here.
  const ids = /^repo:octo-org(@123456)?\/api(@777)?:/.test(sub) ? { repository_id: '777', repository_owner_id: '123456' } : {};
  return evaluateTrustPolicy(role.trustPolicy, { iss: 'https://token.actions.githubusercontent.com', aud: 'sts.amazonaws.com', sub, ...ids, ...claims }).allowed;
};

describe('a role trusted by several repositories', () => {
  const input = config({ trust: { branches: ['main'], repositories: { handbook: { branches: ['main'] }, api: { environments: ['docs'] } } } }, {
    api: { id: 777, environments: { docs: { deploymentBranches: ['main'] } }, roles: { deploy: { trust: { branches: ['main'] } } } },
  });

  it('trusts each repository with its own subjects, in its own subject format', () => {
    const role = buildAccessModel(parseAccessConfig(input)).repositories.find((r) => r.key === 'docs')?.roles[0];
    expect(role?.claims).toEqual([
      'repo:octo-org/api:environment:docs',
      'repo:octo-org/docs:ref:refs/heads/main',
      'repo:octo-org/handbook:ref:refs/heads/main',
      'repo:octo-org@123456/api@777:environment:docs',
    ]);
  });

  it('pins the ids of the repository whose ids it knows, in its own statement, and only there', () => {
    expect(allowed(input, 'repo:octo-org/api:environment:docs', { repository_id: '999' })).toBe(false);
    expect(allowed(input, 'repo:octo-org/api:environment:docs', { repository_owner_id: '1' })).toBe(false);
    // A repository renamed to api keeps its own id: the name alone does not let it in.
    expect(allowed(input, 'repo:octo-org/api:environment:docs', { repository_id: '778' })).toBe(false);
    expect(allowed(input, 'repo:octo-org/handbook:ref:refs/heads/main', { repository_id: '777' })).toBe(true);
  });

  it.each([
    ['repo:octo-org/handbook:ref:refs/heads/main', true],
    ['repo:octo-org/docs:ref:refs/heads/main', true],
    ['repo:octo-org@123456/api@777:environment:docs', true],
    ['repo:octo-org/handbook:environment:docs', false],
    ['repo:octo-org/api:environment:docs', true],
    ['repo:octo-org/api:ref:refs/heads/main', false],
    ['repo:octo-org/handbook-2:ref:refs/heads/main', false],
  ])('evaluates %s as %s', (sub, expected) => {
    expect(allowed(input, sub)).toBe(expected);
  });

  it('writes the ARN into every trusting repository, where its jobs can read it', () => {
    const docs = buildAccessModel(parseAccessConfig(input)).repositories.find((r) => r.key === 'docs');
    expect(docs?.variables.map((v) => [v.repository, v.environment ?? '', v.name])).toEqual([
      ['api', 'docs', 'AWS_REGION'],
      ['api', 'docs', 'AWS_ROLE_ARN'],
      ['docs', '', 'AWS_REGION'],
      ['docs', '', 'AWS_ROLE_ARN'],
      ['handbook', '', 'AWS_REGION'],
      ['handbook', '', 'AWS_ROLE_ARN'],
    ]);
  });

  it('fails when the variable collides with one of the other repository\'s own roles', () => {
    const clash = config({ trust: { branches: ['main'], repositories: { api: { branches: ['main'] } } } }, {
      api: { roles: { deploy: { trust: { branches: ['main'] } } } },
    });
    expect(problems(clash)).toEqual([
      'repositories.docs.roles.publish.variable.name: "AWS_ROLE_ARN": role deploy already writes this variable in the repository of api; names are unique ignoring case per scope, so set variable.name on one of them',
    ]);
  });

  it('fails when the other repository is the role\'s own', () => {
    expect(problems(config({ trust: { branches: ['main'], repositories: { docs: { branches: ['dev'] } } } }))).toEqual([
      'repositories.docs.roles.publish.trust.repositories.docs: "docs": this is the role\'s own repository; list its subjects directly under trust',
    ]);
  });

  it('fails when another repository has no subject', () => {
    expect(problems(config({ trust: { branches: ['main'], repositories: { handbook: {} } } }))).toEqual([
      'repositories.docs.roles.publish.trust.repositories.handbook: a mapping: list at least one subject for this repository: branches, branchPatterns, tags, tagPatterns, environments or pullRequests',
    ]);
  });

  it('fails when another repository\'s name has a wildcard', () => {
    expect(problems(config({ trust: { branches: ['main'], repositories: { 'hand*': { branches: ['main'] } } } }))).toEqual([
      'repositories.docs.roles.publish.trust.repositories["hand*"]: "hand*": a GitHub repository name uses letters, digits, ".", "_" and "-" only (no wildcard)',
    ]);
  });

  it('applies the pull-request rule to other repositories too', () => {
    expect(problems(config({ trust: { branches: ['main'], repositories: { handbook: { pullRequests: true } } } }))).toEqual([
      'repositories.docs.roles.publish.trust.repositories.handbook.pullRequests: true: pull request jobs run code from the pull request; only a role with readOnly: true may trust them, or set dangerouslyAllowPullRequestsWithWriteAccess: true',
    ]);
  });

  it('fails when another repository uses the reusable-workflow subject template', () => {
    const input2 = config({ trust: { branches: ['main'], repositories: { ops: { environments: ['prod'] } } } }, {
      ops: { environments: { prod: { deploymentBranches: ['main'] } }, roles: { deploy: { trust: { environments: ['prod'], workflows: ['octo-org/automation/.github/workflows/deploy.yml@refs/heads/main'] } } } },
    });
    expect(problems(input2)).toEqual([
      'repositories.docs.roles.publish.trust.repositories.ops: "ops": that repository uses the reusable-workflow subject template, so its tokens never match plain subjects; give it a role of its own',
    ]);
  });
});
