/**
 * Edits spliced into a YAML file's original text: the `yaml` package's document model finds the nodes and their
 * exact source ranges, and every line no edit touches stays byte-identical (comments, blank lines, quoting, flow
 * collections and indentation included). Shared by the workflow and composite action rewrites.
 */
import { isMap, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { refsOf } from './workflows.js';

const KEY_ENV = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export class Source {
  readonly edits: Edit[] = [];
  constructor(readonly text: string) {}

  lineStart(pos: number): number {
    return this.text.lastIndexOf('\n', pos - 1) + 1;
  }

  lineEnd(pos: number): number {
    const nl = this.text.indexOf('\n', pos);
    return nl < 0 ? this.text.length : nl + 1;
  }

  column(pos: number): number {
    return pos - this.lineStart(pos);
  }

  /** From the start of the key's line to the end of the value's last line (trailing comment included). */
  pairExtent(pair: Pair): { start: number; end: number } {
    const key = pair.key as Node;
    const value = pair.value as Node | null;
    const start = this.lineStart((key.range as [number, number, number])[0]);
    let end = Math.max((key.range as [number, number, number])[2], value?.range?.[2] ?? 0);
    if (end > 0 && this.text[end - 1] !== '\n') end = this.lineEnd(end);
    return { start, end };
  }

  remove(start: number, end: number): void {
    this.edits.push({ start, end, text: '' });
  }

  insert(pos: number, text: string): void {
    this.edits.push({ start: pos, end: pos, text });
  }

  replace(start: number, end: number, text: string): void {
    this.edits.push({ start, end, text });
  }

  apply(): string {
    let out = this.text;
    const sorted = [...this.edits].sort((a, b) => b.start - a.start || b.end - a.end);
    for (let i = 1; i < sorted.length; i++) {
      const later = sorted[i - 1] as Edit;
      const earlier = sorted[i] as Edit;
      if (earlier.end > later.start && !(earlier.start === earlier.end) && !(later.start === later.end)) {
        throw new Error(`internal: overlapping edits at ${earlier.start}-${earlier.end} and ${later.start}-${later.end}`);
      }
    }
    for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
    return out;
  }
}

export function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

export function pairOf(map: unknown, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  return (map.items as Pair[]).find((p) => keyOf(p) === key);
}

export function valueText(node: unknown): string {
  return isScalar(node) ? String(node.value ?? '') : '';
}

export function actionName(uses: string): string {
  const at = uses.indexOf('@');
  return (at < 0 ? uses : uses.slice(0, at)).split('/').slice(0, 2).join('/');
}

/**
 * Removes pairs from a map and adds `key: value` entries (after `afterKey`, else at the end). A block map keeps
 * its lines; a flow map is written again from its remaining pairs' source text. Returns false when the map
 * would be left empty and nothing is added: the caller removes the map's own pair instead.
 */
export function editMap(src: Source, map: YAMLMap, remove: readonly Pair[], add: readonly [string, string][], afterKey?: string): boolean {
  const remaining = (map.items as Pair[]).filter((p) => !remove.includes(p));
  if (remaining.length === 0 && add.length === 0) return false;
  if (map.flow) {
    const range = map.range as [number, number, number];
    const parts = remaining.map((p) => src.text.slice((p.key as Node).range?.[0] ?? 0, (p.value as Node | null)?.range?.[1] ?? (p.key as Node).range?.[1] ?? 0));
    parts.push(...add.map(([k, v]) => `${k}: ${v}`));
    src.replace(range[0], range[1], `{ ${parts.join(', ')} }`);
    return true;
  }
  for (const p of remove) {
    const { start, end } = src.pairExtent(p);
    src.remove(start, end);
  }
  if (add.length > 0) {
    const first = map.items[0] as Pair;
    const indent = ' '.repeat(src.column((first.key as Node).range?.[0] ?? 0));
    // In place of the first removed pair, so that the new input sits where the keys were; else after the anchor.
    const anchor = (afterKey !== undefined ? pairOf(map, afterKey) : undefined) ?? (map.items[map.items.length - 1] as Pair);
    const at = remove[0] !== undefined ? src.pairExtent(remove[0]).start : src.pairExtent(anchor).end;
    const needsNewline = at > 0 && src.text[at - 1] !== '\n';
    src.insert(at, `${needsNewline ? '\n' : ''}${add.map(([k, v]) => `${indent}${k}: ${v}\n`).join('')}`);
  }
  return true;
}

/** Removes a pair and, when that empties its map, the map's own pair in its parent. */
export function removePairs(src: Source, map: YAMLMap, pairs: readonly Pair[], parent: { map: YAMLMap; pair: Pair } | undefined): void {
  if (pairs.length === 0) return;
  if (!editMap(src, map, pairs, [])) {
    if (parent) src.remove(src.pairExtent(parent.pair).start, src.pairExtent(parent.pair).end);
    else for (const p of pairs) src.remove(src.pairExtent(p).start, src.pairExtent(p).end);
  }
}

/** Env pairs that carry keys: the two key variables, and a session token that comes from a secret. */
export function keyEnvPairs(env: unknown): Pair[] {
  if (!isMap(env)) return [];
  const pairs = env.items as Pair[];
  const keys = pairs.filter((p) => KEY_ENV.has(keyOf(p)));
  if (keys.length === 0) return [];
  const token = pairs.find((p) => keyOf(p) === 'AWS_SESSION_TOKEN' && refsOf(valueText(p.value)).secrets.length > 0);
  return token ? [...keys, token] : keys;
}

/** The position of the `-` of a sequence item (the item's node starts after it). */
export function dashStartOf(src: Source, item: Node): number {
  const start = item.range?.[0] ?? 0;
  const lineStart = src.lineStart(start);
  const dash = src.text.slice(lineStart, start).lastIndexOf('-');
  return dash < 0 ? start : lineStart + dash;
}

export function dashColumnOf(src: Source, item: Node): number {
  return src.column(dashStartOf(src, item));
}
