import type { OrganizationsPolicyConfig } from '@cdktf/provider-aws/lib/organizations-policy/index.js';
import type { OrganizationsPolicyAttachmentConfig } from '@cdktf/provider-aws/lib/organizations-policy-attachment/index.js';
import { RESOURCE_CONTROL_POLICY_TYPE } from '@keyless/policy';
import type { OrganizationGuardrail } from '@keyless/policy';
import { Ref, documentWithRefs, resource } from './values.js';
import type { ResourceBlueprint } from './values.js';

/**
 * The organisation guardrail below `base`: the resource control policy (`policy`) and one attachment per target
 * (`target-<id>`: the id is the stable key, so adding or removing a target moves no other attachment).
 */
export function organizationGuardrailResources(base: readonly string[], guardrail: OrganizationGuardrail): ResourceBlueprint[] {
  const policyPath = [...base, 'policy'];
  return [
    resource<OrganizationsPolicyConfig>('aws_organizations_policy', policyPath, {
      name: guardrail.name,
      description: guardrail.description,
      type: RESOURCE_CONTROL_POLICY_TYPE,
      content: documentWithRefs(() => guardrail.document),
    }),
    ...guardrail.targetIds.map((targetId) =>
      resource<OrganizationsPolicyAttachmentConfig>('aws_organizations_policy_attachment', [...base, `target-${targetId}`], {
        policyId: new Ref(policyPath, 'id'),
        targetId,
      }),
    ),
  ];
}
