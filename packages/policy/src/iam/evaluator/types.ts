/** The evaluator's public shapes, and the scope its parts share while deciding one request. */

/** The claims of an OIDC token, as STS reads them. */
export interface TokenClaims {
  /** The issuer URL (`https://…`). It names the IAM OIDC provider and is the prefix of every condition key. */
  readonly iss: string;
  /** The audience; `null` when the token has none. */
  readonly aud: string | readonly string[] | null;
  /** The subject; `null` when the token has none. */
  readonly sub: string | null;
  /**
   * Any other claim; `null` means absent. Which claims become condition keys `<prefix>:<claim>` is decided
   * by `conditionKeyClaims` (see `github-claims.ts`): for github.com's issuer exactly the keys AWS documents.
   * GitHub sends ids as digit strings (`"repository_id": "74"`); a number given for one of the id claims
   * is read as its decimal digits.
   */
  readonly [claim: string]: unknown;
}

export interface EvaluationOptions {
  /**
   * The client id list of the IAM OIDC provider. When given, STS refuses a token whose `aud` is not in it
   * before it reads the trust policy.
   * @default - the provider check is skipped and only the trust policy decides
   */
  readonly providerAudiences?: readonly string[];
  /**
   * The ARN to use for a principal that is still an unresolved reference, such as
   * `${aws_iam_openid_connect_provider.github.arn}`.
   * @default - an unresolved principal matches no token, and the reasons say so
   */
  readonly principalArn?: string;
}

/** How STS decided: allowed by a statement, denied because nothing allowed it, or denied by a Deny statement. */
export type Decision = 'allow' | 'implicit-deny' | 'explicit-deny';

/** One condition key of an Allow statement that did not hold for the token. */
export interface ConditionFailure {
  /** The statement's Sid, or `#N` by position. */
  readonly statement: string;
  /** The operator as written: `StringEquals`, `StringLike`, `Null`, … */
  readonly operator: string;
  /** The full condition key as written in the policy, e.g. `token.actions.githubusercontent.com:repository_id`. */
  readonly key: string;
  /**
   * The token claim the key reads, when it is a GitHub claim of the token's own issuer (`repository_id`,
   * `sub`, …); the reason then names the claim by this short name.
   */
  readonly claim?: string;
  /** The values the condition accepts (or, for a negated operator, excludes), as written. */
  readonly expected: readonly string[];
  /** The token's values for the key; empty when the token has none. */
  readonly actual: readonly string[];
  /** The sentence, as in `reasons` without the `statement X: ` lead. */
  readonly text: string;
}

export interface Evaluation {
  /** Whether STS would issue credentials. */
  readonly allowed: boolean;
  readonly decision: Decision;
  /**
   * The statements that decided: every matching Deny for an explicit deny, every matching Allow for an
   * allow, none for an implicit deny. A statement without a Sid is named by its position, `#1` first.
   */
  readonly matchedStatements: string[];
  /**
   * Human sentences. For a deny: why it was denied, one sentence per failed check of each Allow statement
   * (every failed key of a statement, not only the first). For an allow: only caveats, about Deny statements
   * that could not be evaluated and condition keys AWS documents for another issuer only.
   */
  readonly reasons: string[];
  /** For an implicit deny: every failed condition key of every Allow statement, with its full key. */
  readonly failures: ConditionFailure[];
}

// ---------------------------------------------------------------------------------------------------------
// Shared while evaluating

export type RawStatement = Readonly<Record<string, unknown>>;

/** Condition key (lowercased: key names are case-insensitive) → its values in the request. */
export type RequestContext = ReadonlyMap<string, readonly string[]>;

export interface Scope {
  readonly claims: TokenClaims;
  /** The issuer without `https://`: the provider part of the provider ARN and the condition-key prefix. */
  readonly providerId: string;
  readonly context: RequestContext;
  readonly options: EvaluationOptions;
  /** Policy variables are substituted only in documents of version 2012-10-17. */
  readonly variables: boolean;
}

export interface Problem {
  readonly text: string;
  /** The model could not evaluate the check (unknown operator, unresolved principal, malformed element). */
  readonly unevaluable: boolean;
  /** Set for a condition key that did not hold. */
  readonly failure?: Omit<ConditionFailure, 'statement' | 'text'>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

export function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}
