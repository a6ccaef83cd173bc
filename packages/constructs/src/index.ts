export * from './app.js';
export * from './github-actions-role.js';
export * from './github-actions-variables.js';
export * from './github-environment.js';
export * from './github-oidc-provider.js';
export * from './github-subject-template.js';
export * from './keyless-stack.js';
export * from './repository-access.js';
