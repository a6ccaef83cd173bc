/**
 * The subject model: which workflow runs may assume a role, and the exact `sub` claim strings that
 * GitHub puts in their tokens.
 */
import { checkEnvironmentName, checkGithubId, checkNameText, checkOwnerName, checkRefName, checkRepositoryName } from '../iam/limits.js';
import type { GithubClaimKey, TrustGrant } from '../iam/trust-policy.js';
import { pinsIdsByDefault } from './issuer.js';
import type { ResolvedIssuer } from './issuer.js';

/**
 * How a repository appears in the `sub` claim.
 * - `name`: `repo:OWNER/REPO:…`, the classic format. Exposed to name recycling: whoever later owns the name
 *   gets the access.
 * - `immutable`: `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`, for repositories created, renamed or transferred on or
 *   after 15 July 2026, or opted in.
 * - `both`: trusts both forms, for the switch-over.
 */
export type SubjectFormat = 'name' | 'immutable' | 'both';

export const SUBJECT_FORMATS: readonly SubjectFormat[] = ['name', 'immutable', 'both'];

export interface RepositoryIdentity {
  readonly owner: string;
  readonly name: string;
  /**
   * The owner's numeric id; required by the `immutable` and `both` formats.
   * @default - none: only the `name` format is possible
   */
  readonly ownerId?: number;
  /**
   * The repository's numeric id; required by the `immutable` and `both` formats.
   * @default - none: only the `name` format is possible
   */
  readonly id?: number;
  /**
   * Require the token's `repository_id` and `repository_owner_id` to be these ids, beside `sub` (AWS STS checks
   * them at assume time). A renamed, recreated or transferred name can then never be squatted, whatever form of
   * `sub` the repository sends.
   * @default true when both ids are known
   */
  readonly pinIds?: boolean;
  /** @default - `both` when both ids are known and pinned, `immutable` when known but not pinned, `name` otherwise */
  readonly subjectFormat?: SubjectFormat;
}

/** What kind of run a subject names. */
export type SubjectContext =
  | { readonly kind: 'branch'; readonly name: string; readonly pattern?: boolean }
  | { readonly kind: 'tag'; readonly name: string; readonly pattern?: boolean }
  | { readonly kind: 'environment'; readonly name: string }
  | { readonly kind: 'pull-request' };

export interface SubjectSpec {
  readonly repository: RepositoryIdentity;
  readonly context: SubjectContext;
  /**
   * A reusable workflow that the job must run (`OWNER/REPO/.github/workflows/FILE@REF`). Requires the
   * repository's subject template to include `job_workflow_ref` after `repo` and `context`.
   * @default - any workflow of the repository, under the default subject template
   */
  readonly workflow?: string;
  /**
   * The refs an environment's job must run on (the token's `ref` claim: `refs/heads/main`, or patterns such as
   * `refs/heads/release/*`), beside the environment's subject: the environment AND one of these refs.
   * @default - any ref the environment admits
   */
  readonly refs?: readonly string[];
}

/** The claim keys of the subject template that keyless uses when a role pins a reusable workflow. */
export const WORKFLOW_SUBJECT_CLAIM_KEYS = ['repo', 'context', 'job_workflow_ref'] as const;

export function effectiveSubjectFormat(repository: RepositoryIdentity): SubjectFormat {
  if (repository.subjectFormat) return repository.subjectFormat;
  if (repository.ownerId === undefined || repository.id === undefined) return 'name';
  // With the ids pinned beside sub, either form of sub is safe: accept both, so no repository is locked out.
  return repository.pinIds === false ? 'immutable' : 'both';
}

/**
 * A repository with the defaults of the issuer its tokens come from: ids pinned unless the issuer's default or
 * `pinIds` says otherwise, and the subject format it names, else `both`/`immutable` with known ids where the
 * issuer has immutable subjects, else `name`. The config and the constructs both apply it.
 */
export function withIssuerDefaults(repository: RepositoryIdentity, issuer: ResolvedIssuer, pinIds = pinsIdsByDefault(issuer)): RepositoryIdentity & { readonly subjectFormat: SubjectFormat } {
  const base = { ...repository, pinIds: repository.pinIds ?? pinIds };
  return { ...base, subjectFormat: repository.subjectFormat ?? (issuer.supportsImmutableSubjects ? effectiveSubjectFormat(base) : 'name') };
}

/** Whether the trust policy requires the repository's and owner's ids beside `sub`. */
export function pinsIds(repository: RepositoryIdentity): boolean {
  return repository.pinIds !== false && repository.ownerId !== undefined && repository.id !== undefined;
}

/** The further claims a spec requires beside `sub`: the pinned ids, and the refs of an environment+branch subject. */
export function subjectGrant(spec: SubjectSpec, opts: { allowAnyWorkflowRef?: boolean } = {}): TrustGrant {
  const claims: Partial<Record<GithubClaimKey, readonly string[]>> = {};
  if (pinsIds(spec.repository)) {
    claims.repository_id = [String(spec.repository.id)];
    claims.repository_owner_id = [String(spec.repository.ownerId)];
  }
  if (spec.refs !== undefined && spec.refs.length > 0) claims.ref = [...spec.refs];
  return { subjects: subjectClaims(spec, opts), ...(Object.keys(claims).length > 0 ? { claims } : {}) };
}

/**
 * GitHub percent-encodes `:` inside claim values so that `:` stays the field separator. Nothing else is
 * documented as encoded, so nothing else is.
 */
export function encodeClaimValue(value: string): string {
  return value.replace(/:/g, '%3A');
}

const WORKFLOW_REF =
  /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)\/\.github\/workflows\/([A-Za-z0-9._\-/]+\.ya?ml)@(.+)$/;

/** Checks a reusable workflow reference; `*` only as the whole ref after `@`, and only when allowed. */
export function checkWorkflowRef(ref: string, allowAnyRef: boolean): string | undefined {
  const text = checkNameText(ref);
  if (text) return text;
  const match = WORKFLOW_REF.exec(ref);
  if (!match) return 'a reusable workflow is OWNER/REPO/.github/workflows/FILE.yml@REF';
  const [, owner = '', repo = '', file = '', at = ''] = match;
  // GitHub runs reusable workflows only from .github/workflows itself, so a path with more segments (such as
  // "../") names a different file than it seems to, or none at all.
  if (file.split('/').some((part) => part === '..' || part === '.' || part === ''))
    return 'a workflow path has no "..", "." or empty segments';
  if (file.includes('/')) return 'a reusable workflow lives directly in .github/workflows; GitHub does not run workflows from its subdirectories';
  const ownerProblem = checkOwnerName(owner) ?? checkRepositoryName(repo);
  if (ownerProblem) return ownerProblem;
  if (ref.includes('?')) return '"?" is never allowed in a subject';
  if (at === '*') {
    return allowAnyRef
      ? undefined
      : 'a workflow ref of "@*" lets any branch of the workflow repository in; set dangerouslyAllowAnyWorkflowRef to opt in';
  }
  if (at.includes('*')) return 'a workflow ref is exact (refs/heads/X, refs/tags/X or a commit SHA) or, with opt-in, "*"';
  if (/^[0-9a-f]{40}$/.test(at)) return undefined;
  const refMatch = /^refs\/(heads|tags)\/(.+)$/.exec(at);
  if (!refMatch) return 'a workflow ref after "@" is refs/heads/BRANCH, refs/tags/TAG or a 40-character commit SHA';
  return checkRefName(refMatch[2] ?? '', false);
}

/** Checks a subject spec; returns the rule broken, or undefined. */
export function checkSubject(spec: SubjectSpec, opts: { allowAnyWorkflowRef?: boolean } = {}): string | undefined {
  const { repository, context } = spec;
  const problem = checkOwnerName(repository.owner) ?? checkRepositoryName(repository.name);
  if (problem) return problem;
  const format = effectiveSubjectFormat(repository);
  if (format !== 'name') {
    if (repository.ownerId === undefined || repository.id === undefined)
      return `the ${format} subject format needs the numeric ownerId and repository id`;
    const idProblem = checkGithubId(repository.ownerId) ?? checkGithubId(repository.id);
    if (idProblem) return idProblem;
  }
  switch (context.kind) {
    case 'branch':
    case 'tag': {
      const refProblem = checkRefName(context.name, context.pattern === true);
      if (refProblem) return refProblem;
      break;
    }
    case 'environment': {
      const envProblem = checkEnvironmentName(context.name);
      if (envProblem) return envProblem;
      break;
    }
    case 'pull-request':
      break;
  }
  if (spec.refs !== undefined) {
    if (context.kind !== 'environment') return 'refs narrow an environment subject; a branch or tag subject names its ref already';
    if (spec.refs.length === 0) return 'list at least one ref, or leave refs out';
    for (const ref of spec.refs) {
      const match = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
      if (!match) return `ref "${ref}": a ref is refs/heads/BRANCH or refs/tags/TAG`;
      const refProblem = checkRefName(match[2] ?? '', true);
      if (refProblem) return `ref "${ref}": ${refProblem}`;
      if (/^\*+$/.test(match[2] ?? '')) return `ref "${ref}": a bare "*" admits every ${match[1] === 'heads' ? 'branch' : 'tag'}; name them`;
    }
  }
  if (spec.workflow !== undefined) return checkWorkflowRef(spec.workflow, opts.allowAnyWorkflowRef === true);
  return undefined;
}

/** The repository part of the subject, in each form the format asks for. */
export function repositoryClaims(repository: RepositoryIdentity): string[] {
  const byName = `${repository.owner}/${repository.name}`;
  const format = effectiveSubjectFormat(repository);
  if (format === 'name') return [byName];
  const immutable = `${repository.owner}@${repository.ownerId}/${repository.name}@${repository.id}`;
  return format === 'immutable' ? [immutable] : [byName, immutable];
}

export function contextClaim(context: SubjectContext): string {
  switch (context.kind) {
    case 'branch':
      return `ref:refs/heads/${context.name}`;
    case 'tag':
      return `ref:refs/tags/${context.name}`;
    case 'environment':
      return `environment:${encodeClaimValue(context.name)}`;
    case 'pull-request':
      return 'pull_request';
  }
}

/**
 * The `sub` values a spec stands for: one per repository form. Throws when the spec breaks a rule, so a
 * string returned here is always safe to trust.
 */
export function subjectClaims(spec: SubjectSpec, opts: { allowAnyWorkflowRef?: boolean } = {}): string[] {
  const problem = checkSubject(spec, opts);
  if (problem) throw new Error(`subject ${describeSubject(spec)}: ${problem}`);
  const suffix = spec.workflow === undefined ? '' : `:job_workflow_ref:${spec.workflow}`;
  return repositoryClaims(spec.repository).map((repo) => `repo:${repo}:${contextClaim(spec.context)}${suffix}`);
}

/** A short human description of a subject, for messages and reports. */
export function describeSubject(spec: SubjectSpec): string {
  const repo = `${spec.repository.owner}/${spec.repository.name}`;
  const context = (() => {
    switch (spec.context.kind) {
      case 'branch':
        return `${spec.context.pattern ? 'branches matching' : 'branch'} ${spec.context.name}`;
      case 'tag':
        return `${spec.context.pattern ? 'tags matching' : 'tag'} ${spec.context.name}`;
      case 'environment':
        return `environment ${spec.context.name}`;
      case 'pull-request':
        return 'pull requests';
    }
  })();
  const refs = spec.refs === undefined || spec.refs.length === 0 ? '' : `, on ${spec.refs.join(' or ')}`;
  return spec.workflow === undefined ? `${repo}, ${context}${refs}` : `${repo}, ${context}${refs}, workflow ${spec.workflow}`;
}
