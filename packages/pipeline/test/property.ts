/**
 * A small seeded property harness: fast-check is not a dependency of this package, so the property tests draw
 * their cases from a deterministic generator (the same cases on every run; the PRNG every package's seeded tests
 * share, from @keyless/testkit) and report the first counterexample.
 */
import { prng } from '@keyless/testkit';

export interface Gen {
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  bool(): boolean;
  /** A string of `length` characters from `alphabet`. */
  string(alphabet: string, min: number, max: number): string;
  subset<T>(items: readonly T[]): T[];
}

export function gen(random: () => number): Gen {
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  return {
    int,
    pick: (items) => items[int(0, items.length - 1)] as (typeof items)[number],
    bool: () => random() < 0.5,
    string: (alphabet, min, max) => Array.from({ length: int(min, max) }, () => alphabet[int(0, alphabet.length - 1)]).join(''),
    subset: (items) => items.filter(() => random() < 0.5),
  };
}

/** Runs `property` on `runs` generated cases; throws with the case when it returns false or throws. */
export function forAll<T>(runs: number, arbitrary: (g: Gen) => T, property: (value: T) => boolean, seed = 20261202): void {
  const g = gen(prng(seed));
  for (let i = 0; i < runs; i++) {
    const value = arbitrary(g);
    let ok: boolean;
    try {
      ok = property(value);
    } catch (error) {
      throw new Error(`property threw on case ${i}: ${JSON.stringify(value)}\n${(error as Error).message}`);
    }
    if (!ok) throw new Error(`property failed on case ${i}: ${JSON.stringify(value)}`);
  }
}
