/** Reading a trust policy document, and the principal and action checks of one statement. */
import { ASSUME_ROLE_WITH_WEB_IDENTITY, type PolicyDocument } from '../trust-policy.js';
import { stringLike } from './glob.js';
import { type Problem, type RawStatement, type Scope, isRecord, quoteList, stringList } from './types.js';

export interface ParsedPolicy {
  readonly version: unknown;
  readonly statements: readonly RawStatement[];
}

export function parsePolicy(policy: PolicyDocument | string): ParsedPolicy {
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

export function statementName(statement: RawStatement, index: number): string {
  const sid = statement['Sid'];
  return typeof sid === 'string' && sid.length > 0 ? sid : `#${index + 1}`;
}

const OIDC_PROVIDER_ARN = /^arn:[a-z0-9-]+:iam::[0-9]{12}:oidc-provider\/(.+)$/;

export function principalProblem(statement: RawStatement, scope: Scope): Problem | undefined {
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

export function actionProblem(statement: RawStatement): Problem | undefined {
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
