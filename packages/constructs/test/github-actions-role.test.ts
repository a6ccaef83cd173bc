import { buildAccessModel, parseAccessConfig } from '@keyless/policy';
import type { PolicyDocument, PolicyStatement, SubjectSpec } from '@keyless/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GithubActionsRole, GithubOidcProvider } from '../src/index.js';
import type { GithubActionsRoleProps } from '../src/index.js';
import { asList, onlyResource, resourcesOf, synthScope } from './helpers.js';
import type { Block, Synthesized } from './helpers.js';

const ROLE = 'aws_iam_role';
const PREFIX = 'token.actions.githubusercontent.com';
const repo = { owner: 'octo-org', name: 'octo-repo' } as const;
const main: SubjectSpec = { repository: repo, context: { kind: 'branch', name: 'main' } };

type RoleOptions = Omit<GithubActionsRoleProps, 'provider' | 'roleName' | 'subjects'> &
  Partial<Pick<GithubActionsRoleProps, 'roleName' | 'subjects'>>;

function synthRole(options: RoleOptions = {}): Synthesized {
  return synthScope((scope) => {
    const provider = new GithubOidcProvider(scope, 'github-oidc');
    new GithubActionsRole(scope, 'deploy', { provider, roleName: 'gha-deploy', subjects: [main], ...options });
  });
}

function trustOf(synth: Synthesized): PolicyDocument {
  return JSON.parse(onlyResource(synth, ROLE)['assume_role_policy'] as string) as PolicyDocument;
}

function statements(synth: Synthesized): PolicyStatement[] {
  return [...trustOf(synth).Statement];
}

function subValues(statement: PolicyStatement | undefined, operator: string): string[] {
  return asList(statement?.Condition?.[operator]?.[`${PREFIX}:sub`] as string | string[] | undefined);
}

function managedPolicies(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `arn:aws:iam::111111111111:policy/policy-${String(i).padStart(2, '0')}`);
}

describe('GithubActionsRole', () => {
  describe('trust policy', () => {
    it('names the created OIDC provider as the federated principal', () => {
      const synth = synthRole();
      const [providerKey] = Object.keys(resourcesOf(synth, 'aws_iam_openid_connect_provider'));
      for (const statement of statements(synth)) {
        expect(statement.Principal).toEqual({ Federated: `\${aws_iam_openid_connect_provider.${providerKey}.arn}` });
      }
    });

    it('names an existing provider by its ARN', () => {
      const arn = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
      const synth = synthScope((scope) => {
        const provider = GithubOidcProvider.fromProviderArn(scope, 'github-oidc', arn);
        new GithubActionsRole(scope, 'deploy', { provider, roleName: 'gha-deploy', subjects: [main] });
      });
      expect(statements(synth)[0]?.Principal).toEqual({ Federated: arn });
    });

    it('allows only sts:AssumeRoleWithWebIdentity', () => {
      for (const statement of statements(synthRole())) {
        expect(statement.Effect).toBe('Allow');
        expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
      }
    });

    it('tests aud and sub with StringEquals for exact subjects', () => {
      const [statement, ...rest] = statements(synthRole());
      expect(rest).toEqual([]);
      expect(statement?.Condition).toEqual({
        StringEquals: {
          [`${PREFIX}:aud`]: 'sts.amazonaws.com',
          [`${PREFIX}:sub`]: 'repo:octo-org/octo-repo:ref:refs/heads/main',
        },
      });
    });

    it('puts pattern subjects alone under StringLike in a separate statement that still tests aud exactly', () => {
      const synth = synthRole({
        subjects: [main, { repository: repo, context: { kind: 'branch', name: 'release/*', pattern: true } }],
      });
      const [exact, patterns, ...rest] = statements(synth);
      expect(rest).toEqual([]);
      expect(subValues(exact, 'StringEquals')).toEqual(['repo:octo-org/octo-repo:ref:refs/heads/main']);
      expect(exact?.Condition).not.toHaveProperty('StringLike');
      expect(patterns?.Condition).toEqual({
        StringEquals: { [`${PREFIX}:aud`]: 'sts.amazonaws.com' },
        StringLike: { [`${PREFIX}:sub`]: 'repo:octo-org/octo-repo:ref:refs/heads/release/*' },
      });
    });

    it('has no StringLike at all when no subject is a pattern', () => {
      const synth = synthRole({
        subjects: [main, { repository: repo, context: { kind: 'environment', name: 'prod' } }, { repository: repo, context: { kind: 'pull-request' } }],
        readOnly: true,
      });
      expect(JSON.stringify(trustOf(synth))).not.toContain('StringLike');
    });

    it('trusts several repositories in one role', () => {
      const other = { owner: 'octo-org', name: 'other-repo' };
      const synth = synthRole({ subjects: [main, { repository: other, context: { kind: 'environment', name: 'prod' } }] });
      expect(subValues(statements(synth)[0], 'StringEquals')).toEqual([
        'repo:octo-org/octo-repo:ref:refs/heads/main',
        'repo:octo-org/other-repo:environment:prod',
      ]);
      expect(onlyResource(synth, ROLE)['description']).toBe('GitHub Actions in octo-org/octo-repo, octo-org/other-repo, managed by keyless');
    });

    it('pins the ids beside both subject forms when the ids are known', () => {
      const synth = synthRole({ subjects: [{ repository: { ...repo, ownerId: 123456, id: 456789 }, context: { kind: 'branch', name: 'main' } }] });
      expect(subValues(statements(synth)[0], 'StringEquals')).toEqual([
        'repo:octo-org/octo-repo:ref:refs/heads/main',
        'repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main',
      ]);
      expect(statements(synth)[0]?.Condition?.['StringEquals']).toMatchObject({
        'token.actions.githubusercontent.com:repository_id': '456789',
        'token.actions.githubusercontent.com:repository_owner_id': '123456',
      });
    });

    it('uses immutable owner@id/repo@id subjects alone when the ids are known but not pinned', () => {
      const synth = synthRole({ subjects: [{ repository: { ...repo, ownerId: 123456, id: 456789, pinIds: false }, context: { kind: 'branch', name: 'main' } }] });
      expect(subValues(statements(synth)[0], 'StringEquals')).toEqual(['repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main']);
      expect(Object.keys(statements(synth)[0]?.Condition?.['StringEquals'] ?? {}).some((k) => k.endsWith(':repository_id'))).toBe(false);
    });

    it('does not pin ids by default on an issuer other than github.com, as the config does not', () => {
      const synth = synthScope((scope) => {
        const provider = new GithubOidcProvider(scope, 'github-oidc', { issuer: { kind: 'ghes', host: 'github.example.com' } });
        new GithubActionsRole(scope, 'role', { roleName: 'r', provider, subjects: [{ repository: { ...repo, ownerId: 123456, id: 456789 }, context: { kind: 'branch', name: 'main' } }] });
      });
      const policy = JSON.stringify(resourcesOf(synth, 'aws_iam_role'));
      expect(policy).not.toContain('repository_id');
      expect(policy).toContain('repo:octo-org/octo-repo:ref:refs/heads/main');
      expect(policy).not.toContain('octo-org@123456');
    });

    it.each([
      ['github.com', undefined],
      ['an enterprise slug', { enterpriseSlug: 'octo-ent' }],
      ['GHES', { ghesHost: 'github.example.com' }],
    ] as const)('applies the issuer defaults the config applies, on %s', (_label, issuerConfig) => {
      const model = buildAccessModel(parseAccessConfig({
        environment: 'dev',
        aws: { accountId: '111111111111', region: 'eu-west-1' },
        github: { owner: 'octo-org', ownerId: 123456, ...(issuerConfig ? { issuer: issuerConfig } : {}) },
        repositories: { 'octo-repo': { id: 456789, roles: { deploy: { trust: { branches: ['main'] } } } } },
      }));
      const fromConfig = model.repositories[0]?.roles[0];
      let role: GithubActionsRole | undefined;
      synthScope((scope) => {
        const provider = new GithubOidcProvider(scope, 'github-oidc', { issuer: model.github.issuer });
        role = new GithubActionsRole(scope, 'role', { roleName: 'r', provider, subjects: [{ repository: { ...repo, ownerId: 123456, id: 456789 }, context: { kind: 'branch', name: 'main' } }] });
      });
      expect(role?.claims).toEqual(fromConfig?.claims);
      expect(JSON.stringify(role?.trustPolicy).includes(':repository_id"')).toBe(model.github.pinIds);
    });

    it('requires the environment AND one of its refs for an environment subject with refs', () => {
      const synth = synthRole({ subjects: [{ repository: repo, context: { kind: 'environment', name: 'prod' }, refs: ['refs/heads/main'] }] });
      expect(statements(synth)[0]?.Condition?.['StringEquals']).toMatchObject({
        'token.actions.githubusercontent.com:sub': 'repo:octo-org/octo-repo:environment:prod',
        'token.actions.githubusercontent.com:ref': 'refs/heads/main',
      });
    });

    it('trusts both subject forms during the switch-over', () => {
      const synth = synthRole({
        subjects: [{ repository: { ...repo, ownerId: 123456, id: 456789, subjectFormat: 'both' }, context: { kind: 'environment', name: 'prod' } }],
      });
      expect(subValues(statements(synth)[0], 'StringEquals')).toEqual([
        'repo:octo-org/octo-repo:environment:prod',
        'repo:octo-org@123456/octo-repo@456789:environment:prod',
      ]);
    });

    it('encodes ":" in an environment name as %3A', () => {
      const synth = synthRole({ subjects: [{ repository: repo, context: { kind: 'environment', name: 'prod:v1' } }] });
      expect(subValues(statements(synth)[0], 'StringEquals')).toEqual(['repo:octo-org/octo-repo:environment:prod%3Av1']);
    });

    it('appends the pinned reusable workflow to the subject', () => {
      const workflow = 'octo-org/octo-automation/.github/workflows/deploy.yml@refs/heads/main';
      const synth = synthRole({ subjects: [{ ...main, workflow }] });
      expect(subValues(statements(synth)[0], 'StringEquals')).toEqual([`repo:octo-org/octo-repo:ref:refs/heads/main:job_workflow_ref:${workflow}`]);
    });

    it('tests the enterprise issuer prefix in its condition keys', () => {
      const synth = synthScope((scope) => {
        const provider = new GithubOidcProvider(scope, 'github-oidc', { issuer: { kind: 'enterprise-slug', slug: 'octo-ent' } });
        new GithubActionsRole(scope, 'deploy', { provider, roleName: 'gha-deploy', subjects: [main] });
      });
      expect(Object.keys(statements(synth)[0]?.Condition?.['StringEquals'] ?? {})).toEqual([
        `${PREFIX}/octo-ent:aud`,
        `${PREFIX}/octo-ent:sub`,
      ]);
    });

    it('exposes the sorted claims it trusts', () => {
      let role: GithubActionsRole | undefined;
      synthScope((scope) => {
        const provider = new GithubOidcProvider(scope, 'github-oidc');
        role = new GithubActionsRole(scope, 'deploy', {
          provider,
          roleName: 'gha-deploy',
          subjects: [{ repository: repo, context: { kind: 'pull-request' } }, main, main],
          readOnly: true,
        });
      });
      expect(role?.claims).toEqual(['repo:octo-org/octo-repo:pull_request', 'repo:octo-org/octo-repo:ref:refs/heads/main']);
    });
  });

  describe('permissions', () => {
    it('never uses the deprecated managed_policy_arns or inline_policy arguments', () => {
      const role = onlyResource(
        synthRole({
          managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
          inlinePolicies: { read: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } },
        }),
        ROLE,
      );
      expect(role).not.toHaveProperty('managed_policy_arns');
      expect(role).not.toHaveProperty('inline_policy');
    });

    it('attaches each managed policy through its own aws_iam_role_policy_attachment', () => {
      const synth = synthRole({
        managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::111111111111:policy/team/deploy', 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
      });
      const [roleKey] = Object.keys(resourcesOf(synth, ROLE));
      const attachments = Object.values(resourcesOf(synth, 'aws_iam_role_policy_attachment'));
      expect(attachments).toHaveLength(2);
      expect(attachments.map((a) => a['policy_arn']).sort()).toEqual(['arn:aws:iam::111111111111:policy/team/deploy', 'arn:aws:iam::aws:policy/ReadOnlyAccess']);
      for (const a of attachments) expect(a['role']).toBe(`\${aws_iam_role.${roleKey}.name}`);
    });

    it('gives two managed policies of the same name in different accounts different addresses', () => {
      const synth = synthRole({
        managedPolicyArns: ['arn:aws:iam::111111111111:policy/deploy', 'arn:aws:iam::222222222222:policy/deploy'],
      });
      expect(Object.keys(resourcesOf(synth, 'aws_iam_role_policy_attachment'))).toHaveLength(2);
    });

    it('writes each inline policy as its own aws_iam_role_policy', () => {
      const read = { Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow' as const, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] };
      const text = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}]}';
      const synth = synthRole({ inlinePolicies: { read, list: text } });
      const [roleKey] = Object.keys(resourcesOf(synth, ROLE));
      const policies = Object.values(resourcesOf(synth, 'aws_iam_role_policy'));
      expect(policies).toHaveLength(2);
      const byName = Object.fromEntries(policies.map((p) => [p['name'], p])) as Record<string, Block>;
      expect(JSON.parse(byName['read']?.['policy'] as string)).toEqual(read);
      expect(byName['list']?.['policy']).toBe(text);
      for (const p of policies) expect(p['role']).toBe(`\${aws_iam_role.${roleKey}.id}`);
    });

    it('creates no attachment or inline policy resource when none are declared', () => {
      const synth = synthRole();
      expect(resourcesOf(synth, 'aws_iam_role_policy_attachment')).toEqual({});
      expect(resourcesOf(synth, 'aws_iam_role_policy')).toEqual({});
    });

    it('sets the permissions boundary', () => {
      const boundary = 'arn:aws:iam::111111111111:policy/boundary';
      expect(onlyResource(synthRole({ permissionsBoundaryArn: boundary }), ROLE)['permissions_boundary']).toBe(boundary);
    });

    it('sets no permissions boundary by default', () => {
      expect(onlyResource(synthRole(), ROLE)).not.toHaveProperty('permissions_boundary');
    });
  });

  describe('role settings', () => {
    it('defaults to path /github-actions/, one hour sessions and a description naming the repository', () => {
      const role = onlyResource(synthRole(), ROLE);
      expect(role).toMatchObject({
        name: 'gha-deploy',
        path: '/github-actions/',
        max_session_duration: 3600,
        description: 'GitHub Actions in octo-org/octo-repo, managed by keyless',
        force_detach_policies: true,
      });
      expect(role).not.toHaveProperty('tags');
    });

    it('sets max_session_duration, path, description and sorted tags', () => {
      const role = onlyResource(
        synthRole({ maxSessionDurationSeconds: 43200, path: '/ci/github/', description: 'deploys the site', tags: { team: 'web', cost: 'x' } }),
        ROLE,
      );
      expect(role['max_session_duration']).toBe(43200);
      expect(role['path']).toBe('/ci/github/');
      expect(role['description']).toBe('deploys the site');
      expect(Object.entries(role['tags'] as Record<string, string>)).toEqual([
        ['cost', 'x'],
        ['team', 'web'],
      ]);
    });

    it('accepts the root path /', () => {
      expect(onlyResource(synthRole({ path: '/' }), ROLE)['path']).toBe('/');
    });

    it('accepts the session duration bounds 3600 and 43200', () => {
      expect(onlyResource(synthRole({ maxSessionDurationSeconds: 3600 }), ROLE)['max_session_duration']).toBe(3600);
      expect(onlyResource(synthRole({ maxSessionDurationSeconds: 43200 }), ROLE)['max_session_duration']).toBe(43200);
    });

    it('accepts a 64 character role name', () => {
      const name = 'r'.repeat(64);
      expect(onlyResource(synthRole({ roleName: name }), ROLE)['name']).toBe(name);
    });
  });

  describe('validation', () => {
    it('fails when the role name is longer than 64 characters', () => {
      const name = 'r'.repeat(65);
      expect(() => synthRole({ roleName: name })).toThrow(`roleName: "${name}": an IAM role name has 1 to 64 characters (got 65)`);
    });

    it('fails when the role name has characters IAM refuses', () => {
      expect(() => synthRole({ roleName: 'deploy role!' })).toThrow('roleName: "deploy role!": an IAM role name uses only letters, digits and + = , . @ _ -');
    });

    it('fails when the role name is empty', () => {
      expect(() => synthRole({ roleName: '' })).toThrow('roleName: "": an IAM role name has 1 to 64 characters (got 0)');
    });

    it('fails when the path does not start and end with "/"', () => {
      expect(() => synthRole({ path: 'github-actions' })).toThrow('path: "github-actions": an IAM path is "/" or starts and ends with "/"');
    });

    it('fails when the path has an empty segment', () => {
      expect(() => synthRole({ path: '/ci//github/' })).toThrow('path: "/ci//github/": an IAM path is "/"');
    });

    it('fails when the path is longer than 512 characters', () => {
      const path = `/${'p'.repeat(511)}/`;
      expect(() => synthRole({ path })).toThrow('an IAM path has at most 512 characters (got 513)');
    });

    it('fails when the session duration is 3599 seconds', () => {
      expect(() => synthRole({ maxSessionDurationSeconds: 3599 })).toThrow(
        'maxSessionDurationSeconds: 3599: the maximum session duration is a whole number of seconds from 3600 to 43200',
      );
    });

    it('fails when the session duration is 43201 seconds', () => {
      expect(() => synthRole({ maxSessionDurationSeconds: 43201 })).toThrow(
        'maxSessionDurationSeconds: 43201: the maximum session duration is a whole number of seconds from 3600 to 43200',
      );
    });

    it('fails when more than 10 managed policies are attached', () => {
      expect(() => synthRole({ managedPolicyArns: managedPolicies(11) })).toThrow(
        'managedPolicyArns: 11: a role has at most 10 managed policies (raisable by quota to 25)',
      );
    });

    it('attaches 10 managed policies by default', () => {
      expect(Object.keys(resourcesOf(synthRole({ managedPolicyArns: managedPolicies(10) }), 'aws_iam_role_policy_attachment'))).toHaveLength(10);
    });

    it('attaches more than 10 managed policies once the quota is raised to 20', () => {
      const synth = synthRole({ managedPolicyArns: managedPolicies(20), managedPoliciesPerRole: 20 });
      expect(Object.keys(resourcesOf(synth, 'aws_iam_role_policy_attachment'))).toHaveLength(20);
    });

    it('fails when the raised quota of 20 managed policies is exceeded', () => {
      expect(() => synthRole({ managedPolicyArns: managedPolicies(21), managedPoliciesPerRole: 20 })).toThrow(
        'managedPolicyArns: 21: a role has at most 20 managed policies',
      );
    });

    it('fails when there are no subjects', () => {
      expect(() => synthRole({ subjects: [] })).toThrow('subjects: []: a role needs at least one subject');
    });

    it('fails when the trust policy is over 2048 characters, saying to split the role or raise the quota', () => {
      const subjects: SubjectSpec[] = Array.from({ length: 40 }, (_, i) => ({ repository: repo, context: { kind: 'branch', name: `release/branch-${i}` } }));
      const run = () => synthRole({ subjects });
      expect(run).toThrow(/^stack\/deploy: role gha-deploy: the trust policy has \d+ characters \(40 subjects\), over the limit of 2048; /);
      expect(run).toThrow('split these subjects across several roles, or raise the account quota for role trust policy length (up to 8192) and set trustPolicyMaxChars to match');
    });

    it('accepts the same subjects once trustPolicyMaxChars is raised to 4096', () => {
      const subjects: SubjectSpec[] = Array.from({ length: 40 }, (_, i) => ({ repository: repo, context: { kind: 'branch', name: `release/branch-${i}` } }));
      expect(subValues(statements(synthRole({ subjects, trustPolicyMaxChars: 4096 }))[0], 'StringEquals')).toHaveLength(40);
    });

    it('fails when a subject has a wildcard owner', () => {
      expect(() => synthRole({ subjects: [{ repository: { owner: 'octo-*', name: 'octo-repo' }, context: { kind: 'branch', name: 'main' } }] })).toThrow(
        'subject octo-*/octo-repo, branch main: a GitHub owner name uses letters, digits and single inner hyphens only (no wildcard, no leading or trailing hyphen)',
      );
    });

    it('fails when a subject has a wildcard repository', () => {
      expect(() => synthRole({ subjects: [{ repository: { owner: 'octo-org', name: '*' }, context: { kind: 'branch', name: 'main' } }] })).toThrow(
        'a GitHub repository name uses letters, digits, ".", "_" and "-" only (no wildcard)',
      );
    });

    it('fails when an exact branch holds a "*"', () => {
      expect(() => synthRole({ subjects: [{ repository: repo, context: { kind: 'branch', name: 'release/*' } }] })).toThrow(
        'a "*" makes this a pattern; declare it under the patterns list to opt in',
      );
    });

    it('fails when a subject has a "?"', () => {
      expect(() => synthRole({ subjects: [{ repository: repo, context: { kind: 'branch', name: 'v?', pattern: true } }] })).toThrow(
        '"?" is never allowed in a subject',
      );
    });

    it('fails when an immutable subject lacks the numeric ids', () => {
      expect(() => synthRole({ subjects: [{ repository: { ...repo, subjectFormat: 'immutable' }, context: { kind: 'branch', name: 'main' } }] })).toThrow(
        'the immutable subject format needs the numeric ownerId and repository id',
      );
    });

    it('fails when a reusable workflow ref is "@*" without the opt-in', () => {
      const workflow = 'octo-org/octo-automation/.github/workflows/deploy.yml@*';
      expect(() => synthRole({ subjects: [{ ...main, workflow }] })).toThrow('set dangerouslyAllowAnyWorkflowRef to opt in');
    });

    it('accepts a reusable workflow ref "@*" with the opt-in, as a pattern', () => {
      const workflow = 'octo-org/octo-automation/.github/workflows/deploy.yml@*';
      const [patterns, ...rest] = statements(synthRole({ subjects: [{ ...main, workflow }], dangerouslyAllowAnyWorkflowRef: true }));
      expect(rest).toEqual([]);
      expect(patterns?.Sid).toBe('GithubActionsPatterns');
      expect(subValues(patterns, 'StringLike')).toEqual([`repo:octo-org/octo-repo:ref:refs/heads/main:job_workflow_ref:${workflow}`]);
    });

    it('fails when a tag key starts with aws:', () => {
      expect(() => synthRole({ tags: { 'aws:owner': 'x' } })).toThrow('tags.aws:owner: "x": a tag key cannot start with "aws:"');
    });

    it('fails when an inline policy name has characters IAM refuses', () => {
      expect(() => synthRole({ inlinePolicies: { 'read all': '{}' } })).toThrow('inlinePolicies.read all: "read all": an IAM policy name uses only letters');
    });

    it('fails when an inline policy holds characters IAM refuses', () => {
      const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bücket✓/*"}]}';
      expect(() => synthRole({ inlinePolicies: { read: policy } })).toThrow('policy text may hold only tab, LF, CR and U+0020 to U+00FF (found U+2713)');
    });
  });

  describe('determinism', () => {
    const pool: SubjectSpec[] = [
      main,
      { repository: repo, context: { kind: 'branch', name: 'release/*', pattern: true } },
      { repository: repo, context: { kind: 'tag', name: 'v*', pattern: true } },
      { repository: repo, context: { kind: 'environment', name: 'prod' } },
      { repository: repo, context: { kind: 'pull-request' } },
      { repository: { owner: 'octo-org', name: 'api', ownerId: 123456, id: 42, subjectFormat: 'both' }, context: { kind: 'branch', name: 'main' } },
      { repository: { owner: 'octo-org', name: 'api', ownerId: 123456, id: 42, subjectFormat: 'both' }, context: { kind: 'environment', name: 'staging' } },
    ];
    const managed = managedPolicies(4);
    const inline = {
      a: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
      b: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}',
      c: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}',
    };
    const tags = { team: 'web', cost: 'x', owner: 'platform' };
    const synthWith = (subjects: SubjectSpec[], arns: string[], inlineKeys: string[], tagKeys: string[]) =>
      JSON.stringify(
        synthRole({
          subjects,
          managedPolicyArns: arns,
          inlinePolicies: Object.fromEntries(inlineKeys.map((k) => [k, inline[k as keyof typeof inline]])),
          tags: Object.fromEntries(tagKeys.map((k) => [k, tags[k as keyof typeof tags]])),
          readOnly: true,
        }),
      );
    const baseline = synthWith(pool, managed, Object.keys(inline), Object.keys(tags));
    const permutation = <T>(items: readonly T[]) => fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

    it('synthesizes identical JSON whatever the order of subjects, policies and tags, and with repeated subjects', () => {
      fc.assert(
        fc.property(
          permutation(pool),
          fc.array(fc.constantFrom(...pool), { maxLength: 3 }),
          permutation(managed),
          permutation(Object.keys(inline)),
          permutation(Object.keys(tags)),
          (subjects, repeated, arns, inlineKeys, tagKeys) => {
            expect(synthWith([...subjects, ...repeated], arns, inlineKeys, tagKeys)).toBe(baseline);
          },
        ),
        { numRuns: 40 },
      );
    });
  });
});
