/**
 * The parts of the IAM policy grammar that synth's permission analysis does not read, for `keyless check`:
 * condition operators (IAM refuses an unknown one only at apply: "MalformedPolicyDocument: Condition operator
 * StringEqual is invalid"), the shape of a condition block, and the 2008-10-17 policy version, under which policy
 * variables such as `${aws:username}` are literal text. Effect, Action/NotAction, Resource/NotResource, Principal
 * and the version's value are checked by @keyless/policy's permission analysis at synth; this adds nothing there.
 */
import { didYouMean } from '@keyless/policy';

/** IAM's condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators"). */
export const CONDITION_OPERATORS: readonly string[] = [
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
];

const SET_PREFIXES = ['ForAllValues:', 'ForAnyValue:'];

export interface GrammarProblem {
  /** Relative to the policy document: `['Statement', 0, 'Condition', 'StringEqual']`. */
  readonly path: readonly (string | number)[];
  readonly value: unknown;
  readonly rule: string;
  readonly severity: 'error' | 'warning';
}

/** Every spelling IAM accepts: each operator, with IfExists (not Null) and the set prefixes. */
function acceptedOperators(): string[] {
  const bases = [...CONDITION_OPERATORS, ...CONDITION_OPERATORS.filter((o) => o !== 'Null').map((o) => `${o}IfExists`)];
  return [...bases, ...SET_PREFIXES.flatMap((p) => bases.map((b) => `${p}${b}`))];
}

const ACCEPTED = new Set(acceptedOperators());

/** The rule a condition operator breaks, or undefined when IAM knows it. */
export function checkConditionOperator(operator: string): string | undefined {
  if (ACCEPTED.has(operator)) return undefined;
  const hint = didYouMean(operator, ACCEPTED);
  return `not an IAM condition operator${hint ? `; ${hint}` : ' (StringEquals, StringLike, ArnLike, Bool, NumericLessThan, …; optionally ForAllValues: or ForAnyValue: before, IfExists after)'}`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const CONDITION_VALUE = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** The grammar problems of one inline policy document, as written in the config. */
export function policyGrammarProblems(document: unknown): GrammarProblem[] {
  const problems: GrammarProblem[] = [];
  if (!isMapping(document)) return problems; // synth reports a document that is not a mapping
  if (document['Version'] === '2008-10-17')
    problems.push({
      path: ['Version'],
      value: '2008-10-17',
      rule: 'the old policy language: policy variables such as ${aws:username} are literal text under it, and some features are missing; use "2012-10-17" (or leave Version out: keyless writes 2012-10-17)',
      severity: 'warning',
    });
  const raw = document['Statement'];
  const statements: [(string | number)[], unknown][] = Array.isArray(raw) ? raw.map((s, i) => [['Statement', i], s]) : [[['Statement'], raw]];
  for (const [at, statement] of statements) {
    if (!isMapping(statement)) continue;
    const condition = statement['Condition'];
    if (!isMapping(condition)) continue; // synth reports a Condition that is not a mapping
    for (const [operator, block] of Object.entries(condition)) {
      const where = [...at, 'Condition', operator];
      const rule = checkConditionOperator(operator);
      if (rule) problems.push({ path: where, value: operator, rule, severity: 'error' });
      if (!isMapping(block) || Object.keys(block).length === 0) {
        problems.push({ path: where, value: block, rule: 'a condition operator takes a mapping of condition keys to a value or a list of values, such as aws:SourceVpc: vpc-1a2b3c4d', severity: 'error' });
        continue;
      }
      for (const [key, value] of Object.entries(block)) {
        if (!/^[A-Za-z0-9-]+:[^\s]+$/.test(key))
          problems.push({ path: [...where, key], value: key, rule: 'a condition key is service:name, such as aws:SourceIp or s3:prefix', severity: 'error' });
        const values = Array.isArray(value) ? value : [value];
        if (values.length === 0 || !values.every(CONDITION_VALUE))
          problems.push({ path: [...where, key], value, rule: 'a condition value is a string, number or boolean, or a non-empty list of them', severity: 'error' });
      }
    }
  }
  return problems;
}
