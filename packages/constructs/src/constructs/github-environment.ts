import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment/index.js';
import { RepositoryEnvironmentDeploymentPolicy } from '@cdktf/provider-github/lib/repository-environment-deployment-policy/index.js';
import { checkEnvironmentName, checkGithubId, checkRefName, checkRepositoryName } from '@keyless/policy';
import { Construct } from 'constructs';
import { environmentResources } from '../blueprint/environment.js';
import type { EnvironmentSpec } from '../blueprint/environment.js';
import { preparedSpec } from './prepared.js';
import { Reader } from './reader.js';

export interface GithubEnvironmentProps {
  /** Repository name (the GitHub provider's owner applies). */
  readonly repository: string;
  /** Environment name: up to 255 characters, unique ignoring case in the repository. */
  readonly environment: string;
  /**
   * Numeric ids of users who must approve a deployment; at most 6 reviewers with teams.
   * @default - none
   */
  readonly reviewerUserIds?: readonly number[];
  /**
   * Numeric ids of teams who must approve a deployment.
   * @default - none
   */
  readonly reviewerTeamIds?: readonly number[];
  /**
   * Stop the person who triggered a deployment from approving it.
   * @default - true when there are reviewers
   */
  readonly preventSelfReview?: boolean;
  /**
   * Let repository administrators bypass the protection rules.
   * @default false
   */
  readonly canAdminsBypass?: boolean;
  /**
   * Minutes to wait before a job that names the environment may start, 0 to 43200.
   * @default - no wait timer
   */
  readonly waitTimerMinutes?: number;
  /**
   * Which branches may deploy: all, protected branches only, or branch name patterns.
   * @default 'all'
   */
  readonly deploymentBranches?: 'all' | 'protected' | readonly string[];
}

/** A GitHub environment with its protection rules; gates the jobs that can read its variables. */
export class GithubEnvironment extends Construct {
  /** The `github_repository_environment` resource. */
  readonly resource: RepositoryEnvironment;

  constructor(scope: Construct, id: string, props: GithubEnvironmentProps) {
    super(scope, id);
    const spec = preparedSpec<EnvironmentSpec>(props) ?? environmentSpec(this.node.path, props);
    const [resource] = new Reader(this).build(this, (base) => environmentResources(base, spec), [RepositoryEnvironment, RepositoryEnvironmentDeploymentPolicy]);
    this.resource = resource as RepositoryEnvironment;
  }
}

function environmentSpec(at: string, props: GithubEnvironmentProps): EnvironmentSpec {
  const problem = checkRepositoryName(props.repository) ?? checkEnvironmentName(props.environment);
  if (problem) throw new Error(`${at}: environment ${JSON.stringify(props.environment)} of ${props.repository}: ${problem}`);
  const users = [...new Set(props.reviewerUserIds ?? [])].sort((a, b) => a - b);
  const teams = [...new Set(props.reviewerTeamIds ?? [])].sort((a, b) => a - b);
  for (const idValue of [...users, ...teams]) {
    const idProblem = checkGithubId(idValue);
    if (idProblem) throw new Error(`${at}: reviewers: ${idValue}: ${idProblem}`);
  }
  if (users.length + teams.length > 6) throw new Error(`${at}: reviewers: ${users.length + teams.length}: an environment has at most 6 required reviewers`);
  const branches = props.deploymentBranches ?? 'all';
  if (Array.isArray(branches)) {
    if (branches.length === 0) throw new Error(`${at}: deploymentBranches: []: list at least one branch, or use "all" or "protected"`);
    for (const b of branches) {
      const refProblem = checkRefName(b, true);
      if (refProblem) throw new Error(`${at}: deploymentBranches: "${b}": ${refProblem}`);
    }
  }
  return {
    repository: props.repository,
    environment: props.environment,
    reviewerUserIds: users,
    reviewerTeamIds: teams,
    preventSelfReview: props.preventSelfReview ?? users.length + teams.length > 0,
    canAdminsBypass: props.canAdminsBypass ?? false,
    ...(props.waitTimerMinutes !== undefined ? { waitTimerMinutes: props.waitTimerMinutes } : {}),
    deploymentBranches: Array.isArray(branches) ? [...new Set(branches)].sort() : branches,
  };
}
