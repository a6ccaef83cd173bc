import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import {
  LIMITS,
  buildTrustPolicy,
  checkManagedPolicyArn,
  checkPolicyName,
  checkPolicyText,
  checkRoleName,
  checkRolePath,
  checkSessionDuration,
  checkTag,
  subjectGrant,
  withIssuerDefaults,
} from '@keyless/policy';
import type { PolicyDocument, SubjectSpec } from '@keyless/policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { roleResources, trustPolicyWithPrincipal } from '../blueprint/role.js';
import type { RoleSpec } from '../blueprint/role.js';
import type { IGithubOidcProvider } from './github-oidc-provider.js';
import { preparedSpec } from './prepared.js';
import { Reader } from './reader.js';

export interface GithubActionsRoleProps {
  /** The OIDC provider whose tokens the role trusts. */
  readonly provider: IGithubOidcProvider;
  /** Who may assume the role: repositories and the runs in them (branch, tag, environment, pull request). */
  readonly subjects: readonly SubjectSpec[];
  /** IAM role name: 1 to 64 characters of letters, digits and + = , . @ _ - */
  readonly roleName: string;
  /**
   * IAM path.
   * @default '/github-actions/'
   */
  readonly path?: string;
  /**
   * The IAM role description.
   * @default - names the trusted repositories
   */
  readonly description?: string;
  /**
   * Managed policies to attach, each through its own `aws_iam_role_policy_attachment`.
   * @default - none
   */
  readonly managedPolicyArns?: readonly string[];
  /**
   * Inline policies by name, each an `aws_iam_role_policy`.
   * @default - none
   */
  readonly inlinePolicies?: Readonly<Record<string, PolicyDocument | string>>;
  /**
   * ARN of a managed policy that caps the role's permissions.
   * @default - no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * The longest session the role grants, 3600 to 43200 seconds; the job's `role-duration-seconds` cannot exceed it.
   * @default 3600
   */
  readonly maxSessionDurationSeconds?: number;
  /**
   * Tags of the role (at most 50 with the provider's default tags).
   * @default - no tags
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The role trust policy length quota of the account: 2048, or 4096/8192 once raised.
   * @default 2048
   */
  readonly trustPolicyMaxChars?: number;
  /**
   * The managed policies per role quota: 10, raisable to 25.
   * @default 10
   */
  readonly managedPoliciesPerRole?: number;
  /**
   * Accept reusable workflow refs ending in `@*`.
   * @default false
   */
  readonly dangerouslyAllowAnyWorkflowRef?: boolean;
  /**
   * Declares that the role's permissions only read; pull request subjects need it (or the opt-in below).
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Accept the branch pattern `*`: any branch, so anyone who can push a branch can assume the role.
   * @default false
   */
  readonly dangerouslyAllowAnyBranch?: boolean;
  /**
   * Accept pull request subjects on a role that is not `readOnly`: pull request jobs run the pull request's code.
   * @default false
   */
  readonly dangerouslyAllowPullRequestsWithWriteAccess?: boolean;
}

/**
 * An IAM role that GitHub Actions jobs assume through OIDC, trusting exactly the declared subjects, with
 * permissions attached as separate resources (not the deprecated `managed_policy_arns`/`inline_policy`).
 */
export class GithubActionsRole extends Construct {
  /** The `aws_iam_role` resource. */
  readonly role: IamRole;
  /** The `sub` values the trust policy accepts, sorted. */
  readonly claims: readonly string[];
  /** The trust policy as rendered, with the provider ARN as a reference when the provider is created. */
  readonly trustPolicy: PolicyDocument;

  constructor(scope: Construct, id: string, props: GithubActionsRoleProps) {
    super(scope, id);
    const spec = preparedSpec<RoleSpec>(props) ?? roleSpec(this.node.path, props);
    const reader = new Reader(this);
    this.claims = spec.claims;
    this.trustPolicy = trustPolicyWithPrincipal(spec.trustPolicy, typeof spec.providerArn === 'string' ? spec.providerArn : reader.reference(spec.providerArn));
    const [role] = reader.build(this, (base) => roleResources(base, spec), [IamRole, IamRolePolicyAttachment, IamRolePolicy]);
    this.role = role as IamRole;
  }

  /** The role's ARN, a Terraform reference. */
  get roleArn(): string {
    return this.role.arn;
  }

  /** The role's name, a Terraform reference. */
  get roleName(): string {
    return this.role.name;
  }

  /** @deprecated use `roleArn` */
  get arn(): string {
    return this.roleArn;
  }

  /** @deprecated use `roleName` */
  get name(): string {
    return this.roleName;
  }
}

/** Validates the props (skipping unresolved tokens) and applies their defaults. */
function roleSpec(at: string, props: GithubActionsRoleProps): RoleSpec {
  const fail = (prop: string, value: unknown, rule: string): never => {
    throw new Error(`${at}: ${prop}: ${JSON.stringify(value)}: ${rule}`);
  };
  const check = (prop: string, value: unknown, rule: string | undefined): void => {
    if (rule !== undefined) fail(prop, value, rule);
  };
  if (!Token.isUnresolved(props.roleName)) check('roleName', props.roleName, checkRoleName(props.roleName));
  const path = props.path ?? '/github-actions/';
  check('path', path, checkRolePath(path));
  const duration = props.maxSessionDurationSeconds ?? 3600;
  check('maxSessionDurationSeconds', duration, checkSessionDuration(duration));
  if (props.subjects.length === 0) fail('subjects', [], 'a role needs at least one subject');
  // Risky grants need their opt-in here too: the construct is the guard for apps that skip the config.
  for (const s of props.subjects) {
    if ((s.context.kind === 'branch' || s.context.kind === 'tag') && s.context.pattern && /^\*+$/.test(s.context.name)) {
      if (s.context.kind === 'tag') fail('subjects', s.context.name, 'a bare "*" tag pattern trusts every tag; give a prefix such as v*');
      if (!props.dangerouslyAllowAnyBranch) fail('subjects', s.context.name, 'the branch pattern "*" trusts every branch; set dangerouslyAllowAnyBranch to opt in');
    }
    if (s.context.kind === 'pull-request' && !props.readOnly && !props.dangerouslyAllowPullRequestsWithWriteAccess) {
      fail('subjects', 'pull requests', 'pull request jobs run code from the pull request; set readOnly for a role that only reads, or dangerouslyAllowPullRequestsWithWriteAccess');
    }
  }
  // Each subject with the further claims it requires (pinned ids, an environment's refs): the model's own rule.
  // The issuer's defaults, as the config applies them: ids pinned by default on github.com only.
  const subjects = props.subjects.map((s) => ({ ...s, repository: withIssuerDefaults(s.repository, props.provider.issuer) }));
  const grants = subjects.map((s) => subjectGrant(s, { allowAnyWorkflowRef: props.dangerouslyAllowAnyWorkflowRef }));
  const claims = [...new Set(grants.flatMap((g) => g.subjects))].sort();
  const managed = [...new Set(props.managedPolicyArns ?? [])].sort();
  const maxManaged = props.managedPoliciesPerRole ?? LIMITS.managedPoliciesPerRole;
  if (managed.length > maxManaged) fail('managedPolicyArns', managed.length, `a role has at most ${maxManaged} managed policies (raisable by quota to 25)`);
  for (const arn of managed) if (!Token.isUnresolved(arn)) check('managedPolicyArns', arn, checkManagedPolicyArn(arn));
  if (props.permissionsBoundaryArn !== undefined && !Token.isUnresolved(props.permissionsBoundaryArn))
    check('permissionsBoundaryArn', props.permissionsBoundaryArn, checkManagedPolicyArn(props.permissionsBoundaryArn));
  const tags = props.tags ?? {};
  if (Object.keys(tags).length > LIMITS.tagsPerRole) fail('tags', Object.keys(tags).length, `a role has at most ${LIMITS.tagsPerRole} tags`);
  for (const [k, v] of Object.entries(tags)) check(`tags.${k}`, v, checkTag(k, v));
  const provider = props.provider;
  let trustPolicy: PolicyDocument;
  try {
    trustPolicy = buildTrustPolicy({
      providerArn: provider.oidcProviderArn,
      conditionKeyPrefix: provider.issuer.conditionKeyPrefix,
      subjects: [],
      grants,
      audiences: provider.audiences,
      dangerouslyAllowGithubAudience: provider.allowGithubAudience,
      maxChars: props.trustPolicyMaxChars ?? LIMITS.trustPolicyMaxChars,
      label: `role ${props.roleName}`,
    });
  } catch (error) {
    throw new Error(`${at}: ${(error as Error).message}`);
  }
  const inlinePolicies = Object.entries(props.inlinePolicies ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, doc]) => {
      check(`inlinePolicies.${name}`, name, checkPolicyName(name));
      const policy = typeof doc === 'string' ? doc : JSON.stringify(doc);
      check(`inlinePolicies.${name}`, name, checkPolicyText(policy));
      return { name, policy };
    });
  const repositories = [...new Set(props.subjects.map((s) => `${s.repository.owner}/${s.repository.name}`))].sort();
  return {
    name: props.roleName,
    path,
    description: props.description ?? `GitHub Actions in ${repositories.join(', ')}, managed by keyless`,
    claims,
    trustPolicy,
    providerArn: provider.oidcProviderArn,
    maxSessionDurationSeconds: duration,
    ...(props.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: props.permissionsBoundaryArn } : {}),
    tags: Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1))),
    managedPolicyArns: managed,
    inlinePolicies,
  };
}
