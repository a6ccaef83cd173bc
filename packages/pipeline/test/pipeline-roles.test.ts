/**
 * What the pipeline's roles can and cannot do, decided from the policies the bootstrap stack synthesizes (the
 * fast synthesizer, byte-identical to the constructs) with the permission model of src/iam-simulate.ts and the trust
 * evaluator of @keyless/policy. Nothing here restates a policy: each test asks the synthesized policies a question.
 */
import { readFileSync } from 'node:fs';
import { renderBootstrapStack } from '@keyless/constructs/fast';
import { bootstrapAccounts, buildAccessModel, evaluateTrustPolicy, parseBootstrapConfigYaml } from '@keyless/policy';
import { describe, expect, it } from 'vitest';
import { evaluateAccess, evaluateIdentityPolicies, wildcardMatch } from '../src/index.js';
import type { AccessInput, IamRequest, PolicyDocument } from '../src/index.js';
import { forAll } from './property.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CONFIG = `
github: {owner: acme, ownerId: 5150}
infraRepository: {name: platform-infra, id: 9001, settingsAccount: live}
stateBucketPrefix: acme-tfstate
reviewers: {teams: [11]}
accounts:
  staging: {accountId: "333333333333", region: eu-west-1}
  live:
    accountId: "444444444444"
    region: eu-west-1
    breakGlassPrincipalArns: ["arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_*"]
`;
const config = parseBootstrapConfigYaml(CONFIG, 'bootstrap.yaml');
const accounts = bootstrapAccounts(config);
const MANAGED: Record<string, PolicyDocument> = {
  'arn:aws:iam::aws:policy/IAMReadOnlyAccess': JSON.parse(readFileSync(new URL('./fixtures/aws-managed/IAMReadOnlyAccess.json', import.meta.url), 'utf8')) as PolicyDocument,
};

/** The synthesized stack of an account, with keyless' references resolved to the ARNs AWS would give. */
function stackOf(key: string) {
  const account = accounts.find((a) => a.key === key);
  if (!account) throw new Error(key);
  const json = renderBootstrapStack(`bootstrap-${key}`, buildAccessModel(account.access), account, 'platform-infra') as Obj;
  const acct = account.access.aws.accountId;
  const resources = json['resource'] as Record<string, Record<string, Obj>>;
  const arnOf = (type: string, id: string): string => {
    const r = resources[type]?.[id] ?? {};
    if (type === 'aws_iam_role') return `arn:aws:iam::${acct}:role${r['path']}${r['name']}`;
    if (type === 'aws_s3_bucket') return `arn:aws:s3:::${r['bucket']}`;
    if (type === 'aws_kms_key') return `arn:aws:kms:eu-west-1:${acct}:key/00000000-0000-0000-0000-${id.length.toString().padStart(12, '0')}`;
    if (type === 'aws_iam_policy') return `arn:aws:iam::${acct}:policy${r['path']}${r['name']}`;
    if (type === 'aws_iam_openid_connect_provider') return `arn:aws:iam::${acct}:oidc-provider/token.actions.githubusercontent.com`;
    throw new Error(`no ARN for ${type}`);
  };
  const resolve = (text: string): string => text.replace(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(arn|id|name|bucket)\}/g, (_m, type: string, id: string) => arnOf(type, id));
  const roleKey = (name: string): string => {
    const found = Object.entries(resources['aws_iam_role'] ?? {}).find(([, r]) => r['name'] === name);
    if (!found) throw new Error(`no role ${name}`);
    return found[0];
  };
  const role = (name: string) => {
    const id = roleKey(name);
    const r = resources['aws_iam_role']?.[id] as Obj;
    const identity: Record<string, PolicyDocument> = {};
    for (const p of Object.values(resources['aws_iam_role_policy'] ?? {}))
      if (p['role'] === `\${aws_iam_role.${id}.id}`) identity[p['name'] as string] = JSON.parse(resolve(p['policy'] as string).replace(/\$\$\{/g, '${')) as PolicyDocument;
    for (const a of Object.values(resources['aws_iam_role_policy_attachment'] ?? {}))
      if (a['role'] === `\${aws_iam_role.${id}.name}`) {
        const doc = MANAGED[a['policy_arn'] as string];
        if (!doc) throw new Error(`no document for ${a['policy_arn']}`);
        identity[a['policy_arn'] as string] = doc;
      }
    return { arn: arnOf('aws_iam_role', id), trust: r['assume_role_policy'] as string, identity };
  };
  const only = (type: string): Obj => Object.values(resources[type] ?? {})[0] as Obj;
  return {
    account,
    role,
    bucketArn: arnOf('aws_s3_bucket', Object.keys(resources['aws_s3_bucket'] ?? {})[0] ?? ''),
    bucketPolicy: JSON.parse(resolve(only('aws_s3_bucket_policy')['policy'] as string)) as PolicyDocument,
    keyArn: arnOf('aws_kms_key', Object.keys(resources['aws_kms_key'] ?? {})[0] ?? ''),
    boundary: { arn: arnOf('aws_iam_policy', 'boundary'), document: JSON.parse(resolve(only('aws_iam_policy')['policy'] as string)) as PolicyDocument },
    providerArn: arnOf('aws_iam_openid_connect_provider', ''),
  };
}

const staging = stackOf('staging');
const live = stackOf('live');
const ACCT = '333333333333';
const plan = staging.role('keyless-staging-plan');
const drift = staging.role('keyless-staging-drift');
const apply = staging.role('keyless-staging-apply');
const bootstrapApply = staging.role('keyless-staging-bootstrap-apply');

/** A request of a role against the state bucket: its identity policies and the bucket policy both decide. */
const onState = (who: { arn: string; identity: Record<string, PolicyDocument> }, action: string, key: string, context: Record<string, string> = {}) =>
  evaluateAccess({ identity: who.identity, resourcePolicy: staging.bucketPolicy }, { principalArn: who.arn, action, resource: `${staging.bucketArn}/${key}`, context }).decision;
const iam = (who: { arn: string; identity: Record<string, PolicyDocument> }, action: string, resource: string, context: Record<string, string> = {}) =>
  evaluateIdentityPolicies(who.identity, { principalArn: who.arn, action, resource, context }).decision;

const S3_WRITES = ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectAcl', 's3:PutBucketPolicy', 's3:DeleteBucket', 's3:PutObjectTagging', 's3:RestoreObject'];
const IAM_WRITES = [
  'iam:AttachRolePolicy', 'iam:CreateRole', 'iam:DeleteRole', 'iam:DeleteRolePermissionsBoundary', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:UpdateAssumeRolePolicy', 'iam:UpdateRole',
  'iam:UpdateRoleDescription', 'iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:SetDefaultPolicyVersion', 'iam:CreateOpenIDConnectProvider',
  'iam:DeleteOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint', 'iam:AddClientIDToOpenIDConnectProvider', 'iam:PassRole', 'iam:CreateUser', 'iam:CreateAccessKey',
];

describe('the pull request plan role', () => {
  it.each([
    ['keyless/staging.tfstate'],
    ['keyless/bootstrap-staging.tfstate'],
    ['keyless/staging-s01.tfstate'],
  ])('reads the state of a stack it plans: %s', (key) => {
    expect(onState(plan, 's3:GetObject', key)).toBe('allow');
  });

  it.each([['other-app/terraform.tfstate'], ['terraform.tfstate'], ['env:/keyless/staging.tfstate'], ['keylessX/staging.tfstate']])('cannot read the state of another app: %s', (key) => {
    expect(onState(plan, 's3:GetObject', key)).not.toBe('allow');
  });

  it.each([['keyless/staging.tfstate.tflock'], ['keyless/bootstrap-staging.tfstate.tflock'], ['keyless/staging.tfstate']])('cannot write a lock file or the state: %s', (key) => {
    for (const action of ['s3:PutObject', 's3:DeleteObject']) expect(onState(plan, action, key), action).not.toBe('allow');
  });

  it('cannot write anything to the bucket, nor to IAM, whatever the key or resource (property)', () => {
    forAll(
      200,
      (g) => ({ action: g.pick(S3_WRITES), key: `${g.pick(['keyless/', '', 'other/', 'keyless/bootstrap-'])}${g.string('abcdefgh-.', 1, 12)}${g.pick(['.tfstate', '.tfstate.tflock', '', '.md5'])}` }),
      ({ action, key }) => onState(plan, action, key) !== 'allow',
    );
    forAll(
      100,
      (g) => ({ action: g.pick(IAM_WRITES), resource: g.pick([`arn:aws:iam::${ACCT}:role/keyless/${g.string('abc-', 1, 8)}`, `arn:aws:iam::${ACCT}:role/github-actions/${g.string('abc-', 1, 8)}`, '*']) }),
      ({ action, resource }) => iam(plan, action, resource, { 'iam:PermissionsBoundary': staging.boundary.arn }) !== 'allow',
    );
  });

  it("cannot read another account's state (its bucket admits only that account's pipeline roles)", () => {
    expect(evaluateAccess({ identity: plan.identity, resourcePolicy: live.bucketPolicy }, { principalArn: plan.arn, action: 's3:GetObject', resource: `${live.bucketArn}/keyless/live.tfstate` }).decision).not.toBe('allow');
  });

  it('is assumable by pull requests of the infra repository only', () => {
    // The infra repository's ids are pinned beside sub: its tokens carry them.
    const token = (sub: string) => ({ iss: 'https://token.actions.githubusercontent.com', aud: 'sts.amazonaws.com', sub, repository_id: '9001', repository_owner_id: '5150' });
    const options = { principalArn: staging.providerArn };
    expect(evaluateTrustPolicy(plan.trust, token('repo:acme@5150/platform-infra@9001:pull_request'), options).allowed).toBe(true);
    for (const sub of ['repo:acme@5150/platform-infra@9001:environment:staging', 'repo:acme@5150/other@1:pull_request', 'repo:acme@5150/platform-infra@9001:ref:refs/heads/main'])
      expect(evaluateTrustPolicy(plan.trust, token(sub), options).allowed, sub).toBe(false);
  });
});

describe('the drift role (plans on main)', () => {
  it('reads the state and writes nothing, not even a lock file', () => {
    expect(onState(drift, 's3:GetObject', 'keyless/staging.tfstate')).toBe('allow');
    for (const action of S3_WRITES) expect(onState(drift, action, 'keyless/staging.tfstate.tflock'), action).not.toBe('allow');
  });
});

describe('the product apply role', () => {
  const productRole = (name: string) => `arn:aws:iam::${ACCT}:role/github-actions/${name}`;
  const withBoundary = { 'iam:PermissionsBoundary': staging.boundary.arn };

  it('creates a product role only with the keyless boundary', () => {
    expect(iam(apply, 'iam:CreateRole', productRole('gha-web'), withBoundary)).toBe('allow');
    expect(iam(apply, 'iam:CreateRole', productRole('gha-web'))).not.toBe('allow');
    expect(iam(apply, 'iam:CreateRole', productRole('gha-web'), { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCT}:policy/keyless/other` })).not.toBe('allow');
    expect(iam(apply, 'iam:CreateRole', productRole('gha-web'), { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' })).not.toBe('allow');
  });

  it('manages product roles only under /github-actions/', () => {
    for (const resource of [`arn:aws:iam::${ACCT}:role/gha-web`, `arn:aws:iam::${ACCT}:role/other/gha-web`, `arn:aws:iam::${ACCT}:role/keyless/x`])
      expect(iam(apply, 'iam:CreateRole', resource, withBoundary), resource).not.toBe('allow');
    expect(iam(apply, 'iam:PutRolePolicy', productRole('gha-web'), withBoundary)).toBe('allow');
    expect(iam(apply, 'iam:DeleteRole', productRole('gha-web'))).toBe('allow');
  });

  it('cannot remove a boundary from any role', () => {
    expect(iam(apply, 'iam:DeleteRolePermissionsBoundary', productRole('gha-web'), withBoundary)).toBe('explicit-deny');
  });

  it('cannot change itself, the other pipeline roles, the boundary policy or the OIDC provider, whatever the request (property)', () => {
    const pipeline = [apply.arn, bootstrapApply.arn, plan.arn, drift.arn, staging.boundary.arn, staging.providerArn, `arn:aws:iam::${ACCT}:role/keyless/keyless-staging-new`];
    for (const resource of pipeline) for (const action of IAM_WRITES) expect(iam(apply, action, resource, withBoundary), `${action} ${resource}`).not.toBe('allow');
    forAll(
      200,
      (g) => ({ action: g.pick(IAM_WRITES), resource: g.pick(pipeline), context: g.bool() ? withBoundary : {} }),
      ({ action, resource, context }) => iam(apply, action, resource, context) !== 'allow',
    );
  });

  it("writes the product stacks' state but not the bootstrap stack's", () => {
    expect(onState(apply, 's3:PutObject', 'keyless/staging.tfstate')).toBe('allow');
    expect(onState(apply, 's3:PutObject', 'keyless/staging.tfstate.tflock')).toBe('allow');
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) expect(onState(apply, action, 'keyless/bootstrap-staging.tfstate'), action).toBe('explicit-deny');
  });

  it('cannot write the state encrypted with anything but the bucket key', () => {
    expect(onState(apply, 's3:PutObject', 'keyless/staging.tfstate', { 's3:x-amz-server-side-encryption': 'AES256' })).toBe('explicit-deny');
    expect(onState(apply, 's3:PutObject', 'keyless/staging.tfstate', { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:eu-west-1:${ACCT}:key/other` })).toBe('explicit-deny');
    expect(onState(apply, 's3:PutObject', 'keyless/staging.tfstate', { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': staging.keyArn })).toBe('allow');
  });
});

describe('the bootstrap apply role', () => {
  // The infra repository's ids are pinned beside sub: its tokens carry them.
    const token = (sub: string) => ({ iss: 'https://token.actions.githubusercontent.com', aud: 'sts.amazonaws.com', sub, repository_id: '9001', repository_owner_id: '5150' });
  const options = { principalArn: staging.providerArn };
  const env = (name: string) => `repo:acme@5150/platform-infra@9001:environment:${name}`;

  it('is another role than the product apply role, trusted by another environment', () => {
    expect(bootstrapApply.arn).not.toBe(apply.arn);
    expect(evaluateTrustPolicy(bootstrapApply.trust, token(env('staging-bootstrap')), options).allowed).toBe(true);
    expect(evaluateTrustPolicy(bootstrapApply.trust, token(env('staging')), options).allowed).toBe(false);
    expect(evaluateTrustPolicy(apply.trust, token(env('staging-bootstrap')), options).allowed).toBe(false);
    expect(evaluateTrustPolicy(apply.trust, token(env('staging')), options).allowed).toBe(true);
  });

  it('manages the pipeline the product apply role cannot touch, and no product role', () => {
    for (const action of ['iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy']) {
      expect(iam(bootstrapApply, action, apply.arn), action).toBe('allow');
      expect(iam(apply, action, apply.arn), action).not.toBe('allow');
    }
    expect(iam(bootstrapApply, 'iam:CreatePolicyVersion', staging.boundary.arn)).toBe('allow');
    expect(iam(bootstrapApply, 'iam:UpdateOpenIDConnectProviderThumbprint', staging.providerArn)).toBe('allow');
    expect(iam(bootstrapApply, 'iam:CreateRole', `arn:aws:iam::${ACCT}:role/github-actions/gha-web`, { 'iam:PermissionsBoundary': staging.boundary.arn })).not.toBe('allow');
    expect(onState(bootstrapApply, 's3:PutObject', 'keyless/bootstrap-staging.tfstate')).toBe('allow');
  });
});

describe('the state bucket', () => {
  // A role of another repository that holds read access to every bucket of the account.
  const readOnly = {
    arn: `arn:aws:iam::${ACCT}:role/github-actions/gha-data-plan`,
    identity: { ReadOnly: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }] } as PolicyDocument },
  };

  it("refuses every other repository's role, whatever its own policies allow", () => {
    expect(onState(readOnly, 's3:GetObject', 'keyless/staging.tfstate')).toBe('explicit-deny');
    expect(evaluateAccess({ identity: readOnly.identity, resourcePolicy: staging.bucketPolicy }, { principalArn: readOnly.arn, action: 's3:ListBucket', resource: staging.bucketArn }).decision).toBe('explicit-deny');
  });

  it('admits the break-glass principals: the account root by default, the configured SSO role otherwise', () => {
    const admin = { arn: `arn:aws:iam::${ACCT}:root`, identity: { Admin: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } as PolicyDocument } };
    expect(onState(admin, 's3:GetObject', 'keyless/staging.tfstate')).toBe('allow');
    const sso = `arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123abcd`;
    const access = (principalArn: string) =>
      evaluateAccess({ identity: admin.identity, resourcePolicy: live.bucketPolicy }, { principalArn, action: 's3:GetObject', resource: `${live.bucketArn}/keyless/live.tfstate` }).decision;
    expect(access(sso)).toBe('allow');
    expect(access('arn:aws:iam::444444444444:root')).toBe('explicit-deny');
    expect(access('arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_ReadOnly_0123abcd')).toBe('explicit-deny');
  });

  it('refuses any principal outside the pipeline and break-glass (property)', () => {
    const admin = { Admin: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } as PolicyDocument };
    const allowed = [plan.arn, drift.arn, apply.arn, bootstrapApply.arn, `arn:aws:iam::${ACCT}:root`];
    forAll(
      200,
      (g) => ({
        principalArn: `arn:aws:iam::${g.pick([ACCT, '444444444444', '999999999999'])}:role/${g.pick(['', 'keyless/', 'github-actions/'])}${g.pick(['keyless-staging-plan', 'keyless-staging-planner', 'gha-x', 'keyless-staging-apply2'])}`,
        action: g.pick(['s3:GetObject', 's3:PutObject', 's3:ListBucket']),
      }),
      ({ principalArn, action }) => {
        const decision = evaluateAccess({ identity: admin, resourcePolicy: staging.bucketPolicy }, { principalArn, action, resource: `${staging.bucketArn}/keyless/staging.tfstate` }).decision;
        return allowed.includes(principalArn) ? decision === 'allow' : decision === 'explicit-deny';
      },
    );
  });
});

describe('the permissions boundary of product roles', () => {
  const admin = { AdministratorAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } as PolicyDocument };
  const bounded = (action: string, resource: string, context: Record<string, string> = {}) =>
    evaluateAccess({ identity: admin, boundary: staging.boundary.document } as AccessInput, { principalArn: `arn:aws:iam::${ACCT}:role/github-actions/gha-admin`, action, resource, context } as IamRequest).decision;

  it('keeps a product role with AdministratorAccess out of the pipeline and out of unbounded principals', () => {
    expect(bounded('s3:PutObject', 'arn:aws:s3:::acme-web/index.html')).toBe('allow');
    for (const action of ['iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRole']) expect(bounded(action, apply.arn), action).toBe('explicit-deny');
    expect(bounded('iam:CreatePolicyVersion', staging.boundary.arn)).toBe('explicit-deny');
    expect(bounded('iam:CreateRole', `arn:aws:iam::${ACCT}:role/github-actions/escape`)).toBe('explicit-deny');
    expect(bounded('iam:CreateRole', `arn:aws:iam::${ACCT}:role/github-actions/ok`, { 'iam:PermissionsBoundary': staging.boundary.arn })).toBe('allow');
    expect(bounded('iam:CreateUser', `arn:aws:iam::${ACCT}:user/backdoor`)).toBe('explicit-deny');
    expect(bounded('s3:GetObject', `${staging.bucketArn}/keyless/staging.tfstate`)).toBe('explicit-deny');
  });
});

describe('the permission model itself', () => {
  it.each([
    ['s3:Get*', 's3:GetObject', true],
    ['S3:getobject', 's3:GetObject', true],
    ['s3:Get?bject', 's3:GetObject', true],
    ['s3:Get', 's3:GetObject', false],
    ['iam:*', 's3:GetObject', false],
  ])('matches action %s against %s: %s', (pattern, action, expected) => {
    expect(wildcardMatch(pattern, action, true)).toBe(expected);
  });

  it.each<[string, PolicyDocument, IamRequest, string]>([
    ['an allow', { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] }, { principalArn: 'p', action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }, 'allow'],
    ['another bucket', { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] }, { principalArn: 'p', action: 's3:GetObject', resource: 'arn:aws:s3:::bb/k' }, 'implicit-deny'],
    ['a deny over an allow', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 's3:*', Resource: '*' }] }, { principalArn: 'p', action: 's3:GetObject', resource: 'r' }, 'explicit-deny'],
    ['NotAction in a deny', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', NotAction: ['iam:Get*'], Resource: '*' }] }, { principalArn: 'p', action: 'iam:GetRole', resource: 'r' }, 'allow'],
    ['a missing key in StringEquals', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { k: 'v' } } }] }, { principalArn: 'p', action: 'a:b', resource: 'r' }, 'implicit-deny'],
    ['a missing key in StringNotEquals', { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { k: 'v' } } }] }, { principalArn: 'p', action: 'a:b', resource: 'r' }, 'explicit-deny'],
    ['Null false with the key absent', { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { Null: { k: 'false' } } }] }, { principalArn: 'p', action: 'a:b', resource: 'r' }, 'implicit-deny'],
    ['ArnNotLike listing the principal', { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::1:role/x/*'] } } }] }, { principalArn: 'arn:aws:iam::1:role/x/y', action: 'a:b', resource: 'r' }, 'implicit-deny'],
  ])('decides %s', (_name, policy, request, decision) => {
    expect(evaluateIdentityPolicies({ p: policy }, request).decision).toBe(decision);
  });
});
