import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildTrustPolicy,
  checkRefName,
  checkSubjectValue,
  longestProviderArn,
  policySize,
  subjectClaims,
  type PolicyDocument,
  type SubjectContext,
  type SubjectSpec,
  type TrustPolicyOptions,
} from '../src/index.js';

const RUNS = { numRuns: 200 };
const P = 'token.actions.githubusercontent.com';
const ARN = `arn:aws:iam::123456789012:oidc-provider/${P}`;
const MAIN = 'repo:octo-org/octo-repo:ref:refs/heads/main';
const PROD = 'repo:octo-org/octo-repo:environment:prod';
const RELEASE = 'repo:octo-org/octo-repo:ref:refs/heads/release/*';
const UNRESOLVED = '${aws_iam_openid_connect_provider.github.arn}';

function build(overrides: Partial<TrustPolicyOptions> = {}): PolicyDocument {
  return buildTrustPolicy({ providerArn: ARN, conditionKeyPrefix: P, subjects: [MAIN], ...overrides });
}

/** `count` distinct branch subjects, each about 60 characters. */
function manySubjects(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `repo:octo-org/octo-repo:ref:refs/heads/feature-${String(i).padStart(4, '0')}`);
}

// Valid subjects, as subjectClaims renders them from random specs.
const owner = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,8}[A-Za-z0-9])?$/).filter((o) => !o.includes('--'));
const repo = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/).filter((r) => r !== '.' && r !== '..');
const segment = fc
  .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,8}$/)
  .filter((s) => !s.includes('..') && !s.endsWith('.') && !s.endsWith('.lock'));
const refName = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')).filter((r) => r !== 'HEAD' && !r.startsWith('refs/'));
const refPattern = fc.oneof(refName.map((r) => `${r}/*`), refName.map((r) => `${r}*`), fc.constant('*'));
const environment = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9 :._-]{0,12}[A-Za-z0-9])?$/);
const context: fc.Arbitrary<SubjectContext> = fc.oneof(
  refName.map((name) => ({ kind: 'branch', name }) as const),
  refName.map((name) => ({ kind: 'tag', name }) as const),
  refPattern.map((name) => ({ kind: 'branch', name, pattern: true }) as const),
  refPattern.map((name) => ({ kind: 'tag', name, pattern: true }) as const),
  environment.map((name) => ({ kind: 'environment', name }) as const),
  fc.constant({ kind: 'pull-request' } as const),
);
const spec: fc.Arbitrary<SubjectSpec> = fc.record({
  repository: fc.record({
    owner,
    name: repo,
    ownerId: fc.integer({ min: 1, max: 2 ** 31 }),
    id: fc.integer({ min: 1, max: 2 ** 31 }),
    subjectFormat: fc.constantFrom('name', 'immutable', 'both' as const),
  }),
  context,
});
const validSubjects = fc
  .array(spec, { minLength: 1, maxLength: 6 })
  .map((specs) => specs.flatMap((s) => subjectClaims(s)));

describe('buildTrustPolicy', () => {
  it('builds one StringEquals statement when no subject is a pattern', () => {
    expect(build({ subjects: [MAIN, PROD] })).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GithubActionsExact',
          Effect: 'Allow',
          Principal: { Federated: ARN },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com', [`${P}:sub`]: [MAIN, PROD].sort() } },
        },
      ],
    });
  });

  it('writes a single subject or audience as a string rather than a list', () => {
    const condition = build().Statement[0]?.Condition;
    expect(condition).toEqual({ StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com', [`${P}:sub`]: MAIN } });
  });

  it('puts pattern values, and only those, in a second statement with StringLike', () => {
    const statements = build({ subjects: [RELEASE, MAIN, PROD] }).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(['GithubActionsExact', 'GithubActionsPatterns']);
    expect(statements[0]?.Condition).toEqual({
      StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com', [`${P}:sub`]: [MAIN, PROD].sort() },
    });
    expect(statements[1]?.Condition).toEqual({
      StringEquals: { [`${P}:aud`]: 'sts.amazonaws.com' },
      StringLike: { [`${P}:sub`]: RELEASE },
    });
  });

  it('builds only the pattern statement when every subject is a pattern', () => {
    expect(build({ subjects: [RELEASE] }).Statement.map((s) => s.Sid)).toEqual(['GithubActionsPatterns']);
  });

  it.each<[string, Partial<TrustPolicyOptions>, string | string[]]>([
    ['the default audience', {}, 'sts.amazonaws.com'],
    ['the China audience', { audiences: ['sts.amazonaws.com.cn'] }, 'sts.amazonaws.com.cn'],
    ['several audiences, sorted and deduplicated', { audiences: ['sts.amazonaws.com.cn', 'sts.amazonaws.com', 'sts.amazonaws.com.cn'] }, ['sts.amazonaws.com', 'sts.amazonaws.com.cn']],
  ])('tests aud in every statement: %s', (_name, overrides, expected) => {
    const statements = build({ subjects: [MAIN, RELEASE], ...overrides }).Statement;
    expect(statements).toHaveLength(2);
    for (const statement of statements) expect(statement.Condition?.['StringEquals']?.[`${P}:aud`]).toEqual(expected);
  });

  it('uses the condition-key prefix of the issuer, path included', () => {
    const prefix = `${P}/octocat-inc`;
    const condition = build({ conditionKeyPrefix: prefix, providerArn: `${ARN}/octocat-inc` }).Statement[0]?.Condition;
    expect(Object.keys(condition?.['StringEquals'] ?? {})).toEqual([`${prefix}:aud`, `${prefix}:sub`]);
  });

  it('produces identical JSON whatever the order or repetition of its input', () => {
    fc.assert(
      fc.property(
        validSubjects.chain((subjects) => fc.tuple(fc.constant(subjects), fc.shuffledSubarray(subjects, { minLength: subjects.length }))),
        ([subjects, shuffled]) => {
          const options = { maxChars: 100_000 };
          const expected = JSON.stringify(build({ subjects, ...options }));
          return (
            JSON.stringify(build({ subjects: shuffled, ...options })) === expected &&
            JSON.stringify(build({ subjects: [...shuffled, ...subjects], ...options })) === expected
          );
        },
      ),
      RUNS,
    );
  });

  it('never emits a set operator, IfExists or IgnoreCase, and keeps patterns out of StringEquals', () => {
    fc.assert(
      fc.property(validSubjects, (subjects) => {
        const document = build({ subjects, maxChars: 100_000 });
        const json = JSON.stringify(document);
        if (/ForAllValues|ForAnyValue|IfExists|IgnoreCase/.test(json)) return false;
        return document.Statement.every((statement) => {
          const operators = Object.keys(statement.Condition ?? {});
          const equals = [statement.Condition?.['StringEquals']?.[`${P}:sub`] ?? []].flat() as string[];
          const like = [statement.Condition?.['StringLike']?.[`${P}:sub`] ?? []].flat() as string[];
          return (
            operators.every((op) => op === 'StringEquals' || op === 'StringLike') &&
            statement.Condition?.['StringEquals']?.[`${P}:aud`] !== undefined &&
            equals.every((s) => !s.includes('*')) &&
            like.every((s) => s.includes('*'))
          );
        });
      }),
      RUNS,
    );
  });

  it.each<[string, Partial<TrustPolicyOptions>, string]>([
    ['no subject is given', { subjects: [] }, 'trust policy: at least one subject is required; a role nobody can assume is a mistake'],
    ['a subject is empty', { subjects: [''] }, 'trust policy: subject "": a subject cannot be empty'],
    ['a subject holds "?"', { subjects: ['repo:octo-org/octo-repo:ref:refs/heads/ma?n'] }, 'trust policy: subject "repo:octo-org/octo-repo:ref:refs/heads/ma?n": "?" is never allowed in a subject'],
    ['a subject is a bare "*"', { subjects: ['*'] }, 'trust policy: subject "*": a subject cannot be only wildcards'],
    ['a subject is only wildcards and colons', { subjects: ['*:*'] }, 'trust policy: subject "*:*": a subject cannot be only wildcards'],
    ['a subject does not start with repo:', { subjects: ['octo-org/octo-repo:ref:refs/heads/main'] }, 'trust policy: subject "octo-org/octo-repo:ref:refs/heads/main": a subject starts with repo:OWNER/REPO'],
    ['the owner is a wildcard', { subjects: ['repo:*/octo-repo:ref:refs/heads/main'] }, 'trust policy: subject "repo:*/octo-repo:ref:refs/heads/main": the owner part of a subject is never empty or a wildcard'],
    ['the owner holds a wildcard', { subjects: ['repo:octo-*/octo-repo:ref:refs/heads/main'] }, 'trust policy: subject "repo:octo-*/octo-repo:ref:refs/heads/main": the owner part of a subject is never empty or a wildcard'],
    ['the owner id is a wildcard', { subjects: ['repo:octo-org@*/octo-repo@456789:ref:refs/heads/main'] }, 'trust policy: subject "repo:octo-org@*/octo-repo@456789:ref:refs/heads/main": the owner part of a subject is never empty or a wildcard'],
    ['the owner id is not digits', { subjects: ['repo:octo-org@12a/octo-repo@456789:ref:refs/heads/main'] }, 'trust policy: subject "repo:octo-org@12a/octo-repo@456789:ref:refs/heads/main": an owner id after "@" is digits only, never a wildcard'],
    ['the repository holds a wildcard', { subjects: ['repo:octo-org/octo-*:ref:refs/heads/main'] }, 'trust policy: subject "repo:octo-org/octo-*:ref:refs/heads/main": the repository part of a subject is never empty or a wildcard'],
    ['the repository id is a wildcard', { subjects: ['repo:octo-org@123456/octo-repo@*:ref:refs/heads/main'] }, 'trust policy: subject "repo:octo-org@123456/octo-repo@*:ref:refs/heads/main": the repository part of a subject is never empty or a wildcard'],
    ['the repository id is empty', { subjects: ['repo:octo-org@123456/octo-repo@:ref:refs/heads/main'] }, 'trust policy: subject "repo:octo-org@123456/octo-repo@:ref:refs/heads/main": a repository id after "@" is digits only, never a wildcard'],
    ['the subject names no run', { subjects: ['repo:octo-org/octo-repo'] }, 'trust policy: subject "repo:octo-org/octo-repo": a subject names what runs: ref, environment or pull_request'],
    ['every run of the repository is let in', { subjects: ['repo:octo-org/octo-repo:*'] }, 'trust policy: subject "repo:octo-org/octo-repo:*": "repo:octo-org/octo-repo:*" lets every run of the repository in; name branches, tags or environments'],
    ['every run is let in through "*:*"', { subjects: ['repo:octo-org/octo-repo:*:*'] }, 'trust policy: subject "repo:octo-org/octo-repo:*:*": "repo:octo-org/octo-repo:*:*" lets every run of the repository in; name branches, tags or environments'],
    ['a subject holds a policy variable', { subjects: ['repo:octo-org/octo-repo:ref:refs/heads/${aws:username}'] }, 'trust policy: subject "repo:octo-org/octo-repo:ref:refs/heads/${aws:username}": "${" is never allowed in a subject: IAM would read it as a policy variable'],
    ['an organization-wide subject is not opted in', { subjects: ['repo:octo-org/*'] }, 'trust policy: subject "repo:octo-org/*": "repo:octo-org/*" lets every repository of octo-org in; set dangerouslyAllowOrganizationWide to opt in'],
    ['the audience list is empty', { audiences: [] }, 'trust policy: at least one audience is required'],
    ['an audience is empty', { audiences: [''] }, 'trust policy: audience "": an audience has 1 to 255 characters'],
    ['an audience is a pattern', { audiences: ['sts.*'] }, 'trust policy: audience "sts.*": an audience is an exact value without wildcards'],
    ['the label names the role', { label: 'role deploy', subjects: [] }, 'role deploy: at least one subject is required; a role nobody can assume is a mistake'],
  ])('fails when %s', (_name, overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
    expect(message).toMatch(/^[a-z]/);
    expect(message).not.toMatch(/\.$/);
  });

  it('accepts an organization-wide subject with dangerouslyAllowOrganizationWide, as a pattern', () => {
    const document = build({ subjects: ['repo:octo-org/*'], dangerouslyAllowOrganizationWide: true });
    expect(document.Statement).toHaveLength(1);
    expect(document.Statement[0]?.Condition?.['StringLike']).toEqual({ [`${P}:sub`]: 'repo:octo-org/*' });
  });

  it('fails when the policy is over 2048 characters, saying how to fix it', () => {
    const subjects = manySubjects(40);
    expect(() => build({ subjects })).toThrow(
      /^trust policy: the trust policy has \d+ characters \(40 subjects\), over the limit of 2048; split these subjects across several roles, or raise the account quota for role trust policy length \(up to 8192\) and set trustPolicyMaxChars to match$/,
    );
  });

  it('accepts the same subjects with maxChars 8192', () => {
    expect(build({ subjects: manySubjects(40), maxChars: 8192 }).Statement).toHaveLength(1);
  });

  it('counts the size without whitespace, up to the limit exactly', () => {
    const subjects = manySubjects(20);
    const size = policySize(JSON.stringify(build({ subjects, maxChars: 100_000 }), null, 2));
    expect(() => build({ subjects, maxChars: size })).not.toThrow();
    expect(() => build({ subjects, maxChars: size - 1 })).toThrow(`has ${size} characters`);
  });

  it('sizes an unresolved provider reference as the longest ARN the provider could have', () => {
    const subjects = manySubjects(20);
    const withLongest = policySize(JSON.stringify(build({ subjects, providerArn: longestProviderArn(P), maxChars: 100_000 })));
    const unresolved = { subjects, providerArn: UNRESOLVED };
    expect(() => build({ ...unresolved, maxChars: withLongest })).not.toThrow();
    expect(() => build({ ...unresolved, maxChars: withLongest - 1 })).toThrow(`has ${withLongest} characters`);
    // Counting the reference text itself would have under-estimated the size.
    expect(policySize(JSON.stringify(build({ ...unresolved, maxChars: withLongest })))).toBeLessThan(withLongest);
  });

  it('sizes an unresolved provider reference with providerArnForSizing when given', () => {
    const subjects = manySubjects(20);
    const size = policySize(JSON.stringify(build({ subjects, maxChars: 100_000 })));
    expect(() => build({ subjects, providerArn: UNRESOLVED, providerArnForSizing: ARN, maxChars: size })).not.toThrow();
    expect(() => build({ subjects, providerArn: UNRESOLVED, providerArnForSizing: ARN, maxChars: size - 1 })).toThrow();
  });
});

describe('checkSubjectValue', () => {
  it.each([
    MAIN,
    PROD,
    RELEASE,
    'repo:octo-org/octo-repo:pull_request',
    'repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main',
    'repo:octo-org/octo-repo:environment:prod%3Av1',
    'repo:octo-org/octo-repo:ref:*',
    'repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/deploy.yml@*',
    'repo:octo-org/octo-repo:ref:refs/heads/cost-$5',
  ])('accepts %s', (value) => {
    expect(checkSubjectValue(value)).toBeUndefined();
  });

  it.each([
    ['repo:octo-org/*', 'lets every repository of octo-org in'],
    ['repo:octo-org/octo-repo:**', 'lets every run of the repository in'],
    ['repo:octo-org/octo-repo:*:*:*', 'lets every run of the repository in'],
    ['repo:/octo-repo:pull_request', 'the owner part of a subject is never empty or a wildcard'],
    ['repo:octo-org/:pull_request', 'the repository part of a subject is never empty or a wildcard'],
    ['repo:octo-org@/octo-repo@1:pull_request', 'an owner id after "@" is digits only, never a wildcard'],
    ['***', 'a subject cannot be only wildcards'],
    ['repo:octo-org/octo-repo:environment:${x}', '"${" is never allowed in a subject'],
  ])('fails when the subject is %s', (value, rule) => {
    expect(checkSubjectValue(value)).toContain(rule);
  });

  it('accepts the organization-wide form only with the opt-in', () => {
    expect(checkSubjectValue('repo:octo-org/*')).toContain('dangerouslyAllowOrganizationWide');
    expect(checkSubjectValue('repo:octo-org/*', { allowOrganizationWide: true })).toBeUndefined();
  });

  it('accepts every subject that subjectClaims renders', () => {
    fc.assert(
      fc.property(validSubjects, (subjects) => subjects.every((s) => checkSubjectValue(s) === undefined)),
      RUNS,
    );
  });

  it('has generators that only produce valid ref names', () => {
    fc.assert(fc.property(refName, (name) => checkRefName(name, false) === undefined), RUNS);
  });
});

describe('grants: claims beside sub', () => {
  const opts = { providerArn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com', conditionKeyPrefix: 'token.actions.githubusercontent.com', subjects: [] };
  const ownerWide = { subjects: ['repo:octo-org/*'] };
  const workflow = 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/main';

  it.each([
    ['an owner-wide sub alone', [ownerWide], /lets every repository of octo-org in/],
    ['an owner-wide sub with the owner id only', [{ ...ownerWide, claims: { repository_owner_id: ['1'] } }], /lets every repository of octo-org in/],
    ['an owner-wide sub with the workflow only', [{ ...ownerWide, claims: { job_workflow_ref: [workflow] } }], /lets every repository of octo-org in/],
    ['an owner-wide sub with two owner ids', [{ ...ownerWide, claims: { repository_owner_id: ['1', '2'], job_workflow_ref: [workflow] } }], /lets every repository of octo-org in/],
    ['a claim STS does not expose', [{ subjects: ['repo:o/r:ref:refs/heads/main'], claims: { event_name: ['push'] } as never }], /not a GitHub claim AWS STS exposes/],
    ['an id that is no number', [{ subjects: ['repo:o/r:ref:refs/heads/main'], claims: { repository_id: ['12a'] } }], /positive whole number/],
    ['a pattern on an id', [{ subjects: ['repo:o/r:ref:refs/heads/main'], claims: { repository_id: ['1*'] } }], /positive whole number/],
    ['a workflow pattern beyond "@*"', [{ subjects: ['repo:o/r:ref:refs/heads/main'], claims: { job_workflow_ref: ['octo-org/*'] } }], /"@\*" as its whole ref/],
    ['a ref of only wildcards', [{ subjects: ['repo:o/r:environment:prod'], claims: { ref: ['refs/heads/*'] } }], /matches every run/],
    ['a ref outside heads and tags', [{ subjects: ['repo:o/r:environment:prod'], claims: { ref: ['main*'] } }], /starts with refs\/heads\/ or refs\/tags\//],
    ['a policy variable in a claim', [{ subjects: ['repo:o/r:environment:prod'], claims: { ref: ['refs/heads/${aws:username}'] } }], /policy variable/],
    ['a claim without values', [{ subjects: ['repo:o/r:environment:prod'], claims: { ref: [] } }], /at least one value/],
  ])('refuses %s', (_label, grants, rule) => {
    expect(() => buildTrustPolicy({ ...opts, grants })).toThrow(rule);
  });

  it('accepts an owner-wide sub only with the owner id and the workflow in the same statement', () => {
    const doc = buildTrustPolicy({ ...opts, grants: [{ ...ownerWide, claims: { repository_owner_id: ['1'], job_workflow_ref: [workflow] } }] });
    expect(doc.Statement).toEqual([
      expect.objectContaining({
        Sid: 'Owner1WorkflowPatterns',
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:job_workflow_ref': workflow, 'token.actions.githubusercontent.com:repository_owner_id': '1' },
          StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' },
        },
      }),
    ]);
  });

  it('gives each set of claims its own statements, with unique names, whatever the order of the grants', () => {
    const a = { subjects: ['repo:o/a:ref:refs/heads/main'], claims: { repository_id: ['1'], repository_owner_id: ['9'] } };
    const b = { subjects: ['repo:o/b:ref:refs/heads/main', 'repo:o/b:ref:refs/heads/rel*'], claims: { repository_id: ['2'], repository_owner_id: ['9'] } };
    const c = { subjects: ['repo:o/c:ref:refs/heads/main'] };
    const doc = buildTrustPolicy({ ...opts, grants: [a, b, c] });
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['Repo1Exact', 'Repo2Exact', 'Repo2Patterns', 'GithubActionsExact']);
    expect(buildTrustPolicy({ ...opts, grants: [c, b, a] })).toEqual(doc);
    // No statement lets a's sub in with b's ids.
    const statementsWithA = doc.Statement.filter((s) => JSON.stringify(s).includes('repo:o/a:'));
    expect(statementsWithA.map((s) => s.Condition?.['StringEquals']?.['token.actions.githubusercontent.com:repository_id'])).toEqual(['1']);
  });

  it('matches ref patterns with StringLike, exact refs with StringEquals', () => {
    const doc = buildTrustPolicy({ ...opts, grants: [{ subjects: ['repo:o/r:environment:prod'], claims: { ref: ['refs/heads/main', 'refs/heads/release/*'] } }] });
    expect(doc.Statement[0]?.Condition).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:o/r:environment:prod' },
      StringLike: { 'token.actions.githubusercontent.com:ref': ['refs/heads/main', 'refs/heads/release/*'] },
    });
  });
});
