/**
 * What a synthesized cdktf.out holds, so that the two engines' outputs can be compared: stacks, resources per
 * type, and per role name its trust policy; per variable its address in GitHub.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OutputSummary {
  readonly stacks: number;
  readonly resources: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly roles: number;
  /** Role name → trust policy, with provider references normalized (logical ids differ between engines). */
  readonly trust: ReadonlyMap<string, string>;
  /** `repo:NAME` and `repo:env:NAME`, the variables' import ids. */
  readonly variables: ReadonlySet<string>;
  /** Bytes of all cdk.tf.json files. */
  readonly bytes: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The stack ids of a cdktf.out, from manifest.json. */
export function manifestStacks(outdir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks?: Record<string, unknown> };
  return Object.keys(manifest.stacks ?? {}).sort();
}

/** `${aws_iam_openid_connect_provider.<id>.arn}` → a fixed token, so trust policies compare across engines. */
export function normalizeReferences(text: string): string {
  return text.replace(/\$\{aws_iam_openid_connect_provider\.[A-Za-z0-9_-]+\.arn\}/g, '${OIDC_PROVIDER_ARN}');
}

/** Adds one stack's Terraform JSON to running totals. */
export function summarizeStack(json: unknown, into: { byType: Record<string, number>; trust: Map<string, string>; variables: Set<string> }): void {
  const resources = isObj(json) && isObj(json['resource']) ? json['resource'] : {};
  for (const [type, byId] of Object.entries(resources)) {
    if (!isObj(byId)) continue;
    const items = Object.values(byId).filter(isObj);
    into.byType[type] = (into.byType[type] ?? 0) + items.length;
    for (const r of items) {
      if (type === 'aws_iam_role') into.trust.set(String(r['name']), normalizeReferences(String(r['assume_role_policy'])));
      if (type === 'github_actions_variable') into.variables.add(`${String(r['repository'])}:${String(r['variable_name'])}`);
      if (type === 'github_actions_environment_variable')
        into.variables.add(`${String(r['repository'])}:${String(r['environment'])}:${String(r['variable_name'])}`);
    }
  }
}

export function summarizeOutput(outdir: string): OutputSummary {
  const stacks = manifestStacks(outdir);
  const acc = { byType: {} as Record<string, number>, trust: new Map<string, string>(), variables: new Set<string>() };
  let bytes = 0;
  for (const id of stacks) {
    const text = readFileSync(join(outdir, 'stacks', id, 'cdk.tf.json'), 'utf8');
    bytes += Buffer.byteLength(text);
    summarizeStack(JSON.parse(text), acc);
  }
  const byType = Object.fromEntries(Object.entries(acc.byType).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    stacks: stacks.length,
    resources: Object.values(byType).reduce((a, b) => a + b, 0),
    byType,
    roles: byType['aws_iam_role'] ?? 0,
    trust: acc.trust,
    variables: acc.variables,
    bytes,
  };
}

/** Differences between two outputs that should hold the same content; empty when they agree. */
export function compareSummaries(keyless: OutputSummary, stock: OutputSummary): string[] {
  const problems: string[] = [];
  if (keyless.stacks !== stock.stacks) problems.push(`stacks: keyless ${keyless.stacks}, stock ${stock.stacks}`);
  for (const type of [...new Set([...Object.keys(keyless.byType), ...Object.keys(stock.byType)])].sort()) {
    const k = keyless.byType[type] ?? 0;
    const s = stock.byType[type] ?? 0;
    if (k !== s) problems.push(`${type}: keyless ${k}, stock ${s}`);
  }
  let trustDiffs = 0;
  let example = '';
  for (const [name, policy] of keyless.trust) {
    if (stock.trust.get(name) !== policy) {
      trustDiffs++;
      example ||= `${name}: keyless ${policy} / stock ${stock.trust.get(name) ?? '(missing)'}`;
    }
  }
  if (trustDiffs > 0) problems.push(`${trustDiffs} trust policies differ, e.g. ${example}`);
  const missing = [...keyless.variables].filter((v) => !stock.variables.has(v));
  const extra = [...stock.variables].filter((v) => !keyless.variables.has(v));
  if (missing.length > 0) problems.push(`${missing.length} variables missing from stock, e.g. ${missing[0]}`);
  if (extra.length > 0) problems.push(`${extra.length} variables only in stock, e.g. ${extra[0]}`);
  return problems;
}
