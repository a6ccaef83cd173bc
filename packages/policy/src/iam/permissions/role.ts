/**
 * The permission checks of one role, from its managed policy ARNs and inline policy documents: an AWS managed
 * policy must exist (with a suggestion when it does not), administrator-equivalent permissions need the opt-in,
 * and a `readOnly` role may hold only List and Read actions. Pure apart from reading the two datasets (see
 * actions.ts and managed.ts); problems carry paths relative to the role entry, so the caller names the entry.
 */
import { ACCESS_LEVELS, iamDataVersion } from './actions.js';
import type { AccessLevel, ActionInfo } from './actions.js';
import { analyzePolicy, describeActions } from './analyze.js';
import type { PolicyAnalysis } from './analyze.js';
import { awsManagedPolicy, managedPolicyDataVersion, parsePolicyArn, suggestAwsManagedPolicies } from './managed.js';

export interface RolePermissionsInput {
  /** The role's managed policy ARNs, each with its index in the config list. */
  readonly managedPolicyArns: readonly { readonly arn: string; readonly index: number }[];
  /** The role's inline policies: name, document as written, and canonical JSON (the cache key). */
  readonly inlinePolicies: readonly { readonly name: string; readonly document: unknown; readonly json: string }[];
  readonly readOnly: boolean;
  readonly allowAdministratorAccess: boolean;
  /** The role's own ARN, when known: an escalation action on it (or on its own policies) is administrator-equivalent. */
  readonly roleArn?: string;
  /** The environment's AWS partition (undefined when it is not a valid one: ARNs are then not compared) and account. */
  readonly partition: string | undefined;
  readonly accountId: string;
}

export interface RolePermissionProblem {
  /** Relative to the role entry: `['managedPolicyArns', 0]`, `['inlinePolicies', 'ci', 'Statement', 1, 'Action', 0]`. */
  readonly path: readonly (string | number)[];
  readonly value: unknown;
  readonly rule: string;
}

export interface RolePermissions {
  readonly problems: readonly RolePermissionProblem[];
  /** Set when the role is administrator-equivalent (opted in or not): the risk's detail. */
  readonly administrator?: string;
}

interface Source {
  /** Path of the policy in the role entry. */
  readonly path: readonly (string | number)[];
  /** How the risk detail names the policy. */
  readonly label: string;
  readonly value: string;
  readonly analysis: PolicyAnalysis;
  readonly managed: boolean;
}

const ADMIN_OPT_IN = 'this needs dangerouslyAllowAdministratorAccess: true; prefer a narrower policy';

function readOnlyRule(): string {
  return `a readOnly role may hold only List and Read actions (AWS access levels, ${iamDataVersion()})`;
}

type ManagedSource =
  | { readonly kind: 'aws'; readonly analysis: PolicyAnalysis }
  | { readonly kind: 'customer' }
  | { readonly kind: 'problem'; readonly rule: string }
  | undefined;

const sourceCaches = new Map<string, Map<string, ManagedSource>>();

/**
 * What a managed policy ARN points at: an AWS managed policy with its analysis, a customer managed policy of
 * the account, or the rule it breaks; undefined when it is not a policy ARN at all. Cached: ten thousand roles
 * attaching the same policy look it up once.
 */
export function managedPolicySource(arn: string, partition: string | undefined, accountId: string): ManagedSource {
  const scope = `${partition ?? ''}:${accountId}`;
  let cache = sourceCaches.get(scope);
  if (!cache) sourceCaches.set(scope, (cache = new Map()));
  if (cache.has(arn)) return cache.get(arn);
  const source = lookupSource(arn, partition, accountId);
  cache.set(arn, source);
  return source;
}

function lookupSource(arn: string, partition: string | undefined, accountId: string): ManagedSource {
  const parsed = parsePolicyArn(arn);
  if (!parsed) return undefined; // the ARN's shape is checked, and reported, by the caller
  if (partition !== undefined && parsed.partition !== partition)
    return { kind: 'problem', rule: `the role is in the ${partition} partition, and so are the policies it can attach: arn:${partition}:iam::…` };
  if (parsed.account !== 'aws') {
    if (/^[0-9]{12}$/.test(accountId) && parsed.account !== accountId) return { kind: 'problem', rule: `a customer managed policy attaches only to roles of its own account, ${accountId}` };
    return { kind: 'customer' };
  }
  const policy = awsManagedPolicy(parsed.name);
  if (!policy || policy.path !== parsed.path) return { kind: 'problem', rule: unknownManagedPolicy(parsed.name, parsed.path, parsed.partition) };
  return { kind: 'aws', analysis: analyzePolicy(policy.document, `aws-managed:${policy.name}`) };
}

const NOTHING: RolePermissions = { problems: [] };

/** Checks the permissions of one role. */
export function checkRolePermissions(input: RolePermissionsInput): RolePermissions {
  if (input.managedPolicyArns.length === 0 && input.inlinePolicies.length === 0) return NOTHING;
  const problems: RolePermissionProblem[] = [];
  const sources: Source[] = [];

  for (const { arn, index } of input.managedPolicyArns) {
    const path = ['managedPolicyArns', index];
    const source = managedPolicySource(arn, input.partition, input.accountId);
    if (!source) continue;
    if (source.kind === 'problem') problems.push({ path, value: arn, rule: source.rule });
    else if (source.kind === 'customer') {
      if (input.readOnly)
        problems.push({ path, value: arn, rule: `${readOnlyRule()}, and keyless cannot read a customer managed policy offline to show that it does; give a readOnly role an inline policy or AWS managed read-only policies, which keyless checks` });
    } else sources.push({ path, label: arn, value: arn, analysis: source.analysis, managed: true });
  }

  for (const inline of input.inlinePolicies) {
    const path = ['inlinePolicies', inline.name];
    const analysis = analyzePolicy(inline.document, inline.json);
    for (const q of analysis.problems) problems.push({ path: [...path, ...q.path], value: q.value, rule: q.rule });
    if (analysis.problems.length === 0) sources.push({ path, label: `inline policy ${inline.name}`, value: inline.name, analysis, managed: false });
  }

  // Most roles: nothing administrator-like and not readOnly.
  if (!input.readOnly && sources.every((s) => s.analysis.admin.length === 0 && !s.analysis.hasSelfCandidates))
    return problems.length > 0 ? { problems } : NOTHING;

  // Administrator-equivalent: one problem per AWS managed policy or per inline action entry; with the opt-in, one risk.
  let self: string[] | undefined;
  const selfArns = (): string[] =>
    (self ??= input.roleArn === undefined ? [] : [input.roleArn, ...input.managedPolicyArns.map((m) => m.arn).filter((arn) => parsePolicyArn(arn)?.account === input.accountId)]);
  const adminOf = new Map(sources.map((s) => [s, s.analysis.hasSelfCandidates ? [...s.analysis.admin, ...s.analysis.selfFindings(selfArns())] : s.analysis.admin]));
  const findings = sources.flatMap((s) => (adminOf.get(s) ?? []).map((f) => ({ s, f })));
  let administrator: string | undefined;
  const first = findings[0];
  if (first !== undefined) {
    administrator = findings.some(({ f }) => f.full)
      ? 'the role has full administrator access'
      : `the role is administrator-equivalent: ${first.s.label} ${first.f.reason}${findings.length > 1 ? ` (and ${findings.length - 1} more)` : ''}`;
    if (!input.allowAdministratorAccess) {
      for (const s of sources) {
        const all = adminOf.get(s) ?? [];
        const [head, ...rest] = all;
        if (!head) continue;
        if (s.managed) {
          problems.push({ path: s.path, value: s.value, rule: `administrator-equivalent: it ${head.reason}${rest.length > 0 ? ` (and ${rest.length} more)` : ''}; ${ADMIN_OPT_IN}` });
        } else {
          for (const f of all) problems.push({ path: [...s.path, ...f.path], value: f.value, rule: `administrator-equivalent: it ${f.reason}; ${ADMIN_OPT_IN}` });
        }
      }
    }
  }

  if (input.readOnly) {
    for (const s of sources) {
      const { writes, unknown } = s.analysis;
      if (s.managed) {
        const rule = managedReadOnlyRule(s.analysis);
        if (rule !== undefined) problems.push({ path: s.path, value: s.value, rule });
      } else {
        for (const w of writes) {
          const what = w.everything ? (w.pattern === 'NotAction' ? 'every action except those in NotAction' : 'every action') : `${describeActions(w.actions)} beyond List and Read`;
          problems.push({ path: [...s.path, ...w.path], value: w.pattern, rule: `it allows ${what}; ${readOnlyRule()}` });
        }
        for (const u of unknown)
          problems.push({ path: [...s.path, ...u.path], value: u.pattern, rule: `no action of ${iamDataVersion()} matches it, so keyless cannot show that it only reads; check the spelling (a readOnly role may hold only List and Read actions)` });
      }
    }
  }

  return { problems, ...(administrator !== undefined ? { administrator } : {}) };
}

const managedReadOnlyRules = new WeakMap<PolicyAnalysis, string | null>();

/** Why an AWS managed policy cannot be held by a readOnly role, or undefined; once per policy. */
function managedReadOnlyRule(analysis: PolicyAnalysis): string | undefined {
  let rule = managedReadOnlyRules.get(analysis);
  if (rule === undefined) {
    const everything = analysis.writes.some((w) => w.everything);
    const actions = uniqueActions(analysis.writes.flatMap((w) => w.actions));
    const unknownPatterns = [...new Set(analysis.unknown.map((u) => u.pattern))].sort();
    const parts = [
      ...(everything ? ['every action'] : actions.length > 0 ? [`${describeActions(actions)} beyond List and Read`] : []),
      ...(unknownPatterns.length > 0 ? [`${describe(unknownPatterns)}, which no action of the dataset matches`] : []),
    ];
    rule = parts.length > 0 ? `it allows ${parts.join(', and ')}; ${readOnlyRule()}` : null;
    managedReadOnlyRules.set(analysis, rule);
  }
  return rule ?? undefined;
}

function describe(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max);
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ');
}

function uniqueActions(actions: readonly ActionInfo[]): ActionInfo[] {
  return [...new Map(actions.map((a) => [a.action, a])).values()];
}

const levelCache = new Map<string, Readonly<Record<AccessLevel, number>> | 'all'>();

/**
 * Distinct actions per access level over a role's AWS managed and inline policies, or `all` when one of them
 * allows every action. Customer managed policies cannot be read offline and are not counted. For reports;
 * cached per combination of policies.
 */
export function roleAccessLevels(managedPolicyArns: readonly string[], inlinePolicies: readonly { readonly json: string }[], partition: string | undefined, accountId: string): Readonly<Record<AccessLevel, number>> | 'all' {
  const key = JSON.stringify([partition, accountId, [...managedPolicyArns].sort(), inlinePolicies.map((p) => p.json).sort()]);
  const cached = levelCache.get(key);
  if (cached) return cached;
  const analyses: PolicyAnalysis[] = [];
  for (const arn of managedPolicyArns) {
    const source = managedPolicySource(arn, partition, accountId);
    if (source?.kind === 'aws') analyses.push(source.analysis);
  }
  for (const p of inlinePolicies) analyses.push(analyzePolicy(JSON.parse(p.json) as unknown, p.json));
  let result: Readonly<Record<AccessLevel, number>> | 'all';
  if (analyses.some((a) => a.everything)) result = 'all';
  else if (analyses.length === 1 && analyses[0] !== undefined) result = analyses[0].levels;
  else {
    const seen = new Map<string, AccessLevel>();
    for (const a of analyses) for (const [action, level] of a.allowed) seen.set(action, level);
    const levels = Object.fromEntries(ACCESS_LEVELS.map((l) => [l, 0])) as Record<AccessLevel, number>;
    for (const level of seen.values()) levels[level]++;
    result = levels;
  }
  levelCache.set(key, result);
  return result;
}

function unknownManagedPolicy(name: string, path: string, partition: string): string {
  const suggestions = suggestAwsManagedPolicies(name);
  const arn = (p: { path: string; name: string }) => `arn:${partition}:iam::aws:policy${p.path}${p.name}`;
  const samePath = suggestions.find((p) => p.name === name);
  if (samePath) return `the AWS managed policy ${name} has the path ${samePath.path}, not ${path}: did you mean ${arn(samePath)}?`;
  const note = partition === 'aws' ? '' : ' (which lists the policies of the aws partition)';
  return `no AWS managed policy has this name in ${managedPolicyDataVersion()}${note}${suggestions.length > 0 ? `; did you mean ${suggestions.map(arn).join(' or ')}?` : '; check the name in the IAM console'}`;
}

/**
 * The rule a policy ARN (managed policy or permissions boundary) breaks by what it points at, or undefined: the
 * role's partition, the role's own account for a customer managed policy, and an AWS managed policy that exists.
 */
export function checkPolicyArnTarget(arn: string, partition: string | undefined, accountId: string): string | undefined {
  const source = managedPolicySource(arn, partition, accountId);
  return source?.kind === 'problem' ? source.rule : undefined;
}
