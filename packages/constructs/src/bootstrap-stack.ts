import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { ActionsRepositoryPermissions } from '@cdktf/provider-github/lib/actions-repository-permissions/index.js';
import { RepositoryRuleset } from '@cdktf/provider-github/lib/repository-ruleset/index.js';
import { WorkflowRepositoryPermissions } from '@cdktf/provider-github/lib/workflow-repository-permissions/index.js';
import { buildAccessModel, bootstrapVariableNames } from '@keyless/policy';
import type { BootstrapAccount, RepositorySettings } from '@keyless/policy';
import { TerraformOutput } from 'cdktf';
import type { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { GithubActionsVariables } from './constructs/github-actions-variables.js';
import { KeylessStack } from './stacks/keyless-stack.js';
import { stateKeyDescription, stateKeyPolicy } from './state-bucket-policy.js';
import { TerraformStateBucket } from './terraform-state-bucket.js';

export interface BootstrapStackProps {
  /** One account of the bootstrap declaration, from `bootstrapAccounts`. */
  readonly account: BootstrapAccount;
  /** The infra repository (name only). */
  readonly infraRepository: string;
  /**
   * Configure the stack's Terraform backend yourself; overrides `backend`.
   * @default - see `backend`
   */
  readonly configureBackend?: (stack: TerraformStack) => void;
  /**
   * `local` for the very first apply, before the state bucket exists; see the README's runbook.
   * @default 'auto'
   */
  readonly backend?: 'auto' | 'local' | 's3';
}

/**
 * What an account needs before any pipeline can run: the GitHub OIDC provider, the state bucket and its
 * customer managed KMS key (only the pipeline's roles and the break-glass principals reach either), the
 * permissions boundary of the product roles, the infra repository's plan, drift, apply and bootstrap-apply
 * roles, its GitHub environments with their reviewers, the variables the workflows read, and — on one account
 * — the repository's ruleset and Actions settings.
 */
export class BootstrapStack extends KeylessStack {
  readonly stateBucket: TerraformStateBucket;
  readonly stateKey: KmsKey;
  readonly boundaryPolicy: IamPolicy;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id, {
      model: buildAccessModel(props.account.access, `accounts.${props.account.key}`),
      ...(props.configureBackend ? { configureBackend: props.configureBackend } : {}),
      ...(props.backend ? { backend: props.backend } : {}),
    });
    const account = props.account;
    const roles = this.repositories.get(props.infraRepository)?.roles;
    const roleArn = (key: string): string => {
      const role = roles?.get(key);
      if (!role) throw new Error(`account ${account.key}: the infra repository has no ${key} role`);
      return role.arn;
    };
    const root = `arn:aws:iam::${this.model.aws.accountId}:root`;
    this.stateKey = new KmsKey(this, 'state-key', {
      description: stateKeyDescription(account.stateBucket),
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify(
        stateKeyPolicy({
          accountRootArn: root,
          region: this.model.aws.region,
          readerArns: [roleArn('plan'), roleArn('drift')],
          writerArns: [roleArn('apply'), roleArn('bootstrap-apply')],
          administratorArns: [account.roleArns.bootstrapApply, ...account.breakGlassPrincipalArns],
          breakGlassArns: account.breakGlassPrincipalArns,
        }),
      ),
      lifecycle: { preventDestroy: true },
    });
    this.stateBucket = new TerraformStateBucket(this, 'state', {
      bucketName: account.stateBucket,
      kmsKeyArn: this.stateKey.arn,
      allowedPrincipalArns: [account.roleArns.plan, account.roleArns.drift, account.roleArns.apply, account.roleArns.bootstrapApply, ...account.breakGlassPrincipalArns],
    });
    this.boundaryPolicy = new IamPolicy(this, 'boundary', {
      name: account.boundaryPolicy.name,
      path: account.boundaryPolicy.path,
      description: 'Permissions boundary of every product role keyless manages: nothing of the pipeline, no unbounded principal',
      policy: JSON.stringify(account.boundaryPolicy.document),
    });
    const names = bootstrapVariableNames(account.key);
    new GithubActionsVariables(this, 'pipeline-variables', {
      repository: props.infraRepository,
      variables: [{ name: names.stateBucket, value: account.stateBucket }],
    });
    if (account.repositorySettings) new RepositorySettingsConstruct(this, 'repository-settings', account.repositorySettings);
    new TerraformOutput(this, 'state_bucket', { value: this.stateBucket.bucketName });
    new TerraformOutput(this, 'state_key_arn', { value: this.stateKey.arn });
    new TerraformOutput(this, 'boundary_policy_arn', { value: this.boundaryPolicy.arn });
  }
}

/**
 * The settings of the infra repository that its pipeline relies on: a ruleset on the default branch (pull
 * requests with approving reviews by code owners, the last push approved by someone else, the pipeline's checks
 * from GitHub Actions, no force push or deletion, nobody bypasses), workflow tokens that default to read and
 * cannot approve pull requests, and only GitHub's own actions plus the few the workflows pin.
 */
class RepositorySettingsConstruct extends Construct {
  constructor(scope: Construct, id: string, settings: RepositorySettings) {
    super(scope, id);
    new RepositoryRuleset(this, 'ruleset', {
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
    });
    new WorkflowRepositoryPermissions(this, 'workflow-permissions', {
      repository: settings.repository,
      defaultWorkflowPermissions: 'read',
      canApprovePullRequestReviews: false,
    });
    new ActionsRepositoryPermissions(this, 'actions-permissions', {
      repository: settings.repository,
      enabled: true,
      allowedActions: 'selected',
      allowedActionsConfig: { githubOwnedAllowed: true, verifiedAllowed: false, patternsAllowed: [...settings.allowedActions] },
    });
  }
}
