import { buildAccessModel, evaluateTrustPolicy, parseAccessConfigYaml, stringLike } from '@keyless/policy';
import type { AccessModel, EvaluationOptions, RoleModel } from '@keyless/policy';
import { octoOrg } from '@keyless/testkit';
import { S3Backend, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { KeylessStack, loadAccessModel } from '../src/index.js';
import type { KeylessStackProps } from '../src/index.js';
import { asList, findResource, onlyResource, resourcesOf, synthStack } from './helpers.js';
import type { Synthesized } from './helpers.js';

// The octo-org fixture configs (packages/testkit/fixtures), not the repository's example apps.
const DEV = octoOrg.dev;
const PROD = octoOrg.prod;

const SMALL = `
environment: staging
aws:
  accountId: "333333333333"
  region: eu-west-1
  tags: { cost-center: web }
github:
  owner: octo-org
repositories:
  web:
    environments:
      staging: {}
    roles:
      deploy:
        trust: { branches: [main] }
      release:
        dangerouslyAllowAnyBranch: true
        trust: { environments: [staging] }
        variable: { name: AWS_RELEASE_ROLE_ARN }
`;

function smallModel(text = SMALL): AccessModel {
  return buildAccessModel(parseAccessConfigYaml(text));
}

function synthKeyless(model: AccessModel, props: Omit<KeylessStackProps, 'model'> = {}, id = 'staging') {
  const stack = new KeylessStack(Testing.app(), id, { model, ...props });
  return { stack, synth: synthStack(stack) };
}

const PROVIDER_REF = /\$\{aws_iam_openid_connect_provider\.[^}]+\.arn\}/g;

/** The role's synthesized trust policy, with an unresolved provider reference replaced by the model's ARN. */
function trustPolicyOf(synth: Synthesized, model: AccessModel, roleName: string): string {
  const role = findResource(synth, 'aws_iam_role', 'name', roleName).block;
  return (role['assume_role_policy'] as string).replace(PROVIDER_REF, model.aws.oidcProviderArn);
}

/** A token `sub` for a declared claim: patterns get a concrete value that they match. */
function concrete(claim: string): string {
  return claim.replace(/\*/g, '1.2.3');
}

interface ClaimParts {
  readonly owner: string;
  readonly ownerId?: string;
  readonly repo: string;
  readonly repoId?: string;
  readonly context: string;
  readonly workflow: string;
}

function parseClaim(claim: string): ClaimParts {
  const m = /^repo:([^/:@]+)(?:@([0-9]+))?\/([^:@]+)(?:@([0-9]+))?:(.*?)((?::job_workflow_ref:.*)?)$/.exec(claim);
  if (!m) throw new Error(`unexpected claim ${claim}`);
  const [, owner = '', ownerId, repo = '', repoId, context = '', workflow = ''] = m;
  return { owner, repo, context, workflow, ...(ownerId ? { ownerId } : {}), ...(repoId ? { repoId } : {}) };
}

function formatClaim(p: ClaimParts): string {
  const owner = p.ownerId ? `${p.owner}@${p.ownerId}` : p.owner;
  const repo = p.repoId ? `${p.repo}@${p.repoId}` : p.repo;
  return `repo:${owner}/${repo}:${p.context}${p.workflow}`;
}

function bump(id: string): string {
  return String(Number(id) + 1);
}

/** Tokens of other repositories and owners, built from a declared claim. */
function repositoryMutations(claim: string): Record<string, string> {
  const p = { ...parseClaim(concrete(claim)) };
  const out: Record<string, string> = {
    'another repository': formatClaim({ ...p, repo: 'other-repo' }),
    'a repository whose name starts with the name': formatClaim({ ...p, repo: `${p.repo}-2` }),
    'a repository whose name is a prefix of the name': formatClaim({ ...p, repo: p.repo.slice(0, -1) }),
    'another owner': formatClaim({ ...p, owner: 'evil' }),
    'an owner whose name starts with the owner name': formatClaim({ ...p, owner: `${p.owner}-evil` }),
    'an owner whose name is a prefix of the owner name': formatClaim({ ...p, owner: p.owner.slice(0, -1) }),
    'the owner name in another case': formatClaim({ ...p, owner: p.owner.toUpperCase() }),
  };
  if (p.ownerId) out['another owner id'] = formatClaim({ ...p, ownerId: bump(p.ownerId) });
  if (p.repoId) out['another repository id'] = formatClaim({ ...p, repoId: bump(p.repoId) });
  return out;
}

/** Tokens of other runs of the same repository, built from a declared claim. */
function contextMutations(claim: string): Record<string, string> {
  const p = parseClaim(claim);
  const withContext = (context: string) => formatClaim({ ...p, context: concrete(context) });
  const ref = /^ref:refs\/(heads|tags)\/(.+)$/.exec(p.context);
  const out: Record<string, string> = {};
  if (!claim.includes('*')) {
    // A pattern legitimately matches longer values; an exact claim must not.
    out['a suffix such as _target'] = `${claim}_target`;
    out['an extra field appended'] = `${claim}:extra`;
  }
  if (ref) {
    const [, kind = '', name = ''] = ref;
    const other = kind === 'heads' ? 'tags' : 'heads';
    const value = concrete(name);
    out['a ref of the other kind with the same name'] = withContext(`ref:refs/${other}/${value}`);
    out['a ref whose name ends with the name'] = withContext(`ref:refs/${kind}/x${value}`);
    out['the ref name in upper case'] = withContext(`ref:refs/${kind}/${value.toUpperCase()}`);
    if (!name.includes('*')) {
      out['a ref whose name starts with the name'] = withContext(`ref:refs/${kind}/${name}-evil`);
      out['another branch'] = withContext('ref:refs/heads/feature/x');
    }
  } else if (p.context.startsWith('environment:')) {
    const env = p.context.slice('environment:'.length);
    out['an environment whose name starts with the name'] = withContext(`environment:${env}-test`);
    out['an environment with an encoded suffix'] = withContext(`environment:${env}%3Aeastus`);
    out['the environment name in upper case'] = withContext(`environment:${env.toUpperCase()}`);
    out['another environment'] = withContext('environment:evil');
    out['a branch of the repository'] = withContext('ref:refs/heads/main');
  } else if (p.context === 'pull_request') {
    out['a branch of the repository'] = withContext('ref:refs/heads/main');
    out['a pull request merge ref'] = withContext('ref:refs/pull/1/merge');
  }
  if (p.workflow) {
    out['the default subject without the pinned workflow'] = formatClaim({ ...p, workflow: '' });
    out['another ref of the pinned workflow'] = formatClaim({ ...p, workflow: p.workflow.replace(/@[^@]*$/, '@refs/heads/evil') });
    out['another workflow file'] = formatClaim({ ...p, workflow: p.workflow.replace(/\/([^/]+)\.ya?ml@/, '/$1-evil.yml@') });
    out['the workflow from another repository'] = formatClaim({ ...p, workflow: p.workflow.replace(/^:job_workflow_ref:([^/]+)\/([^/]+)\//, ':job_workflow_ref:$1/$2-evil/') });
  }
  return out;
}

/** The pull request token of the role's repository, for roles that do not trust pull requests. */
function pullRequestSubjects(role: RoleModel): string[] {
  if (role.claims.some((c) => parseClaim(c).context === 'pull_request')) return [];
  return [...new Set(role.claims.map((c) => formatClaim({ ...parseClaim(c), context: 'pull_request' })))];
}

function declares(role: RoleModel, sub: string): boolean {
  return role.claims.some((claim) => stringLike(claim, sub));
}

describe('KeylessStack', () => {
  describe('providers and backend', () => {
    it('pins the AWS provider to the account and region of the config', () => {
      const { synth } = synthKeyless(smallModel());
      const [aws, ...more] = synth.provider?.['aws'] ?? [];
      expect(more).toEqual([]);
      expect(aws?.['allowed_account_ids']).toEqual(['333333333333']);
      expect(aws?.['region']).toBe('eu-west-1');
    });

    it('tags everything through default_tags, keyless marker and aws.tags', () => {
      const { synth } = synthKeyless(smallModel());
      expect(synth.provider?.['aws']?.[0]?.['default_tags']).toEqual([{ tags: { 'cost-center': 'web', 'keyless:managed-by': 'keyless' } }]);
    });

    it('configures the GitHub provider for the owner', () => {
      const { synth } = synthKeyless(smallModel());
      expect(synth.provider?.['github']).toEqual([{ owner: 'octo-org' }]);
    });

    it('keeps the state in a local backend named after the stack by default', () => {
      const { synth } = synthKeyless(smallModel(), {}, 'staging');
      expect(synth.terraform?.['backend']).toEqual({ local: { path: 'terraform.staging.tfstate' } });
    });

    it('lets the caller configure the backend instead', () => {
      const { synth } = synthKeyless(smallModel(), {
        configureBackend: (stack) => {
          new S3Backend(stack, { bucket: 'state', key: 'staging.tfstate', region: 'eu-west-1', encrypt: true });
        },
      });
      expect(synth.terraform?.['backend']).toEqual({ s3: { bucket: 'state', key: 'staging.tfstate', region: 'eu-west-1', encrypt: true } });
    });
  });

  describe('OIDC provider', () => {
    it('creates the provider when the config does not name an existing one', () => {
      const { synth } = synthKeyless(smallModel());
      expect(onlyResource(synth, 'aws_iam_openid_connect_provider')).toEqual({
        url: 'https://token.actions.githubusercontent.com',
        client_id_list: ['sts.amazonaws.com'],
      });
    });

    it('creates no provider and trusts the existing ARN when the config names one', () => {
      const model = loadAccessModel(DEV);
      const { synth } = synthKeyless(model, {}, 'dev');
      expect(resourcesOf(synth, 'aws_iam_openid_connect_provider')).toEqual({});
      for (const role of Object.values(resourcesOf(synth, 'aws_iam_role'))) {
        const policy = JSON.parse(role['assume_role_policy'] as string) as { Statement: { Principal: unknown }[] };
        for (const s of policy.Statement) expect(s.Principal).toEqual({ Federated: model.aws.oidcProviderArn });
      }
    });

    it('creates the provider of an enterprise issuer', () => {
      const { synth } = synthKeyless(smallModel(SMALL.replace('owner: octo-org', 'owner: octo-org\n  issuer: { enterpriseSlug: octo-ent }')));
      expect(onlyResource(synth, 'aws_iam_openid_connect_provider')['url']).toBe('https://token.actions.githubusercontent.com/octo-ent');
    });
  });

  describe('repositories', () => {
    it('writes each role ARN to the variable of its scope', () => {
      const { synth } = synthKeyless(smallModel());
      const arn = (name: string) => `\${aws_iam_role.${findResource(synth, 'aws_iam_role', 'name', name).key}.arn}`;
      expect(findResource(synth, 'github_actions_variable', 'variable_name', 'AWS_ROLE_ARN').block['value']).toBe(arn('gha-staging-web-deploy'));
      expect(findResource(synth, 'github_actions_environment_variable', 'variable_name', 'AWS_RELEASE_ROLE_ARN').block).toMatchObject({
        environment: 'staging',
        value: arn('gha-staging-web-release'),
      });
    });

    it('exposes the repositories by key', () => {
      const { stack } = synthKeyless(smallModel());
      expect([...stack.repositories.keys()]).toEqual(['web']);
      expect([...(stack.repositories.get('web')?.roles.keys() ?? [])]).toEqual(['deploy', 'release']);
    });

    it('writes the subject template of the dev mobile-backend repository, which pins a workflow', () => {
      const { synth } = synthKeyless(loadAccessModel(DEV), {}, 'dev');
      const templates = Object.values(resourcesOf(synth, 'github_actions_repository_oidc_subject_claim_customization_template'));
      expect(templates).toEqual([{ repository: 'mobile-backend', use_default: false, include_claim_keys: ['repo', 'context', 'job_workflow_ref'] }]);
    });

    it('writes no subject template in prod, where mobile-backend sets manageSubjectTemplate: false', () => {
      const { synth } = synthKeyless(loadAccessModel(PROD), {}, 'prod');
      expect(resourcesOf(synth, 'github_actions_repository_oidc_subject_claim_customization_template')).toEqual({});
    });

    it('makes the prod environment variables depend on their declared environments', () => {
      const { synth } = synthKeyless(loadAccessModel(PROD), {}, 'prod');
      const environments = resourcesOf(synth, 'github_repository_environment');
      for (const v of Object.values(resourcesOf(synth, 'github_actions_environment_variable'))) {
        const declared = Object.entries(environments).find(([, e]) => e['repository'] === v['repository'] && e['environment'] === v['environment']);
        if (declared) expect(v['depends_on']).toContain(`github_repository_environment.${declared[0]}`);
      }
    });
  });

  describe('outputs', () => {
    it('outputs the provider ARN and every role ARN by role name', () => {
      const { synth } = synthKeyless(smallModel());
      const providerKey = Object.keys(resourcesOf(synth, 'aws_iam_openid_connect_provider'))[0];
      const roles = resourcesOf(synth, 'aws_iam_role');
      expect(synth.output?.['oidc_provider_arn']).toEqual({ value: `\${aws_iam_openid_connect_provider.${providerKey}.arn}` });
      expect(synth.output?.['role_arns']).toEqual({
        value: Object.fromEntries(Object.entries(roles).map(([key, r]) => [r['name'], `\${aws_iam_role.${key}.arn}`])),
      });
    });

    it('outputs the existing provider ARN as it is', () => {
      const { synth } = synthKeyless(loadAccessModel(DEV), {}, 'dev');
      expect(synth.output?.['oidc_provider_arn']).toEqual({ value: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' });
    });
  });

  describe('model', () => {
    it('exposes the model it was built from', () => {
      const model = smallModel();
      expect(synthKeyless(model).stack.model).toBe(model);
    });

    it('fails when the s3 backend is asked for without a state bucket, naming the stack', () => {
      expect(() => synthKeyless(smallModel(), { backend: 's3' })).toThrow('staging: backend: "s3": the config has no state entry naming the bucket');
    });
  });

  describe.each([
    ['the octo-org dev fixture', DEV, 'dev'],
    ['the octo-org prod fixture', PROD, 'prod'],
  ])('trust policies synthesized from %s', (_label, url, id) => {
    const model = loadAccessModel(url);
    const { synth } = synthKeyless(model, {}, id);
    const roles = model.repositories.flatMap((r) => r.roles);
    const iss = model.github.resolvedIssuer.url;
    const aud = model.github.audiences[0] as string;
    const options = { providerAudiences: model.github.audiences, principalArn: model.aws.oidcProviderArn };
    // The token also carries the claims the grant of that subject requires (pinned ids, an environment's ref), so a
    // denial below is about the subject; a subject no grant holds gets the role's first grant's claims.
    const grantClaims = (role: RoleModel, sub: string): Record<string, string> => {
      const grant = role.grants.find((g) => g.subjects.some((s) => stringLike(s, sub))) ?? role.grants[0];
      return Object.fromEntries(Object.entries(grant?.claims ?? {}).map(([k, v]) => [k, concrete(v?.[0] ?? '')]));
    };
    const evaluate = (role: RoleModel, claims: { iss?: string; aud?: string | null; sub: string }, opts: EvaluationOptions = options) =>
      evaluateTrustPolicy(trustPolicyOf(synth, model, role.name), { iss, aud, ...grantClaims(role, claims.sub), ...claims }, opts);
    const expectDenied = (role: RoleModel, sub: string, label: string) => {
      expect(declares(role, sub), `${role.name}: mutation "${label}" (${sub}) is itself declared`).toBe(false);
      const result = evaluate(role, { sub });
      expect(result.allowed, `${role.name} must deny ${label}: ${sub}`).toBe(false);
      expect(result.reasons.length).toBeGreaterThan(0);
    };

    it('synthesizes one role per declared role, trusting exactly the declared claims', () => {
      expect(Object.keys(resourcesOf(synth, 'aws_iam_role'))).toHaveLength(roles.length);
      for (const role of roles) {
        const policy = JSON.parse(trustPolicyOf(synth, model, role.name)) as { Statement: { Condition: Record<string, Record<string, string | string[]>> }[] };
        const subs = policy.Statement.flatMap((s) =>
          Object.values(s.Condition).flatMap((byKey) => asList(byKey[`${model.github.resolvedIssuer.conditionKeyPrefix}:sub`])),
        );
        expect(subs.sort(), role.name).toEqual([...role.claims]);
      }
    });

    it.each(roles.map((r) => [r.name, r] as const))('%s allows every declared subject', (_name, role) => {
      expect(role.claims.length).toBeGreaterThan(0);
      for (const claim of role.claims) {
        const result = evaluate(role, { sub: concrete(claim) });
        expect(result.allowed, `${role.name} must allow ${concrete(claim)}: ${result.reasons.join('; ')}`).toBe(true);
      }
    });

    it.each(roles.map((r) => [r.name, r] as const))('%s denies tokens of other repositories and owners', (_name, role) => {
      for (const claim of role.claims) {
        for (const [label, sub] of Object.entries(repositoryMutations(claim))) expectDenied(role, sub, label);
      }
    });

    it.each(roles.map((r) => [r.name, r] as const))('%s denies other branches, tags, environments and workflows', (_name, role) => {
      for (const claim of role.claims) {
        for (const [label, sub] of Object.entries(contextMutations(claim))) expectDenied(role, sub, label);
      }
    });

    it.each(roles.filter((r) => pullRequestSubjects(r).length > 0).map((r) => [r.name, r] as const))(
      '%s denies pull request tokens because it does not trust pull requests',
      (_name, role) => {
        for (const sub of pullRequestSubjects(role)) expectDenied(role, sub, 'a pull request');
      },
    );

    it('denies every role the subjects that only other roles declare', () => {
      let checked = 0;
      for (const role of roles) {
        for (const other of roles.filter((r) => r !== role)) {
          for (const claim of other.claims.map(concrete).filter((sub) => !declares(role, sub))) {
            expectDenied(role, claim, `a subject of ${other.name}`);
            checked += 1;
          }
        }
      }
      expect(checked).toBeGreaterThan(roles.length);
    });

    it.each(['https://github.com/octo-org', 'api://AzureADTokenExchange', 'sts.amazonaws.com.cn', 'STS.amazonaws.com', null])(
      'denies a token with the audience %s, by the trust policy alone',
      (wrong) => {
        for (const role of roles) {
          const sub = concrete(role.claims[0] as string);
          expect(evaluate(role, { sub, aud: wrong }, { principalArn: model.aws.oidcProviderArn }).allowed, role.name).toBe(false);
          expect(evaluate(role, { sub, aud: wrong }).allowed, role.name).toBe(false);
        }
      },
    );

    it.each([
      'https://token.actions.githubusercontent.com/octo-enterprise',
      'https://github.example.com/_services/token',
      'https://token.actions.octo.ghe.com',
      'https://token.actions.githubusercontent.com.evil.com',
    ])('denies a token from the issuer %s', (other) => {
      for (const role of roles) {
        const sub = concrete(role.claims[0] as string);
        expect(evaluate(role, { iss: other, sub }).allowed, role.name).toBe(false);
      }
    });
  });

  describe('immutable subjects', () => {
    it('denies the name-based subject of dev payments, which trusts only the immutable form', () => {
      const model = loadAccessModel(DEV);
      const { synth } = synthKeyless(model, {}, 'dev');
      const policy = trustPolicyOf(synth, model, 'gha-dev-payments-deploy');
      const claims = { iss: model.github.resolvedIssuer.url, aud: 'sts.amazonaws.com', repository_id: '456789', repository_owner_id: '123456' };
      expect(evaluateTrustPolicy(policy, { ...claims, sub: 'repo:octo-org@123456/payments@456789:ref:refs/heads/main' }).allowed).toBe(true);
      expect(evaluateTrustPolicy(policy, { ...claims, sub: 'repo:octo-org/payments:ref:refs/heads/main' }).allowed).toBe(false);
    });

    it('allows both subject forms of prod payments during the switch-over', () => {
      const model = loadAccessModel(PROD);
      const { synth } = synthKeyless(model, {}, 'prod');
      const policy = trustPolicyOf(synth, model, 'gha-prod-payments-deploy');
      const claims = { iss: model.github.resolvedIssuer.url, aud: 'sts.amazonaws.com', repository_id: '456789', repository_owner_id: '123456' };
      expect(evaluateTrustPolicy(policy, { ...claims, sub: 'repo:octo-org@123456/payments@456789:environment:production' }).allowed).toBe(true);
      expect(evaluateTrustPolicy(policy, { ...claims, sub: 'repo:octo-org/payments:environment:production' }).allowed).toBe(true);
      // With the ids pinned, the name form is safe: a repository that takes the name has another id.
      expect(evaluateTrustPolicy(policy, { ...claims, repository_id: '456790', sub: 'repo:octo-org/payments:environment:production' }).allowed).toBe(false);
    });
  });

  describe('trust policies for an enterprise issuer', () => {
    const model = smallModel(SMALL.replace('owner: octo-org', 'owner: octo-org\n  issuer: { enterpriseSlug: octo-ent }'));
    const { synth } = synthKeyless(model);
    const sub = 'repo:octo-org/web:ref:refs/heads/main';
    const enterprise = 'https://token.actions.githubusercontent.com/octo-ent';

    it('tests the enterprise condition keys', () => {
      const policy = trustPolicyOf(synth, model, 'gha-staging-web-deploy');
      expect(policy).toContain('"token.actions.githubusercontent.com/octo-ent:sub"');
      expect(policy).toContain(`"Federated":"${model.aws.oidcProviderArn}"`);
      expect(model.aws.oidcProviderArn).toBe('arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com/octo-ent');
    });

    it('allows the enterprise token', () => {
      expect(evaluateTrustPolicy(trustPolicyOf(synth, model, 'gha-staging-web-deploy'), { iss: enterprise, aud: 'sts.amazonaws.com', sub }).allowed).toBe(true);
    });

    it('allows the enterprise token when the unresolved provider is passed as principalArn', () => {
      const raw = findResource(synth, 'aws_iam_role', 'name', 'gha-staging-web-deploy').block['assume_role_policy'] as string;
      expect(raw).toMatch(PROVIDER_REF);
      const result = evaluateTrustPolicy(raw, { iss: enterprise, aud: 'sts.amazonaws.com', sub }, { principalArn: model.aws.oidcProviderArn });
      expect(result.allowed).toBe(true);
    });

    it('denies the same subject issued by the global github.com issuer', () => {
      const result = evaluateTrustPolicy(trustPolicyOf(synth, model, 'gha-staging-web-deploy'), {
        iss: 'https://token.actions.githubusercontent.com',
        aud: 'sts.amazonaws.com',
        sub,
      });
      expect(result.allowed).toBe(false);
    });

    it('denies the same subject issued for another enterprise', () => {
      const result = evaluateTrustPolicy(trustPolicyOf(synth, model, 'gha-staging-web-deploy'), {
        iss: 'https://token.actions.githubusercontent.com/octo-ent-evil',
        aud: 'sts.amazonaws.com',
        sub,
      });
      expect(result.allowed).toBe(false);
    });
  });
});
