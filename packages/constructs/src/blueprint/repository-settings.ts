import type { ActionsRepositoryPermissionsConfig } from '@cdktf/provider-github/lib/actions-repository-permissions/index.js';
import type { RepositoryRulesetConfig } from '@cdktf/provider-github/lib/repository-ruleset/index.js';
import type { WorkflowRepositoryPermissionsConfig } from '@cdktf/provider-github/lib/workflow-repository-permissions/index.js';
import type { RepositorySettings } from '@keyless/policy';
import { resource } from './values.js';
import type { ResourceBlueprint } from './values.js';

/**
 * The settings of the infra repository that its pipeline relies on: a ruleset on the default branch (pull
 * requests with approving reviews by code owners, the last push approved by someone else, the pipeline's checks
 * from GitHub Actions, no force push or deletion, nobody bypasses), workflow tokens that default to read and
 * cannot approve pull requests, and only GitHub's own actions plus the few the workflows pin.
 */
export function repositorySettingsResources(base: readonly string[], settings: RepositorySettings): ResourceBlueprint[] {
  return [
    resource<RepositoryRulesetConfig>('github_repository_ruleset', [...base, 'ruleset'], {
      name: 'keyless pipeline',
      repository: settings.repository,
      target: 'branch',
      enforcement: 'active',
      conditions: { refName: { include: ['~DEFAULT_BRANCH'], exclude: [] } },
      rules: {
        deletion: true,
        nonFastForward: true,
        pullRequest: {
          requiredApprovingReviewCount: settings.requiredApprovingReviewCount,
          requireCodeOwnerReview: true,
          requireLastPushApproval: true,
          dismissStaleReviewsOnPush: true,
          requiredReviewThreadResolution: true,
        },
        requiredStatusChecks: {
          strictRequiredStatusChecksPolicy: true,
          requiredCheck: settings.requiredChecks.map((context) => ({ context, integrationId: settings.integrationId })),
        },
      },
    }),
    resource<WorkflowRepositoryPermissionsConfig>('github_workflow_repository_permissions', [...base, 'workflow-permissions'], {
      repository: settings.repository,
      defaultWorkflowPermissions: 'read',
      canApprovePullRequestReviews: false,
    }),
    resource<ActionsRepositoryPermissionsConfig>('github_actions_repository_permissions', [...base, 'actions-permissions'], {
      repository: settings.repository,
      enabled: true,
      allowedActions: 'selected',
      allowedActionsConfig: { githubOwnedAllowed: true, verifiedAllowed: false, patternsAllowed: settings.allowedActions },
    }),
  ];
}
