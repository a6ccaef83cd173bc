/** IAM policy variables in condition values (`${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`). */
import { type GlobToken, literalTokens, patternTokens } from './glob.js';
import type { Scope } from './types.js';

export interface ResolvedValue {
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
export function resolveVariables(value: string, scope: Scope): ResolvedValue {
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

export function unresolvedVariablesNote(resolved: readonly ResolvedValue[]): string {
  const names = [...new Set(resolved.flatMap((r) => r.unresolved))];
  return names.length === 0 ? '' : ` (policy variable ${names.join(', ')} has no value in the token)`;
}
