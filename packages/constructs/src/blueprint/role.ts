import type { IamRoleConfig } from '@cdktf/provider-aws/lib/iam-role/index.js';
import type { IamRolePolicyConfig } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type { IamRolePolicyAttachmentConfig } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { trustPolicySize } from '@keyless/policy';
import type { PolicyDocument, RoleModel } from '@keyless/policy';
import { JsonText, Ref, resource } from './values.js';
import type { ResourceBlueprint } from './values.js';

/** A role as the blueprint writes it: validated, defaults applied, lists sorted and unique. */
export interface RoleSpec {
  readonly name: string;
  readonly path: string;
  readonly description: string;
  /** The `sub` values the trust policy accepts, sorted. */
  readonly claims: readonly string[];
  /** The trust policy; every statement's principal is `providerArn`. */
  readonly trustPolicy: PolicyDocument;
  /** The OIDC provider: a ref to the one the stack creates, or an ARN (an existing provider, or a cdktf token). */
  readonly providerArn: string | Ref;
  readonly maxSessionDurationSeconds: number;
  readonly permissionsBoundaryArn?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly managedPolicyArns: readonly string[];
  /** Inline policies sorted by name, each with its JSON text. */
  readonly inlinePolicies: readonly { readonly name: string; readonly policy: string }[];
}

/** What the roles of a stack share: the provider they trust and how it names its condition keys. */
export interface RoleTrust {
  readonly providerArn: string | Ref;
  readonly conditionKeyPrefix: string;
  readonly audiences: readonly string[];
  readonly trustPolicyMaxChars: number;
  /**
   * Check the trust policy's size against `trustPolicyMaxChars`.
   * @default false: the model has checked it with the provider's real ARN
   */
  readonly checkSize?: boolean;
}

/**
 * The spec of a role the model has validated, with the trust policy the model built (`role.trustPolicy`). The
 * provider the role is rendered against must be the one that policy was built for: same condition-key prefix
 * and audiences; with `checkSize`, the document is also sized against `trustPolicyMaxChars` with that provider.
 */
export function roleSpecFromModel(role: RoleModel, trust: RoleTrust): RoleSpec {
  const trustPolicy = role.trustPolicy;
  const audienceKey = `${trust.conditionKeyPrefix}:aud`;
  const audiences = JSON.stringify([...trust.audiences].sort());
  for (const statement of trustPolicy.Statement) {
    const held = statement.Condition?.['StringEquals']?.[audienceKey];
    const heldList = JSON.stringify(held === undefined ? undefined : typeof held === 'string' ? [held] : [...(held as readonly string[])].sort());
    if (heldList !== audiences)
      throw new Error(`role ${role.name}: the provider (${trust.conditionKeyPrefix}, audiences ${trust.audiences.join(', ')}) is not the one the access model built this role's trust policy for; use the model's issuer and audiences`);
  }
  if (trust.checkSize === true) {
    // A ref is an unresolved reference: sized as the longest ARN such a provider can have.
    const providerArn = typeof trust.providerArn === 'string' ? trust.providerArn : '${oidc-provider}';
    const size = trustPolicySize(trustPolicyWithPrincipal(trustPolicy, providerArn), { providerArn, conditionKeyPrefix: trust.conditionKeyPrefix });
    if (size > trust.trustPolicyMaxChars)
      throw new Error(`role ${role.name}: the trust policy has ${size} characters (${role.claims.length} subjects), over the limit of ${trust.trustPolicyMaxChars}; split these subjects across several roles, or raise the account quota for role trust policy length (up to 8192) and set trustPolicyMaxChars to match`);
  }
  return {
    name: role.name,
    path: role.path,
    description: role.description,
    claims: role.claims,
    trustPolicy,
    providerArn: trust.providerArn,
    maxSessionDurationSeconds: role.maxSessionDurationSeconds,
    ...(role.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: role.permissionsBoundaryArn } : {}),
    tags: role.tags,
    managedPolicyArns: role.managedPolicyArns,
    inlinePolicies: role.inlinePolicies.map((p) => ({ name: p.name, policy: p.json })),
  };
}

/** The path of the `aws_iam_role` of the role construct at `base`. */
export function rolePath(base: readonly string[]): string[] {
  return [...base, 'role'];
}

/**
 * The role (`<base>/role`), one `aws_iam_role_policy_attachment` per managed policy and one `aws_iam_role_policy`
 * per inline policy: never the deprecated `managed_policy_arns`/`inline_policy` arguments.
 */
export function roleResources(base: readonly string[], spec: RoleSpec): ResourceBlueprint[] {
  const role = rolePath(base);
  const out: ResourceBlueprint[] = [
    resource<IamRoleConfig>('aws_iam_role', role, {
      name: spec.name,
      path: spec.path,
      description: spec.description,
      assumeRolePolicy: new JsonText(trustPolicyWithPrincipal(spec.trustPolicy, spec.providerArn)),
      maxSessionDuration: spec.maxSessionDurationSeconds,
      ...(spec.permissionsBoundaryArn !== undefined ? { permissionsBoundary: spec.permissionsBoundaryArn } : {}),
      ...(Object.keys(spec.tags).length > 0 ? { tags: spec.tags } : {}),
      // Policies attached outside this stack would block deletion; detach them rather than fail a destroy.
      forceDetachPolicies: true,
    }),
  ];
  for (const arn of spec.managedPolicyArns) {
    // The id keeps the account and the policy path so that two policies never share an address.
    out.push(
      resource<IamRolePolicyAttachmentConfig>('aws_iam_role_policy_attachment', [...base, `managed-${arn.split(':')[4]}-${arn.slice(arn.indexOf(':policy/') + 8)}`], {
        role: new Ref(role, 'name'),
        policyArn: arn,
      }),
    );
  }
  for (const policy of spec.inlinePolicies) {
    out.push(resource<IamRolePolicyConfig>('aws_iam_role_policy', [...base, `inline-${policy.name}`], { name: policy.name, role: new Ref(role, 'id'), policy: policy.policy }));
  }
  return out;
}

/** The trust policy with `principal` as every statement's federated principal. */
export function trustPolicyWithPrincipal<P>(document: PolicyDocument, principal: P): PolicyDocument {
  return { ...document, Statement: document.Statement.map((statement) => ({ ...statement, Principal: { Federated: principal as string } })) };
}
