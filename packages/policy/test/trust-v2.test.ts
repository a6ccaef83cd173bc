/**
 * Trust v2, as an oracle: AWS STS's GitHub claim keys (repository_id, repository_owner_id, ref, job_workflow_ref)
 * beside `sub`. For generated configs, every way into every role (each grant: a `sub` with the claims its token
 * must carry) is admitted by the evaluator, and the same token with any one of those claims changed or missing is
 * refused; then the rules around it, table by table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateTrustPolicy } from '../src/index.js';
import type { AccessModel, RoleModel, TokenClaims } from '../src/index.js';
import { build, problems } from './support.js';

const ISS = 'https://token.actions.githubusercontent.com';
const OWNER_ID = 123456;
const WORKFLOW = 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/main';

const allRoles = (model: AccessModel): RoleModel[] => [...model.repositories.flatMap((r) => r.roles), ...(model.organizationRoles ?? [])];
const admits = (role: RoleModel, claims: Record<string, unknown>): boolean =>
  evaluateTrustPolicy(role.trustPolicy, { iss: ISS, aud: 'sts.amazonaws.com', ...claims } as TokenClaims).allowed;
/** A concrete value for a pattern: `*` becomes a run of text IAM's `*` matches. */
const concrete = (value: string): string => value.replace(/\*/g, 'x1');

// ---- a generator of configs that exercise every trust form ------------------------------------------------

const repoName = fc.constantFrom('web', 'api', 'svc', 'docs', 'tools');
const repoConfig = fc.record({
  id: fc.option(fc.integer({ min: 1, max: 9_999_999 }), { nil: undefined }),
  subjectFormat: fc.option(fc.constantFrom('name', 'immutable', 'both'), { nil: undefined }),
  branches: fc.subarray(['main', 'release'], { minLength: 0 }),
  branchPatterns: fc.subarray(['release/*'], { minLength: 0 }),
  tags: fc.subarray(['v1'], { minLength: 0 }),
  environments: fc.subarray(['production', 'staging'], { minLength: 0 }),
  pullRequests: fc.boolean(),
  other: fc.option(repoName, { nil: undefined }),
});

const configArb = fc.record({
  pinIds: fc.option(fc.boolean(), { nil: undefined }),
  ownerId: fc.option(fc.constant(OWNER_ID), { freq: 1, nil: undefined }),
  repositories: fc.dictionary(repoName, repoConfig, { minKeys: 1, maxKeys: 3 }),
  organization: fc.boolean(),
});

type RawConfig = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

function toConfig(raw: RawConfig): Record<string, unknown> {
  const repositories: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(raw.repositories)) {
    const formatNeedsIds = r.subjectFormat !== undefined && r.subjectFormat !== 'name';
    const id = formatNeedsIds && r.id === undefined ? 4242 : r.id;
    const trust: Record<string, unknown> = {};
    if (r.branches.length > 0) trust['branches'] = r.branches;
    if (r.branchPatterns.length > 0) trust['branchPatterns'] = r.branchPatterns;
    if (r.tags.length > 0) trust['tags'] = r.tags;
    if (r.environments.length > 0) trust['environments'] = r.environments;
    if (r.pullRequests) trust['pullRequests'] = true;
    if (Object.keys(trust).length === 0) trust['branches'] = ['main'];
    if (r.other !== undefined && r.other !== name) trust['repositories'] = { [r.other]: { branches: ['main'] } };
    repositories[name] = {
      ...(id !== undefined ? { id } : {}),
      ...(r.subjectFormat !== undefined && (raw.ownerId !== undefined || r.subjectFormat === 'name') ? { subjectFormat: r.subjectFormat } : {}),
      environments: { production: { reviewers: { teams: [7] } }, staging: { deploymentBranches: ['main'] } },
      roles: { deploy: { readOnly: r.pullRequests, trust, variable: { scope: 'none' } } },
    };
  }
  return {
    environment: 'dev',
    aws: { accountId: '111111111111', region: 'eu-west-1', trustPolicyMaxChars: 8192 },
    github: { owner: 'octo-org', ...(raw.ownerId !== undefined ? { ownerId: raw.ownerId } : {}), ...(raw.pinIds !== undefined && (raw.ownerId !== undefined || !raw.pinIds) ? { pinIds: raw.pinIds } : {}) },
    ...(raw.organization && raw.ownerId !== undefined && raw.pinIds !== false
      ? { organization: { roles: { shared: { trust: { workflows: [WORKFLOW] }, managedPolicyArns: ['arn:aws:iam::111111111111:policy/shared'] } } } }
      : {}),
    repositories,
  };
}

describe('every grant of every role (property over generated configs)', () => {
  it('admits its token, and refuses it with any claim beside sub changed or missing', () => {
    fc.assert(
      fc.property(configArb, (raw) => {
        const model = build(toConfig(raw));
        for (const role of allRoles(model)) {
          expect(role.grants.length).toBeGreaterThan(0);
          for (const grant of role.grants) {
            const claims = Object.fromEntries(Object.entries(grant.claims ?? {}).map(([k, v]) => [k, concrete(v?.[0] ?? '')]));
            for (const sub of grant.subjects.map(concrete)) {
              expect(admits(role, { sub, ...claims }), `${role.name} admits ${sub} ${JSON.stringify(claims)}`).toBe(true);
              for (const key of Object.keys(claims)) {
                const { [key]: _dropped, ...without } = claims;
                expect(admits(role, { sub, ...without }), `${role.name} refuses ${sub} without ${key}`).toBe(false);
                if (!(grant.claims?.[key as keyof typeof grant.claims] ?? []).some((v) => v.includes('*')))
                  expect(admits(role, { sub, ...claims, [key]: `${claims[key]}0` }), `${role.name} refuses ${sub} with another ${key}`).toBe(false);
              }
            }
          }
        }
      }),
      { numRuns: 150, seed: 10 },
    );
  });

  it('pins the ids of exactly the repositories whose ids are known, when pinning is on', () => {
    fc.assert(
      fc.property(configArb, (raw) => {
        const model = build(toConfig(raw));
        for (const repo of model.repositories) {
          const pinned = model.github.pinIds && repo.identity.id !== undefined && repo.identity.ownerId !== undefined;
          for (const role of repo.roles) {
            const own = role.grants.filter((g) => g.subjects.some((s) => s.startsWith(`repo:octo-org/${repo.key}:`) || s.startsWith(`repo:octo-org@${OWNER_ID}/${repo.key}@`)));
            expect(own.length).toBeGreaterThan(0);
            for (const g of own) expect(g.claims?.repository_id, `${role.name}`).toEqual(pinned ? [String(repo.identity.id)] : undefined);
            // Trust by name only is reported, and only then.
            const byName = !pinned && repo.identity.subjectFormat !== 'immutable';
            if (byName) expect(role.risks.map((r) => r.kind)).toContain('name-recycling');
          }
        }
      }),
      { numRuns: 150, seed: 11 },
    );
  });
});

// ---- tables ----------------------------------------------------------------------------------------------

const base = (extra: Record<string, unknown> = {}, github: Record<string, unknown> = {}): Record<string, unknown> => ({
  environment: 'dev',
  aws: { accountId: '111111111111', region: 'eu-west-1' },
  github: { owner: 'octo-org', ownerId: OWNER_ID, ...github },
  repositories: {
    web: {
      id: 456789,
      environments: { production: { reviewers: { teams: [7] } }, preview: {} },
      roles: { deploy: { trust: { environments: ['production'], branches: ['main'] } } },
    },
  },
  ...extra,
});
const roleOf = (model: AccessModel, name: string): RoleModel => {
  const role = allRoles(model).find((r) => r.name === name);
  if (!role) throw new Error(`no role ${name}`);
  return role;
};
const ids = { repository_id: '456789', repository_owner_id: String(OWNER_ID) };
/** The roles of the web repository of a config made by `base`, to edit. */
const webRoles = (config: Record<string, unknown>): Record<string, unknown> => {
  const web = (config['repositories'] as Record<string, { roles: Record<string, unknown> } | undefined>)['web'];
  if (!web) throw new Error('no web repository');
  return web.roles;
};

describe('id pinning', () => {
  const role = roleOf(build(base()), 'gha-dev-web-deploy');
  it.each([
    ['the right ids, name form', { sub: 'repo:octo-org/web:environment:production', ref: 'refs/heads/main', ...ids }, true],
    ['the right ids, immutable form', { sub: `repo:octo-org@${OWNER_ID}/web@456789:environment:production`, ref: 'refs/heads/main', ...ids }, true],
    ['another repository id (a squatted name)', { sub: 'repo:octo-org/web:environment:production', ref: 'refs/heads/main', ...ids, repository_id: '999' }, false],
    ['another owner id (a transferred name)', { sub: 'repo:octo-org/web:environment:production', ref: 'refs/heads/main', ...ids, repository_owner_id: '1' }, false],
    ['no repository_id claim', { sub: 'repo:octo-org/web:environment:production', ref: 'refs/heads/main', repository_owner_id: String(OWNER_ID) }, false],
  ])('%s', (_label, claims, expected) => {
    expect(admits(role, claims)).toBe(expected);
  });

  it('names the failing claim', () => {
    const result = evaluateTrustPolicy(role.trustPolicy, { iss: ISS, aud: 'sts.amazonaws.com', sub: 'repo:octo-org/web:environment:production', ref: 'refs/heads/main', ...ids, repository_id: '999' });
    expect(result.reasons.join('\n')).toContain('repository_id 999 is not 456789');
  });

  it.each([
    ['github.com pins by default', {}, {}, true],
    ['github.com with pinIds: false does not', {}, { pinIds: false }, false],
    ['GHES does not by default (AWS documents the keys for github.com)', { ghesHost: 'github.example.com' }, {}, false],
    ['GHES pins with the opt-in', { ghesHost: 'github.example.com' }, { pinIds: true }, true],
  ])('%s', (_label, issuer, github, pinned) => {
    const config = base({}, { ...(Object.keys(issuer).length > 0 ? { issuer } : {}), ...github });
    const model = build(config);
    const statement = JSON.stringify(roleOf(model, 'gha-dev-web-deploy').trustPolicy);
    expect(statement.includes(':repository_id"')).toBe(pinned);
    expect(model.github.pinIds).toBe(pinned);
  });

  it('defaults to both subject forms with ids pinned, immutable alone without pinning, name on issuers without immutable subjects', () => {
    expect(build(base()).repositories[0]?.identity.subjectFormat).toBe('both');
    expect(build(base({}, { pinIds: false })).repositories[0]?.identity.subjectFormat).toBe('immutable');
    expect(build(base({}, { issuer: { ghesHost: 'github.example.com' } })).repositories[0]?.identity.subjectFormat).toBe('name');
  });

  it('refuses pinIds: true without the owner id', () => {
    const config = base({}, { pinIds: true });
    delete (config['github'] as Record<string, unknown>)['ownerId'];
    expect(problems(config)).toContain("github.pinIds: true: pinning ids needs github.ownerId (the numeric id of the owner) and each repository's id");
  });
});

describe('environment and branch together', () => {
  const role = roleOf(build(base()), 'gha-dev-web-deploy');
  const sub = 'repo:octo-org/web:environment:production';
  it.each([
    ['the environment on main', { sub, ref: 'refs/heads/main' }, true],
    ['the environment on another branch', { sub, ref: 'refs/heads/dev' }, false],
    ['the environment on a tag', { sub, ref: 'refs/tags/main' }, false],
    ['the environment without a ref', { sub }, false],
    ['main without the environment', { sub: 'repo:octo-org/web:ref:refs/heads/main', ref: 'refs/heads/main' }, false],
  ])('%s', (_label, claims, expected) => {
    expect(admits(role, { ...claims, ...ids })).toBe(expected);
  });

  it('needs no protection of the environment itself: the ref narrows it', () => {
    const config = base();
    webRoles(config)['deploy'] = { trust: { environments: ['preview'], branches: ['main'] } };
    const preview = roleOf(build(config), 'gha-dev-web-deploy');
    expect(preview.risks.map((r) => r.kind)).not.toContain('any-branch');
    expect(admits(preview, { sub: 'repo:octo-org/web:environment:preview', ref: 'refs/heads/feature', ...ids })).toBe(false);
  });

  it('narrows by tag patterns too, and refuses the branch pattern "*" beside environments', () => {
    const config = base();
    const roles = webRoles(config);
    roles['deploy'] = { trust: { environments: ['production'], tagPatterns: ['v*'] } };
    const tagged = roleOf(build(config), 'gha-dev-web-deploy');
    expect(admits(tagged, { sub: 'repo:octo-org/web:environment:production', ref: 'refs/tags/v1.2', ...ids })).toBe(true);
    expect(admits(tagged, { sub: 'repo:octo-org/web:environment:production', ref: 'refs/heads/v1.2', ...ids })).toBe(false);
    roles['deploy'] = { trust: { environments: ['production'], branchPatterns: ['*'] }, dangerouslyAllowAnyBranch: true };
    expect(problems(config)).toContain(
      'repositories.web.roles.deploy.trust.branchPatterns[0]: "*": beside environments, a ref selector narrows them; "*" narrows nothing, so list the branches the environments may be used from, or remove it',
    );
  });
});

describe('organization roles', () => {
  const org = (role: Record<string, unknown>, github: Record<string, unknown> = {}) => base({ organization: { roles: { shared: { managedPolicyArns: ['arn:aws:iam::111111111111:policy/shared'], ...role } } } }, github);
  const role = roleOf(build(org({ trust: { workflows: [WORKFLOW] } })), 'gha-dev-org-shared');
  const token = { ref: 'refs/heads/main', repository_owner_id: String(OWNER_ID), job_workflow_ref: WORKFLOW };

  it.each([
    ['any repository of the owner running the pinned workflow', { sub: 'repo:octo-org/anything:ref:refs/heads/main', ...token }, true],
    ['in the immutable subject form', { sub: `repo:octo-org@${OWNER_ID}/anything@77:environment:prod`, ...token }, true],
    ['with the reusable-workflow subject template', { sub: `repo:octo-org/app:environment:prod:job_workflow_ref:${WORKFLOW}`, ...token }, true],
    ['another owner (id)', { sub: 'repo:octo-org/anything:ref:refs/heads/main', ...token, repository_owner_id: '9' }, false],
    ['another owner (name and id)', { sub: 'repo:evil/anything:ref:refs/heads/main', ...token, repository_owner_id: '9' }, false],
    ['another workflow', { sub: 'repo:octo-org/anything:ref:refs/heads/main', ...token, job_workflow_ref: 'octo-org/automation/.github/workflows/other.yml@refs/heads/main' }, false],
    ['the workflow at another ref', { sub: 'repo:octo-org/anything:ref:refs/heads/main', ...token, job_workflow_ref: 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/dev' }, false],
    ['no workflow claim', { sub: 'repo:octo-org/anything:ref:refs/heads/main', ref: 'refs/heads/main', repository_owner_id: String(OWNER_ID) }, false],
  ])('%s', (_label, claims, expected) => {
    expect(admits(role, claims)).toBe(expected);
  });

  it('is reported as exactly that', () => {
    expect(role.risks).toContainEqual({ kind: 'organization-wide', detail: `every repository of octo-org (id ${OWNER_ID}) running ${WORKFLOW}` });
    expect(role.grants).toEqual([{ subjects: ['repo:octo-org/*', `repo:octo-org@${OWNER_ID}/*`], claims: { repository_owner_id: [String(OWNER_ID)], job_workflow_ref: [WORKFLOW] } }]);
  });

  it.each([
    ['an unpinned workflow ref without the opt-in', org({ trust: { workflows: ['octo-org/automation/.github/workflows/deploy.yml@*'] } }),
      'organization.roles.shared.trust.workflows[0]: "octo-org/automation/.github/workflows/deploy.yml@*": a workflow ref of "@*" lets any branch of the workflow repository in; set dangerouslyAllowAnyWorkflowRef to opt in'],
    ['a workflow of another owner', org({ trust: { workflows: ['evil/automation/.github/workflows/deploy.yml@refs/heads/main'] } }),
      'organization.roles.shared.trust.workflows[0]: "evil/automation/.github/workflows/deploy.yml@refs/heads/main": the workflow lives in a repository of evil, not octo-org: whoever controls it could run anything with this role; keep it in a repository of octo-org'],
    ['no workflow', org({ trust: { workflows: [] } }), 'organization.roles.shared.trust.workflows: a list: list the reviewed reusable workflow every job must run'],
    ['an issuer without pinning', org({ trust: { workflows: [WORKFLOW] } }, { issuer: { ghesHost: 'github.example.com' } }),
      'organization: "octo-org": an organization role relies on the repository_owner_id and job_workflow_ref claims, which AWS documents for github.com only; GitHub Enterprise Server (github.example.com) needs github.pinIds: true to opt in'],
  ])('refuses %s', (_label, config, problem) => {
    expect(problems(config)).toContain(problem);
  });

  it('refuses an organization role without the owner id', () => {
    const config = org({ trust: { workflows: [WORKFLOW] } });
    delete (config['github'] as Record<string, unknown>)['ownerId'];
    (config['repositories'] as Record<string, Record<string, unknown>>)['web'] = { roles: { deploy: { trust: { branches: ['main'] } } } };
    expect(problems(config)).toContain('organization: "octo-org": an organization role trusts the owner by its numeric id, never by name: set github.ownerId');
  });

  it('accepts "@*" with the opt-in, as a reported risk', () => {
    const any = roleOf(build(org({ trust: { workflows: ['octo-org/automation/.github/workflows/deploy.yml@*'] }, dangerouslyAllowAnyWorkflowRef: true })), 'gha-dev-org-shared');
    expect(any.risks.map((r) => r.kind)).toContain('any-workflow-ref');
    expect(admits(any, { sub: 'repo:octo-org/x:ref:refs/heads/dev', repository_owner_id: String(OWNER_ID), job_workflow_ref: 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/dev' })).toBe(true);
    expect(admits(any, { sub: 'repo:octo-org/x:ref:refs/heads/dev', repository_owner_id: String(OWNER_ID), job_workflow_ref: 'octo-org/automation/.github/workflows/other.yml@refs/heads/dev' })).toBe(false);
  });
});

describe('a config of organization roles only', () => {
  it('needs no repository', () => {
    const model = build({
      environment: 'dev',
      aws: { accountId: '111111111111', region: 'eu-west-1' },
      github: { owner: 'octo-org', ownerId: OWNER_ID },
      organization: { roles: { shared: { trust: { workflows: [WORKFLOW] } } } },
      repositories: {},
    });
    expect(model.repositories).toEqual([]);
    expect(model.organizationRoles?.map((r) => r.name)).toEqual(['gha-dev-org-shared']);
  });

  it('still refuses a config with neither', () => {
    expect(problems({ environment: 'dev', aws: { accountId: '111111111111', region: 'eu-west-1' }, github: { owner: 'octo-org' }, repositories: {} })).toEqual([
      'repositories: a mapping: declare at least one repository (or an organization role)',
    ]);
  });
});
