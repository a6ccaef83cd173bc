// The GitHub claims AWS STS sets as condition keys (repository_id, repository_owner_id, ref, job_workflow_ref, …),
// evaluated against hand-built trust policies of the shapes trust v2 generates: ids pinned beside sub, an
// environment AND a branch, and an organisation-wide role pinned to a reusable workflow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GITHUB_CLAIM_KEYS, evaluateTrustPolicy, type PolicyDocument, type PolicyStatement, type TokenClaims } from '../src/index.js';

const RUNS = { numRuns: 200 };
const ISS = 'https://token.actions.githubusercontent.com';
const P = 'token.actions.githubusercontent.com';
const ARN = `arn:aws:iam::123456789012:oidc-provider/${P}`;
const AUD = 'sts.amazonaws.com';
const OWNER_ID = '123456';
const REPO_ID = '456789';
const WORKFLOW = 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/main';

type Conditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

function allow(sid: string, condition: Conditions): PolicyStatement {
  return { Sid: sid, Effect: 'Allow', Principal: { Federated: ARN }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition };
}

function policy(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** A repository role with ids pinned: either subject form, and the repository's and owner's ids. */
function pinned(ids: { repo: string; owner: string } = { repo: REPO_ID, owner: OWNER_ID }, name = 'octo-repo'): PolicyStatement {
  return allow(`Repo${ids.repo}`, {
    StringEquals: {
      [`${P}:aud`]: AUD,
      [`${P}:sub`]: [`repo:octo-org/${name}:ref:refs/heads/main`, `repo:octo-org@${ids.owner}/${name}@${ids.repo}:ref:refs/heads/main`],
      [`${P}:repository_id`]: ids.repo,
      [`${P}:repository_owner_id`]: ids.owner,
    },
  });
}

/** An environment and a branch together: sub for the environment AND ref = refs/heads/main. */
const environmentAndBranch = policy(
  allow('ProductionOnMain', {
    StringEquals: {
      [`${P}:aud`]: AUD,
      [`${P}:sub`]: 'repo:octo-org/octo-repo:environment:production',
      [`${P}:ref`]: 'refs/heads/main',
      [`${P}:repository_id`]: REPO_ID,
      [`${P}:repository_owner_id`]: OWNER_ID,
    },
  }),
);

/** Every repository of the owner, through the reviewed reusable workflow at a protected ref. */
const organisationWide = policy(
  allow('OrganisationWorkflow', {
    StringEquals: { [`${P}:aud`]: AUD, [`${P}:repository_owner_id`]: OWNER_ID, [`${P}:job_workflow_ref`]: WORKFLOW },
    StringLike: { [`${P}:sub`]: 'repo:octo-org/*' },
  }),
);

/** A token of octo-org/octo-repo on main, with the claims GitHub sends (ids as digit strings). */
function token(overrides: Record<string, unknown> = {}): TokenClaims {
  const claims: Record<string, unknown> = {
    iss: ISS,
    aud: AUD,
    sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    repository: 'octo-org/octo-repo',
    repository_id: REPO_ID,
    repository_owner: 'octo-org',
    repository_owner_id: OWNER_ID,
    ref: 'refs/heads/main',
    actor: 'octocat',
    actor_id: '583231',
    workflow: 'deploy',
    ...overrides,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return claims as TokenClaims;
}

describe('GitHub claim keys', () => {
  describe('ids pinned beside sub', () => {
    it.each<[string, Record<string, unknown>, string[] | 'allow']>([
      ['the right ids with the name subject', {}, 'allow'],
      ['the right ids with the immutable subject', { sub: `repo:octo-org@${OWNER_ID}/octo-repo@${REPO_ID}:ref:refs/heads/main` }, 'allow'],
      ['ids given as numbers (claims typed by hand), read as their digits', { repository_id: 456789, repository_owner_id: 123456 }, 'allow'],
      ['a wrong repository_id (the name squatted by a new repository)', { repository_id: '999' }, ['repository_id 999 is not 456789']],
      ['a wrong repository_owner_id (the owner name taken by another account)', { repository_owner_id: '1' }, ['repository_owner_id 1 is not 123456']],
      ['an id with a leading zero, compared as text', { repository_id: '0456789' }, ['repository_id 0456789 is not 456789']],
      ['a wrong number id', { repository_id: 999 }, ['repository_id 999 is not 456789']],
      ['repository_owner_id missing from the token', { repository_owner_id: undefined }, ['repository_owner_id is absent from the token']],
      ['both ids wrong: every failed key is listed', { repository_id: '999', repository_owner_id: '1' }, ['repository_id 999 is not 456789', 'repository_owner_id 1 is not 123456']],
      [
        'the right ids from another branch: sub and nothing else',
        { sub: 'repo:octo-org/octo-repo:ref:refs/heads/dev' },
        [`sub repo:octo-org/octo-repo:ref:refs/heads/dev is not one of repo:octo-org/octo-repo:ref:refs/heads/main, repo:octo-org@${OWNER_ID}/octo-repo@${REPO_ID}:ref:refs/heads/main`],
      ],
      ['no claim but sub: both ids absent', { repository_id: undefined, repository_owner_id: undefined }, ['repository_id is absent from the token', 'repository_owner_id is absent from the token']],
    ])('%s', (_name, overrides, expected) => {
      const evaluation = evaluateTrustPolicy(policy(pinned()), token(overrides));
      if (expected === 'allow') {
        expect(evaluation).toMatchObject({ allowed: true, reasons: [] });
        return;
      }
      expect(evaluation.allowed).toBe(false);
      expect(evaluation.reasons).toEqual(expected.map((r) => `statement Repo${REPO_ID}: ${r}`));
      expect(evaluation.failures.map((f) => f.text)).toEqual(expected);
    });

    it('keeps the full condition key, the operator and both sides of a failed id', () => {
      const [failure] = evaluateTrustPolicy(policy(pinned()), token({ repository_id: '999' })).failures;
      expect(failure).toEqual({
        statement: `Repo${REPO_ID}`,
        operator: 'StringEquals',
        key: `${P}:repository_id`,
        claim: 'repository_id',
        expected: [REPO_ID],
        actual: ['999'],
        text: 'repository_id 999 is not 456789',
      });
    });

    it('names every statement of a role trusting two repositories, one per repository identity', () => {
      const twoRepos = policy(pinned(), pinned({ repo: '777', owner: OWNER_ID }, 'other-repo'));
      expect(evaluateTrustPolicy(twoRepos, token()).matchedStatements).toEqual([`Repo${REPO_ID}`]);
      expect(
        evaluateTrustPolicy(twoRepos, token({ sub: 'repo:octo-org/other-repo:ref:refs/heads/main', repository: 'octo-org/other-repo', repository_id: '777' })).allowed,
      ).toBe(true);
      // octo-repo's subject with other-repo's id: each statement fails on its own key.
      const crossed = evaluateTrustPolicy(twoRepos, token({ repository_id: '777' }));
      expect(crossed.allowed).toBe(false);
      expect(crossed.failures.map((f) => `${f.statement}: ${f.text}`)).toEqual([
        `Repo${REPO_ID}: repository_id 777 is not ${REPO_ID}`,
        `Repo777: sub repo:octo-org/octo-repo:ref:refs/heads/main is not one of repo:octo-org/other-repo:ref:refs/heads/main, repo:octo-org@${OWNER_ID}/other-repo@777:ref:refs/heads/main`,
      ]);
    });

    it('reads condition key names ignoring case, and names the claim in lower case', () => {
      const shouted = policy(allow('Shouted', { StringEquals: { [`${P.toUpperCase()}:Repository_Id`]: REPO_ID } }));
      expect(evaluateTrustPolicy(shouted, token()).allowed).toBe(true);
      expect(evaluateTrustPolicy(shouted, token({ repository_id: '1' })).reasons).toEqual(['statement Shouted: repository_id 1 is not 456789']);
    });
  });

  describe('an environment and a branch together', () => {
    const production = { sub: 'repo:octo-org/octo-repo:environment:production', environment: 'production' };
    it.each<[string, Record<string, unknown>, string[] | 'allow']>([
      ['the environment on main', production, 'allow'],
      ['the environment on another branch', { ...production, ref: 'refs/heads/dev' }, ['ref refs/heads/dev is not refs/heads/main']],
      ['the environment on a tag named main', { ...production, ref: 'refs/tags/main' }, ['ref refs/tags/main is not refs/heads/main']],
      ['the environment on Main (case matters)', { ...production, ref: 'refs/heads/Main' }, ['ref refs/heads/Main is not refs/heads/main']],
      ['the environment without a ref claim', { ...production, ref: undefined }, ['ref is absent from the token']],
      ['main without the environment', {}, ['sub repo:octo-org/octo-repo:ref:refs/heads/main is not repo:octo-org/octo-repo:environment:production']],
      [
        'another environment on another branch: both keys',
        { sub: 'repo:octo-org/octo-repo:environment:staging', environment: 'staging', ref: 'refs/heads/dev' },
        ['sub repo:octo-org/octo-repo:environment:staging is not repo:octo-org/octo-repo:environment:production', 'ref refs/heads/dev is not refs/heads/main'],
      ],
    ])('%s', (_name, overrides, expected) => {
      const evaluation = evaluateTrustPolicy(environmentAndBranch, token(overrides));
      if (expected === 'allow') expect(evaluation.allowed).toBe(true);
      else expect(evaluation.failures.map((f) => f.text)).toEqual(expected);
    });

    it('admits the environment on main and nothing else, whatever the branch', () => {
      const branch = fc.stringMatching(/^[a-z][a-z0-9/-]{0,12}$/);
      fc.assert(
        fc.property(branch, fc.constantFrom('refs/heads/', 'refs/tags/'), (name, kind) => {
          const ref = `${kind}${name}`;
          const evaluation = evaluateTrustPolicy(environmentAndBranch, token({ ...production, ref }));
          return evaluation.allowed === (ref === 'refs/heads/main') && (evaluation.allowed || evaluation.reasons.includes(`statement ProductionOnMain: ref ${ref} is not refs/heads/main`));
        }),
        RUNS,
      );
    });
  });

  describe('an organisation-wide role pinned to a reusable workflow', () => {
    const inWorkflow = { job_workflow_ref: WORKFLOW };
    it.each<[string, Record<string, unknown>, string[] | 'allow']>([
      ['a repository of the owner running the workflow', inWorkflow, 'allow'],
      ['another repository of the owner, on a tag, in an environment', { ...inWorkflow, sub: 'repo:octo-org/web:environment:prod', repository: 'octo-org/web', repository_id: '42' }, 'allow'],
      ['another owner running the same workflow', { ...inWorkflow, sub: 'repo:evil/x:ref:refs/heads/main', repository_owner_id: '666' }, ['repository_owner_id 666 is not 123456', 'sub repo:evil/x:ref:refs/heads/main does not match repo:octo-org/* (StringLike)']],
      [
        'another workflow of the owner',
        { job_workflow_ref: 'octo-org/automation/.github/workflows/other.yml@refs/heads/main' },
        [`job_workflow_ref octo-org/automation/.github/workflows/other.yml@refs/heads/main is not ${WORKFLOW}`],
      ],
      [
        'the workflow at another ref',
        { job_workflow_ref: 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/dev' },
        [`job_workflow_ref octo-org/automation/.github/workflows/deploy.yml@refs/heads/dev is not ${WORKFLOW}`],
      ],
      ['a job that calls no reusable workflow', {}, ['job_workflow_ref is absent from the token']],
      ['a token without repository_owner_id', { ...inWorkflow, repository_owner_id: undefined }, ['repository_owner_id is absent from the token']],
    ])('%s', (_name, overrides, expected) => {
      const evaluation = evaluateTrustPolicy(organisationWide, token(overrides));
      if (expected === 'allow') expect(evaluation.allowed).toBe(true);
      else expect(evaluation.failures.map((f) => f.text)).toEqual(expected);
    });

    it('admits any repository of the owner running the workflow, and no other owner id', () => {
      const repo = fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/);
      const id = fc.integer({ min: 1, max: 2 ** 40 }).map(String);
      fc.assert(
        fc.property(repo, id, id, (name, repoId, ownerId) => {
          const claims = token({ ...inWorkflow, sub: `repo:octo-org/${name}:ref:refs/heads/main`, repository: `octo-org/${name}`, repository_id: repoId, repository_owner_id: ownerId });
          return evaluateTrustPolicy(organisationWide, claims).allowed === (ownerId === OWNER_ID);
        }),
        RUNS,
      );
    });
  });

  describe('properties', () => {
    const id = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

    it('admits exactly the pinned ids, and names every id that differs', () => {
      fc.assert(
        fc.property(id, id, id, id, (pinnedRepo, pinnedOwner, repo, owner) => {
          const evaluation = evaluateTrustPolicy(policy(pinned({ repo: String(pinnedRepo), owner: String(pinnedOwner) })), token({ repository_id: String(repo), repository_owner_id: String(owner) }));
          const wrong = [
            ...(repo === pinnedRepo ? [] : [`repository_id ${repo} is not ${pinnedRepo}`]),
            ...(owner === pinnedOwner ? [] : [`repository_owner_id ${owner} is not ${pinnedOwner}`]),
          ];
          const subFails = evaluation.failures.filter((f) => f.claim === 'sub').length;
          return evaluation.allowed === (wrong.length === 0 && subFails === 0) && JSON.stringify(evaluation.failures.filter((f) => f.claim !== 'sub').map((f) => f.text)) === JSON.stringify(wrong);
        }),
        RUNS,
      );
    });

    it('decides a number id as the digit string GitHub sends', () => {
      fc.assert(
        fc.property(id, id, (pinnedRepo, repo) => {
          const document = policy(pinned({ repo: String(pinnedRepo), owner: OWNER_ID }));
          const asText = evaluateTrustPolicy(document, token({ repository_id: String(repo) }));
          const asNumber = evaluateTrustPolicy(document, token({ repository_id: repo }));
          return asText.allowed === asNumber.allowed && JSON.stringify(asText.reasons) === JSON.stringify(asNumber.reasons);
        }),
        RUNS,
      );
    });

    it('fails closed on every GitHub key the token lacks, naming each one', () => {
      const subset = fc.subarray([...GITHUB_CLAIM_KEYS], { minLength: 1 });
      fc.assert(
        fc.property(subset, fc.subarray([...GITHUB_CLAIM_KEYS]), (required, missing) => {
          const values: Record<string, string> = Object.fromEntries(GITHUB_CLAIM_KEYS.map((c) => [c, `${c}-value`]));
          const document = policy(allow('Keys', { StringEquals: Object.fromEntries(required.map((c) => [`${P}:${c}`, values[c] as string])) }));
          const claims = token({ ...values, ...Object.fromEntries(missing.map((c) => [c, undefined])) });
          const evaluation = evaluateTrustPolicy(document, claims);
          const absent = required.filter((c) => missing.includes(c));
          return (
            evaluation.allowed === (absent.length === 0) &&
            JSON.stringify(evaluation.failures.map((f) => f.text)) === JSON.stringify(absent.map((c) => `${c} is absent from the token`))
          );
        }),
        RUNS,
      );
    });
  });

  describe('issuers other than github.com', () => {
    const enterprise = `${ISS}/octocat-inc`;
    const enterprisePolicy = policy({
      Sid: 'Enterprise',
      Effect: 'Allow',
      Principal: { Federated: `${ARN}/octocat-inc` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${P}/octocat-inc:aud`]: AUD, [`${P}/octocat-inc:repository_id`]: REPO_ID } },
    });

    it('allows on the permissive reading, with a caveat that AWS documents the keys for github.com only', () => {
      const evaluation = evaluateTrustPolicy(enterprisePolicy, token({ iss: enterprise }));
      expect(evaluation.allowed).toBe(true);
      expect(evaluation.reasons).toEqual([
        `statement Enterprise: allowed on the assumption that STS sets ${P}/octocat-inc:repository_id for this issuer; AWS documents these keys for ${P} only, and where STS does not set them the statement refuses every token`,
      ]);
    });

    it('still names a failed id by its claim', () => {
      expect(evaluateTrustPolicy(enterprisePolicy, token({ iss: enterprise, repository_id: '1' })).reasons).toEqual(['statement Enterprise: repository_id 1 is not 456789']);
    });

    it('adds no caveat for github.com', () => {
      expect(evaluateTrustPolicy(policy(pinned()), token()).reasons).toEqual([]);
    });
  });
});
