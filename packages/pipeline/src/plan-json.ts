/**
 * Reading `terraform show -json` of a saved plan: what each resource change does, in the words of a plan
 * review, and which attributes it changes, with sensitive values masked.
 */

/** The parts of Terraform's JSON plan representation that a review needs (format 1.x). */
export interface PlanJson {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  /** Changes Terraform found on refresh: made outside Terraform since the last apply. */
  readonly resource_drift?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, Change>>;
  readonly errored?: boolean;
  readonly applyable?: boolean;
  readonly complete?: boolean;
}

export type Action = 'no-op' | 'create' | 'read' | 'update' | 'delete' | 'forget';

export interface Change {
  readonly actions: readonly Action[];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly after_unknown?: unknown;
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  readonly replace_paths?: readonly (readonly (string | number)[])[];
  readonly importing?: { readonly id?: string; readonly identity?: unknown };
}

export interface ResourceChange {
  readonly address: string;
  readonly previous_address?: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly deposed?: string;
  readonly change: Change;
  readonly action_reason?: string;
}

/** What a resource change does, as a reviewer reads it. */
export type ChangeKind = 'create' | 'update' | 'replace' | 'delete' | 'read' | 'forget' | 'import' | 'move' | 'no-op';

export function changeKind(rc: ResourceChange): ChangeKind {
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

export interface PlanSummary {
  /** Terraform's own counts: a replacement is one add and one destroy. */
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly import: number;
  readonly forget: number;
  readonly move: number;
  /** Managed resources by what happens to them; data sources and no-ops are left out. */
  readonly byKind: Readonly<Record<Exclude<ChangeKind, 'no-op' | 'read'>, readonly ResourceChange[]>>;
  /** Data sources Terraform can only read during apply. */
  readonly reads: readonly ResourceChange[];
  /** Changes made outside Terraform that the refresh found. */
  readonly drift: readonly ResourceChange[];
  readonly outputs: readonly { readonly name: string; readonly kind: ChangeKind }[];
  readonly noChanges: boolean;
}

const KINDS = ['create', 'update', 'replace', 'delete', 'import', 'move', 'forget'] as const;

export function summarizePlan(plan: PlanJson): PlanSummary {
  const byKind = Object.fromEntries(KINDS.map((k) => [k, [] as ResourceChange[]])) as Record<(typeof KINDS)[number], ResourceChange[]>;
  const reads: ResourceChange[] = [];
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
export function summaryLine(s: PlanSummary): string {
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

/** One changed leaf of a resource's attributes. */
export interface AttributeChange {
  /** `name`, `tags.team`, `assume_role_policy.Statement[0].Condition…` (inside JSON-encoded policy text too). */
  readonly path: string;
  /** Display text: a JSON literal, `(known after apply)`, `(sensitive value)` or `(none)`. */
  readonly before: string;
  readonly after: string;
  /** This path forces the replacement of the resource. */
  readonly forcesReplacement: boolean;
}

const SENSITIVE = '(sensitive value)';
const UNKNOWN = '(known after apply)';
const NONE = '(none)';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function child(mask: unknown, key: string | number): unknown {
  if (mask === true) return true;
  if (Array.isArray(mask)) return typeof key === 'number' ? mask[key] : undefined;
  if (isObj(mask)) return mask[String(key)];
  return undefined;
}

/** A string that holds a JSON object or array (IAM policies are JSON text in Terraform). */
function parseJsonText(v: unknown): unknown {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

function display(v: unknown, max = 200): string {
  if (v === undefined || v === null) return NONE;
  const text = JSON.stringify(v) ?? String(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function samePath(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The leaves a change alters, before → after, descending into JSON policy text; sensitive values are never
 * shown, unknown values read `(known after apply)`. At most `limit` entries.
 */
export function attributeChanges(change: Change, limit = 50): AttributeChange[] {
  const out: AttributeChange[] = [];
  const replacePaths = change.replace_paths ?? [];
  const walk = (
    before: unknown,
    after: unknown,
    unknown: unknown,
    sBefore: unknown,
    sAfter: unknown,
    path: string,
    raw: (string | number)[],
  ): void => {
    if (out.length >= limit) return;
    const forces = replacePaths.some((p) => samePath(p, raw));
    if (sBefore === true || sAfter === true) {
      if (unknown === true || JSON.stringify(before) !== JSON.stringify(after))
        out.push({ path, before: before === undefined || before === null ? NONE : SENSITIVE, after: unknown === true ? UNKNOWN : after === undefined || after === null ? NONE : SENSITIVE, forcesReplacement: forces });
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
export function replacementPaths(rc: ResourceChange): string[] {
  return (rc.change.replace_paths ?? []).map((p) => p.reduce<string>((acc, k) => joinPath(acc, k), ''));
}
