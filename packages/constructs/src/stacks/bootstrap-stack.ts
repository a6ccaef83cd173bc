import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { OrganizationsPolicy } from '@cdktf/provider-aws/lib/organizations-policy/index.js';
import { OrganizationsPolicyAttachment } from '@cdktf/provider-aws/lib/organizations-policy-attachment/index.js';
import { ActionsRepositoryPermissions } from '@cdktf/provider-github/lib/actions-repository-permissions/index.js';
import { RepositoryRuleset } from '@cdktf/provider-github/lib/repository-ruleset/index.js';
import { WorkflowRepositoryPermissions } from '@cdktf/provider-github/lib/workflow-repository-permissions/index.js';
import { buildAccessModel } from '@keyless/policy';
import type { BootstrapAccount } from '@keyless/policy';
import { Construct } from 'constructs';
import { bootstrapBlueprint } from '../blueprint/bootstrap-stack.js';
import type { BootstrapBlueprint } from '../blueprint/bootstrap-stack.js';
import { organizationGuardrailResources } from '../blueprint/organization-guardrail.js';
import { repositorySettingsResources } from '../blueprint/repository-settings.js';
import { GithubActionsVariables } from '../constructs/github-actions-variables.js';
import { prepared } from '../constructs/prepared.js';
import { Reader } from '../constructs/reader.js';
import { TerraformStateBucket } from '../constructs/terraform-state-bucket.js';
import { KeylessStack } from './keyless-stack.js';
import type { StackBackendProps } from './keyless-stack.js';

export interface BootstrapStackProps extends StackBackendProps {
  /** One account of the bootstrap declaration, from `bootstrapAccounts`. */
  readonly account: BootstrapAccount;
  /** The infra repository (name only). */
  readonly infraRepository: string;
}

/**
 * What an account needs before any pipeline can run: the GitHub OIDC provider, the state bucket and its
 * customer managed KMS key (only the pipeline's roles and the break-glass principals reach either), the
 * permissions boundary of the product roles, the infra repository's plan, drift, apply and bootstrap-apply
 * roles, its GitHub environments with their reviewers, the variables the workflows read, on one account the
 * repository's ruleset and Actions settings, and on the account that owns it the organisation guardrail (a
 * resource control policy and its attachments).
 */
export class BootstrapStack extends KeylessStack {
  readonly stateBucket: TerraformStateBucket;
  readonly stateKey: KmsKey;
  readonly boundaryPolicy: IamPolicy;
  /** The organisation guardrail's resource control policy, on the account that owns it. */
  readonly organizationGuardrailPolicy?: OrganizationsPolicy;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id, {
      model: buildAccessModel(props.account.access, `accounts.${props.account.key}`),
      ...(props.configureBackend ? { configureBackend: props.configureBackend } : {}),
      ...(props.backend ? { backend: props.backend } : {}),
    });
    let blueprint: BootstrapBlueprint;
    try {
      blueprint = bootstrapBlueprint(this.model, props.account, props.infraRepository);
    } catch (error) {
      throw new Error(`${this.node.path}: ${(error as Error).message}`);
    }
    const reader = new Reader(this);
    this.stateKey = reader.build(this, () => [blueprint.stateKey], [KmsKey])[0] as KmsKey;
    this.stateBucket = new TerraformStateBucket(this, blueprint.state.id, prepared(blueprint.state.spec));
    this.boundaryPolicy = reader.build(this, () => [blueprint.boundary], [IamPolicy])[0] as IamPolicy;
    new GithubActionsVariables(this, blueprint.pipelineVariables.id, prepared(blueprint.pipelineVariables.spec));
    const settings = blueprint.repositorySettings;
    if (settings) {
      const scope = new Construct(this, settings.id);
      reader.build(scope, (base) => repositorySettingsResources(base, settings.spec), [RepositoryRuleset, WorkflowRepositoryPermissions, ActionsRepositoryPermissions]);
    }
    const guardrail = blueprint.organizationGuardrail;
    if (guardrail) {
      const scope = new Construct(this, guardrail.id);
      const built = reader.build(scope, (base) => organizationGuardrailResources(base, guardrail.spec), [OrganizationsPolicy, OrganizationsPolicyAttachment]);
      this.organizationGuardrailPolicy = built[0] as OrganizationsPolicy;
    }
    reader.outputs(blueprint.outputs);
  }
}
