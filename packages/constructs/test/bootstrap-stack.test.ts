import { readFileSync } from 'node:fs';
import { bootstrapAccounts, evaluateTrustPolicy, parseBootstrapConfigYaml } from '@keyless/policy';
import type { BootstrapAccount } from '@keyless/policy';
import { octoOrg } from '@keyless/testkit';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { BootstrapStack } from '../src/index.js';
import { asList, findResource, onlyResource, resourcesOf, synthStack } from './helpers.js';
import type { Block, Synthesized } from './helpers.js';

// The octo-org fixture (packages/testkit/fixtures), not the repository's example bootstrap config.
const BOOTSTRAP = octoOrg.bootstrap;
const config = parseBootstrapConfigYaml(readFileSync(BOOTSTRAP, 'utf8'), 'bootstrap.yaml');
const accounts = bootstrapAccounts(config);

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function account(key: string): BootstrapAccount {
  const found = accounts.find((a) => a.key === key);
  if (!found) throw new Error(`no account ${key} in bootstrap.yaml`);
  return found;
}

function synthBootstrap(key: string): { stack: BootstrapStack; synth: Synthesized } {
  const stack = new BootstrapStack(Testing.app(), `bootstrap-${key}`, { account: account(key), infraRepository: config.infraRepository.name });
  return { stack, synth: synthStack(stack) };
}

function policyStatements(policy: string): Statement[] {
  return asList((JSON.parse(policy) as { Statement: Statement | Statement[] }).Statement);
}

function trustSubjects(role: Block): string[] {
  return policyStatements(role['assume_role_policy'] as string).flatMap((s) =>
    Object.entries(s.Condition ?? {}).flatMap(([operator, byKey]) =>
      asList(byKey['token.actions.githubusercontent.com:sub'] as string | string[] | undefined).map((sub) => `${operator} ${sub}`),
    ),
  );
}

function inlinePoliciesOf(synth: Synthesized, roleName: string): Block[] {
  const roleKey = findResource(synth, 'aws_iam_role', 'name', roleName).key;
  return Object.values(resourcesOf(synth, 'aws_iam_role_policy')).filter((p) => p['role'] === `\${aws_iam_role.${roleKey}.id}`);
}

describe('BootstrapStack', () => {
  const { synth: dev } = synthBootstrap('dev');
  const { synth: prod } = synthBootstrap('prod');
  const infraPrefix = 'repo:octo-org@123456/octo-infra@700001';

  it('has one stack per account of bootstrap.yaml', () => {
    expect(accounts.map((a) => [a.key, a.stateBucket])).toEqual([
      ['dev', 'octo-org-keyless-tfstate-111111111111'],
      ['prod', 'octo-org-keyless-tfstate-222222222222'],
    ]);
  });

  describe('state bucket', () => {
    it('is named <stateBucketPrefix>-<accountId>', () => {
      expect(onlyResource(dev, 'aws_s3_bucket')['bucket']).toBe('octo-org-keyless-tfstate-111111111111');
      expect(onlyResource(prod, 'aws_s3_bucket')['bucket']).toBe('octo-org-keyless-tfstate-222222222222');
    });

    it('is protected from terraform destroy and from deletion with objects inside', () => {
      const bucket = onlyResource(dev, 'aws_s3_bucket');
      expect(bucket['lifecycle']).toEqual({ prevent_destroy: true });
      expect(bucket['force_destroy']).toBe(false);
    });

    it('has versioning Enabled', () => {
      expect(onlyResource(dev, 'aws_s3_bucket_versioning')['versioning_configuration']).toEqual({ status: 'Enabled' });
    });

    it('encrypts with aws:kms by default', () => {
      expect(onlyResource(dev, 'aws_s3_bucket_server_side_encryption_configuration')['rule']).toEqual([
        { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms' }, bucket_key_enabled: true },
      ]);
    });

    it('blocks every kind of public access', () => {
      const block = onlyResource(dev, 'aws_s3_bucket_public_access_block');
      expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    });

    it('enforces bucket owner ownership, with ACLs disabled', () => {
      expect(onlyResource(dev, 'aws_s3_bucket_ownership_controls')['rule']).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    });

    it('denies every request that does not use TLS, on the bucket and its objects', () => {
      const bucketKey = Object.keys(resourcesOf(dev, 'aws_s3_bucket'))[0];
      const [statement, ...rest] = policyStatements(onlyResource(dev, 'aws_s3_bucket_policy')['policy'] as string);
      expect(rest).toEqual([]);
      expect(statement).toEqual({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`\${aws_s3_bucket.${bucketKey}.arn}`, `\${aws_s3_bucket.${bucketKey}.arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    });

    it('configures every bucket setting on the bucket it creates', () => {
      const bucketKey = Object.keys(resourcesOf(dev, 'aws_s3_bucket'))[0];
      for (const type of [
        'aws_s3_bucket_versioning',
        'aws_s3_bucket_server_side_encryption_configuration',
        'aws_s3_bucket_public_access_block',
        'aws_s3_bucket_ownership_controls',
        'aws_s3_bucket_policy',
      ]) {
        expect(onlyResource(dev, type)['bucket'], type).toBe(`\${aws_s3_bucket.${bucketKey}.id}`);
      }
    });

    it('writes the bucket name to a repository variable of the infra repository', () => {
      expect(findResource(dev, 'github_actions_variable', 'variable_name', 'KEYLESS_STATE_BUCKET_DEV').block).toMatchObject({
        repository: 'octo-infra',
        value: 'octo-org-keyless-tfstate-111111111111',
      });
    });

    it('outputs the bucket name', () => {
      const bucketKey = Object.keys(resourcesOf(dev, 'aws_s3_bucket'))[0];
      expect(dev.output?.['state_bucket']).toEqual({ value: `\${aws_s3_bucket.${bucketKey}.bucket}` });
    });
  });

  describe('OIDC provider', () => {
    it('creates the account provider for github.com with only the sts.amazonaws.com audience', () => {
      expect(onlyResource(dev, 'aws_iam_openid_connect_provider')).toEqual({
        url: 'https://token.actions.githubusercontent.com',
        client_id_list: ['sts.amazonaws.com'],
      });
    });

    it('pins the AWS provider to the account', () => {
      expect(dev.provider?.['aws']?.[0]?.['allowed_account_ids']).toEqual(['111111111111']);
      expect(prod.provider?.['aws']?.[0]?.['allowed_account_ids']).toEqual(['222222222222']);
    });
  });

  describe('plan role', () => {
    it('trusts exactly the pull requests of the infra repository, in the immutable subject format', () => {
      expect(trustSubjects(findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-plan').block)).toEqual([
        `StringEquals ${infraPrefix}:pull_request`,
      ]);
    });

    it('attaches only IAMReadOnlyAccess as a managed policy', () => {
      const roleKey = findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-plan').key;
      const attached = Object.values(resourcesOf(dev, 'aws_iam_role_policy_attachment')).filter((a) => a['role'] === `\${aws_iam_role.${roleKey}.name}`);
      expect(attached.map((a) => a['policy_arn'])).toEqual(['arn:aws:iam::aws:policy/IAMReadOnlyAccess']);
    });

    it('may put and delete objects only on the keyless/*.tflock lock files of the state bucket', () => {
      const statements = inlinePoliciesOf(dev, 'keyless-dev-plan').flatMap((p) => policyStatements(p['policy'] as string));
      const writes = statements.filter((s) => asList(s.Action).some((a) => /^s3:(PutObject|DeleteObject|\*)$/.test(a)));
      expect(writes.length).toBeGreaterThan(0);
      for (const s of writes) {
        expect(asList(s.Action).sort()).toEqual(['s3:DeleteObject', 's3:PutObject']);
        expect(asList(s.Resource)).toEqual(['arn:aws:s3:::octo-org-keyless-tfstate-111111111111/keyless/*.tflock']);
      }
    });

    it('grants nothing but Allow statements on the state bucket in its inline policy', () => {
      const statements = inlinePoliciesOf(dev, 'keyless-dev-plan').flatMap((p) => policyStatements(p['policy'] as string));
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        for (const r of asList(s.Resource)) expect(r.startsWith('arn:aws:s3:::octo-org-keyless-tfstate-111111111111')).toBe(true);
      }
    });

    it('writes its ARN to a repository variable named for the account', () => {
      const roleKey = findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-plan').key;
      expect(findResource(dev, 'github_actions_variable', 'variable_name', 'KEYLESS_PLAN_ROLE_ARN_DEV').block['value']).toBe(`\${aws_iam_role.${roleKey}.arn}`);
    });
  });

  describe('apply role', () => {
    it('trusts exactly the jobs of the account environment of the infra repository', () => {
      expect(trustSubjects(findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-apply').block)).toEqual([
        `StringEquals ${infraPrefix}:environment:dev`,
      ]);
      expect(trustSubjects(findResource(prod, 'aws_iam_role', 'name', 'keyless-prod-apply').block)).toEqual([
        `StringEquals ${infraPrefix}:environment:prod`,
      ]);
    });

    it('writes its ARN only to a variable of the account environment', () => {
      const roleKey = findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-apply').key;
      expect(findResource(dev, 'github_actions_environment_variable', 'variable_name', 'KEYLESS_APPLY_ROLE_ARN').block).toMatchObject({
        repository: 'octo-infra',
        environment: 'dev',
        value: `\${aws_iam_role.${roleKey}.arn}`,
      });
      expect(Object.values(resourcesOf(dev, 'github_actions_variable')).map((v) => v['variable_name'])).not.toContain('KEYLESS_APPLY_ROLE_ARN');
    });

    it('is denied to pull requests, other environments and the name-based subject', () => {
      const role = findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-apply').block;
      const policy = role['assume_role_policy'] as string;
      const token = (sub: string) => ({ iss: 'https://token.actions.githubusercontent.com', aud: 'sts.amazonaws.com', sub });
      const options = { principalArn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' };
      expect(evaluateTrustPolicy(policy, token(`${infraPrefix}:environment:dev`), options).allowed).toBe(true);
      for (const sub of [
        `${infraPrefix}:pull_request`,
        `${infraPrefix}:environment:prod`,
        `${infraPrefix}:ref:refs/heads/main`,
        'repo:octo-org/octo-infra:environment:dev',
      ]) {
        expect(evaluateTrustPolicy(policy, token(sub), options).allowed, sub).toBe(false);
      }
    });
  });

  describe('drift role', () => {
    it('trusts exactly the main branch of the infra repository, in the immutable subject format', () => {
      expect(trustSubjects(findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-drift').block)).toEqual([
        `StringEquals ${infraPrefix}:ref:refs/heads/main`,
      ]);
    });

    it('is denied to pull requests, environments, other branches and the name-based subject', () => {
      const policy = findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-drift').block['assume_role_policy'] as string;
      const token = (sub: string) => ({ iss: 'https://token.actions.githubusercontent.com', aud: 'sts.amazonaws.com', sub });
      const options = { principalArn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' };
      expect(evaluateTrustPolicy(policy, token(`${infraPrefix}:ref:refs/heads/main`), options).allowed).toBe(true);
      for (const sub of [
        `${infraPrefix}:pull_request`,
        `${infraPrefix}:environment:dev`,
        `${infraPrefix}:ref:refs/heads/main-2`,
        `${infraPrefix}:ref:refs/tags/main`,
        'repo:octo-org/octo-infra:ref:refs/heads/main',
      ]) {
        expect(evaluateTrustPolicy(policy, token(sub), options).allowed, sub).toBe(false);
      }
    });

    it('attaches only IAMReadOnlyAccess and may only list and read the state bucket', () => {
      const roleKey = findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-drift').key;
      const attached = Object.values(resourcesOf(dev, 'aws_iam_role_policy_attachment')).filter((a) => a['role'] === `\${aws_iam_role.${roleKey}.name}`);
      expect(attached.map((a) => a['policy_arn'])).toEqual(['arn:aws:iam::aws:policy/IAMReadOnlyAccess']);
      const statements = inlinePoliciesOf(dev, 'keyless-dev-drift').flatMap((p) => policyStatements(p['policy'] as string));
      expect(statements.map((s) => [s.Effect, asList(s.Action), asList(s.Resource)])).toEqual([
        ['Allow', ['s3:Get*', 's3:List*'], ['arn:aws:s3:::octo-org-keyless-tfstate-111111111111', 'arn:aws:s3:::octo-org-keyless-tfstate-111111111111/*']],
      ]);
    });

    it('writes its ARN to a repository variable named for the account', () => {
      const roleKey = findResource(dev, 'aws_iam_role', 'name', 'keyless-dev-drift').key;
      expect(findResource(dev, 'github_actions_variable', 'variable_name', 'KEYLESS_DRIFT_ROLE_ARN_DEV').block).toMatchObject({
        repository: 'octo-infra',
        value: `\${aws_iam_role.${roleKey}.arn}`,
      });
      expect(findResource(prod, 'github_actions_variable', 'variable_name', 'KEYLESS_DRIFT_ROLE_ARN_PROD').block['repository']).toBe('octo-infra');
    });
  });

  describe('GitHub environment', () => {
    it('requires the reviewers of the account, stops self review and admin bypass, and deploys only from main', () => {
      const env = findResource(dev, 'github_repository_environment', 'environment', 'dev').block;
      expect(env).toEqual({
        repository: 'octo-infra',
        environment: 'dev',
        reviewers: [{ users: [], teams: [4001] }],
        prevent_self_review: true,
        can_admins_bypass: false,
        deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      });
      const policies = Object.values(resourcesOf(dev, 'github_repository_environment_deployment_policy'));
      expect(policies.map((p) => [p['repository'], p['branch_pattern']])).toEqual([['octo-infra', 'main']]);
    });

    it('uses the reviewers an account overrides', () => {
      expect(findResource(prod, 'github_repository_environment', 'environment', 'prod').block['reviewers']).toEqual([{ users: [], teams: [4001, 4002] }]);
    });
  });
});
