import type { RepositoryEnvironmentConfig } from '@cdktf/provider-github/lib/repository-environment/index.js';
import type { RepositoryEnvironmentDeploymentPolicyConfig } from '@cdktf/provider-github/lib/repository-environment-deployment-policy/index.js';
import { Ref, resource } from './values.js';
import type { ResourceBlueprint } from './values.js';

/** A GitHub environment as the blueprint writes it: reviewers sorted and unique, branch patterns unique. */
export interface EnvironmentSpec {
  readonly repository: string;
  readonly environment: string;
  readonly reviewerUserIds: readonly number[];
  readonly reviewerTeamIds: readonly number[];
  readonly preventSelfReview: boolean;
  readonly canAdminsBypass: boolean;
  readonly waitTimerMinutes?: number;
  readonly deploymentBranches: 'all' | 'protected' | readonly string[];
}

/** The path of the `github_repository_environment` of the environment construct at `base`. */
export function environmentPath(base: readonly string[]): string[] {
  return [...base, 'environment'];
}

/** The environment (`<base>/environment`) and one deployment policy per branch pattern (`<base>/branch-<pattern>`). */
export function environmentResources(base: readonly string[], spec: EnvironmentSpec): ResourceBlueprint[] {
  const path = environmentPath(base);
  const branches = spec.deploymentBranches;
  const hasReviewers = spec.reviewerUserIds.length + spec.reviewerTeamIds.length > 0;
  const out: ResourceBlueprint[] = [
    resource<RepositoryEnvironmentConfig>('github_repository_environment', path, {
      repository: spec.repository,
      environment: spec.environment,
      canAdminsBypass: spec.canAdminsBypass,
      preventSelfReview: spec.preventSelfReview,
      ...(spec.waitTimerMinutes !== undefined ? { waitTimer: spec.waitTimerMinutes } : {}),
      ...(hasReviewers ? { reviewers: [{ users: spec.reviewerUserIds, teams: spec.reviewerTeamIds }] } : {}),
      ...(branches === 'all'
        ? {}
        : { deploymentBranchPolicy: { protectedBranches: branches === 'protected', customBranchPolicies: branches !== 'protected' } }),
    }),
  ];
  if (Array.isArray(branches)) {
    for (const pattern of branches) {
      out.push(
        resource<RepositoryEnvironmentDeploymentPolicyConfig>('github_repository_environment_deployment_policy', [...base, `branch-${pattern}`], {
          repository: spec.repository,
          environment: new Ref(path, 'environment'),
          branchPattern: pattern,
        }),
      );
    }
  }
  return out;
}
