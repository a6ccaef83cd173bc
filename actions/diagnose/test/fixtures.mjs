// Claim sets shaped like the examples in GitHub's OIDC documentation ("Understanding the OIDC token",
// "Example subject claims", reusable workflows), with the audience configure-aws-credentials requests.
// GitHub's documented example carries the ids as strings; some tokens carry numbers, so both appear.

const common = {
  jti: 'example-id',
  aud: 'sts.amazonaws.com',
  sha: 'example-sha',
  repository: 'octo-org/octo-repo',
  repository_owner: 'octo-org',
  repository_owner_id: '65',
  repository_id: '74',
  repository_visibility: 'private',
  actor: 'octocat',
  actor_id: '12',
  run_id: 'example-run-id',
  run_number: '10',
  run_attempt: '2',
  runner_environment: 'github-hosted',
  workflow: 'example-workflow',
  head_ref: '',
  base_ref: '',
  iss: 'https://token.actions.githubusercontent.com',
  nbf: 1632492967,
  exp: 1632493867,
  iat: 1632493567,
};

const ownWorkflow = 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main';

/** A push to main, no environment. */
export const branchPush = {
  ...common,
  sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  event_name: 'push',
  workflow_ref: ownWorkflow,
  job_workflow_ref: ownWorkflow,
};

/** GitHub's documented example: a job that names the environment prod. */
export const environmentJob = {
  ...common,
  sub: 'repo:octo-org/octo-repo:environment:prod',
  environment: 'prod',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  event_name: 'workflow_dispatch',
  workflow_ref: ownWorkflow,
  job_workflow_ref: ownWorkflow,
};

/** A pull request from a branch of the same repository. */
export const pullRequest = {
  ...common,
  sub: 'repo:octo-org/octo-repo:pull_request',
  ref: 'refs/pull/12/merge',
  ref_type: 'branch',
  head_ref: 'feature',
  base_ref: 'main',
  event_name: 'pull_request',
  workflow_ref: 'octo-org/octo-repo/.github/workflows/plan.yml@refs/pull/12/merge',
  job_workflow_ref: 'octo-org/octo-repo/.github/workflows/plan.yml@refs/pull/12/merge',
};

/** A repository created after 2026-07-15: immutable subject, ids as numbers. */
export const immutableSubject = {
  ...branchPush,
  sub: 'repo:octo-org@65/octo-repo@74:ref:refs/heads/main',
  repository_owner_id: 65,
  repository_id: 74,
};

const reusable = 'octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main';

/** A job inside a reusable workflow, with the subject template (repo, context, job_workflow_ref). */
export const reusableWithTemplate = {
  ...environmentJob,
  sub: `repo:octo-org/octo-repo:environment:prod:job_workflow_ref:${reusable}`,
  workflow_ref: ownWorkflow,
  job_workflow_ref: reusable,
};

/** The same job without the template: the default subject names the caller only. */
export const reusableWithoutTemplate = {
  ...environmentJob,
  workflow_ref: ownWorkflow,
  job_workflow_ref: reusable,
};

/** The event payload of a pull request from a fork (abridged). */
export const forkPullRequestEvent = {
  action: 'opened',
  number: 12,
  pull_request: {
    number: 12,
    head: { ref: 'feature', repo: { id: 9001, full_name: 'stranger/octo-repo', fork: true } },
    base: { ref: 'main', repo: { id: 74, full_name: 'octo-org/octo-repo', fork: false } },
  },
  repository: { id: 74, full_name: 'octo-org/octo-repo' },
};

/** A pull request from a branch of the repository itself. */
export const sameRepositoryPullRequestEvent = {
  ...forkPullRequestEvent,
  pull_request: {
    ...forkPullRequestEvent.pull_request,
    head: { ref: 'feature', repo: { id: 74, full_name: 'octo-org/octo-repo', fork: false } },
  },
};
