/**
 * `keyless explain` and `explain --token` on roles whose trust policies check GitHub claims beside sub: ids
 * pinned, an environment on one branch, an organization-wide role pinned to a reusable workflow. The policies are
 * built by hand here (the shapes trust v2 generates) and put on the roles of a model, so these tests hold
 * whatever the config compiler writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accessReport,
  buildAccessModel,
  explainToken,
  parseAccessConfig,
  renderTokenVerdicts,
  trustStatementTerms,
  whoCanAssume,
} from '../src/index.js';
import type { AccessModel, PolicyDocument, PolicyStatement, TokenVerdict } from '../src/index.js';

const P = 'token.actions.githubusercontent.com';
const PROVIDER = `arn:aws:iam::111111111111:oidc-provider/${P}`;
const AUD = 'sts.amazonaws.com';
const OWNER_ID = '123456';
const WEB_ID = '456789';
const API_ID = '222';
const WORKFLOW = 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/main';

type Conditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

function policy(...statements: [string, Conditions][]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: statements.map(([Sid, Condition]): PolicyStatement => ({ Sid, Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition })),
  };
}

const webPinned = policy([
  'OctoOrgWeb',
  {
    StringEquals: {
      [`${P}:aud`]: AUD,
      [`${P}:sub`]: ['repo:octo-org/web:ref:refs/heads/main', `repo:octo-org@${OWNER_ID}/web@${WEB_ID}:ref:refs/heads/main`],
      [`${P}:repository_id`]: WEB_ID,
      [`${P}:repository_owner_id`]: OWNER_ID,
    },
  },
]);

const apiProductionOnMain = policy([
  'OctoOrgApi',
  {
    StringEquals: {
      [`${P}:aud`]: AUD,
      [`${P}:sub`]: 'repo:octo-org/api:environment:production',
      [`${P}:ref`]: 'refs/heads/main',
      [`${P}:repository_id`]: API_ID,
      [`${P}:repository_owner_id`]: OWNER_ID,
    },
  },
]);

const organizationWide = policy([
  'OctoOrgWorkflow',
  {
    StringEquals: { [`${P}:aud`]: AUD, [`${P}:repository_owner_id`]: OWNER_ID, [`${P}:job_workflow_ref`]: WORKFLOW },
    StringLike: { [`${P}:sub`]: 'repo:octo-org/*' },
  },
]);

const CONFIG = {
  environment: 'dev',
  aws: { accountId: '111111111111', region: 'eu-west-1' },
  github: { owner: 'octo-org' },
  repositories: {
    web: { roles: { deploy: { trust: { branches: ['main'] } } } },
    api: { environments: { production: { reviewers: { users: [1] } } }, roles: { release: { trust: { environments: ['production'] } } } },
    automation: { roles: { deploy: { trust: { branches: ['main'] } } } },
  },
};

/** The model of CONFIG with each role's trust policy replaced by the hand-built one. */
function pinnedModel(): AccessModel {
  const built = buildAccessModel(parseAccessConfig(CONFIG, 'access.yaml'), 'access.yaml');
  const policies: Record<string, PolicyDocument> = {
    'gha-dev-web-deploy': webPinned,
    'gha-dev-api-release': apiProductionOnMain,
    'gha-dev-automation-deploy': organizationWide,
  };
  return {
    ...built,
    repositories: built.repositories.map((repo) => ({
      ...repo,
      roles: repo.roles.map((role) => ({ ...role, trustPolicy: policies[role.name] ?? role.trustPolicy })),
    })),
  };
}

const model = pinnedModel();
const verdictOf = (verdicts: readonly TokenVerdict[], name: string): TokenVerdict => {
  const found = verdicts.find((v) => v.role === name);
  if (!found) throw new Error(`no verdict for ${name}`);
  return found;
};

/** The claims of a real token of octo-org/web on main. */
const web = {
  sub: 'repo:octo-org/web:ref:refs/heads/main',
  repository: 'octo-org/web',
  repository_id: WEB_ID,
  repository_owner_id: OWNER_ID,
  ref: 'refs/heads/main',
};

describe('trustStatementTerms', () => {
  it.each<[string, PolicyDocument, { requires: string[]; organizationWide?: string }]>([
    ['ids pinned', webPinned, { requires: [`ids pinned (repository ${WEB_ID}, owner ${OWNER_ID})`] }],
    ['an environment on one branch', apiProductionOnMain, { requires: [`ids pinned (repository ${API_ID}, owner ${OWNER_ID})`, 'ref refs/heads/main required'] }],
    ['an organization-wide role', organizationWide, { requires: [], organizationWide: `every repository of octo-org (id ${OWNER_ID}) running ${WORKFLOW}` }],
    ['the repository id alone', policy(['S', { StringEquals: { [`${P}:sub`]: 'repo:o/r:ref:refs/heads/main', [`${P}:repository_id`]: '7' } }]), { requires: ['repository id 7 pinned'] }],
    ['a ref pattern', policy(['S', { StringEquals: { [`${P}:sub`]: 'repo:o/r:environment:e' }, StringLike: { [`${P}:ref`]: 'refs/heads/release/*' } }]), { requires: ['ref matching refs/heads/release/* required'] }],
    [
      'an organization-wide role without an owner id or a workflow',
      policy(['S', { StringLike: { [`${P}:sub`]: 'repo:octo-org/*' } }]),
      { requires: [], organizationWide: 'every repository of octo-org (owner id not pinned), any workflow' },
    ],
    ['keys of another issuer are not read', policy(['S', { StringEquals: { [`${P}/acme:repository_id`]: '7', [`${P}:sub`]: 'repo:o/r:pull_request' } }]), { requires: [] }],
  ])('reads %s', (_name, document, expected) => {
    const [terms] = trustStatementTerms(document, P);
    expect(terms?.requires).toEqual(expected.requires);
    expect(terms?.organizationWide).toBe(expected.organizationWide);
  });
});

describe('accessReport with GitHub claim conditions', () => {
  const report = accessReport(model);
  const role = (name: string) => report.roles.find((r) => r.name === name) ?? (() => { throw new Error(name); })();

  it('says what each subject also requires, and who an organization-wide role lets in', () => {
    expect(role('gha-dev-web-deploy').subjects.map((s) => s.requires)).toEqual([[`ids pinned (repository ${WEB_ID}, owner ${OWNER_ID})`]]);
    expect(whoCanAssume(role('gha-dev-api-release'))).toEqual([
      `octo-org/api, environment production, with ids pinned (repository ${API_ID}, owner ${OWNER_ID}) and ref refs/heads/main required`,
    ]);
    // The model's subject (branch main of automation) is not what this policy trusts: the statement speaks for itself.
    expect(whoCanAssume(role('gha-dev-automation-deploy'))).toEqual(['octo-org/automation, branch main', `every repository of octo-org (id ${OWNER_ID}) running ${WORKFLOW}`]);
  });

  it('keeps the conditions with their claims and operators for the JSON report', () => {
    expect(role('gha-dev-api-release').trust).toEqual([
      {
        statement: 'OctoOrgApi',
        subjects: ['repo:octo-org/api:environment:production'],
        subjectPatterns: false,
        conditions: [
          { claim: 'ref', operator: 'StringEquals', values: ['refs/heads/main'] },
          { claim: 'repository_id', operator: 'StringEquals', values: [API_ID] },
          { claim: 'repository_owner_id', operator: 'StringEquals', values: [OWNER_ID] },
        ],
        requires: [`ids pinned (repository ${API_ID}, owner ${OWNER_ID})`, 'ref refs/heads/main required'],
      },
    ]);
  });
});

describe('explainToken with GitHub claim conditions', () => {
  it('accepts the whole token of the pinned repository', () => {
    expect(verdictOf(explainToken(model, web), 'gha-dev-web-deploy')).toMatchObject({ allowed: true, reasons: [], failures: [], missingClaims: [] });
  });

  it('names the id that differs, keeps the full key, and says what it means', () => {
    const v = verdictOf(explainToken(model, { ...web, repository_id: '999' }), 'gha-dev-web-deploy');
    expect(v.allowed).toBe(false);
    expect(v.reasons[0]).toBe(`statement OctoOrgWeb: repository_id 999 is not ${WEB_ID}`);
    expect(v.failures).toEqual([expect.objectContaining({ key: `${P}:repository_id`, claim: 'repository_id', expected: [WEB_ID], actual: ['999'] })]);
    expect(v.reasons.some((r) => r.startsWith('hint: the repository id in the token differs from the pinned one'))).toBe(true);
    expect(v.undecided).toBe(false);
  });

  it('lists every failed claim of a statement', () => {
    const v = verdictOf(explainToken(model, { ...web, repository_id: '999', repository_owner_id: '1' }), 'gha-dev-web-deploy');
    expect(v.failures.map((f) => f.text)).toEqual([`repository_id 999 is not ${WEB_ID}`, `repository_owner_id 1 is not ${OWNER_ID}`]);
  });

  it('leaves a role undecided when only claims the input lacks are missing, and says to pass the whole token', () => {
    const claims = { sub: web.sub };
    const v = verdictOf(explainToken(model, claims), 'gha-dev-web-deploy');
    expect(v).toMatchObject({ allowed: false, undecided: true, missingClaims: ['repository_id', 'repository_owner_id'] });
    expect(v.reasons).toContain('statement OctoOrgWeb: repository_id is absent from the token');
    expect(v.reasons.some((r) => r.startsWith('hint: the claims given have no repository_id, repository_owner_id'))).toBe(true);
    const text = renderTokenVerdicts(claims, explainToken(model, claims));
    expect(text).toContain('accepted by the subject, but the claims given lack what these roles also check (pass the whole token):');
    expect(text).toContain('  ? dev/gha-dev-web-deploy: needs repository_id, repository_owner_id');
    expect(text).not.toContain('refused by the roles of that repository');
  });

  it('refuses a wrong sub even when claims are missing, and is not undecided then', () => {
    const v = verdictOf(explainToken(model, { sub: 'repo:octo-org/web:ref:refs/heads/dev' }), 'gha-dev-web-deploy');
    expect(v.undecided).toBe(false);
    expect(v.failures.map((f) => f.claim)).toEqual(['sub', 'repository_id', 'repository_owner_id']);
  });

  it('refuses the environment on another branch, naming the ref, with a hint', () => {
    const claims = { sub: 'repo:octo-org/api:environment:production', environment: 'production', repository_id: API_ID, repository_owner_id: OWNER_ID, ref: 'refs/heads/dev' };
    const v = verdictOf(explainToken(model, claims), 'gha-dev-api-release');
    expect(v.reasons[0]).toBe('statement OctoOrgApi: ref refs/heads/dev is not refs/heads/main');
    expect(v.reasons).toContain('hint: the role trusts the environment only on refs/heads/main; run the job from there (or add that branch to the role)');
    expect(verdictOf(explainToken(model, { ...claims, ref: 'refs/heads/main' }), 'gha-dev-api-release').allowed).toBe(true);
  });

  it('accepts any repository of the owner through the pinned workflow, and explains the others to them', () => {
    const other = { sub: 'repo:octo-org/handbook:ref:refs/heads/main', repository_owner_id: OWNER_ID, repository_id: '31', job_workflow_ref: WORKFLOW };
    expect(verdictOf(explainToken(model, other), 'gha-dev-automation-deploy').allowed).toBe(true);
    const elsewhere = verdictOf(explainToken(model, { ...other, job_workflow_ref: WORKFLOW.replace('deploy.yml', 'other.yml') }), 'gha-dev-automation-deploy');
    expect(elsewhere).toMatchObject({ allowed: false, sameRepository: true });
    expect(elsewhere.reasons[0]).toBe(`statement OctoOrgWorkflow: job_workflow_ref ${WORKFLOW.replace('deploy.yml', 'other.yml')} is not ${WORKFLOW}`);
    const plain = verdictOf(explainToken(model, { ...other, job_workflow_ref: undefined }), 'gha-dev-automation-deploy');
    expect(plain.reasons).toContain('statement OctoOrgWorkflow: job_workflow_ref is absent from the token');
    const stranger = verdictOf(explainToken(model, { ...other, sub: 'repo:evil/x:ref:refs/heads/main', repository_owner_id: '666' }), 'gha-dev-automation-deploy');
    expect(stranger).toMatchObject({ allowed: false, sameRepository: false });
  });

  it('decides ids given as numbers as the digits GitHub sends, and says so', () => {
    const numeric = { ...web, repository_id: Number(WEB_ID), repository_owner_id: Number(OWNER_ID) };
    expect(verdictOf(explainToken(model, numeric), 'gha-dev-web-deploy').allowed).toBe(true);
    const text = renderTokenVerdicts(numeric, explainToken(model, numeric));
    expect(text).toContain(`  with ref refs/heads/main, repository octo-org/web, repository_id ${WEB_ID}, repository_owner_id ${OWNER_ID}`);
    expect(text).toContain(`  note: repository_id is the number ${WEB_ID} in the claims given; GitHub's tokens carry ids as text ("${WEB_ID}"), and keyless compares those digits`);
  });

  it('names the failing id claim whatever the ids (property)', () => {
    const id = fc.integer({ min: 1, max: 2 ** 45 }).map(String);
    fc.assert(
      fc.property(id, id, (repositoryId, ownerId) => {
        const v = verdictOf(explainToken(model, { ...web, repository_id: repositoryId, repository_owner_id: ownerId }), 'gha-dev-web-deploy');
        const expected = [
          ...(repositoryId === WEB_ID ? [] : [`repository_id ${repositoryId} is not ${WEB_ID}`]),
          ...(ownerId === OWNER_ID ? [] : [`repository_owner_id ${ownerId} is not ${OWNER_ID}`]),
        ];
        expect(v.allowed).toBe(expected.length === 0);
        expect(v.failures.map((f) => f.text)).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});

describe('organization roles (AccessModel.organizationRoles)', () => {
  const automation = model.repositories.find((r) => r.key === 'automation')?.roles[0];
  if (!automation) throw new Error('no automation role');
  const withOrganizationRole: AccessModel = {
    ...model,
    organizationRoles: [{ ...automation, key: 'deploy-all', entry: 'organization.roles.deploy-all', name: 'gha-dev-org-deploy', subjects: [], claims: [], trustPolicy: organizationWide }],
  };

  it('reports an organization role as every repository of the owner running the pinned workflow', () => {
    const role = accessReport(withOrganizationRole).roles.find((r) => r.name === 'gha-dev-org-deploy');
    expect(role).toMatchObject({ repository: 'octo-org/*', subjects: [], variables: [] });
    expect(role && whoCanAssume(role)).toEqual([`every repository of octo-org (id ${OWNER_ID}) running ${WORKFLOW}`]);
  });

  it('decides tokens against it, and explains its refusals to every repository of the owner', () => {
    const claims = { sub: 'repo:octo-org/handbook:ref:refs/heads/main', repository_owner_id: OWNER_ID, job_workflow_ref: WORKFLOW };
    expect(verdictOf(explainToken(withOrganizationRole, claims), 'gha-dev-org-deploy').allowed).toBe(true);
    const refused = verdictOf(explainToken(withOrganizationRole, { ...claims, job_workflow_ref: undefined }), 'gha-dev-org-deploy');
    expect(refused).toMatchObject({ allowed: false, sameRepository: true, undecided: true, missingClaims: ['job_workflow_ref'] });
  });
});
