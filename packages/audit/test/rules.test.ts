import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateTrustPolicy, stringLike } from '@keyless/policy';
import { PULL_REQUEST_SUBJECT, auditRole, findWitness, githubIssuerOfProvider, wildcardPlace, type IamInventory, type IamRole, type RuleId, type Severity } from '../src/index.js';

const ACCOUNT = '111122223333';
const GITHUB = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const P = 'token.actions.githubusercontent.com';
const IMM = 'repo:octo-org@1001/web@2002';
const AUD = { [`${P}:aud`]: 'sts.amazonaws.com' };
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

type Conditions = Record<string, Record<string, string | string[]>>;

function statement(condition: Conditions | undefined, provider = GITHUB, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', ...(condition ? { Condition: condition } : {}), ...extra };
}

function role(statements: Record<string, unknown>[], options: { attached?: string[]; inline?: Record<string, unknown> } = {}): IamRole {
  return {
    name: 'r',
    arn: `arn:aws:iam::${ACCOUNT}:role/r`,
    path: '/',
    trustPolicy: { Version: '2012-10-17', Statement: statements },
    attached: (options.attached ?? []).map((arn) => ({ arn, name: arn.slice(arn.lastIndexOf('/') + 1) })),
    inline: Object.entries(options.inline ?? {}).map(([name, document]) => ({ name, document: document as Record<string, unknown> })),
  };
}

const inventory: IamInventory = { users: [], groups: [], roles: [], policies: new Map() };

function findings(r: IamRole): { rule: RuleId; severity: Severity; message: string }[] {
  return [...auditRole(r, inventory).findings];
}

/** Exact subject with aud: the baseline that no rule flags. */
const clean = (sub: string): Conditions => ({ StringEquals: { ...AUD, [`${P}:sub`]: sub } });

interface Case {
  readonly name: string;
  readonly role: IamRole;
  /** The rule and severity expected, or undefined when the rule must not fire. */
  readonly severity: Severity | undefined;
}

const TABLE: Record<RuleId, Case[]> = {
  'no-sub-condition': [
    { name: 'aud only', role: role([statement({ StringEquals: AUD })]), severity: 'critical' },
    { name: 'no condition at all', role: role([statement(undefined)]), severity: 'critical' },
    { name: 'sub only in a negated operator', role: role([statement({ StringEquals: AUD, StringNotEquals: { [`${P}:sub`]: 'repo:a/b:pull_request' } })]), severity: 'critical' },
    { name: 'aud and repository_id', role: role([statement({ StringEquals: { ...AUD, [`${P}:repository_id`]: '2002' } })]), severity: 'high' },
    { name: 'exact sub', role: role([statement(clean(`${IMM}:ref:refs/heads/main`))]), severity: undefined },
  ],
  'wildcard-owner-or-repo': [
    { name: 'owner prefix', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: 'repo:octo*' } })]), severity: 'critical' },
    { name: 'bare *', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: '*' } })]), severity: 'critical' },
    { name: 'owner *', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: 'repo:*/web:ref:refs/heads/main' } })]), severity: 'critical' },
    { name: 'owner id *', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: 'repo:octo-org@*/web@2002:ref:refs/heads/main' } })]), severity: 'critical' },
    { name: 'owner wildcard pinned by repository_id', role: role([statement({ StringEquals: { ...AUD, [`${P}:repository_id`]: '2002' }, StringLike: { [`${P}:sub`]: 'repo:*:ref:refs/heads/main' } })]), severity: 'medium' },
    { name: 'repository *', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: 'repo:octo-org/*:ref:refs/heads/main' } })]), severity: 'high' },
    { name: 'repository ?', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: 'repo:octo-org/we?:ref:refs/heads/main' } })]), severity: 'high' },
    { name: 'repository wildcard pinned by repository_id', role: role([statement({ StringEquals: { ...AUD, [`${P}:repository_id`]: '2002' }, StringLike: { [`${P}:sub`]: 'repo:octo-org/*:ref:refs/heads/main' } })]), severity: 'medium' },
    { name: 'keyless organization role: owner id and a pinned workflow', role: role([statement({ StringEquals: { ...AUD, [`${P}:repository_owner_id`]: '1001', [`${P}:job_workflow_ref`]: 'octo-org/ci/.github/workflows/deploy.yml@refs/heads/main' }, StringLike: { [`${P}:sub`]: 'repo:octo-org/*' } })]), severity: 'low' },
    { name: 'repository * with the owner id but the workflow a pattern', role: role([statement({ StringEquals: { ...AUD, [`${P}:repository_owner_id`]: '1001' }, StringLike: { [`${P}:sub`]: 'repo:octo-org/*', [`${P}:job_workflow_ref`]: 'octo-org/ci/.github/workflows/deploy.yml@*' } })]), severity: 'high' },
    { name: 'repository * with a pinned workflow but no owner id', role: role([statement({ StringEquals: { ...AUD, [`${P}:job_workflow_ref`]: 'octo-org/ci/.github/workflows/deploy.yml@refs/heads/main' }, StringLike: { [`${P}:sub`]: 'repo:octo-org/*' } })]), severity: 'high' },
    { name: 'wildcard only in the ref', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:ref:refs/heads/*` } })]), severity: undefined },
    { name: '* under StringEquals is literal', role: role([statement(clean('repo:octo*'))]), severity: undefined },
  ],
  'ref-wildcard': [
    { name: 'any branch', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:ref:refs/heads/*` } })]), severity: 'high' },
    { name: 'any tag', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:ref:refs/tags/*` } })]), severity: 'high' },
    { name: 'any context', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:*` } })]), severity: 'high' },
    { name: 'any environment', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:environment:*` } })]), severity: 'high' },
    { name: 'a branch prefix', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:ref:refs/heads/release/*` } })]), severity: 'medium' },
    { name: 'a ?', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:ref:refs/heads/v?` } })]), severity: 'medium' },
    { name: 'exact branch', role: role([statement(clean(`${IMM}:ref:refs/heads/main`))]), severity: undefined },
    { name: '* under StringEquals is literal', role: role([statement(clean(`${IMM}:ref:refs/heads/*`))]), severity: undefined },
  ],
  'set-operator': [
    { name: 'ForAllValues on sub', role: role([statement({ StringEquals: AUD, 'ForAllValues:StringEquals': { [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: 'high' },
    { name: 'IfExists on sub', role: role([statement({ StringEquals: AUD, StringEqualsIfExists: { [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: 'high' },
    { name: 'IfExists on aud', role: role([statement({ StringEqualsIfExists: AUD, StringEquals: { [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: 'high' },
    { name: 'ForAnyValue on sub', role: role([statement({ StringEquals: AUD, 'ForAnyValue:StringEquals': { [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: 'medium' },
    { name: 'ForAllValues on another key', role: role([statement({ ...clean(`${IMM}:ref:refs/heads/main`), 'ForAllValues:StringEquals': { [`${P}:amr`]: 'x' } })]), severity: undefined },
    { name: 'plain operators', role: role([statement(clean(`${IMM}:ref:refs/heads/main`))]), severity: undefined },
  ],
  audience: [
    { name: 'no aud', role: role([statement({ StringEquals: { [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: 'medium' },
    { name: "GitHub's default audience", role: role([statement({ StringEquals: { [`${P}:aud`]: 'https://github.com/octo-org', [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: 'medium' },
    { name: 'aud pattern', role: role([statement({ StringEquals: { [`${P}:sub`]: `${IMM}:ref:refs/heads/main` }, StringLike: { [`${P}:aud`]: '*' } })]), severity: 'medium' },
    { name: 'another audience', role: role([statement({ StringEquals: { [`${P}:aud`]: 'sigstore', [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: 'medium' },
    { name: 'sts.amazonaws.com', role: role([statement(clean(`${IMM}:ref:refs/heads/main`))]), severity: undefined },
    { name: 'the China audience', role: role([statement({ StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com.cn', [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: undefined },
  ],
  'string-like-exact': [
    { name: 'StringLike sub without wildcard', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: 'low' },
    { name: 'StringLike aud without wildcard', role: role([statement({ StringLike: AUD, StringEquals: { [`${P}:sub`]: `${IMM}:ref:refs/heads/main` } })]), severity: 'low' },
    { name: 'StringLike with a wildcard', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:ref:refs/heads/release/*` } })]), severity: undefined },
    { name: 'StringEquals', role: role([statement(clean(`${IMM}:ref:refs/heads/main`))]), severity: undefined },
  ],
  'name-based-subject': [
    { name: 'by name', role: role([statement(clean('repo:octo-org/web:ref:refs/heads/main'))]), severity: 'low' },
    { name: 'immutable subject', role: role([statement(clean(`${IMM}:ref:refs/heads/main`))]), severity: undefined },
    { name: 'by name with repository_id', role: role([statement({ StringEquals: { ...AUD, [`${P}:sub`]: 'repo:octo-org/web:ref:refs/heads/main', [`${P}:repository_id`]: '2002' } })]), severity: undefined },
    {
      name: 'GHES has no immutable subjects',
      role: role([statement({ StringEquals: { 'ghe.example.com/_services/token:aud': 'sts.amazonaws.com', 'ghe.example.com/_services/token:sub': 'repo:o/r:ref:refs/heads/main' } }, `arn:aws:iam::${ACCOUNT}:oidc-provider/ghe.example.com/_services/token`)]),
      severity: undefined,
    },
  ],
  'pull-request-admin': [
    { name: 'pull_request subject and AdministratorAccess', role: role([statement(clean(`${IMM}:pull_request`))], { attached: [ADMIN] }), severity: 'critical' },
    { name: 'any context and an inline *', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:*` } })], { inline: { all: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } } }), severity: 'critical' },
    { name: 'a pattern that reaches pull_request', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:pull_*` } })], { attached: [ADMIN] }), severity: 'critical' },
    { name: 'no sub and iam:* on *', role: role([statement({ StringEquals: AUD })], { inline: { iam: { Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] } } }), severity: 'critical' },
    { name: 'any context and an Allow with NotAction', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:*` } })], { inline: { most: { Statement: [{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }] } } }), severity: 'critical' },
    { name: 'any context and iam:PassRole on *', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:*` } })], { inline: { pass: { Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] } } }), severity: 'critical' },
    { name: 'any context and a whole service that is not IAM', role: role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:*` } })], { inline: { s3: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } } }), severity: undefined },
    { name: 'pull_request subject and read-only permissions', role: role([statement(clean(`${IMM}:pull_request`))], { attached: [READ_ONLY] }), severity: undefined },
    { name: 'main only and AdministratorAccess', role: role([statement(clean(`${IMM}:ref:refs/heads/main`))], { attached: [ADMIN] }), severity: undefined },
    {
      name: 'a Deny for pull requests',
      role: role(
        [
          statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:*` } }),
          { Effect: 'Deny', Principal: { Federated: GITHUB }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${P}:sub`]: '*:pull_request' } } },
        ],
        { attached: [ADMIN] },
      ),
      severity: undefined,
    },
    {
      name: 'a pinned reusable workflow',
      role: role([statement({ StringEquals: { ...AUD, [`${P}:job_workflow_ref`]: 'octo-org/ci/.github/workflows/deploy.yml@refs/heads/main' }, StringLike: { [`${P}:sub`]: `${IMM}:*` } })], { attached: [ADMIN] }),
      severity: undefined,
    },
  ],
};

describe('GitHub role rules', () => {
  for (const [rule, cases] of Object.entries(TABLE) as [RuleId, Case[]][]) {
    describe(rule, () => {
      for (const c of cases) {
        it(c.severity ? `fires (${c.severity}) on ${c.name}` : `does not fire on ${c.name}`, () => {
          const found = findings(c.role).filter((f) => f.rule === rule);
          if (c.severity === undefined) expect(found).toEqual([]);
          else {
            expect(found.length).toBeGreaterThan(0);
            expect(found.map((f) => f.severity)).toContain(c.severity);
            expect(found[0]?.message.length).toBeGreaterThan(20);
          }
        });
      }
    });
  }

  it('flags nothing on a role built the way keyless builds them', () => {
    expect(findings(role([statement(clean(`${IMM}:ref:refs/heads/main`))], { attached: [ADMIN] }))).toEqual([]);
  });

  it('names the token a pull request would present', () => {
    const [finding] = findings(role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: 'repo:octo-org@1001/web@2002:pull_*' } })], { attached: [ADMIN] })).filter((f) => f.rule === 'pull-request-admin');
    expect(finding?.message).toContain('"repo:octo-org@1001/web@2002:pull_request"');
  });
});

describe('which roles trust GitHub', () => {
  const provider = (id: string): string => `arn:aws:iam::${ACCOUNT}:oidc-provider/${id}`;
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['github.com', statement(clean(`${IMM}:ref:refs/heads/main`)), true],
    ['an enterprise slug', statement(undefined, provider(`${P}/octo-enterprise`)), true],
    ['GHE.com', statement(undefined, provider('token.actions.octo.ghe.com')), true],
    ['GitHub Enterprise Server', statement(undefined, provider('github.example.com/_services/token')), true],
    ['sts:* on the GitHub provider', statement(undefined, GITHUB, { Action: 'sts:*' }), true],
    ['EKS', statement(undefined, provider('oidc.eks.us-east-1.amazonaws.com/id/ABC')), false],
    ['GitLab', statement(undefined, provider('gitlab.com')), false],
    ['a look-alike host', statement(undefined, provider(`${P}.evil.example`)), false],
    ['a look-alike path', statement(undefined, provider(`evil.example/${P}`)), false],
    ['a service principal', { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }, false],
    ['a SAML provider', { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:saml-provider/corp` }, Action: 'sts:AssumeRoleWithSAML' }, false],
    ['a Deny on the GitHub provider', { ...statement(undefined), Effect: 'Deny' }, false],
    ['sts:AssumeRole on the GitHub provider', statement(undefined, GITHUB, { Action: 'sts:AssumeRole' }), false],
  ];
  for (const [name, st, github] of cases) {
    it(`${github ? 'is' : 'is not'} a GitHub role: ${name}`, () => {
      const report = auditRole(role([st], { attached: [ADMIN] }), inventory);
      expect(report.github).toBe(github);
      if (!github) expect(report.findings).toEqual([]);
    });
  }

  it('resolves provider ids with the policy package issuer rules', () => {
    expect(githubIssuerOfProvider(P)).toEqual({ kind: 'github.com' });
    expect(githubIssuerOfProvider(`${P}/octo`)).toEqual({ kind: 'enterprise-slug', slug: 'octo' });
    expect(githubIssuerOfProvider('token.actions.octo.ghe.com')).toEqual({ kind: 'ghe.com', subdomain: 'octo' });
    expect(githubIssuerOfProvider('git.example.com/_services/token')).toEqual({ kind: 'ghes', host: 'git.example.com' });
    expect(githubIssuerOfProvider(`${P}/Not_A_Slug!`)).toBeUndefined();
  });
});

describe('wildcardPlace', () => {
  it.each([
    ['repo:o/r:ref:refs/heads/main', 'none'],
    ['repo:o*', 'owner'],
    ['*', 'owner'],
    ['repo:o/*', 'repository'],
    ['repo:o/r:*', 'any-context'],
    ['repo:o/r:ref:refs/heads/*', 'any-context'],
    ['repo:o/r:ref:refs/heads/?*', 'any-context'],
    ['repo:o/r:environment:*', 'any-context'],
    ['repo:o/r:ref:refs/heads/release/*', 'context'],
    ['repo:o@1/r@2:ref:refs/tags/v*', 'context'],
  ])('%s: %s', (value, place) => {
    expect(wildcardPlace(value)).toBe(place);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Property tests: every token the policy evaluator accepts from another owner, another repository or another
// ref is one the audit warned about.

const ownerPart = fc.constantFrom('octo-org', 'octo*', '*', 'oct?-org', 'octo-org@1001', 'octo-org@*');
const repoPart = fc.constantFrom('web', 'w*', '*', 'we?', 'web@2002');
const contextPart = fc.constantFrom('ref:refs/heads/main', 'ref:refs/heads/*', '*', 'pull_request', 'environment:prod', 'ref:refs/heads/release/*', 'ref:refs/tags/v?');
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const context = fc.constantFrom('ref:refs/heads/main', 'ref:refs/heads/evil', 'ref:refs/heads/release/x', 'ref:refs/tags/v1', 'pull_request', 'environment:prod', 'environment:other');

describe('audit soundness against the evaluator (property)', () => {
  it('flags wildcard-owner-or-repo (or no sub) whenever a token of another owner or repository gets in', () => {
    fc.assert(
      fc.property(ownerPart, repoPart, contextPart, name, name, context, (o, r, c, attackerOwner, attackerRepo, ctx) => {
        const sub = `repo:${o}/${r}:${c}`;
        const policy = role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: sub } })]);
        const rules = new Set(findings(policy).map((f) => f.rule));
        for (const token of [`repo:${attackerOwner}/web:${ctx}`, `repo:octo-org/${attackerRepo}:${ctx}`, `repo:${attackerOwner}@1001/web@2002:${ctx}`]) {
          const [, owner, repo] = /^repo:([^/]+)\/([^:]+):/.exec(token) ?? [];
          const foreign = owner !== 'octo-org' && owner !== 'octo-org@1001' ? true : repo !== 'web' && repo !== 'web@2002';
          if (!foreign) continue;
          const allowed = evaluateTrustPolicy(JSON.stringify(policy.trustPolicy), { iss: `https://${P}`, aud: 'sts.amazonaws.com', sub: token }).allowed;
          if (allowed) expect(rules.has('wildcard-owner-or-repo') || rules.has('no-sub-condition')).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('flags ref-wildcard whenever a token for a context other than the literal ones gets in', () => {
    fc.assert(
      fc.property(contextPart, context, (c, ctx) => {
        const policy = role([statement({ StringEquals: AUD, StringLike: { [`${P}:sub`]: `${IMM}:${c}` } })]);
        const rules = new Set(findings(policy).map((f) => f.rule));
        const allowed = evaluateTrustPolicy(JSON.stringify(policy.trustPolicy), { iss: `https://${P}`, aud: 'sts.amazonaws.com', sub: `${IMM}:${ctx}` }).allowed;
        if (allowed && ctx !== c) expect(rules.has('ref-wildcard')).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('finds a pull request witness exactly when some pull request subject matches (property)', () => {
    const base = 'repo:ab/cd:pull_request';
    const mutated = fc
      .array(fc.record({ at: fc.nat(base.length), len: fc.nat(4), with: fc.constantFrom('*', '?', '', 'x', ':', '/') }), { maxLength: 3 })
      .map((edits) => edits.reduce((s, e) => s.slice(0, Math.min(e.at, s.length)) + e.with + s.slice(Math.min(e.at + e.len, s.length)), base));
    const candidates = ['repo:ab/cd:pull_request', 'repo:x/x:pull_request', 'repo:abx/cd:pull_request', 'repo:ab/cdx:pull_request', 'repo:a/d:pull_request', 'repo:ab/c:pull_request', 'repo:xb/cd:pull_request', 'repo:ab/xd:pull_request'];
    fc.assert(
      fc.property(mutated, (pattern) => {
        const witness = findWitness(pattern, PULL_REQUEST_SUBJECT);
        if (witness !== undefined) {
          expect(stringLike(pattern, witness)).toBe(true);
          expect(witness).toMatch(/^repo:[^:/]+\/[^:/]+:pull_request$/);
        } else {
          for (const c of candidates) expect(stringLike(pattern, c)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});
