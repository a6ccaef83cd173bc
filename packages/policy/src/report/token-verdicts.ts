/**
 * `keyless explain --token`: which roles would accept a token with these claims, and for the others why not,
 * computed offline with the evaluator on the trust policy IAM holds. A refusal names the claim that failed
 * (`repository_id 999 is not 456789`), keeps the full condition key in `failures`, says which claims the role
 * reads that the input lacks (a `--sub` alone has no `repository_id`), and adds hints for the usual causes.
 */
import { evaluateTrustPolicy } from '../iam/evaluator/index.js';
import type { ConditionFailure, TokenClaims } from '../iam/evaluator/index.js';
import { GITHUB_ID_CLAIMS } from '../iam/evaluator/index.js';
import { GITHUB_CLAIM_KEYS } from '../iam/trust-policy.js';
import type { AccessModel, RepositoryModel, RoleModel } from '../model/index.js';
import { roleArn } from './report.js';
import { type TrustStatementTerms, trustStatementTerms } from './trust-terms.js';

export interface TokenVerdict {
  readonly environment: string;
  readonly role: string;
  readonly arn: string;
  readonly allowed: boolean;
  /**
   * Whether the role trusts the repository the token comes from (by name or by id), or every repository of
   * the token's owner.
   */
  readonly sameRepository: boolean;
  /** Why not, in IAM's terms with GitHub claims named short, when refused; and hints for the usual causes. */
  readonly reasons: readonly string[];
  /** Every failed condition, with its full condition key, when refused by the conditions. */
  readonly failures: readonly ConditionFailure[];
  /**
   * The GitHub claims the role's trust policy reads (besides sub and aud) that the claims given lack. A real
   * token carries most of them (`repository_id`, `repository_owner_id`, `ref`); `job_workflow_ref` only inside
   * a reusable workflow and `environment` only in a job that names one.
   */
  readonly missingClaims: readonly string[];
  /** Refused only because claims the input lacks are absent: the whole token would decide. */
  readonly undecided: boolean;
}

/** The owner and repository a `sub` names, by name and by id where it carries ids. */
function tokenRepository(sub: string): { owner: string; name: string; ownerId?: number; id?: number } | undefined {
  const m = /^repo:([^/:@]+)(?:@([0-9]+))?\/([^/:@]+)(?:@([0-9]+))?:/.exec(sub);
  if (!m) return undefined;
  return { owner: m[1] ?? '', name: m[3] ?? '', ...(m[2] ? { ownerId: Number(m[2]) } : {}), ...(m[4] ? { id: Number(m[4]) } : {}) };
}

const CONDITION_CLAIMS: ReadonlySet<string> = new Set(GITHUB_CLAIM_KEYS);

/** The claims the conditions of a role's trust policy read, besides sub and aud. */
function claimsRead(terms: readonly TrustStatementTerms[]): string[] {
  return [...new Set(terms.flatMap((t) => t.conditions.map((c) => c.claim)))].filter((c) => CONDITION_CLAIMS.has(c)).sort();
}

/**
 * Which roles of the model would accept a token with these claims, and for the others why not. The claims
 * default to github.com's issuer and the model's first audience; no other claim is filled in.
 */
export function explainToken(model: AccessModel, claims: Partial<TokenClaims> & { sub?: string | null }): TokenVerdict[] {
  const token: TokenClaims = {
    ...claims,
    iss: claims.iss ?? model.github.resolvedIssuer.url,
    aud: claims.aud === undefined ? (model.github.audiences[0] ?? null) : claims.aud,
    sub: claims.sub ?? null,
  };
  const given = new Set(Object.entries(claims).filter(([, v]) => v !== undefined && v !== null).map(([k]) => k.toLowerCase()));
  const prefix = model.github.resolvedIssuer.conditionKeyPrefix;
  const verdicts: TokenVerdict[] = [];
  const from = typeof token.sub === 'string' ? tokenRepository(token.sub) : undefined;
  const homes: [RepositoryModel | undefined, readonly RoleModel[]][] = [
    ...model.repositories.map((repo): [RepositoryModel, readonly RoleModel[]] => [repo, repo.roles]),
    [undefined, model.organizationRoles ?? []],
  ];
  for (const [repo, roles] of homes) {
    const sameRepo = from !== undefined && repo !== undefined && (
      (from.owner === repo.identity.owner && from.name === repo.key) ||
      (from.id !== undefined && from.id === repo.identity.id && from.ownerId === repo.identity.ownerId));
    for (const role of roles) {
      const terms = trustStatementTerms(role.trustPolicy, prefix);
      const ownerWide = from !== undefined && terms.some((t) => t.organizationWide !== undefined && t.subjects.some((s) => s.startsWith(`repo:${from.owner}/`) || s.startsWith(`repo:${from.owner}@`)));
      const same = sameRepo || ownerWide;
      const result = evaluateTrustPolicy(role.trustPolicy, token, { providerAudiences: model.github.audiences });
      const missingClaims = claimsRead(terms).filter((c) => !given.has(c));
      const onlyMissing = !result.allowed && result.failures.length > 0 && result.failures.length === result.reasons.length &&
        result.failures.every((f) => f.actual.length === 0 && f.claim !== undefined && missingClaims.includes(f.claim));
      verdicts.push({
        environment: model.environment,
        role: role.name,
        arn: roleArn(model, role),
        allowed: result.allowed,
        sameRepository: same,
        reasons: result.allowed ? [] : [...result.reasons, ...(same || from === undefined ? hints(token, role, repo, result.failures, missingClaims) : [])],
        failures: result.failures,
        missingClaims,
        undecided: onlyMissing,
      });
    }
  }
  return verdicts.sort((a, b) => (a.allowed === b.allowed ? (a.role < b.role ? -1 : 1) : a.allowed ? -1 : 1));
}

/**
 * The usual causes of a refused token, recognised from the shape of the claims and the failed conditions; `repo`
 * is absent for an organization role.
 */
function hints(token: TokenClaims, role: RoleModel, repo: RepositoryModel | undefined, failures: readonly ConditionFailure[], missing: readonly string[]): string[] {
  const out: string[] = [];
  const sub = typeof token.sub === 'string' ? token.sub : '';
  if (!sub) return ['the token has no sub claim'];
  const trusted = role.claims;
  const failed = (claim: string): ConditionFailure | undefined => failures.find((f) => f.claim === claim);
  const lacking = missing.filter((c) => failures.some((f) => f.claim === c && f.actual.length === 0));
  if (lacking.length > 0)
    out.push(`hint: the claims given have no ${lacking.join(', ')}, which this role's trust policy checks; pass the whole token (--token with the JWT or its claims as JSON) to decide it`);
  const idFailure = ['repository_id', 'repository_owner_id'].map(failed).find((f) => f !== undefined && f.actual.length > 0);
  if (idFailure)
    out.push(`hint: the ${idFailure.claim === 'repository_id' ? 'repository' : 'owner'} id in the token differs from the pinned one: the name now belongs to another ${idFailure.claim === 'repository_id' ? 'repository (deleted and recreated, renamed or transferred)' : 'account'}. If this is the repository meant, correct its id in the config; otherwise the pin is doing its job`);
  const ref = failed('ref');
  if (ref && ref.actual.length > 0 && sub.includes(':environment:'))
    out.push(`hint: the role trusts the environment only on ${ref.expected.join(' or ')}; run the job from there (or add that branch to the role)`);
  const workflow = failed('job_workflow_ref');
  if (workflow && !missing.includes('job_workflow_ref'))
    out.push(workflow.actual.length === 0
      ? `hint: the role trusts jobs of the reusable workflow ${workflow.expected.join(' or ')} only; this job calls no reusable workflow`
      : `hint: the role trusts the reusable workflow ${workflow.expected.join(' or ')} only, at that ref`);
  if (repo === undefined) return out;
  const byName = `repo:${repo.identity.owner}/${repo.key}:`;
  const immutablePrefix = `repo:${repo.identity.owner}@${repo.identity.ownerId}/${repo.key}@${repo.identity.id}:`;
  if (sub.startsWith(byName) && trusted.every((c) => !c.startsWith(byName)))
    out.push('hint: the token uses the name-based subject, but the role trusts the immutable owner@id/repo@id form; has the repository opted in to immutable subjects? subjectFormat: both accepts either during the switch');
  const fromToken = tokenRepository(sub);
  if (fromToken?.id !== undefined && repo.identity.id === undefined)
    out.push(`hint: the token carries the immutable subject repo:${fromToken.owner}@${fromToken.ownerId}/${fromToken.name}@${fromToken.id}; the repository was created, renamed or transferred since 15 July 2026 or opted in. Set github.ownerId: ${fromToken.ownerId} and id: ${fromToken.id} for ${repo.key}, with subjectFormat: immutable (or both while switching)`);
  else if (sub.startsWith(immutablePrefix) && trusted.every((c) => !c.startsWith(immutablePrefix)))
    out.push('hint: the token uses the immutable owner@id/repo@id subject (repositories created, renamed or transferred since 15 July 2026 get it); set the repository id and subjectFormat: immutable or both');
  if (/:environment:/.test(sub) && trusted.every((c) => !c.includes(':environment:')))
    out.push('hint: the job names an environment, so its subject is environment:NAME rather than the branch; trust the environment, or drop environment: from the job');
  if (/:ref:refs\/heads\//.test(sub) && trusted.every((c) => !c.includes(':ref:refs/heads/')) && trusted.some((c) => c.includes(':environment:')))
    out.push('hint: the role trusts environments only; add environment: NAME to the job');
  if (sub.endsWith(':pull_request') && trusted.every((c) => !c.endsWith(':pull_request')))
    out.push('hint: pull request jobs have the subject pull_request; only a readOnly role with trust.pullRequests accepts them');
  if (trusted.length > 0 && sub.includes(':job_workflow_ref:') !== trusted.some((c) => c.includes(':job_workflow_ref:')))
    out.push('hint: the subject template of the repository and the role disagree on job_workflow_ref; check the repository\'s OIDC subject customization');
  return out;
}

/** A claim as the header shows it: bare digits and names, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' && /^[^\s"',]+$/u.test(value) ? value : JSON.stringify(value);
}

/** Verdicts for a token, as text. */
export function renderTokenVerdicts(claims: Partial<TokenClaims>, verdicts: readonly TokenVerdict[]): string {
  const out = [`token: sub ${JSON.stringify(claims.sub ?? null)}, aud ${JSON.stringify(claims.aud ?? '(default)')}, iss ${JSON.stringify(claims.iss ?? '(default)')}`];
  const checked = GITHUB_CLAIM_KEYS.filter((c) => claims[c] !== undefined && claims[c] !== null);
  if (checked.length > 0) out.push(`  with ${checked.map((c) => `${c} ${shown(claims[c])}`).join(', ')}`);
  for (const c of GITHUB_ID_CLAIMS) {
    const value = claims[c];
    if (typeof value === 'number')
      out.push(`  note: ${c} is the number ${value} in the claims given; GitHub's tokens carry ids as text ("${value}"), and keyless compares those digits`);
  }
  const allowed = verdicts.filter((v) => v.allowed);
  out.push(allowed.length > 0 ? `accepted by ${allowed.length} role(s):` : 'accepted by no role');
  for (const v of allowed) out.push(`  + ${v.environment}/${v.role} (${v.arn})`);
  const undecided = verdicts.filter((v) => !v.allowed && v.undecided && v.sameRepository);
  if (undecided.length > 0) out.push('accepted by the subject, but the claims given lack what these roles also check (pass the whole token):');
  for (const v of undecided) out.push(`  ? ${v.environment}/${v.role}: needs ${v.failures.map((f) => f.claim).join(', ')}`);
  const denied = verdicts.filter((v) => !v.allowed && v.sameRepository && !v.undecided);
  const elsewhere = verdicts.filter((v) => !v.allowed && !v.sameRepository);
  if (denied.length > 0) out.push('refused by the roles of that repository:');
  for (const v of denied) {
    out.push(`  - ${v.environment}/${v.role}`);
    for (const r of v.reasons) out.push(`      ${r}`);
  }
  if (denied.length === 0 && allowed.length === 0 && undecided.length === 0)
    out.push('  no role of these environments trusts the repository of this token; check the owner and repository name in sub, or the environment you asked about');
  if (elsewhere.length > 0) out.push(`refused by ${elsewhere.length} role(s) of other repositories (use --json for their reasons)`);
  return out.join('\n');
}
