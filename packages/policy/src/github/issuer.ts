/**
 * Where GitHub's OIDC tokens come from, and what that means on the AWS side.
 *
 * The IAM condition-key prefix is always the provider URL without `https://`, so the issuer is the
 * single source for both the provider URL and the keys that trust policies test.
 */
import { checkNameText } from '../iam/limits.js';

/** The public github.com issuer. */
export interface GithubDotComIssuer {
  readonly kind: 'github.com';
}

/** GitHub Enterprise Cloud with the enterprise setting `include_enterprise_slug`. */
export interface EnterpriseSlugIssuer {
  readonly kind: 'enterprise-slug';
  /** The enterprise slug that GitHub appends to the issuer URL. */
  readonly slug: string;
}

/** GitHub Enterprise Cloud with data residency (`<subdomain>.ghe.com`). */
export interface GheDotComIssuer {
  readonly kind: 'ghe.com';
  /** The subdomain of `ghe.com` that hosts the enterprise. */
  readonly subdomain: string;
}

/** GitHub Enterprise Server. */
export interface GhesIssuer {
  readonly kind: 'ghes';
  /** The server's host name, for example `github.example.com`. */
  readonly host: string;
}

export type GithubIssuer = GithubDotComIssuer | EnterpriseSlugIssuer | GheDotComIssuer | GhesIssuer;

export interface ResolvedIssuer {
  /** The `iss` claim of the tokens and the URL of the IAM OIDC provider. */
  readonly url: string;
  /** The provider URL without `https://`: the prefix of every IAM condition key (`<prefix>:sub`). */
  readonly conditionKeyPrefix: string;
  /** Whether this issuer can emit immutable `owner@id/repo@id` subjects. */
  readonly supportsImmutableSubjects: boolean;
  /** A short human description for reports. */
  readonly label: string;
}

export const GITHUB_DOT_COM_ISSUER_URL = 'https://token.actions.githubusercontent.com';

/**
 * Whether roles pin repository and owner ids beside `sub` unless told otherwise: AWS documents the GitHub claim
 * keys for github.com's issuer, so there only; elsewhere pinning is an opt-in.
 */
export function pinsIdsByDefault(issuer: ResolvedIssuer): boolean {
  return issuer.url === GITHUB_DOT_COM_ISSUER_URL;
}

/** The audience that aws-actions/configure-aws-credentials requests by default. */
export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';
/** The audience used in the AWS China partitions. */
export const CHINA_AUDIENCE = 'sts.amazonaws.com.cn';

/** IAM's limit on an OIDC provider client id (an audience). */
export const AUDIENCE_MAX_CHARS = 255;

/**
 * The web host of an issuer's GitHub, where `actions/github-script`'s `core.getIDToken()` without an audience
 * points its default `aud` (`https://<host>/<owner>`).
 */
function webHost(issuer: GithubIssuer | undefined): string | undefined {
  switch (issuer?.kind) {
    case 'ghe.com':
      return `${issuer.subdomain}.ghe.com`;
    case 'ghes':
      return issuer.host;
    default:
      return undefined;
  }
}

/** Whether an audience is GitHub's own default audience form, `https://github.com/<owner>` or the like. */
export function isGithubAudience(audience: string, issuer?: GithubIssuer): boolean {
  const match = /^https?:\/\/([^/?#]+)(?:[/?#]|$)/i.exec(audience);
  if (!match) return false;
  const host = (match[1] ?? '').toLowerCase().replace(/:443$/, '');
  return host === 'github.com' || host === 'www.github.com' || host === webHost(issuer);
}

/**
 * The one rule for an audience (an `aud` value and an IAM OIDC provider client id): exact, visible text of at
 * most 255 characters, and not GitHub's default audience `https://github.com/<owner>` unless the caller opts in.
 * That audience is what a job gets when it asks for a token without naming an audience, so tokens meant for any
 * other service the organisation's workflows talk to carry it too; whoever receives one could replay it here.
 * Returns the rule broken, or undefined.
 */
export function checkAudience(audience: string, opts: { issuer?: GithubIssuer; allowGithubAudience?: boolean } = {}): string | undefined {
  if (audience.length === 0 || audience.length > AUDIENCE_MAX_CHARS)
    return `an audience has 1 to ${AUDIENCE_MAX_CHARS} characters (got ${audience.length})`;
  const text = checkNameText(audience);
  if (text) return text;
  if (/[*?\s]/.test(audience)) return 'an audience is an exact value without wildcards or spaces, such as sts.amazonaws.com';
  if (isGithubAudience(audience, opts.issuer) && !opts.allowGithubAudience)
    return "this is GitHub's default audience, which every token requested without an audience carries (tokens meant for other services too); use sts.amazonaws.com, or set github.dangerouslyAllowGithubAudience: true to opt in";
  return undefined;
}

const ENTERPRISE_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * Checks an issuer declaration; returns a message naming the value and the rule, or undefined.
 */
export function checkIssuer(issuer: GithubIssuer): string | undefined {
  switch (issuer.kind) {
    case 'github.com':
      return undefined;
    case 'enterprise-slug':
      return ENTERPRISE_SLUG.test(issuer.slug)
        ? undefined
        : `enterprise slug "${issuer.slug}" is not valid: lowercase letters, digits and inner hyphens only`;
    case 'ghe.com':
      return DNS_LABEL.test(issuer.subdomain)
        ? undefined
        : `ghe.com subdomain "${issuer.subdomain}" is not valid: one DNS label of lowercase letters, digits and inner hyphens`;
    case 'ghes':
      return HOST_NAME.test(issuer.host)
        ? undefined
        : `GitHub Enterprise Server host "${issuer.host}" is not valid: a lowercase DNS name such as github.example.com, without scheme or path`;
  }
}

/** Computes the provider URL and condition-key prefix of an issuer. Throws on an invalid declaration. */
export function resolveIssuer(issuer: GithubIssuer = { kind: 'github.com' }): ResolvedIssuer {
  const problem = checkIssuer(issuer);
  if (problem) throw new Error(problem);
  let url: string;
  let label: string;
  switch (issuer.kind) {
    case 'github.com':
      url = GITHUB_DOT_COM_ISSUER_URL;
      label = 'github.com';
      break;
    case 'enterprise-slug':
      url = `${GITHUB_DOT_COM_ISSUER_URL}/${issuer.slug}`;
      label = `GitHub Enterprise Cloud (enterprise ${issuer.slug})`;
      break;
    case 'ghe.com':
      url = `https://token.actions.${issuer.subdomain}.ghe.com`;
      label = `GHE.com (${issuer.subdomain}.ghe.com)`;
      break;
    case 'ghes':
      url = `https://${issuer.host}/_services/token`;
      label = `GitHub Enterprise Server (${issuer.host})`;
      break;
  }
  return {
    url,
    conditionKeyPrefix: url.replace(/^https:\/\//, ''),
    // Immutable subjects are a github.com feature; an enterprise slug is still github.com.
    supportsImmutableSubjects: issuer.kind === 'github.com' || issuer.kind === 'enterprise-slug',
    label,
  };
}

/** The ARN IAM gives an OIDC provider for this issuer in this account. */
export function oidcProviderArn(partition: string, accountId: string, issuerUrl: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${issuerUrl.replace(/^https:\/\//, '')}`;
}
