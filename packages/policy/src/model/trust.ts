/**
 * Who may assume a role: the subjects of its trust block and of the other repositories it trusts, the risks
 * they carry and the opt-ins they need, and from them the role's trust policy, built here once.
 */
import { formatPath } from '../config/problems.js';
import type { EnvironmentConfig, RoleConfig } from '../config/access-config.js';
import { checkSubject, checkWorkflowRef, effectiveSubjectFormat, pinsIds, subjectGrant } from '../github/subject.js';
import type { RepositoryIdentity, SubjectContext, SubjectSpec } from '../github/subject.js';
import { checkEnvironmentName, checkRefName, checkRepositoryName } from '../iam/limits.js';
import { buildTrustPolicy } from '../iam/trust-policy.js';
import type { PolicyDocument, TrustGrant } from '../iam/trust-policy.js';
import type { Problems, RepoContext } from './support.js';
import { githubAudienceRisk, identityOf, sortedEntries, sortedUnique } from './support.js';
import type { Risk } from './types.js';

export type TrustBlock = Omit<NonNullable<RoleConfig['trust']>, 'repositories' | 'workflows'>;

/** A role's trust as read from the config, before its subjects are built. */
/** One subject of a trust block: a context, and for an environment beside ref selectors, the refs it must run on. */
export interface TrustEntry {
  readonly context: SubjectContext;
  readonly refs?: readonly string[];
}

export interface TrustDraft {
  readonly contexts: readonly TrustEntry[];
  readonly others: readonly { readonly identity: RepositoryIdentity; readonly contexts: readonly TrustEntry[] }[];
  readonly workflows: readonly string[];
  readonly allowAnyWorkflowRef: boolean;
}

/** Reads a role's trust block and the other repositories it trusts; pushes their risks and reports their problems. */
export function readTrust(
  role: RoleConfig,
  repository: RepositoryIdentity,
  repoPinsWorkflows: boolean,
  readOnly: boolean,
  at: PropertyKey[],
  ctx: RepoContext,
  risks: Risk[],
  p: Problems,
): TrustDraft {
  // Who may assume it: the home repository, then any other repositories the role also trusts.
  const trust = role.trust;
  const trustAt = [...at, 'trust'];
  const own = Object.hasOwn(ctx.config.repositories, repository.name) ? ctx.config.repositories[repository.name] : undefined;
  const contexts = parseContexts(trust, trustAt, role, readOnly, risks, p, { repoKey: repository.name, declared: own?.environments });
  const others: { identity: RepositoryIdentity; contexts: TrustEntry[] }[] = [];
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
    const identity = identityOf(ctx, declared?.[0] ?? otherKey, declaredRepo?.id, declaredRepo?.subjectFormat);
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
  return { contexts, others, workflows, allowAnyWorkflowRef };
}

/** The role's subjects, their `sub` claims and its trust policy; undefined (with the problem reported) when too big. */
export function buildTrust(
  draft: TrustDraft,
  repository: RepositoryIdentity,
  at: PropertyKey[],
  ctx: RepoContext,
  risks: Risk[],
  p: Problems,
): { subjects: SubjectSpec[]; claims: string[]; grants: TrustGrant[]; trustPolicy: PolicyDocument } | undefined {
  const { contexts, others, workflows, allowAnyWorkflowRef } = draft;

  const subjects: SubjectSpec[] = [];
  const spec = (repo: RepositoryIdentity, entry: TrustEntry, workflow?: string): SubjectSpec => ({
    repository: repo,
    context: entry.context,
    ...(workflow !== undefined ? { workflow } : {}),
    ...(entry.refs !== undefined ? { refs: entry.refs } : {}),
  });
  for (const c of contexts) {
    if (workflows.length === 0) subjects.push(spec(repository, c));
    for (const w of workflows) subjects.push(spec(repository, c, w));
  }
  for (const other of others) for (const c of other.contexts) subjects.push(spec(other.identity, c));
  if (others.some((o) => subjectFormatRisk(o.identity)) && !risks.some((r) => r.kind === 'name-recycling'))
    risks.push({ kind: 'name-recycling', detail: 'trust is by repository name only for some repositories; whoever owns the name later inherits the access (set ids to pin them beside the subject)' });
  const audienceRisk = githubAudienceRisk(ctx);
  if (audienceRisk) risks.push(audienceRisk);
  let claims: string[] = [];
  try {
    const grants = subjects.map((s) => subjectGrant(s, { allowAnyWorkflowRef }));
    claims = sortedUnique(grants.flatMap((g) => g.subjects));
    const trustPolicy = buildTrustPolicy({
      grants,
      dangerouslyAllowGithubAudience: ctx.config.github.dangerouslyAllowGithubAudience === true,
      providerArn: ctx.providerArn,
      conditionKeyPrefix: ctx.resolvedIssuer.conditionKeyPrefix,
      subjects: [],
      audiences: ctx.audiences,
      maxChars: ctx.trustPolicyMaxChars,
      label: 'trust',
    });
    return { subjects, claims, grants: sortGrants(grants), trustPolicy };
  } catch (error) {
    p.add([...at, 'trust'], `${claims.length || subjects.length} subjects`, (error as Error).message.replace(/^trust: /, ''));
    return undefined;
  }
}

/** Whether a trust block narrows its environments by ref: environments AND branches/tags, not either. */
export function narrowsEnvironments(trust: TrustBlock): boolean {
  return (trust.environments?.length ?? 0) > 0 && refSelectorCount(trust) > 0;
}

function refSelectorCount(trust: TrustBlock): number {
  return (trust.branches?.length ?? 0) + (trust.branchPatterns?.length ?? 0) + (trust.tags?.length ?? 0) + (trust.tagPatterns?.length ?? 0);
}

/** How many subjects a trust block lists; ref selectors beside environments narrow them and count for none. */
export function countSubjects(trust: TrustBlock): number {
  const refs = narrowsEnvironments(trust) ? 0 : refSelectorCount(trust);
  return refs + (trust.environments?.length ?? 0) + (trust.pullRequests ? 1 : 0);
}

/** Grants in a stable order, whatever the order of the config's entries. */
function sortGrants(grants: readonly TrustGrant[]): TrustGrant[] {
  const keyOf = (g: TrustGrant) => JSON.stringify([Object.entries(g.claims ?? {}).sort(), [...g.subjects].sort()]);
  return [...grants].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

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

/** The branch, tag, environment and pull-request subjects of one trust block, with their risks and problems. */
function parseContexts(trust: TrustBlock, trustAt: PropertyKey[], role: RoleConfig, readOnly: boolean, risks: Risk[], p: Problems, repo: TrustedRepository): TrustEntry[] {
  const contexts: SubjectContext[] = [];
  const narrowed = narrowsEnvironments(trust);
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
  // Environments beside ref selectors: the job names the environment AND runs on one of these refs.
  const refs = narrowed ? contexts.map((c) => (c.kind === 'branch' ? `refs/heads/${c.name}` : `refs/tags/${(c as { name: string }).name}`)) : [];
  if (narrowed) {
    const anyBranch = (trust.branchPatterns ?? []).findIndex((b) => /^\*+$/.test(b));
    if (anyBranch >= 0)
      p.add([...trustAt, 'branchPatterns', anyBranch], trust.branchPatterns?.[anyBranch], 'beside environments, a ref selector narrows them; "*" narrows nothing, so list the branches the environments may be used from, or remove it');
    contexts.length = 0;
  }
  const entries: TrustEntry[] = contexts.map((context) => ({ context }));
  for (const [i, e] of (trust.environments ?? []).entries()) {
    const where = [...trustAt, 'environments', i];
    if (!p.check(where, e, checkEnvironmentName(e))) continue;
    if (narrowed) {
      // The refs decide which branches reach the role, whatever the environment's own rules.
      if (refs.length > 0) entries.push({ context: { kind: 'environment', name: e }, refs });
      continue;
    }
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
    entries.push({ context: { kind: 'environment', name: e } });
  }
  if (trust.pullRequests) {
    if (!readOnly && !role.dangerouslyAllowPullRequestsWithWriteAccess) {
      p.add([...trustAt, 'pullRequests'], true, 'pull request jobs run code from the pull request; only a role with readOnly: true may trust them, or set dangerouslyAllowPullRequestsWithWriteAccess: true');
    } else {
      if (!readOnly) risks.push({ kind: 'pull-request-write', detail: 'pull request jobs can assume a role that can write' });
      entries.push({ context: { kind: 'pull-request' } });
    }
  }
  return entries;
}

/** Whether whoever owns the repository's name later could assume the role: neither ids pinned nor immutable subjects. */
export function subjectFormatRisk(repository: RepositoryIdentity): boolean {
  return !pinsIds(repository) && effectiveSubjectFormat(repository) !== 'immutable';
}
