/**
 * Errors that point: the line and column of each config problem, a "did you mean" for unknown keys, and a hint
 * when a known key sits at the wrong level (a wrong indentation).
 *
 * The loader reads YAML with js-yaml, which is fast and keeps no positions. Only when a config has problems is
 * its text parsed again, with the `yaml` package (loaded then, not before), keeping source ranges; each
 * problem's config path is then followed through the document to its key or value. The success path pays
 * nothing.
 */
import { createRequire } from 'node:module';
import type { z } from 'zod';
import { ConfigError, formatPath } from './problems.js';
import type { ConfigProblem } from './problems.js';

type Yaml = typeof import('yaml');
let yamlModule: Yaml | undefined;
const require = createRequire(import.meta.url);

/**
 * The `yaml` package, loaded on first use (a failing config): it takes several times as long to load as js-yaml,
 * and loading a good config never needs it.
 */
function yaml(): Yaml {
  yamlModule ??= require('yaml') as Yaml;
  return yamlModule;
}

/** Whether the positions parser has been loaded in this process (for the test that a good config never loads it). */
export function positionsParserLoaded(): boolean {
  return yamlModule !== undefined;
}

type Node = import('yaml').Node;
type Pair = import('yaml').Pair<unknown, unknown>;
type Document = import('yaml').Document.Parsed;

/** A node found for a path: the deepest one reached, its key when it is a mapping entry, and whether the whole path was. */
interface Found {
  readonly node: Node | null;
  readonly key: Node | null;
  readonly complete: boolean;
}

function keyText(key: unknown): string | undefined {
  const y = yaml();
  if (y.isScalar(key)) return key.value === null ? 'null' : String(key.value);
  return undefined;
}

function resolveAlias(node: unknown, doc: Document): unknown {
  const y = yaml();
  let n = node;
  // An alias of an alias is resolved in turn; a cycle is impossible in a parsed document, but the loop is bounded.
  for (let i = 0; i < 32 && y.isAlias(n); i++) n = n.resolve(doc);
  return n;
}

/** The pair of a mapping with this key (the last one: js-yaml refuses duplicates, so there is one). */
function pairOf(map: unknown, segment: string): Pair | undefined {
  const y = yaml();
  if (!y.isMap(map)) return undefined;
  return [...(map.items as Pair[])].reverse().find((p) => keyText(p.key) === segment);
}

function follow(doc: Document, path: readonly (string | number)[]): Found {
  const y = yaml();
  let node = doc.contents as Node | null;
  let key: Node | null = null;
  for (const segment of path) {
    const current = resolveAlias(node, doc);
    if (y.isMap(current)) {
      const pair = pairOf(current, String(segment));
      if (!pair) return { node, key, complete: false };
      key = (pair.key as Node | null) ?? null;
      node = (pair.value as Node | null) ?? null;
    } else if (y.isSeq(current) && typeof segment === 'number') {
      const item = current.items[segment] as Node | undefined;
      if (item === undefined) return { node, key, complete: false };
      key = null;
      node = item;
    } else return { node, key, complete: false };
  }
  return { node, key, complete: true };
}

/** Where a problem points: the key of a missing or misplaced entry, the value of a scalar, else the entry's key. */
function offsetOf(found: Found, at: 'key' | 'value' | undefined, doc: Document): number {
  const y = yaml();
  const start = (n: Node | null | undefined): number | undefined => n?.range?.[0];
  const { node, key } = found;
  if (!found.complete || at === 'key') return start(key) ?? start(node) ?? 0;
  const value = resolveAlias(node, doc);
  const scalarWithValue = y.isScalar(node) && node.value !== null && node.value !== undefined;
  const flow = y.isCollection(value) && (value as { flow?: boolean }).flow === true && node === value;
  if (scalarWithValue || flow || y.isAlias(node) || at === 'value') return start(node) ?? start(key) ?? 0;
  return start(key) ?? start(node) ?? 0;
}

/**
 * Adds the line and column of each problem in the YAML text, from its path: the key or value the path leads to,
 * or the deepest entry that exists (the parent mapping of a missing key). Problems that already have a line keep
 * it.
 */
export function locateIssues(text: string, issues: readonly ConfigProblem[]): ConfigProblem[] {
  if (issues.every((i) => i.line !== undefined)) return [...issues];
  const y = yaml();
  const lineCounter = new y.LineCounter();
  let doc: Document;
  try {
    doc = y.parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  } catch {
    return [...issues];
  }
  return issues.map((issue) => {
    if (issue.line !== undefined) return issue;
    const offset = offsetOf(follow(doc, issue.path), issue.at, doc);
    const { line, col } = lineCounter.linePos(offset);
    return { ...issue, line, column: col };
  });
}

/** The same error with every problem located in the text. */
export function locateConfigError(error: ConfigError, text: string): ConfigError {
  return new ConfigError(error.source, locateIssues(text, error.issues));
}

/**
 * Runs `build` (parsing and validating one config text); a ConfigError it throws comes out located in the text.
 * Nothing is parsed a second time unless there is such an error.
 */
export function withLocations<T>(text: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError && error.issues.some((i) => i.line === undefined)) throw locateConfigError(error, text);
    throw error;
  }
}

// --- "did you mean" -------------------------------------------------------------------------------------------

/** Optimal string alignment distance (Levenshtein with adjacent transpositions), ignoring case. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (s === t) return 0;
  // Three rows of the table (the one before the previous is for transpositions); Int32Array reads are numbers.
  const width = t.length + 1;
  let before = new Int32Array(width);
  let prev = Int32Array.from({ length: width }, (_, j) => j);
  let row = new Int32Array(width);
  for (let i = 1; i <= s.length; i++) {
    row[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      row[j] = d;
    }
    [before, prev, row] = [prev, row, before];
  }
  return prev[t.length] ?? 0;
}

/**
 * The candidates closest to `word`: within about a third of its length in edits (at least one), or differing
 * only in case; of those, the ones at the smallest distance (at most `max`, sorted). Empty when nothing is close.
 */
export function closestMatches(word: string, candidates: Iterable<string>, max = 2): string[] {
  if (word.length > 200) return [];
  const limit = Math.max(1, Math.floor(word.length / 3));
  const scored = [...new Set(candidates)]
    .filter((c) => c !== word && c.length <= 200)
    .map((c) => ({ c, d: editDistance(word, c) }))
    .filter(({ d }) => d <= limit);
  const best = Math.min(...scored.map(({ d }) => d));
  return scored.filter(({ d }) => d === best).map(({ c }) => c).sort().slice(0, max);
}

/** `did you mean "a"?` or `did you mean "a" or "b"?`, or undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const close = closestMatches(word, candidates);
  return close.length > 0 ? `did you mean ${close.map((c) => JSON.stringify(c)).join(' or ')}?` : undefined;
}

// --- the schema at a path ---------------------------------------------------------------------------------------

interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly valueType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly in?: z.ZodType;
  readonly catchall?: z.ZodType;
}

function def(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema without optional, nullable, default, readonly and pipe wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const d = def(s);
    if (d.innerType && ['optional', 'nullable', 'default', 'readonly', 'prefault', 'nonoptional', 'catch'].includes(d.type)) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else break;
  }
  return s;
}

/** The object schemas a schema can be (a union's object members), unwrapped. */
function objects(schema: z.ZodType): z.ZodType[] {
  const s = unwrap(schema);
  const d = def(s);
  if (d.type === 'object') return [s];
  if (d.type === 'union') return (d.options ?? []).flatMap(objects);
  return [];
}

/** The keys an object schema (or a union of them) accepts; undefined for any other schema. */
export function schemaKeys(schema: z.ZodType): string[] | undefined {
  const objs = objects(schema);
  if (objs.length === 0) return undefined;
  return [...new Set(objs.flatMap((o) => Object.keys(def(o).shape ?? {})))];
}

/** The schema of the entry at `path`, or undefined when the path leaves the schema. */
export function schemaAt(schema: z.ZodType, path: readonly (string | number)[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const segment of path) {
    if (s === undefined) return undefined;
    const u = unwrap(s);
    const d = def(u);
    if (d.type === 'object') s = d.shape?.[String(segment)];
    else if (d.type === 'record') s = d.valueType;
    else if (d.type === 'array') s = d.element;
    else if (d.type === 'union') s = objects(u).map((o) => def(o).shape?.[String(segment)]).find((x) => x !== undefined);
    else return undefined;
  }
  return s;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let cur = input;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

/**
 * Why a key is unknown at `path`, in words: a close spelling of a key allowed there, a key of a mapping one level
 * below (`branches` directly under a role: "did you mean to indent it under trust?"), a key of a level above
 * (`managedPolicyArns` under trust: outdent it), or a mapping that fits an entry of a list of named entries
 * below (a role written directly under a repository: under roles). Undefined when none applies.
 */
export function unknownKeyHint(schema: z.ZodType, path: readonly (string | number)[], key: string, input: unknown): string | undefined {
  const here = schemaAt(schema, path);
  if (!here) return undefined;
  const keys = schemaKeys(here) ?? [];
  const spelling = didYouMean(key, keys);
  if (spelling) return spelling;
  const parent = valueAt(input, path);
  const present = isMapping(parent) ? Object.keys(parent) : [];

  // One level down: a child mapping of this level that takes the key.
  const below = keys.filter((k) => {
    const child = schemaAt(here, [k]);
    return child !== undefined && (schemaKeys(child) ?? []).includes(key);
  });
  const belowPresent = below.filter((k) => present.includes(k));
  const indent = belowPresent[0] ?? below[0];
  if (indent !== undefined)
    return present.includes(indent)
      ? `did you mean to indent it under ${indent}?`
      : `it belongs under ${indent} (${formatPath([...path, indent, key])}); did you mean to write it there?`;

  // A level up: an ancestor mapping that takes the key.
  for (let n = path.length - 1; n >= 0; n--) {
    const ancestor = schemaAt(schema, path.slice(0, n));
    if (ancestor && (schemaKeys(ancestor) ?? []).includes(key)) {
      const target = n === 0 ? 'the top level' : formatPath(path.slice(0, n));
      return `it is a key of ${target}; did you mean to outdent it there?`;
    }
  }

  // A named entry of a record one level down (a role written directly under a repository, without roles:).
  const value = valueAt(input, [...path, key]);
  if (isMapping(value) && Object.keys(value).length > 0) {
    for (const k of keys) {
      const child = schemaAt(here, [k]);
      if (!child || def(unwrap(child)).type !== 'record') continue;
      const entryKeys = schemaKeys(schemaAt(child, [key]) ?? child) ?? [];
      if (entryKeys.length > 0 && Object.keys(value).every((x) => entryKeys.includes(x)))
        return `it reads like an entry of ${k}; did you mean to indent it under ${k}?`;
    }
  }
  return undefined;
}

// --- bootstrap accounts -----------------------------------------------------------------------------------------

/**
 * Maps a problem of a bootstrap account's generated access config back to the bootstrap file: `aws.region` to
 * `accounts.<key>.region`, `github.*` to `github.*`, the infra repository's entry to `infraRepository`, anything
 * else to the account's entry. The text names both when the path changes.
 */
export function bootstrapAccountProblem(issue: ConfigProblem, accountKey: string, infraRepository: string): ConfigProblem {
  const p = issue.path;
  const account = ['accounts', accountKey];
  let mapped: (string | number)[] | undefined;
  if (p[0] === 'aws' && (p[1] === 'accountId' || p[1] === 'region' || p[1] === 'tags')) mapped = [...account, ...p.slice(1)];
  else if (p[0] === 'state' && p[1] === 'region') mapped = [...account, 'region'];
  else if (p[0] === 'state' && p[1] === 'bucket') mapped = ['stateBucketPrefix'];
  else if (p[0] === 'github') mapped = [...p];
  else if (p[0] === 'repositories' && p[1] === infraRepository && (p[2] === 'id' || p[2] === 'subjectFormat') && p.length === 3) mapped = ['infraRepository', p[2]];
  else if (p[0] === 'repositories' && p[1] === infraRepository && p.length === 2) mapped = ['infraRepository', 'name'];
  else if (p[0] === 'repositories' && p.includes('reviewers')) mapped = [...account, 'reviewers'];
  const original = formatPath(p);
  const rest = issue.text.startsWith(`${original}: `) ? issue.text.slice(original.length + 2) : issue.text;
  // The same field in the bootstrap file: the same problem there. Anything else: the account's entry, naming the
  // generated entry, which the bootstrap documents (docs/pipeline.md).
  if (mapped) return { ...issue, path: mapped, text: `${formatPath(mapped)}: ${rest}` };
  return { ...issue, path: account, text: `${formatPath(account)}: ${p.length > 0 ? `${original} of the account's pipeline config: ` : ''}${rest}`, at: 'key' };
}
