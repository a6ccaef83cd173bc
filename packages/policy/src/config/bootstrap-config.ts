/**
 * The bootstrap of an infra repository: per AWS account, the GitHub OIDC provider, the Terraform state bucket
 * and its KMS key, the permissions boundary of the product roles, and the roles that the repository's own
 * pipeline assumes. Expressed as an access config per account, so that the same rules and the same constructs
 * guard it; the account-wide pieces that are not roles (bucket, key, boundary, repository settings) are
 * described here and built by the bootstrap stack.
 *
 * The pipeline's roles, per account key K (docs/pipeline.md):
 * - `keyless-K-plan`: pull requests of the infra repository; IAM read-only, list the state bucket and read the
 *   state objects under `keyless/`; no lock file, no write of any kind (pull request plans run with
 *   `-lock=false`). The state key's policy lets it decrypt, through S3 only.
 * - `keyless-K-drift`: jobs of the GitHub environment `K-read` (branch main only, no reviewers); the same
 *   read-only powers. The nightly drift check and the plan that an apply shows its reviewers.
 * - `keyless-K-apply`: jobs of the environment `K` (reviewers); applies the product stacks. It manages roles
 *   under `/github-actions/` only, only with the permissions boundary `keyless-K-boundary`, and can change
 *   nothing of the pipeline: its own role, the other pipeline roles, the boundary policy, the OIDC provider,
 *   the bootstrap stack's state.
 * - `keyless-K-bootstrap-apply`: jobs of the environment `K-bootstrap` (reviewers); applies the bootstrap
 *   stack itself: the pipeline roles, the OIDC provider, the boundary, the state bucket and its key.
 */
import { z } from 'zod';
import { ConfigError, accessConfigSchema, loadYaml, parseAccessConfig, zodIssues } from './access-config.js';
import { withLocations } from './locate.js';
import type { AccessConfig, IssuerConfig } from './access-config.js';
import { oidcProviderArn, resolveIssuer } from '../github/issuer.js';
import { DEFAULT_ROLE_PATH } from '../model/index.js';

const reviewersSchema = z.strictObject({
  users: z.array(z.number()).optional(),
  teams: z.array(z.number()).optional(),
});

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

const ROLE_ACTIONS_WITH_BOUNDARY = [
  'iam:AttachRolePolicy',
  'iam:CreateRole',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:UpdateAssumeRolePolicy',
];
const ROLE_ACTIONS_WITHOUT_BOUNDARY_KEY = ['iam:DeleteRole', 'iam:TagRole', 'iam:UntagRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription'];
const READ_IAM = ['iam:Get*', 'iam:List*'];

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
  if (!/^[a-z0-9][a-z0-9-]{1,48}$/.test(prefix))
    problems.push(`stateBucketPrefix: "${prefix}": 2 to 49 lowercase letters, digits and hyphens; the bucket is <prefix>-<accountId>`);
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
  return problems;
}

/** The ARN of the account's GitHub OIDC provider (github.com's when the issuer is invalid: the model reports that). */
function providerArn(accountId: string, issuer: IssuerConfig | undefined): string {
  let url: string;
  try {
    url = resolveIssuer(
      issuer === undefined || issuer === 'github.com'
        ? { kind: 'github.com' }
        : 'enterpriseSlug' in issuer
          ? { kind: 'enterprise-slug', slug: issuer.enterpriseSlug }
          : 'gheSubdomain' in issuer
            ? { kind: 'ghe.com', subdomain: issuer.gheSubdomain }
            : { kind: 'ghes', host: issuer.ghesHost },
    ).url;
  } catch {
    url = resolveIssuer().url;
  }
  return oidcProviderArn('aws', accountId, url);
}

function roleArn(accountId: string, name: string): string {
  return `arn:aws:iam::${accountId}:role${PIPELINE_PATH}${name}`;
}

/**
 * The permissions boundary of every product role: whatever the role's own policies allow, except the pipeline
 * (its roles, policies and the OIDC provider), the state bucket, roles without this very boundary, removing a
 * boundary, and the principals a boundary does not reach (users, groups, access keys, new identity providers)
 * or policies that other roles use (new versions of customer managed policies).
 */
function boundaryDocument(accountId: string, bucketArn: string, boundaryArn: string): PolicyDoc {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AllowWithinTheBoundary', Effect: 'Allow', Action: '*', Resource: '*' },
      {
        Sid: 'NeverThePipeline',
        Effect: 'Deny',
        NotAction: READ_IAM,
        Resource: [`arn:aws:iam::${accountId}:role${PIPELINE_PATH}*`, `arn:aws:iam::${accountId}:policy${PIPELINE_PATH}*`, `arn:aws:iam::${accountId}:oidc-provider/*`],
      },
      { Sid: 'NeverTheState', Effect: 'Deny', Action: 's3:*', Resource: [bucketArn, `${bucketArn}/*`] },
      { Sid: 'OnlyRolesWithThisBoundary', Effect: 'Deny', Action: ROLE_ACTIONS_WITH_BOUNDARY, Resource: '*', Condition: { StringNotEquals: { 'iam:PermissionsBoundary': boundaryArn } } },
      { Sid: 'NeverRemoveABoundary', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' },
      {
        Sid: 'NoUnboundedPrincipals',
        Effect: 'Deny',
        Action: [
          'iam:AddUserToGroup', 'iam:AttachGroupPolicy', 'iam:AttachUserPolicy', 'iam:CreateAccessKey', 'iam:CreateLoginProfile',
          'iam:CreateOpenIDConnectProvider', 'iam:CreatePolicyVersion', 'iam:CreateSAMLProvider', 'iam:CreateUser',
          'iam:PutGroupPolicy', 'iam:PutUserPolicy', 'iam:SetDefaultPolicyVersion', 'iam:UpdateLoginProfile',
        ],
        Resource: '*',
      },
    ],
  };
}

/** Turns the bootstrap declaration into one access config per account. */
export function bootstrapAccounts(config: BootstrapConfig): BootstrapAccount[] {
  const problems = bootstrapConfigProblems(config);
  if (problems.length > 0) throw new ConfigError('bootstrap config', problems);
  const infra = config.infraRepository.name;
  const settingsKey = settingsAccountKey(config);
  return Object.entries(config.accounts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, account]) => {
      const acct = account.accountId;
      const bucket = `${config.stateBucketPrefix}-${acct}`;
      const bucketArn = `arn:aws:s3:::${bucket}`;
      const stateObjects = `${bucketArn}/${STATE_KEY_PREFIX}/*`;
      const names = bootstrapVariableNames(key);
      const envs = bootstrapEnvironmentNames(key);
      const reviewers = account.reviewers ?? config.reviewers;
      const roleNames = { plan: `keyless-${key}-plan`, drift: `keyless-${key}-drift`, apply: `keyless-${key}-apply`, bootstrapApply: `keyless-${key}-bootstrap-apply` };
      const boundaryName = `keyless-${key}-boundary`;
      const boundaryArn = `arn:aws:iam::${acct}:policy${PIPELINE_PATH}${boundaryName}`;
      const pipelineRoles = `arn:aws:iam::${acct}:role${PIPELINE_PATH}*`;
      const productRoles = `arn:aws:iam::${acct}:role${PRODUCT_ROLE_PATH}*`;
      const oidcProviders = `arn:aws:iam::${acct}:oidc-provider/*`;
      const gated = (who: typeof reviewers) => ({
        ...(who ? { reviewers: who } : {}),
        preventSelfReview: true,
        canAdminsBypass: false,
        deploymentBranches: ['main'],
      });
      // A bootstrap apply holds Administration on the infra repository, and GitHub scopes that to the whole
      // repository, not to one environment: whoever approves any account's bootstrap apply could change every
      // environment's protection rules. So every K-bootstrap environment takes the reviewers of the settings
      // account, the ones who already guard the repository's ruleset.
      const settingsAccount = settingsKey !== undefined ? config.accounts[settingsKey] : undefined;
      const bootstrapReviewers = settingsAccount?.reviewers ?? config.reviewers;
      // The state objects of every keyless stack of the account, and nothing else in the bucket.
      const stateRead = {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ListStateKeys', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn },
          { Sid: 'ReadPipelineState', Effect: 'Allow', Action: 's3:GetObject', Resource: stateObjects },
        ],
      };
      const access: AccessConfig = {
        environment: key,
        aws: {
          accountId: acct,
          region: account.region,
          oidcProvider: { create: true },
          ...(account.tags ? { tags: account.tags } : {}),
        },
        github: config.github,
        state: { bucket, region: account.region },
        defaults: { roleNamePrefix: 'keyless-', rolePath: PIPELINE_PATH, regionVariable: names.region },
        repositories: {
          [infra]: {
            ...(config.infraRepository.id !== undefined ? { id: config.infraRepository.id } : {}),
            ...(config.infraRepository.subjectFormat ? { subjectFormat: config.infraRepository.subjectFormat } : {}),
            environments: {
              [envs.apply]: gated(reviewers),
              [envs.bootstrapApply]: gated(bootstrapReviewers),
              // No reviewers: plans and the drift check run unattended, but only from main.
              [envs.read]: { preventSelfReview: false, canAdminsBypass: false, deploymentBranches: ['main'] },
            },
            roles: {
              plan: {
                name: roleNames.plan,
                description: `Terraform plan of ${config.github.owner}/${infra} pull requests (IAM read-only, the state objects read-only, no lock)`,
                readOnly: true,
                trust: { pullRequests: true },
                managedPolicyArns: ['arn:aws:iam::aws:policy/IAMReadOnlyAccess'],
                inlinePolicies: { 'terraform-state-read': stateRead },
                variable: { name: names.planRoleArn },
              },
              // Plans on main (the plan an apply shows its reviewers) and the nightly drift check: jobs of the
              // environment K-read, which holds the read App's key and deploys from main only.
              drift: {
                name: roleNames.drift,
                description: `Read-only terraform plan of ${config.github.owner}/${infra} on main (environment ${envs.read}): drift check and the plan shown before an apply`,
                readOnly: true,
                trust: { environments: [envs.read] },
                managedPolicyArns: ['arn:aws:iam::aws:policy/IAMReadOnlyAccess'],
                inlinePolicies: { 'terraform-state-read': stateRead },
                variable: { name: names.driftRoleArn, scope: 'environment' },
              },
              apply: {
                name: roleNames.apply,
                description: `Terraform apply of the product stacks of ${config.github.owner}/${infra} through the GitHub environment ${envs.apply}`,
                trust: { environments: [envs.apply] },
                managedPolicyArns: ['arn:aws:iam::aws:policy/IAMReadOnlyAccess'],
                maxSessionDurationSeconds: 7200,
                inlinePolicies: {
                  'keyless-product-apply': {
                    Version: '2012-10-17',
                    Statement: [
                      {
                        Sid: 'ProductRolesWithTheBoundary',
                        Effect: 'Allow',
                        Action: ROLE_ACTIONS_WITH_BOUNDARY,
                        Resource: productRoles,
                        Condition: { StringEquals: { 'iam:PermissionsBoundary': boundaryArn } },
                      },
                      { Sid: 'ProductRoles', Effect: 'Allow', Action: ROLE_ACTIONS_WITHOUT_BOUNDARY_KEY, Resource: productRoles },
                      { Sid: 'ListStateKeys', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn },
                      { Sid: 'ProductState', Effect: 'Allow', Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], Resource: stateObjects },
                      { Sid: 'NeverThePipeline', Effect: 'Deny', NotAction: READ_IAM, Resource: [pipelineRoles, `arn:aws:iam::${acct}:policy${PIPELINE_PATH}*`, oidcProviders] },
                      { Sid: 'NeverRemoveABoundary', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' },
                      { Sid: 'NeverTheBootstrapState', Effect: 'Deny', Action: 's3:*', Resource: `${bucketArn}/${STATE_KEY_PREFIX}/bootstrap-*` },
                    ],
                  },
                },
                variable: { name: names.applyRoleArn, scope: 'environment' },
              },
              'bootstrap-apply': {
                name: roleNames.bootstrapApply,
                description: `Terraform apply of the bootstrap stack of ${config.github.owner}/${infra} through the GitHub environment ${envs.bootstrapApply}`,
                trust: { environments: [envs.bootstrapApply] },
                managedPolicyArns: ['arn:aws:iam::aws:policy/IAMReadOnlyAccess'],
                // It manages the pipeline's roles, itself among them, so it can give itself any permission: the
                // reviewed environment is the gate, and every report says so (ADMINISTRATOR ACCESS).
                dangerouslyAllowAdministratorAccess: true,
                maxSessionDurationSeconds: 7200,
                inlinePolicies: {
                  'keyless-bootstrap-apply': {
                    Version: '2012-10-17',
                    Statement: [
                      {
                        Sid: 'PipelineRoles',
                        Effect: 'Allow',
                        Action: [...ROLE_ACTIONS_WITH_BOUNDARY, ...ROLE_ACTIONS_WITHOUT_BOUNDARY_KEY, 'iam:DeleteRolePermissionsBoundary'].sort(),
                        Resource: pipelineRoles,
                      },
                      {
                        Sid: 'GithubOidcProvider',
                        Effect: 'Allow',
                        Action: [
                          'iam:AddClientIDToOpenIDConnectProvider', 'iam:CreateOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider',
                          'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider', 'iam:UntagOpenIDConnectProvider',
                          'iam:UpdateOpenIDConnectProviderThumbprint',
                        ],
                        // This account's provider for the configured issuer, not every provider of the account.
                        Resource: providerArn(acct, config.github.issuer),
                      },
                      {
                        Sid: 'BoundaryPolicy',
                        Effect: 'Allow',
                        Action: ['iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy'],
                        Resource: `arn:aws:iam::${acct}:policy${PIPELINE_PATH}*`,
                      },
                      { Sid: 'CreateStateKey', Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*' },
                      {
                        Sid: 'StateKey',
                        Effect: 'Allow',
                        Action: [
                          'kms:CancelKeyDeletion', 'kms:Decrypt', 'kms:DescribeKey', 'kms:EnableKeyRotation', 'kms:Encrypt', 'kms:GenerateDataKey',
                          'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion',
                          'kms:TagResource', 'kms:UntagResource', 'kms:UpdateKeyDescription',
                        ],
                        Resource: `arn:aws:kms:${account.region}:${acct}:key/*`,
                      },
                      { Sid: 'StateBucket', Effect: 'Allow', Action: 's3:*', Resource: [bucketArn, `${bucketArn}/*`] },
                    ],
                  },
                },
                variable: { name: names.applyRoleArn, scope: 'environment' },
              },
            },
          },
        },
      };
      const repositorySettings: RepositorySettings | undefined =
        key === settingsKey
          ? {
              repository: infra,
              requiredApprovingReviewCount: 1,
              requiredChecks: PIPELINE_REQUIRED_CHECKS,
              integrationId: GITHUB_ACTIONS_APP_ID,
              allowedActions: PIPELINE_ALLOWED_ACTIONS,
            }
          : undefined;
      return {
        key,
        stateBucket: bucket,
        access: parseAccessConfig(access, `accounts.${key}`),
        environments: envs,
        roleArns: {
          plan: roleArn(acct, roleNames.plan),
          drift: roleArn(acct, roleNames.drift),
          apply: roleArn(acct, roleNames.apply),
          bootstrapApply: roleArn(acct, roleNames.bootstrapApply),
        },
        breakGlassPrincipalArns: account.breakGlassPrincipalArns ? [...new Set(account.breakGlassPrincipalArns)].sort() : [`arn:aws:iam::${acct}:root`],
        boundaryPolicy: { name: boundaryName, path: PIPELINE_PATH, arn: boundaryArn, document: boundaryDocument(acct, bucketArn, boundaryArn) },
        ...(repositorySettings ? { repositorySettings } : {}),
      };
    });
}

/** Parses the bootstrap YAML and checks its shape; a ConfigError points at the line and column of each problem. */
export function parseBootstrapConfigYaml(text: string, source = 'bootstrap config'): BootstrapConfig {
  return withLocations(text, () => {
    const input = loadYaml(text, source);
    const result = bootstrapConfigSchema.safeParse(input);
    if (!result.success) throw new ConfigError(source, zodIssues(result.error, input, bootstrapConfigSchema));
    const problems = bootstrapConfigProblems(result.data);
    if (problems.length > 0) throw new ConfigError(source, problems);
    return result.data;
  });
}
