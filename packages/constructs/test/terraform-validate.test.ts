import { Testing, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { checkStack, terraformOrSkip } from '@keyless/tf-check';
import type { SubjectSpec } from '@keyless/policy';
import { describe, expect, it } from 'vitest';
import { GithubActionsRole, GithubOidcProvider } from '../src/index.js';
import type { IGithubOidcProvider } from '../src/index.js';

const tf = terraformOrSkip();

const repo = { owner: 'octo-org', name: 'octo-repo' };
const immutable = { owner: 'octo-org', name: 'payments', ownerId: 123456, id: 456789, subjectFormat: 'immutable' as const };
const both = { owner: 'octo-org', name: 'legacy', ownerId: 123456, id: 456790, subjectFormat: 'both' as const };

/** One stack with every issuer and every subject form keyless can generate. */
function everyForm(): object {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'forms');
  new AwsProvider(stack, 'aws', { region: 'ap-northeast-2' });
  const issuers = {
    github: new GithubOidcProvider(stack, 'github-com'),
    enterprise: new GithubOidcProvider(stack, 'enterprise', { issuer: { kind: 'enterprise-slug', slug: 'octocat-inc' } }),
    residency: new GithubOidcProvider(stack, 'ghe-com', { issuer: { kind: 'ghe.com', subdomain: 'octocorp' } }),
    server: new GithubOidcProvider(stack, 'ghes', { issuer: { kind: 'ghes', host: 'github.example.com' } }),
    china: GithubOidcProvider.fromProviderArn(stack, 'existing', 'arn:aws-cn:iam::111111111111:oidc-provider/token.actions.githubusercontent.com', { audiences: ['sts.amazonaws.com.cn'] }),
  };
  const roles: [string, IGithubOidcProvider, SubjectSpec[], Record<string, unknown>][] = [
    ['branch', issuers.github, [{ repository: repo, context: { kind: 'branch', name: 'main' } }], {}],
    ['patterns', issuers.github, [
      { repository: repo, context: { kind: 'branch', name: 'release/*', pattern: true } },
      { repository: repo, context: { kind: 'tag', name: 'v*', pattern: true } },
      { repository: repo, context: { kind: 'tag', name: 'v1.0.0' } },
    ], {}],
    ['environment', issuers.github, [{ repository: repo, context: { kind: 'environment', name: 'prod:v1' } }], {}],
    ['pull-request', issuers.github, [{ repository: repo, context: { kind: 'pull-request' } }], { readOnly: true }],
    ['workflow', issuers.github, [{ repository: repo, context: { kind: 'environment', name: 'prod' }, workflow: 'octo-org/octo-automation/.github/workflows/deploy.yml@refs/heads/main' }], {}],
    ['immutable', issuers.github, [{ repository: immutable, context: { kind: 'branch', name: 'main' } }, { repository: both, context: { kind: 'branch', name: 'main' } }], {}],
    ['several-repositories', issuers.github, [
      { repository: repo, context: { kind: 'branch', name: 'main' } },
      { repository: { owner: 'octo-org', name: 'handbook' }, context: { kind: 'branch', name: 'main' } },
    ], {}],
    ['enterprise', issuers.enterprise, [{ repository: immutable, context: { kind: 'branch', name: 'main' } }], {}],
    ['residency', issuers.residency, [{ repository: repo, context: { kind: 'branch', name: 'main' } }], {}],
    ['server', issuers.server, [{ repository: repo, context: { kind: 'environment', name: 'production' } }], {}],
    ['china', issuers.china, [{ repository: repo, context: { kind: 'branch', name: 'main' } }], {}],
  ];
  for (const [name, provider, subjects, extra] of roles) {
    new GithubActionsRole(stack, `role-${name}`, {
      provider,
      subjects,
      roleName: `forms-${name}`,
      managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      inlinePolicies: { logs: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::logs/${aws:username}/*' }] } },
      ...extra,
    });
  }
  return JSON.parse(Testing.synth(stack)) as object;
}

describe('every subject form and issuer with the real AWS provider', () => {
  it.skipIf(!tf.available)('passes terraform validate with no diagnostics and plans offline', () => {
    const result = checkStack(everyForm(), { plan: true });
    expect(result.validate.diagnostics).toEqual([]);
    expect(result.plan?.ok).toBe(true);
    // four created providers, and a role, an attachment and an inline policy per role
    expect(result.plan?.add).toBe(4 + 11 * 3);
    // A hang guard (terraform init, validate and plan take minutes on a loaded 2-core machine), not a speed check.
  }, 900_000);
});
