/** A repository of the config: its identity, the environments keyless manages for it, its roles and variables. */
import type { EnvironmentConfig, RepositoryConfig } from '../config/access-config.js';
import { WORKFLOW_SUBJECT_CLAIM_KEYS } from '../github/subject.js';
import { checkEnvironmentName, checkGithubId, checkRefName, checkRepositoryName } from '../iam/limits.js';
import { shardOf } from './placement.js';
import { buildRole } from './role.js';
import type { Problems, RepoContext } from './support.js';
import { identityOf, sortedEntries, sortedUnique } from './support.js';
import type { EnvironmentModel, RepositoryModel, RoleModel } from './types.js';
import { buildVariables } from './variables.js';

export function buildRepository(key: string, repo: RepositoryConfig, ctx: RepoContext, p: Problems): RepositoryModel | undefined {
  const at = ['repositories', key];
  const before = p.lines.length;
  // A bad name would make every role and variable below it fail too; report the cause once.
  if (!p.check(at, key, checkRepositoryName(key))) return undefined;
  const ownerId = ctx.config.github.ownerId;
  if (repo.id !== undefined) p.check([...at, 'id'], repo.id, checkGithubId(repo.id));
  const identity = identityOf(ctx, key, repo.id, repo.subjectFormat);
  const subjectFormat = identity.subjectFormat;
  if (subjectFormat !== 'name') {
    if (repo.id === undefined || ownerId === undefined) {
      p.add([...at, 'subjectFormat'], subjectFormat,
        `the ${subjectFormat} subject format needs the repository id here and github.ownerId (numeric ids; never wildcards)`);
    }
    if (!ctx.resolvedIssuer.supportsImmutableSubjects) {
      p.add([...at, 'subjectFormat'], subjectFormat, `immutable subjects exist only on github.com; ${ctx.resolvedIssuer.label} issues name-based subjects`);
    }
  }
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
