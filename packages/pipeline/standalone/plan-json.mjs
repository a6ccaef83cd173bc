// Reading `terraform show -json` of a saved plan: what each resource change does, in the words of a plan
// review, and which attributes it changes, with sensitive values masked.
//
// Standalone: Node's own modules and the files of this directory only, no package. The terraform jobs of the
// pipeline run it with the runner's `node` from the reviewed checkout, without installing anything (types:
// plan-json.d.mts; docs/pipeline.md).
import { createHash } from 'node:crypto';

/** What a resource change does, as a reviewer reads it. */
export function changeKind(rc) {
  const a = rc.change.actions;
  if (a.includes('delete') && a.includes('create')) return 'replace';
  if (a.includes('create')) return 'create';
  if (a.includes('delete')) return 'delete';
  if (a.includes('forget')) return 'forget';
  if (a.includes('update')) return rc.change.importing ? 'import' : 'update';
  if (a.includes('read')) return 'read';
  if (rc.change.importing) return 'import';
  if (rc.previous_address !== undefined && rc.previous_address !== rc.address) return 'move';
  return 'no-op';
}

const KINDS = ['create', 'update', 'replace', 'delete', 'import', 'move', 'forget'];

/** The changes of a plan by what they do, with terraform's own counts. */
export function summarizePlan(plan) {
  const byKind = Object.fromEntries(KINDS.map((k) => [k, []]));
  const reads = [];
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const rc of plan.resource_changes ?? []) {
    const kind = changeKind(rc);
    if (rc.mode === 'data') {
      if (kind === 'read') reads.push(rc);
      continue;
    }
    if (kind === 'no-op' || kind === 'read') continue;
    byKind[kind].push(rc);
    if (kind === 'create' || kind === 'replace') add++;
    if (kind === 'delete' || kind === 'replace') destroy++;
    if (kind === 'update') change++;
    // An import that also updates counts once as an import and once as a change, as Terraform counts it.
    if (kind === 'import' && rc.change.actions.includes('update')) change++;
  }
  const drift = (plan.resource_drift ?? []).filter((rc) => rc.change.actions.some((a) => a !== 'no-op'));
  const outputs = Object.entries(plan.output_changes ?? {})
    .map(([name, c]) => ({ name, kind: changeKind({ address: `output.${name}`, mode: 'managed', type: 'output', name, change: c }) }))
    .filter((o) => o.kind !== 'no-op');
  const total = KINDS.reduce((n, k) => n + byKind[k].length, 0);
  return {
    add,
    change,
    destroy,
    import: byKind.import.length,
    forget: byKind.forget.length,
    move: byKind.move.length,
    byKind,
    reads,
    drift,
    outputs,
    noChanges: total === 0 && outputs.length === 0,
  };
}

/** Terraform's summary line, e.g. `Plan: 1 to add, 2 to change, 0 to destroy.` */
export function summaryLine(s) {
  if (s.noChanges) return 'No changes. Your infrastructure matches the configuration.';
  const total = s.add + s.change + s.destroy + s.import + s.forget + s.move;
  if (total === 0) return 'No resource changes; only outputs change.';
  const parts = [
    ...(s.import > 0 ? [`${s.import} to import`] : []),
    `${s.add} to add`,
    `${s.change} to change`,
    `${s.destroy} to destroy`,
    ...(s.forget > 0 ? [`${s.forget} to forget`] : []),
  ];
  return `Plan: ${parts.join(', ')}.${s.move > 0 ? ` ${s.move} moved.` : ''}`;
}

const SENSITIVE = '(sensitive value)';
const UNKNOWN = '(known after apply)';
const NONE = '(none)';

const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

function child(mask, key) {
  if (mask === true) return true;
  if (Array.isArray(mask)) return typeof key === 'number' ? mask[key] : undefined;
  if (isObj(mask)) return mask[String(key)];
  return undefined;
}

/** A string that holds a JSON object or array (IAM policies are JSON text in Terraform). */
function parseJsonText(v) {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function display(v, max = 200) {
  if (v === undefined || v === null) return NONE;
  const text = JSON.stringify(v) ?? String(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function joinPath(path, key) {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function samePath(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The leaves a change alters, before → after, descending into JSON policy text; sensitive values are never
 * shown, unknown values read `(known after apply)`. At most `limit` entries.
 */
export function attributeChanges(change, limit = 50) {
  const out = [];
  const replacePaths = change.replace_paths ?? [];
  const walk = (before, after, unknown, sBefore, sAfter, path, raw) => {
    if (out.length >= limit) return;
    const forces = replacePaths.some((p) => samePath(p, raw));
    if (sBefore === true || sAfter === true) {
      if (unknown === true || JSON.stringify(before) !== JSON.stringify(after))
        out.push({
          path,
          before: before === undefined || before === null ? NONE : SENSITIVE,
          after: unknown === true ? UNKNOWN : after === undefined || after === null ? NONE : SENSITIVE,
          forcesReplacement: forces,
        });
      return;
    }
    if (unknown === true) {
      out.push({ path, before: display(before), after: UNKNOWN, forcesReplacement: forces });
      return;
    }
    const jb = parseJsonText(before);
    const ja = parseJsonText(after);
    if (jb !== undefined && ja !== undefined) {
      if (JSON.stringify(jb) !== JSON.stringify(ja)) walk(jb, ja, undefined, undefined, undefined, path, raw);
      return;
    }
    if ((isObj(before) || before == null) && isObj(after) && !(before == null && Object.keys(after).length === 0)) {
      const b = isObj(before) ? before : {};
      const keys = [...new Set([...Object.keys(b), ...Object.keys(after)])].sort();
      for (const k of keys) walk(b[k], after[k], child(unknown, k), child(sBefore, k), child(sAfter, k), joinPath(path, k), [...raw, k]);
      return;
    }
    if (isObj(before) && (after === undefined || after === null) && unknown === undefined) {
      for (const k of Object.keys(before).sort()) walk(before[k], undefined, undefined, child(sBefore, k), undefined, joinPath(path, k), [...raw, k]);
      return;
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && before.length > 0 && before.some((x) => isObj(x) || Array.isArray(x))) {
      for (let i = 0; i < after.length; i++) walk(before[i], after[i], child(unknown, i), child(sBefore, i), child(sAfter, i), joinPath(path, i), [...raw, i]);
      return;
    }
    if (Array.isArray(unknown) && unknown.some((u) => u === true || isObj(u) || Array.isArray(u))) {
      out.push({ path, before: display(before), after: UNKNOWN, forcesReplacement: forces });
      return;
    }
    if (JSON.stringify(before ?? null) !== JSON.stringify(after ?? null)) {
      out.push({ path, before: display(before), after: display(after), forcesReplacement: forces });
    }
  };
  walk(change.before ?? null, change.after ?? null, change.after_unknown, change.before_sensitive, change.after_sensitive, '', []);
  return out;
}

/** The attribute paths that force a replacement, as `name`, `role`… */
export function replacementPaths(rc) {
  return (rc.change.replace_paths ?? []).map((p) => p.reduce((acc, k) => joinPath(acc, k), ''));
}

/**
 * A value with every part the mask marks sensitive replaced by the SHA-256 of its JSON: two plans still compare
 * equal exactly when their values are, and the value itself is in no artifact.
 */
export function redactSensitive(value, mask) {
  if (mask === true) {
    if (value === undefined || value === null) return value;
    return { 'keyless-sensitive-sha256': createHash('sha256').update(JSON.stringify(value)).digest('hex') };
  }
  if (Array.isArray(value)) return value.map((v, i) => redactSensitive(v, child(mask, i)));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSensitive(v, child(mask, k))]));
  return value;
}

function redactChange(change) {
  if (!isObj(change)) return change;
  return {
    ...change,
    ...('before' in change ? { before: redactSensitive(change.before, change.before_sensitive) } : {}),
    ...('after' in change ? { after: redactSensitive(change.after, change.after_sensitive) } : {}),
  };
}

/**
 * `terraform show -json` reduced to what a review and the reviewed-plan comparison read: the resource changes,
 * what changed outside Terraform, the output changes and the plan's flags, with sensitive values replaced by
 * their digests. Dropped: the prior state, the planned values and the configuration (the state's values, some of
 * them sensitive, and nothing a reviewer reads).
 */
export function reducePlan(plan) {
  const out = {};
  for (const key of ['format_version', 'terraform_version', 'errored', 'applyable', 'complete']) {
    if (plan[key] !== undefined) out[key] = plan[key];
  }
  for (const key of ['resource_changes', 'resource_drift']) {
    if (Array.isArray(plan[key])) out[key] = plan[key].map((rc) => ({ ...rc, change: redactChange(rc.change) }));
  }
  if (isObj(plan.output_changes)) out.output_changes = Object.fromEntries(Object.entries(plan.output_changes).map(([k, c]) => [k, redactChange(c)]));
  return out;
}
