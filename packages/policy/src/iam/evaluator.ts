/**
 * An offline model of the decision AWS STS makes for AssumeRoleWithWebIdentity: would a token with these
 * claims be accepted by this role trust policy, and if not, why not.
 *
 * It follows IAM's documented evaluation logic for the parts a web-identity trust policy uses: principal,
 * action, the string and Null condition operators with `IfExists` and the `ForAllValues:` / `ForAnyValue:`
 * set operators, policy variables in condition values, and "an explicit Deny wins". Where IAM's behaviour is
 * not documented the model takes the reading that allows more, so that a test expecting a deny cannot pass
 * by accident of the model.
 */
import { ASSUME_ROLE_WITH_WEB_IDENTITY, type PolicyDocument } from './trust-policy.js';

/** The claims of an OIDC token, as STS reads them. */
export interface TokenClaims {
  /** The issuer URL (`https://…`). It names the IAM OIDC provider and is the prefix of every condition key. */
  readonly iss: string;
  /** The audience; `null` when the token has none. */
  readonly aud: string | readonly string[] | null;
  /** The subject; `null` when the token has none. */
  readonly sub: string | null;
  /**
   * Any other claim. String claims, and lists of strings such as `amr`, become the condition keys
   * `<prefix>:<claim>`; `null` means absent; numbers, booleans and objects are not exposed.
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
   * Human sentences. For a deny: why it was denied, one sentence per failed check of each Allow statement.
   * For an allow: only caveats, about Deny statements that could not be evaluated.
   */
  readonly reasons: string[];
}

/**
 * IAM's `StringLike` match: `*` matches any run of characters (including `/`, `:` and none), `?` exactly one
 * character; everything else matches itself, case-sensitively, and the pattern must cover the whole value.
 */
export function stringLike(pattern: string, value: string): boolean {
  return globMatch(patternTokens(pattern), [...value]);
}

/**
 * Decides whether STS would accept a token with these claims against a role trust policy.
 * @param policy the trust policy document, or its JSON text as stored in `assume_role_policy`
 */
export function evaluateTrustPolicy(
  policy: PolicyDocument | string,
  claims: TokenClaims,
  options: EvaluationOptions = {},
): Evaluation {
  const document = parsePolicy(policy);

  const audiences = claimValues(claims.aud);
  if (audiences === undefined) {
    return implicitDeny(['the token has no aud claim, and STS refuses a token without an audience']);
  }
  if (options.providerAudiences !== undefined) {
    const known = options.providerAudiences;
    if (!audiences.some((aud) => known.includes(aud))) {
      return implicitDeny([
        `audience ${quoteList(audiences)} is not in the provider's client id list (${quoteList(known) || 'empty'}), ` +
          'so STS refuses the token before reading the trust policy',
      ]);
    }
  }
  const providerId = providerIdOf(claims.iss);
  if (providerId === undefined) {
    return implicitDeny([`issuer ${JSON.stringify(claims.iss)} is not an https URL, so no IAM OIDC provider can match it`]);
  }

  const context = requestContext(claims, providerId);
  const scope: Scope = { claims, providerId, context, options, variables: document.version === '2012-10-17' };
  const allows: string[] = [];
  const denies: string[] = [];
  const reasons: string[] = [];
  const caveats: string[] = [];
  let allowStatements = 0;

  document.statements.forEach((statement, index) => {
    const name = statementName(statement, index);
    const effect = statement['Effect'];
    if (effect !== 'Allow' && effect !== 'Deny') {
      reasons.push(`statement ${name}: Effect ${JSON.stringify(effect)} is neither "Allow" nor "Deny", so it is ignored`);
      return;
    }
    const problems = statementProblems(statement, scope);
    if (effect === 'Deny') {
      if (problems.length === 0) denies.push(name);
      for (const problem of problems.filter((p) => p.unevaluable)) {
        caveats.push(`statement ${name}: ${problem.text}; this Deny was not applied`);
      }
      return;
    }
    allowStatements += 1;
    if (problems.length === 0) allows.push(name);
    else reasons.push(...problems.map((p) => `statement ${name}: ${p.text}`));
  });

  if (denies.length > 0) {
    return {
      allowed: false,
      decision: 'explicit-deny',
      matchedStatements: denies,
      reasons: denies.map((name) => `statement ${name}: an explicit Deny matches the token, and a Deny always wins`),
    };
  }
  if (allows.length > 0) return { allowed: true, decision: 'allow', matchedStatements: allows, reasons: caveats };
  if (allowStatements === 0) reasons.push(`no Allow statement grants ${ASSUME_ROLE_WITH_WEB_IDENTITY}`);
  return implicitDeny([...reasons, ...caveats]);
}

// ---------------------------------------------------------------------------------------------------------
// Policy parsing

type RawStatement = Readonly<Record<string, unknown>>;

interface ParsedPolicy {
  readonly version: unknown;
  readonly statements: readonly RawStatement[];
}

function parsePolicy(policy: PolicyDocument | string): ParsedPolicy {
  let parsed: unknown = policy;
  if (typeof policy === 'string') {
    try {
      parsed = JSON.parse(policy);
    } catch (error) {
      throw new Error(`trust policy is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isRecord(parsed)) throw new Error('trust policy must be a JSON object with a Statement element');
  const statement = parsed['Statement'];
  // IAM accepts a single statement object as well as a list.
  const statements = Array.isArray(statement) ? statement : statement === undefined ? undefined : [statement];
  if (statements === undefined || !statements.every(isRecord)) {
    throw new Error('trust policy must have a Statement element holding statement objects');
  }
  return { version: parsed['Version'], statements };
}

function statementName(statement: RawStatement, index: number): string {
  const sid = statement['Sid'];
  return typeof sid === 'string' && sid.length > 0 ? sid : `#${index + 1}`;
}

// ---------------------------------------------------------------------------------------------------------
// Statement evaluation

interface Scope {
  readonly claims: TokenClaims;
  /** The issuer without `https://`: the provider part of the provider ARN and the condition-key prefix. */
  readonly providerId: string;
  readonly context: RequestContext;
  readonly options: EvaluationOptions;
  /** Policy variables are substituted only in documents of version 2012-10-17. */
  readonly variables: boolean;
}

interface Problem {
  readonly text: string;
  /** The model could not evaluate the check (unknown operator, unresolved principal, malformed element). */
  readonly unevaluable: boolean;
}

/** Everything that keeps a statement from applying to the request; empty when it applies. */
function statementProblems(statement: RawStatement, scope: Scope): Problem[] {
  const problems: Problem[] = [];
  const principal = principalProblem(statement, scope);
  if (principal) problems.push(principal);
  const action = actionProblem(statement);
  if (action) problems.push(action);
  problems.push(...conditionProblems(statement['Condition'], scope));
  return problems;
}

const OIDC_PROVIDER_ARN = /^arn:[a-z0-9-]+:iam::[0-9]{12}:oidc-provider\/(.+)$/;

function principalProblem(statement: RawStatement, scope: Scope): Problem | undefined {
  const expected = `arn:<partition>:iam::<account>:oidc-provider/${scope.providerId}`;
  const hasPrincipal = statement['Principal'] !== undefined;
  const hasNotPrincipal = statement['NotPrincipal'] !== undefined;
  if (!hasPrincipal && !hasNotPrincipal) return { text: 'has no Principal', unevaluable: false };
  const element = hasPrincipal ? statement['Principal'] : statement['NotPrincipal'];
  const listed = principalMatch(element, scope);
  if (listed.malformed) return { text: `Principal ${JSON.stringify(element)} is not a valid principal`, unevaluable: true };
  if (hasNotPrincipal) {
    return listed.matches
      ? { text: `NotPrincipal excludes the token's provider ${expected}`, unevaluable: false }
      : undefined;
  }
  if (listed.matches) return undefined;
  if (listed.unresolved.length > 0 && listed.resolvedCount === 0) {
    return {
      text: `principal ${quoteList(listed.unresolved)} is an unresolved reference; pass principalArn to evaluate it`,
      unevaluable: true,
    };
  }
  const shown = listed.federated.length > 0 ? `Federated ${quoteList(listed.federated)}` : JSON.stringify(element);
  return {
    text: `principal ${shown} is not the provider of issuer ${JSON.stringify(scope.claims.iss)} (${expected})`,
    unevaluable: false,
  };
}

interface PrincipalMatch {
  readonly matches: boolean;
  readonly malformed: boolean;
  readonly federated: string[];
  readonly unresolved: string[];
  readonly resolvedCount: number;
}

/**
 * Whether a Principal element names the token's provider. A web identity caller is a federated principal:
 * only `"*"` or a `Federated` OIDC provider ARN whose provider part is the issuer without `https://` covers
 * it; the partition and account are not checked, because STS has already tied the provider to the role.
 */
function principalMatch(element: unknown, scope: Scope): PrincipalMatch {
  if (element === '*') return { matches: true, malformed: false, federated: [], unresolved: [], resolvedCount: 0 };
  if (!isRecord(element)) return { matches: false, malformed: true, federated: [], unresolved: [], resolvedCount: 0 };
  const federated = stringList(element['Federated'] ?? []);
  if (federated === undefined) return { matches: false, malformed: true, federated: [], unresolved: [], resolvedCount: 0 };
  const unresolved: string[] = [];
  let resolvedCount = 0;
  let matches = false;
  for (const entry of federated) {
    let arn = entry;
    if (entry.includes('${')) {
      if (scope.options.principalArn === undefined) {
        unresolved.push(entry);
        continue;
      }
      arn = scope.options.principalArn;
    }
    resolvedCount += 1;
    if (OIDC_PROVIDER_ARN.exec(arn)?.[1] === scope.providerId) matches = true;
  }
  return { matches, malformed: false, federated, unresolved, resolvedCount };
}

function actionProblem(statement: RawStatement): Problem | undefined {
  const action = ASSUME_ROLE_WITH_WEB_IDENTITY;
  if (statement['Action'] !== undefined) {
    const patterns = stringList(statement['Action']);
    if (patterns === undefined) return { text: 'Action is not a string or a list of strings', unevaluable: true };
    return patterns.some((p) => actionMatches(p, action))
      ? undefined
      : { text: `action ${action} is not in Action ${quoteList(patterns)}`, unevaluable: false };
  }
  if (statement['NotAction'] !== undefined) {
    const patterns = stringList(statement['NotAction']);
    if (patterns === undefined) return { text: 'NotAction is not a string or a list of strings', unevaluable: true };
    const excluding = patterns.filter((p) => actionMatches(p, action));
    return excluding.length === 0
      ? undefined
      : { text: `action ${action} is excluded by NotAction ${quoteList(excluding)}`, unevaluable: false };
  }
  return { text: 'has neither Action nor NotAction', unevaluable: false };
}

/** Action names are case-insensitive and take `*` and `?` wildcards. */
function actionMatches(pattern: string, action: string): boolean {
  return stringLike(pattern.toLowerCase(), action.toLowerCase());
}

// ---------------------------------------------------------------------------------------------------------
// Request context

/** Condition key (lowercased: key names are case-insensitive) → its values in the request. */
type RequestContext = ReadonlyMap<string, readonly string[]>;

/**
 * The keys STS puts in the request context for a web identity token: `<prefix>:aud`, `<prefix>:sub` and
 * one `<prefix>:<claim>` for every other string (or string list) claim, such as `job_workflow_ref` or `amr`.
 */
function requestContext(claims: TokenClaims, prefix: string): RequestContext {
  const context = new Map<string, readonly string[]>();
  for (const [claim, value] of Object.entries(claims)) {
    const values = claimValues(value);
    if (values !== undefined) context.set(`${prefix}:${claim}`.toLowerCase(), values);
  }
  return context;
}

/** A claim's values as condition-key values; undefined when the claim is absent, null, empty or not text. */
function claimValues(value: unknown): readonly string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Conditions

type BaseOperator =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike';

interface ParsedOperator {
  readonly name: string;
  readonly set: 'ForAllValues' | 'ForAnyValue' | undefined;
  readonly base: BaseOperator | 'Null';
  readonly ifExists: boolean;
}

const STRING_OPERATORS: readonly BaseOperator[] = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
];

function parseOperator(name: string): ParsedOperator | undefined {
  const match = /^(?:(ForAllValues|ForAnyValue):)?(.+?)(IfExists)?$/.exec(name);
  if (!match) return undefined;
  const [, set, base = '', ifExists] = match;
  if (base === 'Null') {
    // Null tests existence itself: IAM takes neither IfExists nor a set operator with it.
    return set === undefined && ifExists === undefined ? { name, set: undefined, base: 'Null', ifExists: false } : undefined;
  }
  if (!(STRING_OPERATORS as readonly string[]).includes(base)) return undefined;
  return { name, set: set as ParsedOperator['set'], base: base as BaseOperator, ifExists: ifExists !== undefined };
}

function isNegated(base: BaseOperator): boolean {
  return base.startsWith('StringNot');
}

/** Every failed condition of a statement; operators and the keys inside one operator are ANDed. */
function conditionProblems(condition: unknown, scope: Scope): Problem[] {
  if (condition === undefined) return [];
  if (!isRecord(condition)) return [{ text: 'Condition is not an object', unevaluable: true }];
  const problems: Problem[] = [];
  for (const [operatorName, block] of Object.entries(condition)) {
    const operator = parseOperator(operatorName);
    if (operator === undefined) {
      problems.push({ text: `unknown condition operator ${JSON.stringify(operatorName)}, so its condition is false`, unevaluable: true });
      continue;
    }
    if (!isRecord(block)) {
      problems.push({ text: `condition ${operatorName} does not map keys to values`, unevaluable: true });
      continue;
    }
    for (const [key, raw] of Object.entries(block)) {
      const policyValues = conditionValues(raw);
      if (policyValues === undefined) {
        problems.push({
          text: `condition ${operatorName} of ${key} has a value that is not a string, boolean or list of them`,
          unevaluable: true,
        });
        continue;
      }
      const problem =
        operator.base === 'Null'
          ? nullProblem(key, policyValues, scope.context)
          : stringProblem(operator as ParsedOperator & { base: BaseOperator }, key, policyValues, scope);
      if (problem) problems.push({ text: problem, unevaluable: false });
    }
  }
  return problems;
}

/** Condition values as IAM reads them: strings, with booleans and numbers written out. */
function conditionValues(raw: unknown): string[] | undefined {
  const list = Array.isArray(raw) ? raw : [raw];
  const values: string[] = [];
  for (const value of list) {
    if (typeof value === 'string') values.push(value);
    else if (typeof value === 'boolean' || typeof value === 'number') values.push(String(value));
    else return undefined;
  }
  return values;
}

function nullProblem(key: string, policyValues: readonly string[], context: RequestContext): string | undefined {
  const present = context.has(key.toLowerCase());
  // Null: "true" holds when the key is absent, "false" when present; several values are ORed.
  const holds = policyValues.some((v) => (v.toLowerCase() === 'true' ? !present : v.toLowerCase() === 'false' && present));
  if (holds) return undefined;
  return present
    ? `${key} is present in the token, but Null ${quoteList(policyValues)} requires it absent`
    : `${key} is absent from the token, but Null ${quoteList(policyValues)} requires it present`;
}

function stringProblem(
  operator: ParsedOperator & { base: BaseOperator },
  key: string,
  policyValues: readonly string[],
  scope: Scope,
): string | undefined {
  const suffix = operator.name === 'StringEquals' ? '' : ` (${operator.name})`;
  const contextValues = scope.context.get(key.toLowerCase());
  const negated = isNegated(operator.base);

  if (contextValues === undefined) {
    // IfExists and ForAllValues hold on an absent key; so does a negated operator without a set operator.
    if (operator.ifExists || operator.set === 'ForAllValues') return undefined;
    if (operator.set === undefined && negated) return undefined;
    return `${key} is absent from the token, so ${operator.name} cannot match`;
  }

  const resolved = policyValues.map((value) => resolveVariables(value, scope));
  const unresolvedNote = unresolvedVariablesNote(resolved);
  const matching = (contextValue: string): string[] =>
    resolved.flatMap((r, i) => (r.tokens !== undefined && baseMatches(operator.base, contextValue, r.tokens) ? [policyValues[i] as string] : []));
  // Positive operators: a context value passes when some policy value matches it; negated: when none does.
  const passes = (contextValue: string): boolean => (matching(contextValue).length > 0) !== negated;

  // ForAllValues: every value must pass. ForAnyValue, and (the permissive reading) a plain operator on a
  // multi-valued key: one passing value is enough.
  const holds = operator.set === 'ForAllValues' ? contextValues.every(passes) : contextValues.some(passes);
  if (holds) return undefined;

  const shown = operator.set === 'ForAllValues' ? [contextValues.find((v) => !passes(v)) as string] : contextValues;
  const subject = shown.length === 1 ? `${key} ${JSON.stringify(shown[0])}` : `${key} values ${quoteList(shown)}`;
  if (negated) {
    const excluded = [...new Set(shown.flatMap(matching))];
    const verb = operator.base === 'StringNotLike' ? 'matches excluded pattern' : 'is excluded value';
    return `${subject} ${verb} ${quoteList(excluded)}${suffix}`;
  }
  const failure =
    operator.base === 'StringLike'
      ? `matches none of ${quoteList(policyValues)}`
      : operator.base === 'StringEqualsIgnoreCase'
        ? `is not one of ${quoteList(policyValues)}, even ignoring case`
        : `is not one of ${quoteList(policyValues)}`;
  return `${subject} ${failure}${suffix}${unresolvedNote}`;
}

function baseMatches(base: BaseOperator, contextValue: string, tokens: readonly GlobToken[]): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return tokensText(tokens) === contextValue;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return tokensText(tokens).toLowerCase() === contextValue.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return globMatch(tokens, [...contextValue]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Policy variables

interface ResolvedValue {
  /** The value as glob tokens after substitution; undefined when a variable has no value. */
  readonly tokens: readonly GlobToken[] | undefined;
  readonly unresolved: readonly string[];
}

/**
 * Substitutes IAM policy variables in a condition value: `${key}` takes the single value of a context key,
 * `${key, 'default'}` falls back to the default, and `${*}`, `${?}`, `${$}` stand for those characters
 * literally. A variable without a value leaves the policy value matching nothing, as IAM documents.
 * Substituted text is always literal: a `*` that comes from the token is not a wildcard.
 */
function resolveVariables(value: string, scope: Scope): ResolvedValue {
  if (!scope.variables || !value.includes('${')) return { tokens: patternTokens(value), unresolved: [] };
  const tokens: GlobToken[] = [];
  const unresolved: string[] = [];
  const variable = /\$\{([^}]*)\}/g;
  let last = 0;
  for (let match = variable.exec(value); match !== null; match = variable.exec(value)) {
    tokens.push(...patternTokens(value.slice(last, match.index)));
    last = match.index + match[0].length;
    const inner = (match[1] ?? '').trim();
    if (inner === '*' || inner === '?' || inner === '$') {
      tokens.push({ kind: 'char', char: inner });
      continue;
    }
    const parsed = /^([^\s,']+)\s*(?:,\s*'((?:[^']|'')*)')?$/.exec(inner);
    if (!parsed) {
      // Not a variable IAM recognises: the text stays as written.
      tokens.push(...patternTokens(match[0]));
      continue;
    }
    const [, key = '', fallback] = parsed;
    const values = scope.context.get(key.toLowerCase());
    // Only single-valued keys can be variables.
    const text = values?.length === 1 ? values[0] : fallback?.replace(/''/g, "'");
    if (text === undefined) unresolved.push(match[0]);
    else tokens.push(...literalTokens(text));
  }
  tokens.push(...patternTokens(value.slice(last)));
  return { tokens: unresolved.length > 0 ? undefined : tokens, unresolved };
}

function unresolvedVariablesNote(resolved: readonly ResolvedValue[]): string {
  const names = [...new Set(resolved.flatMap((r) => r.unresolved))];
  return names.length === 0 ? '' : ` (policy variable ${names.join(', ')} has no value in the token)`;
}

// ---------------------------------------------------------------------------------------------------------
// Glob matching

type GlobToken = { readonly kind: 'char'; readonly char: string } | { readonly kind: 'any' } | { readonly kind: 'one' };

function patternTokens(pattern: string): GlobToken[] {
  return [...pattern].map((char) =>
    char === '*' ? { kind: 'any' } : char === '?' ? { kind: 'one' } : { kind: 'char', char },
  );
}

function literalTokens(text: string): GlobToken[] {
  return [...text].map((char) => ({ kind: 'char', char }));
}

/** The text a token list stands for when wildcards are not special (the Equals operators). */
function tokensText(tokens: readonly GlobToken[]): string {
  return tokens.map((t) => (t.kind === 'char' ? t.char : t.kind === 'any' ? '*' : '?')).join('');
}

/**
 * Greedy glob matching with backtracking to the last `*` only: linear in practice and O(n·m) at worst,
 * where a regular expression could backtrack exponentially on patterns like `*a*a*a*b`.
 * Works on code points, so `?` matches one character even outside the Basic Multilingual Plane.
 */
function globMatch(tokens: readonly GlobToken[], chars: readonly string[]): boolean {
  let t = 0;
  let c = 0;
  let starToken = -1;
  let starChar = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (token !== undefined && (token.kind === 'one' || (token.kind === 'char' && token.char === chars[c]))) {
      t += 1;
      c += 1;
    } else if (token !== undefined && token.kind === 'any') {
      starToken = t;
      starChar = c;
      t += 1;
    } else if (starToken >= 0) {
      t = starToken + 1;
      starChar += 1;
      c = starChar;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'any') t += 1;
  return t === tokens.length;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function implicitDeny(reasons: string[]): Evaluation {
  return { allowed: false, decision: 'implicit-deny', matchedStatements: [], reasons };
}

function providerIdOf(issuer: string): string | undefined {
  const match = /^https:\/\/(.+)$/.exec(issuer);
  return match?.[1];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}
