import { buildAccessModel, bootstrapVariableNames } from '@keyless/policy';
import type { BootstrapAccount } from '@keyless/policy';
import { TerraformOutput } from 'cdktf';
import type { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { GithubActionsVariables } from './github-actions-variables.js';
import { KeylessStack } from './keyless-stack.js';
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
 * What an account needs before any pipeline can run: the GitHub OIDC provider, the state bucket, the infra
 * repository's plan role (pull requests, read-only plus the state lock file) and apply role (its GitHub
 * environment only), that environment with its reviewers, and the variables the workflows read.
 */
export class BootstrapStack extends KeylessStack {
  readonly stateBucket: TerraformStateBucket;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id, {
      access: buildAccessModel(props.account.access, `accounts.${props.account.key}`),
      ...(props.configureBackend ? { configureBackend: props.configureBackend } : {}),
      ...(props.backend ? { backend: props.backend } : {}),
    });
    this.stateBucket = new TerraformStateBucket(this, 'state', { bucketName: props.account.stateBucket });
    const names = bootstrapVariableNames(props.account.key);
    new GithubActionsVariables(this, 'pipeline-variables', {
      repository: props.infraRepository,
      variables: [{ name: names.stateBucket, value: props.account.stateBucket }],
    });
    new TerraformOutput(this, 'state_bucket', { value: this.stateBucket.bucketName });
  }
}
