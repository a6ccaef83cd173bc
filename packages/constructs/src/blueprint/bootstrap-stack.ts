import type { IamPolicyConfig } from '@cdktf/provider-aws/lib/iam-policy/index.js';
import type { KmsKeyConfig } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { bootstrapVariableNames } from '@keyless/policy';
import type { AccessModel, BootstrapAccount, OrganizationGuardrail, RepositorySettings } from '@keyless/policy';
import { organizationGuardrailResources } from './organization-guardrail.js';
import { stateKeyDescription, stateKeyPolicy } from './state-bucket-policy.js';
import { keylessStackBlueprint, keylessStackResources, withResources } from './keyless-stack.js';
import { repositorySettingsResources } from './repository-settings.js';
import { rolePath } from './role.js';
import type { BackendChoice, OutputBlueprint, StackBlueprint } from './stack.js';
import { stateBucketResources } from './state-bucket.js';
import type { StateBucketSpec } from './state-bucket.js';
import { Ref, documentWithRefs, resource } from './values.js';
import type { Child, ResourceBlueprint } from './values.js';
import { variablesResources } from './variables.js';
import type { VariablesSpec } from './variables.js';

/**
 * What a bootstrap stack adds to the keyless stack of its account: the state key (`state-key`), the state bucket
 * (`state`), the permissions boundary of the product roles (`boundary`), the variables the workflows read
 * (`pipeline-variables`), on one account the infra repository's settings (`repository-settings`) and, on the
 * account that owns it, the organisation guardrail (`organization-guardrail`).
 */
export interface BootstrapBlueprint {
  readonly stateKey: ResourceBlueprint;
  readonly state: Child<StateBucketSpec>;
  readonly boundary: ResourceBlueprint;
  readonly pipelineVariables: Child<VariablesSpec>;
  readonly repositorySettings?: Child<RepositorySettings>;
  readonly organizationGuardrail?: Child<OrganizationGuardrail>;
  readonly outputs: readonly OutputBlueprint[];
}

const GUARDRAIL_ID = 'organization-guardrail';

/** The bootstrap part of the stack of one account; its keyless part is `keylessStackBlueprint` of the same model. */
export function bootstrapBlueprint(model: AccessModel, account: BootstrapAccount, infraRepository: string): BootstrapBlueprint {
  const infra = model.repositories.find((r) => r.key === infraRepository);
  const roleArn = (key: string): Ref => {
    if (!infra?.roles.some((r) => r.key === key)) throw new Error(`account ${account.key}: the infra repository has no ${key} role`);
    return new Ref(rolePath([`repo-${infraRepository}`, `role-${key}`]), 'arn');
  };
  const stateKey = resource<KmsKeyConfig>('aws_kms_key', ['state-key'], {
    description: stateKeyDescription(account.stateBucket),
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: documentWithRefs((ref) =>
      stateKeyPolicy({
        accountRootArn: `arn:aws:iam::${model.aws.accountId}:root`,
        region: model.aws.region,
        readerArns: [ref(roleArn('plan')), ref(roleArn('drift'))],
        writerArns: [ref(roleArn('apply')), ref(roleArn('bootstrap-apply'))],
        administratorArns: [account.roleArns.bootstrapApply, ...account.breakGlassPrincipalArns],
        breakGlassArns: account.breakGlassPrincipalArns,
      }),
    ),
    lifecycle: { preventDestroy: true },
  });
  const r = account.roleArns;
  const boundary = resource<IamPolicyConfig>('aws_iam_policy', ['boundary'], {
    name: account.boundaryPolicy.name,
    path: account.boundaryPolicy.path,
    description: 'Permissions boundary of every product role keyless manages: nothing of the pipeline, no unbounded principal',
    policy: documentWithRefs(() => account.boundaryPolicy.document),
  });
  const names = bootstrapVariableNames(account.key);
  return {
    stateKey,
    state: {
      id: 'state',
      spec: {
        bucketName: account.stateBucket,
        preventDestroyWithState: true,
        kmsKeyArn: new Ref(['state-key'], 'arn'),
        allowedPrincipalArns: [r.plan, r.drift, r.apply, r.bootstrapApply, ...account.breakGlassPrincipalArns],
      },
    },
    boundary,
    pipelineVariables: { id: 'pipeline-variables', spec: { repository: infraRepository, variables: [{ name: names.stateBucket, value: account.stateBucket }] } },
    ...(account.repositorySettings ? { repositorySettings: { id: 'repository-settings', spec: account.repositorySettings } } : {}),
    ...(account.organizationGuardrail ? { organizationGuardrail: { id: GUARDRAIL_ID, spec: account.organizationGuardrail } } : {}),
    outputs: [
      { id: 'state_bucket', value: new Ref(['state', 'bucket'], 'bucket') },
      { id: 'state_key_arn', value: new Ref(['state-key'], 'arn') },
      { id: 'boundary_policy_arn', value: new Ref(['boundary'], 'arn') },
      ...(account.organizationGuardrail ? [{ id: 'organization_guardrail_policy_id', value: new Ref([GUARDRAIL_ID, 'policy'], 'id') }] : []),
    ],
  };
}

/** The resources of the bootstrap part, in the order the constructs create them. */
export function* bootstrapResources(blueprint: BootstrapBlueprint): Generator<ResourceBlueprint> {
  yield blueprint.stateKey;
  yield* stateBucketResources([blueprint.state.id], blueprint.state.spec);
  yield blueprint.boundary;
  yield* variablesResources([blueprint.pipelineVariables.id], blueprint.pipelineVariables.spec);
  if (blueprint.repositorySettings) yield* repositorySettingsResources([blueprint.repositorySettings.id], blueprint.repositorySettings.spec);
  if (blueprint.organizationGuardrail) yield* organizationGuardrailResources([blueprint.organizationGuardrail.id], blueprint.organizationGuardrail.spec);
}

/** The whole bootstrap stack of one account, for the printer. */
export function bootstrapStack(stackId: string, model: AccessModel, account: BootstrapAccount, infraRepository: string, backend: Exclude<BackendChoice, 'custom'> = 'auto'): StackBlueprint {
  const keyless = keylessStackBlueprint(stackId, model, backend);
  const bootstrap = bootstrapBlueprint(model, account, infraRepository);
  function* resources(): Generator<ResourceBlueprint> {
    yield* keylessStackResources(keyless);
    yield* bootstrapResources(bootstrap);
  }
  return withResources({ ...keyless.frame, outputs: [...keyless.frame.outputs, ...bootstrap.outputs] }, resources());
}
