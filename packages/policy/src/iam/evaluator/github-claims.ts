/**
 * Which token claims become condition keys, and how a failed GitHub key is named.
 *
 * Since January 2026 AWS STS sets these GitHub claims as condition keys after the issuer prefix
 * (`token.actions.githubusercontent.com:repository_id`), checked at assume time only. AWS documents them for
 * github.com's issuer; for it, the model exposes exactly `aud`, `sub` and the documented keys, and the other
 * claims GitHub mints (`repository_owner`, `event_name`, `workflow_ref`, …) are not keys, so a condition on
 * one never matches. A claim GitHub does not mint, and every claim of any other issuer (an enterprise slug,
 * GHE.com, GHES, another provider), is outside that documentation and gets the reading that allows more: it
 * is a key when the token holds it as text. Evaluations that rely on a GitHub key of such an issuer carry a
 * caveat.
 */
import { GITHUB_CLAIM_KEYS, type GithubClaimKey } from '../trust-policy.js';
import type { RawStatement, RequestContext, TokenClaims } from './types.js';
import { isRecord } from './types.js';

/** github.com's issuer without `https://`: the prefix of its condition keys. */
export const GITHUB_ISSUER_HOST = 'token.actions.githubusercontent.com';

/** The GitHub claims AWS STS sets as condition keys besides `aud` and `sub` (one list: trust-policy.ts). */
const CONDITION_CLAIMS: readonly string[] = GITHUB_CLAIM_KEYS;

/**
 * The id claims among them. GitHub sends them as digit strings (`"repository_id": "74"`) and conditions
 * compare strings; a number given for one of them (claims typed by hand) is read as its decimal digits, the
 * only text it can stand for, so pasted claims never pass or fail on their JSON type alone.
 */
export const GITHUB_ID_CLAIMS: readonly GithubClaimKey[] = ['actor_id', 'repository_id', 'repository_owner_id', 'enterprise_id'];

/** Claims GitHub mints that AWS does not set as condition keys (documented as unavailable, or not listed). */
const GITHUB_CLAIMS_NOT_KEYS: ReadonlySet<string> = new Set([
  'iss', 'jti', 'exp', 'nbf', 'iat',
  'repository_owner', 'repository_visibility', 'ref_type', 'ref_protected', 'event_name',
  'workflow_ref', 'workflow_sha', 'job_workflow_sha', 'runner_environment', 'environment_node_id',
  'sha', 'head_ref', 'base_ref', 'triggering_actor', 'run_id', 'run_number', 'run_attempt', 'check_run_id', 'enterprise',
]);

/** The claims named short in reasons: `aud`, `sub` and the GitHub condition claims. */
const SHORT_NAMED: ReadonlySet<string> = new Set(['aud', 'sub', ...CONDITION_CLAIMS]);

/** Whether STS makes `<prefix>:<claim>` a condition key for a token of this issuer. */
export function isConditionKeyClaim(claim: string, providerId: string): boolean {
  if (providerId !== GITHUB_ISSUER_HOST) return true;
  const name = claim.toLowerCase();
  return !(GITHUB_CLAIMS_NOT_KEYS.has(name) || name.startsWith('repo_property_'));
}

/**
 * A claim's values as condition-key values; undefined when the claim is absent, null, empty or not text
 * (with the one exception of a non-negative integer for a GitHub id claim, read as its digits).
 */
export function claimValues(value: unknown, claim = ''): readonly string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && (GITHUB_ID_CLAIMS as readonly string[]).includes(claim)) {
    return [String(value)];
  }
  return undefined;
}

/** The request context STS builds from a web identity token: one `<prefix>:<claim>` per exposed claim. */
export function requestContext(claims: TokenClaims, providerId: string): RequestContext {
  const context = new Map<string, readonly string[]>();
  for (const [claim, value] of Object.entries(claims)) {
    if (claim !== 'aud' && claim !== 'sub' && !isConditionKeyClaim(claim, providerId)) continue;
    const values = claimValues(value, claim);
    if (values !== undefined) context.set(`${providerId}:${claim}`.toLowerCase(), values);
  }
  return context;
}

/** The claim part of a condition key of this issuer (lowercased), or undefined for another issuer's key. */
export function claimOfKey(key: string, providerId: string): string | undefined {
  const lead = `${providerId}:`.toLowerCase();
  const lower = key.toLowerCase();
  return lower.startsWith(lead) ? lower.slice(lead.length) : undefined;
}

/** The short name a reason uses for a key: the claim, for `aud`, `sub` and the GitHub keys of the token's issuer. */
export function shortClaimName(key: string, providerId: string): string | undefined {
  const claim = claimOfKey(key, providerId);
  return claim !== undefined && SHORT_NAMED.has(claim) ? claim : undefined;
}

/** Why a key has no value although the token may carry the claim; undefined when the token simply lacks it. */
export function missingKeyDetail(key: string, claims: TokenClaims, providerId: string): string | undefined {
  const claim = claimOfKey(key, providerId);
  if (claim === undefined) return undefined;
  const raw = Object.entries(claims).find(([name]) => name.toLowerCase() === claim)?.[1];
  if (!isConditionKeyClaim(claim, providerId)) {
    return `${key} is not a condition key: STS sets no ${claim} key for GitHub's tokens${raw === undefined || raw === null ? '' : ', although the token has the claim'}`;
  }
  if (raw === undefined || raw === null) return undefined;
  const kind = Array.isArray(raw) ? 'a list that is not all text' : typeof raw === 'object' ? 'an object' : `the ${typeof raw} ${JSON.stringify(raw)}`;
  return `${claim} is ${kind} in the token, not text, so STS has no value for ${key}`;
}

/** The GitHub condition keys (besides aud and sub) a statement's conditions read, for the issuer caveat. */
export function githubKeysRead(statement: RawStatement, providerId: string): string[] {
  const condition = statement['Condition'];
  if (!isRecord(condition)) return [];
  const claims = new Set<string>();
  for (const block of Object.values(condition)) {
    if (!isRecord(block)) continue;
    for (const key of Object.keys(block)) {
      const claim = claimOfKey(key, providerId);
      if (claim !== undefined && CONDITION_CLAIMS.includes(claim)) claims.add(claim);
    }
  }
  return [...claims].sort();
}

/** A value in a reason about a GitHub claim: bare when that cannot mislead, JSON-quoted otherwise. */
export function plainValue(value: string): string {
  return /^[^\s"',]+$/u.test(value) ? value : JSON.stringify(value);
}
