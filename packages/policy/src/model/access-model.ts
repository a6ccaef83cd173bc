/**
 * From a parsed access config to a normalized, validated model: every role with its name, subjects, trust
 * policy and permissions, every GitHub variable and environment, sorted by stable keys so that the same config
 * always gives the same model, whatever the order of its entries. Constructs render this model; reports read it.
 */
import { ConfigError } from '../config/problems.js';
import type { AccessConfig } from '../config/access-config.js';
import { CHINA_AUDIENCE, DEFAULT_AUDIENCE, checkAudience, checkIssuer, isGithubAudience, oidcProviderArn, pinsIdsByDefault, resolveIssuer } from '../github/issuer.js';
import {
  LIMITS,
  checkAccountId,
  checkGithubId,
  checkManagedPolicyArn,
  checkOwnerName,
  checkPartition,
  checkRegionName,
  checkRolePath,
  checkSessionDuration,
  checkTag,
  checkVariableName,
} from '../iam/limits.js';
import { checkPolicyArnTarget } from '../iam/permissions/index.js';
import { buildOrganizationRoles } from './organization.js';
import { checkSharding, checkState } from './placement.js';
import { buildRepository } from './repository.js';
import { Problems, sortedEntries, sortedUnique, toIssuer } from './support.js';
import type { RepoContext } from './support.js';
import { DEFAULT_REGION_VARIABLE, DEFAULT_ROLE_ARN_VARIABLE, DEFAULT_ROLE_PATH, DEFAULT_SESSION_DURATION_SECONDS } from './types.js';
import type { AccessModel, RepositoryModel } from './types.js';
import { checkVariableCounts } from './variables.js';

const ENVIRONMENT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

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
  p.check(['aws', 'region'], config.aws.region, checkRegionName(config.aws.region));
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

  // AWS documents the GitHub claim keys for github.com; elsewhere pinning waits for the config's opt-in.
  const pinIds = config.github.pinIds ?? pinsIdsByDefault(resolvedIssuer);
  if (config.github.pinIds === true && config.github.ownerId === undefined)
    p.add(['github', 'pinIds'], true, 'pinning ids needs github.ownerId (the numeric id of the owner) and each repository\'s id');

  const context: RepoContext = {
    pinIds,
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


  checkVariableCounts(repositories, p);

  // Role names are unique ignoring case within an account.
  const organizationRoles = buildOrganizationRoles(config, context, p);
  if (Object.keys(config.repositories).length === 0 && organizationRoles.length === 0 && config.organization === undefined)
    p.add(['repositories'], config.repositories, 'declare at least one repository (or an organization role)');
  const roleNames = new Map<string, string>();
  for (const roles of [...repositories.map((r) => r.roles), organizationRoles]) {
    for (const role of roles) {
      const lower = role.name.toLowerCase();
      const first = roleNames.get(lower);
      if (first !== undefined) {
        p.add(`${role.entry}.name`, role.name, `IAM role names are unique ignoring case within an account; ${first} already uses it`);
      } else roleNames.set(lower, role.entry);
    }
  }

  const sharding = checkSharding(config, 'create' in providerConfig, organizationRoles.length > 0, p);
  const state = checkState(config, p);

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
      pinIds,
      ...(allowGithubAudience ? { dangerouslyAllowGithubAudience: true as const } : {}),
    },
    repositories,
    ...(organizationRoles.length > 0 ? { organizationRoles } : {}),
  };
}
