/**
 * Who gains or loses which access, in plain words, from the access reports of the base and the head of a
 * change. A plan says `~ assume_role_policy = jsonencode(...)`; a reviewer needs "[AdministratorAccess] for
 * octo-org/web, environment prod, through web-deploy": the grant first, then who gets it and through which role.
 * Changes a reviewer must not miss (administrator access, pull requests or any branch newly trusted) carry an
 * `alert`, which the comment shows in an alert block above everything else.
 */
import type { AccessReport, AccessReportRole, AccessReportSubject, Risk } from '@keyless/policy';
import { type TrustAlert, subjectKey, subjectWords, trustChanges, whoWords } from './trust-changes.js';

export type AccessChangeKind = 'gain' | 'loss' | 'change' | 'risk' | 'risk-removed';

/**
 * Why a change leads the comment: administrator-equivalent access or pull request jobs that can write (a GitHub
 * CAUTION block); pull requests or any branch newly trusted, a trust pin (repository or owner id, ref, reusable
 * workflow) removed or changed, or every repository of an owner newly trusted (a WARNING block).
 */
export type AccessAlert = 'administrator' | 'pull-requests-write' | 'pull-requests' | 'any-branch' | TrustAlert;

export interface AccessChange {
  readonly kind: AccessChangeKind;
  /** The role's name in the head (or in the base, for a role that goes away). */
  readonly role: string;
  /** One plain-words line, starting with `+`, `-`, `~` or `!`; the grant comes first. */
  readonly line: string;
  /** Set on a change the comment must lead with. */
  readonly alert?: AccessAlert;
}

const SIGN: Record<AccessChangeKind, string> = { gain: '+', loss: '-', change: '~', risk: '!', 'risk-removed': '~' };

function policyName(arn: string): string {
  const i = arn.indexOf(':policy/');
  return i < 0 ? arn : arn.slice(i + ':policy/'.length);
}

/** What a role may do, as short names: managed policy names and `inline-name (actions)`. */
export function rolePermissions(role: AccessReportRole): string[] {
  return [
    ...role.managedPolicyArns.map(policyName),
    ...role.inlinePolicies.map((p) => `${p.name} (${p.actions.join(', ')})`),
  ];
}

/** What a role may do, first in a line: `[AdministratorAccess, site-bucket (s3:PutObject)]`. */
function what(role: AccessReportRole): string {
  return grant(rolePermissions(role));
}

function grant(permissions: readonly string[]): string {
  return `[${permissions.length > 0 ? permissions.join(', ') : 'no permissions'}]`;
}

/** A newly trusted subject that lets unreviewed code in: pull requests, or every branch. */
function subjectAlert(s: AccessReportSubject): AccessAlert | undefined {
  if (s.kind === 'pull-request') return 'pull-requests';
  if (s.kind === 'branch' && s.pattern && /^\*+$/.test(s.value ?? '')) return 'any-branch';
  return undefined;
}

function riskAlert(r: Risk): AccessAlert | undefined {
  if (r.kind === 'administrator-access') return 'administrator';
  if (r.kind === 'pull-request-write') return 'pull-requests-write';
  if (r.kind === 'any-branch') return 'any-branch';
  return undefined;
}

/** Pairs the roles of the base and the head: by name, then a renamed role by the config entry it comes from. */
function pairRoles(
  base: readonly AccessReportRole[],
  head: readonly AccessReportRole[],
): { pairs: [AccessReportRole, AccessReportRole][]; added: AccessReportRole[]; removed: AccessReportRole[] } {
  const baseByName = new Map(base.map((r) => [r.name, r]));
  const headNames = new Set(head.map((r) => r.name));
  const pairs: [AccessReportRole, AccessReportRole][] = [];
  const added: AccessReportRole[] = [];
  const unmatchedBase = new Map(base.filter((r) => !headNames.has(r.name)).map((r) => [`${r.repository}\u0000${r.entry}`, r]));
  for (const h of head) {
    const b = baseByName.get(h.name) ?? unmatchedBase.get(`${h.repository}\u0000${h.entry}`);
    if (b) {
      pairs.push([b, h]);
      unmatchedBase.delete(`${b.repository}\u0000${b.entry}`);
    } else added.push(h);
  }
  return { pairs, added, removed: [...unmatchedBase.values()] };
}

/** Subjects in a line: `octo-org/docs, branch main; octo-org/handbook, branch main`. */
function list(items: readonly string[]): string {
  return items.join('; ');
}

function riskKey(r: Risk): string {
  return `${r.kind}\u0000${r.detail}`;
}

/**
 * The access changes between two reports of the same stack. Either may be missing: a stack that is new has
 * no base (everything is gained), a stack that goes away has no head (everything is lost).
 */
export function accessChanges(base: AccessReport | undefined, head: AccessReport | undefined): AccessChange[] {
  const out: AccessChange[] = [];
  const add = (kind: AccessChangeKind, role: string, text: string, alert?: AccessAlert): void => {
    out.push({ kind, role, line: `${SIGN[kind]} ${text}`, ...(alert ? { alert } : {}) });
  };
  const { pairs, added, removed } = pairRoles(base?.roles ?? [], head?.roles ?? []);

  for (const role of added) {
    for (const s of role.subjects) add('gain', role.name, `${what(role)} for ${subjectWords(s)}, through ${role.name} (a new role)`, subjectAlert(s));
    for (const t of trustChanges(undefined, role, what)) add(t.kind, role.name, t.text, t.alert);
    if (whoWords(role).length === 0) add('gain', role.name, `${what(role)} for nobody yet: ${role.name} is a new role nobody can assume`);
    for (const r of role.risks) if (r.kind !== 'name-recycling') add('risk', role.name, `${role.name}: ${r.detail}`, riskAlert(r));
  }

  for (const [b, h] of pairs) {
    if (b.name !== h.name)
      add('change', h.name, `${b.name} is renamed to ${h.name}: IAM replaces the role (new ARN ${h.arn}); workflows that read its variable get the new ARN, any that hard-code the old one stop working`);
    const baseSubjects = new Map(b.subjects.map((s) => [subjectKey(s), s]));
    const headSubjects = new Map(h.subjects.map((s) => [subjectKey(s), s]));
    for (const [k, s] of headSubjects) if (!baseSubjects.has(k)) add('gain', h.name, `${what(h)} for ${subjectWords(s)}, through ${h.name}`, subjectAlert(s));
    for (const [k, s] of baseSubjects) if (!headSubjects.has(k)) add('loss', h.name, `${what(b)} no longer for ${subjectWords(s)}, through ${h.name}`);
    for (const t of trustChanges(b, h, what)) add(t.kind, h.name, t.text, t.alert);

    const before = new Set(rolePermissions(b));
    const after = new Set(rolePermissions(h));
    const gained = [...after].filter((p) => !before.has(p));
    const lost = [...before].filter((p) => !after.has(p));
    const keep = [...headSubjects].filter(([k]) => baseSubjects.has(k)).map(([, s]) => s.description);
    const who = `${list(keep)}, through ${h.name}`;
    if (gained.length > 0 && keep.length > 0) add('gain', h.name, `${grant(gained)} now also for ${who}`);
    if (lost.length > 0 && keep.length > 0) add('loss', h.name, `${grant(lost)} no longer for ${who}`);

    if ((b.permissionsBoundaryArn ?? '') !== (h.permissionsBoundaryArn ?? ''))
      add(
        h.permissionsBoundaryArn === undefined ? 'gain' : 'change',
        h.name,
        h.permissionsBoundaryArn === undefined
          ? `${h.name}: the permissions boundary ${policyName(b.permissionsBoundaryArn ?? '')} is removed`
          : `${h.name}: permissions boundary ${b.permissionsBoundaryArn ? `${policyName(b.permissionsBoundaryArn)} → ` : ''}${policyName(h.permissionsBoundaryArn)}`,
      );
    if (b.readOnly && !h.readOnly) add('change', h.name, `${h.name} is no longer declared read-only`);
    if (b.maxSessionDurationSeconds !== h.maxSessionDurationSeconds)
      add('change', h.name, `${h.name}: sessions last up to ${h.maxSessionDurationSeconds} s (was ${b.maxSessionDurationSeconds} s)`);

    const baseRisks = new Set(b.risks.map(riskKey));
    const headRisks = new Set(h.risks.map(riskKey));
    for (const r of h.risks) if (!baseRisks.has(riskKey(r)) && r.kind !== 'name-recycling') add('risk', h.name, `${h.name}: ${r.detail}`, riskAlert(r));
    for (const r of b.risks) if (!headRisks.has(riskKey(r)) && r.kind !== 'name-recycling') add('risk-removed', h.name, `${h.name}: no longer: ${r.detail}`);
  }

  for (const role of removed) {
    const who = whoWords(role);
    add('loss', role.name, who.length > 0 ? `${what(role)} no longer for ${list(who)}, through ${role.name} (the role is deleted)` : `${what(role)}: ${role.name} is deleted (nobody could assume it)`);
  }
  return out;
}

/** Just the lines, for a comment or a terminal. */
export function accessChangeLines(base: AccessReport | undefined, head: AccessReport | undefined): string[] {
  return accessChanges(base, head).map((c) => c.line);
}
