/** Result rows of the benchmark, their text tables and the verdict against the targets. */

export interface Timing {
  /** Median over the runs. */
  readonly seconds: number;
  /** Median over the runs, MiB. */
  readonly peakMb: number;
  /** Median user + system CPU seconds, when GNU time measured them. */
  readonly cpuSeconds?: number;
  readonly runs: number;
  /** Every run, for the JSON report. */
  readonly samples: readonly { readonly seconds: number; readonly peakMb: number; readonly cpuSeconds?: number }[];
}

export interface SynthRow {
  readonly case: string;
  /** An example app (targets: ≥ 20× faster, ≤ 1/5 of the memory) or a generated organisation. */
  readonly kind: 'example' | 'generated';
  readonly repositories: number;
  readonly stacks: number;
  readonly roles: number;
  readonly resources: number;
  readonly keyless: Timing;
  /** The stock cdktf CLI path, or why it was not run. */
  readonly stock: Timing | { readonly skipped: string } | { readonly failed: string };
  /** Differences between the stock and keyless outputs (resource counts, trust policies, variables); empty = same. */
  readonly differences: readonly string[];
}

export interface TerraformRow {
  readonly case: string;
  readonly stacks: number;
  readonly roles: number;
  /** Resources of the AWS half (what validate/plan see). */
  readonly resources: number;
  /** Seconds summed over the stacks; MB of the largest process. */
  readonly validate: { readonly seconds: number; readonly peakMb: number | undefined };
  readonly plan: { readonly seconds: number; readonly peakMb: number | undefined; readonly add: number };
  /** validate + plan of the slowest stack: the wall time when every stack runs on its own runner. */
  readonly slowestStackSeconds: number;
  readonly ok: boolean;
  readonly note?: string;
}

export const TARGETS = {
  exampleSpeedup: 20,
  exampleMemoryRatio: 1 / 5,
  largeRepositories: 10_000,
  largeSeconds: 5,
  largePeakMb: 1024,
} as const;

export function isTiming(v: SynthRow['stock']): v is Timing {
  return 'seconds' in v;
}

export function speedup(row: SynthRow): number | undefined {
  return isTiming(row.stock) && row.keyless.seconds > 0 ? row.stock.seconds / row.keyless.seconds : undefined;
}

/** keyless peak memory as a fraction of the stock path's. */
export function memoryRatio(row: SynthRow): number | undefined {
  return isTiming(row.stock) && row.stock.peakMb > 0 ? row.keyless.peakMb / row.stock.peakMb : undefined;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '-';
  if (s >= 100) return s.toFixed(0);
  if (s >= 10) return s.toFixed(1);
  return s.toFixed(2);
}

export function formatMb(mb: number | undefined): string {
  if (mb === undefined || !Number.isFinite(mb)) return '-';
  return mb >= 10 ? mb.toFixed(0) : mb.toFixed(1);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** 0.0625 → "1/16"; 0.3 → "1/3.3". */
export function formatFraction(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio) || ratio <= 0) return '-';
  const inverse = 1 / ratio;
  return `1/${inverse >= 10 ? inverse.toFixed(0) : inverse.toFixed(1)}`;
}

export function formatSpeedup(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;
}

/** A plain text table: columns padded, numbers right-aligned; markdown when asked (for the README). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], options: { markdown?: boolean } = {}): string {
  // Every column but the first holds numbers (or "-", "skipped", "FAILED"): right-aligned.
  const numeric = header.map((_, i) => i > 0);
  if (options.markdown) {
    const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map((_, i) => (numeric[i] ? '---:' : '---'))), ...rows.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [pad(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)].join('\n');
}

export const SYNTH_HEADER = [
  'case',
  'stacks',
  'roles',
  'resources',
  'stock s',
  'stock CPU s',
  'stock MB',
  'keyless s',
  'keyless CPU s',
  'keyless MB',
  'speed-up',
  'memory',
] as const;

function cpu(t: Timing): string {
  return t.cpuSeconds === undefined ? '-' : formatSeconds(t.cpuSeconds);
}

export function synthCells(row: SynthRow): string[] {
  const stock = row.stock;
  const stockCells = isTiming(stock)
    ? [formatSeconds(stock.seconds), cpu(stock), formatMb(stock.peakMb)]
    : ['skipped' in stock ? 'skipped' : 'FAILED', '-', '-'];
  return [
    row.case,
    formatCount(row.stacks),
    formatCount(row.roles),
    formatCount(row.resources),
    ...stockCells,
    formatSeconds(row.keyless.seconds),
    cpu(row.keyless),
    formatMb(row.keyless.peakMb),
    formatSpeedup(speedup(row)),
    formatFraction(memoryRatio(row)),
  ];
}

export function renderSynthTable(rows: readonly SynthRow[], options: { markdown?: boolean } = {}): string {
  return renderTable(SYNTH_HEADER, rows.map(synthCells), options);
}

export const TERRAFORM_HEADER = ['case', 'stacks', 'roles', 'AWS resources', 'validate s', 'validate MB', 'plan s', 'plan MB', 'slowest stack s'] as const;

export function renderTerraformTable(rows: readonly TerraformRow[], options: { markdown?: boolean } = {}): string {
  return renderTable(
    TERRAFORM_HEADER,
    rows.map((r) => [
      r.case,
      formatCount(r.stacks),
      formatCount(r.roles),
      formatCount(r.resources),
      formatSeconds(r.validate.seconds),
      formatMb(r.validate.peakMb),
      r.ok ? formatSeconds(r.plan.seconds) : 'FAILED',
      formatMb(r.plan.peakMb),
      formatSeconds(r.slowestStackSeconds),
    ]),
    options,
  );
}

export interface Verdict {
  readonly target: string;
  readonly status: 'PASS' | 'FAIL' | 'NOT MEASURED';
  readonly detail: string;
}

/** Checks the rows against the targets. */
export function verdicts(rows: readonly SynthRow[]): Verdict[] {
  const out: Verdict[] = [];
  for (const row of rows.filter((r) => r.kind === 'example')) {
    const x = speedup(row);
    const m = memoryRatio(row);
    if (x === undefined || m === undefined) {
      out.push({ target: `${row.case}: ≥ ${TARGETS.exampleSpeedup}× faster, ≤ 1/5 memory`, status: 'NOT MEASURED', detail: 'stock path not run' });
      continue;
    }
    out.push({
      target: `${row.case}: ≥ ${TARGETS.exampleSpeedup}× faster than stock`,
      status: x >= TARGETS.exampleSpeedup ? 'PASS' : 'FAIL',
      detail: `${formatSpeedup(x)} (${formatSeconds(isTiming(row.stock) ? row.stock.seconds : NaN)} s → ${formatSeconds(row.keyless.seconds)} s)`,
    });
    out.push({
      target: `${row.case}: ≤ 1/5 of the stock peak memory`,
      status: m <= TARGETS.exampleMemoryRatio ? 'PASS' : 'FAIL',
      detail: `${formatFraction(m)} (${formatMb(isTiming(row.stock) ? row.stock.peakMb : undefined)} MB → ${formatMb(row.keyless.peakMb)} MB)`,
    });
  }
  for (const row of rows.filter((r) => r.kind === 'generated' && r.repositories >= TARGETS.largeRepositories)) {
    const ok = row.keyless.seconds <= TARGETS.largeSeconds && row.keyless.peakMb <= TARGETS.largePeakMb && row.roles >= TARGETS.largeRepositories;
    out.push({
      target: `${row.case}: ≤ ${TARGETS.largeSeconds} s and ≤ 1 GB (${formatCount(row.roles)} roles)`,
      status: ok ? 'PASS' : 'FAIL',
      detail:
        `${formatSeconds(row.keyless.seconds)} s wall` +
        (row.keyless.cpuSeconds !== undefined ? ` (${formatSeconds(row.keyless.cpuSeconds)} s CPU)` : '') +
        `, ${formatMb(row.keyless.peakMb)} MB`,
    });
  }
  for (const row of rows) {
    if (row.differences.length > 0) out.push({ target: `${row.case}: stock and keyless generate the same resources`, status: 'FAIL', detail: row.differences.join('; ') });
  }
  return out;
}

export function renderVerdicts(list: readonly Verdict[]): string {
  return list.map((v) => `${v.status.padEnd(12)} ${v.target}: ${v.detail}`).join('\n');
}
