import type { AccessModel, BootstrapAccount } from '@keyless/policy';
import { bootstrapStack } from '../blueprint/bootstrap-stack.js';
import { keylessStack } from '../blueprint/keyless-stack.js';
import { printStack } from './print-stack.js';
import type { Block } from './terraform-json.js';

export interface RenderOptions {
  /**
   * `s3` the config's state bucket, `local` a state file beside the stack, `auto` S3 when the config names a bucket.
   * @default 'auto'
   */
  readonly backend?: 'auto' | 'local' | 's3';
}

/** The Terraform JSON that `KeylessStack` synthesizes for this model. */
export function renderKeylessStack(stackId: string, model: AccessModel, options: RenderOptions = {}): Block {
  return printStack(keylessStack(stackId, model, options.backend ?? 'auto'));
}

/** The Terraform JSON that `BootstrapStack` synthesizes for this account. */
export function renderBootstrapStack(stackId: string, model: AccessModel, account: BootstrapAccount, infraRepository: string, options: RenderOptions = {}): Block {
  return printStack(bootstrapStack(stackId, model, account, infraRepository, options.backend ?? 'auto'));
}
