/**
 * The bootstrap of an infra repository: per AWS account, the GitHub OIDC provider, the Terraform state
 * bucket, and the plan and apply roles that the repository's own pipeline assumes. Expressed as an access
 * config per account, so that the same rules and the same constructs guard it.
 */
import { z } from 'zod';
import { ConfigError, accessConfigSchema, loadYaml, parseAccessConfig, zodProblems } from './config.js';
import type { AccessConfig } from './config.js';

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
    }),
  ),
});

export type BootstrapConfig = z.infer<typeof bootstrapConfigSchema>;

export interface BootstrapAccount {
  /** The environment key, such as dev; names the stack `bootstrap-<key>` and the GitHub environment. */
  readonly key: string;
  readonly stateBucket: string;
  readonly access: AccessConfig;
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
    applyRoleArn: 'KEYLESS_APPLY_ROLE_ARN',
    region: `KEYLESS_REGION_${suffix}`,
    stateBucket: `KEYLESS_STATE_BUCKET_${suffix}`,
  };
}

/** Turns the bootstrap declaration into one access config per account. */
export function bootstrapAccounts(config: BootstrapConfig): BootstrapAccount[] {
  const infra = config.infraRepository.name;
  return Object.entries(config.accounts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, account]) => {
      const bucket = `${config.stateBucketPrefix}-${account.accountId}`;
      const bucketArn = `arn:aws:s3:::${bucket}`;
      const names = bootstrapVariableNames(key);
      const reviewers = account.reviewers ?? config.reviewers;
      const access: AccessConfig = {
        environment: key,
        aws: {
          accountId: account.accountId,
          region: account.region,
          oidcProvider: { create: true },
          ...(account.tags ? { tags: account.tags } : {}),
        },
        github: config.github,
        state: { bucket, region: account.region },
        defaults: { roleNamePrefix: 'keyless-', rolePath: '/keyless/', regionVariable: names.region },
        repositories: {
          [infra]: {
            ...(config.infraRepository.id !== undefined ? { id: config.infraRepository.id } : {}),
            ...(config.infraRepository.subjectFormat ? { subjectFormat: config.infraRepository.subjectFormat } : {}),
            environments: {
              [key]: {
                ...(reviewers ? { reviewers } : {}),
                preventSelfReview: true,
                canAdminsBypass: false,
                deploymentBranches: ['main'],
              },
            },
            roles: {
              plan: {
                name: `keyless-${key}-plan`,
                description: `Terraform plan of ${config.github.owner}/${infra} pull requests (IAM and state bucket read-only, plus the state lock file)`,
                readOnly: true,
                trust: { pullRequests: true },
                managedPolicyArns: ['arn:aws:iam::aws:policy/IAMReadOnlyAccess'],
                inlinePolicies: {
                  'terraform-state-lock': {
                    Version: '2012-10-17',
                    Statement: [
                      // The stacks manage IAM and this bucket only, so reading those is all a plan needs.
                      { Sid: 'ReadStateBucket', Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: [bucketArn, `${bucketArn}/*`] },
                      { Sid: 'LockFile', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `${bucketArn}/keyless/*.tflock` },
                    ],
                  },
                },
                variable: { name: names.planRoleArn },
              },
              // Scheduled and push runs on main have the subject ref:refs/heads/main, which neither the plan
              // role (pull requests) nor the apply role (the environment) accepts: the nightly drift check and
              // the plan that an apply shows its reviewers before they approve need this read-only role. It
              // plans with -lock=false, so it needs no write at all, not even on the lock file.
              drift: {
                name: `keyless-${key}-drift`,
                description: `Read-only terraform plan of ${config.github.owner}/${infra} on main: nightly drift check and the plan shown before an apply`,
                readOnly: true,
                trust: { branches: ['main'] },
                managedPolicyArns: ['arn:aws:iam::aws:policy/IAMReadOnlyAccess'],
                inlinePolicies: {
                  'terraform-state-read': {
                    Version: '2012-10-17',
                    Statement: [
                      { Sid: 'ReadStateBucket', Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: [bucketArn, `${bucketArn}/*`] },
                    ],
                  },
                },
                variable: { name: names.driftRoleArn },
              },
              apply: {
                name: `keyless-${key}-apply`,
                description: `Terraform apply of ${config.github.owner}/${infra} through the GitHub environment ${key}`,
                trust: { environments: [key] },
                managedPolicyArns: ['arn:aws:iam::aws:policy/IAMReadOnlyAccess'],
                maxSessionDurationSeconds: 7200,
                inlinePolicies: {
                  'keyless-apply': {
                    Version: '2012-10-17',
                    Statement: [
                      {
                        Sid: 'ManageGithubActionsRoles',
                        Effect: 'Allow',
                        Action: [
                          'iam:CreateRole', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription',
                          'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole',
                          'iam:PutRolePolicy', 'iam:DeleteRolePolicy',
                          'iam:AttachRolePolicy', 'iam:DetachRolePolicy',
                          'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary',
                        ],
                        Resource: [
                          `arn:aws:iam::${account.accountId}:role/github-actions/*`,
                          `arn:aws:iam::${account.accountId}:role/keyless/*`,
                        ],
                      },
                      {
                        Sid: 'ManageGithubOidcProvider',
                        Effect: 'Allow',
                        Action: [
                          'iam:CreateOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider',
                          'iam:UpdateOpenIDConnectProviderThumbprint', 'iam:AddClientIDToOpenIDConnectProvider',
                          'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider',
                          'iam:UntagOpenIDConnectProvider',
                        ],
                        Resource: `arn:aws:iam::${account.accountId}:oidc-provider/*`,
                      },
                      { Sid: 'StateBucket', Effect: 'Allow', Action: ['s3:*'], Resource: [bucketArn, `${bucketArn}/*`] },
                    ],
                  },
                },
                variable: { name: names.applyRoleArn, scope: 'environment' },
              },
            },
          },
        },
      };
      return { key, stateBucket: bucket, access: parseAccessConfig(access, `accounts.${key}`) };
    });
}

/** Parses the bootstrap YAML and checks its shape. */
export function parseBootstrapConfigYaml(text: string, source = 'bootstrap config'): BootstrapConfig {
  const input = loadYaml(text, source);
  const result = bootstrapConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(source, zodProblems(result.error, input));
  const prefix = result.data.stateBucketPrefix;
  if (!/^[a-z0-9][a-z0-9-]{1,48}$/.test(prefix))
    throw new ConfigError(source, [`stateBucketPrefix: "${prefix}": 2 to 49 lowercase letters, digits and hyphens; the bucket is <prefix>-<accountId>`]);
  return result.data;
}
