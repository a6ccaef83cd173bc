import { describe, expect, it } from 'vitest';
import { evaluateTrustPolicy } from '../src/index.js';
import { caseClaims, checkCorpus, intentToPolicy, type CorpusCase, type CorpusDefaults } from './corpus.js';
import { runCorpus } from './corpus-suite.js';

// The project's own cases, in the shape of the shared public corpus, with the same defaults.
const defaults: CorpusDefaults = {
  iss: 'https://token.actions.githubusercontent.com',
  aud: 'sts.amazonaws.com',
  owner: 'octo-org',
  ownerId: 123456,
  repo: 'octo-repo',
  repoId: 456789,
};

const REPO = 'repo:octo-org/octo-repo';
const IMMUTABLE = 'repo:octo-org@123456/octo-repo@456789';
const MAIN = 'ref:refs/heads/main';
const WORKFLOW = 'octo-org/octo-automation/.github/workflows/deploy.yml';
const SHA = '0123456789abcdef0123456789abcdef01234567';
const OTHER_SHA = 'fedcba9876543210fedcba9876543210fedcba98';
const ENTERPRISE = 'https://token.actions.githubusercontent.com/octocat-inc';

const cases: CorpusCase[] = [
  // Owner and repository names.
  { id: 'deny-owner-suffix', intent: { branch: 'main' }, claims: { sub: `repo:octo-orgx/octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-owner-prefix-letter', intent: { branch: 'main' }, claims: { sub: `repo:xocto-org/octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-owner-case', intent: { branch: 'main' }, claims: { sub: `repo:Octo-Org/octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-repo-case', intent: { branch: 'main' }, claims: { sub: `repo:octo-org/Octo-Repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-repo-dot-git-suffix', intent: { branch: 'main' }, claims: { sub: `repo:octo-org/octo-repo.git:${MAIN}` }, expect: 'deny' },
  { id: 'deny-repo-prefix-word', intent: { branch: 'main' }, claims: { sub: `repo:octo-org/evil-octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-repo-path-suffix', intent: { branch: 'main' }, claims: { sub: `repo:octo-org/octo-repo/x:${MAIN}` }, expect: 'deny' },
  { id: 'deny-owner-empty', intent: { branch: 'main' }, claims: { sub: `repo:/octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-sub-without-repo-key', intent: { branch: 'main' }, claims: { sub: `octo-org/octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-sub-repo-key-uppercase', intent: { branch: 'main' }, claims: { sub: `REPO:octo-org/octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-owner-repo-swapped', intent: { branch: 'main' }, claims: { sub: `repo:octo-repo/octo-org:${MAIN}` }, expect: 'deny' },

  // Immutable subjects.
  { id: 'deny-immutable-ids-swapped', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:octo-org@456789/octo-repo@123456:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-owner-id-changed', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:octo-org@123457/octo-repo@456789:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-repo-id-changed', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:octo-org@123456/octo-repo@456788:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-owner-id-only', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:octo-org@123456/octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-repo-id-only', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:octo-org/octo-repo@456789:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-underscore-squat', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:octo-org_123456/octo-repo_456789:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-repo-hyphen-squat', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:octo-org@123456/octo-repo-456789:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-leading-zero-id', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:octo-org@0123456/octo-repo@456789:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-renamed-owner-same-ids', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:evil@123456/octo-repo@456789:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-ids-before-names', intent: { branch: 'main', immutable: true }, claims: { sub: `repo:123456@octo-org/456789@octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-immutable-other-branch', intent: { branch: 'main', immutable: true }, claims: { sub: `${IMMUTABLE}:ref:refs/heads/dev` }, expect: 'deny' },
  { id: 'allow-immutable-environment', intent: { environment: 'prod', immutable: true }, claims: { sub: `${IMMUTABLE}:environment:prod` }, expect: 'allow' },
  { id: 'allow-immutable-pull-request', intent: { pullRequest: true, immutable: true }, claims: { sub: `${IMMUTABLE}:pull_request` }, expect: 'allow' },

  // Transition mode: both forms, never a mix.
  { id: 'allow-both-name-tag', intent: { tag: 'v1', immutable: 'both' }, claims: { sub: `${REPO}:ref:refs/tags/v1` }, expect: 'allow' },
  { id: 'allow-both-immutable-tag', intent: { tag: 'v1', immutable: 'both' }, claims: { sub: `${IMMUTABLE}:ref:refs/tags/v1` }, expect: 'allow' },
  { id: 'allow-both-immutable-environment', intent: { environment: 'prod', immutable: 'both' }, claims: { sub: `${IMMUTABLE}:environment:prod` }, expect: 'allow' },
  { id: 'deny-both-mixed-owner-id-only', intent: { branch: 'main', immutable: 'both' }, claims: { sub: `repo:octo-org@123456/octo-repo:${MAIN}` }, expect: 'deny' },
  { id: 'deny-both-mixed-repo-id-only', intent: { branch: 'main', immutable: 'both' }, claims: { sub: `repo:octo-org/octo-repo@456789:${MAIN}` }, expect: 'deny' },
  { id: 'deny-both-hyphen-squat', intent: { branch: 'main', immutable: 'both' }, claims: { sub: `repo:octo-org-123456/octo-repo-456789:${MAIN}` }, expect: 'deny' },
  { id: 'deny-both-other-ids', intent: { branch: 'main', immutable: 'both' }, claims: { sub: `repo:octo-org@1/octo-repo@2:${MAIN}` }, expect: 'deny' },
  { id: 'deny-both-other-branch', intent: { branch: 'main', immutable: 'both' }, claims: { sub: `${IMMUTABLE}:ref:refs/heads/dev` }, expect: 'deny' },

  // Environments.
  { id: 'deny-env-unencoded-colon', intent: { environment: 'prod:v1' }, claims: { sub: `${REPO}:environment:prod:v1` }, expect: 'deny' },
  { id: 'deny-env-double-encoded-colon', intent: { environment: 'prod:v1' }, claims: { sub: `${REPO}:environment:prod%253Av1` }, expect: 'deny' },
  { id: 'deny-env-lowercase-encoding', intent: { environment: 'prod:v1' }, claims: { sub: `${REPO}:environment:prod%3av1` }, expect: 'deny' },
  { id: 'deny-env-case', intent: { environment: 'Production' }, claims: { sub: `${REPO}:environment:production` }, expect: 'deny' },
  { id: 'deny-env-trailing-colon', intent: { environment: 'prod' }, claims: { sub: `${REPO}:environment:prod:` }, expect: 'deny' },
  { id: 'allow-env-with-space', intent: { environment: 'QA env' }, claims: { sub: `${REPO}:environment:QA env` }, expect: 'allow' },
  { id: 'allow-env-with-two-colons', intent: { environment: 'a:b:c' }, claims: { sub: `${REPO}:environment:a%3Ab%3Ac` }, expect: 'allow' },

  // Branch, tag, environment and pull request are different contexts.
  { id: 'deny-branch-name-as-environment', intent: { branch: 'main' }, claims: { sub: `${REPO}:environment:main` }, expect: 'deny' },
  { id: 'deny-environment-name-as-branch', intent: { environment: 'prod' }, claims: { sub: `${REPO}:ref:refs/heads/prod` }, expect: 'deny' },
  { id: 'deny-tag-name-as-branch', intent: { tag: 'v1' }, claims: { sub: `${REPO}:ref:refs/heads/v1` }, expect: 'deny' },
  { id: 'deny-pull-request-role-branch', intent: { pullRequest: true }, claims: { sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-pull-request-role-environment', intent: { pullRequest: true }, claims: { sub: `${REPO}:environment:pull_request` }, expect: 'deny' },
  { id: 'deny-pull-request-target-lookalike', intent: { pullRequest: true }, claims: { sub: `${REPO}:pull_request_target` }, expect: 'deny' },
  { id: 'deny-pull-request-merge-ref', intent: { pullRequest: true }, claims: { sub: `${REPO}:ref:refs/pull/1/merge` }, expect: 'deny' },
  { id: 'deny-branch-remote-ref', intent: { branch: 'main' }, claims: { sub: `${REPO}:ref:refs/remotes/origin/main` }, expect: 'deny' },
  { id: 'deny-branch-short-ref', intent: { branch: 'main' }, claims: { sub: `${REPO}:ref:main` }, expect: 'deny' },
  { id: 'deny-branch-heads-without-refs', intent: { branch: 'main' }, claims: { sub: `${REPO}:ref:heads/main` }, expect: 'deny' },
  { id: 'allow-branch-and-environment-role-environment', intent: { branch: 'main', environment: 'prod' }, claims: { sub: `${REPO}:environment:prod` }, expect: 'allow' },
  { id: 'allow-branch-and-environment-role-branch', intent: { branch: 'main', environment: 'prod' }, claims: { sub: `${REPO}:${MAIN}` }, expect: 'allow' },

  // Reusable workflows pinned through job_workflow_ref.
  { id: 'deny-workflow-at-tag-instead-of-branch', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:${WORKFLOW}@refs/tags/main` }, expect: 'deny' },
  { id: 'deny-workflow-at-sha-instead-of-branch', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:${WORKFLOW}@${SHA}` }, expect: 'deny' },
  { id: 'allow-workflow-at-tag', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/tags/v1` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:${WORKFLOW}@refs/tags/v1` }, expect: 'allow' },
  { id: 'deny-workflow-tag-at-branch', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/tags/v1` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:${WORKFLOW}@refs/heads/v1` }, expect: 'deny' },
  { id: 'allow-workflow-at-sha', intent: { environment: 'prod', workflow: `${WORKFLOW}@${SHA}` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:${WORKFLOW}@${SHA}` }, expect: 'allow' },
  { id: 'deny-workflow-other-sha', intent: { environment: 'prod', workflow: `${WORKFLOW}@${SHA}` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:${WORKFLOW}@${OTHER_SHA}` }, expect: 'deny' },
  { id: 'deny-workflow-other-file', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/deploy-evil.yml@refs/heads/main` }, expect: 'deny' },
  { id: 'deny-workflow-fork-repo', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:octo-org/octo-automation-fork/.github/workflows/deploy.yml@refs/heads/main` }, expect: 'deny' },
  { id: 'deny-workflow-other-owner', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:evil/octo-automation/.github/workflows/deploy.yml@refs/heads/main` }, expect: 'deny' },
  { id: 'deny-workflow-default-template', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `${REPO}:environment:prod` }, expect: 'deny' },
  { id: 'deny-workflow-caller-sibling-repo', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `repo:octo-org/other-repo:environment:prod:job_workflow_ref:${WORKFLOW}@refs/heads/main` }, expect: 'deny' },
  { id: 'deny-workflow-caller-other-environment', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `${REPO}:environment:staging:job_workflow_ref:${WORKFLOW}@refs/heads/main` }, expect: 'deny' },
  { id: 'deny-workflow-extra-claim-appended', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `${REPO}:environment:prod:job_workflow_ref:${WORKFLOW}@refs/heads/main:repository_owner:octo-org` }, expect: 'deny' },
  { id: 'deny-workflow-claim-order-swapped', intent: { environment: 'prod', workflow: `${WORKFLOW}@refs/heads/main` }, claims: { sub: `${REPO}:job_workflow_ref:${WORKFLOW}@refs/heads/main:environment:prod` }, expect: 'deny' },

  // Enterprise issuers.
  { id: 'deny-enterprise-other-slug', intent: { branch: 'main', enterpriseSlug: 'octocat-inc' }, claims: { iss: 'https://token.actions.githubusercontent.com/evil-inc', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-enterprise-slug-prefix', intent: { branch: 'main', enterpriseSlug: 'octocat-inc' }, claims: { iss: `${ENTERPRISE}-evil`, sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-enterprise-slug-case', intent: { branch: 'main', enterpriseSlug: 'octocat-inc' }, claims: { iss: 'https://token.actions.githubusercontent.com/Octocat-Inc', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-enterprise-trailing-slash', intent: { branch: 'main', enterpriseSlug: 'octocat-inc' }, claims: { iss: `${ENTERPRISE}/`, sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-global-role-enterprise-token', intent: { branch: 'main' }, claims: { iss: ENTERPRISE, sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-enterprise-plain-http', intent: { branch: 'main', enterpriseSlug: 'octocat-inc' }, claims: { iss: 'http://token.actions.githubusercontent.com/octocat-inc', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'allow-enterprise-immutable', intent: { branch: 'main', enterpriseSlug: 'octocat-inc', immutable: true }, claims: { iss: ENTERPRISE, sub: `${IMMUTABLE}:${MAIN}` }, expect: 'allow' },

  // GHES and GHE.com.
  { id: 'allow-ghes', intent: { branch: 'main', ghesHost: 'github.example.com' }, claims: { iss: 'https://github.example.com/_services/token', sub: `${REPO}:${MAIN}` }, expect: 'allow' },
  { id: 'deny-ghes-role-public-token', intent: { branch: 'main', ghesHost: 'github.example.com' }, claims: { sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-ghes-other-host', intent: { branch: 'main', ghesHost: 'github.example.com' }, claims: { iss: 'https://github.evil.com/_services/token', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-ghes-host-suffix', intent: { branch: 'main', ghesHost: 'github.example.com' }, claims: { iss: 'https://github.example.com.evil.com/_services/token', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'allow-ghe-com', intent: { branch: 'main', gheSubdomain: 'octocorp' }, claims: { iss: 'https://token.actions.octocorp.ghe.com', sub: `${REPO}:${MAIN}` }, expect: 'allow' },
  { id: 'deny-ghe-com-other-subdomain', intent: { branch: 'main', gheSubdomain: 'octocorp' }, claims: { iss: 'https://token.actions.evilcorp.ghe.com', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-public-role-ghe-com-token', intent: { branch: 'main' }, claims: { iss: 'https://token.actions.octocorp.ghe.com', sub: `${REPO}:${MAIN}` }, expect: 'deny' },

  // Audiences.
  { id: 'allow-china-audience-configured', intent: { branch: 'main', audiences: ['sts.amazonaws.com.cn'] }, claims: { aud: 'sts.amazonaws.com.cn', sub: `${REPO}:${MAIN}` }, expect: 'allow' },
  { id: 'deny-global-audience-on-china-role', intent: { branch: 'main', audiences: ['sts.amazonaws.com.cn'] }, claims: { sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-china-audience-not-configured', intent: { branch: 'main' }, claims: { aud: 'sts.amazonaws.com.cn', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'allow-second-configured-audience', intent: { branch: 'main', audiences: ['sts.amazonaws.com', 'sts.amazonaws.com.cn'] }, claims: { aud: 'sts.amazonaws.com.cn', sub: `${REPO}:${MAIN}` }, expect: 'allow' },
  { id: 'deny-audience-trailing-slash', intent: { branch: 'main' }, claims: { aud: 'sts.amazonaws.com/', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-audience-uppercase', intent: { branch: 'main' }, claims: { aud: 'STS.amazonaws.com', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-audience-with-scheme', intent: { branch: 'main' }, claims: { aud: 'https://sts.amazonaws.com', sub: `${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-audience-empty', intent: { branch: 'main' }, claims: { aud: '', sub: `${REPO}:${MAIN}` }, expect: 'deny' },

  // Malformed subjects.
  { id: 'deny-sub-trailing-space', intent: { branch: 'main' }, claims: { sub: `${REPO}:${MAIN} ` }, expect: 'deny' },
  { id: 'deny-sub-leading-space', intent: { branch: 'main' }, claims: { sub: ` ${REPO}:${MAIN}` }, expect: 'deny' },
  { id: 'deny-sub-trailing-newline', intent: { branch: 'main' }, claims: { sub: `${REPO}:${MAIN}\n` }, expect: 'deny' },
  { id: 'deny-sub-null', intent: { branch: 'main' }, claims: { sub: null }, expect: 'deny' },
  { id: 'deny-sub-empty', intent: { branch: 'main' }, claims: { sub: '' }, expect: 'deny' },
  { id: 'deny-sub-extra-suffix', intent: { branch: 'main' }, claims: { sub: `${REPO}:${MAIN}:extra` }, expect: 'deny' },
  { id: 'deny-sub-literal-wildcard', intent: { branch: 'main' }, claims: { sub: `${REPO}:ref:refs/heads/*` }, expect: 'deny' },

  // Declared patterns: "*" runs over "/" and ":", but the fixed parts hold.
  { id: 'allow-release-pattern-simple', intent: { branch: 'release/*', pattern: true }, claims: { sub: `${REPO}:ref:refs/heads/release/1.0` }, expect: 'allow' },
  { id: 'allow-release-pattern-nested', intent: { branch: 'release/*', pattern: true }, claims: { sub: `${REPO}:ref:refs/heads/release/a/b` }, expect: 'allow' },
  { id: 'deny-release-pattern-releases', intent: { branch: 'release/*', pattern: true }, claims: { sub: `${REPO}:ref:refs/heads/releases/x` }, expect: 'deny' },
  { id: 'deny-release-pattern-without-slash', intent: { branch: 'release/*', pattern: true }, claims: { sub: `${REPO}:ref:refs/heads/release` }, expect: 'deny' },
  { id: 'deny-release-pattern-tag', intent: { branch: 'release/*', pattern: true }, claims: { sub: `${REPO}:ref:refs/tags/release/1` }, expect: 'deny' },
  { id: 'deny-release-pattern-other-repo', intent: { branch: 'release/*', pattern: true }, claims: { sub: `repo:octo-org/octo-repo-2:ref:refs/heads/release/1` }, expect: 'deny' },
  { id: 'deny-release-pattern-case', intent: { branch: 'release/*', pattern: true }, claims: { sub: `${REPO}:ref:refs/heads/Release/1` }, expect: 'deny' },
  { id: 'allow-release-pattern-spans-custom-template', intent: { branch: 'release/*', pattern: true }, claims: { sub: `${REPO}:ref:refs/heads/release/1:job_workflow_ref:evil/x/.github/workflows/a.yml@refs/heads/main` }, expect: 'allow' },
  { id: 'allow-tag-pattern', intent: { tag: 'v*', pattern: true }, claims: { sub: `${REPO}:ref:refs/tags/v1.2.3` }, expect: 'allow' },
  { id: 'deny-tag-pattern-branch', intent: { tag: 'v*', pattern: true }, claims: { sub: `${REPO}:ref:refs/heads/v1.2.3` }, expect: 'deny' },
  { id: 'allow-immutable-pattern', intent: { branch: 'release/*', pattern: true, immutable: true }, claims: { sub: `${IMMUTABLE}:ref:refs/heads/release/1` }, expect: 'allow' },
  { id: 'deny-immutable-pattern-name-form', intent: { branch: 'release/*', pattern: true, immutable: true }, claims: { sub: `${REPO}:ref:refs/heads/release/1` }, expect: 'deny' },
  { id: 'deny-pattern-role-exact-sibling', intent: { branch: ['main', 'release/*'], pattern: true }, claims: { sub: `${REPO}:ref:refs/heads/main-2` }, expect: 'deny' },
  { id: 'allow-pattern-role-exact-member', intent: { branch: ['main', 'release/*'], pattern: true }, claims: { sub: `${REPO}:${MAIN}` }, expect: 'allow' },
];

describe('adversarial extra corpus', () => {
  it('has the shape of the shared corpus and at least 60 cases', () => {
    expect(() => checkCorpus({ defaults, cases }, 'adversarial-extra')).not.toThrow();
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  runCorpus({ defaults, cases });

  it('denies with the provider audience check before the policy when the provider does not list the audience', () => {
    const policy = intentToPolicy({ branch: 'main', audiences: ['sts.amazonaws.com', 'sts.amazonaws.com.cn'] }, defaults);
    const claims = caseClaims({ claims: { aud: 'sts.amazonaws.com.cn', sub: `${REPO}:${MAIN}` } }, defaults);
    expect(evaluateTrustPolicy(policy, claims).allowed).toBe(true);
    expect(evaluateTrustPolicy(policy, claims, { providerAudiences: ['sts.amazonaws.com'] })).toEqual({
      allowed: false,
      decision: 'implicit-deny',
      matchedStatements: [],
      reasons: [
        `audience "sts.amazonaws.com.cn" is not in the provider's client id list ("sts.amazonaws.com"), so STS refuses the token before reading the trust policy`,
      ],
      failures: [],
    });
  });
});
