import type { AwsProviderConfig } from '@cdktf/provider-aws/lib/provider/index.js';
import type { GithubProviderConfig } from '@cdktf/provider-github/lib/provider/index.js';
import type { StateModel } from '@keyless/policy';
import type { LocalBackendConfig, S3BackendConfig } from 'cdktf';
import type { Config, ResourceBlueprint, Text } from './values.js';

/** A provider of the stack; its construct id is its type. */
export type ProviderBlueprint =
  | { readonly type: 'aws'; readonly config: Config<AwsProviderConfig> }
  | { readonly type: 'github'; readonly config: Config<GithubProviderConfig> };

export type BackendBlueprint =
  | { readonly type: 's3'; readonly config: Config<S3BackendConfig> }
  | { readonly type: 'local'; readonly config: Config<LocalBackendConfig> };

/** A stack output: text, or a map of text (its keys are data: written as they are, escaped). */
export interface OutputBlueprint {
  readonly id: string;
  readonly value: Text | Readonly<Record<string, Text>>;
}

/** A raw override of the stack's JSON, for what cdktf has no typed option for yet. */
export interface StackOverride {
  /** Dotted path from the top of the stack's JSON, such as `terraform.backend.s3.use_lockfile`. */
  readonly path: string;
  readonly value: string | number | boolean;
}

/** Everything of a stack but its resources. */
export interface StackFrame {
  readonly id: string;
  readonly providers: readonly ProviderBlueprint[];
  /** Unset when the app configures the backend itself. */
  readonly backend?: BackendBlueprint;
  readonly overrides: readonly StackOverride[];
  readonly outputs: readonly OutputBlueprint[];
}

/** A whole stack, as the printer reads it. */
export interface StackBlueprint extends StackFrame {
  readonly backend: BackendBlueprint;
  /** Read once, in order; a ref names a resource before it. */
  readonly resources: Iterable<ResourceBlueprint>;
}

/**
 * Which backend: `s3` the config's state bucket, `local` a state file beside the stack (the bootstrap's first
 * apply), `auto` S3 when the config names a bucket, `custom` none (the app configures it).
 */
export type BackendChoice = 'auto' | 'local' | 's3' | 'custom';

/** The backend of a stack and the overrides it needs. */
export function backendBlueprint(stackId: string, state: StateModel | undefined, choice: BackendChoice): Pick<StackFrame, 'backend' | 'overrides'> {
  if (choice === 'custom') return { overrides: [] };
  if (choice === 's3' || (choice === 'auto' && state)) {
    if (!state) throw new Error('backend: "s3": the config has no state entry naming the bucket');
    return {
      // No `encrypt`: with it terraform asks for SSE-S3 (AES256) on every write, overriding the bucket's default
      // encryption with its customer managed KMS key, which the bootstrap's bucket policy requires.
      backend: { type: 's3', config: { bucket: state.bucket, key: `${state.keyPrefix}/${stackId}.tfstate`, region: state.region } },
      // S3 lock files replace the deprecated DynamoDB table; cdktf 0.21 has no typed option for it yet.
      overrides: [{ path: 'terraform.backend.s3.use_lockfile', value: true }],
    };
  }
  return { backend: { type: 'local', config: { path: `terraform.${stackId}.tfstate` } }, overrides: [] };
}
