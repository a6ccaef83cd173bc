/**
 * The access model's public types: what the config compiler produces and constructs, printers and reports read.
 */
import type { GithubIssuer, ResolvedIssuer } from '../github/issuer.js';
import type { RepositoryIdentity, SubjectFormat, SubjectSpec } from '../github/subject.js';
import type { PolicyDocument, TrustGrant } from '../iam/trust-policy.js';

export const DEFAULT_ROLE_ARN_VARIABLE = 'AWS_ROLE_ARN';
export const DEFAULT_REGION_VARIABLE = 'AWS_REGION';
export const DEFAULT_ROLE_PATH = '/github-actions/';
export const DEFAULT_SESSION_DURATION_SECONDS = 3600;

/** A grant that widens who can assume a role beyond one exact run; each needs an explicit opt-in or is reported. */
export type RiskKind =
  | 'any-branch'
  | 'pull-request-write'
  | 'administrator-access'
  | 'any-workflow-ref'
  | 'name-recycling'
  | 'branch-pattern'
  | 'tag-pattern'
  | 'github-audience'
  | 'organization-wide';

export interface Risk {
  readonly kind: RiskKind;
  readonly detail: string;
}

export interface AwsModel {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly trustPolicyMaxChars: number;
  readonly managedPoliciesPerRole: number;
  /** Create the provider, or refer to the existing one by ARN. */
  readonly oidcProvider: { readonly create: true } | { readonly existingArn: string };
  /** The provider's ARN as it is or will be; used for sizing and reports. */
  readonly oidcProviderArn: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface GithubModel {
  readonly owner: string;
  readonly ownerId?: number;
  readonly issuer: GithubIssuer;
  readonly resolvedIssuer: ResolvedIssuer;
  readonly audiences: readonly string[];
  /** Whether repositories with known ids have them pinned beside `sub` (`repository_id`, `repository_owner_id`). */
  readonly pinIds: boolean;
  /** Set when `audiences` holds GitHub's default audience, which the config opted in to. */
  readonly dangerouslyAllowGithubAudience?: true;
}

export interface EnvironmentModel {
  readonly name: string;
  readonly reviewerUserIds: readonly number[];
  readonly reviewerTeamIds: readonly number[];
  readonly preventSelfReview: boolean;
  readonly waitTimerMinutes?: number;
  readonly canAdminsBypass: boolean;
  readonly deploymentBranches: 'all' | 'protected' | readonly string[];
}

export interface InlinePolicyModel {
  readonly name: string;
  /** Canonical JSON: keys sorted, so reordering a mapping in the config changes nothing. */
  readonly json: string;
}

export interface RoleModel {
  readonly key: string;
  /** Where the role is declared, for messages: `repositories.web.roles.deploy`. */
  readonly entry: string;
  readonly name: string;
  readonly path: string;
  readonly description: string;
  readonly readOnly: boolean;
  readonly subjects: readonly SubjectSpec[];
  /** The `sub` values the trust policy accepts, sorted. */
  readonly claims: readonly string[];
  /**
   * The trust policy as IAM will hold it, with the provider's ARN (the existing one, or the one the stack's
   * provider will have). Built once, here; constructs and printers swap in a reference to the provider.
   */
  readonly trustPolicy: PolicyDocument;
  /**
   * The ways in, sorted: each `sub` value with the further claims the same token must carry (pinned ids, an
   * environment's refs, an organization role's owner id and workflows). The trust policy is built from these.
   */
  readonly grants: readonly TrustGrant[];
  readonly managedPolicyArns: readonly string[];
  readonly inlinePolicies: readonly InlinePolicyModel[];
  readonly maxSessionDurationSeconds: number;
  readonly permissionsBoundaryArn?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly risks: readonly Risk[];
  /** The config's opt-ins for risky grants that this role set, sorted; each widened the rules above. */
  readonly optIns: readonly RoleOptIn[];
  readonly allowAnyWorkflowRef: boolean;
}

/** An explicit opt-in of a role config to a grant the rules refuse by default. */
export type RoleOptIn =
  | 'dangerouslyAllowAdministratorAccess'
  | 'dangerouslyAllowAnyBranch'
  | 'dangerouslyAllowAnyWorkflowRef'
  | 'dangerouslyAllowPullRequestsWithWriteAccess';

export type VariableValue = { readonly kind: 'role-arn'; readonly role: string } | { readonly kind: 'region' };

export interface VariableModel {
  /** The repository the variable is written to: the role's own, or another one the role trusts. */
  readonly repository: string;
  readonly name: string;
  readonly scope: 'repository' | 'environment';
  /** Set when scope is environment. */
  readonly environment?: string;
  readonly value: VariableValue;
}

export interface RepositoryModel {
  readonly key: string;
  /** The stack suffix the repository lives in when the environment is sharded. */
  readonly shard?: string;
  readonly identity: RepositoryIdentity & { readonly subjectFormat: SubjectFormat };
  /** Custom subject template claim keys, when a role pins reusable workflows. */
  readonly subjectClaimKeys?: readonly string[];
  /** Whether this app writes the subject template (false when another app of the same repository does). */
  readonly manageSubjectTemplate: boolean;
  readonly environments: readonly EnvironmentModel[];
  readonly roles: readonly RoleModel[];
  readonly variables: readonly VariableModel[];
}

export interface StateModel {
  readonly bucket: string;
  readonly region: string;
  readonly keyPrefix: string;
}

export interface ShardingModel {
  readonly by: 'hash' | 'team';
  readonly shards?: number;
}

export interface AccessModel {
  readonly environment: string;
  /** How the environment splits into stacks, when it does. */
  readonly sharding?: ShardingModel;
  /** Remote state, when configured. */
  readonly state?: StateModel;
  readonly aws: AwsModel;
  readonly github: GithubModel;
  readonly repositories: readonly RepositoryModel[];
  /**
   * Roles every repository of the owner may assume through pinned reusable workflows (`organization.roles`).
   * In a sharded environment they live in the stack `<environment>-organization` only.
   * @default - none
   */
  readonly organizationRoles?: readonly RoleModel[];
}

/** One stack of an environment: its id and the model holding only its repositories. */
export interface StackModel {
  readonly stackId: string;
  readonly model: AccessModel;
}
