import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildTrustPolicy,
  evaluateTrustPolicy,
  oidcProviderArn,
  resolveIssuer,
  stringLike,
  type PolicyDocument,
  type PolicyStatement,
  type TokenClaims,
} from '../src/index.js';

const RUNS = { numRuns: 200 };

const ISS = 'https://token.actions.githubusercontent.com';
const P = 'token.actions.githubusercontent.com';
const ARN = `arn:aws:iam::123456789012:oidc-provider/${P}`;
const SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
const AUD = 'sts.amazonaws.com';

function claims(overrides: Partial<Record<string, unknown>> = {}): TokenClaims {
  return { iss: ISS, aud: AUD, sub: SUB, ...overrides } as TokenClaims;
}

function statement(overrides: Partial<PolicyStatement> = {}): PolicyStatement {
  return {
    Sid: 'Test',
    Effect: 'Allow',
    Principal: { Federated: ARN },
    Action: 'sts:AssumeRoleWithWebIdentity',
    ...overrides,
  };
}

function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

function withCondition(condition: Record<string, Record<string, unknown>>): PolicyDocument {
  return policy(statement({ Condition: condition as PolicyStatement['Condition'] }));
}

/** A reference implementation of IAM's glob through a regular expression, for differential testing. */
function referenceLike(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((ch) => (ch === '*' ? '[\\s\\S]*' : ch === '?' ? '[\\s\\S]' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'u').test(value);
}

describe('stringLike', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['abc', 'abcd', false],
    ['abc', 'xabc', false],
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['*', 'anything/at:all', true],
    ['a*', 'a', true],
    ['a*', 'abc/def:ghi', true],
    ['*c', 'abc', true],
    ['*c', 'abcd', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'acb', false],
    ['*a*b', 'ba', false],
    ['**', 'x', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['?', '', false],
    ['??', 'a', false],
    ['A*', 'abc', false],
    ['abc', 'ABC', false],
    ['repo:o/r:ref:refs/heads/*', 'repo:o/r:ref:refs/heads/a/b', true],
    ['repo:o/r:ref:refs/heads/*', 'repo:o/r:ref:refs/tags/a', false],
    ['a.c', 'abc', false],
    ['a+', 'aa', false],
    ['(x)', '(x)', true],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['\\d', '\\d', true],
    ['^a$', '^a$', true],
    ['${x}', '${x}', true],
    ['?', 'é', true],
    ['?', '😀', true],
    ['a\nb', 'a\nb', true],
    ['*', '\n', true],
  ])('stringLike(%j, %j) is %s', (pattern, value, expected) => {
    expect(stringLike(pattern, value)).toBe(expected);
  });

  // No clock comparison (it failed on loaded machines): a backtracking matcher would never finish on this
  // input, so a regression shows as a run that does not end; the linear matcher answers in milliseconds.
  it('decides pathological patterns without exponential backtracking', () => {
    expect(stringLike(`${'*a'.repeat(30)}b`, 'a'.repeat(5000))).toBe(false);
    expect(stringLike(`${'*a'.repeat(30)}`, 'a'.repeat(5000))).toBe(true);
  });

  it('is plain equality for patterns without wildcards', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'A', ':', '/', '.'), maxLength: 6 });
    fc.assert(
      fc.property(text, text, (p, v) => stringLike(p, v) === (p === v)),
      RUNS,
    );
  });

  it('matches a value with any substring replaced by "*"', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.nat(), fc.nat(), (v, a, b) => {
        const chars = [...v];
        const i = Math.min(a, b) % (chars.length + 1);
        const j = i + (Math.max(a, b) % (chars.length - i + 1));
        const pattern = [...chars.slice(0, i), '*', ...chars.slice(j)].join('');
        return stringLike(pattern, v);
      }),
      RUNS,
    );
  });

  it('matches a value with every character replaced by "?" exactly when the lengths agree', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (v, w) => {
        const pattern = '?'.repeat([...v].length);
        return stringLike(pattern, w) === ([...w].length === [...v].length);
      }),
      RUNS,
    );
  });

  it('never matches a value whose case differs from a literal pattern', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,10}$/), (v) => !stringLike(v.toUpperCase(), v)),
      RUNS,
    );
  });

  it('agrees with a regular-expression reference implementation', () => {
    const unit = fc.constantFrom('a', 'b', ':', '/', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', ':', '/'), maxLength: 8 }), (p, v) =>
        stringLike(p, v) === referenceLike(p, v),
      ),
      { numRuns: 500 },
    );
  });
});

describe('evaluateTrustPolicy', () => {
  const sub = `${P}:sub`;
  const aud = `${P}:aud`;

  describe('condition operators', () => {
    it.each<[string, Record<string, Record<string, unknown>>, Partial<Record<string, unknown>>, boolean]>([
      // StringEquals: exact, case-sensitive, values ORed, keys and operators ANDed.
      ['StringEquals matches the exact value', { StringEquals: { [sub]: SUB } }, {}, true],
      ['StringEquals is case-sensitive', { StringEquals: { [sub]: SUB.toUpperCase() } }, {}, false],
      ['StringEquals ORs the values of one key', { StringEquals: { [sub]: ['repo:x/y:pull_request', SUB] } }, {}, true],
      ['StringEquals fails on an absent key', { StringEquals: { [sub]: SUB } }, { sub: null }, false],
      ['StringEquals ANDs its keys', { StringEquals: { [sub]: SUB, [aud]: 'other' } }, {}, false],
      ['StringEquals treats "*" literally', { StringEquals: { [sub]: 'repo:octo-org/octo-repo:*' } }, {}, false],
      ['operators of one statement are ANDed', { StringEquals: { [aud]: AUD }, StringLike: { [sub]: 'repo:other/*' } }, {}, false],
      ['a boolean condition value compares as text', { StringEquals: { [`${P}:ephemeral`]: true } }, { ephemeral: 'true' }, true],
      // StringNotEquals: none of the values may match; true on an absent key.
      ['StringNotEquals holds for another value', { StringNotEquals: { [sub]: 'repo:x/y:pull_request' } }, {}, true],
      ['StringNotEquals fails on a listed value', { StringNotEquals: { [sub]: ['repo:x/y:pull_request', SUB] } }, {}, false],
      ['StringNotEquals holds on an absent key', { StringNotEquals: { [sub]: SUB } }, { sub: null }, true],
      ['StringNotEquals is case-sensitive', { StringNotEquals: { [sub]: SUB.toUpperCase() } }, {}, true],
      // IgnoreCase variants.
      ['StringEqualsIgnoreCase ignores case', { StringEqualsIgnoreCase: { [sub]: SUB.toUpperCase() } }, {}, true],
      ['StringEqualsIgnoreCase still compares the whole value', { StringEqualsIgnoreCase: { [sub]: `${SUB}x` } }, {}, false],
      ['StringEqualsIgnoreCase fails on an absent key', { StringEqualsIgnoreCase: { [sub]: SUB } }, { sub: null }, false],
      ['StringNotEqualsIgnoreCase fails on a case variant', { StringNotEqualsIgnoreCase: { [sub]: SUB.toUpperCase() } }, {}, false],
      ['StringNotEqualsIgnoreCase holds on an absent key', { StringNotEqualsIgnoreCase: { [sub]: SUB } }, { sub: null }, true],
      // StringLike / StringNotLike.
      ['StringLike matches a pattern', { StringLike: { [sub]: 'repo:octo-org/octo-repo:*' } }, {}, true],
      ['StringLike fails on a non-matching pattern', { StringLike: { [sub]: 'repo:octo-org/other:*' } }, {}, false],
      ['StringLike is case-sensitive', { StringLike: { [sub]: 'repo:OCTO-ORG/octo-repo:*' } }, {}, false],
      ['StringLike fails on an absent key', { StringLike: { [sub]: '*' } }, { sub: null }, false],
      ['StringNotLike fails on a matching pattern', { StringNotLike: { [sub]: 'repo:octo-org/*' } }, {}, false],
      ['StringNotLike holds on a non-matching pattern', { StringNotLike: { [sub]: 'repo:evil/*' } }, {}, true],
      ['StringNotLike holds on an absent key', { StringNotLike: { [sub]: '*' } }, { sub: null }, true],
      // Null.
      ['Null "true" holds on an absent key', { Null: { [sub]: 'true' } }, { sub: null }, true],
      ['Null "true" fails on a present key', { Null: { [sub]: 'true' } }, {}, false],
      ['Null false (boolean) holds on a present key', { Null: { [sub]: false } }, {}, true],
      ['Null false fails on an absent key', { Null: { [sub]: 'false' } }, { sub: null }, false],
      // IfExists.
      ['StringEqualsIfExists holds on an absent key', { StringEqualsIfExists: { [sub]: SUB } }, { sub: null }, true],
      ['StringEqualsIfExists checks a present key', { StringEqualsIfExists: { [sub]: 'repo:x/y:pull_request' } }, {}, false],
      ['StringLikeIfExists holds on an absent key', { StringLikeIfExists: { [sub]: 'repo:x/*' } }, { sub: null }, true],
      ['StringNotLikeIfExists checks a present key', { StringNotLikeIfExists: { [sub]: 'repo:octo-org/*' } }, {}, false],
      // Set operators.
      ['ForAllValues holds on an absent key', { 'ForAllValues:StringEquals': { [sub]: SUB } }, { sub: null }, true],
      ['ForAllValues holds when every value is listed', { 'ForAllValues:StringEquals': { [`${P}:amr`]: ['a', 'b', 'c'] } }, { amr: ['a', 'b'] }, true],
      ['ForAllValues fails when one value is not listed', { 'ForAllValues:StringEquals': { [`${P}:amr`]: ['a'] } }, { amr: ['a', 'b'] }, false],
      ['ForAnyValue fails on an absent key', { 'ForAnyValue:StringEquals': { [sub]: SUB } }, { sub: null }, false],
      ['ForAnyValue holds when one value is listed', { 'ForAnyValue:StringEquals': { [`${P}:amr`]: 'b' } }, { amr: ['a', 'b'] }, true],
      ['ForAnyValue fails when no value is listed', { 'ForAnyValue:StringLike': { [`${P}:amr`]: 'z*' } }, { amr: ['a', 'b'] }, false],
      ['ForAnyValue with IfExists holds on an absent key', { 'ForAnyValue:StringEqualsIfExists': { [`${P}:amr`]: 'b' } }, {}, true],
      ['ForAllValues with a negated operator checks every value', { 'ForAllValues:StringNotEquals': { [`${P}:amr`]: 'b' } }, { amr: ['a', 'b'] }, false],
      // Key names are case-insensitive, values are not.
      ['condition key names are case-insensitive', { StringEquals: { [sub.toUpperCase()]: SUB } }, {}, true],
      ['the claim name part of a key is case-insensitive', { StringEquals: { [`${P}:Job_Workflow_Ref`]: 'w@refs/heads/main' } }, { job_workflow_ref: 'w@refs/heads/main' }, true],
      // github.com's issuer: aud, sub and the GitHub keys AWS documents; GitHub's other claims are no keys.
      ['a claim GitHub does not mint is a key (undocumented, so the permissive reading)', { StringEquals: { [`${P}:custom_claim`]: 'x' } }, { custom_claim: 'x' }, true],
      ['repository_owner is not a key STS sets', { StringEquals: { [`${P}:repository_owner`]: 'octo-org' } }, { repository_owner: 'octo-org' }, false],
      ['event_name is not a key STS sets', { StringEquals: { [`${P}:event_name`]: 'push' } }, { event_name: 'push' }, false],
      ['a repo_property_ claim is not a key STS sets', { StringEquals: { [`${P}:repo_property_tier`]: 'gold' } }, { repo_property_tier: 'gold' }, false],
      ['an unavailable claim is absent for a negated operator too', { StringNotEquals: { [`${P}:repository_owner`]: 'octo-org' } }, { repository_owner: 'octo-org' }, true],
      ['a numeric claim is not a condition key', { StringEquals: { [`${P}:run_number`]: '5' } }, { run_number: 5 }, false],
      ['a numeric GitHub id reads as its digits', { StringEquals: { [`${P}:repository_id`]: '456789' } }, { repository_id: 456789 }, true],
      ['a GitHub id as a boolean is no value', { StringEquals: { [`${P}:repository_id`]: 'true' } }, { repository_id: true }, false],
      ['a negative number is no GitHub id', { StringEquals: { [`${P}:repository_id`]: '-1' } }, { repository_id: -1 }, false],
      ['amr is a multi-valued key', { StringEquals: { [`${P}:amr`]: 'b' } }, { amr: ['a', 'b'] }, true],
      ['a key of another provider is absent', { StringEquals: { 'accounts.google.com:sub': SUB } }, {}, false],
      // Unknown operators.
      ['an unknown operator is false', { StringMatches: { [sub]: SUB } }, {}, false],
      ['Null takes no IfExists', { NullIfExists: { [sub]: 'false' } }, {}, false],
    ])('%s', (_name, condition, overrides, allowed) => {
      expect(evaluateTrustPolicy(withCondition(condition), claims(overrides)).allowed).toBe(allowed);
    });

    it('allows a token without sub under ForAllValues, which is why buildTrustPolicy never emits set operators', () => {
      // Written the way people write it by mistake: the Allow holds for every token from the provider that
      // has no sub, or when the key is misspelled.
      const permissive = withCondition({ StringEquals: { [aud]: AUD }, 'ForAllValues:StringEquals': { [sub]: SUB } });
      expect(evaluateTrustPolicy(permissive, claims({ sub: null })).allowed).toBe(true);
      const misspelled = withCondition({ StringEquals: { [aud]: AUD }, 'ForAllValues:StringEquals': { [`${P}:subject`]: SUB } });
      expect(evaluateTrustPolicy(misspelled, claims({ sub: 'repo:evil/x:ref:refs/heads/main' })).allowed).toBe(true);

      const generated = buildTrustPolicy({ providerArn: ARN, conditionKeyPrefix: P, subjects: [SUB] });
      expect(JSON.stringify(generated)).not.toMatch(/ForAllValues|ForAnyValue|IfExists|IgnoreCase/);
      expect(evaluateTrustPolicy(generated, claims({ sub: null })).allowed).toBe(false);
    });

    it('explains a failed StringEquals with the key, the value and the accepted values', () => {
      const generated = buildTrustPolicy({ providerArn: ARN, conditionKeyPrefix: P, subjects: [SUB] });
      expect(evaluateTrustPolicy(generated, claims({ sub: 'repo:x/y:ref:refs/heads/dev' }))).toEqual({
        allowed: false,
        decision: 'implicit-deny',
        matchedStatements: [],
        reasons: ['statement GithubActionsExact: sub repo:x/y:ref:refs/heads/dev is not repo:octo-org/octo-repo:ref:refs/heads/main'],
        failures: [
          {
            statement: 'GithubActionsExact',
            operator: 'StringEquals',
            key: sub,
            claim: 'sub',
            expected: [SUB],
            actual: ['repo:x/y:ref:refs/heads/dev'],
            text: 'sub repo:x/y:ref:refs/heads/dev is not repo:octo-org/octo-repo:ref:refs/heads/main',
          },
        ],
      });
    });

    it.each<[string, Record<string, Record<string, unknown>>, Partial<Record<string, unknown>>, string]>([
      ['an absent key', { StringEquals: { [sub]: SUB } }, { sub: null }, 'statement Test: sub is absent from the token'],
      ['an absent key under StringLike', { StringLike: { [sub]: 'repo:x/*' } }, { sub: null }, 'statement Test: sub is absent from the token, so StringLike cannot match'],
      ['a failed StringLike', { StringLike: { [sub]: 'repo:x/*' } }, {}, `statement Test: sub ${SUB} does not match repo:x/* (StringLike)`],
      ['a failed StringLike of several values', { StringLike: { [sub]: ['repo:x/*', 'repo:y/*'] } }, {}, `statement Test: sub ${SUB} matches none of repo:x/*, repo:y/* (StringLike)`],
      ['an excluded value', { StringNotLike: { [sub]: ['repo:evil/*', 'repo:octo-org/*'] } }, {}, `statement Test: sub ${SUB} matches excluded pattern repo:octo-org/* (StringNotLike)`],
      ['a Null check', { Null: { [sub]: 'true' } }, {}, 'statement Test: sub is present in the token, but Null "true" requires it absent'],
      ['an unknown operator', { StringMatches: { [sub]: SUB } }, {}, 'statement Test: unknown condition operator "StringMatches", so its condition is false'],
      ['a ForAllValues value of a key that is no GitHub claim, by its full key', { 'ForAllValues:StringEquals': { [`${P}:amr`]: 'a' } }, { amr: ['a', 'b'] }, `statement Test: ${P}:amr "b" is not "a" (ForAllValues:StringEquals)`],
      ['a GitHub claim value with a space, quoted', { StringEquals: { [`${P}:workflow`]: 'Deploy' } }, { workflow: 'Deploy prod' }, 'statement Test: workflow "Deploy prod" is not Deploy'],
      ['a key of another issuer, by its full key', { StringEquals: { [`${P}/octocat-inc:sub`]: SUB } }, {}, `statement Test: ${P}/octocat-inc:sub is absent from the token, so StringEquals cannot match`],
      ['a claim STS does not expose', { StringEquals: { [`${P}:repository_owner`]: 'octo-org' } }, { repository_owner: 'octo-org' }, `statement Test: ${P}:repository_owner is not a condition key: STS sets no repository_owner key for GitHub's tokens, although the token has the claim, so StringEquals cannot match`],
      ['a GitHub id of the wrong type', { StringEquals: { [`${P}:repository_id`]: '456789' } }, { repository_id: true }, `statement Test: repository_id is the boolean true in the token, not text, so STS has no value for ${P}:repository_id`],
    ])('explains %s', (_name, condition, overrides, reason) => {
      expect(evaluateTrustPolicy(withCondition(condition), claims(overrides)).reasons).toEqual([reason]);
    });

    it('lists every failed check of a statement', () => {
      const evaluation = evaluateTrustPolicy(
        withCondition({ StringEquals: { [aud]: 'other', [sub]: 'repo:x/y:pull_request' } }),
        claims(),
      );
      expect(evaluation.reasons).toHaveLength(2);
    });

    it('is the complement of the negated operator when the key is present', () => {
      const pairs = [
        ['StringEquals', 'StringNotEquals'],
        ['StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'],
        ['StringLike', 'StringNotLike'],
      ] as const;
      const value = fc.string({ unit: fc.constantFrom('a', 'B', ':', '*', '?'), maxLength: 5 });
      fc.assert(
        fc.property(fc.constantFrom(...pairs), fc.array(value, { minLength: 1, maxLength: 3 }), value, ([positive, negated], values, actual) => {
          const c = claims({ sub: actual });
          return (
            evaluateTrustPolicy(withCondition({ [positive]: { [sub]: values } }), c).allowed !==
            evaluateTrustPolicy(withCondition({ [negated]: { [sub]: values } }), c).allowed
          );
        }),
        RUNS,
      );
    });

    it('agrees with the plain operator under IfExists when the key is present', () => {
      const operators = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIgnoreCase'] as const;
      const value = fc.string({ unit: fc.constantFrom('a', 'B', ':', '*'), maxLength: 5 });
      fc.assert(
        fc.property(fc.constantFrom(...operators), fc.array(value, { minLength: 1, maxLength: 3 }), value, (op, values, actual) => {
          const c = claims({ sub: actual });
          return (
            evaluateTrustPolicy(withCondition({ [op]: { [sub]: values } }), c).allowed ===
            evaluateTrustPolicy(withCondition({ [`${op}IfExists`]: { [sub]: values } }), c).allowed
          );
        }),
        RUNS,
      );
    });

    it('ignores the case of condition key names whatever the case', () => {
      fc.assert(
        fc.property(fc.array(fc.boolean(), { minLength: sub.length, maxLength: sub.length }), (flips) => {
          const key = [...sub].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch)).join('');
          return evaluateTrustPolicy(withCondition({ StringEquals: { [key]: SUB } }), claims()).allowed;
        }),
        RUNS,
      );
    });
  });

  describe('policy variables', () => {
    it.each<[string, string, string, Partial<Record<string, unknown>>, boolean]>([
      ['substitutes a claim', 'StringEquals', `repo:\${${P}:repository}:ref:refs/heads/main`, { repository: 'octo-org/octo-repo' }, true],
      ['finds the variable key ignoring case', 'StringEquals', `repo:\${${P.toUpperCase()}:Repository}:ref:refs/heads/main`, { repository: 'octo-org/octo-repo' }, true],
      ['matches nothing when the variable has no value', 'StringEquals', `repo:\${${P}:repository}:ref:refs/heads/main`, {}, false],
      ['uses the default of an absent variable', 'StringEquals', `repo:\${${P}:repository, 'octo-org/octo-repo'}:ref:refs/heads/main`, {}, true],
      ['treats substituted text literally in StringLike', 'StringLike', `repo:\${${P}:repository}:ref:refs/heads/main`, { repository: '*' }, false],
      ['reads ${*} as a literal star', 'StringLike', 'repo:octo-org/octo-repo:ref:refs/heads/${*}', {}, false],
      ['reads ${?} as a literal question mark', 'StringEquals', 'repo:octo-org/octo-repo:ref:refs/heads/main${?}', { sub: `${SUB}?` }, true],
      ['reads ${$} as a literal dollar', 'StringEquals', 'repo:octo-org/octo-repo:ref:refs/heads/${$}{x}', { sub: 'repo:octo-org/octo-repo:ref:refs/heads/${x}' }, true],
    ])('%s', (_name, operator, value, overrides, allowed) => {
      expect(evaluateTrustPolicy(withCondition({ [operator]: { [sub]: value } }), claims(overrides)).allowed).toBe(allowed);
    });

    it('leaves variables alone in a policy of version 2008-10-17', () => {
      const literal = 'repo:octo-org/octo-repo:ref:refs/heads/${x}';
      const old = { Version: '2008-10-17', Statement: [statement({ Condition: { StringEquals: { [sub]: literal } } })] };
      expect(evaluateTrustPolicy(JSON.stringify(old), claims({ sub: literal })).allowed).toBe(true);
      expect(evaluateTrustPolicy(withCondition({ StringEquals: { [sub]: literal } }), claims({ sub: literal })).allowed).toBe(false);
    });

    it('says which variable had no value', () => {
      const evaluation = evaluateTrustPolicy(withCondition({ StringEquals: { [sub]: 'repo:${nope}' } }), claims());
      expect(evaluation.reasons[0]).toContain('(policy variable ${nope} has no value in the token)');
    });
  });

  describe('principal', () => {
    it.each<[string, PolicyStatement['Principal'], string, boolean]>([
      ['the provider ARN of the issuer', { Federated: ARN }, ISS, true],
      ['a list holding the provider ARN', { Federated: ['arn:aws:iam::123456789012:oidc-provider/example.com', ARN] }, ISS, true],
      ['the provider ARN in another partition', { Federated: `arn:aws-cn:iam::123456789012:oidc-provider/${P}` }, ISS, true],
      ['"*"', '*', ISS, true],
      ['another provider', { Federated: 'arn:aws:iam::123456789012:oidc-provider/example.com' }, ISS, false],
      ['a SAML provider', { Federated: `arn:aws:iam::123456789012:saml-provider/${P}` }, ISS, false],
      ['an AWS principal', { AWS: 'arn:aws:iam::123456789012:root' }, ISS, false],
      ['the global provider for an enterprise token', { Federated: ARN }, `${ISS}/octocat-inc`, false],
      ['the enterprise provider for a global token', { Federated: `${ARN}/octocat-inc` }, ISS, false],
      ['the enterprise provider for its own token', { Federated: `${ARN}/octocat-inc` }, `${ISS}/octocat-inc`, true],
      ['a provider whose host extends the issuer', { Federated: ARN }, `${ISS}.evil.com`, false],
      ['the provider for an issuer with a trailing slash', { Federated: ARN }, `${ISS}/`, false],
      ['the provider for an http issuer', { Federated: ARN }, `http://${P}`, false],
    ])('%s', (_name, principal, iss, allowed) => {
      expect(evaluateTrustPolicy(policy(statement({ Principal: principal })), claims({ iss })).allowed).toBe(allowed);
    });

    it('explains a principal mismatch for the enterprise issuer path', () => {
      const evaluation = evaluateTrustPolicy(policy(statement({ Principal: { Federated: `${ARN}/octocat-inc` } })), claims());
      expect(evaluation.reasons).toEqual([
        `statement Test: principal Federated "${ARN}/octocat-inc" is not the provider of issuer "${ISS}" (arn:<partition>:iam::<account>:oidc-provider/${P})`,
      ]);
    });

    it('does not match an unresolved principal reference and says how to resolve it', () => {
      const reference = '${aws_iam_openid_connect_provider.github.arn}';
      const unresolved = policy(statement({ Principal: { Federated: reference } }));
      expect(evaluateTrustPolicy(unresolved, claims())).toEqual({
        allowed: false,
        decision: 'implicit-deny',
        matchedStatements: [],
        reasons: [`statement Test: principal "${reference}" is an unresolved reference; pass principalArn to evaluate it`],
        failures: [],
      });
      expect(evaluateTrustPolicy(unresolved, claims(), { principalArn: ARN }).allowed).toBe(true);
      expect(evaluateTrustPolicy(unresolved, claims(), { principalArn: `${ARN}/octocat-inc` }).allowed).toBe(false);
    });

    it('applies a statement with NotPrincipal to every principal not listed', () => {
      const other = { Federated: 'arn:aws:iam::123456789012:oidc-provider/example.com' };
      expect(evaluateTrustPolicy(policy(statement({ Principal: undefined, NotPrincipal: other } as never)), claims()).allowed).toBe(true);
      expect(evaluateTrustPolicy(policy(statement({ Principal: undefined, NotPrincipal: { Federated: ARN } } as never)), claims()).allowed).toBe(false);
    });

    it('does not apply a statement without a principal', () => {
      const { Principal: _omitted, ...rest } = statement();
      expect(evaluateTrustPolicy(policy(rest as PolicyStatement), claims()).reasons).toEqual(['statement Test: has no Principal']);
    });
  });

  describe('action', () => {
    it.each<[string, Partial<PolicyStatement>, boolean]>([
      ['the exact action', { Action: 'sts:AssumeRoleWithWebIdentity' }, true],
      ['the action in another case', { Action: 'STS:assumerolewithwebidentity' }, true],
      ['sts:*', { Action: 'sts:*' }, true],
      ['*', { Action: '*' }, true],
      ['sts:AssumeRole*', { Action: 'sts:AssumeRole*' }, true],
      ['a "?" wildcard', { Action: 'sts:AssumeRole?ithWebIdentity' }, true],
      ['a list holding the action', { Action: ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity'] }, true],
      ['sts:AssumeRole only', { Action: 'sts:AssumeRole' }, false],
      ['sts:TagSession only', { Action: ['sts:TagSession'] }, false],
      ['another service', { Action: 's3:*' }, false],
      ['NotAction of another action', { Action: undefined, NotAction: 'sts:TagSession' }, true],
      ['NotAction covering the action', { Action: undefined, NotAction: 'sts:*' }, false],
    ])('%s', (_name, overrides, allowed) => {
      const s = { ...statement(), ...overrides };
      expect(evaluateTrustPolicy(policy(s), claims()).allowed).toBe(allowed);
    });

    it('explains an action mismatch', () => {
      expect(evaluateTrustPolicy(policy(statement({ Action: 'sts:AssumeRole' })), claims()).reasons).toEqual([
        'statement Test: action sts:AssumeRoleWithWebIdentity is not in Action "sts:AssumeRole"',
      ]);
    });
  });

  describe('decision', () => {
    const allowAll = statement({ Sid: 'AllowRepo', Condition: { StringLike: { [sub]: 'repo:octo-org/octo-repo:*' } } });
    const denyMallory = statement({ Sid: 'DenyMallory', Effect: 'Deny', Condition: { StringEquals: { [`${P}:actor`]: 'mallory' } } });

    it('lets a matching explicit Deny win over a matching Allow', () => {
      expect(evaluateTrustPolicy(policy(allowAll, denyMallory), claims({ actor: 'mallory' }))).toEqual({
        allowed: false,
        decision: 'explicit-deny',
        matchedStatements: ['DenyMallory'],
        reasons: ['statement DenyMallory: an explicit Deny matches the token, and a Deny always wins'],
        failures: [],
      });
    });

    it('allows when the Deny does not match', () => {
      expect(evaluateTrustPolicy(policy(allowAll, denyMallory), claims({ actor: 'octocat' }))).toEqual({
        allowed: true,
        decision: 'allow',
        matchedStatements: ['AllowRepo'],
        reasons: [],
        failures: [],
      });
    });

    it('lists every matching Allow statement, naming those without Sid by position', () => {
      const { Sid: _sid, ...anonymous } = statement();
      const evaluation = evaluateTrustPolicy(policy(allowAll, anonymous as PolicyStatement), claims());
      expect(evaluation.matchedStatements).toEqual(['AllowRepo', '#2']);
    });

    it('denies implicitly when no statement allows', () => {
      const evaluation = evaluateTrustPolicy(policy(denyMallory), claims());
      expect(evaluation.decision).toBe('implicit-deny');
      expect(evaluation.reasons).toEqual(['no Allow statement grants sts:AssumeRoleWithWebIdentity']);
    });

    it('lets an explicit Deny win whatever the Allow statements say', () => {
      fc.assert(
        fc.property(fc.boolean(), fc.boolean(), fc.constantFrom('mallory', 'octocat'), (denyFirst, allowMatches, actor) => {
          const allow = statement({ Condition: { StringEquals: { [sub]: allowMatches ? SUB : 'repo:x/y:pull_request' } } });
          const statements = denyFirst ? [denyMallory, allow] : [allow, denyMallory];
          const evaluation = evaluateTrustPolicy(policy(...statements), claims({ actor }));
          const expected = actor === 'mallory' ? 'explicit-deny' : allowMatches ? 'allow' : 'implicit-deny';
          return evaluation.decision === expected && evaluation.allowed === (expected === 'allow');
        }),
        RUNS,
      );
    });

    it('notes a Deny it could not evaluate', () => {
      const unresolvedDeny = statement({ Sid: 'DenyOther', Effect: 'Deny', Principal: { Federated: '${tok}' } });
      const evaluation = evaluateTrustPolicy(policy(allowAll, unresolvedDeny), claims());
      expect(evaluation.allowed).toBe(true);
      expect(evaluation.reasons).toEqual([
        'statement DenyOther: principal "${tok}" is an unresolved reference; pass principalArn to evaluate it; this Deny was not applied',
      ]);
    });

    it('ignores a statement with an invalid Effect and says so', () => {
      const evaluation = evaluateTrustPolicy(policy(statement({ Effect: 'Permit' as 'Allow' })), claims());
      expect(evaluation.allowed).toBe(false);
      expect(evaluation.reasons[0]).toBe('statement Test: Effect "Permit" is neither "Allow" nor "Deny", so it is ignored');
    });
  });

  describe('input', () => {
    it('reads the policy from JSON text as stored in assume_role_policy', () => {
      const generated = buildTrustPolicy({ providerArn: ARN, conditionKeyPrefix: P, subjects: [SUB] });
      expect(evaluateTrustPolicy(JSON.stringify(generated), claims())).toEqual(evaluateTrustPolicy(generated, claims()));
      expect(evaluateTrustPolicy(JSON.stringify(generated, null, 2), claims()).allowed).toBe(true);
    });

    it('accepts a single statement object instead of a list', () => {
      expect(evaluateTrustPolicy(JSON.stringify({ Version: '2012-10-17', Statement: statement() }), claims()).allowed).toBe(true);
    });

    it('fails when the policy text is not JSON', () => {
      expect(() => evaluateTrustPolicy('{"Version":', claims())).toThrow(/^trust policy is not valid JSON: /);
    });

    it('fails when the policy has no Statement', () => {
      expect(() => evaluateTrustPolicy('{"Version":"2012-10-17"}', claims())).toThrow(
        'trust policy must have a Statement element holding statement objects',
      );
    });
  });

  describe('audience', () => {
    const generated = buildTrustPolicy({ providerArn: ARN, conditionKeyPrefix: P, subjects: [SUB] });

    it('denies a token without aud before the policy', () => {
      expect(evaluateTrustPolicy(generated, claims({ aud: null }))).toEqual({
        allowed: false,
        decision: 'implicit-deny',
        matchedStatements: [],
        reasons: ['the token has no aud claim, and STS refuses a token without an audience'],
        failures: [],
      });
    });

    it('denies an audience outside the provider client id list even when the policy would allow it', () => {
      const open = withCondition({ StringEquals: { [sub]: SUB } });
      const evaluation = evaluateTrustPolicy(open, claims({ aud: 'api://AzureADTokenExchange' }), { providerAudiences: [AUD] });
      expect(evaluation.allowed).toBe(false);
      expect(evaluation.reasons).toEqual([
        `audience "api://AzureADTokenExchange" is not in the provider's client id list ("${AUD}"), so STS refuses the token before reading the trust policy`,
      ]);
      expect(evaluateTrustPolicy(open, claims({ aud: 'api://AzureADTokenExchange' })).allowed).toBe(true);
    });

    it('passes the provider check when the audience is in the client id list', () => {
      expect(evaluateTrustPolicy(generated, claims(), { providerAudiences: ['sts.amazonaws.com.cn', AUD] }).allowed).toBe(true);
    });

    it('accepts a list aud when one of its values is a client id', () => {
      expect(evaluateTrustPolicy(generated, claims({ aud: ['other', AUD] }), { providerAudiences: [AUD] }).allowed).toBe(true);
    });

    it('denies the China audience on a role built for the global one', () => {
      const evaluation = evaluateTrustPolicy(generated, claims({ aud: 'sts.amazonaws.com.cn' }));
      expect(evaluation.reasons).toEqual([
        `statement GithubActionsExact: aud sts.amazonaws.com.cn is not ${AUD}`,
      ]);
    });
  });

  describe('generated policies', () => {
    it('accepts the enterprise token only at the enterprise provider', () => {
      const issuer = resolveIssuer({ kind: 'enterprise-slug', slug: 'octocat-inc' });
      const generated = buildTrustPolicy({
        providerArn: oidcProviderArn('aws', '123456789012', issuer.url),
        conditionKeyPrefix: issuer.conditionKeyPrefix,
        subjects: [SUB],
      });
      expect(evaluateTrustPolicy(generated, claims({ iss: issuer.url })).allowed).toBe(true);
      const global = evaluateTrustPolicy(generated, claims());
      expect(global.allowed).toBe(false);
      expect(global.reasons).toContain(
        `statement GithubActionsExact: principal Federated "${ARN}/octocat-inc" is not the provider of issuer "${ISS}" (arn:<partition>:iam::<account>:oidc-provider/${P})`,
      );
      expect(global.reasons).toContain(
        `statement GithubActionsExact: ${P}/octocat-inc:aud is absent from the token, so StringEquals cannot match`,
      );
    });
  });
});
