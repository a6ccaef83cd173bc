// "Apply what was reviewed": the plan made on main after the merge must do exactly what the plan reviewed in the
// pull request did, or the apply is refused.
//
// Compared per resource address: the actions, the import id, the address a resource moves from, and the values
// after the change (known and unknown parts). The values before are not compared: they differ when something
// changed outside Terraform in between, and what an apply produces is fully given by the actions and the values
// after. Output changes are compared the same way. Sensitive values are compared (as the digests the reduced
// plans carry) but never printed.
//
// The GitHub half of a pull request's plan is keyless' own comparison of the configuration with the state
// (github-changes.mjs, `keyless_source: "config-vs-state"`). Against it the plan on main must do to GitHub only
// what was shown: the same action on the same address, and the values the configuration set. A GitHub change the
// pull request's plan did not show (something changed on GitHub by hand since the last apply, or another merge)
// is refused like any other difference.
//
// Standalone: Node's own modules and this directory only (types: compare-plans.d.mts). The apply workflow runs
// it in a job that holds no credentials.
import { satisfies } from './github-changes.mjs';

const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

function key(rc) {
  return rc.deposed ? `${rc.address} (deposed ${rc.deposed})` : rc.address;
}

function effective(plan) {
  const out = new Map();
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
export function differingPaths(a, b, path = '', limit = 10, out = []) {
  if (out.length >= limit) return out;
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) differingPaths(a[k], b[k], path ? `${path}.${k}` : k, limit, out);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (const [i, x] of a.entries()) differingPaths(x, b[i], `${path}[${i}]`, limit, out);
    return out;
  }
  if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) out.push(path || '(whole value)');
  return out;
}

function importId(change) {
  return isObj(change.importing) ? String(change.importing.id ?? '') : undefined;
}

function compareChange(what, reviewed, current, out) {
  if (reviewed.actions.join(',') !== current.actions.join(',')) {
    out.push(`${what}: reviewed ${reviewed.actions.join('+')}, now ${current.actions.join('+')}`);
    return;
  }
  const ri = importId(reviewed);
  const ci = importId(current);
  if (ri !== ci) out.push(`${what}: reviewed ${ri === undefined ? 'no import' : `import of id ${JSON.stringify(ri)}`}, now ${ci === undefined ? 'no import' : `import of id ${JSON.stringify(ci)}`}`);
  const after = differingPaths(reviewed.after, current.after);
  if (after.length > 0) out.push(`${what}: the values after the change differ at ${after.join(', ')}`);
  const unknown = differingPaths(reviewed.after_unknown ?? {}, current.after_unknown ?? {});
  if (unknown.length > 0) out.push(`${what}: the values known only after apply differ at ${unknown.join(', ')}`);
}

/** A GitHub change keyless computed from the configuration and the state, against terraform's own change on main. */
function compareComputed(what, reviewed, current, out) {
  if (reviewed.change.actions.join(',') !== current.change.actions.join(',')) {
    out.push(`${what}: reviewed ${reviewed.change.actions.join('+')} (configuration against the state), now ${current.change.actions.join('+')}`);
    return;
  }
  const config = reviewed.keyless_config;
  if (config !== undefined && !satisfies(config, current.change.after ?? {}) && !satisfiesWhereKnown(config, current)) {
    out.push(`${what}: the values after the change are not the ones the configuration set in the reviewed plan`);
  }
}

/** The configuration's known values are there; values the reviewed plan could not know may be unknown now too. */
function satisfiesWhereKnown(config, current) {
  const known = stripUnknown(config);
  return known !== undefined && satisfies(known, current.change.after ?? {});
}

function stripUnknown(v) {
  if (isObj(v)) {
    if (v['keyless-unknown'] === true) return undefined;
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      const s = stripUnknown(x);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  if (Array.isArray(v)) {
    const items = v.map(stripUnknown);
    return items.some((x) => x === undefined) ? undefined : items;
  }
  return v;
}

/**
 * Compares the plan made now with the plan that was reviewed. `same` is true when applying the current plan does
 * what the reviewed plan showed.
 */
export function comparePlans(reviewed, current) {
  const out = [];
  if (current.errored) out.push('the new plan errored');
  const a = effective(reviewed);
  const b = effective(current);
  for (const [k, rc] of a) {
    if (b.has(k)) continue;
    // A GitHub change computed from the configuration that GitHub no longer needs (someone made it by hand, or
    // the comparison with the state was more cautious than terraform): nothing is applied that was not shown.
    if (rc.keyless_source === 'config-vs-state') continue;
    out.push(`${k}: reviewed ${rc.change.actions.join('+')}, no longer in the plan`);
  }
  for (const [k, rc] of b) {
    const r = a.get(k);
    if (!r) out.push(`${k}: ${rc.change.actions.join('+')} was not in the reviewed plan`);
    else if (r.keyless_source === 'config-vs-state') compareComputed(k, r, rc, out);
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
    const changes = (c) => c?.actions.some((act) => act !== 'no-op') === true;
    if (!changes(x) && !changes(y)) continue;
    if (!x || !y) {
      out.push(`output ${name}: ${x ? 'reviewed but no longer changes' : 'changes but was not reviewed'}`);
      continue;
    }
    compareChange(`output ${name}`, x, y, out);
  }
  return { same: out.length === 0, differences: out };
}
