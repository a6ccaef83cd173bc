/**
 * A unified diff of two texts, for `keyless migrate-workflow --check`. Line-based longest common subsequence:
 * workflow files are small, so the quadratic table costs nothing.
 */
export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const below = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) row[j] = a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
  }
  type Op = { kind: ' ' | '-' | '+'; text: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: ' ', text: a[i++] as string, ai: i, bi: ++j });
    // Removals before additions, as diff(1) writes them.
    else if (i < n && (j === m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) ops.push({ kind: '-', text: a[i++] as string, ai: i, bi: j });
    else ops.push({ kind: '+', text: b[j++] as string, ai: i, bi: j });
  }
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  let k = 0;
  while (k < ops.length) {
    if ((ops[k] as Op).kind === ' ') {
      k++;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while changes are within 2*context lines of each other.
    while (end < ops.length) {
      if ((ops[end] as Op).kind !== ' ') {
        end++;
        continue;
      }
      let run = end;
      while (run < ops.length && (ops[run] as Op).kind === ' ') run++;
      if (run === ops.length || run - end > 2 * context) {
        end = Math.min(ops.length, end + context);
        break;
      }
      end = run;
    }
    const hunk = ops.slice(start, end);
    const aStart = hunk.filter((o) => o.kind !== '+').length === 0 ? (hunk[0] as Op).ai : firstLine(hunk, 'a');
    const bStart = hunk.filter((o) => o.kind !== '-').length === 0 ? (hunk[0] as Op).bi : firstLine(hunk, 'b');
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.text}`);
    k = end;
  }
  return `${out.join('\n')}\n`;
}

function firstLine(hunk: readonly { kind: string; ai: number; bi: number }[], side: 'a' | 'b'): number {
  const first = hunk.find((o) => o.kind !== (side === 'a' ? '+' : '-'));
  return first ? (side === 'a' ? first.ai : first.bi) : 0;
}
