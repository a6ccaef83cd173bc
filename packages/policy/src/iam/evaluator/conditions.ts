/**
 * The Condition element: the string operators, Null, `IfExists` and the set operators, and the sentence for
 * every key that does not hold. A GitHub claim of the token's issuer is named by its claim (`repository_id
 * 999 is not 456789`); any other key by the full key, with JSON-quoted values.
 */
import { missingKeyDetail, plainValue, shortClaimName } from './github-claims.js';
import { type GlobToken, globMatch, tokensText } from './glob.js';
import { type Problem, type Scope, isRecord, quoteList } from './types.js';
import { resolveVariables, unresolvedVariablesNote } from './variables.js';

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

type StringOperator = ParsedOperator & { readonly base: BaseOperator };

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
export function conditionProblems(condition: unknown, scope: Scope): Problem[] {
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
          ? nullProblem(operatorName, key, policyValues, scope)
          : stringProblem(operator as StringOperator, key, policyValues, scope);
      if (problem) problems.push(problem);
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

/** How a key and its values read in a sentence: the claim and bare values for a GitHub claim, else as written. */
interface Naming {
  readonly name: string;
  readonly claim: string | undefined;
  readonly value: (value: string) => string;
  readonly list: (values: readonly string[]) => string;
}

function namingOf(key: string, scope: Scope): Naming {
  const claim = shortClaimName(key, scope.providerId);
  const value = claim === undefined ? (v: string) => JSON.stringify(v) : plainValue;
  return { name: claim ?? key, claim, value, list: (values) => values.map(value).join(', ') };
}

function failed(text: string, operator: string, key: string, naming: Naming, expected: readonly string[], actual: readonly string[]): Problem {
  return {
    text,
    unevaluable: false,
    failure: { operator, key, ...(naming.claim !== undefined ? { claim: naming.claim } : {}), expected, actual },
  };
}

function nullProblem(operator: string, key: string, policyValues: readonly string[], scope: Scope): Problem | undefined {
  const values = scope.context.get(key.toLowerCase());
  const present = values !== undefined;
  // Null: "true" holds when the key is absent, "false" when present; several values are ORed.
  const holds = policyValues.some((v) => (v.toLowerCase() === 'true' ? !present : v.toLowerCase() === 'false' && present));
  if (holds) return undefined;
  const naming = namingOf(key, scope);
  const text = present
    ? `${naming.name} is present in the token, but Null ${quoteList(policyValues)} requires it absent`
    : `${naming.name} is absent from the token, but Null ${quoteList(policyValues)} requires it present`;
  return failed(text, operator, key, naming, policyValues, values ?? []);
}

function absentText(operator: StringOperator, key: string, naming: Naming, scope: Scope): string {
  const detail = missingKeyDetail(key, scope.claims, scope.providerId);
  const tail = naming.claim !== undefined && operator.name === 'StringEquals' ? '' : `, so ${operator.name} cannot match`;
  if (detail !== undefined) return `${detail}${tail}`;
  return `${naming.name} is absent from the token${tail}`;
}

function stringProblem(operator: StringOperator, key: string, policyValues: readonly string[], scope: Scope): Problem | undefined {
  const naming = namingOf(key, scope);
  const suffix = operator.name === 'StringEquals' ? '' : ` (${operator.name})`;
  const contextValues = scope.context.get(key.toLowerCase());
  const negated = isNegated(operator.base);

  if (contextValues === undefined) {
    // IfExists and ForAllValues hold on an absent key; so does a negated operator without a set operator.
    if (operator.ifExists || operator.set === 'ForAllValues') return undefined;
    if (operator.set === undefined && negated) return undefined;
    return failed(absentText(operator, key, naming, scope), operator.name, key, naming, policyValues, []);
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
  const subject = shown.length === 1 ? `${naming.name} ${naming.value(shown[0] as string)}` : `${naming.name} values ${naming.list(shown)}`;
  if (negated) {
    const excluded = [...new Set(shown.flatMap(matching))];
    const verb = operator.base === 'StringNotLike' ? 'matches excluded pattern' : 'is excluded value';
    return failed(`${subject} ${verb} ${naming.list(excluded)}${suffix}`, operator.name, key, naming, policyValues, contextValues);
  }
  const one = policyValues.length === 1;
  const accepted = naming.list(policyValues);
  const failure =
    operator.base === 'StringLike'
      ? one ? `does not match ${accepted}` : `matches none of ${accepted}`
      : `${one ? 'is not' : 'is not one of'} ${accepted}${operator.base === 'StringEqualsIgnoreCase' ? ', even ignoring case' : ''}`;
  return failed(`${subject} ${failure}${suffix}${unresolvedNote}`, operator.name, key, naming, policyValues, contextValues);
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
