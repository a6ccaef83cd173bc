import { ConfigError, bootstrapAccounts, evaluateTrustPolicy, parseBootstrapConfigYaml } from '@keyless/policy';
import type { BootstrapAccount } from '@keyless/policy';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { BootstrapStack, TerraformStateBucket } from '../src/index.js';
import { asList, findResource, onlyResource, resourcesOf, synthScope, synthStack } from './helpers.js';
import type { Block, Synthesized } from './helpers.js';

// A bootstrap config of this test's own (not the repository's example, which an adopter replaces).
const CONFIG = `
github:
  owner: acme
  ownerId: 5150
infraRepository:
  name: platform-infra
  id: 9001
stateBucketPrefix: acme-tfstate
reviewers:
  teams: [11]
accounts:
  staging:
    accountId: "333333333333"
    region: eu-west-1
  live:
    accountId: "444444444444"
    region: eu-west-1
    reviewers:
      teams: [11, 12]
    breakGlassPrincipalArns:
      - arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*
`;
const config = parseBootstrapConfigYaml(CONFIG, 'bootstrap.yaml');
const accounts = bootstrapAccounts(config);
const prefix = 'repo:acme@5150/platform-infra@9001';
const STAGING_BUCKET = 'arn:aws:s3:::acme-tfstate-333333333333';

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function account(key: string): BootstrapAccount {
  const found = accounts.find((a) => a.key === key);
  if (!found) throw new Error(`no account ${key}`);
  return found;
}

function synthBootstrap(key: string): Synthesized {
  return synthStack(new BootstrapStack(Testing.app(), `bootstrap-${key}`, { account: account(key), infraRepository: 'platform-infra' }));
}

function statements(policy: string): Statement[] {
  return asList((JSON.parse(policy) as { Statement: Statement | Statement[] }).Statement);
}

function trustSubjects(role: Block): string[] {
  return statements(role['assume_role_policy'] as string).flatMap((s) =>
    Object.entries(s.Condition ?? {}).flatMap(([operator, byKey]) =>
      asList(byKey['token.actions.githubusercontent.com:sub'] as string | string[] | undefined).map((sub) => `${operator} ${sub}`),
    ),
  );
}

function roleKey(synth: Synthesized, name: string): string {
  return findResource(synth, 'aws_iam_role', 'name', name).key;
}

function inlineStatements(synth: Synthesized, name: string): Statement[] {
  const key = roleKey(synth, name);
  return Object.values(resourcesOf(synth, 'aws_iam_role_policy'))
    .filter((p) => p['role'] === `\${aws_iam_role.${key}.id}`)
    .flatMap((p) => statements(p['policy'] as string));
}

function attached(synth: Synthesized, name: string): string[] {
  const key = roleKey(synth, name);
  return Object.values(resourcesOf(synth, 'aws_iam_role_policy_attachment'))
    .filter((a) => a['role'] === `\${aws_iam_role.${key}.name}`)
    .map((a) => a['policy_arn'] as string);
}

const token = (sub: string, ids: Record<string, string> = { repository_id: '9001', repository_owner_id: '5150' }) => ({
  iss: 'https://token.actions.githubusercontent.com',
  aud: 'sts.amazonaws.com',
  sub,
  ...ids,
});
const byName = 'repo:acme/platform-infra';
const principal = { principalArn: 'arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com' };

describe('BootstrapStack', () => {
  const staging = synthBootstrap('staging');
  const live = synthBootstrap('live');
  const stagingKey = Object.keys(resourcesOf(staging, 'aws_kms_key'))[0];
  const stagingBucket = Object.keys(resourcesOf(staging, 'aws_s3_bucket'))[0];

  it('has one stack per account, each with its bucket <stateBucketPrefix>-<accountId>', () => {
    expect(accounts.map((a) => [a.key, a.stateBucket])).toEqual([
      ['live', 'acme-tfstate-444444444444'],
      ['staging', 'acme-tfstate-333333333333'],
    ]);
    expect(onlyResource(staging, 'aws_s3_bucket')['bucket']).toBe('acme-tfstate-333333333333');
    expect(onlyResource(live, 'aws_s3_bucket')['bucket']).toBe('acme-tfstate-444444444444');
  });

  describe('state bucket', () => {
    it('is protected from terraform destroy and from deletion with objects inside, and versioned', () => {
      const bucket = onlyResource(staging, 'aws_s3_bucket');
      expect(bucket['lifecycle']).toEqual({ prevent_destroy: true });
      expect(bucket['force_destroy']).toBe(false);
      expect(onlyResource(staging, 'aws_s3_bucket_versioning')['versioning_configuration']).toEqual({ status: 'Enabled' });
    });

    it('encrypts with its own customer managed KMS key by default', () => {
      expect(onlyResource(staging, 'aws_s3_bucket_server_side_encryption_configuration')['rule']).toEqual([
        { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: `\${aws_kms_key.${stagingKey}.arn}` }, bucket_key_enabled: true },
      ]);
    });

    it('blocks public access and enforces bucket owner ownership', () => {
      expect(onlyResource(staging, 'aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      expect(onlyResource(staging, 'aws_s3_bucket_ownership_controls')['rule']).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    });

    it('admits only the four pipeline roles and the break-glass principals, and only over TLS', () => {
      const policy = statements(onlyResource(staging, 'aws_s3_bucket_policy')['policy'] as string);
      const arn = `\${aws_s3_bucket.${stagingBucket}.arn}`;
      expect(policy.find((s) => s.Sid === 'DenyInsecureTransport')).toEqual({
        Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn, `${arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      expect(policy.find((s) => s.Sid === 'DenyOutsideThePipeline')).toEqual({
        Sid: 'DenyOutsideThePipeline',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [arn, `${arn}/*`],
        Condition: {
          ArnNotLike: {
            'aws:PrincipalArn': [
              'arn:aws:iam::333333333333:role/keyless/keyless-staging-plan',
              'arn:aws:iam::333333333333:role/keyless/keyless-staging-drift',
              'arn:aws:iam::333333333333:role/keyless/keyless-staging-apply',
              'arn:aws:iam::333333333333:role/keyless/keyless-staging-bootstrap-apply',
              // No break-glass principal configured: the account root.
              'arn:aws:iam::333333333333:root',
            ],
          },
        },
      });
      const liveAllowed = statements(onlyResource(live, 'aws_s3_bucket_policy')['policy'] as string).find((s) => s.Sid === 'DenyOutsideThePipeline')?.Condition?.['ArnNotLike']?.['aws:PrincipalArn'];
      expect(liveAllowed).toContain('arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*');
      expect(liveAllowed).not.toContain('arn:aws:iam::444444444444:root');
    });

    it('refuses objects written with any other encryption or key than its own', () => {
      const policy = statements(onlyResource(staging, 'aws_s3_bucket_policy')['policy'] as string);
      expect(policy.find((s) => s.Sid === 'DenyOtherEncryption')?.Condition).toEqual({
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      });
      expect(policy.find((s) => s.Sid === 'DenyOtherKeys')?.Condition).toEqual({
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': `\${aws_kms_key.${stagingKey}.arn}` },
      });
    });

    it('configures every bucket setting on the bucket it creates and writes its name to a variable', () => {
      for (const type of ['aws_s3_bucket_versioning', 'aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_public_access_block', 'aws_s3_bucket_ownership_controls', 'aws_s3_bucket_policy'])
        expect(onlyResource(staging, type)['bucket'], type).toBe(`\${aws_s3_bucket.${stagingBucket}.id}`);
      expect(findResource(staging, 'github_actions_variable', 'variable_name', 'KEYLESS_STATE_BUCKET_STAGING').block).toMatchObject({ repository: 'platform-infra', value: 'acme-tfstate-333333333333' });
      expect(staging.output?.['state_bucket']).toEqual({ value: `\${aws_s3_bucket.${stagingBucket}.bucket}` });
    });
  });

  describe('state key', () => {
    const key = onlyResource(staging, 'aws_kms_key');
    const policy = statements(key['policy'] as string);
    const role = (name: string) => `\${aws_iam_role.${roleKey(staging, name)}.arn}`;

    it('rotates, waits 30 days before deletion and cannot be destroyed by terraform', () => {
      expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
      expect(staging.output?.['state_key_arn']).toEqual({ value: `\${aws_kms_key.${stagingKey}.arn}` });
    });

    it('lets the plan and drift roles decrypt and the two apply roles write, each through S3 only', () => {
      const viaS3 = { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } };
      expect(policy.find((s) => s.Sid === 'StateReaders')).toEqual({
        Sid: 'StateReaders', Effect: 'Allow', Principal: { AWS: [role('keyless-staging-plan'), role('keyless-staging-drift')] }, Action: 'kms:Decrypt', Resource: '*', Condition: viaS3,
      });
      expect(policy.find((s) => s.Sid === 'StateWriters')).toEqual({
        Sid: 'StateWriters',
        Effect: 'Allow',
        Principal: { AWS: [role('keyless-staging-apply'), role('keyless-staging-bootstrap-apply')] },
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: viaS3,
      });
    });

    it('is administered only by the bootstrap apply role and the break-glass principals', () => {
      const admin = policy.find((s) => s.Sid === 'KeyAdministration');
      expect(admin?.Principal).toEqual({ AWS: 'arn:aws:iam::333333333333:root' });
      expect(admin?.Condition).toEqual({ ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::333333333333:role/keyless/keyless-staging-bootstrap-apply', 'arn:aws:iam::333333333333:root'] } });
      for (const s of policy) expect(asList(s.Action)).not.toContain('kms:*');
    });
  });

  describe('permissions boundary of the product roles', () => {
    it('is the policy keyless-<key>-boundary under /keyless/, with the document of the account', () => {
      const boundary = onlyResource(staging, 'aws_iam_policy');
      expect(boundary).toMatchObject({ name: 'keyless-staging-boundary', path: '/keyless/' });
      expect(JSON.parse(boundary['policy'] as string)).toEqual(account('staging').boundaryPolicy.document);
      expect(account('staging').boundaryPolicy.arn).toBe('arn:aws:iam::333333333333:policy/keyless/keyless-staging-boundary');
    });

    it('denies the pipeline, the state, roles without this boundary and removing a boundary', () => {
      const doc = statements(JSON.stringify(account('staging').boundaryPolicy.document));
      const bySid = new Map(doc.map((s) => [s.Sid, s]));
      expect(bySid.get('NeverThePipeline')).toMatchObject({ Effect: 'Deny', NotAction: ['iam:Get*', 'iam:List*'] });
      expect(asList(bySid.get('NeverTheState')?.Resource)).toEqual([STAGING_BUCKET, `${STAGING_BUCKET}/*`]);
      expect(bySid.get('OnlyRolesWithThisBoundary')?.Condition).toEqual({ StringNotEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::333333333333:policy/keyless/keyless-staging-boundary' } });
      expect(bySid.get('NeverRemoveABoundary')).toMatchObject({ Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary' });
    });
  });

  describe('roles', () => {
    it.each([
      ['keyless-staging-plan', `StringEquals ${prefix}:pull_request`],
      ['keyless-staging-drift', `StringEquals ${prefix}:environment:staging-read`],
      ['keyless-staging-apply', `StringEquals ${prefix}:environment:staging`],
      ['keyless-staging-bootstrap-apply', `StringEquals ${prefix}:environment:staging-bootstrap`],
    ])('%s trusts exactly %s, by name too, with the ids pinned', (name, subject) => {
      const role = findResource(staging, 'aws_iam_role', 'name', name).block;
      expect(trustSubjects(role)).toEqual([subject.replace(prefix, byName), subject]);
      for (const statement of statements(role['assume_role_policy'] as string))
        expect(statement.Condition?.['StringEquals']).toMatchObject({
          'token.actions.githubusercontent.com:repository_id': '9001',
          'token.actions.githubusercontent.com:repository_owner_id': '5150',
        });
      expect(role['path']).toBe('/keyless/');
      // A repository that took the infra repository's name, or another owner's, has other ids: refused.
      const sub = subject.slice('StringEquals '.length).replace(prefix, byName);
      expect(evaluateTrustPolicy(role['assume_role_policy'] as string, token(sub), principal).allowed).toBe(true);
      expect(evaluateTrustPolicy(role['assume_role_policy'] as string, token(sub, { repository_id: '9002', repository_owner_id: '5150' }), principal).allowed).toBe(false);
      expect(evaluateTrustPolicy(role['assume_role_policy'] as string, token(sub, { repository_id: '9001', repository_owner_id: '5151' }), principal).allowed).toBe(false);
    });

    it('are four distinct roles: no token that assumes one apply role assumes the other', () => {
      const apply = findResource(staging, 'aws_iam_role', 'name', 'keyless-staging-apply').block['assume_role_policy'] as string;
      const bootstrapApply = findResource(staging, 'aws_iam_role', 'name', 'keyless-staging-bootstrap-apply').block['assume_role_policy'] as string;
      for (const sub of [`${prefix}:environment:staging`, `${prefix}:environment:staging-bootstrap`, `${prefix}:environment:staging-read`, `${prefix}:pull_request`, `${prefix}:ref:refs/heads/main`]) {
        const a = evaluateTrustPolicy(apply, token(sub), principal).allowed;
        const b = evaluateTrustPolicy(bootstrapApply, token(sub), principal).allowed;
        expect(a && b, sub).toBe(false);
      }
      expect(evaluateTrustPolicy(apply, token(`${prefix}:environment:staging`), principal).allowed).toBe(true);
      expect(evaluateTrustPolicy(bootstrapApply, token(`${prefix}:environment:staging-bootstrap`), principal).allowed).toBe(true);
    });

    it('plan and drift: IAMReadOnlyAccess, list the bucket and read the state objects under keyless/, nothing else', () => {
      for (const name of ['keyless-staging-plan', 'keyless-staging-drift']) {
        expect(attached(staging, name)).toEqual(['arn:aws:iam::aws:policy/IAMReadOnlyAccess']);
        expect(inlineStatements(staging, name).map((s) => [s.Effect, asList(s.Action), asList(s.Resource)])).toEqual([
          ['Allow', ['s3:ListBucket'], [STAGING_BUCKET]],
          ['Allow', ['s3:GetObject'], [`${STAGING_BUCKET}/keyless/*`]],
        ]);
      }
    });

    it('apply: product roles under /github-actions/ with the boundary, the product state, and never the pipeline', () => {
      const s = new Map(inlineStatements(staging, 'keyless-staging-apply').map((x) => [x.Sid, x]));
      expect(s.get('ProductRolesWithTheBoundary')).toMatchObject({
        Effect: 'Allow',
        Resource: 'arn:aws:iam::333333333333:role/github-actions/*',
        Condition: { StringEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::333333333333:policy/keyless/keyless-staging-boundary' } },
      });
      expect(asList(s.get('ProductRolesWithTheBoundary')?.Action)).toEqual(expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']));
      expect(s.get('NeverThePipeline')).toMatchObject({ Effect: 'Deny', NotAction: ['iam:Get*', 'iam:List*'] });
      expect(s.get('NeverRemoveABoundary')).toMatchObject({ Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' });
      expect(s.get('NeverTheBootstrapState')).toMatchObject({ Effect: 'Deny', Resource: `${STAGING_BUCKET}/keyless/bootstrap-*` });
    });

    it('bootstrap apply: the pipeline roles, this account provider, the boundary policy, the state key and bucket', () => {
      const s = new Map(inlineStatements(staging, 'keyless-staging-bootstrap-apply').map((x) => [x.Sid, x]));
      expect(asList(s.get('PipelineRoles')?.Resource)).toEqual(['arn:aws:iam::333333333333:role/keyless/*']);
      expect(asList(s.get('GithubOidcProvider')?.Resource)).toEqual(['arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com']);
      expect(asList(s.get('BoundaryPolicy')?.Resource)).toEqual(['arn:aws:iam::333333333333:policy/keyless/*']);
      expect(asList(s.get('StateBucket')?.Resource)).toEqual([STAGING_BUCKET, `${STAGING_BUCKET}/*`]);
    });

    it('write their ARNs where the workflows read them: repository and environment variables', () => {
      expect(findResource(staging, 'github_actions_variable', 'variable_name', 'KEYLESS_PLAN_ROLE_ARN_STAGING').block['value']).toBe(`\${aws_iam_role.${roleKey(staging, 'keyless-staging-plan')}.arn}`);
      const env = (name: string, environment: string) =>
        Object.values(resourcesOf(staging, 'github_actions_environment_variable')).find((v) => v['variable_name'] === name && v['environment'] === environment)?.['value'];
      expect(env('KEYLESS_DRIFT_ROLE_ARN_STAGING', 'staging-read')).toBe(`\${aws_iam_role.${roleKey(staging, 'keyless-staging-drift')}.arn}`);
      expect(env('KEYLESS_APPLY_ROLE_ARN', 'staging')).toBe(`\${aws_iam_role.${roleKey(staging, 'keyless-staging-apply')}.arn}`);
      expect(env('KEYLESS_APPLY_ROLE_ARN', 'staging-bootstrap')).toBe(`\${aws_iam_role.${roleKey(staging, 'keyless-staging-bootstrap-apply')}.arn}`);
    });
  });

  describe('GitHub environments', () => {
    it('gate the product apply with the account reviewers and the bootstrap apply with the settings account reviewers', () => {
      // The settings account here is "staging" (no prod, the last account by name), whose reviewers are the top-level ones.
      for (const [name, teams] of [['live', [11, 12]], ['live-bootstrap', [11]]] as const) {
        expect(findResource(live, 'github_repository_environment', 'environment', name).block).toEqual({
          repository: 'platform-infra',
          environment: name,
          reviewers: [{ users: [], teams: [...teams] }],
          prevent_self_review: true,
          can_admins_bypass: false,
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
        });
      }
      const moved = bootstrapAccounts(parseBootstrapConfigYaml(CONFIG.replace('  id: 9001\n', '  id: 9001\n  settingsAccount: live\n')));
      const stagingBootstrap = moved.find((a) => a.key === 'staging')?.access.repositories['platform-infra']?.environments?.['staging-bootstrap'];
      expect(stagingBootstrap?.reviewers).toEqual({ teams: [11, 12] });
    });

    it('let the read environment deploy from main only, without reviewers', () => {
      const env = findResource(staging, 'github_repository_environment', 'environment', 'staging-read').block;
      expect(env['reviewers']).toBeUndefined();
      expect(env['deployment_branch_policy']).toEqual({ protected_branches: false, custom_branch_policies: true });
      const policies = Object.values(resourcesOf(staging, 'github_repository_environment_deployment_policy'));
      expect(policies.map((p) => p['branch_pattern'])).toEqual(['main', 'main', 'main']);
    });
  });

  describe('repository settings', () => {
    it('are managed by one account only: prod-like "live" is not named, so the last account by name', () => {
      expect(Object.keys(resourcesOf(live, 'github_repository_ruleset'))).toHaveLength(0);
      expect(Object.keys(resourcesOf(staging, 'github_repository_ruleset'))).toHaveLength(1);
    });

    it('require reviews by code owners, the last push approved by someone else, and the pipeline checks from Actions', () => {
      const ruleset = onlyResource(staging, 'github_repository_ruleset');
      expect(ruleset).toMatchObject({ repository: 'platform-infra', target: 'branch', enforcement: 'active', conditions: { ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] } } });
      expect(ruleset['bypass_actors']).toBeUndefined();
      expect(ruleset['rules']).toEqual({
        deletion: true,
        non_fast_forward: true,
        pull_request: {
          required_approving_review_count: 1,
          require_code_owner_review: true,
          require_last_push_approval: true,
          dismiss_stale_reviews_on_push: true,
          required_review_thread_resolution: true,
        },
        required_status_checks: {
          strict_required_status_checks_policy: true,
          required_check: [
            { context: 'ci', integration_id: 15368 },
            { context: 'keyless plan', integration_id: 15368 },
          ],
        },
      });
    });

    it('give workflows a read token that cannot approve pull requests, and allow only the pinned actions', () => {
      expect(onlyResource(staging, 'github_workflow_repository_permissions')).toEqual({ repository: 'platform-infra', default_workflow_permissions: 'read', can_approve_pull_request_reviews: false });
      expect(onlyResource(staging, 'github_actions_repository_permissions')).toEqual({
        repository: 'platform-infra',
        enabled: true,
        allowed_actions: 'selected',
        allowed_actions_config: { github_owned_allowed: true, verified_allowed: false, patterns_allowed: ['aws-actions/configure-aws-credentials@*', 'pnpm/action-setup@*'] },
      });
    });

    it('follow infraRepository.settingsAccount', () => {
      const moved = bootstrapAccounts(parseBootstrapConfigYaml(CONFIG.replace('  id: 9001\n', '  id: 9001\n  settingsAccount: live\n')));
      expect(moved.map((a) => [a.key, a.repositorySettings !== undefined])).toEqual([
        ['live', true],
        ['staging', false],
      ]);
    });
  });

  describe('config errors', () => {
    const problems = (text: string): readonly string[] => {
      try {
        parseBootstrapConfigYaml(text, 'bootstrap.yaml');
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return [];
    };

    it.each([
      ['another account', 'arn:aws:iam::999999999999:root', /breakGlassPrincipalArns\[0\]: "arn:aws:iam::999999999999:root": a principal of the account itself/],
      ['every role of the account', 'arn:aws:iam::444444444444:role/*', /every role or user of the account is no break-glass principal/],
      ['a "?" pattern', 'arn:aws:iam::444444444444:role/adm?n', /a principal of the account itself/],
      ['not an IAM ARN', 'admin', /a principal of the account itself/],
    ])('refuse a break-glass principal that is %s', (_what, arn, rule) => {
      expect(problems(CONFIG.replace('arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*', arn)).join('\n')).toMatch(rule);
    });

    it('refuse a settings account that is not an account', () => {
      expect(problems(CONFIG.replace('  id: 9001\n', '  id: 9001\n  settingsAccount: prod\n'))).toEqual([
        'infraRepository.settingsAccount: "prod": not an account of this config; use one of "live", "staging"',
      ]);
    });
  });

  describe('TerraformStateBucket', () => {
    it('refuses pipeline principals without a key, and an empty list', () => {
      expect(() => synthScope((scope) => new TerraformStateBucket(scope, 's', { bucketName: 'a-bucket', allowedPrincipalArns: ['arn:aws:iam::1:root'] }))).toThrow(
        'allowedPrincipalArns: set kmsKeyArn too',
      );
      expect(() => synthScope((scope) => new TerraformStateBucket(scope, 's', { bucketName: 'a-bucket', kmsKeyArn: 'k', allowedPrincipalArns: [] }))).toThrow(
        'allowedPrincipalArns: an empty list would deny everyone',
      );
    });
  });
});
