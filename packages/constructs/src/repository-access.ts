import type { RepositoryModel } from '@keyless/policy';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { GithubActionsRole } from './github-actions-role.js';
import { GithubActionsVariables } from './github-actions-variables.js';
import type { GithubActionsVariable } from './github-actions-variables.js';
import { GithubEnvironment } from './github-environment.js';
import type { GithubOidcProvider } from './github-oidc-provider.js';
import { GithubSubjectTemplate } from './github-subject-template.js';

export interface RepositoryAccessProps {
  /** The repository's validated access declaration, from `buildAccessModel`. */
  readonly repository: RepositoryModel;
  /** The OIDC provider the roles trust. */
  readonly provider: GithubOidcProvider;
  /** The AWS region written to the region variable. */
  readonly region: string;
  /**
   * The account's role trust policy length quota: 2048, or 4096/8192 once raised.
   * @default 2048
   */
  readonly trustPolicyMaxChars?: number;
  /**
   * The account's managed policies per role quota: 10, raisable to 25.
   * @default 10
   */
  readonly managedPoliciesPerRole?: number;
}

/**
 * Everything one repository needs for keyless AWS access: its roles, the GitHub environments declared for
 * it, its subject template when a role pins reusable workflows, and the variables that carry each role's ARN
 * and the region, so a workflow needs only `role-to-assume: ${{ vars.AWS_ROLE_ARN }}`.
 *
 * Construct ids come from the repository and role keys, never from list positions: they are Terraform addresses.
 */
export class RepositoryAccess extends Construct {
  /** Roles by their key in the declaration. */
  readonly roles: ReadonlyMap<string, GithubActionsRole>;

  constructor(scope: Construct, id: string, props: RepositoryAccessProps) {
    super(scope, id);
    const repo = props.repository;
    const roles = new Map<string, GithubActionsRole>();
    for (const role of repo.roles) {
      roles.set(
        role.key,
        new GithubActionsRole(this, `role-${role.key}`, {
          provider: props.provider,
          subjects: role.subjects,
          roleName: role.name,
          path: role.path,
          description: role.description,
          managedPolicyArns: role.managedPolicyArns,
          inlinePolicies: Object.fromEntries(role.inlinePolicies.map((p) => [p.name, p.json])),
          maxSessionDurationSeconds: role.maxSessionDurationSeconds,
          ...(role.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: role.permissionsBoundaryArn } : {}),
          tags: role.tags,
          trustPolicyMaxChars: props.trustPolicyMaxChars,
          managedPoliciesPerRole: props.managedPoliciesPerRole,
          dangerouslyAllowAnyWorkflowRef: role.allowAnyWorkflowRef,
          readOnly: role.readOnly,
          // The model has already enforced these opt-ins; it only lets a risky subject through when opted in.
          dangerouslyAllowAnyBranch: role.risks.some((r) => r.kind === 'any-branch'),
          dangerouslyAllowPullRequestsWithWriteAccess: role.risks.some((r) => r.kind === 'pull-request-write'),
        }),
      );
    }
    this.roles = roles;

    const environments = new Map<string, ITerraformDependable>();
    for (const env of repo.environments) {
      const created = new GithubEnvironment(this, `environment-${env.name}`, {
        repository: repo.key,
        environment: env.name,
        reviewerUserIds: env.reviewerUserIds,
        reviewerTeamIds: env.reviewerTeamIds,
        preventSelfReview: env.preventSelfReview,
        canAdminsBypass: env.canAdminsBypass,
        ...(env.waitTimerMinutes !== undefined ? { waitTimerMinutes: env.waitTimerMinutes } : {}),
        deploymentBranches: env.deploymentBranches,
      });
      environments.set(env.name, created.resource);
    }

    if (repo.subjectClaimKeys && repo.manageSubjectTemplate) {
      new GithubSubjectTemplate(this, 'subject-template', { repository: repo.key, includeClaimKeys: repo.subjectClaimKeys });
    }

    const byTarget = new Map<string, GithubActionsVariable[]>();
    for (const v of repo.variables) {
      const value = v.value.kind === 'region' ? props.region : roles.get(v.value.role)?.arn;
      if (value === undefined) throw new Error(`variables: "${v.name}" refers to role ${JSON.stringify(v.value)} that the repository does not declare`);
      // An environment variable can only be written once its environment exists (when this app manages it).
      const environment = v.environment !== undefined && v.repository === repo.key ? environments.get(v.environment) : undefined;
      byTarget.set(v.repository, [
        ...(byTarget.get(v.repository) ?? []),
        {
          name: v.name,
          value,
          ...(v.environment !== undefined ? { environment: v.environment } : {}),
          ...(environment ? { dependsOn: [environment] } : {}),
        },
      ]);
    }
    for (const [target, variables] of [...byTarget].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      // The role's other repositories get their variables from here, the construct that owns the role.
      new GithubActionsVariables(this, target === repo.key ? 'variables' : `variables-for-${target}`, { repository: target, variables });
    }
  }
}
