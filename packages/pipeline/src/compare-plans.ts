/**
 * "Apply what was reviewed": the plan made on main after the merge must do exactly what the plan reviewed in
 * the pull request did, or the apply is refused.
 *
 * Compared per resource address: the actions, and the values after the change (known and unknown parts).
 * The values before are not compared: they differ when something changed outside Terraform in between, and
 * what an apply produces is fully given by the actions and the values after. Output changes are compared
 * the same way. Sensitive values are compared but never printed.
 */
import type { Change, PlanJson, ResourceChange } from './plan-json.js';

export interface PlanComparison {
  readonly same: boolean;
  /** One line per difference, naming the address and what differs (paths only, never values). */
  readonly differences: readonly string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function key(rc: ResourceChange): string {
  return rc.deposed ? `${rc.address} (deposed ${rc.deposed})` : rc.address;
}

function effective(plan: PlanJson): Map<string, ResourceChange> {
  const out = new Map<string, ResourceChange>();
  for (const rc of plan.resource_changes ?? []) {
    const acts = rc.change.actions;
    // Reads of data sources happen again at apply time; no-ops change nothing (a move or import does).
    if (rc.mode === 'data') continue;
    if (acts.every((a) => a === 'no-op') && !rc.change.importing && (rc.previous_address === undefined || rc.previous_address === rc.address)) continue;
    out.set(key(rc), rc);
  }
  return out;
}

/** The paths at which two JSON values differ (at most `limit`). */
export function differingPaths(a: unknown, b: unknown, path = '', limit = 10, out: string[] = []): string[] {
  if (out.length >= limit) return out;
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) differingPaths(a[k], b[k], path ? `${path}.${k}` : k, limit, out);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => differingPaths(x, b[i], `${path}[${i}]`, limit, out));
    return out;
  }
  if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) out.push(path || '(whole value)');
  return out;
}

function compareChange(what: string, reviewed: Change, current: Change, out: string[]): void {
  if (reviewed.actions.join(',') !== current.actions.join(',')) {
    out.push(`${what}: reviewed ${reviewed.actions.join('+')}, now ${current.actions.join('+')}`);
    return;
  }
  const after = differingPaths(reviewed.after, current.after);
  if (after.length > 0) out.push(`${what}: the values after the change differ at ${after.join(', ')}`);
  const unknown = differingPaths(reviewed.after_unknown ?? {}, current.after_unknown ?? {});
  if (unknown.length > 0) out.push(`${what}: the values known only after apply differ at ${unknown.join(', ')}`);
}

export function comparePlans(reviewed: PlanJson, current: PlanJson): PlanComparison {
  const out: string[] = [];
  if (current.errored) out.push('the new plan errored');
  const a = effective(reviewed);
  const b = effective(current);
  for (const [k, rc] of a) if (!b.has(k)) out.push(`${k}: reviewed ${rc.change.actions.join('+')}, no longer in the plan`);
  for (const [k, rc] of b) {
    const r = a.get(k);
    if (!r) out.push(`${k}: ${rc.change.actions.join('+')} was not in the reviewed plan`);
    else {
      if ((r.previous_address ?? '') !== (rc.previous_address ?? '')) out.push(`${k}: moved from ${rc.previous_address ?? '(nowhere)'}, reviewed from ${r.previous_address ?? '(nowhere)'}`);
      compareChange(k, r.change, rc.change, out);
    }
  }
  const ra = reviewed.output_changes ?? {};
  const rb = current.output_changes ?? {};
  for (const name of [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort()) {
    const x = ra[name];
    const y = rb[name];
    const changes = (c: Change | undefined) => c !== undefined && c.actions.some((act) => act !== 'no-op');
    if (!changes(x) && !changes(y)) continue;
    if (!x || !y) {
      out.push(`output ${name}: ${x ? 'reviewed but no longer changes' : 'changes but was not reviewed'}`);
      continue;
    }
    compareChange(`output ${name}`, x, y, out);
  }
  return { same: out.length === 0, differences: out };
}
