/**
 * What a change does to the conditions a role's trust policy checks beside `sub` and `aud`: the repository and
 * owner ids pinned, a ref required with an environment, a reusable workflow pinned, and organization-wide
 * statements. The subject lines of access-changes.ts cannot see these: a role that loses its id pin keeps the
 * same subjects, yet a repository that takes the name can now assume it. So a pin removed or changed is a
 * visible widening (alert `trust-pin`), a pin added a narrowing, and a statement that lets every repository of
 * an owner in is named as such (alert `organization-wide`).
 */
import type { AccessReportRole, AccessReportSubject, TrustCondition, TrustStatementTerms } from '@keyless/policy';
import { requirements } from '@keyless/policy';

/** Why an access change about a role's trust conditions leads the comment. */
export type TrustAlert = 'trust-pin' | 'organization-wide';

export interface TrustChange {
  readonly kind: 'gain' | 'loss' | 'change' | 'risk';
  readonly text: string;
  readonly alert?: TrustAlert;
}

/**
 * Which subject of the base a subject of the head is: the same repository, context and `sub` values. The
 * description is left out, since it also names what the trust policy requires beside `sub` (an environment's
 * refs), whose changes trustChanges reports as such.
 */
export function subjectKey(s: AccessReportSubject): string {
  return [s.repository, s.kind, s.value ?? '', String(s.pattern), s.workflow ?? '', ...[...s.claims].sort()].join('\u0000');
}

/** The trust statements of a role; empty for a report written before keyless read them. */
function statementsOf(role: AccessReportRole): readonly TrustStatementTerms[] {
  return (role as { trust?: readonly TrustStatementTerms[] }).trust ?? [];
}

/** The conditions that apply to a subject: those of every statement that accepts one of its `sub` values. */
function subjectConditions(role: AccessReportRole, subject: AccessReportSubject): Map<string, TrustCondition> {
  const out = new Map<string, TrustCondition>();
  for (const t of statementsOf(role)) {
    if (!t.subjects.some((v) => subject.claims.includes(v))) continue;
    for (const c of t.conditions) out.set(c.claim, c);
  }
  return out;
}

/** Statements no subject accounts for (an organization-wide one), keyed by their `sub` values. */
function uncovered(role: AccessReportRole): Map<string, TrustStatementTerms> {
  const covered = new Set(role.subjects.flatMap((s) => s.claims));
  const out = new Map<string, TrustStatementTerms>();
  for (const t of statementsOf(role)) if (!t.subjects.some((v) => covered.has(v))) out.set(`${t.subjectPatterns}\u0000${t.subjects.join('\u0000')}`, t);
  return out;
}

function sameCondition(a: TrustCondition, b: TrustCondition): boolean {
  return a.operator === b.operator && a.values.join('\u0000') === b.values.join('\u0000');
}

/** What a token can now do that the removed condition stopped. */
const CONSEQUENCE: Readonly<Record<string, string>> = {
  repository_id: 'a repository that takes the name can assume it',
  repository_owner_id: 'an account that takes the owner name can assume it',
  ref: 'a job on any ref its subject admits can assume it',
  job_workflow_ref: 'any workflow can assume it, not only the pinned one',
  environment: 'jobs without that environment can assume it',
};

function words(c: TrustCondition): string {
  return requirements([c])[0] ?? c.claim;
}

/** The changed conditions of one subject (or one uncovered statement) between base and head. */
function conditionChanges(role: string, who: string, base: Map<string, TrustCondition>, head: Map<string, TrustCondition>): TrustChange[] {
  const out: TrustChange[] = [];
  const claims = [...new Set([...base.keys(), ...head.keys()])].sort();
  for (const claim of claims) {
    const b = base.get(claim);
    const h = head.get(claim);
    if (b && !h) {
      const consequence = CONSEQUENCE[claim] ?? `a token with any ${claim} can assume it`;
      out.push({ kind: 'risk', text: `${role}: ${who} no longer has ${words(b)}: ${consequence}`, alert: 'trust-pin' });
    } else if (!b && h) {
      out.push({ kind: 'change', text: `${role}: ${who} now also has ${words(h)}` });
    } else if (b && h && !sameCondition(b, h)) {
      out.push({ kind: 'change', text: `${role}: ${who}: ${words(b)} → ${words(h)}`, alert: 'trust-pin' });
    }
  }
  return out;
}

/** Plain words joined as explain joins them: `a`, `a and b`, `a, b and c`. */
function joinWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A subject in plain words with what its statement also requires. */
export function subjectWords(s: AccessReportSubject): string {
  const requires = (s as { requires?: readonly string[] }).requires ?? [];
  return requires.length > 0 ? `${s.description}, with ${joinWords(requires)}` : s.description;
}

/** A statement no subject accounts for, in plain words. */
function statementWords(t: TrustStatementTerms): string {
  const head = t.organizationWide ?? `sub ${t.subjects.join(' or ')}`;
  return t.requires.length > 0 ? `${head}, with ${joinWords(t.requires)}` : head;
}

/** Who can assume a role, in plain words: its subjects, then the statements no subject accounts for. */
export function whoWords(role: AccessReportRole): string[] {
  return [...role.subjects.map(subjectWords), ...[...uncovered(role).values()].map(statementWords)];
}

/**
 * The changes of a role's trust conditions. For a new role (no base): a gain for each statement no subject
 * accounts for, such as an organization-wide one. For a role on both sides: those statements gained or lost,
 * and for them and for every subject both sides have, each condition removed, changed or added. `grant` is
 * what the role may do, first in a gain or loss line.
 */
export function trustChanges(base: AccessReportRole | undefined, head: AccessReportRole, grant: (role: AccessReportRole) => string): TrustChange[] {
  const out: TrustChange[] = [];
  const name = head.name;
  const baseStatements = base ? uncovered(base) : new Map<string, TrustStatementTerms>();
  const headStatements = uncovered(head);
  for (const [key, t] of headStatements) {
    const before = baseStatements.get(key);
    if (before === undefined) {
      const alert = t.organizationWide !== undefined ? { alert: 'organization-wide' as const } : {};
      out.push({ kind: 'gain', text: `${grant(head)} for ${statementWords(t)}, through ${name}${base ? '' : ' (a new role)'}`, ...alert });
    } else {
      const who = t.organizationWide ?? `sub ${t.subjects.join(' or ')}`;
      out.push(...conditionChanges(name, who, new Map(before.conditions.map((c) => [c.claim, c])), new Map(t.conditions.map((c) => [c.claim, c]))));
    }
  }
  if (base === undefined) return out;
  for (const [key, t] of baseStatements) if (!headStatements.has(key)) out.push({ kind: 'loss', text: `${grant(base)} no longer for ${statementWords(t)}, through ${name}` });
  const baseSubjects = new Map(base.subjects.map((s) => [subjectKey(s), s]));
  for (const s of head.subjects) {
    const before = baseSubjects.get(subjectKey(s));
    if (before) out.push(...conditionChanges(name, s.description, subjectConditions(base, before), subjectConditions(head, s)));
  }
  return out;
}
