/** The rest of the standalone modules the terraform jobs run, for the TypeScript side and the tests. */
export { UNKNOWN, githubChanges, satisfies } from '../standalone/github-changes.mjs';
export type { ComputedChange } from '../standalone/github-changes.mjs';
export { ALLOWED_PROVIDERS, checkStack, parseLockFile, planTargets, providerAddress, repositoriesOf, sha256 } from '../standalone/stack-check.mjs';
export { run as runTfJob } from '../standalone/tf-job.mjs';
