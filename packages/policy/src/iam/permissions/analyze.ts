/**
 * What an identity policy document allows, read from its Allow statements with the IAM action dataset:
 * whether it is administrator-equivalent, which actions it allows beyond List and Read, and whether it is well
 * formed. The analysis is an upper bound: Deny statements only narrow what a policy allows and conditions only
 * narrow when it applies, so keyless counts every Allow as if its condition held and never credits a Deny.
 *
 * Administrator-equivalent, each a finding with the statement it comes from:
 * - `Action: "*"` (or `*:*`), whatever the resource: every action of every service;
 * - any `NotAction` in an Allow: every action but a few, including every service AWS adds later;
 * - a privilege-escalation action on every resource (`Resource: "*"`, `NotResource`, or a pattern that covers
 *   a whole resource type such as `arn:aws:iam::*:role/*`). Escalation actions are, from the dataset's access
 *   levels: every IAM action that is not List or Read (`iam:PassRole`, `iam:CreateAccessKey`,
 *   `iam:AttachRolePolicy`, `iam:PutRolePolicy`, `iam:CreatePolicyVersion`, `iam:UpdateAssumeRolePolicy`, …, so
 *   IAM actions AWS adds later are covered), an IAM action the dataset does not know yet, and the Permissions
 *   management actions of the services that hand out permissions across accounts (ESCALATION_SERVICES: IAM
 *   Identity Center permission sets, Organizations policies); plus the short explicit ESCALATION_ACTIONS.
 *   Permissions management actions of other services (bucket, key or function policies) stay what they are:
 *   writes that a readOnly role may not hold, reported, but not administrator access.
 */
import { ACTION_PATTERN, READ_ONLY_LEVELS, expandActionPattern } from './actions.js';
import type { AccessLevel, ActionInfo } from './actions.js';

/**
 * Actions the dataset rates Write that hand out the credentials of another identity, so that on every resource
 * they are a way to any role that trusts the account. Kept explicit because the dataset cannot tell them from
 * harmless Write actions of the same service (`sts:DecodeAuthorizationMessage`, `sts:SetSourceIdentity`).
 */
export const ESCALATION_ACTIONS: ReadonlySet<string> = new Set([
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:assumeroot',
]);

/** A path inside the policy document: `['Statement', 0, 'Action', 1]`. */
export type DocumentPath = readonly (string | number)[];

export interface PolicyProblem {
  readonly path: DocumentPath;
  readonly value: unknown;
  readonly rule: string;
}

export interface AdminFinding {
  readonly path: DocumentPath;
  /** The action pattern it comes from, or `NotAction`. */
  readonly value: string;
  /** What makes it administrator-equivalent, as a phrase: `allows every action (Action "*")`. */
  readonly reason: string;
  /** Every action on every resource: AdministratorAccess itself. */
  readonly full: boolean;
}

export interface WriteFinding {
  readonly path: DocumentPath;
  /** The pattern as written, or `NotAction` / `*`. */
  readonly pattern: string;
  /** The actions beyond List and Read it allows; empty when it allows every action (`*`, NotAction). */
  readonly actions: readonly ActionInfo[];
  readonly everything: boolean;
}

export interface UnknownActionFinding {
  readonly path: DocumentPath;
  readonly pattern: string;
}


const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function own(record: Record<string, unknown>, key: string): unknown {
  return  Object.hasOwn(record, key) ? record[key] : undefined;
}

function has(record: Record<string, unknown>, key: string): boolean {
  return  Object.hasOwn(record, key);
}

/**
 * Does this Resource value cover every resource of its kind? `*`; an ARN whose service is a wildcard; an ARN
 * whose resource part starts with a wildcard (`arn:aws:s3:::*`, `arn:aws:iam::123456789012:*`); or an IAM ARN
 * whose resource name starts with one (`arn:aws:iam::*:role/*`, `…:user*`). A pattern narrowed by a path or a name
 * prefix (`arn:aws:iam::123456789012:role/deploy-*`) is not.
 */
export function isBroadResource(resource: string): boolean {
  if (/^[*?]/.test(resource)) return true;
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return /[*?]/.test(resource);
  const [, partition = '', service = '', , , ...rest] = parts;
  if (/[*?]/.test(service) || /[*?]/.test(partition.slice(0, 1))) return true;
  const res = rest.join(':');
  if (/^[*?]/.test(res)) return true;
  if (service === 'iam') {
    // role/NAME, user/NAME, policy/PATH/NAME, …: a wildcard in the type or right after it covers them all.
    const m = /^([A-Za-z-]*)([*?]|[/:][*?])/.exec(res);
    if (m) return true;
  }
  return false;
}

/**
 * Services whose Permissions management actions give identities permissions beyond the account's IAM: IAM
 * Identity Center (`sso:AttachManagedPolicyToPermissionSet`, `sso:PutInlinePolicyToPermissionSet`, …) and
 * Organizations (`organizations:AttachPolicy`, `organizations:DetachPolicy`, … on service control policies).
 */
export const ESCALATION_SERVICES: ReadonlySet<string> = new Set(['sso', 'organizations']);

/** Is this action a way to more permissions when allowed on every resource? */
export function isEscalationAction(info: ActionInfo): boolean {
  if (info.service === 'iam') return !READ_ONLY_LEVELS.has(info.level);
  if (info.level === 'Permissions management' && ESCALATION_SERVICES.has(info.service)) return true;
  return ESCALATION_ACTIONS.has(info.action.toLowerCase());
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

const emptyLevels = (): Record<AccessLevel, number> => ({ List: 0, Read: 0, Write: 0, 'Permissions management': 0, Tagging: 0 });

/** The services an administrator check reads: IAM, STS and ESCALATION_SERVICES. */
const ADMIN_SERVICES: ReadonlySet<string> = new Set(['iam', 'sts', ...ESCALATION_SERVICES]);

/** An Allow statement that is well formed, ready for analysis. */
interface AllowStatement {
  readonly at: DocumentPath;
  readonly notAction: boolean;
  /** Action patterns with their paths (empty for NotAction). */
  readonly actions: readonly { readonly pattern: string; readonly path: DocumentPath }[];
  readonly notResource: boolean;
  readonly resources: readonly string[];
}

/**
 * The analysis of one policy document. Well-formedness and the administrator check are computed at once and
 * read only the IAM, STS, Identity Center and Organizations action data; what the policy allows beyond List and
 * Read (`writes`, `unknown`, `levels`) is computed on first use, because it reads every service the policy names.
 */
export class PolicyAnalysis {
  /** Malformed parts; a malformed statement is not analysed further. */
  readonly problems: readonly PolicyProblem[];
  /** Whether an Allow allows every action (`*`, `*:*` or NotAction). */
  readonly everything: boolean;
  readonly admin: readonly AdminFinding[];
  private readonly statements: readonly AllowStatement[];
  private full?: { writes: WriteFinding[]; unknown: UnknownActionFinding[]; allowed: Map<string, AccessLevel>; levels: Record<AccessLevel, number> };

  constructor(document: unknown) {
    const { problems, statements } = parseDocument(document);
    this.problems = problems;
    this.statements = statements;
    this.everything = statements.some((s) => s.notAction || s.actions.some((a) => isEverything(a.pattern)));
    this.admin = adminFindings(statements);
  }

  /**
   * IAM Permissions management actions on resources that are not every resource but match one of `self`: the
   * role's own ARN or the ARNs of its own customer managed policies. A role that may change its own permissions
   * (`iam:PutRolePolicy` on `arn:aws:iam::111111111111:role/github-actions/*`, which holds the role itself) can
   * give itself any permission.
   */
  selfFindings(self: readonly string[]): AdminFinding[] {
    const found: AdminFinding[] = [];
    for (const candidate of this.selfCandidates()) {
      const hits = candidate.resources.filter((r) => self.some((arn) => arnGlob(r).test(arn)));
      if (hits.length === 0) continue;
      for (const { path, value, escalating } of candidate.actions)
        found.push({ path, value, reason: `allows ${describeActions(escalating)} on ${hits.join(', ')}, which holds this role or its own policies, so it can give itself any permission`, full: false });
    }
    return found;
  }

  /** Whether the document has statements selfFindings must match against the role's own ARNs. */
  get hasSelfCandidates(): boolean {
    return this.selfCandidates().length > 0;
  }

  private candidates?: { resources: readonly string[]; actions: { path: DocumentPath; value: string; escalating: ActionInfo[] }[] }[];

  /** The statements selfFindings looks at, found once per document: most documents have none. */
  private selfCandidates(): NonNullable<PolicyAnalysis['candidates']> {
    if (this.candidates) return this.candidates;
    this.candidates = [];
    for (const st of this.statements) {
      if (st.notAction || st.notResource || st.resources.some(isBroadResource)) continue; // already in admin
      // Creating, deleting or passing itself gives the role nothing new; changing what it may do does.
      const actions = st.actions
        .filter(({ pattern }) => !isEverything(pattern))
        .map(({ pattern, path }) => ({ path, value: pattern, escalating: expandActionPattern(pattern, ADMIN_SERVICES).actions.filter((a) => a.service === 'iam' && a.level === 'Permissions management') }))
        .filter((a) => a.escalating.length > 0);
      if (actions.length > 0) this.candidates.push({ resources: st.resources, actions });
    }
    return this.candidates;
  }

  /** Allowed actions beyond List and Read (what a readOnly role may not hold). */
  get writes(): readonly WriteFinding[] {
    return this.expand().writes;
  }

  /** Allowed action patterns that match no action the dataset knows. */
  get unknown(): readonly UnknownActionFinding[] {
    return this.expand().unknown;
  }

  /** Every known action the policy allows, with its level. */
  get allowed(): ReadonlyMap<string, AccessLevel> {
    return this.expand().allowed;
  }

  /** How many distinct known actions the policy allows per access level (not counting `everything`). */
  get levels(): Readonly<Record<AccessLevel, number>> {
    return this.expand().levels;
  }

  private expand(): NonNullable<PolicyAnalysis['full']> {
    if (this.full) return this.full;
    const writes: WriteFinding[] = [];
    const unknown: UnknownActionFinding[] = [];
    const allowed = new Map<string, AccessLevel>();
    for (const st of this.statements) {
      if (st.notAction) {
        writes.push({ path: [...st.at, 'NotAction'], pattern: 'NotAction', actions: [], everything: true });
        continue;
      }
      for (const { pattern, path } of st.actions) {
        const expanded = expandActionPattern(pattern);
        if (expanded.everything) {
          writes.push({ path, pattern, actions: [], everything: true });
          continue;
        }
        if (expanded.unknown) unknown.push({ path, pattern });
        const beyondRead = expanded.actions.filter((a) => !READ_ONLY_LEVELS.has(a.level));
        if (beyondRead.length > 0) writes.push({ path, pattern, actions: beyondRead, everything: false });
        for (const a of expanded.actions) allowed.set(a.action, a.level);
      }
    }
    const levels = emptyLevels();
    for (const level of allowed.values()) levels[level]++;
    this.full = { writes, unknown, allowed, levels };
    return this.full;
  }
}

const arnGlobs = new Map<string, RegExp>();

/** A Resource pattern as IAM matches it against an ARN: `*` any run, `?` one character, case-sensitive. */
function arnGlob(pattern: string): RegExp {
  let re = arnGlobs.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\/-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
    arnGlobs.set(pattern, re);
  }
  return re;
}

function isEverything(pattern: string): boolean {
  return /^\*+$/.test(pattern) || /^\*+:\*+$/.test(pattern);
}

const cache = new Map<string, PolicyAnalysis>();

/**
 * Analyses an identity policy document. `cacheKey` (such as the canonical JSON) lets repeated documents be
 * analysed once.
 */
export function analyzePolicy(document: unknown, cacheKey?: string): PolicyAnalysis {
  if (cacheKey !== undefined) {
    const hit = cache.get(cacheKey);
    if (hit) return hit;
  }
  const result = new PolicyAnalysis(document);
  if (cacheKey !== undefined) cache.set(cacheKey, result);
  return result;
}

function parseDocument(document: unknown): { problems: PolicyProblem[]; statements: AllowStatement[] } {
  const problems: PolicyProblem[] = [];
  const statements: AllowStatement[] = [];
  if (!isRecord(document)) {
    problems.push({ path: [], value: document, rule: 'a policy document is a mapping with Statement' });
    return { problems, statements };
  }
  const version = own(document, 'Version');
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17')
    problems.push({ path: ['Version'], value: version, rule: 'the policy language version is "2012-10-17"' });
  const raw = own(document, 'Statement');
  const list: [DocumentPath, unknown][] = Array.isArray(raw)
    ? raw.map((s, i): [DocumentPath, unknown] => [['Statement', i], s])
    : raw === undefined ? [] : [[['Statement'], raw]];
  if (list.length === 0) problems.push({ path: ['Statement'], value: raw, rule: 'a policy needs at least one statement' });

  for (const [at, st] of list) {
    const before = problems.length;
    if (!isRecord(st)) {
      problems.push({ path: at, value: st, rule: 'a statement is a mapping with Effect, Action or NotAction, and Resource or NotResource' });
      continue;
    }
    for (const key of Object.keys(st).sort()) {
      if (STATEMENT_KEYS.has(key)) continue;
      const why = key === 'Principal' || key === 'NotPrincipal'
        ? 'a policy attached to a role has no Principal; the role itself is the principal'
        : 'a statement has only Sid, Effect, Action or NotAction, Resource or NotResource, and Condition';
      problems.push({ path: [...at, key], value: key, rule: why });
    }
    const effect = own(st, 'Effect');
    if (effect !== 'Allow' && effect !== 'Deny')
      problems.push({ path: [...at, 'Effect'], value: effect, rule: 'Effect is exactly "Allow" or "Deny"' });
    const sid = own(st, 'Sid');
    if (sid !== undefined && typeof sid !== 'string') problems.push({ path: [...at, 'Sid'], value: sid, rule: 'a Sid is a string' });
    const actionKey = has(st, 'Action') ? 'Action' : has(st, 'NotAction') ? 'NotAction' : undefined;
    if (has(st, 'Action') && has(st, 'NotAction'))
      problems.push({ path: at, value: st, rule: 'a statement has Action or NotAction, not both' });
    else if (actionKey === undefined)
      problems.push({ path: at, value: st, rule: 'a statement needs Action (or NotAction): the actions it allows or denies' });
    const resourceKey = has(st, 'Resource') ? 'Resource' : has(st, 'NotResource') ? 'NotResource' : undefined;
    if (has(st, 'Resource') && has(st, 'NotResource'))
      problems.push({ path: at, value: st, rule: 'a statement has Resource or NotResource, not both' });
    else if (resourceKey === undefined)
      problems.push({ path: at, value: st, rule: 'a statement needs Resource (or NotResource): the resources it applies to, "*" for all' });
    const condition = own(st, 'Condition');
    if (condition !== undefined && !isRecord(condition))
      problems.push({ path: [...at, 'Condition'], value: condition, rule: 'a Condition is a mapping of operators to keys and values' });

    const actionValue = actionKey ? own(st, actionKey) : undefined;
    const actions = actionKey ? stringList(actionValue) : undefined;
    if (actionKey && !actions)
      problems.push({ path: [...at, actionKey], value: actionValue, rule: `${actionKey} is an action pattern or a non-empty list of them` });
    const actionPath = (i: number): DocumentPath => (typeof actionValue === 'string' ? [...at, actionKey as string] : [...at, actionKey as string, i]);
    actions?.forEach((a, i) => {
      if (!ACTION_PATTERN.test(a))
        problems.push({ path: actionPath(i), value: a, rule: 'an action is "*" or service:Action, such as s3:GetObject or s3:Get*' });
    });
    const resourceValue = resourceKey ? own(st, resourceKey) : undefined;
    const resources = resourceKey ? stringList(resourceValue) : undefined;
    if (resourceKey && !resources)
      problems.push({ path: [...at, resourceKey], value: resourceValue, rule: `${resourceKey} is a resource ARN (or "*") or a non-empty list of them` });
    if (problems.length > before || effect !== 'Allow' || !actions || !resources) continue;
    statements.push({
      at,
      notAction: actionKey === 'NotAction',
      actions: actionKey === 'NotAction' ? [] : actions.map((pattern, i) => ({ pattern, path: actionPath(i) })),
      notResource: resourceKey === 'NotResource',
      resources,
    });
  }
  return { problems, statements };
}

function adminFindings(statements: readonly AllowStatement[]): AdminFinding[] {
  const admin: AdminFinding[] = [];
  for (const st of statements) {
    const broad = st.notResource || st.resources.some(isBroadResource);
    const onWhat = st.notResource ? 'every resource but those in NotResource' : 'every resource';
    const everyResource = !st.notResource && st.resources.some((r) => /^\*+$/.test(r));
    if (st.notAction) {
      admin.push({ path: [...st.at, 'NotAction'], value: 'NotAction', reason: 'allows every action except those in NotAction, including every service AWS adds', full: false });
      continue;
    }
    for (const { pattern, path } of st.actions) {
      if (isEverything(pattern)) {
        const on = everyResource ? 'every resource' : st.notResource ? onWhat : 'the resources listed';
        admin.push({ path, value: pattern, reason: `allows every action (${JSON.stringify(pattern)}) on ${on}`, full: everyResource });
        continue;
      }
      if (!broad) continue;
      const expanded = expandActionPattern(pattern, ADMIN_SERVICES);
      if (expanded.unknown && expanded.service === 'iam') {
        // An IAM action the dataset does not know yet counts as IAM write.
        admin.push({ path, value: pattern, reason: `allows ${pattern}, an IAM action the dataset does not know, on ${onWhat}`, full: false });
        continue;
      }
      const escalating = expanded.actions.filter(isEscalationAction);
      if (escalating.length > 0)
        admin.push({ path, value: pattern, reason: `allows ${describeActions(escalating)} on ${onWhat}, a way to more permissions`, full: false });
    }
  }
  return admin;
}

/** `iam:PassRole (Write)`, or the first few and a count. */
export function describeActions(actions: readonly ActionInfo[], max = 3): string {
  const sorted = [...actions].sort((a, b) => rank(b.level) - rank(a.level) || (a.action < b.action ? -1 : a.action > b.action ? 1 : 0));
  const shown = sorted.slice(0, max).map((a) => `${a.action} (${a.level})`);
  const more = sorted.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function rank(level: AccessLevel): number {
  return level === 'Permissions management' ? 4 : level === 'Write' ? 3 : level === 'Tagging' ? 2 : level === 'Read' ? 1 : 0;
}
