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
  /** The `sub` values to accept, as built by `subjectClaims`. */
  readonly subjects: readonly string[];
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
  const subjects = sortedUnique(options.subjects);
  if (subjects.length === 0) throw new Error(`${label}: at least one subject is required; a role nobody can assume is a mistake`);
  for (const sub of subjects) {
    const problem = checkSubjectValue(sub, { allowOrganizationWide: options.dangerouslyAllowOrganizationWide });
    if (problem) throw new Error(`${label}: subject "${sub}": ${problem}`);
  }
  const prefix = options.conditionKeyPrefix;
  const audCondition = { [`${prefix}:aud`]: single(audiences) };
  const exact = subjects.filter((s) => !isPattern(s));
  const patterns = subjects.filter(isPattern);
  const base = {
    Effect: 'Allow' as const,
    Principal: { Federated: options.providerArn },
    Action: ASSUME_ROLE_WITH_WEB_IDENTITY,
  };
  const statements: PolicyStatement[] = [];
  if (exact.length > 0) {
    statements.push({
      Sid: 'GithubActionsExact',
      ...base,
      Condition: { StringEquals: { ...audCondition, [`${prefix}:sub`]: single(exact) } },
    });
  }
  if (patterns.length > 0) {
    // A separate statement, because keys within one statement are ANDed: only these values are patterns.
    statements.push({
      Sid: 'GithubActionsPatterns',
      ...base,
      Condition: { StringEquals: audCondition, StringLike: { [`${prefix}:sub`]: single(patterns) } },
    });
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

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function single(values: readonly string[]): string | string[] {
  return values.length === 1 ? (values[0] as string) : [...values];
}
