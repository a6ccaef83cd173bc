import { describe, expect, it } from 'vitest';
import { stackDifferences } from '../src/app-model.js';
import type { ModelLike, StackJson, StackModel, TrustEvaluator } from '../src/app-model.js';

// A hand-written model and the stack JSON that matches it; each case below breaks one thing.
const PROVIDER = 'arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com';
const SUB = 'repo:acme/web:ref:refs/heads/main';

const model: ModelLike = {
  aws: { accountId: '333333333333', region: 'eu-west-1', oidcProvider: { existingArn: PROVIDER }, oidcProviderArn: PROVIDER, tags: { team: 'web' } },
  github: { owner: 'acme', resolvedIssuer: { url: 'https://token.actions.githubusercontent.com' }, audiences: ['sts.amazonaws.com'] },
  state: { bucket: 'acme-state', region: 'eu-west-1' },
  repositories: [
    {
      key: 'web',
      identity: { name: 'web' },
      manageSubjectTemplate: true,
      environments: [{ name: 'production' }],
      roles: [
        {
          key: 'deploy',
          name: 'gha-web-deploy',
          path: '/github-actions/',
          claims: [SUB],
          grants: [{ subjects: [SUB] }],
          managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
          inlinePolicies: [{ name: 'bucket', json: '{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"arn:aws:s3:::b/${aws:username}"}]}' }],
          maxSessionDurationSeconds: 3600,
        },
      ],
      variables: [
        { repository: 'web', name: 'AWS_ROLE_ARN', scope: 'repository', value: { kind: 'role-arn', role: 'deploy' } },
        { repository: 'web', name: 'AWS_REGION', scope: 'environment', environment: 'production', value: { kind: 'region' } },
      ],
    },
  ],
};

const meta = (path: string) => ({ '//': { metadata: { path } } });
const ROLE = 'web_deploy_1234';

function goodJson(): StackJson {
  return {
    provider: {
      aws: [{ allowed_account_ids: ['333333333333'], region: 'eu-west-1', default_tags: [{ tags: { team: 'web', 'keyless:managed-by': 'keyless' } }] }],
      github: [{ owner: 'acme' }],
    },
    terraform: { backend: { s3: { bucket: 'acme-state', region: 'eu-west-1', key: 'keyless/s.tfstate' } } },
    resource: {
      aws_iam_role: {
        [ROLE]: {
          ...meta('s/repo-web/role-deploy/role'),
          name: 'gha-web-deploy',
          path: '/github-actions/',
          max_session_duration: 3600,
          assume_role_policy: JSON.stringify({ Statement: [{ Principal: { Federated: PROVIDER }, Condition: { StringEquals: { sub: SUB } } }] }),
        },
      },
      aws_iam_role_policy_attachment: {
        a: { ...meta('s/repo-web/role-deploy/managed'), role: `\${aws_iam_role.${ROLE}.name}`, policy_arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
      },
      aws_iam_role_policy: {
        p: {
          ...meta('s/repo-web/role-deploy/inline-bucket'),
          role: `\${aws_iam_role.${ROLE}.id}`,
          name: 'bucket',
          policy: '{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"arn:aws:s3:::b/$${aws:username}"}]}',
        },
      },
      github_repository_environment: { e: { ...meta('s/repo-web/environment-production/environment'), repository: 'web', environment: 'production' } },
      github_actions_variable: {
        v: { ...meta('s/repo-web/variables/repository-AWS_ROLE_ARN'), repository: 'web', variable_name: 'AWS_ROLE_ARN', value: `\${aws_iam_role.${ROLE}.arn}` },
        // Outside the repositories (a bootstrap's pipeline variables): not the model's business.
        x: { ...meta('s/pipeline-variables/repository-KEYLESS_STATE_BUCKET'), repository: 'infra', variable_name: 'KEYLESS_STATE_BUCKET', value: 'acme-state' },
      },
      github_actions_environment_variable: {
        r: { ...meta('s/repo-web/variables/environment-production-AWS_REGION'), repository: 'web', environment: 'production', variable_name: 'AWS_REGION', value: 'eu-west-1' },
      },
    },
  };
}

/** Accepts a token when the policy names its sub literally: enough to tell a right policy from a wrong one here. */
const naive: TrustEvaluator = (policy, claims) => policy.includes(`"${claims.sub}"`);
const stack: StackModel = { stackId: 's', model };

type Json = { resource: Record<string, Record<string, Record<string, unknown>>>; provider: Record<string, Record<string, unknown>[]> };
const res = (j: Json, type: string, key: string) => j.resource[type]?.[key] as Record<string, unknown>;

describe('stackDifferences', () => {
  it('finds none when the stack holds exactly what the model declares', () => {
    expect(stackDifferences(stack, goodJson(), naive)).toEqual([]);
  });

  it.each<[string, (j: Json) => void, RegExp]>([
    ['another account', (j) => void ((j.provider['aws'] as Record<string, unknown>[])[0]!['allowed_account_ids'] = ['444444444444']), /aws provider allowed_account_ids/],
    ['a default tag missing', (j) => void ((j.provider['aws'] as Record<string, unknown>[])[0]!['default_tags'] = []), /default tag team/],
    ['another GitHub owner', (j) => void (j.provider['github'] = [{ owner: 'other' }]), /github provider owner/],
    ['a role the config does not declare', (j) => void (j.resource['aws_iam_role']!['extra'] = { name: 'gha-extra' }), /role names/],
    ['a role at another address', (j) => void (res(j, 'aws_iam_role', ROLE)['//'] = { metadata: { path: 's/repo-web/role-deploy2/role' } }), /construct path/],
    ['a longer session', (j) => void (res(j, 'aws_iam_role', ROLE)['max_session_duration'] = 43200), /max_session_duration/],
    ['a trust policy naming another provider', (j) => void (res(j, 'aws_iam_role', ROLE)['assume_role_policy'] = JSON.stringify({ Statement: [{ Principal: { Federated: 'arn:aws:iam::1:oidc-provider/x' }, sub: SUB }] })), /trust policy principal/],
    ['a trust policy refusing the declared subject', (j) => void (res(j, 'aws_iam_role', ROLE)['assume_role_policy'] = JSON.stringify({ Statement: [{ Principal: { Federated: PROVIDER } }] })), /refuses the declared subject repo:acme\/web:ref:refs\/heads\/main/],
    ['a managed policy missing', (j) => void delete j.resource['aws_iam_role_policy_attachment']!['a'], /managed policies/],
    ['an inline policy changed', (j) => void (res(j, 'aws_iam_role_policy', 'p')['policy'] = '{"Statement":[]}'), /inline policies/],
    ['an environment missing', (j) => void delete j.resource['github_repository_environment']!['e'], /GitHub environments/],
    ['a variable missing', (j) => void delete j.resource['github_actions_environment_variable']!['r'], /variables \(repository/],
    ['a variable with another value', (j) => void (res(j, 'github_actions_variable', 'v')['value'] = '${aws_iam_role.other.arn}'), /variables \(repository/],
    ['a created OIDC provider though the config names one', (j) => void (j.resource['aws_iam_openid_connect_provider'] = { p: { url: 'x' } }), /OIDC providers created/],
    ['a subject template the config does not ask for', (j) => void (j.resource['github_actions_repository_oidc_subject_claim_customization_template'] = { t: { repository: 'web', include_claim_keys: ['repo'] } }), /subject templates/],
    ['another state bucket', (j) => void ((j as unknown as { terraform: { backend: { s3: Record<string, unknown> } } }).terraform.backend.s3['bucket'] = 'other'), /S3 backend/],
  ])('reports %s', (_label, breakIt, message) => {
    const json = goodJson() as unknown as Json;
    breakIt(json);
    const problems = stackDifferences(stack, json as unknown as StackJson, naive);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(message);
    expect(problems.every((p) => p.startsWith('s: '))).toBe(true);
  });

  it('reports a trust policy that also accepts another repository', () => {
    const everything: TrustEvaluator = () => true;
    expect(stackDifferences(stack, goodJson(), everything)).toEqual([
      's: role gha-web-deploy: the trust policy accepts another repository\'s subject repo:acme/web-not-declared:ref:refs/heads/main',
    ]);
  });

  it('expects the provider it creates, by reference, in every trust policy, and the state bucket of a bootstrap stack', () => {
    const created: ModelLike = { ...model, aws: { ...model.aws, oidcProvider: { create: true } } };
    const json = goodJson() as unknown as Json;
    json.resource['aws_iam_openid_connect_provider'] = { gh: { url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] } };
    res(json, 'aws_iam_role', ROLE)['assume_role_policy'] = JSON.stringify({
      Statement: [{ Principal: { Federated: '${aws_iam_openid_connect_provider.gh.arn}' }, Condition: { StringEquals: { sub: SUB } } }],
    });
    json.resource['aws_s3_bucket'] = { b: { bucket: 'acme-state' } };
    const bootstrap: StackModel = { stackId: 's', model: created, stateBucket: 'acme-state' };
    expect(stackDifferences(bootstrap, json as unknown as StackJson, naive)).toEqual([]);
    expect(stackDifferences({ ...bootstrap, stateBucket: 'other' }, json as unknown as StackJson, naive)).toEqual([
      's: state bucket: expected ["other"], got ["acme-state"]',
    ]);
  });
});
