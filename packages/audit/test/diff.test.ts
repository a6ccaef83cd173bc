import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../src/index.js';

function lcsLength(a: readonly string[], b: readonly string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'a', 'b')).toBe('');
  });

  it('writes hunks with context and line numbers', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n');
    const after = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10'].join('\n');
    expect(unifiedDiff(before, after, 'a/x', 'b/x')).toBe('--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n');
  });

  it('keeps a longest common subsequence and nothing but the two texts (property)', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', '  - x', ''), { maxLength: 12 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const before = a.join('\n');
        const after = b.join('\n');
        const diff = unifiedDiff(before, after, 'a', 'b', 1_000_000);
        if (before === after) {
          expect(diff).toBe('');
          return;
        }
        const body = diff.split('\n').slice(3, -1);
        expect(body.filter((l) => !l.startsWith('+')).map((l) => l.slice(1))).toEqual(before.split('\n'));
        expect(body.filter((l) => !l.startsWith('-')).map((l) => l.slice(1))).toEqual(after.split('\n'));
        expect(body.filter((l) => l.startsWith(' ')).length).toBe(lcsLength(before.split('\n'), after.split('\n')));
      }),
      { numRuns: 200 },
    );
  });
});
