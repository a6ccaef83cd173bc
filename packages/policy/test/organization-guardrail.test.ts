/**
 * The organisation guardrail (a resource control policy) asked the questions that matter through the trust
 * evaluator. An RCP is evaluated beside the role's own trust policy and an explicit Deny in either wins, so the
 * oracle evaluates the role's trust statements and the RCP's statements as one document: "allowed" means the role
 * trusts the token and the guardrail does not deny it. The RCP's `Resource: "*"` is not read by the evaluator,
 * which is right here: it covers every role.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ORGANIZATION_GUARDRAIL_NAME,
  RESOURCE_CONTROL_POLICY_MAX_CHARS,
  RESOURCE_CONTROL_POLICY_TYPE,
  evaluateTrustPolicy,
  organizationGuardrailPolicy,
  resolveIssuer,
  resourceControlPolicyText,
} from '../src/index.js';
import type { ResourceControlPolicy, TokenClaims } from '../src/index.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
const EKS = 'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const OWNER_ID = 123456;
const guardrail = organizationGuardrailPolicy({ ownerId: OWNER_ID });

/** A role made by hand that trusts every GitHub repository: the guardrail is what stops strangers. */
function wideRole(issuer: string): Record<string, unknown> {
  const prefix = issuer.replace(/^https:\/\//, '');
  return {
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::111111111111:oidc-provider/${prefix}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${prefix}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${prefix}:sub`]: '*' } },
  };
}

/** STS's decision for a role trusting `trustIssuer` widely, with the guardrail attached above its account. */
function decide(claims: TokenClaims, rcp: ResourceControlPolicy = guardrail, trustIssuer = claims.iss) {
  return evaluateTrustPolicy({ Version: '2012-10-17', Statement: [wideRole(trustIssuer), ...rcp.Statement] } as never, claims);
}

/** The guardrail on its own (no Allow): explicit-deny when it applies, implicit-deny when it does not. */
const rcpOnly = (claims: TokenClaims, rcp: ResourceControlPolicy = guardrail) => evaluateTrustPolicy(rcp as never, claims).decision;

/** A GitHub token as GitHub's documentation shows it (ids as strings). */
function githubToken(ownerId: string | null, extra: Record<string, unknown> = {}): TokenClaims {
  return {
    iss: GITHUB,
    aud: 'sts.amazonaws.com',
    sub: 'repo:octo-org/web:ref:refs/heads/main',
    repository: 'octo-org/web',
    repository_id: '700001',
    repository_owner: 'octo-org',
    ...(ownerId === null ? {} : { repository_owner_id: ownerId }),
    ...extra,
  };
}

describe('organizationGuardrailPolicy', () => {
  it('writes one Deny per issuer with Principal "*" and Resource "*", scoped to GitHub tokens by Null on sub', () => {
    expect(guardrail).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyGithubTokensOfOtherOwners',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Resource: '*',
          Condition: {
            Null: { 'token.actions.githubusercontent.com:sub': 'false' },
            StringNotEquals: { 'token.actions.githubusercontent.com:repository_owner_id': '123456' },
          },
        },
      ],
    });
  });

  it.each([
    ['github.com only', [resolveIssuer()], ['token.actions.githubusercontent.com']],
    ['an enterprise slug and github.com', [resolveIssuer({ kind: 'enterprise-slug', slug: 'octo-ent' }), resolveIssuer()], ['token.actions.githubusercontent.com/octo-ent', 'token.actions.githubusercontent.com']],
    ['the same issuer twice, once', [resolveIssuer(), resolveIssuer()], ['token.actions.githubusercontent.com']],
  ])('uses each issuer’s condition-key prefix: %s', (_, issuers, prefixes) => {
    const policy = organizationGuardrailPolicy({ ownerId: 7, issuers });
    expect(policy.Statement.map((s) => Object.keys(s.Condition.Null)[0])).toEqual(prefixes.map((p) => `${p}:sub`));
    expect(policy.Statement.map((s) => Object.keys(s.Condition.StringNotEquals)[0])).toEqual(prefixes.map((p) => `${p}:repository_owner_id`));
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 53])('fails when the owner id is %s', (ownerId) => {
    expect(() => organizationGuardrailPolicy({ ownerId })).toThrow(`owner id ${ownerId}: the organisation's numeric id, a positive integer`);
  });

  it('fails when no issuer is given', () => {
    expect(() => organizationGuardrailPolicy({ ownerId: 1, issuers: [] })).toThrow('no issuer');
  });

  it('fits the RCP size quota as compact JSON, and says when a policy does not', () => {
    expect(resourceControlPolicyText(guardrail)).toBe(JSON.stringify(guardrail));
    const huge = { ...guardrail, Statement: Array.from({ length: 40 }, () => guardrail.Statement[0]) } as ResourceControlPolicy;
    expect(() => resourceControlPolicyText(huge)).toThrow(`AWS Organizations allows ${RESOURCE_CONTROL_POLICY_MAX_CHARS}`);
    expect(RESOURCE_CONTROL_POLICY_TYPE).toBe('RESOURCE_CONTROL_POLICY');
    expect(ORGANIZATION_GUARDRAIL_NAME).toMatch(/^[\w+=,.@-]+$/);
  });
});

describe('the guardrail, evaluated beside a role that trusts every GitHub repository', () => {
  it.each<[string, TokenClaims, boolean]>([
    ["a token of the organisation's owner id", githubToken('123456'), true],
    ['a token of another owner id', githubToken('999999'), false],
    ['a token of another owner with the same name in repository_owner', githubToken('654321', { repository_owner: 'octo-org' }), false],
    ['an owner id with a leading zero', githubToken('0123456'), false],
    ['an owner id with a space', githubToken('123456 '), false],
    ['the owner id as a number (claims typed by hand), the organisation’s', githubToken(null, { repository_owner_id: 123456 }), true],
    ['the owner id as a number, another owner’s', githubToken(null, { repository_owner_id: 999999 }), false],
    ['a token without repository_owner_id (fail closed)', githubToken(null), false],
    ['a token whose repository_owner_id is empty', githubToken(''), false],
  ])('%s: allowed %s', (_, claims, allowed) => {
    const evaluation = decide(claims);
    expect(evaluation.allowed).toBe(allowed);
    if (!allowed) {
      expect(evaluation.decision).toBe('explicit-deny');
      expect(evaluation.matchedStatements).toEqual(['DenyGithubTokensOfOtherOwners']);
    }
  });

  it('leaves other web identity federation alone: an EKS service account token, whatever its claims', () => {
    const eks: TokenClaims = { iss: EKS, aud: 'sts.amazonaws.com', sub: 'system:serviceaccount:default:app', repository_owner_id: '999999' };
    expect(decide(eks).allowed).toBe(true);
    expect(rcpOnly(eks)).toBe('implicit-deny');
  });

  it('covers only the issuers it names: a token of an enterprise-slug issuer passes a github.com-only guardrail', () => {
    const slug = { ...githubToken('999999'), iss: `${GITHUB}/octo-ent` };
    expect(decide(slug).allowed).toBe(true);
    const both = organizationGuardrailPolicy({ ownerId: OWNER_ID, issuers: [resolveIssuer({ kind: 'enterprise-slug', slug: 'octo-ent' }), resolveIssuer()] });
    expect(decide(slug, both).decision).toBe('explicit-deny');
    expect(decide({ ...githubToken('123456'), iss: `${GITHUB}/octo-ent` }, both).allowed).toBe(true);
  });

  it("does not widen a role: the organisation's token is still refused by a role that does not trust it", () => {
    const narrow = {
      Version: '2012-10-17',
      Statement: [
        { ...wideRole(GITHUB), Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:octo-org/api:ref:refs/heads/main' } } },
        ...guardrail.Statement,
      ],
    };
    expect(evaluateTrustPolicy(narrow as never, githubToken('123456')).allowed).toBe(false);
  });
});

describe('the guardrail, property-based', () => {
  const ownerIds = fc.integer({ min: 1, max: 2_000_000_000 });
  const claimText = fc.oneof(fc.integer({ min: 0, max: 2_100_000_000 }).map(String), fc.string({ maxLength: 12 }));
  const sub = fc.oneof(fc.constant('repo:octo-org/web:pull_request'), fc.string({ minLength: 1, maxLength: 40 }));

  it('denies a GitHub token exactly when its repository_owner_id is not the owner id, text for text', () => {
    fc.assert(
      fc.property(ownerIds, fc.option(claimText, { nil: null }), sub, fc.boolean(), (ownerId, tokenOwnerId, subject, same) => {
        const id = same ? String(ownerId) : tokenOwnerId;
        const claims = githubToken(id, { sub: subject });
        const evaluation = decide(claims, organizationGuardrailPolicy({ ownerId }));
        expect(evaluation.allowed).toBe(id === String(ownerId));
      }),
      { numRuns: 300 },
    );
  });

  it('never applies to a token of another issuer, whatever claims it carries', () => {
    const issuers = fc.constantFrom(EKS, 'https://accounts.google.com', 'https://cognito-identity.amazonaws.com', 'https://token.actions.example.ghe.com', 'https://gitlab.com');
    const claims = fc.dictionary(fc.constantFrom('repository_owner_id', 'repository', 'actor', 'ref', 'amr'), claimText, { maxKeys: 4 });
    fc.assert(
      fc.property(ownerIds, issuers, claims, sub, (ownerId, iss, extra, subject) => {
        const token: TokenClaims = { ...extra, iss, aud: 'sts.amazonaws.com', sub: subject };
        expect(rcpOnly(token, organizationGuardrailPolicy({ ownerId }))).not.toBe('explicit-deny');
      }),
      { numRuns: 200 },
    );
  });
});
