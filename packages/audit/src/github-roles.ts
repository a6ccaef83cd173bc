/**
 * Existing IAM roles that trust GitHub Actions, checked against the rules keyless enforces for the roles it
 * builds (see docs: security rules). A role trusts GitHub when an Allow statement grants
 * `sts:AssumeRoleWithWebIdentity` to the OIDC provider of a GitHub issuer: github.com, an enterprise slug,
 * GHE.com or GitHub Enterprise Server. Roles of other identity providers and service roles are not GitHub
 * roles and get no findings.
 */
import { checkIssuer, evaluateTrustPolicy, resolveIssuer, stringLike, type GithubIssuer, type TokenClaims } from '@keyless/policy';
import { asList, isRecord, stringsOf, type Obj } from './errors.js';
import { PULL_REQUEST_SUBJECT, findWitness } from './glob.js';
import type { PolicyDocument } from './iam.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export type RuleId =
  | 'no-sub-condition'
  | 'wildcard-owner-or-repo'
  | 'ref-wildcard'
  | 'set-operator'
  | 'audience'
  | 'string-like-exact'
  | 'name-based-subject'
  | 'pull-request-admin';

/** Every rule, with the severity it has when nothing mitigates it. */
export const RULES: Readonly<Record<RuleId, { readonly severity: Severity; readonly summary: string }>> = {
  'no-sub-condition': { severity: 'critical', summary: 'no condition on sub: any repository (or any run of the pinned one) can assume the role' },
  'wildcard-owner-or-repo': { severity: 'critical', summary: 'a wildcard in the owner (critical) or repository (high) part of sub' },
  'ref-wildcard': { severity: 'high', summary: 'a * or ? in the ref, environment or context part of sub reaches other refs' },
  'set-operator': { severity: 'high', summary: 'ForAllValues:, ForAnyValue: or ...IfExists on sub or aud' },
  audience: { severity: 'medium', summary: "no aud condition, or an aud other than sts.amazonaws.com (including GitHub's default https://github.com/OWNER)" },
  'string-like-exact': { severity: 'low', summary: 'StringLike with a value that has no wildcard: StringEquals was meant' },
  'name-based-subject': { severity: 'low', summary: 'trust by repository name without repository_id or an immutable OWNER@ID/REPO@ID subject' },
  'pull-request-admin': { severity: 'critical', summary: 'a pull request can assume a role with administrator-equivalent permissions' },
};

export interface Finding {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly message: string;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

const OIDC_PROVIDER_ARN = /^arn:[a-z0-9-]+:iam::[0-9]{12}:oidc-provider\/(.+)$/;
const AUDIENCES = ['sts.amazonaws.com', 'sts.amazonaws.com.cn'];
const PULL_REQUEST_SUB = /^repo:[^:/]+\/[^:/]+:pull_request$/;
const PULL_REQUEST_SUB_IGNORE_CASE = /^repo:[^:/]+\/[^:/]+:pull_request$/i;

/**
 * The GitHub issuer whose IAM OIDC provider has this id (the provider URL without `https://`), or undefined
 * for any other identity provider. The candidate is resolved with @keyless/policy's issuer rules and must give
 * back exactly this id.
 */
export function githubIssuerOfProvider(providerId: string): GithubIssuer | undefined {
  const id = providerId.toLowerCase();
  let issuer: GithubIssuer | undefined;
  let m: RegExpExecArray | null;
  if (id === 'token.actions.githubusercontent.com') issuer = { kind: 'github.com' };
  else if ((m = /^token\.actions\.githubusercontent\.com\/([^/]+)$/.exec(id))) issuer = { kind: 'enterprise-slug', slug: m[1] as string };
  else if ((m = /^token\.actions\.([^.]+)\.ghe\.com$/.exec(id))) issuer = { kind: 'ghe.com', subdomain: m[1] as string };
  else if ((m = /^([^/]+)\/_services\/token$/.exec(id))) issuer = { kind: 'ghes', host: m[1] as string };
  if (issuer === undefined || checkIssuer(issuer) !== undefined) return undefined;
  return resolveIssuer(issuer).conditionKeyPrefix === id ? issuer : undefined;
}

interface Condition {
  readonly operator: string;
  readonly set: 'ForAllValues' | 'ForAnyValue' | undefined;
  readonly base: string;
  readonly ifExists: boolean;
  readonly key: string;
  /** The claim name after the issuer prefix, lowercased (condition keys are case-insensitive). */
  readonly claim: string;
  readonly values: readonly string[];
}

export interface GithubStatement {
  /** `Sid`, or `#n` by position. */
  readonly name: string;
  readonly issuer: GithubIssuer;
  readonly providerArn: string;
  readonly conditions: readonly Condition[];
}

const POSITIVE = new Set(['StringEquals', 'StringLike', 'StringEqualsIgnoreCase']);

function isWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

function conditionsOf(statement: Obj, prefix: string): Condition[] {
  const block = statement['Condition'];
  if (!isRecord(block)) return [];
  const out: Condition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    const m = /^(?:(ForAllValues|ForAnyValue):)?(.+?)(IfExists)?$/.exec(operator);
    if (!m || !isRecord(keys)) continue;
    for (const [key, raw] of Object.entries(keys)) {
      const lower = key.toLowerCase();
      if (!lower.startsWith(`${prefix}:`)) continue;
      const values = asList(raw).flatMap((v) => (typeof v === 'string' ? [v] : typeof v === 'boolean' || typeof v === 'number' ? [String(v)] : []));
      out.push({
        operator,
        set: m[1] as Condition['set'],
        base: m[2] as string,
        ifExists: m[3] !== undefined,
        key,
        claim: lower.slice(prefix.length + 1),
        values,
      });
    }
  }
  return out;
}

function grantsWebIdentity(statement: Obj): boolean {
  if (statement['Action'] === undefined) return false;
  return stringsOf(statement['Action']).some((a) => stringLike(a.toLowerCase(), 'sts:assumerolewithwebidentity'));
}

/** The statements of a trust policy that let a GitHub issuer's tokens in. Empty: not a GitHub role. */
export function githubStatements(trustPolicy: PolicyDocument): GithubStatement[] {
  const out: GithubStatement[] = [];
  asList(trustPolicy['Statement']).forEach((statement, index) => {
    if (!isRecord(statement) || statement['Effect'] !== 'Allow' || !grantsWebIdentity(statement)) return;
    const principal = statement['Principal'];
    if (!isRecord(principal)) return;
    for (const arn of stringsOf(principal['Federated'])) {
      const providerId = OIDC_PROVIDER_ARN.exec(arn)?.[1];
      const issuer = providerId === undefined ? undefined : githubIssuerOfProvider(providerId);
      if (issuer === undefined || providerId === undefined) continue;
      const sid = statement['Sid'];
      out.push({
        name: typeof sid === 'string' && sid.length > 0 ? sid : `#${index + 1}`,
        issuer,
        providerArn: arn,
        conditions: conditionsOf(statement, providerId.toLowerCase()),
      });
    }
  });
  return out;
}

/** Where the first wildcard of a `sub` value falls. */
export type WildcardPlace = 'none' | 'owner' | 'repository' | 'any-context' | 'context';

/**
 * Splits a `sub` value `repo:OWNER/REPO:CONTEXT` at its first wildcard. A wildcard before the first `/` makes
 * the owner (or owner id) open, before the next `:` the repository; a wildcard that opens the whole branch,
 * tag, environment or context is `any-context`; any later one, or any `?`, is `context`.
 */
export function wildcardPlace(value: string): WildcardPlace {
  const first = value.search(/[*?]/);
  if (first < 0) return 'none';
  if (!value.startsWith('repo:')) return first === 0 || value.slice(0, first).indexOf(':') < 0 ? 'owner' : 'context';
  const slash = value.indexOf('/', 5);
  if (slash < 0 || first < slash) return 'owner';
  const colon = value.indexOf(':', slash);
  if (colon < 0 || first < colon) return 'repository';
  const context = value.slice(colon + 1);
  if (/^(?:[*?]|ref:[*?]|ref:refs\/[*?]|ref:refs\/(?:heads|tags)\/[*?]|environment:[*?])/.test(context)) return 'any-context';
  return 'context';
}

/** Whether a `sub` value names the repository by its immutable ids: `repo:OWNER@ID/REPO@ID:…`. */
export function isImmutableSubject(value: string): boolean {
  return /^repo:[^/:*?@]+@[0-9]+\/[^/:*?@]+@[0-9]+:/.test(value);
}

function literalPin(conditions: readonly Condition[], claim: string): string[] {
  return conditions
    .filter((c) => c.claim === claim && c.set === undefined && !c.ifExists && POSITIVE.has(c.base) && c.values.length > 0 && c.values.every((v) => !isWildcard(v) || c.base !== 'StringLike'))
    .flatMap((c) => c.values);
}

function quote(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** The findings of one GitHub statement, without the role-level pull request rule. */
export function statementFindings(statement: GithubStatement): Finding[] {
  const findings: Finding[] = [];
  const add = (rule: RuleId, severity: Severity, message: string): void => {
    findings.push({ rule, severity, message: `statement ${statement.name}: ${message}` });
  };
  const { conditions } = statement;
  const repoIdPin = literalPin(conditions, 'repository_id');
  const ownerIdPin = literalPin(conditions, 'repository_owner_id');
  const repoNamePin = literalPin(conditions, 'repository');
  const subConditions = conditions.filter((c) => c.claim === 'sub' && POSITIVE.has(c.base));
  const audConditions = conditions.filter((c) => c.claim === 'aud' && POSITIVE.has(c.base));

  // No sub at all: any repository, or every run of the pinned one.
  if (subConditions.length === 0) {
    if (repoIdPin.length > 0 || repoNamePin.length > 0) {
      const pin = repoIdPin.length > 0 ? `repository_id ${quote(repoIdPin)}` : `repository ${quote(repoNamePin)}`;
      add('no-sub-condition', 'high', `no condition on sub: every run of ${pin} (any branch, tag, environment or pull request) can assume the role`);
    } else {
      add('no-sub-condition', 'critical', 'no condition on sub: any repository that can get a token from this issuer can assume the role');
    }
  }

  for (const c of subConditions) {
    if (c.base !== 'StringLike') continue;
    for (const value of c.values) {
      const place = wildcardPlace(value);
      if (place === 'owner') {
        const pinned = repoIdPin.length > 0 || ownerIdPin.length > 0;
        add('wildcard-owner-or-repo', pinned ? 'medium' : 'critical',
          `sub ${JSON.stringify(value)} (${c.operator}) has a wildcard in the owner part, so repositories of other owners match` +
            (pinned ? '; an id condition pins the owner, but keyless never writes an owner wildcard' : ''));
      } else if (place === 'repository') {
        const pinned = repoIdPin.length > 0;
        // keyless' organization role: every repository of one owner (pinned by id), only in a job that runs one
        // of the pinned reusable workflows. Wide on purpose, and reported as such.
        const workflowPin = literalPin(conditions, 'job_workflow_ref');
        if (!pinned && ownerIdPin.length === 1 && workflowPin.length > 0) {
          add('wildcard-owner-or-repo', 'low',
            `sub ${JSON.stringify(value)} (${c.operator}): every repository of the owner with repository_owner_id ${quote(ownerIdPin)} can assume the role, in a job running ${quote(workflowPin)} (an organization role); keep that workflow's branch or tag protected`);
          continue;
        }
        add('wildcard-owner-or-repo', pinned ? 'medium' : 'high',
          `sub ${JSON.stringify(value)} (${c.operator}) has a wildcard in the repository part, so other repositories of the owner match` +
            (pinned ? '; repository_id pins the repository, but keyless never writes a repository wildcard' : ''));
      } else if (place === 'any-context') {
        add('ref-wildcard', 'high', `sub ${JSON.stringify(value)} (${c.operator}) ${anyContextReach(value)}`);
      } else if (place === 'context') {
        add('ref-wildcard', 'medium', `sub ${JSON.stringify(value)} (${c.operator}) has ${value.includes('?') ? 'a "?"' : 'a "*"'} in the ref or context part, so refs other than the intended ones match (such as ${JSON.stringify(exampleOtherRef(value))})`);
      }
    }
  }

  for (const c of conditions) {
    if ((c.claim !== 'sub' && c.claim !== 'aud') || (c.set === undefined && !c.ifExists)) continue;
    const opensOnAbsence = c.set === 'ForAllValues' || c.ifExists;
    add('set-operator', opensOnAbsence ? 'high' : 'medium',
      opensOnAbsence
        ? `${c.operator} on ${c.claim} holds when the token has no ${c.claim} claim at all; use ${c.base}`
        : `${c.operator} on ${c.claim} is a set operator for multi-valued keys; ${c.claim} is single-valued, use ${c.base}`);
  }

  if (audConditions.length === 0) {
    add('audience', 'medium', 'no condition on aud: the role takes a token with any audience the provider lists; require aud sts.amazonaws.com');
  } else {
    for (const c of audConditions) {
      for (const value of c.values) {
        if (c.base === 'StringLike' && isWildcard(value)) add('audience', 'medium', `aud pattern ${JSON.stringify(value)} accepts audiences other than sts.amazonaws.com`);
        else if (/^https:\/\/github\.com\//i.test(value))
          add('audience', 'medium', `aud ${JSON.stringify(value)} is GitHub's default audience, which every token requested without an audience carries (tokens meant for other services)`);
        else if (!AUDIENCES.includes(value)) add('audience', 'medium', `aud ${JSON.stringify(value)} is not sts.amazonaws.com, the audience configure-aws-credentials requests`);
      }
    }
  }

  for (const c of conditions) {
    if (c.base !== 'StringLike') continue;
    const exact = c.values.filter((v) => !isWildcard(v));
    if (exact.length > 0) add('string-like-exact', 'low', `${c.operator} on ${c.claim} with ${quote(exact)}, which has no wildcard: StringEquals was meant`);
  }

  const subValues = subConditions.flatMap((c) => c.values);
  if (resolveIssuer(statement.issuer).supportsImmutableSubjects && subValues.length > 0 && repoIdPin.length === 0) {
    const byName = subValues.filter((v) => !isImmutableSubject(v));
    if (byName.length > 0)
      add('name-based-subject', 'low',
        `trusts ${quote(byName.slice(0, 3))}${byName.length > 3 ? ' and more' : ''} by repository name: whoever owns the name later inherits the access; add a repository_id condition or trust repo:OWNER@ID/REPO@ID`);
  }
  return findings;
}

/** What an `any-context` pattern lets in, in words. */
function anyContextReach(value: string): string {
  const context = value.slice(value.indexOf(':', value.indexOf('/')) + 1);
  if (/^ref:refs\/heads\//.test(context)) return 'matches every branch: anyone who can push a branch can assume the role';
  if (/^ref:refs\/tags\//.test(context)) return 'matches every tag: anyone who can push a tag can assume the role';
  if (/^environment:/.test(context)) return 'matches every environment: any job that names an environment, protected or not, can assume the role';
  if (/^ref:/.test(context)) return 'matches every branch and tag: anyone who can push one can assume the role';
  return 'matches every run of the repository: any branch, tag, environment or pull request can assume the role';
}

function exampleOtherRef(value: string): string {
  const filled = value.replace(/\?/g, 'x');
  return filled.replace(/\*/, 'evil').replace(/\*/g, '');
}

/**
 * A token of a pull request job that this role's trust policy accepts, or undefined. The subject comes from the
 * statement's own `sub` patterns (`repo:OWNER/REPO:pull_request`); the other claims take values the
 * conditions ask for, as the job of a pull request in that repository would present them (the ref is
 * `refs/pull/N/merge`, no environment; a pinned reusable workflow is taken as not runnable by the pull
 * request). The policy evaluator of @keyless/policy then decides, Deny statements included.
 */
export function pullRequestToken(trustPolicy: PolicyDocument, statements: readonly GithubStatement[]): TokenClaims | undefined {
  for (const statement of statements) {
    const subs = statement.conditions.filter((c) => c.claim === 'sub' && POSITIVE.has(c.base));
    const candidates = subs.length === 0
      ? ['repo:x/x:pull_request']
      : subs.flatMap((c) => c.values.flatMap((v) => {
          if (c.base === 'StringLike') return findWitness(v, PULL_REQUEST_SUBJECT) ?? [];
          // The Equals operators compare literally: only a value that is itself a pull request subject.
          return PULL_REQUEST_SUB.test(v) || (c.base === 'StringEqualsIgnoreCase' && PULL_REQUEST_SUB_IGNORE_CASE.test(v)) ? [v] : [];
        }));
    const issuer = resolveIssuer(statement.issuer);
    const aud = statement.conditions.find((c) => c.claim === 'aud' && POSITIVE.has(c.base))?.values[0]?.replace(/\*/g, '').replace(/\?/g, 'x') ?? 'sts.amazonaws.com';
    const others: Record<string, string> = {};
    for (const c of statement.conditions) {
      if (c.claim === 'sub' || c.claim === 'aud' || !POSITIVE.has(c.base) || c.values.length === 0) continue;
      if (c.claim === 'environment') continue;
      if (c.claim === 'job_workflow_ref' && !c.values.some(isWildcard)) continue;
      others[c.claim] = c.claim === 'ref' ? 'refs/pull/1/merge' : c.claim === 'event_name' ? 'pull_request' : (c.values[0] as string).replace(/\*/g, '').replace(/\?/g, 'x');
    }
    for (const sub of candidates) {
      const claims: TokenClaims = { ...others, iss: issuer.url, aud, sub };
      try {
        if (evaluateTrustPolicy(JSON.stringify(trustPolicy), claims).allowed) return claims;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
