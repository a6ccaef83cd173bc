/** One role of a repository: its name, path and session, who may assume it (./trust) and what it may do (./permissions). */
import { formatPath } from '../config/problems.js';
import type { OrganizationRoleConfig, RoleConfig } from '../config/access-config.js';
import { describeSubject } from '../github/subject.js';
import type { RepositoryIdentity } from '../github/subject.js';
import { LIMITS, checkRoleName, checkRolePath, checkSessionDuration, checkTag } from '../iam/limits.js';
import { compilePermissions } from './permissions.js';
import type { RolePermissions } from './permissions.js';
import type { Problems, RepoContext } from './support.js';
import { cmp, sortedEntries } from './support.js';
import { buildTrust, readTrust, subjectFormatRisk } from './trust.js';
import type { Risk, RoleModel, RoleOptIn } from './types.js';

const ROLE_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
const DESCRIPTION_TEXT = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
const OPT_INS: readonly RoleOptIn[] = [
  'dangerouslyAllowAdministratorAccess',
  'dangerouslyAllowAnyBranch',
  'dangerouslyAllowAnyWorkflowRef',
  'dangerouslyAllowPullRequestsWithWriteAccess',
];

/** What every role has, checked the same way for a repository's role and an organization role. */
export interface RoleBasics {
  readonly entry: string;
  readonly name: string;
  readonly path: string;
  readonly duration: number;
  readonly readOnly: boolean;
  readonly description: string;
  readonly tags: Record<string, string>;
  readonly permissions: RolePermissions;
}

/**
 * Checks a role's key, name, path, session, tags, description and permissions. `defaultName` and
 * `defaultDescription` apply when the config sets none; `ownTags` are keyless' own tags of the role.
 */
export function roleBasics(
  key: string,
  role: RoleConfig | OrganizationRoleConfig,
  defaults: { readonly name: string; readonly description: string; readonly tags: Record<string, string> },
  at: PropertyKey[],
  ctx: RepoContext,
  risks: Risk[],
  p: Problems,
): RoleBasics {
  const entry = formatPath(at);
  p.check(at, key, ROLE_KEY.test(key) ? undefined : 'a role key uses letters, digits, ".", "_" and "-", starting and ending with a letter or digit');
  const name = role.name ?? defaults.name;
  const nameProblem = checkRoleName(name);
  if (nameProblem) {
    p.add(role.name !== undefined ? [...at, 'name'] : at, name,
      role.name !== undefined ? nameProblem : `${nameProblem}; the default name ${at[0] === 'organization' ? '<roleNamePrefix>org-<role>' : '<roleNamePrefix><repository>-<role>'} is too long or invalid here, so set name explicitly`);
  }
  const path = role.path ?? ctx.rolePath;
  p.check([...at, 'path'], path, checkRolePath(path));
  const duration = role.maxSessionDurationSeconds ?? ctx.defaultDuration;
  p.check([...at, 'maxSessionDurationSeconds'], duration, checkSessionDuration(duration));
  const readOnly = role.readOnly ?? false;
  const permissions = compilePermissions(role, { name, path, readOnly }, at, ctx, risks, p);

  // keyless' own tags, then the role's; account-wide tags reach the role through the provider's default_tags.
  const tags = Object.fromEntries(sortedEntries({ ...defaults.tags, ...role.tags }));
  for (const [k, v] of sortedEntries(role.tags)) p.check([...at, 'tags', k], v, checkTag(k, v));
  const tagCount = new Set([...Object.keys(tags), ...Object.keys(ctx.config.aws.tags ?? {}), 'keyless:managed-by']).size;
  if (tagCount > LIMITS.tagsPerRole)
    p.add([...at, 'tags'], tagCount, `a role has at most ${LIMITS.tagsPerRole} tags, counting aws.tags and keyless' own four`);
  const description = role.description ?? defaults.description;
  if (description.length > LIMITS.roleDescriptionMaxChars || !DESCRIPTION_TEXT.test(description))
    p.add([...at, 'description'], description, `a role description has at most ${LIMITS.roleDescriptionMaxChars} characters of tab, newline and printable Latin-1`);
  return { entry, name, path, duration, readOnly, description, tags, permissions };
}

/** The role model from its checked parts. */
export function roleModel(
  key: string,
  basics: RoleBasics,
  trust: Pick<RoleModel, 'subjects' | 'claims' | 'grants' | 'trustPolicy'>,
  risks: readonly Risk[],
  role: RoleConfig | OrganizationRoleConfig,
): RoleModel {
  return {
    key,
    entry: basics.entry,
    name: basics.name,
    path: basics.path,
    description: basics.description,
    readOnly: basics.readOnly,
    subjects: [...trust.subjects].sort((a, b) => cmp(describeSubject(a), describeSubject(b))),
    claims: trust.claims,
    trustPolicy: trust.trustPolicy,
    grants: trust.grants,
    managedPolicyArns: basics.permissions.managedPolicyArns,
    inlinePolicies: basics.permissions.inlinePolicies,
    maxSessionDurationSeconds: basics.duration,
    ...(basics.permissions.boundary !== undefined ? { permissionsBoundaryArn: basics.permissions.boundary } : {}),
    tags: basics.tags,
    risks: [...risks].sort((a, b) => cmp(a.kind + a.detail, b.kind + b.detail)),
    optIns: OPT_INS.filter((o) => (role as Partial<Record<RoleOptIn, boolean>>)[o] === true),
    allowAnyWorkflowRef: role.dangerouslyAllowAnyWorkflowRef === true,
  };
}

export function buildRole(
  key: string,
  role: RoleConfig,
  repository: RepositoryIdentity,
  repoPinsWorkflows: boolean,
  at: PropertyKey[],
  ctx: RepoContext,
  p: Problems,
): RoleModel | undefined {
  const before = p.lines.length;
  const risks: Risk[] = [];
  const draft = readTrust(role, repository, repoPinsWorkflows, role.readOnly ?? false, at, ctx, risks, p);
  const basics = roleBasics(key, role, {
    name: `${ctx.roleNamePrefix}${repository.name}-${key}`,
    description: `GitHub Actions in ${repository.owner}/${repository.name} (${key}), managed by keyless`,
    tags: { 'keyless:environment': ctx.config.environment, 'keyless:repository': `${repository.owner}/${repository.name}`, 'keyless:role': key },
  }, at, ctx, risks, p);

  if (subjectFormatRisk(repository)) risks.push({ kind: 'name-recycling', detail: 'trust is by repository name only; whoever owns the name later inherits the access (set ids to pin them beside the subject)' });

  // Without a sound owner, issuer and repository identity the subjects cannot be built; their problems are reported.
  if (p.lines.length > before || !ctx.globalsOk) return undefined;
  const trust = buildTrust(draft, repository, at, ctx, risks, p);
  if (!trust) return undefined;
  return roleModel(key, basics, trust, risks, role);
}
