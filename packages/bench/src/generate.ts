/**
 * Deterministic access configs of generated organisations: N repositories of `octo-org` in account
 * 111111111111 (ap-northeast-2), an existing OIDC provider, every repository with a `deploy` role trusted for
 * `main` and a managed policy; some also get a read-only pull-request role, a GitHub environment with a
 * reviewer-gated `release` role, a tag pattern or an inline policy. The same N always gives the same bytes.
 */
import { prng } from '@keyless/testkit';
import { dump } from 'js-yaml';

export const GENERATED_ACCOUNT = '111111111111';
export const GENERATED_REGION = 'ap-northeast-2';
export const GENERATED_OWNER = 'octo-org';
export const GENERATED_PROVIDER_ARN = `arn:aws:iam::${GENERATED_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

export interface GenerateOptions {
  /** `sharding: { by: hash, shards }` when set. */
  readonly shards?: number;
  /** The environment name (names the stacks). @default 'bench' */
  readonly environment?: string;
  /** PRNG seed. @default 1 */
  readonly seed?: number;
}

/** What a generated config holds, counted while generating (the synthesized output must agree). */
export interface GeneratedStats {
  readonly repositories: number;
  readonly roles: number;
  readonly managedPolicyAttachments: number;
  readonly inlinePolicies: number;
  readonly environments: number;
  readonly deploymentPolicies: number;
  readonly repositoryVariables: number;
  readonly environmentVariables: number;
}

export interface GeneratedOrg {
  /** The access config as a plain object (what the YAML holds). */
  readonly config: Record<string, unknown>;
  readonly stats: GeneratedStats;
}


const PREFIXES = ['api', 'web', 'data', 'ml', 'infra', 'mobile', 'billing', 'search', 'auth', 'ops', 'pay', 'edge'];
const SUFFIXES = ['service', 'app', 'worker', 'pipeline', 'gateway', 'lib', 'jobs', 'portal', 'sync', 'store'];

/** The i-th repository name (i from 0): readable, unique, at most 28 characters. */
export function repositoryName(i: number): string {
  const p = PREFIXES[i % PREFIXES.length] as string;
  const s = SUFFIXES[Math.floor(i / PREFIXES.length) % SUFFIXES.length] as string;
  return `${p}-${s}-${String(i).padStart(5, '0')}`;
}

/** Generates the access config of an organisation of `n` repositories (at least n roles and their variables). */
export function generateOrg(n: number, options: GenerateOptions = {}): GeneratedOrg {
  if (!Number.isInteger(n) || n < 1) throw new Error(`generateOrg: n must be a positive integer, got ${n}`);
  const environment = options.environment ?? 'bench';
  const random = prng(options.seed ?? 1);
  const stats = {
    repositories: 0,
    roles: 0,
    managedPolicyAttachments: 0,
    inlinePolicies: 0,
    environments: 0,
    deploymentPolicies: 0,
    repositoryVariables: 0,
    environmentVariables: 0,
  };
  const repositories: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const name = repositoryName(i);
    const planRole = random() < 0.25;
    const releaseRole = random() < 0.125;
    const tagPattern = random() < 0.1;
    const inline = random() < 0.05;
    const secondPolicy = random() < 0.2;

    const deploy: Record<string, unknown> = {
      trust: tagPattern ? { branches: ['main'], tagPatterns: ['v*'] } : { branches: ['main'] },
      managedPolicyArns: [
        `arn:aws:iam::${GENERATED_ACCOUNT}:policy/${name}-deploy`,
        ...(secondPolicy ? ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] : []),
      ],
    };
    if (inline) {
      deploy['inlinePolicies'] = {
        artifacts: {
          Statement: [
            { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::octo-org-artifacts/${name}/*` },
          ],
        },
      };
    }
    const roles: Record<string, unknown> = { deploy };
    stats.roles++;
    stats.managedPolicyAttachments += secondPolicy ? 2 : 1;
    stats.inlinePolicies += inline ? 1 : 0;
    stats.repositoryVariables += 2; // AWS_ROLE_ARN and AWS_REGION

    if (planRole) {
      roles['plan'] = {
        readOnly: true,
        trust: { pullRequests: true },
        managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
        variable: { name: 'AWS_PLAN_ROLE_ARN' },
      };
      stats.roles++;
      stats.managedPolicyAttachments++;
      stats.repositoryVariables++;
    }
    const repo: Record<string, unknown> = {};
    if (releaseRole) {
      repo['environments'] = { production: { reviewers: { teams: [4001] }, deploymentBranches: ['main'] } };
      roles['release'] = {
        trust: { environments: ['production'] },
        managedPolicyArns: [`arn:aws:iam::${GENERATED_ACCOUNT}:policy/${name}-release`],
      };
      stats.roles++;
      stats.managedPolicyAttachments++;
      stats.environments++;
      stats.deploymentPolicies++;
      stats.environmentVariables += 2; // AWS_ROLE_ARN and AWS_REGION on the environment
    }
    repo['roles'] = roles;
    repositories[name] = repo;
    stats.repositories++;
  }
  const config: Record<string, unknown> = {
    environment,
    aws: {
      accountId: GENERATED_ACCOUNT,
      region: GENERATED_REGION,
      oidcProvider: { existingArn: GENERATED_PROVIDER_ARN },
      tags: { 'cost-center': 'platform' },
    },
    github: { owner: GENERATED_OWNER },
    defaults: { roleNamePrefix: `gha-${environment}-` },
    ...(options.shards !== undefined ? { sharding: { by: 'hash', shards: options.shards } } : {}),
    repositories,
  };
  return { config, stats };
}

/** The generated config as YAML, with a header saying what it is. */
export function orgYaml(org: GeneratedOrg): string {
  const s = org.stats;
  const header =
    `# Generated by @keyless/bench: ${s.repositories} repositories, ${s.roles} roles, ` +
    `${s.repositoryVariables + s.environmentVariables} variables. Do not edit.\n`;
  return header + dump(org.config, { lineWidth: -1, noRefs: true });
}
