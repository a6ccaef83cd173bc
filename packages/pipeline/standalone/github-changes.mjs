// The GitHub half of a pull request's plan, without GitHub.
//
// A pull request's plan job holds no GitHub token at all (docs/pipeline.md): it plans the AWS half with
// `terraform plan -target=…` and this module works out what the GitHub half would do by comparing the
// synthesized configuration (cdk.tf.json) with the state that plan read (`prior_state` of `terraform show
// -json`). References to AWS resources (`${aws_iam_role.x.arn}`) take the value that plan computed. The result is
// in the shape of terraform's `resource_changes`, marked `keyless_source: "config-vs-state"`, so the comment shows
// it like any other change and the plan on main is compared with it: the plan on main refreshes GitHub and is
// refused if it does anything to GitHub that this did not show.
//
// Standalone: Node's own modules and this directory only (types: github-changes.d.mts).

/** Marks a value that only terraform can know (an expression, a reference to something not yet created). */
export const UNKNOWN = Object.freeze({ 'keyless-unknown': true });

const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUnknown = (v) => isObj(v) && v['keyless-unknown'] === true;

/** Block attributes whose order has no meaning to the GitHub provider (sets). */
const SET_ATTRIBUTES = new Set(['teams', 'users', 'patterns_allowed', 'include', 'exclude', 'required_check', 'reviewers']);

/** Meta-arguments and cdktf metadata: not attributes of the resource. */
const META = new Set(['//', 'count', 'for_each', 'provider', 'depends_on', 'lifecycle', 'provisioner', 'connection', 'timeouts']);

const REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Terraform's reading of a template string without interpolation: `$${` and `%%{` are the literal `${`, `%{`. */
function literal(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') {
      out += `${c}{`;
      i += 2;
      continue;
    }
    if ((c === '$' || c === '%') && text[i + 1] === '{') return UNKNOWN;
    out += c;
  }
  return out;
}

function stateResources(plan) {
  const out = new Map();
  const visit = (module) => {
    if (!isObj(module)) return;
    for (const r of module.resources ?? []) if (r.mode === 'managed') out.set(r.address, r);
    for (const m of module.child_modules ?? []) visit(m);
  };
  visit(plan?.prior_state?.values?.root_module);
  return out;
}

/**
 * The value terraform will give an attribute of another resource: from the plan's change of that resource when it
 * has one (unknown until apply when the plan says so), else from the state.
 */
function attributeOf(address, attribute, plan, state, config, seen) {
  const rc = (plan.resource_changes ?? []).find((r) => r.address === address && r.mode === 'managed' && !r.deposed);
  if (rc) {
    const unknown = rc.change.after_unknown;
    if (isObj(unknown) && unknown[attribute] === true) return UNKNOWN;
    if (isObj(rc.change.after) && attribute in rc.change.after) return rc.change.after[attribute];
    if (rc.change.actions.includes('delete')) return UNKNOWN;
  }
  const [type, name] = address.split('.');
  const block = config?.resource?.[type]?.[name];
  if (isObj(block) && attribute in block && !seen.has(`${address}.${attribute}`)) {
    return resolve(block[attribute], plan, state, config, new Set([...seen, `${address}.${attribute}`]));
  }
  const s = state.get(address);
  const values = s?.values;
  if (isObj(values) && attribute in values) return values[attribute];
  return UNKNOWN;
}

function resolve(value, plan, state, config, seen = new Set()) {
  if (typeof value === 'string') {
    const ref = REFERENCE.exec(value);
    if (ref) return attributeOf(`${ref[1]}.${ref[2]}`, ref[3], plan, state, config, seen);
    return literal(value);
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, plan, state, config, seen));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, plan, state, config, seen)]));
  return value;
}

/** A single nested block reads as an object in cdk.tf.json and as a one-element list in the state. */
function unwrap(v) {
  return Array.isArray(v) && v.length === 1 && isObj(v[0]) ? v[0] : v;
}

/**
 * Whether `actual` (state or plan shape) already has every value `desired` (configuration shape) sets. Keys the
 * configuration leaves out are not compared; an unknown desired value counts as a difference.
 */
export function satisfies(desired, actual, key) {
  if (isUnknown(desired)) return false;
  if (isObj(desired)) {
    const a = unwrap(actual);
    if (!isObj(a)) return Object.keys(desired).length === 0 && (a === undefined || a === null || (Array.isArray(a) && a.length === 0));
    return Object.entries(desired).every(([k, v]) => satisfies(v, a[k], k));
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual)) return desired.length === 0 && (actual === undefined || actual === null);
    if (desired.length !== actual.length) return false;
    if (desired.every((d, i) => satisfies(d, actual[i]))) return true;
    if (!SET_ATTRIBUTES.has(key ?? '')) return false;
    // A set: every desired element matches a different actual element.
    const left = [...actual];
    return desired.every((d) => {
      const i = left.findIndex((a) => satisfies(d, a));
      if (i < 0) return false;
      left.splice(i, 1);
      return true;
    });
  }
  if (desired === null || desired === undefined) return actual === null || actual === undefined;
  return desired === actual;
}

/** The state's values with the configuration's put in, in the state's shape (for a readable before → after). */
function merged(state, desired) {
  if (isUnknown(desired)) return null;
  if (isObj(desired)) {
    if (Array.isArray(state) && state.length === 1 && isObj(state[0])) return [merged(state[0], desired)];
    const base = isObj(state) ? state : {};
    const out = { ...base };
    for (const [k, v] of Object.entries(desired)) out[k] = merged(base[k], v);
    return out;
  }
  if (Array.isArray(desired)) return desired.map((d, i) => merged(Array.isArray(state) ? state[i] : undefined, d));
  return desired;
}

/** `true` where the desired value is unknown, in the same shape: terraform's `after_unknown`. */
function unknownMask(desired) {
  if (isUnknown(desired)) return true;
  if (isObj(desired)) {
    const out = {};
    for (const [k, v] of Object.entries(desired)) {
      const m = unknownMask(v);
      if (m !== false) out[k] = m;
    }
    return Object.keys(out).length > 0 ? out : false;
  }
  if (Array.isArray(desired)) {
    const m = desired.map(unknownMask);
    return m.some((x) => x !== false) ? m.map((x) => (x === false ? false : x)) : false;
  }
  return false;
}

function attributes(block) {
  return Object.fromEntries(Object.entries(block).filter(([k]) => !META.has(k)));
}

/**
 * The changes of the GitHub resources (`github_*`) of a stack: its synthesized configuration against the state
 * that a plan of the stack read. `plan` is the full `terraform show -json` of that plan (its prior state and the
 * changes of the resources the GitHub ones refer to).
 */
export function githubChanges(config, plan) {
  const state = stateResources(plan);
  const desired = new Map();
  for (const [type, byName] of Object.entries(config?.resource ?? {})) {
    if (!type.startsWith('github_') || !isObj(byName)) continue;
    for (const [name, block] of Object.entries(byName)) {
      if (!isObj(block)) continue;
      desired.set(`${type}.${name}`, { type, name, values: resolve(attributes(block), plan, state, config) });
    }
  }
  const out = [];
  const addresses = [...new Set([...desired.keys(), ...[...state.keys()].filter((a) => a.startsWith('github_'))])].sort();
  for (const address of addresses) {
    const want = desired.get(address);
    const have = state.get(address);
    const [type, name] = address.split('.');
    const base = { address, mode: 'managed', type: want?.type ?? type, name: want?.name ?? name, keyless_source: 'config-vs-state' };
    if (want && !have) {
      const unknown = unknownMask(want.values);
      out.push({ ...base, change: { actions: ['create'], before: null, after: merged(undefined, want.values), after_unknown: unknown === false ? {} : unknown }, keyless_config: want.values });
    } else if (!want && have) {
      out.push({ ...base, change: { actions: ['delete'], before: have.values ?? {}, after: null, after_unknown: {} } });
    } else if (want && have) {
      if (satisfies(want.values, have.values ?? {})) continue;
      const unknown = unknownMask(want.values);
      out.push({
        ...base,
        change: { actions: ['update'], before: have.values ?? {}, after: merged(have.values ?? {}, want.values), after_unknown: unknown === false ? {} : unknown },
        keyless_config: want.values,
      });
    }
  }
  return out;
}
