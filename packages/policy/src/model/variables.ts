/** The GitHub variables an environment writes: each role's ARN and the region, where the jobs that assume it read them. */
import type { RepositoryConfig } from '../config/access-config.js';
import { LIMITS, checkVariableName } from '../iam/limits.js';
import { countSubjects } from './trust.js';
import type { TrustBlock } from './trust.js';
import type { Problems, RepoContext } from './support.js';
import { cmp, sortedEntries, sortedUnique } from './support.js';
import type { RepositoryModel, RoleModel, VariableModel } from './types.js';

export function buildVariables(repoKey: string, repo: RepositoryConfig, roles: readonly RoleModel[], at: PropertyKey[], ctx: RepoContext, p: Problems): VariableModel[] {
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
export function checkVariableCounts(repositories: readonly RepositoryModel[], p: Problems): void {
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
