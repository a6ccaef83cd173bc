/**
 * stableJson writes what json-stable-stringify (cdktf's writer) writes, whatever order the keys are in: the
 * printer hands it objects whose keys are already in order, which it writes without a sorted copy, so both
 * kinds of input are checked, and neither is changed by writing it.
 */
import stringify from 'json-stable-stringify';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableJson } from '../src/fast.js';
import { stableJsonParts } from '../src/printer/stable-json.js';

/** A deep copy with every object's keys in insertion order sorted, as the printer builds them. */
function sortedKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortedKeys);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortedKeys((value as Record<string, unknown>)[key]);
  return out;
}

const json = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('\\u0000'));

describe('stableJson', () => {
  it('property: keys in order or not, the text is json-stable-stringify\'s, and the value is left as it was', () => {
    fc.assert(
      fc.property(json, (value) => {
        for (const input of [value, sortedKeys(value)]) {
          const before = JSON.stringify(input);
          const text = stableJson(input);
          expect(text).toBe(stringify(input, { space: 2 }));
          expect(stableJsonParts(input).join('')).toBe(text);
          expect(JSON.stringify(input)).toBe(before);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['empty containers deep in ordered objects', { a: { b: [], c: { d: {} } }, e: [[], {}, [{}]] }],
    ['integer-like keys', { a: { '10': 1, '9': 2, x: 3 }, b: { '0': [] } }],
    ['undefined and functions', { a: undefined, b: () => 1, c: [undefined, () => 2, 3], d: { e: undefined } }],
    ['a key named __proto__', JSON.parse('{"__proto__": {"b": 1, "a": []}, "z": 1}')],
    ['objects without a prototype', Object.assign(Object.create(null) as object, { b: 1, a: { c: [] } })],
    ['strings that look like placeholders', { a: '"\\u00001"', b: ['\\u0000', 'x\u0001'] }],
    ['nested arrays', [[[1, [2, []]]], { b: 1, a: 2 }]],
  ])('writes %s as json-stable-stringify does', (_what, value) => {
    expect(stableJson(value)).toBe(stringify(value, { space: 2 }));
  });

  it('writes a class instance from its own keys, as the sorted copy always did (no toJSON)', () => {
    class Point {
      constructor(
        readonly y: number,
        readonly x: number,
      ) {}
      toJSON(): string {
        return 'not this';
      }
    }
    expect(stableJson({ p: new Point(2, 1) })).toBe('{\n  "p": {\n    "x": 1,\n    "y": 2\n  }\n}');
    const array = Object.assign([1, 2], { toJSON: () => 'not this' });
    expect(stableJson({ a: array })).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
  });
});
