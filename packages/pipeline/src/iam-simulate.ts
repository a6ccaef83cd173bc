/**
 * A small model of how AWS decides a request against identity policies, a permissions boundary and a resource
 * policy (same account), for the tests that prove what the pipeline's roles can and cannot do from the policies
 * the bootstrap stack synthesizes. policy/evaluator.ts decides trust policies; this decides permissions.
 *
 * It follows IAM's documented evaluation logic for the parts these policies use: Action / NotAction and Resource /
 * NotResource with `*` and `?` wildcards (actions case-insensitive), the string, ARN, Bool and Null condition
 * operators with `IfExists`, multiple values ORed and negated operators true when no value matches, a key absent
 * from the request (positive operators false, negated ones true), explicit Deny over Allow, a permissions boundary
 * that must allow too, and a resource policy that grants a principal of its own account on its own. Where this
 * model is unsure it allows more, so that a test that expects a deny cannot pass by accident of the model.
 */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

export interface IamRequest {
  /** The calling principal's ARN as `aws:PrincipalArn` reads it: a role ARN with its path, or `…:root`. */
  readonly principalArn: string;
  /** `service:Action`. */
  readonly action: string;
  readonly resource: string;
  /** Other condition keys of the request (`iam:PermissionsBoundary`, `s3:x-amz-server-side-encryption`…). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type IamDecision = 'allow' | 'implicit-deny' | 'explicit-deny';

export interface IamEvaluation {
  readonly decision: IamDecision;
  /** The statements that decided (`<policy>#<Sid or index>`). */
  readonly statements: readonly string[];
}

export interface AccessInput {
  /** The identity's policies (inline and managed), by name. */
  readonly identity: Readonly<Record<string, PolicyDocument>>;
  /** The permissions boundary of the identity, if any. */
  readonly boundary?: PolicyDocument;
  /** The resource's own policy (a bucket policy), if any. */
  readonly resourcePolicy?: PolicyDocument;
}

const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as readonly T[])] : [v as T]);

/** IAM's wildcard match: `*` any run of characters (`/` and `:` included), `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]')}$`);
  return re.test(v);
}

/** ArnLike: each of the six colon-separated parts matched on its own. */
function arnLike(pattern: string, value: string): boolean {
  const p = pattern.split(':');
  const v = value.split(':');
  if (p.length < 6 || v.length < 6) return wildcardMatch(pattern, value);
  const head = (a: string[]) => a.slice(0, 5);
  const tail = (a: string[]) => a.slice(5).join(':');
  return head(p).every((x, i) => wildcardMatch(x, head(v)[i] ?? '')) && wildcardMatch(tail(p), tail(v));
}

function actionMatches(s: PolicyStatement, action: string): boolean {
  if (s.Action !== undefined) return list(s.Action).some((a) => wildcardMatch(a, action, true));
  if (s.NotAction !== undefined) return !list(s.NotAction).some((a) => wildcardMatch(a, action, true));
  return false;
}

function resourceMatches(s: PolicyStatement, resource: string): boolean {
  if (s.Resource !== undefined) return list(s.Resource).some((r) => arnLike(r, resource));
  if (s.NotResource !== undefined) return !list(s.NotResource).some((r) => arnLike(r, resource));
  // A resource policy statement without Resource applies to the resource it is attached to.
  return true;
}

function accountOf(arn: string): string | undefined {
  return arn.split(':')[4];
}

function principalMatches(s: PolicyStatement, principalArn: string): boolean {
  const match = (p: unknown): boolean => {
    if (p === '*') return true;
    if (typeof p !== 'object' || p === null) return false;
    const aws = list((p as Record<string, unknown>)['AWS'] as string | string[] | undefined);
    return aws.some((a) => a === '*' || a === principalArn || (a.endsWith(':root') && accountOf(a) === accountOf(principalArn)));
  };
  if (s.Principal !== undefined) return match(s.Principal);
  if (s.NotPrincipal !== undefined) return !match(s.NotPrincipal);
  return true;
}

const NEGATED = new Set(['StringNotEquals', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'StringNotEqualsIgnoreCase']);

function compare(operator: string, expected: string, actual: string): boolean {
  switch (operator) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'ArnEquals':
    case 'ArnNotEquals':
      return expected === actual;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return expected.toLowerCase() === actual.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return wildcardMatch(expected, actual);
    case 'ArnLike':
    case 'ArnNotLike':
      return arnLike(expected, actual);
    case 'Bool':
      return expected.toLowerCase() === actual.toLowerCase();
    default:
      throw new Error(`condition operator ${operator} is not modelled`);
  }
}

/** Whether a statement's conditions all hold for the request. */
export function conditionsHold(condition: PolicyStatement['Condition'], request: IamRequest): boolean {
  const context: Record<string, readonly string[]> = { 'aws:PrincipalArn': [request.principalArn] };
  for (const [k, v] of Object.entries(request.context ?? {})) context[k] = list(v);
  const get = (key: string): readonly string[] | undefined => {
    const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
    return found === undefined ? undefined : context[found];
  };
  for (const [rawOperator, byKey] of Object.entries(condition ?? {})) {
    let operator = rawOperator;
    let set: 'any' | 'all' | undefined;
    if (operator.startsWith('ForAnyValue:')) [set, operator] = ['any', operator.slice('ForAnyValue:'.length)];
    else if (operator.startsWith('ForAllValues:')) [set, operator] = ['all', operator.slice('ForAllValues:'.length)];
    const ifExists = operator.endsWith('IfExists');
    if (ifExists) operator = operator.slice(0, -'IfExists'.length);
    for (const [key, values] of Object.entries(byKey)) {
      const expected = list(values as string | string[]).map(String);
      const actual = get(key);
      if (operator === 'Null') {
        const wantAbsent = expected.some((e) => e.toLowerCase() === 'true');
        if (wantAbsent !== (actual === undefined)) return false;
        continue;
      }
      if (actual === undefined) {
        if (ifExists || set === 'all') continue;
        if (NEGATED.has(operator) && set === undefined) continue;
        return false;
      }
      const negated = NEGATED.has(operator);
      const one = (a: string): boolean => {
        const hit = expected.some((e) => compare(operator, e, a));
        return negated ? !hit : hit;
      };
      const ok = set === 'all' ? actual.every(one) : actual.some(one);
      if (!ok) return false;
    }
  }
  return true;
}

function applies(s: PolicyStatement, request: IamRequest, checkPrincipal: boolean): boolean {
  return (!checkPrincipal || principalMatches(s, request.principalArn)) && actionMatches(s, request.action) && resourceMatches(s, request.resource) && conditionsHold(s.Condition, request);
}

function decide(policies: Readonly<Record<string, PolicyDocument>>, request: IamRequest, checkPrincipal = false): IamEvaluation {
  const allows: string[] = [];
  const denies: string[] = [];
  for (const [name, doc] of Object.entries(policies)) {
    list(doc.Statement).forEach((s, i) => {
      if (!applies(s, request, checkPrincipal)) return;
      (s.Effect === 'Deny' ? denies : allows).push(`${name}#${s.Sid ?? i + 1}`);
    });
  }
  if (denies.length > 0) return { decision: 'explicit-deny', statements: denies };
  if (allows.length > 0) return { decision: 'allow', statements: allows };
  return { decision: 'implicit-deny', statements: [] };
}

/** What identity policies alone decide. */
export function evaluateIdentityPolicies(policies: Readonly<Record<string, PolicyDocument>>, request: IamRequest): IamEvaluation {
  return decide(policies, request);
}

/**
 * The decision for a principal of the same account as the resource: denied by any explicit Deny (identity,
 * boundary or resource policy); else allowed when the identity policies or the resource policy allow it, and the
 * boundary (when there is one) allows it too.
 */
export function evaluateAccess(input: AccessInput, request: IamRequest): IamEvaluation {
  const identity = decide(input.identity, request);
  const boundary = input.boundary ? decide({ boundary: input.boundary }, request) : undefined;
  const resource = input.resourcePolicy ? decide({ resource: input.resourcePolicy }, request, true) : undefined;
  const denies = [identity, boundary, resource].filter((e): e is IamEvaluation => e?.decision === 'explicit-deny');
  if (denies.length > 0) return { decision: 'explicit-deny', statements: denies.flatMap((d) => d.statements) };
  const granted = identity.decision === 'allow' || resource?.decision === 'allow';
  if (!granted) return { decision: 'implicit-deny', statements: [] };
  if (boundary && boundary.decision !== 'allow' && identity.decision === 'allow' && resource?.decision !== 'allow') return { decision: 'implicit-deny', statements: [] };
  return { decision: 'allow', statements: [...(identity.decision === 'allow' ? identity.statements : []), ...(resource?.decision === 'allow' ? resource.statements : [])] };
}
