/**
 * From a parsed access config to a normalized, validated model: every role with its name, subjects and
 * permissions, every GitHub variable and environment, sorted by stable keys so that the same config always
 * gives the same model, whatever the order of its entries. Constructs render this model; reports read it.
 */
import { createHash } from 'node:crypto';
import { ConfigError, describeValue, formatPath, parsePathPrefix } from '../config/access-config.js';
import type { AccessConfig, ConfigProblem, EnvironmentConfig, IssuerConfig, RepositoryConfig, RoleConfig } from '../config/access-config.js';
import { CHINA_AUDIENCE, DEFAULT_AUDIENCE, checkAudience, checkIssuer, isGithubAudience, oidcProviderArn, resolveIssuer } from '../github/issuer.js';
import type { GithubIssuer, ResolvedIssuer } from '../github/issuer.js';
import {
  LIMITS,
  checkAccountId,
  checkEnvironmentName,
  checkGithubId,
  checkManagedPolicyArn,
  checkOwnerName,
  checkPartition,
  checkPolicyName,
  checkPolicyText,
  checkRefName,
  checkRepositoryName,
  checkRoleName,
  checkRolePath,
  checkSessionDuration,
  checkTag,
  checkVariableName,
  policySize,
} from '../iam/limits.js';
import { WORKFLOW_SUBJECT_CLAIM_KEYS, checkSubject, checkWorkflowRef, describeSubject, effectiveSubjectFormat, subjectClaims } from '../github/subject.js';
import type { RepositoryIdentity, SubjectContext, SubjectFormat, SubjectSpec } from '../github/subject.js';
import { buildTrustPolicy } from '../iam/trust-policy.js';
import { checkPolicyArnTarget, checkRolePermissions } from '../iam/permissions/index.js';

export const DEFAULT_ROLE_ARN_VARIABLE = 'AWS_ROLE_ARN';
export const DEFAULT_REGION_VARIABLE = 'AWS_REGION';
export const DEFAULT_ROLE_PATH = '/github-actions/';
export const DEFAULT_SESSION_DURATION_SECONDS = 3600;

/** A grant that widens who can assume a role beyond one exact run; each needs an explicit opt-in or is reported. */
export type RiskKind =
  | 'any-branch'
  | 'pull-request-write'
  | 'administrator-access'
  | 'any-workflow-ref'
  | 'name-recycling'
  | 'branch-pattern'
  | 'tag-pattern'
  | 'github-audience';

export interface Risk {
  readonly kind: RiskKind;
  readonly detail: string;
}

export interface AwsModel {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly trustPolicyMaxChars: number;
  readonly managedPoliciesPerRole: number;
  /** Create the provider, or refer to the existing one by ARN. */
  readonly oidcProvider: { readonly create: true } | { readonly existingArn: string };
  /** The provider's ARN as it is or will be; used for sizing and reports. */
  readonly oidcProviderArn: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface GithubModel {
  readonly owner: string;
  readonly ownerId?: number;
  readonly issuer: GithubIssuer;
  readonly resolvedIssuer: ResolvedIssuer;
  readonly audiences: readonly string[];
  /** Set when `audiences` holds GitHub's default audience, which the config opted in to. */
  readonly dangerouslyAllowGithubAudience?: true;
}

export interface EnvironmentModel {
  readonly name: string;
  readonly reviewerUserIds: readonly number[];
  readonly reviewerTeamIds: readonly number[];
  readonly preventSelfReview: boolean;
  readonly waitTimerMinutes?: number;
  readonly canAdminsBypass: boolean;
  readonly deploymentBranches: 'all' | 'protected' | readonly string[];
}

export interface InlinePolicyModel {
  readonly name: string;
  /** Canonical JSON: keys sorted, so reordering a mapping in the config changes nothing. */
  readonly json: string;
}

export interface RoleModel {
  readonly key: string;
  /** Where the role is declared, for messages: `repositories.web.roles.deploy`. */
  readonly entry: string;
  readonly name: string;
  readonly path: string;
  readonly description: string;
  readonly readOnly: boolean;
  readonly subjects: readonly SubjectSpec[];
  /** The `sub` values the trust policy accepts, sorted. */
  readonly claims: readonly string[];
  readonly managedPolicyArns: readonly string[];
  readonly inlinePolicies: readonly InlinePolicyModel[];
  readonly maxSessionDurationSeconds: number;
  readonly permissionsBoundaryArn?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly risks: readonly Risk[];
  readonly allowAnyWorkflowRef: boolean;
}

export type VariableValue = { readonly kind: 'role-arn'; readonly role: string } | { readonly kind: 'region' };

export interface VariableModel {
  /** The repository the variable is written to: the role's own, or another one the role trusts. */
  readonly repository: string;
  readonly name: string;
  readonly scope: 'repository' | 'environment';
  /** Set when scope is environment. */
  readonly environment?: string;
  readonly value: VariableValue;
}

export interface RepositoryModel {
  readonly key: string;
  /** The stack suffix the repository lives in when the environment is sharded. */
  readonly shard?: string;
  readonly identity: RepositoryIdentity & { readonly subjectFormat: SubjectFormat };
  /** Custom subject template claim keys, when a role pins reusable workflows. */
  readonly subjectClaimKeys?: readonly string[];
  /** Whether this app writes the subject template (false when another app of the same repository does). */
  readonly manageSubjectTemplate: boolean;
  readonly environments: readonly EnvironmentModel[];
  readonly roles: readonly RoleModel[];
  readonly variables: readonly VariableModel[];
}

export interface StateModel {
  readonly bucket: string;
  readonly region: string;
  readonly keyPrefix: string;
}

export interface ShardingModel {
  readonly by: 'hash' | 'team';
  readonly shards?: number;
}

export interface AccessModel {
  readonly environment: string;
  /** How the environment splits into stacks, when it does. */
  readonly sharding?: ShardingModel;
  /** Remote state, when configured. */
  readonly state?: StateModel;
  readonly aws: AwsModel;
  readonly github: GithubModel;
  readonly repositories: readonly RepositoryModel[];
}

const STACK_SUFFIX = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const ENVIRONMENT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const ROLE_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

/** Collects problems so that one run reports all of them, each with its path, value and rule (`items`). */
class Problems {
  readonly lines: string[] = [];
  readonly items: ConfigProblem[] = [];
  add(path: readonly PropertyKey[] | string, value: unknown, rule: string): void {
    const where = typeof path === 'string' ? path : formatPath(path);
    const text = `${where}: ${describeValue(value)}: ${rule}`;
    this.lines.push(text);
    this.items.push({ path: typeof path === 'string' ? parsePathPrefix(`${path}: `)?.path ?? [] : path.map((k) => (typeof k === 'number' ? k : String(k))), value, rule, text });
  }
  check(path: readonly PropertyKey[] | string, value: unknown, rule: string | undefined): boolean {
    if (rule === undefined) return true;
    this.add(path, value, rule);
    return false;
  }
}

function toIssuer(config: IssuerConfig | undefined): GithubIssuer {
  if (config === undefined || config === 'github.com') return { kind: 'github.com' };
  if ('enterpriseSlug' in config) return { kind: 'enterprise-slug', slug: config.enterpriseSlug };
  if ('gheSubdomain' in config) return { kind: 'ghe.com', subdomain: config.gheSubdomain };
  return { kind: 'ghes', host: config.ghesHost };
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function sortedEntries<T>(record: Readonly<Record<string, T>> | undefined): [string, T][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sortedUnique(values: readonly string[] | undefined): string[] {
  return [...new Set(values ?? [])].sort();
}

/**
 * Validates a parsed config and builds the model. Throws ConfigError listing every problem, each naming the
 * config entry, the value and the rule.
 */
export function buildAccessModel(config: AccessConfig, source = 'access config'): AccessModel {
  const p = new Problems();

  p.check(['environment'], config.environment, ENVIRONMENT_NAME.test(config.environment) ? undefined
    : 'an environment name has 1 to 32 lowercase letters, digits and inner hyphens');

  // AWS
  const partition = config.aws.partition ?? 'aws';
  p.check(['aws', 'partition'], partition, checkPartition(partition));
  p.check(['aws', 'accountId'], config.aws.accountId, checkAccountId(config.aws.accountId));
  p.check(['aws', 'region'], config.aws.region, /^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(config.aws.region) ? undefined
    : 'an AWS region looks like ap-northeast-2');
  const trustPolicyMaxChars = config.aws.trustPolicyMaxChars ?? LIMITS.trustPolicyMaxChars;
  p.check(['aws', 'trustPolicyMaxChars'], trustPolicyMaxChars, [2048, 4096, 8192].includes(trustPolicyMaxChars) ? undefined
    : 'the trust policy length quota is 2048 (default), 4096 or 8192; set it only after AWS raised the quota');
  const managedPoliciesPerRole = config.aws.managedPoliciesPerRole ?? LIMITS.managedPoliciesPerRole;
  p.check(['aws', 'managedPoliciesPerRole'], managedPoliciesPerRole, Number.isInteger(managedPoliciesPerRole) &&
    managedPoliciesPerRole >= 10 && managedPoliciesPerRole <= 25 ? undefined
    : 'the managed policies per role quota is 10 (default) and can be raised to at most 25');
  for (const [key, value] of sortedEntries(config.aws.tags)) p.check(['aws', 'tags', key], value, checkTag(key, value));

  // GitHub
  const issuer = toIssuer(config.github.issuer);
  const issuerProblem = checkIssuer(issuer);
  p.check(['github', 'issuer'], config.github.issuer, issuerProblem);
  const resolvedIssuer = issuerProblem ? resolveIssuer() : resolveIssuer(issuer);
  p.check(['github', 'owner'], config.github.owner, checkOwnerName(config.github.owner));
  if (config.github.ownerId !== undefined) p.check(['github', 'ownerId'], config.github.ownerId, checkGithubId(config.github.ownerId));
  const defaultAudience = partition === 'aws-cn' ? CHINA_AUDIENCE : DEFAULT_AUDIENCE;
  const audiences = sortedUnique(config.github.audiences ?? [defaultAudience]);
  if (audiences.length === 0) p.add(['github', 'audiences'], [], 'at least one audience is required');
  const allowGithubAudience = config.github.dangerouslyAllowGithubAudience === true;
  for (const [i, aud] of (config.github.audiences ?? []).entries())
    p.check(['github', 'audiences', i], aud, checkAudience(aud, { issuer, allowGithubAudience }));
  if (allowGithubAudience && !audiences.some((aud) => isGithubAudience(aud, issuer)))
    p.add(['github', 'dangerouslyAllowGithubAudience'], true, "this opt-in has no effect without GitHub's default audience in github.audiences; remove it");

  let providerArn = oidcProviderArn(partition, config.aws.accountId, resolvedIssuer.url);
  const providerConfig = config.aws.oidcProvider ?? { create: true as const };
  if ('existingArn' in providerConfig) {
    const expected = oidcProviderArn(partition, config.aws.accountId, resolvedIssuer.url);
    p.check(['aws', 'oidcProvider', 'existingArn'], providerConfig.existingArn, providerConfig.existingArn === expected ? undefined
      : `an existing provider ARN is arn:PARTITION:iam::ACCOUNT:oidc-provider/${resolvedIssuer.conditionKeyPrefix} in this partition and account: ${expected}`);
    providerArn = providerConfig.existingArn;
  }

  const defaults = config.defaults ?? {};
  const roleNamePrefix = defaults.roleNamePrefix ?? `gha-${config.environment}-`;
  const rolePath = defaults.rolePath ?? DEFAULT_ROLE_PATH;
  p.check(['defaults', 'rolePath'], rolePath, checkRolePath(rolePath));
  const defaultDuration = defaults.maxSessionDurationSeconds ?? DEFAULT_SESSION_DURATION_SECONDS;
  p.check(['defaults', 'maxSessionDurationSeconds'], defaultDuration, checkSessionDuration(defaultDuration));
  const roleArnVariable = defaults.roleArnVariable ?? DEFAULT_ROLE_ARN_VARIABLE;
  p.check(['defaults', 'roleArnVariable'], roleArnVariable, checkVariableName(roleArnVariable));
  const regionVariable = defaults.regionVariable ?? DEFAULT_REGION_VARIABLE;
  p.check(['defaults', 'regionVariable'], regionVariable, checkVariableName(regionVariable));
  if (defaults.permissionsBoundaryArn !== undefined && p.check(['defaults', 'permissionsBoundaryArn'], defaults.permissionsBoundaryArn, checkManagedPolicyArn(defaults.permissionsBoundaryArn)))
    p.check(['defaults', 'permissionsBoundaryArn'], defaults.permissionsBoundaryArn, checkPolicyArnTarget(defaults.permissionsBoundaryArn, checkPartition(partition) === undefined ? partition : undefined, config.aws.accountId));

  const context: RepoContext = {
    globalsOk: p.lines.length === 0,
    variableScopes: new Map(),
    config, partition, resolvedIssuer, providerArn, audiences, trustPolicyMaxChars, managedPoliciesPerRole,
    roleNamePrefix, rolePath, defaultDuration, roleArnVariable, regionVariable,
  };

  const repositories: RepositoryModel[] = [];
  const repoNames = new Map<string, string>();
  for (const [key, repo] of sortedEntries(config.repositories)) {
    const lower = key.toLowerCase();
    const other = repoNames.get(lower);
    if (other !== undefined) {
      p.add(['repositories', key], key, `repository names are unique ignoring case; "${other}" is the same repository`);
      continue;
    }
    repoNames.set(lower, key);
    const model = buildRepository(key, repo, context, p);
    if (model) repositories.push(model);
  }
  if (Object.keys(config.repositories).length === 0) p.add(['repositories'], config.repositories, 'declare at least one repository');

  checkVariableCounts(repositories, p);

  // Role names are unique ignoring case within an account.
  const roleNames = new Map<string, string>();
  for (const repo of repositories) {
    for (const role of repo.roles) {
      const lower = role.name.toLowerCase();
      const first = roleNames.get(lower);
      if (first !== undefined) {
        p.add(`${role.entry}.name`, role.name, `IAM role names are unique ignoring case within an account; ${first} already uses it`);
      } else roleNames.set(lower, role.entry);
    }
  }

  let sharding: ShardingModel | undefined;
  if (config.sharding) {
    const { by, shards } = config.sharding;
    if (by === 'hash') {
      const ok = shards !== undefined && Number.isInteger(shards) && shards >= 2 && shards <= 256;
      p.check(['sharding', 'shards'], shards, ok ? undefined : 'hash sharding needs shards: a whole number from 2 to 256');
    } else if (shards !== undefined) p.add(['sharding', 'shards'], shards, 'shards applies to by: hash only; team sharding makes one stack per team');
    if ('create' in providerConfig)
      p.add(['sharding'], by, 'a sharded environment refers to the OIDC provider by aws.oidcProvider.existingArn (create it in the bootstrap app), so that no shard owns an account-wide resource');
    sharding = { by, ...(shards !== undefined ? { shards } : {}) };
  }
  for (const [key, repo] of sortedEntries(config.repositories)) {
    if (repo.stack !== undefined)
      p.check(['repositories', key, 'stack'], repo.stack, STACK_SUFFIX.test(repo.stack) ? undefined : 'a stack suffix has 1 to 40 lowercase letters, digits and inner hyphens');
    if (repo.team !== undefined)
      p.check(['repositories', key, 'team'], repo.team, STACK_SUFFIX.test(repo.team) ? undefined : 'a team name has 1 to 40 lowercase letters, digits and inner hyphens');
    if (repo.stack !== undefined && !sharding) p.add(['repositories', key, 'stack'], repo.stack, 'stack pins a repository only in a sharded environment; add sharding or remove it');
    if (sharding?.by === 'team' && repo.team === undefined && repo.stack === undefined)
      p.add(['repositories', key], key, 'sharding by team needs team (or an explicit stack) on every repository');
  }

  let state: StateModel | undefined;
  if (config.state) {
    const bucketOk = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(config.state.bucket) && !config.state.bucket.includes('..');
    p.check(['state', 'bucket'], config.state.bucket, bucketOk ? undefined : 'an S3 bucket name has 3 to 63 lowercase letters, digits, dots and hyphens');
    const region = config.state.region ?? config.aws.region;
    p.check(['state', 'region'], region, /^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(region) ? undefined : 'an AWS region looks like ap-northeast-2');
    const keyPrefix = config.state.keyPrefix ?? 'keyless';
    p.check(['state', 'keyPrefix'], keyPrefix, /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(keyPrefix) ? undefined
      : 'a key prefix is path segments of letters, digits and ! _ . * \' ( ) -, separated by "/", without a leading or trailing "/"');
    state = { bucket: config.state.bucket, region, keyPrefix };
  }

  if (p.lines.length > 0) throw new ConfigError(source, p.items);
  return {
    environment: config.environment,
    ...(sharding ? { sharding } : {}),
    ...(state ? { state } : {}),
    aws: {
      accountId: config.aws.accountId,
      region: config.aws.region,
      partition,
      trustPolicyMaxChars,
      managedPoliciesPerRole,
      oidcProvider: 'existingArn' in providerConfig ? { existingArn: providerConfig.existingArn } : { create: true },
      oidcProviderArn: providerArn,
      tags: Object.fromEntries(sortedEntries(config.aws.tags)),
    },
    github: {
      owner: config.github.owner,
      ...(config.github.ownerId !== undefined ? { ownerId: config.github.ownerId } : {}),
      issuer,
      resolvedIssuer,
      audiences,
      ...(allowGithubAudience ? { dangerouslyAllowGithubAudience: true as const } : {}),
    },
    repositories,
  };
}

interface RepoContext {
  /** False when the aws, github or defaults entries have problems: trust policies are then not built. */
  readonly globalsOk: boolean;
  readonly variableScopes: VariableScopes;
  readonly config: AccessConfig;
  readonly partition: string;
  readonly resolvedIssuer: ResolvedIssuer;
  readonly providerArn: string;
  readonly audiences: readonly string[];
  readonly trustPolicyMaxChars: number;
  readonly managedPoliciesPerRole: number;
  readonly roleNamePrefix: string;
  readonly rolePath: string;
  readonly defaultDuration: number;
  readonly roleArnVariable: string;
  readonly regionVariable: string;
}

function buildRepository(key: string, repo: RepositoryConfig, ctx: RepoContext, p: Problems): RepositoryModel | undefined {
  const at = ['repositories', key];
  const before = p.lines.length;
  // A bad name would make every role and variable below it fail too; report the cause once.
  if (!p.check(at, key, checkRepositoryName(key))) return undefined;
  const ownerId = ctx.config.github.ownerId;
  if (repo.id !== undefined) p.check([...at, 'id'], repo.id, checkGithubId(repo.id));
  const identityBase = { owner: ctx.config.github.owner, name: key, ...(ownerId !== undefined ? { ownerId } : {}), ...(repo.id !== undefined ? { id: repo.id } : {}) };
  const subjectFormat = effectiveSubjectFormat({ ...identityBase, ...(repo.subjectFormat ? { subjectFormat: repo.subjectFormat } : {}) });
  if (subjectFormat !== 'name') {
    if (repo.id === undefined || ownerId === undefined) {
      p.add([...at, 'subjectFormat'], subjectFormat,
        `the ${subjectFormat} subject format needs the repository id here and github.ownerId (numeric ids; never wildcards)`);
    }
    if (!ctx.resolvedIssuer.supportsImmutableSubjects) {
      p.add([...at, 'subjectFormat'], subjectFormat, `immutable subjects exist only on github.com; ${ctx.resolvedIssuer.label} issues name-based subjects`);
    }
  }
  const identity = { ...identityBase, subjectFormat };
  const identityOk = p.lines.length === before;

  // Environments this app manages.
  const environments: EnvironmentModel[] = [];
  const envNames = new Map<string, string>();
  for (const [name, env] of sortedEntries(repo.environments)) {
    const envAt = [...at, 'environments', name];
    p.check(envAt, name, checkEnvironmentName(name));
    const lower = name.toLowerCase();
    if (envNames.has(lower)) p.add(envAt, name, `environment names are unique ignoring case; "${envNames.get(lower)}" is the same environment`);
    envNames.set(lower, name);
    environments.push(buildEnvironment(name, env, envAt, p));
  }

  const roleEntries = sortedEntries(repo.roles);
  if (roleEntries.length === 0) p.add([...at, 'roles'], repo.roles, 'declare at least one role');
  const pinsWorkflows = roleEntries.some(([, role]) => (role.trust.workflows ?? []).length > 0);
  const roles: RoleModel[] = [];
  for (const [roleKey, role] of roleEntries) {
    const model = buildRole(roleKey, role, identity, pinsWorkflows, [...at, 'roles', roleKey], { ...ctx, globalsOk: ctx.globalsOk && identityOk }, p);
    if (model) roles.push(model);
  }

  if (repo.manageSubjectTemplate !== undefined && !pinsWorkflows)
    p.add([...at, 'manageSubjectTemplate'], repo.manageSubjectTemplate, 'only a repository whose roles pin workflows has a subject template; remove it');
  const variables = buildVariables(key, repo, roles, at, ctx, p);
  if (p.lines.length > before) return undefined;
  const shard = shardOf(key, repo, ctx.config.sharding);
  return {
    key,
    ...(shard !== undefined ? { shard } : {}),
    identity,
    ...(pinsWorkflows ? { subjectClaimKeys: [...WORKFLOW_SUBJECT_CLAIM_KEYS] } : {}),
    manageSubjectTemplate: pinsWorkflows && (repo.manageSubjectTemplate ?? true),
    environments,
    roles,
    variables,
  };
}

function buildEnvironment(name: string, env: EnvironmentConfig, at: PropertyKey[], p: Problems): EnvironmentModel {
  const users = [...new Set(env.reviewers?.users ?? [])].sort((a, b) => a - b);
  const teams = [...new Set(env.reviewers?.teams ?? [])].sort((a, b) => a - b);
  for (const id of users) p.check([...at, 'reviewers', 'users'], id, checkGithubId(id));
  for (const id of teams) p.check([...at, 'reviewers', 'teams'], id, checkGithubId(id));
  if (users.length + teams.length > 6) p.add([...at, 'reviewers'], users.length + teams.length, 'an environment has at most 6 required reviewers (users and teams together)');
  if (env.waitTimerMinutes !== undefined) {
    const ok = Number.isInteger(env.waitTimerMinutes) && env.waitTimerMinutes >= 0 && env.waitTimerMinutes <= 43200;
    p.check([...at, 'waitTimerMinutes'], env.waitTimerMinutes, ok ? undefined : 'the wait timer is a whole number of minutes from 0 to 43200');
  }
  const branches = env.deploymentBranches ?? 'all';
  if (Array.isArray(branches)) {
    if (branches.length === 0) p.add([...at, 'deploymentBranches'], branches, 'list at least one branch, or use "all" or "protected"');
    for (const [i, b] of branches.entries()) p.check([...at, 'deploymentBranches', i], b, checkRefName(b, true));
  }
  return {
    name,
    reviewerUserIds: users,
    reviewerTeamIds: teams,
    preventSelfReview: env.preventSelfReview ?? users.length + teams.length > 0,
    ...(env.waitTimerMinutes !== undefined ? { waitTimerMinutes: env.waitTimerMinutes } : {}),
    canAdminsBypass: env.canAdminsBypass ?? false,
    deploymentBranches: Array.isArray(branches) ? sortedUnique(branches) : branches,
  };
}

function buildRole(
  key: string,
  role: RoleConfig,
  repository: RepositoryIdentity,
  repoPinsWorkflows: boolean,
  at: PropertyKey[],
  ctx: RepoContext,
  p: Problems,
): RoleModel | undefined {
  const before = p.lines.length;
  const entry = formatPath(at);
  p.check(at, key, ROLE_KEY.test(key) ? undefined : 'a role key uses letters, digits, ".", "_" and "-", starting and ending with a letter or digit');
  const name = role.name ?? `${ctx.roleNamePrefix}${repository.name}-${key}`;
  const nameProblem = checkRoleName(name);
  if (nameProblem) {
    p.add(role.name !== undefined ? [...at, 'name'] : at, name,
      role.name !== undefined ? nameProblem : `${nameProblem}; the default name <roleNamePrefix><repository>-<role> is too long or invalid here, so set name explicitly`);
  }
  const path = role.path ?? ctx.rolePath;
  p.check([...at, 'path'], path, checkRolePath(path));
  const duration = role.maxSessionDurationSeconds ?? ctx.defaultDuration;
  p.check([...at, 'maxSessionDurationSeconds'], duration, checkSessionDuration(duration));
  const readOnly = role.readOnly ?? false;

  // Who may assume it: the home repository, then any other repositories the role also trusts.
  const trust = role.trust;
  const trustAt = [...at, 'trust'];
  const risks: Risk[] = [];
  const own = Object.hasOwn(ctx.config.repositories, repository.name) ? ctx.config.repositories[repository.name] : undefined;
  const contexts = parseContexts(trust, trustAt, role, readOnly, risks, p, { repoKey: repository.name, declared: own?.environments });
  const others: { identity: RepositoryIdentity; contexts: SubjectContext[] }[] = [];
  for (const [otherKey, otherTrust] of sortedEntries(trust.repositories)) {
    const otherAt = [...trustAt, 'repositories', otherKey];
    if (!p.check(otherAt, otherKey, checkRepositoryName(otherKey))) continue;
    if (otherKey.toLowerCase() === repository.name.toLowerCase()) {
      p.add(otherAt, otherKey, 'this is the role\'s own repository; list its subjects directly under trust');
      continue;
    }
    const declared = Object.entries(ctx.config.repositories).find(([k]) => k.toLowerCase() === otherKey.toLowerCase());
    const declaredRepo = declared?.[1];
    if (declaredRepo && Object.values(declaredRepo.roles).some((r) => (r.trust.workflows ?? []).length > 0)) {
      p.add(otherAt, otherKey, 'that repository uses the reusable-workflow subject template, so its tokens never match plain subjects; give it a role of its own');
      continue;
    }
    const otherContexts = parseContexts(otherTrust, otherAt, role, readOnly, risks, p, { repoKey: declared?.[0] ?? otherKey, declared: declaredRepo?.environments });
    if (otherContexts.length === 0 && countSubjects(otherTrust) === 0)
      p.add(otherAt, otherTrust, 'list at least one subject for this repository: branches, branchPatterns, tags, tagPatterns, environments or pullRequests');
    const ownerId = ctx.config.github.ownerId;
    const base = { owner: repository.owner, name: declared?.[0] ?? otherKey, ...(ownerId !== undefined ? { ownerId } : {}), ...(declaredRepo?.id !== undefined ? { id: declaredRepo.id } : {}) };
    const identity = { ...base, subjectFormat: effectiveSubjectFormat({ ...base, ...(declaredRepo?.subjectFormat ? { subjectFormat: declaredRepo.subjectFormat } : {}) }) };
    if (repoPinsWorkflows) {
      p.add(otherAt, otherKey, 'a role that pins reusable workflows trusts its own repository only');
      continue;
    }
    // The other repository's own entry reports its bad ids too, but it may come later: never build claims from them.
    const identityProblem = checkSubject({ repository: identity, context: { kind: 'pull-request' } });
    if (identityProblem) {
      p.add(otherAt, otherKey, `the declared repository ${formatPath(['repositories', identity.name])} has no valid identity (${identityProblem}); fix that entry`);
      continue;
    }
    others.push({ identity, contexts: otherContexts });
  }
  const anyBranch = risks.some((r) => r.kind === 'any-branch') ||
    [trust, ...Object.values(trust.repositories ?? {})].some((t) => (t.branchPatterns ?? []).some((b) => /^\*+$/.test(b)));
  const anyPullRequests = [trust, ...Object.values(trust.repositories ?? {})].some((t) => t.pullRequests === true);
  if (role.dangerouslyAllowAnyBranch && !anyBranch)
    p.add([...at, 'dangerouslyAllowAnyBranch'], true, 'this opt-in has no effect without the branch pattern "*" or an environment that admits any branch; remove it');
  if (role.dangerouslyAllowPullRequestsWithWriteAccess && (readOnly || !anyPullRequests))
    p.add([...at, 'dangerouslyAllowPullRequestsWithWriteAccess'], true, 'this opt-in has no effect unless the role trusts pull requests and is not readOnly; remove it');

  if (countSubjects(trust) === 0)
    p.add(trustAt, trust, 'a role needs at least one subject: branches, branchPatterns, tags, tagPatterns, environments or pullRequests');

  const workflows = sortedUnique(trust.workflows);
  const allowAnyWorkflowRef = role.dangerouslyAllowAnyWorkflowRef ?? false;
  workflows.forEach((w) => {
    const i = (trust.workflows ?? []).indexOf(w);
    if (p.check([...trustAt, 'workflows', i], w, checkWorkflowRef(w, allowAnyWorkflowRef)) && w.endsWith('@*'))
      risks.push({ kind: 'any-workflow-ref', detail: `any ref of ${w.slice(0, -2)}` });
  });
  if (allowAnyWorkflowRef && !workflows.some((w) => w.endsWith('@*')))
    p.add([...at, 'dangerouslyAllowAnyWorkflowRef'], true, 'this opt-in has no effect without a workflow ref ending in "@*"; remove it');
  if (repoPinsWorkflows && workflows.length === 0) {
    p.add([...trustAt, 'workflows'], undefined,
      'another role of this repository pins reusable workflows, so the repository uses the subject template repo, context, job_workflow_ref and every role of it must list its workflows');
  }

  // What it may do.
  const managedPolicyArns = sortedUnique(role.managedPolicyArns);
  managedPolicyArns.forEach((arn) => {
    const i = (role.managedPolicyArns ?? []).indexOf(arn);
    p.check([...at, 'managedPolicyArns', i], arn, checkManagedPolicyArn(arn));
  });
  if (managedPolicyArns.length > ctx.managedPoliciesPerRole)
    p.add([...at, 'managedPolicyArns'], managedPolicyArns.length, `a role has at most ${ctx.managedPoliciesPerRole} managed policies (aws.managedPoliciesPerRole, raisable by quota to 25)`);
  const inlinePolicies: InlinePolicyModel[] = [];
  const inlineDocuments: { name: string; document: unknown; json: string }[] = [];
  let inlineTotal = 0;
  for (const [policyName, doc] of sortedEntries(role.inlinePolicies)) {
    const where = [...at, 'inlinePolicies', policyName];
    p.check(where, policyName, checkPolicyName(policyName));
    const json = canonicalJson({ Version: '2012-10-17', ...doc });
    p.check(where, policyName, checkPolicyText(json));
    inlineTotal += policySize(json);
    inlineDocuments.push({ name: policyName, document: doc, json });
    inlinePolicies.push({ name: policyName, json });
  }
  if (inlineTotal > LIMITS.inlinePoliciesTotalMaxChars)
    p.add([...at, 'inlinePolicies'], inlineTotal, `inline policies of a role total at most ${LIMITS.inlinePoliciesTotalMaxChars} characters; use a customer managed policy`);
  // Administrator-equivalent and readOnly, read from the policies' content with the IAM action and AWS managed
  // policy datasets (./permissions); inline statements are checked for shape there too.
  const permissions = checkRolePermissions({
    managedPolicyArns: managedPolicyArns
      .filter((arn) => checkManagedPolicyArn(arn) === undefined)
      .map((arn) => ({ arn, index: (role.managedPolicyArns ?? []).indexOf(arn) })),
    inlinePolicies: inlineDocuments,
    readOnly,
    allowAdministratorAccess: role.dangerouslyAllowAdministratorAccess === true,
    roleArn: `arn:${ctx.partition}:iam::${ctx.config.aws.accountId}:role${path}${name}`,
    partition: checkPartition(ctx.partition) === undefined ? ctx.partition : undefined,
    accountId: ctx.config.aws.accountId,
  });
  for (const q of permissions.problems) p.add([...at, ...q.path], q.value, q.rule);
  if (permissions.administrator !== undefined) {
    if (role.dangerouslyAllowAdministratorAccess) risks.push({ kind: 'administrator-access', detail: permissions.administrator });
  } else if (role.dangerouslyAllowAdministratorAccess) {
    p.add([...at, 'dangerouslyAllowAdministratorAccess'], true, 'this opt-in has no effect without administrator access; remove it');
  }
  const boundary = role.permissionsBoundaryArn ?? ctx.config.defaults?.permissionsBoundaryArn;
  if (role.permissionsBoundaryArn !== undefined && p.check([...at, 'permissionsBoundaryArn'], role.permissionsBoundaryArn, checkManagedPolicyArn(role.permissionsBoundaryArn)))
    p.check([...at, 'permissionsBoundaryArn'], role.permissionsBoundaryArn, checkPolicyArnTarget(role.permissionsBoundaryArn, checkPartition(ctx.partition) === undefined ? ctx.partition : undefined, ctx.config.aws.accountId));

  // keyless' own tags, then the role's; account-wide tags reach the role through the provider's default_tags.
  const tags: Record<string, string> = {
    'keyless:environment': ctx.config.environment,
    'keyless:repository': `${repository.owner}/${repository.name}`,
    'keyless:role': key,
    ...role.tags,
  };
  const sortedTags = Object.fromEntries(sortedEntries(tags));
  for (const [k, v] of sortedEntries(role.tags)) p.check([...at, 'tags', k], v, checkTag(k, v));
  const tagCount = new Set([...Object.keys(sortedTags), ...Object.keys(ctx.config.aws.tags ?? {}), 'keyless:managed-by']).size;
  if (tagCount > LIMITS.tagsPerRole)
    p.add([...at, 'tags'], tagCount, `a role has at most ${LIMITS.tagsPerRole} tags, counting aws.tags and keyless' own four`);
  const description = role.description ?? `GitHub Actions in ${repository.owner}/${repository.name} (${key}), managed by keyless`;
  if (description.length > LIMITS.roleDescriptionMaxChars || !/^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/.test(description))
    p.add([...at, 'description'], description, `a role description has at most ${LIMITS.roleDescriptionMaxChars} characters of tab, newline and printable Latin-1`);

  if (subjectFormatRisk(repository)) risks.push({ kind: 'name-recycling', detail: 'trust is by repository name only; whoever owns the name later inherits the access (set ids for immutable subjects)' });

  // Without a sound owner, issuer and repository identity the subjects cannot be built; their problems are reported.
  if (p.lines.length > before || !ctx.globalsOk) return undefined;

  const subjects: SubjectSpec[] = [];
  for (const c of contexts) {
    if (workflows.length === 0) subjects.push({ repository, context: c });
    for (const w of workflows) subjects.push({ repository, context: c, workflow: w });
  }
  for (const other of others) for (const c of other.contexts) subjects.push({ repository: other.identity, context: c });
  if (others.some((o) => o.identity.subjectFormat !== 'immutable') && !risks.some((r) => r.kind === 'name-recycling'))
    risks.push({ kind: 'name-recycling', detail: 'trust is by repository name only for some repositories; whoever owns the name later inherits the access (set ids for immutable subjects)' });
  const githubAudience = ctx.audiences.find((aud) => isGithubAudience(aud, toIssuer(ctx.config.github.issuer)));
  if (githubAudience !== undefined)
    risks.push({ kind: 'github-audience', detail: `tokens with GitHub's default audience ${githubAudience} are accepted: any service that receives a token a workflow requested without an audience can replay it here` });
  let claims: string[] = [];
  try {
    claims = sortedUnique(subjects.flatMap((s) => subjectClaims(s, { allowAnyWorkflowRef })));
    buildTrustPolicy({
      dangerouslyAllowGithubAudience: ctx.config.github.dangerouslyAllowGithubAudience === true,
      providerArn: ctx.providerArn,
      conditionKeyPrefix: ctx.resolvedIssuer.conditionKeyPrefix,
      subjects: claims,
      audiences: ctx.audiences,
      maxChars: ctx.trustPolicyMaxChars,
      label: 'trust',
    });
  } catch (error) {
    p.add([...at, 'trust'], `${claims.length || subjects.length} subjects`, (error as Error).message.replace(/^trust: /, ''));
    return undefined;
  }
  return {
    key,
    entry,
    name,
    path,
    description,
    readOnly,
    subjects: [...subjects].sort((a, b) => cmp(describeSubject(a), describeSubject(b))),
    claims,
    managedPolicyArns,
    inlinePolicies,
    maxSessionDurationSeconds: duration,
    ...(boundary !== undefined ? { permissionsBoundaryArn: boundary } : {}),
    tags: sortedTags,
    risks: [...risks].sort((a, b) => cmp(a.kind + a.detail, b.kind + b.detail)),
    allowAnyWorkflowRef,
  };
}

type TrustBlock = Omit<NonNullable<RoleConfig['trust']>, 'repositories' | 'workflows'>;

function countSubjects(trust: TrustBlock): number {
  return (trust.branches?.length ?? 0) + (trust.branchPatterns?.length ?? 0) + (trust.tags?.length ?? 0) +
    (trust.tagPatterns?.length ?? 0) + (trust.environments?.length ?? 0) + (trust.pullRequests ? 1 : 0);
}

/** The branch, tag, environment and pull-request subjects of one trust block, with their risks and problems. */
/** The repository whose subjects a trust block lists, and the environments keyless manages for it. */
interface TrustedRepository {
  readonly repoKey: string;
  readonly declared: Readonly<Record<string, EnvironmentConfig>> | undefined;
}

/**
 * Why an environment lets a job of any branch in, or undefined when it does not. GitHub lets a job on any branch
 * use an environment that has neither required reviewers nor a deployment branch policy, and keyless knows the
 * rules only of the environments it manages (those declared under the repository's environments).
 */
function unprotectedEnvironment(name: string, repo: TrustedRepository): 'unmanaged' | 'unprotected' | undefined {
  const entry = Object.entries(repo.declared ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase());
  if (!entry) return 'unmanaged';
  const [, env] = entry;
  const reviewers = (env.reviewers?.users?.length ?? 0) + (env.reviewers?.teams?.length ?? 0);
  const branches = env.deploymentBranches ?? 'all';
  return reviewers > 0 || branches !== 'all' ? undefined : 'unprotected';
}

function parseContexts(trust: TrustBlock, trustAt: PropertyKey[], role: RoleConfig, readOnly: boolean, risks: Risk[], p: Problems, repo: TrustedRepository): SubjectContext[] {
  const contexts: SubjectContext[] = [];
  for (const [i, b] of (trust.branches ?? []).entries()) {
    if (p.check([...trustAt, 'branches', i], b, checkRefName(b, false))) contexts.push({ kind: 'branch', name: b });
  }
  for (const [i, b] of (trust.branchPatterns ?? []).entries()) {
    const where = [...trustAt, 'branchPatterns', i];
    if (!p.check(where, b, checkRefName(b, true))) continue;
    if (!b.includes('*')) { p.add(where, b, 'a pattern has a "*"; list exact names under branches'); continue; }
    if (/^\*+$/.test(b)) {
      if (!role.dangerouslyAllowAnyBranch) { p.add(where, b, 'this trusts every branch, so anyone who can push a branch can assume the role; set dangerouslyAllowAnyBranch: true to opt in'); continue; }
      risks.push({ kind: 'any-branch', detail: 'any branch of the repository can assume this role' });
    } else risks.push({ kind: 'branch-pattern', detail: `branches matching ${b}` });
    contexts.push({ kind: 'branch', name: b, pattern: true });
  }
  for (const [i, t] of (trust.tags ?? []).entries()) {
    if (p.check([...trustAt, 'tags', i], t, checkRefName(t, false))) contexts.push({ kind: 'tag', name: t });
  }
  for (const [i, t] of (trust.tagPatterns ?? []).entries()) {
    const where = [...trustAt, 'tagPatterns', i];
    if (!p.check(where, t, checkRefName(t, true))) continue;
    if (!t.includes('*')) { p.add(where, t, 'a pattern has a "*"; list exact names under tags'); continue; }
    if (/^\*+$/.test(t)) { p.add(where, t, 'a bare "*" trusts every tag anyone with push access can create; give a prefix such as v*'); continue; }
    risks.push({ kind: 'tag-pattern', detail: `tags matching ${t}` });
    contexts.push({ kind: 'tag', name: t, pattern: true });
  }
  for (const [i, e] of (trust.environments ?? []).entries()) {
    const where = [...trustAt, 'environments', i];
    if (!p.check(where, e, checkEnvironmentName(e))) continue;
    // An environment that admits any branch is a branch pattern "*" in disguise: the same opt-in, the same risk.
    const gap = unprotectedEnvironment(e, repo);
    if (gap !== undefined) {
      const envs = formatPath(['repositories', repo.repoKey, 'environments']);
      if (!role.dangerouslyAllowAnyBranch) {
        p.add(where, e, gap === 'unmanaged'
          ? `environment ${e} of ${repo.repoKey} is not declared under ${envs}, so keyless cannot show that it limits which branches use it, and a job on any branch may assume this role; declare it there with required reviewers or deploymentBranches, or set dangerouslyAllowAnyBranch: true to opt in`
          : `environment ${e} of ${repo.repoKey} has neither required reviewers nor a deployment branch policy, so a job on any branch can use it and assume this role; give it required reviewers or deploymentBranches under ${envs}, or set dangerouslyAllowAnyBranch: true to opt in`);
        continue;
      }
      risks.push({ kind: 'any-branch', detail: gap === 'unmanaged'
        ? `any branch of ${repo.repoKey} may assume this role through environment ${e}, which keyless does not manage`
        : `any branch of ${repo.repoKey} can assume this role through environment ${e}, which has neither required reviewers nor a deployment branch policy` });
    }
    contexts.push({ kind: 'environment', name: e });
  }
  if (trust.pullRequests) {
    if (!readOnly && !role.dangerouslyAllowPullRequestsWithWriteAccess) {
      p.add([...trustAt, 'pullRequests'], true, 'pull request jobs run code from the pull request; only a role with readOnly: true may trust them, or set dangerouslyAllowPullRequestsWithWriteAccess: true');
    } else {
      if (!readOnly) risks.push({ kind: 'pull-request-write', detail: 'pull request jobs can assume a role that can write' });
      contexts.push({ kind: 'pull-request' });
    }
  }
  return contexts;
}

function subjectFormatRisk(repository: RepositoryIdentity): boolean {
  return effectiveSubjectFormat(repository) !== 'immutable';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Which variable names are taken, per target repository and scope, across the whole environment. */
type VariableScopes = Map<string, Map<string, string>>;

function buildVariables(repoKey: string, repo: RepositoryConfig, roles: readonly RoleModel[], at: PropertyKey[], ctx: RepoContext, p: Problems): VariableModel[] {
  const variables: VariableModel[] = [];
  const claim = (target: string, scopeKey: string, name: string, writer: string, where: PropertyKey[]): boolean => {
    const key = `${target.toLowerCase()}\u0000${scopeKey.toLowerCase()}`;
    const scope = ctx.variableScopes.get(key) ?? new Map<string, string>();
    ctx.variableScopes.set(key, scope);
    const existing = scope.get(name.toLowerCase());
    if (existing !== undefined && existing !== writer) {
      const scopeName = scopeKey === '' ? 'the repository' : `environment ${scopeKey}`;
      const of = target.toLowerCase() === repoKey.toLowerCase() ? '' : ` of ${target}`;
      p.add(where, name, `${existing} already writes this variable in ${scopeName}${of}; names are unique ignoring case per scope, so set variable.name on one of them`);
      return false;
    }
    scope.set(name.toLowerCase(), writer);
    return existing === undefined;
  };
  for (const role of roles) {
    const roleConfig = repo.roles[role.key];
    if (!roleConfig) continue;
    const roleAt = [...at, 'roles', role.key];
    const name = roleConfig.variable?.name ?? ctx.roleArnVariable;
    if (!p.check([...roleAt, 'variable', 'name'], name, checkVariableName(name))) continue;
    const regionName = roleConfig.variable?.regionName ?? ctx.regionVariable;
    if (!p.check([...roleAt, 'variable', 'regionName'], regionName, checkVariableName(regionName))) continue;
    if (roleConfig.variable?.scope === 'none') continue;
    // The role's own repository first, then every other repository it trusts: each gets the ARN where its jobs can read it.
    const blocks: [string, TrustBlock, PropertyKey[]][] = [
      [repoKey, roleConfig.trust, [...roleAt, 'variable', 'scope']],
      ...sortedEntries(roleConfig.trust.repositories).map(([k, t]): [string, TrustBlock, PropertyKey[]] => [k, t, [...roleAt, 'trust', 'repositories', k]]),
    ];
    for (const [target, block, where] of blocks) {
      const envs = sortedUnique(block.environments);
      const onlyEnvironments = envs.length > 0 && countSubjects(block) === envs.length;
      const scope = roleConfig.variable?.scope ?? (onlyEnvironments ? 'environment' : 'repository');
      if (scope === 'environment' && envs.length === 0) {
        p.add(where, scope, 'environment scope needs trust.environments; jobs in other contexts cannot read environment variables');
        continue;
      }
      const writer = target === repoKey ? `role ${role.key}` : `role ${role.key} of ${repoKey}`;
      for (const env of scope === 'repository' ? [''] : envs) {
        const placement = { repository: target, scope, ...(env ? { environment: env } : {}) } as const;
        if (claim(target, env, name, writer, [...roleAt, 'variable', 'name'])) {
          variables.push({ name, ...placement, value: { kind: 'role-arn', role: role.key } });
        }
        // The region goes wherever a role ARN goes, once per scope.
        if (claim(target, env, regionName, 'the region', [...roleAt, 'variable', 'regionName'])) {
          variables.push({ name: regionName, ...placement, value: { kind: 'region' } });
        }
      }
    }
  }
  return variables.sort((a, b) => cmp(`${a.repository}\u0000${a.environment ?? ''}\u0000${a.name}`, `${b.repository}\u0000${b.environment ?? ''}\u0000${b.name}`));
}

/** GitHub's limits on variables per repository and per environment, over everything the environment writes. */
function checkVariableCounts(repositories: readonly RepositoryModel[], p: Problems): void {
  const counts = new Map<string, number>();
  for (const v of repositories.flatMap((r) => r.variables)) {
    const key = v.environment === undefined ? `${v.repository}` : `${v.repository}\u0000${v.environment}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, count] of [...counts].sort(([a], [b]) => cmp(a, b))) {
    const [repo = '', env] = key.split('\u0000');
    if (env === undefined && count > LIMITS.variablesPerRepository)
      p.add(['repositories', repo], count, `a repository holds at most ${LIMITS.variablesPerRepository} variables`);
    if (env !== undefined && count > LIMITS.variablesPerEnvironment)
      p.add(['repositories', repo, 'environments', env], count, `an environment holds at most ${LIMITS.variablesPerEnvironment} variables`);
  }
}

/** Every `sub` value a model trusts, with the role that trusts it; for reports and cross-checks. */
export function trustedClaims(model: AccessModel): { role: string; repository: string; claim: string }[] {
  return model.repositories.flatMap((r) => r.roles.flatMap((role) => role.claims.map((claim) => ({ role: role.name, repository: r.key, claim }))));
}

/**
 * The stack suffix of a repository: its explicit `stack`, else its team, else `s` and two digits of a stable
 * hash of the lowercased name (SHA-256, first four bytes, modulo the shard count). The hash never depends on
 * other repositories, so adding or removing one moves nobody else.
 */
export function shardOf(key: string, repo: { readonly stack?: string; readonly team?: string }, sharding: AccessConfig['sharding']): string | undefined {
  if (!sharding) return undefined;
  if (repo.stack !== undefined) return repo.stack;
  if (sharding.by === 'team') return repo.team === undefined ? undefined : `team-${repo.team}`;
  const shards = sharding.shards ?? 2;
  const n = createHash('sha256').update(key.toLowerCase()).digest().readUInt32BE(0) % shards;
  return `s${String(n).padStart(String(shards - 1).length, '0')}`;
}

/** One stack of an environment: its id and the model holding only its repositories. */
export interface StackModel {
  readonly stackId: string;
  readonly model: AccessModel;
}

/**
 * Splits an environment into its stacks: one stack named after the environment when it is not sharded, else
 * `<environment>-<suffix>` per shard that has repositories, sorted by id.
 */
export function splitModel(model: AccessModel): StackModel[] {
  if (!model.sharding) return [{ stackId: model.environment, model }];
  const groups = new Map<string, RepositoryModel[]>();
  for (const repo of model.repositories) {
    const suffix = repo.shard ?? 'unassigned';
    groups.set(suffix, [...(groups.get(suffix) ?? []), repo]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([suffix, repositories]) => ({ stackId: `${model.environment}-${suffix}`, model: { ...model, repositories } }));
}
