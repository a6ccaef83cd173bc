// `@keyless/constructs`: the constructs, the stacks and the app runner of the construct path. The printer (the
// same Terraform JSON without cdktf) is `@keyless/constructs/fast`.
export { GithubOidcProvider } from './constructs/github-oidc-provider.js';
export type { GithubOidcProviderOptions, GithubOidcProviderProps, IGithubOidcProvider } from './constructs/github-oidc-provider.js';
export { GithubActionsRole } from './constructs/github-actions-role.js';
export type { GithubActionsRoleProps } from './constructs/github-actions-role.js';
export { GithubEnvironment } from './constructs/github-environment.js';
export type { GithubEnvironmentProps } from './constructs/github-environment.js';
export { GithubActionsVariables } from './constructs/github-actions-variables.js';
export type { GithubActionsVariable, GithubActionsVariablesProps } from './constructs/github-actions-variables.js';
export { GithubSubjectTemplate } from './constructs/github-subject-template.js';
export type { GithubSubjectTemplateProps } from './constructs/github-subject-template.js';
export { RepositoryAccess } from './constructs/repository-access.js';
export type { RepositoryAccessProps } from './constructs/repository-access.js';
export { TerraformStateBucket } from './constructs/terraform-state-bucket.js';
export type { TerraformStateBucketProps } from './constructs/terraform-state-bucket.js';
export { KeylessStack } from './stacks/keyless-stack.js';
export type { KeylessStackProps, StackBackendProps } from './stacks/keyless-stack.js';
export { BootstrapStack } from './stacks/bootstrap-stack.js';
export type { BootstrapStackProps } from './stacks/bootstrap-stack.js';
export { runApp, runBootstrapApp } from './app/run-app.js';
export type { RunAppOptions, RunBootstrapAppOptions } from './app/run-app.js';
export { loadAccessModel } from './app/load.js';
