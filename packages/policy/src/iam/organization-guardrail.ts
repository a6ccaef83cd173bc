/**
 * The organisation guardrail: an AWS Organizations resource control policy (RCP) that denies
 * `sts:AssumeRoleWithWebIdentity` through GitHub's OIDC provider to every token whose `repository_owner_id` is
 * not the organisation's, in every member account it is attached to. A role created by hand, outside keyless,
 * with a trust policy as wide as `repo:*`, still cannot be assumed by a stranger's workflow.
 *
 * What AWS documents, and what this follows:
 * - RCP syntax: every statement is a Deny with `"Principal": "*"` and `"Resource": "*"` (Allow is reserved for
 *   `RCPFullAWSAccess`); STS is among the services RCPs apply to
 *   (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html,
 *   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).
 * - AWS's data perimeter example `EnforceTrustedOIDCTenants` scopes such a Deny to one identity provider with
 *   `"Null": {"<provider>:sub": "false"}`, so that other web identity federation (EKS IRSA, Cognito, other IdPs)
 *   is left alone (aws-samples/data-perimeter-policy-examples, resource_control_policies/identity_perimeter_rcp.json).
 * - STS exposes GitHub's `repository_owner_id` claim as the condition key `<issuer prefix>:repository_owner_id`, in
 *   trust policies and RCPs (IAM User Guide, "Available keys for OIDC federation"; the Service Authorization
 *   Reference lists it for `token.actions.githubusercontent.com` and `token.actions.githubusercontent.com/<path>`).
 *
 * Unlike AWS's example this uses `StringNotEquals`, not `StringNotEqualsIfExists`: a GitHub token without the key
 * is denied (fail closed), and there is no exemption tag, because whoever can create a role can tag it.
 */
import { ASSUME_ROLE_WITH_WEB_IDENTITY } from './trust-policy.js';
import type { ResolvedIssuer } from '../github/issuer.js';
import { resolveIssuer } from '../github/issuer.js';

/** The Organizations policy type of an RCP (`aws_organizations_policy.type`). */
export const RESOURCE_CONTROL_POLICY_TYPE = 'RESOURCE_CONTROL_POLICY';

/** The most characters an RCP may hold (AWS Organizations quotas: 5,120, whitespace included). */
export const RESOURCE_CONTROL_POLICY_MAX_CHARS = 5120;

/** The default name of the guardrail's policy in AWS Organizations. */
export const ORGANIZATION_GUARDRAIL_NAME = 'keyless-github-owner-guardrail';

/** One Deny statement of a resource control policy. */
export interface ResourceControlStatement {
  readonly Sid: string;
  readonly Effect: 'Deny';
  readonly Principal: '*';
  readonly Action: string;
  readonly Resource: '*';
  readonly Condition: {
    readonly Null: Readonly<Record<string, 'false'>>;
    readonly StringNotEquals: Readonly<Record<string, string>>;
  };
}

export interface ResourceControlPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly ResourceControlStatement[];
}

export interface OrganizationGuardrailOptions {
  /** The GitHub organisation's (or user's) numeric id: the `repository_owner_id` of its tokens. */
  readonly ownerId: number;
  /**
   * The issuers whose tokens the guardrail covers, one statement each (duplicates are dropped).
   * @default - github.com's issuer
   */
  readonly issuers?: readonly ResolvedIssuer[];
}

/**
 * The guardrail's RCP: per issuer, deny `sts:AssumeRoleWithWebIdentity` to a token of that issuer (its
 * `<prefix>:sub` key is present) whose `<prefix>:repository_owner_id` is not `ownerId`, or is missing.
 * Throws when `ownerId` is not a positive integer: a guardrail on a wrong id locks every workflow out.
 */
export function organizationGuardrailPolicy(options: OrganizationGuardrailOptions): ResourceControlPolicy {
  const { ownerId } = options;
  if (!Number.isSafeInteger(ownerId) || ownerId < 1) throw new Error(`owner id ${ownerId}: the organisation's numeric id, a positive integer`);
  const prefixes = [...new Set((options.issuers ?? [resolveIssuer()]).map((i) => i.conditionKeyPrefix))];
  if (prefixes.length === 0) throw new Error('no issuer: the guardrail needs at least one issuer to cover');
  return {
    Version: '2012-10-17',
    Statement: prefixes.map((prefix, i) => ({
      // Sids are alphanumeric: numbered when there are several.
      Sid: prefixes.length === 1 ? 'DenyGithubTokensOfOtherOwners' : `DenyGithubTokensOfOtherOwners${i + 1}`,
      Effect: 'Deny',
      Principal: '*',
      Action: ASSUME_ROLE_WITH_WEB_IDENTITY,
      Resource: '*',
      Condition: {
        // Only tokens of this issuer: every GitHub token has a sub, no other provider's token has this key.
        Null: { [`${prefix}:sub`]: 'false' },
        // Conditions compare text, so the id is written as its digits; an absent key makes StringNotEquals true.
        StringNotEquals: { [`${prefix}:repository_owner_id`]: String(ownerId) },
      },
    })),
  };
}

/** The text `aws_organizations_policy.content` holds: compact JSON, checked against the RCP size quota. */
export function resourceControlPolicyText(policy: ResourceControlPolicy): string {
  const text = JSON.stringify(policy);
  if (text.length > RESOURCE_CONTROL_POLICY_MAX_CHARS)
    throw new Error(`the resource control policy has ${text.length} characters; AWS Organizations allows ${RESOURCE_CONTROL_POLICY_MAX_CHARS}`);
  return text;
}
