import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildTrustPolicy,
  evaluateTrustPolicy,
  oidcProviderArn,
  resolveIssuer,
  subjectClaims,
  type RepositoryIdentity,
  type SubjectContext,
  type SubjectSpec,
} from '../src/index.js';

const RUNS = { numRuns: 200 };
const REPO = 'repo:octo-org/octo-repo';
const IMMUTABLE = 'repo:octo-org@123456/octo-repo@456789';
const WORKFLOW = 'octo-org/octo-automation/.github/workflows/deploy.yml';
const SHA = '0123456789abcdef0123456789abcdef01234567';

const byName: RepositoryIdentity = { owner: 'octo-org', name: 'octo-repo' };
const withIds: RepositoryIdentity = { ...byName, ownerId: 123456, id: 456789 };

function spec(context: SubjectContext, repository: RepositoryIdentity = byName, workflow?: string): SubjectSpec {
  return workflow === undefined ? { repository, context } : { repository, context, workflow };
}

const main: SubjectContext = { kind: 'branch', name: 'main' };

describe('subjectClaims', () => {
  it.each<[string, SubjectSpec, string[]]>([
    ['a branch', spec(main), [`${REPO}:ref:refs/heads/main`]],
    ['a branch with slashes', spec({ kind: 'branch', name: 'release/2026-10' }), [`${REPO}:ref:refs/heads/release/2026-10`]],
    ['a tag', spec({ kind: 'tag', name: 'v1.2.3' }), [`${REPO}:ref:refs/tags/v1.2.3`]],
    ['an environment', spec({ kind: 'environment', name: 'Production' }), [`${REPO}:environment:Production`]],
    ['an environment with a colon, encoded', spec({ kind: 'environment', name: 'prod:v1' }), [`${REPO}:environment:prod%3Av1`]],
    ['an environment with several colons', spec({ kind: 'environment', name: 'a:b:c' }), [`${REPO}:environment:a%3Ab%3Ac`]],
    ['an environment with a space', spec({ kind: 'environment', name: 'QA env' }), [`${REPO}:environment:QA env`]],
    ['pull requests', spec({ kind: 'pull-request' }), [`${REPO}:pull_request`]],
    ['a branch pattern', spec({ kind: 'branch', name: 'release/*', pattern: true }), [`${REPO}:ref:refs/heads/release/*`]],
    ['a tag pattern', spec({ kind: 'tag', name: 'v*', pattern: true }), [`${REPO}:ref:refs/tags/v*`]],
    ['a pattern flag on an exact name', spec({ kind: 'branch', name: 'main', pattern: true }), [`${REPO}:ref:refs/heads/main`]],
    ['a reusable workflow at a branch', spec({ kind: 'environment', name: 'prod' }, byName, `${WORKFLOW}@refs/heads/main`), [`${REPO}:environment:prod:job_workflow_ref:${WORKFLOW}@refs/heads/main`]],
    ['a reusable workflow at a tag', spec(main, byName, `${WORKFLOW}@refs/tags/v1`), [`${REPO}:ref:refs/heads/main:job_workflow_ref:${WORKFLOW}@refs/tags/v1`]],
    ['a reusable workflow at a commit', spec({ kind: 'pull-request' }, byName, `${WORKFLOW}@${SHA}`), [`${REPO}:pull_request:job_workflow_ref:${WORKFLOW}@${SHA}`]],
    ['both formats by default when both ids are known (pinned beside sub)', spec(main, withIds), [`${REPO}:ref:refs/heads/main`, `${IMMUTABLE}:ref:refs/heads/main`]],
    ['the immutable format by default when both ids are known but not pinned', spec(main, { ...withIds, pinIds: false }), [`${IMMUTABLE}:ref:refs/heads/main`]],
    ['the name format by default when an id is missing', spec(main, { ...byName, ownerId: 123456 }), [`${REPO}:ref:refs/heads/main`]],
    ['the name format when asked, ids known', spec(main, { ...withIds, subjectFormat: 'name' }), [`${REPO}:ref:refs/heads/main`]],
    ['the immutable format when asked', spec({ kind: 'environment', name: 'prod' }, { ...withIds, subjectFormat: 'immutable' }), [`${IMMUTABLE}:environment:prod`]],
    ['both formats, name first', spec(main, { ...withIds, subjectFormat: 'both' }), [`${REPO}:ref:refs/heads/main`, `${IMMUTABLE}:ref:refs/heads/main`]],
  ])('renders %s', (_name, s, expected) => {
    expect(subjectClaims(s)).toEqual(expected);
  });

  it('accepts "@*" on a reusable workflow with dangerouslyAllowAnyWorkflowRef', () => {
    expect(subjectClaims(spec(main, byName, `${WORKFLOW}@*`), { allowAnyWorkflowRef: true })).toEqual([
      `${REPO}:ref:refs/heads/main:job_workflow_ref:${WORKFLOW}@*`,
    ]);
  });

  it.each<[string, SubjectSpec, string]>([
    ['the immutable format has no ids', spec(main, { ...byName, subjectFormat: 'immutable' }), 'subject octo-org/octo-repo, branch main: the immutable subject format needs the numeric ownerId and repository id'],
    ['the both format misses the repository id', spec(main, { ...byName, ownerId: 1, subjectFormat: 'both' }), 'subject octo-org/octo-repo, branch main: the both subject format needs the numeric ownerId and repository id'],
    ['an id is zero', spec(main, { ...withIds, ownerId: 0 }), 'subject octo-org/octo-repo, branch main: a GitHub numeric id is a positive whole number (never a wildcard)'],
    ['an id is not whole', spec(main, { ...withIds, id: 1.5 }), 'a GitHub numeric id is a positive whole number (never a wildcard)'],
    ['the owner holds a wildcard', spec(main, { ...byName, owner: 'octo-*' }), 'subject octo-*/octo-repo, branch main: a GitHub owner name uses letters, digits and single inner hyphens only (no wildcard, no leading or trailing hyphen)'],
    ['the owner ends with a hyphen', spec(main, { ...byName, owner: 'octo-' }), 'a GitHub owner name uses letters, digits and single inner hyphens only'],
    ['the owner has a double hyphen', spec(main, { ...byName, owner: 'octo--org' }), 'a GitHub owner name uses letters, digits and single inner hyphens only'],
    ['the owner is too long', spec(main, { ...byName, owner: 'a'.repeat(40) }), 'a GitHub owner name has 1 to 39 characters (got 40)'],
    ['the repository holds a wildcard', spec(main, { ...byName, name: 'octo-*' }), 'a GitHub repository name uses letters, digits, ".", "_" and "-" only (no wildcard)'],
    ['the repository is ".."', spec(main, { ...byName, name: '..' }), 'a GitHub repository name cannot be "." or ".."'],
    ['a branch holds "*" without the pattern flag', spec({ kind: 'branch', name: 'release/*' }), 'subject octo-org/octo-repo, branch release/*: a "*" makes this a pattern; declare it under the patterns list to opt in'],
    ['a tag holds "*" without the pattern flag', spec({ kind: 'tag', name: 'v*' }), 'a "*" makes this a pattern; declare it under the patterns list to opt in'],
    ['a branch holds "?"', spec({ kind: 'branch', name: 'ma?n' }), '"?" is never allowed in a subject'],
    ['a branch pattern holds "?"', spec({ kind: 'branch', name: 'release/?', pattern: true }), '"?" is never allowed in a subject'],
    ['a branch is empty', spec({ kind: 'branch', name: '' }), 'a branch or tag name cannot be empty'],
    ['a branch holds a space', spec({ kind: 'branch', name: 'my branch' }), 'a git ref name has no spaces, control characters or ~ ^ : \\ ['],
    ['a branch holds a colon', spec({ kind: 'branch', name: 'a:b' }), 'a git ref name has no spaces, control characters or ~ ^ : \\ ['],
    ['a branch holds "~"', spec({ kind: 'branch', name: 'main~1' }), 'a git ref name has no spaces, control characters or ~ ^ : \\ ['],
    ['a branch holds ".."', spec({ kind: 'branch', name: 'a..b' }), 'a git ref name has no "..", "@{" or "//"'],
    ['a branch holds "@{"', spec({ kind: 'branch', name: 'a@{1}' }), 'a git ref name has no "..", "@{" or "//"'],
    ['a branch ends with ".lock"', spec({ kind: 'branch', name: 'main.lock' }), 'a git ref name cannot start or end with "/", end with "." or ".lock", or be "@"'],
    ['a branch starts with "/"', spec({ kind: 'branch', name: '/main' }), 'a git ref name cannot start or end with "/", end with "." or ".lock", or be "@"'],
    ['a tag part starts with "."', spec({ kind: 'tag', name: 'v1/.hidden' }), 'no part of a git ref name starts with "."'],
    ['an environment is empty', spec({ kind: 'environment', name: '' }), 'a GitHub environment name has 1 to 255 characters (got 0)'],
    ['an environment has a leading space', spec({ kind: 'environment', name: ' prod' }), 'a GitHub environment name has no leading or trailing spaces'],
    ['an environment holds "*"', spec({ kind: 'environment', name: 'prod*' }), 'a GitHub environment name has no "*" or "?"'],
    ['an environment holds a control character', spec({ kind: 'environment', name: 'pr\u0007od' }), 'U+0007 is a control character'],
    ['a workflow is not a full path', spec(main, byName, 'deploy.yml@refs/heads/main'), 'a reusable workflow is OWNER/REPO/.github/workflows/FILE.yml@REF'],
    ['a workflow has no ref', spec(main, byName, WORKFLOW), 'a reusable workflow is OWNER/REPO/.github/workflows/FILE.yml@REF'],
    ['a workflow is not YAML', spec(main, byName, 'octo-org/octo-automation/.github/workflows/deploy.sh@refs/heads/main'), 'a reusable workflow is OWNER/REPO/.github/workflows/FILE.yml@REF'],
    ['a workflow ref is a short branch name', spec(main, byName, `${WORKFLOW}@main`), 'a workflow ref after "@" is refs/heads/BRANCH, refs/tags/TAG or a 40-character commit SHA'],
    ['a workflow ref is a short commit', spec(main, byName, `${WORKFLOW}@0123456`), 'a workflow ref after "@" is refs/heads/BRANCH, refs/tags/TAG or a 40-character commit SHA'],
    ['a workflow ref is a partial wildcard', spec(main, byName, `${WORKFLOW}@refs/heads/release/*`), 'a workflow ref is exact (refs/heads/X, refs/tags/X or a commit SHA) or, with opt-in, "*"'],
    ['a workflow ref is a bad ref name', spec(main, byName, `${WORKFLOW}@refs/heads/a..b`), 'a git ref name has no "..", "@{" or "//"'],
    ['a workflow ref holds "?"', spec(main, byName, `${WORKFLOW}@refs/heads/ma?n`), '"?" is never allowed in a subject'],
    ['a workflow owner holds a wildcard', spec(main, byName, 'octo-*/octo-automation/.github/workflows/deploy.yml@refs/heads/main'), 'a reusable workflow is OWNER/REPO/.github/workflows/FILE.yml@REF'],
    ['a workflow ref is "@*" without opt-in', spec(main, byName, `${WORKFLOW}@*`), 'a workflow ref of "@*" lets any branch of the workflow repository in; set dangerouslyAllowAnyWorkflowRef to opt in'],
  ])('fails when %s', (_name, s, message) => {
    expect(() => subjectClaims(s)).toThrow(message);
  });

  it('names the subject in every error, lowercase and without a trailing period', () => {
    let message = '';
    try {
      subjectClaims(spec({ kind: 'tag', name: 'v*' }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('subject octo-org/octo-repo, tag v*: a "*" makes this a pattern; declare it under the patterns list to opt in');
    expect(message).not.toMatch(/\.$/);
  });
});

// --------------------------------------------------------------------------------------------------------
// Property: the policy built from a subject accepts exactly its own token.

const ISS = resolveIssuer().url;
const AUD = 'sts.amazonaws.com';

const ownerArb = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,8}[A-Za-z0-9])?$/).filter((o) => !o.includes('--'));
const repoArb = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/).filter((r) => r !== '.' && r !== '..');
const segmentArb = fc
  .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,8}$/)
  .filter((s) => !s.includes('..') && !s.endsWith('.') && !s.endsWith('.lock'));
const refArb = fc.array(segmentArb, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')).filter((r) => r !== 'HEAD' && !r.startsWith('refs/'));
const environmentArb = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9 :._-]{0,12}[A-Za-z0-9])?$/);
const contextArb: fc.Arbitrary<SubjectContext> = fc.oneof(
  refArb.map((name) => ({ kind: 'branch', name }) as const),
  refArb.map((name) => ({ kind: 'tag', name }) as const),
  environmentArb.map((name) => ({ kind: 'environment', name }) as const),
  fc.constant({ kind: 'pull-request' } as const),
);
const repositoryArb = fc.record({
  owner: ownerArb,
  name: repoArb,
  ownerId: fc.integer({ min: 1, max: 2 ** 31 }),
  id: fc.integer({ min: 1, max: 2 ** 31 }),
  subjectFormat: fc.constantFrom('name', 'immutable', 'both' as const),
});

interface Parts {
  readonly owner: string;
  readonly repo: string;
  /** The separator and ids of the repository part; undefined for the name form. */
  readonly ids?: { readonly ownerId: string; readonly id: string; readonly separator: string };
  readonly context: string;
}

/** The sub claim GitHub would send, written out here independently of subject.ts. */
function render(parts: Parts): string {
  const { owner, repo, ids, context } = parts;
  const repository = ids ? `${owner}${ids.separator}${ids.ownerId}/${repo}${ids.separator}${ids.id}` : `${owner}/${repo}`;
  return `repo:${repository}:${context}`;
}

function contextText(context: SubjectContext): string {
  switch (context.kind) {
    case 'branch':
      return `ref:refs/heads/${context.name}`;
    case 'tag':
      return `ref:refs/tags/${context.name}`;
    case 'environment':
      return `environment:${context.name.split(':').join('%3A')}`;
    case 'pull-request':
      return 'pull_request';
  }
}

function swapCase(text: string): string {
  return [...text].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join('');
}

/** Near misses of the token: each changes one thing an attacker might control or a generator might get wrong. */
function mutations(repository: Required<Omit<RepositoryIdentity, 'pinIds'>>, context: SubjectContext): string[] {
  const { owner, name: repo } = repository;
  const ownerId = String(repository.ownerId);
  const id = String(repository.id);
  const ctx = contextText(context);
  const name: Parts = { owner, repo, context: ctx };
  const immutable: Parts = { ...name, ids: { ownerId, id, separator: '@' } };
  const forms = [name, immutable];
  const contextMutations: string[] = (() => {
    switch (context.kind) {
      case 'branch':
        return [`ref:refs/tags/${context.name}`, `environment:${context.name}`, `ref:refs/heads/${context.name}x`, `ref:refs/heads/x${context.name}`, `ref:refs/heads/${swapCase(context.name)}`, 'pull_request'];
      case 'tag':
        return [`ref:refs/heads/${context.name}`, `ref:refs/tags/${context.name}-x`, `ref:refs/tags/x${context.name}`, `ref:refs/tags/${swapCase(context.name)}`];
      case 'environment':
        return [`environment:${context.name}`, `environment:${context.name}x`, `environment:x${context.name}`, `environment:${swapCase(context.name)}`, `ref:refs/heads/${context.name}`];
      case 'pull-request':
        return ['ref:refs/heads/main', 'pull_request_target', 'environment:pull_request'];
    }
  })();
  return [
    ...forms.flatMap((f) => [
      render(f),
      render({ ...f, owner: `${owner}x` }),
      render({ ...f, owner: `x${owner}` }),
      render({ ...f, owner: `${owner}-evil` }),
      render({ ...f, owner: swapCase(owner) }),
      render({ ...f, repo: `${repo}x` }),
      render({ ...f, repo: `x${repo}` }),
      render({ ...f, repo: swapCase(repo) }),
      `${render(f)}:x`,
      ` ${render(f)}`,
      ...contextMutations.map((c) => render({ ...f, context: c })),
    ]),
    render({ ...immutable, ids: { ownerId: String(repository.ownerId + 1), id, separator: '@' } }),
    render({ ...immutable, ids: { ownerId, id: String(repository.id + 1), separator: '@' } }),
    render({ ...immutable, ids: { ownerId: id, id: ownerId, separator: '@' } }),
    render({ ...immutable, ids: { ownerId, id, separator: '-' } }),
    render({ ...immutable, ids: { ownerId, id, separator: '_' } }),
    `repo:${owner}@${ownerId}/${repo}:${ctx}`,
    `repo:${owner}/${repo}@${id}:${ctx}`,
  ];
}

describe('subjectClaims with buildTrustPolicy', () => {
  it('accepts exactly the token of the subject and denies its mutations', () => {
    fc.assert(
      fc.property(repositoryArb, contextArb, (repository, context) => {
        const issuer = resolveIssuer();
        const policy = buildTrustPolicy({
          providerArn: oidcProviderArn('aws', '123456789012', issuer.url),
          conditionKeyPrefix: issuer.conditionKeyPrefix,
          subjects: subjectClaims({ repository, context }),
        });
        const ctx = contextText(context);
        const name = render({ owner: repository.owner, repo: repository.name, context: ctx });
        const immutable = render({
          owner: repository.owner,
          repo: repository.name,
          context: ctx,
          ids: { ownerId: String(repository.ownerId), id: String(repository.id), separator: '@' },
        });
        const trusted = new Set(
          repository.subjectFormat === 'name' ? [name] : repository.subjectFormat === 'immutable' ? [immutable] : [name, immutable],
        );
        for (const sub of mutations(repository, context)) {
          const allowed = evaluateTrustPolicy(policy, { iss: ISS, aud: AUD, sub }).allowed;
          if (allowed !== trusted.has(sub)) throw new Error(`sub ${JSON.stringify(sub)}: allowed is ${allowed}, trusted ${[...trusted].join(' | ')}`);
        }
        for (const sub of trusted) {
          if (evaluateTrustPolicy(policy, { iss: ISS, aud: 'sts.amazonaws.com.cn', sub }).allowed) throw new Error('another audience was allowed');
          if (evaluateTrustPolicy(policy, { iss: `${ISS}/octocat-inc`, aud: AUD, sub }).allowed) throw new Error('another issuer was allowed');
          if (evaluateTrustPolicy(policy, { iss: 'https://token.actions.octocorp.ghe.com', aud: AUD, sub }).allowed) throw new Error('a GHE.com issuer was allowed');
        }
        return true;
      }),
      RUNS,
    );
  });
});
