import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { GithubProvider } from '@cdktf/provider-github/lib/provider/index.js';
import { LocalBackend, S3Backend } from 'cdktf';
import type { LocalBackendConfig, S3BackendConfig, TerraformStack } from 'cdktf';
import type { StackFrame } from '../blueprint/stack.js';
import { Reader } from '../constructs/reader.js';

/**
 * The providers, the backend and the overrides of a stack blueprint, on the stack (its outputs come last, once the
 * resources they name exist). `configureBackend` replaces the blueprint's backend.
 */
export function readFrame(stack: TerraformStack, frame: StackFrame, configureBackend?: (stack: TerraformStack) => void): void {
  const reader = new Reader(stack);
  for (const provider of frame.providers) {
    if (provider.type === 'aws') new AwsProvider(stack, provider.type, reader.value(provider.config) as never);
    else new GithubProvider(stack, provider.type, reader.value(provider.config) as never);
  }
  if (configureBackend) configureBackend(stack);
  else if (frame.backend?.type === 's3') new S3Backend(stack, reader.value(frame.backend.config) as S3BackendConfig);
  else if (frame.backend?.type === 'local') new LocalBackend(stack, reader.value(frame.backend.config) as LocalBackendConfig);
  for (const o of frame.overrides) stack.addOverride(o.path, o.value);
}
