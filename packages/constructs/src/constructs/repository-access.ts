import type { RepositoryModel } from '@keyless/policy';
import { LIMITS } from '@keyless/policy';
import { Construct } from 'constructs';
import { repositorySpec } from '../blueprint/repository.js';
import type { RepositorySpec } from '../blueprint/repository.js';
import { GithubActionsRole } from './github-actions-role.js';
import { GithubActionsVariables } from './github-actions-variables.js';
import { GithubEnvironment } from './github-environment.js';
import type { IGithubOidcProvider } from './github-oidc-provider.js';
import { GithubSubjectTemplate } from './github-subject-template.js';
import { prepared, preparedSpec } from './prepared.js';
import { basePath } from './reader.js';

export interface RepositoryAccessProps {
  /** The repository's validated access declaration, from `buildAccessModel`. */
  readonly repository: RepositoryModel;
  /** The OIDC provider the roles trust. */
  readonly provider: IGithubOidcProvider;
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
    const spec = preparedSpec<RepositorySpec>(props) ?? this.specOf(props);
    const roles = new Map<string, GithubActionsRole>();
    for (const role of spec.roles) roles.set(role.key, new GithubActionsRole(this, role.id, prepared(role.spec)));
    this.roles = roles;
    for (const env of spec.environments) new GithubEnvironment(this, env.id, prepared(env.spec));
    if (spec.subjectTemplate) new GithubSubjectTemplate(this, spec.subjectTemplate.id, prepared(spec.subjectTemplate.spec));
    for (const group of spec.variables) new GithubActionsVariables(this, group.id, prepared(group.spec));
  }

  private specOf(props: RepositoryAccessProps): RepositorySpec {
    // The model was validated with the account's quotas; these props may name others.
    const maxManaged = props.managedPoliciesPerRole ?? LIMITS.managedPoliciesPerRole;
    for (const role of props.repository.roles) {
      if (role.managedPolicyArns.length > maxManaged) {
        throw new Error(`${this.node.path}: roles.${role.key}.managedPolicyArns: ${role.managedPolicyArns.length}: a role has at most ${maxManaged} managed policies (raisable by quota to 25)`);
      }
    }
    const provider = props.provider;
    try {
      return repositorySpec(basePath(this), props.repository, {
        trust: {
          providerArn: provider.oidcProviderArn,
          conditionKeyPrefix: provider.issuer.conditionKeyPrefix,
          audiences: provider.audiences,
          trustPolicyMaxChars: props.trustPolicyMaxChars ?? LIMITS.trustPolicyMaxChars,
          checkSize: true,
        },
        region: props.region,
      });
    } catch (error) {
      throw new Error(`${this.node.path}: ${(error as Error).message}`);
    }
  }
}
