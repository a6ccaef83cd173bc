/** Where an environment's repositories and state live: its sharding into stacks and its remote state. */
import { createHash } from 'node:crypto';
import type { AccessConfig } from '../config/access-config.js';
import { checkBucketName, checkRegionName } from '../iam/limits.js';
import type { Problems } from './support.js';
import { cmp, sortedEntries } from './support.js';
import type { AccessModel, RepositoryModel, ShardingModel, StackModel, StateModel } from './types.js';

/** The stack suffix of a sharded environment's organization roles. */
export const ORGANIZATION_STACK = 'organization';

const STACK_SUFFIX = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** Checks the sharding block and every repository's stack and team; the sharding model, when configured. */
export function checkSharding(config: AccessConfig, createsProvider: boolean, hasOrganizationRoles: boolean, p: Problems): ShardingModel | undefined {
  let sharding: ShardingModel | undefined;
  if (config.sharding) {
    const { by, shards } = config.sharding;
    if (by === 'hash') {
      const ok = shards !== undefined && Number.isInteger(shards) && shards >= 2 && shards <= 256;
      p.check(['sharding', 'shards'], shards, ok ? undefined : 'hash sharding needs shards: a whole number from 2 to 256');
    } else if (shards !== undefined) p.add(['sharding', 'shards'], shards, 'shards applies to by: hash only; team sharding makes one stack per team');
    if (createsProvider)
      p.add(['sharding'], by, 'a sharded environment refers to the OIDC provider by aws.oidcProvider.existingArn (create it in the bootstrap app), so that no shard owns an account-wide resource');
    sharding = { by, ...(shards !== undefined ? { shards } : {}) };
  }
  for (const [key, repo] of sortedEntries(config.repositories)) {
    if (repo.stack !== undefined)
      p.check(['repositories', key, 'stack'], repo.stack, STACK_SUFFIX.test(repo.stack) ? undefined : 'a stack suffix has 1 to 40 lowercase letters, digits and inner hyphens');
    if (repo.team !== undefined)
      p.check(['repositories', key, 'team'], repo.team, STACK_SUFFIX.test(repo.team) ? undefined : 'a team name has 1 to 40 lowercase letters, digits and inner hyphens');
    if (repo.stack === ORGANIZATION_STACK && hasOrganizationRoles)
      p.add(['repositories', key, 'stack'], repo.stack, `the stack ${ORGANIZATION_STACK} holds the organization roles of a sharded environment; pin the repository to another stack`);
    if (repo.stack !== undefined && !sharding) p.add(['repositories', key, 'stack'], repo.stack, 'stack pins a repository only in a sharded environment; add sharding or remove it');
    if (sharding?.by === 'team' && repo.team === undefined && repo.stack === undefined)
      p.add(['repositories', key], key, 'sharding by team needs team (or an explicit stack) on every repository');
  }

  return sharding;
}

/** Checks the remote state block; the state model, when configured. */
export function checkState(config: AccessConfig, p: Problems): StateModel | undefined {
  if (!config.state) return undefined;
  p.check(['state', 'bucket'], config.state.bucket, checkBucketName(config.state.bucket));
  const region = config.state.region ?? config.aws.region;
  p.check(['state', 'region'], region, checkRegionName(region));
  const keyPrefix = config.state.keyPrefix ?? 'keyless';
  p.check(['state', 'keyPrefix'], keyPrefix, /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(keyPrefix) ? undefined
    : 'a key prefix is path segments of letters, digits and ! _ . * \' ( ) -, separated by "/", without a leading or trailing "/"');
  return { bucket: config.state.bucket, region, keyPrefix };
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

/**
 * Splits an environment into its stacks: one stack named after the environment when it is not sharded, else
 * `<environment>-<suffix>` per shard that has repositories, and `<environment>-organization` for its organization
 * roles, sorted by id.
 */
export function splitModel(model: AccessModel): StackModel[] {
  if (!model.sharding) return [{ stackId: model.environment, model }];
  const groups = new Map<string, RepositoryModel[]>();
  for (const repo of model.repositories) {
    const suffix = repo.shard ?? 'unassigned';
    const group = groups.get(suffix);
    if (group) group.push(repo);
    else groups.set(suffix, [repo]);
  }
  const { organizationRoles, ...rest } = model;
  const stacks: StackModel[] = [...groups.entries()].map(([suffix, repositories]) => ({ stackId: `${model.environment}-${suffix}`, model: { ...rest, repositories } }));
  // Organization roles belong to no repository: their own stack, so that no shard's plan carries them.
  if (organizationRoles !== undefined && organizationRoles.length > 0)
    stacks.push({ stackId: `${model.environment}-${ORGANIZATION_STACK}`, model: { ...rest, repositories: [], organizationRoles } });
  return stacks.sort((a, b) => cmp(a.stackId, b.stackId));
}
