/**
 * The trust policy document of a GitHub Actions role, built so that it can only be as wide as declared.
 */
import { DEFAULT_AUDIENCE, checkAudience } from '../github/issuer.js';
import { LIMITS, checkTemplateText, checkVisibleText, policySize } from './limits.js';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: { readonly Federated?: string | readonly string[]; readonly AWS?: string | readonly string[] } | '*';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export interface TrustPolicyOptions {
  /** ARN of the IAM OIDC provider; may be an unresolved Terraform reference. */
  readonly providerArn: string;
  /** The provider URL without `https://`; the prefix of the `aud` and `sub` condition keys. */
  readonly conditionKeyPrefix: string;
  /**
   * The `sub` values to accept, as built by `subjectClaims`, with no further claim required. Each of `grants`
   * adds its own.
   */
  readonly subjects: readonly string[];
  /**
   * Ways in that require further claims beside `sub` (repository and owner ids, the ref, the workflow): each
   * becomes its own statements, since conditions within one statement are ANDed across keys.
   * @default - none: only `subjects`
   */
  readonly grants?: readonly TrustGrant[];
  /** @default ['sts.amazonaws.com'] */
  readonly audiences?: readonly string[];
  /**
   * Accept `repo:OWNER/*` style subjects that let every repository of an owner in.
   * @default false
   */
  readonly dangerouslyAllowOrganizationWide?: boolean;
  /**
   * Accept GitHub's default audience (`https://github.com/<owner>`), which every token requested without an
   * audience carries.
   * @default false
   */
  readonly dangerouslyAllowGithubAudience?: boolean;
  /** @default 2048 */
  readonly maxChars?: number;
  /**
   * The ARN to count when `providerArn` is an unresolved reference.
   * @default - the longest ARN the provider could have
   */
  readonly providerArnForSizing?: string;
  /** Names the role in messages. @default 'trust policy' */
  readonly label?: string;
  /**
   * Skip the size check, for a caller that has checked these very subjects already (the fast synthesizer
   * renders what the access model validated). The subject rules are checked regardless.
   * @default true
   */
  readonly checkSize?: boolean;
}

/**
 * One way into a role: the `sub` values it accepts and the further claims the same token must carry. AWS STS
 * validates these GitHub claims at AssumeRoleWithWebIdentity and exposes them as condition keys after the
 * issuer's prefix; a claim missing from the token matches nothing, so every condition fails closed.
 */
export interface TrustGrant {
  /** `sub` values, exact or patterns (`*`). */
  readonly subjects: readonly string[];
  /**
   * Claims the token must also carry, each one of its values (StringEquals; StringLike when a value of `ref` or
   * `job_workflow_ref` has a `*`).
   * @default - none
   */
  readonly claims?: Readonly<Partial<Record<GithubClaimKey, readonly string[]>>>;
}

/** The GitHub token claims AWS STS documents as condition keys, besides `sub` and `aud`. */
export const GITHUB_CLAIM_KEYS = [
  'actor',
  'actor_id',
  'enterprise_id',
  'environment',
  'job_workflow_ref',
  'ref',
  'repository',
  'repository_id',
  'repository_owner_id',
  'workflow',
] as const;
export type GithubClaimKey = (typeof GITHUB_CLAIM_KEYS)[number];

const NUMERIC_CLAIMS: ReadonlySet<string> = new Set(['actor_id', 'enterprise_id', 'repository_id', 'repository_owner_id']);
const PATTERN_CLAIMS: ReadonlySet<string> = new Set(['ref', 'job_workflow_ref']);

/** Checks one value of a further claim; returns the rule broken, or undefined. */
export function checkClaimValue(key: string, value: string): string | undefined {
  if (!(GITHUB_CLAIM_KEYS as readonly string[]).includes(key)) return `${key} is not a GitHub claim AWS STS exposes (${GITHUB_CLAIM_KEYS.join(', ')})`;
  if (value.length === 0) return `a ${key} value cannot be empty`;
  if (value.includes('${')) return `"\${" is never allowed in a ${key} value: IAM would read it as a policy variable`;
  const text = checkTemplateText(value) ?? checkVisibleText(value);
  if (text) return text;
  if (NUMERIC_CLAIMS.has(key) && !/^[1-9][0-9]*$/.test(value)) return `${key} is a positive whole number, written as digits`;
  if (value.includes('?')) return `"?" is never allowed in a ${key} value`;
  if (value.includes('*')) {
    if (!PATTERN_CLAIMS.has(key)) return `${key} is matched exactly; "*" is not allowed`;
    if (key === 'job_workflow_ref' && !/^[^*@]+@\*$/.test(value)) return 'a job_workflow_ref pattern is a workflow path with "@*" as its whole ref';
    if (key === 'ref' && !/^refs\/(heads|tags)\/./.test(value)) return 'a ref pattern starts with refs/heads/ or refs/tags/';
    if (/^[*/]*$/.test(value.replace(/^refs\/(heads|tags)\//, ''))) return `a ${key} pattern of only wildcards matches every run; name the ref`;
  }
  return undefined;
}

export const ASSUME_ROLE_WITH_WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity';

/** Whether a subject value is a pattern for IAM's StringLike. */
export function isPattern(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

const SUBJECT_REPO = /^repo:([^/:]*)\/([^:]*)(?::(.*))?$/;

/**
 * Checks one `sub` value against the security rules; this is the last line of defence whatever built
 * the value. Returns the rule broken, or undefined.
 */
export function checkSubjectValue(value: string, opts: { allowOrganizationWide?: boolean } = {}): string | undefined {
  if (value.length === 0) return 'a subject cannot be empty';
  if (value.includes('?')) return '"?" is never allowed in a subject';
  // IAM substitutes "${...}" in condition values as a policy variable (and Terraform as interpolation), so the
  // value would not be compared as written.
  if (value.includes('${')) return '"${" is never allowed in a subject: IAM would read it as a policy variable';
  const text = checkTemplateText(value) ?? checkVisibleText(value);
  if (text) return text;
  if (/^\**$/.test(value.replace(/[:]/g, ''))) return 'a subject cannot be only wildcards';
  const match = SUBJECT_REPO.exec(value);
  if (!match) return 'a subject starts with repo:OWNER/REPO';
  const [, owner = '', repo = '', rest] = match;
  if (owner.length === 0 || owner.includes('*')) return 'the owner part of a subject is never empty or a wildcard';
  if (/@(?![0-9]+$)/.test(owner)) return 'an owner id after "@" is digits only, never a wildcard';
  if (repo === '*') {
    if (!opts.allowOrganizationWide)
      return `"${value}" lets every repository of ${owner} in; set dangerouslyAllowOrganizationWide to opt in`;
    return undefined;
  }
  if (repo.length === 0 || repo.includes('*')) return 'the repository part of a subject is never empty or a wildcard';
  if (/@(?![0-9]+$)/.test(repo)) return 'a repository id after "@" is digits only, never a wildcard';
  if (rest === undefined || rest.length === 0) return 'a subject names what runs: ref, environment or pull_request';
  // "*" also matches ":", so a rest of only wildcards and colons (such as "*:*") lets in nearly every run too.
  if (/^[*:]+$/.test(rest)) return `"${value}" lets every run of the repository in; name branches, tags or environments`;
  return undefined;
}

/** Builds the trust policy. Throws with the rule broken when a subject or the size is not acceptable. */
export function buildTrustPolicy(options: TrustPolicyOptions): PolicyDocument {
  const label = options.label ?? 'trust policy';
  const audiences = sortedUnique(options.audiences ?? [DEFAULT_AUDIENCE]);
  if (audiences.length === 0) throw new Error(`${label}: at least one audience is required`);
  for (const aud of audiences) {
    const problem = checkAudience(aud, { allowGithubAudience: options.dangerouslyAllowGithubAudience === true });
    if (problem) throw new Error(`${label}: audience ${JSON.stringify(aud)}: ${problem}`);
  }
  const grants: TrustGrant[] = [{ subjects: options.subjects }, ...(options.grants ?? [])].filter((g) => g.subjects.length > 0);
  if (grants.length === 0) throw new Error(`${label}: at least one subject is required; a role nobody can assume is a mistake`);
  const prefix = options.conditionKeyPrefix;
  const audCondition = { [`${prefix}:aud`]: single(audiences) };
  const base = {
    Effect: 'Allow' as const,
    Principal: { Federated: options.providerArn },
    Action: ASSUME_ROLE_WITH_WEB_IDENTITY,
  };
  // Grants that require the same further claims share statements; each set of claims gets its own.
  const groups = new Map<string, { claims: [string, string[]][]; subjects: Set<string> }>();
  for (const grant of grants) {
    const claims = Object.entries(grant.claims ?? {})
      .map(([key, values]): [string, string[]] => [key, sortedUnique(values ?? [])])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, values] of claims) {
      if (values.length === 0) throw new Error(`${label}: claim ${key}: at least one value is required`);
      for (const value of values) {
        const problem = checkClaimValue(key, value);
        if (problem) throw new Error(`${label}: claim ${key} "${value}": ${problem}`);
      }
    }
    const pinsOwnerAndWorkflow = claims.some(([k, v]) => k === 'repository_owner_id' && v.length === 1) && claims.some(([k]) => k === 'job_workflow_ref');
    for (const sub of grant.subjects) {
      // An owner-wide subject is safe only when the same statement pins the owner's id and the workflow that runs.
      const problem = checkSubjectValue(sub, { allowOrganizationWide: options.dangerouslyAllowOrganizationWide === true || pinsOwnerAndWorkflow });
      if (problem) throw new Error(`${label}: subject "${sub}": ${problem}`);
    }
    const key = JSON.stringify(claims);
    const group = groups.get(key) ?? { claims, subjects: new Set<string>() };
    for (const sub of grant.subjects) group.subjects.add(sub);
    groups.set(key, group);
  }
  const subjects = sortedUnique([...groups.values()].flatMap((g) => [...g.subjects]));
  const statements: PolicyStatement[] = [];
  const sids = new Set<string>();
  const sidOf = (name: string): string => {
    let sid = name;
    for (let n = 2; sids.has(sid); n++) sid = `${name}${n}`;
    sids.add(sid);
    return sid;
  };
  for (const [, group] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const equals: Record<string, string | string[]> = {};
    const like: Record<string, string | string[]> = {};
    for (const [key, values] of group.claims) (values.some(isPattern) ? like : equals)[`${prefix}:${key}`] = single(values);
    const name = sidBase(group.claims);
    const all = sortedUnique([...group.subjects]);
    const exact = all.filter((s) => !isPattern(s));
    const patterns = all.filter(isPattern);
    if (exact.length > 0) {
      const condition = { StringEquals: { ...audCondition, [`${prefix}:sub`]: single(exact), ...equals }, ...(Object.keys(like).length > 0 ? { StringLike: like } : {}) };
      statements.push({ Sid: sidOf(`${name}Exact`), ...base, Condition: condition });
    }
    if (patterns.length > 0) {
      // A separate statement, because keys within one statement are ANDed: only these values are patterns.
      statements.push({
        Sid: sidOf(`${name}Patterns`),
        ...base,
        Condition: { StringEquals: { ...audCondition, ...equals }, StringLike: { [`${prefix}:sub`]: single(patterns), ...like } },
      });
    }
  }
  const document: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  const maxChars = options.maxChars ?? LIMITS.trustPolicyMaxChars;
  const size = options.checkSize === false ? 0 : trustPolicySize(document, options);
  if (size > maxChars) {
    throw new Error(
      `${label}: the trust policy has ${size} characters (${subjects.length} subjects), over the limit of ${maxChars}; ` +
        'split these subjects across several roles, or raise the account quota for role trust policy length (up to 8192) and set trustPolicyMaxChars to match',
    );
  }
  return document;
}

/** The longest ARN an OIDC provider of this prefix could have: partition aws-us-gov and a 12-digit account. */
export function longestProviderArn(conditionKeyPrefix: string): string {
  return `arn:aws-us-gov:iam::123456789012:oidc-provider/${conditionKeyPrefix}`;
}

/** The size IAM will count for the document, with the provider ARN as it will be at apply time. */
export function trustPolicySize(
  document: PolicyDocument,
  options: Pick<TrustPolicyOptions, 'providerArn' | 'providerArnForSizing' | 'conditionKeyPrefix'>,
): number {
  const unresolved = options.providerArn.includes('${') || options.providerArn.includes('TfToken');
  const sizingArn = unresolved
    ? (options.providerArnForSizing ?? longestProviderArn(options.conditionKeyPrefix))
    : options.providerArn;
  const json = JSON.stringify(document);
  if (sizingArn === options.providerArn) return policySize(json);
  return policySize(json.split(JSON.stringify(options.providerArn).slice(1, -1)).join(sizingArn));
}

/** A statement name from the claims its grant requires: `GithubActions` without any, else what it pins. */
function sidBase(claims: readonly [string, readonly string[]][]): string {
  if (claims.length === 0) return 'GithubActions';
  const of = (key: string) => claims.find(([k]) => k === key)?.[1];
  const repo = of('repository_id');
  const owner = of('repository_owner_id');
  const parts = [repo?.length === 1 ? `Repo${repo[0]}` : owner?.length === 1 ? `Owner${owner[0]}` : 'Github'];
  if (of('job_workflow_ref')) parts.push('Workflow');
  if (of('ref')) parts.push('Ref');
  if (of('environment')) parts.push('Environment');
  return parts.join('');
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function single(values: readonly string[]): string | string[] {
  return values.length === 1 ? (values[0] as string) : [...values];
}
