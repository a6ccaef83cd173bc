/**
 * JSON with sorted keys and two-space indentation, formatted exactly as json-stable-stringify (which cdktf
 * uses) formats it, empty arrays and objects included. The native JSON.stringify does the writing, which is
 * several times faster than a writer in JavaScript on a stack of tens of megabytes. It writes keys in insertion
 * order, so objects whose keys are not in order are written from a sorted copy; the printer builds its objects
 * with sorted keys, so on its output only the few objects on the way to an empty array are copied. Two things
 * native JSON cannot write that way are written beforehand and put in through placeholders: empty containers
 * (native writes `[]`, the library `[` newline `]`) and objects with integer-like keys (which JavaScript orders
 * first). A placeholder starts with U+0000, which no value keyless writes can contain (policy text, names and
 * descriptions are validated to printable characters). The value is never changed.
 */
export function stableJson(value: unknown): string {
  const parts = stableJsonParts(value);
  return parts.length === 1 ? (parts[0] as string) : parts.join('');
}

/**
 * stableJson's text in pieces, for writing to a file: joining them would copy tens of megabytes once more.
 * (The text of `undefined` is undefined, as JSON.stringify's is.)
 */
export function stableJsonParts(value: unknown): string[] {
  const prewritten: string[] = [];
  const text = JSON.stringify(ready(value, 0, prewritten), null, 2);
  if (prewritten.length === 0) return [text];
  const parts: string[] = [];
  let from = 0;
  for (let at = text.indexOf(MARK); at >= 0; at = text.indexOf(MARK, at + 1)) {
    const close = text.indexOf('"', at + MARK.length);
    const index = text.slice(at + MARK.length, close);
    if (!DIGITS.test(index)) continue;
    parts.push(text.slice(from, at), prewritten[Number(index)] ?? '');
    from = close + 1;
  }
  parts.push(text.slice(from));
  return parts;
}

/** How a placeholder starts in the text: a string whose first character is U+0000, then the index. */
const MARK = '"\\u0000';
const DIGITS = /^[0-9]+$/;
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/** Whether a key is integer-like (JavaScript enumerates those first, in numeric order). */
function indexKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && INDEX_KEY.test(key);
}

const skipped = (item: unknown): boolean => item === undefined || typeof item === 'function';

/**
 * The value as native JSON.stringify can write it: the value itself when it can (an array, or a plain object
 * whose keys are in order, with nothing inside to change), else a copy, or a placeholder.
 */
function ready(value: unknown, level: number, prewritten: string[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return placeholder(prewritten, writeSorted(value, level));
    // A copy from the first item that changes (or the array itself when none does, nor could call toJSON).
    let out: unknown[] | undefined = Object.getPrototypeOf(value) === Array.prototype && !Object.hasOwn(value, 'toJSON') ? undefined : [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const written = skipped(item) ? null : ready(item, level + 1, prewritten);
      if (out === undefined && written !== item) out = value.slice(0, i) as unknown[];
      if (out !== undefined) out.push(written);
    }
    return out ?? value;
  }
  const record = value as Record<string, unknown>;
  let keys = Object.keys(record);
  let inOrder = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (indexKey(key)) return placeholder(prewritten, writeSorted(value, level));
    if (i > 0 && !((keys[i - 1] as string) < key)) inOrder = false;
  }
  if (!inOrder) keys = keys.sort();
  const proto: unknown = Object.getPrototypeOf(value);
  // A copy for keys out of order and for anything but a plain object (whose toJSON native JSON would call);
  // else one from the first item that is skipped or changes.
  let out = !inOrder || (proto !== Object.prototype && proto !== null) ? emptyRecord() : undefined;
  let written = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = record[key];
    if (skipped(item)) {
      out ??= copyBefore(record, keys, i);
      continue;
    }
    const r = ready(item, level + 1, prewritten);
    if (out === undefined && r !== item) out = copyBefore(record, keys, i);
    if (out !== undefined) out[key] = r;
    written++;
  }
  if (written === 0) return placeholder(prewritten, writeSorted(value, level));
  return out ?? value;
}

/** No prototype, so that a key named __proto__ is an ordinary key. */
const emptyRecord = (): Record<string, unknown> => Object.create(null) as Record<string, unknown>;

/** A copy of the items before `end`, which were written as they are. */
function copyBefore(record: Record<string, unknown>, keys: readonly string[], end: number): Record<string, unknown> {
  const out = emptyRecord();
  for (let j = 0; j < end; j++) {
    const key = keys[j] as string;
    const item = record[key];
    if (!skipped(item)) out[key] = item;
  }
  return out;
}

function placeholder(prewritten: string[], text: string): string {
  prewritten.push(text);
  return `\u0000${prewritten.length - 1}`;
}

/** The plain recursive writer, json-stable-stringify's format; used for the parts native JSON cannot write. */
function writeSorted(value: unknown, level: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = `\n${'  '.repeat(level + 1)}`;
  const close = `\n${'  '.repeat(level)}`;
  if (Array.isArray(value)) {
    const items = value.map((item) => `${inner}${item === undefined || typeof item === 'function' ? 'null' : writeSorted(item, level + 1)}`);
    return `[${items.join(',')}${close}]`;
  }
  const record = value as Record<string, unknown>;
  const items: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined || typeof item === 'function') continue;
    items.push(`${inner}${JSON.stringify(key)}: ${writeSorted(item, level + 1)}`);
  }
  return `{${items.join(',')}${close}}`;
}
