/**
 * The bootstrap config's shape (the zod schema its YAML is parsed with), the types it expands to, and the rules
 * the schema cannot state. bootstrap-accounts.ts expands a valid config into one access config per account.
 */
import { z } from 'zod';
import { accessConfigSchema } from './access-config.js';
import { configProblem } from './problems.js';
import type { AccessConfig, IssuerConfig } from './access-config.js';
import type { GithubIssuer } from '../github/issuer.js';
import { checkBucketName } from '../iam/limits.js';
import type { ResourceControlPolicy } from '../iam/organization-guardrail.js';
import { DEFAULT_ROLE_PATH } from '../model/index.js';

const reviewersSchema = z.strictObject({
  users: z.array(z.number()).optional(),
  teams: z.array(z.number()).optional(),
});

const organizationGuardrailSchema = z
  .strictObject({
    account: z
      .string()
      .optional()
      .describe("The account whose bootstrap stack creates the policy: the organization's management account or the delegated administrator for Organizations policies; required when the config has several accounts"),
    targetIds: z
      .array(z.string())
      .describe('Where the policy is attached: the organization root (r-...), organizational units (ou-...-...) or member accounts (12 digits)'),
  })
  .describe("A resource control policy that denies sts:AssumeRoleWithWebIdentity to GitHub tokens of any other owner than github.ownerId, in every member account below the targets (docs/runbook.md)");

export const bootstrapConfigSchema = z.strictObject({
  github: accessConfigSchema.shape.github,
  infraRepository: z.strictObject({
    name: z.string(),
    id: z.number().optional(),
    subjectFormat: z.enum(['name', 'immutable', 'both']).optional(),
    settingsAccount: z
      .string()
      .optional()
      .describe('The account whose bootstrap stack manages the infra repository ruleset and Actions settings; default prod, else the last account by name'),
  }),
  /** Bucket names are `<prefix>-<accountId>`: one state bucket per account keeps environments apart. */
  stateBucketPrefix: z.string(),
  reviewers: reviewersSchema.optional(),
  accounts: z.record(
    z.string(),
    z.strictObject({
      accountId: z.string(),
      region: z.string(),
      reviewers: reviewersSchema.optional(),
      tags: z.record(z.string(), z.string()).optional(),
      breakGlassPrincipalArns: z
        .array(z.string())
        .optional()
        .describe('Principals besides the pipeline roles that may use the state bucket and its key (ArnLike patterns); default the account root'),
    }),
  ),
  organizationGuardrail: organizationGuardrailSchema.optional(),
});

export type BootstrapConfig = z.infer<typeof bootstrapConfigSchema>;

/** The path of every role and policy of the pipeline itself. */
export const PIPELINE_PATH = '/keyless/';
/** The state key prefix of every keyless stack (`<prefix>/<stack>.tfstate`), the model's default. */
export const STATE_KEY_PREFIX = 'keyless';
/** The path under which the product apply role may manage roles: the access configs' default role path. */
export const PRODUCT_ROLE_PATH = DEFAULT_ROLE_PATH;
/** The GitHub App id of GitHub Actions: a required check must come from a workflow run, not from any status. */
export const GITHUB_ACTIONS_APP_ID = 15368;
/** The check runs of this repository's own workflows that a pull request must pass (ci.yml, plan.yml). */
export const PIPELINE_REQUIRED_CHECKS: readonly string[] = ['ci', 'keyless plan'];
/** Actions outside github.com/actions that the workflows use, as GitHub's allow-list patterns. */
export const PIPELINE_ALLOWED_ACTIONS: readonly string[] = ['aws-actions/configure-aws-credentials@*', 'pnpm/action-setup@*'];

/** The GitHub environments of one account: applies of the product stacks, of the bootstrap stack, and plans on main. */
export interface BootstrapEnvironments {
  /** `K`: required reviewers; the product apply role trusts it. */
  readonly apply: string;
  /** `K-bootstrap`: required reviewers; the bootstrap apply role trusts it. */
  readonly bootstrapApply: string;
  /** `K-read`: branch main only, no reviewers; the drift role trusts it and the read App's key lives there. */
  readonly read: string;
}

export function bootstrapEnvironmentNames(envKey: string): BootstrapEnvironments {
  return { apply: envKey, bootstrapApply: `${envKey}-bootstrap`, read: `${envKey}-read` };
}

/** The infra repository's settings that the pipeline relies on, managed by one account's bootstrap stack. */
export interface RepositorySettings {
  readonly repository: string;
  /** Approving reviews a pull request into the default branch needs; the last push must be approved by someone else. */
  readonly requiredApprovingReviewCount: number;
  /** Check runs that must pass, each from GitHub Actions (`integrationId`). */
  readonly requiredChecks: readonly string[];
  readonly integrationId: number;
  /** Non-GitHub actions allowed to run (GitHub's own are allowed too, Marketplace-verified ones are not). */
  readonly allowedActions: readonly string[];
}

export interface BootstrapAccount {
  /** The environment key, such as dev; names the stack `bootstrap-<key>` and the GitHub environments. */
  readonly key: string;
  readonly stateBucket: string;
  readonly access: AccessConfig;
  readonly environments: BootstrapEnvironments;
  /** The ARNs of the pipeline's roles in this account (they are created by this account's stack). */
  readonly roleArns: { readonly plan: string; readonly drift: string; readonly apply: string; readonly bootstrapApply: string };
  /** Principals besides the pipeline roles that may reach the state bucket and its key (ArnLike patterns). */
  readonly breakGlassPrincipalArns: readonly string[];
  /** The permissions boundary every product role carries (`defaults.permissionsBoundaryArn` of the access configs). */
  readonly boundaryPolicy: { readonly name: string; readonly path: string; readonly arn: string; readonly document: PolicyDoc };
  /** Set on the one account whose stack manages the infra repository's settings. */
  readonly repositorySettings?: RepositorySettings;
  /** Set on the one account whose stack creates the organisation guardrail (`organizationGuardrail.account`). */
  readonly organizationGuardrail?: OrganizationGuardrail;
}

/** The organisation guardrail as the owning account's bootstrap stack creates it. */
export interface OrganizationGuardrail {
  /** The policy's name in AWS Organizations. */
  readonly name: string;
  readonly description: string;
  /** The resource control policy (organizationGuardrailPolicy). */
  readonly document: ResourceControlPolicy;
  /** Root, OU and account ids it is attached to, sorted, each once. */
  readonly targetIds: readonly string[];
}

interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}
export interface PolicyDoc {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** Names of the GitHub variables the pipeline reads, per environment key. */
export function bootstrapVariableNames(envKey: string): {
  planRoleArn: string;
  driftRoleArn: string;
  applyRoleArn: string;
  region: string;
  stateBucket: string;
} {
  const suffix = envKey.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return {
    planRoleArn: `KEYLESS_PLAN_ROLE_ARN_${suffix}`,
    driftRoleArn: `KEYLESS_DRIFT_ROLE_ARN_${suffix}`,
    // One name in the two apply environments (K and K-bootstrap), each with its own role.
    applyRoleArn: 'KEYLESS_APPLY_ROLE_ARN',
    region: `KEYLESS_REGION_${suffix}`,
    stateBucket: `KEYLESS_STATE_BUCKET_${suffix}`,
  };
}

/** The account whose bootstrap stack manages the repository settings: the configured one, else prod, else the last by name. */
export function settingsAccountKey(config: BootstrapConfig): string | undefined {
  const keys = Object.keys(config.accounts).sort();
  if (config.infraRepository.settingsAccount !== undefined) return config.infraRepository.settingsAccount;
  return keys.includes('prod') ? 'prod' : keys[keys.length - 1];
}

/** Problems of the parts of a bootstrap config the schema cannot check, one line each naming the entry. */
export function bootstrapConfigProblems(config: BootstrapConfig): string[] {
  const problems: string[] = [];
  const prefix = config.stateBucketPrefix;
  // The bucket is <prefix>-<accountId>: S3's naming rule decides, on the longest such name; no dots, so that the
  // bucket's virtual-hosted TLS certificate matches.
  const prefixProblem = /^[a-z0-9-]*$/.test(prefix) ? checkBucketName(`${prefix}-000000000000`) : 'a bucket prefix has lowercase letters, digits and hyphens (no dots)';
  if (prefixProblem) problems.push(`stateBucketPrefix: "${prefix}": ${prefixProblem}; the bucket is <prefix>-<accountId>`);
  const settings = config.infraRepository.settingsAccount;
  if (settings !== undefined && !(settings in config.accounts))
    problems.push(`infraRepository.settingsAccount: "${settings}": not an account of this config; use one of ${Object.keys(config.accounts).sort().map((k) => JSON.stringify(k)).join(', ') || '(none)'}`);
  for (const [key, account] of Object.entries(config.accounts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    (account.breakGlassPrincipalArns ?? []).forEach((arn, i) => {
      const at = `accounts.${key}.breakGlassPrincipalArns[${i}]`;
      const own = `arn:aws:iam::${account.accountId}:`;
      const rest = arn.startsWith(own) ? arn.slice(own.length) : undefined;
      if (rest === undefined || !(rest === 'root' || /^(role|user)\/[A-Za-z0-9+=,.@_/*-]+$/.test(rest)) || /[?]/.test(arn))
        problems.push(`${at}: "${arn}": a principal of the account itself, ${own}root, ${own}role/NAME or ${own}user/NAME ("*" allowed in the name)`);
      else if (rest === 'role/*' || rest === 'user/*' || /^(role|user)\/\*+$/.test(rest))
        problems.push(`${at}: "${arn}": every role or user of the account is no break-glass principal; name the role`);
    });
  }
  problems.push(...guardrailProblems(config));
  return problems;
}


/** The GitHub issuer a config declares (github.com when it names none). */
export function bootstrapIssuer(config: IssuerConfig | undefined): GithubIssuer {
  if (config === undefined || config === 'github.com') return { kind: 'github.com' };
  if ('enterpriseSlug' in config) return { kind: 'enterprise-slug', slug: config.enterpriseSlug };
  if ('gheSubdomain' in config) return { kind: 'ghe.com', subdomain: config.gheSubdomain };
  return { kind: 'ghes', host: config.ghesHost };
}

/**
 * The account whose bootstrap stack creates the organisation guardrail: the configured one, else the only account;
 * undefined without a guardrail, or when several accounts leave it open (a problem, below).
 */
export function guardrailAccountKey(config: BootstrapConfig): string | undefined {
  const guardrail = config.organizationGuardrail;
  if (guardrail === undefined) return undefined;
  if (guardrail.account !== undefined) return guardrail.account;
  const keys = Object.keys(config.accounts);
  return keys.length === 1 ? keys[0] : undefined;
}

/** An Organizations target id: the root, an organizational unit or an account (AWS's TargetId pattern). */
const TARGET_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[0-9]{12})$/;

/** Problems of the organisation guardrail, one line each naming the entry. */
function guardrailProblems(config: BootstrapConfig): string[] {
  const guardrail = config.organizationGuardrail;
  if (guardrail === undefined) return [];
  const problems: string[] = [];
  const add = (path: readonly (string | number)[], value: unknown, rule: string): void => {
    problems.push(configProblem(path, value, rule).text);
  };
  if (config.github.ownerId === undefined)
    add(['organizationGuardrail'], guardrail, "the guardrail admits only tokens whose repository_owner_id is github.ownerId; set github.ownerId, the organisation's numeric id (gh api orgs/OWNER --jq .id)");
  const issuer = bootstrapIssuer(config.github.issuer);
  if (issuer.kind === 'ghe.com' || issuer.kind === 'ghes')
    add(['organizationGuardrail'], guardrail, `AWS documents the repository_owner_id condition key for token.actions.githubusercontent.com issuers only, not for ${issuer.kind === 'ghes' ? 'GitHub Enterprise Server' : 'GHE.com'}; a guardrail on a key STS does not set would deny every token`);
  const keys = Object.keys(config.accounts).sort();
  const choices = keys.map((k) => JSON.stringify(k)).join(', ') || '(none)';
  if (guardrail.account !== undefined && !keys.includes(guardrail.account))
    add(['organizationGuardrail', 'account'], guardrail.account, `not an account of this config; use one of ${choices}`);
  else if (guardrail.account === undefined && keys.length > 1)
    add(['organizationGuardrail'], guardrail, `the config has several accounts; set organizationGuardrail.account to the one that is the organization's management account or its delegated administrator for policies (one of ${choices})`);
  if (guardrail.targetIds.length === 0)
    add(['organizationGuardrail', 'targetIds'], guardrail.targetIds, 'at least one target: the organization root (r-...), an organizational unit (ou-...-...) or a member account (12 digits)');
  const seen = new Set<string>();
  guardrail.targetIds.forEach((id, i) => {
    const at = ['organizationGuardrail', 'targetIds', i];
    if (!TARGET_ID.test(id))
      add(at, id, 'an organization root (r- and 4 to 32 lowercase letters or digits), an organizational unit (ou-xxxx-yyyyyyyy) or a 12-digit account id');
    else if (seen.has(id)) add(at, id, 'listed twice; attach the policy to each target once');
    seen.add(id);
  });
  return problems;
}
