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
 *   stack itself: the pipeline roles, the OIDC provider, the boundary, the state bucket and its key; on the
 *   account that owns the organisation guardrail, also that resource control policy and its attachments (RCPs
 *   only, by `organizations:PolicyType`), which the plan and drift roles of that account may read.
 */
import { parseAccessConfig } from './access-config.js';
import { ConfigError } from './problems.js';
import type { AccessConfig, IssuerConfig } from './access-config.js';
import {
  GITHUB_ACTIONS_APP_ID,
  PIPELINE_ALLOWED_ACTIONS,
  PIPELINE_PATH,
  PIPELINE_REQUIRED_CHECKS,
  PRODUCT_ROLE_PATH,
  STATE_KEY_PREFIX,
  bootstrapConfigProblems,
  bootstrapEnvironmentNames,
  bootstrapIssuer,
  bootstrapVariableNames,
  guardrailAccountKey,
  settingsAccountKey,
} from './bootstrap-schema.js';
import type { BootstrapAccount, BootstrapConfig, OrganizationGuardrail, PolicyDoc, RepositorySettings } from './bootstrap-schema.js';
import { oidcProviderArn, resolveIssuer } from '../github/issuer.js';
import { ORGANIZATION_GUARDRAIL_NAME, RESOURCE_CONTROL_POLICY_TYPE, organizationGuardrailPolicy } from '../iam/organization-guardrail.js';

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

/** The ARN of the account's GitHub OIDC provider (github.com's when the issuer is invalid: the model reports that). */
function providerArn(accountId: string, issuer: IssuerConfig | undefined): string {
  let url: string;
  try {
    url = resolveIssuer(bootstrapIssuer(issuer)).url;
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

/** Only resource control policies: the guardrail's roles can neither read nor touch SCPs or other policy types. */
const ONLY_RCPS = { StringEquals: { 'organizations:PolicyType': RESOURCE_CONTROL_POLICY_TYPE } };
const GUARDRAIL_READ_ACTIONS = ['organizations:DescribePolicy', 'organizations:ListPoliciesForTarget', 'organizations:ListTagsForResource', 'organizations:ListTargetsForPolicy'];
const GUARDRAIL_READ = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'ReadResourceControlPolicies', Effect: 'Allow', Action: GUARDRAIL_READ_ACTIONS, Resource: '*', Condition: ONLY_RCPS }],
};
/** What the bootstrap apply role of the owning account needs to create, change, attach and detach the guardrail. */
const GUARDRAIL_MANAGE = {
  Sid: 'OrganizationGuardrail',
  Effect: 'Allow',
  Action: [...GUARDRAIL_READ_ACTIONS, 'organizations:AttachPolicy', 'organizations:CreatePolicy', 'organizations:DeletePolicy', 'organizations:DetachPolicy', 'organizations:UpdatePolicy'].sort(),
  Resource: '*',
  Condition: ONLY_RCPS,
};

/** The organisation guardrail a valid config declares, for the account that owns it. */
function organizationGuardrail(config: BootstrapConfig): OrganizationGuardrail | undefined {
  const declared = config.organizationGuardrail;
  const ownerId = config.github.ownerId;
  // An owner id that is no positive integer is the access model's problem to report (github.ownerId).
  if (declared === undefined || ownerId === undefined || !Number.isSafeInteger(ownerId) || ownerId < 1) return undefined;
  // The configured issuer, and github.com's: a role made by hand may trust github.com's provider whatever issuer
  // keyless' own roles use, and tokens of every owner come from it.
  const issuers = [resolveIssuer(bootstrapIssuer(config.github.issuer)), resolveIssuer()];
  return {
    name: ORGANIZATION_GUARDRAIL_NAME,
    description: `keyless: GitHub Actions tokens assume roles in these accounts only for ${config.github.owner} (repository_owner_id ${ownerId})`,
    document: organizationGuardrailPolicy({ ownerId, issuers }),
    targetIds: [...new Set(declared.targetIds)].sort(),
  };
}

/** Turns the bootstrap declaration into one access config per account. */
export function bootstrapAccounts(config: BootstrapConfig): BootstrapAccount[] {
  const problems = bootstrapConfigProblems(config);
  if (problems.length > 0) throw new ConfigError('bootstrap config', problems);
  const infra = config.infraRepository.name;
  const settingsKey = settingsAccountKey(config);
  const guardrailKey = guardrailAccountKey(config);
  const guardrail = organizationGuardrail(config);
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
      const guarded = key === guardrailKey && guardrail !== undefined;
      // The plan and drift roles of the account that owns the guardrail read it (a plan refreshes it); nothing else.
      const readPolicies: Record<string, typeof GUARDRAIL_READ> = guarded ? { 'organization-guardrail-read': GUARDRAIL_READ } : {};
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
                inlinePolicies: { 'terraform-state-read': stateRead, ...readPolicies },
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
                inlinePolicies: { 'terraform-state-read': stateRead, ...readPolicies },
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
                      ...(guarded ? [GUARDRAIL_MANAGE] : []),
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
        ...(guarded ? { organizationGuardrail: guardrail } : {}),
      };
    });
}

