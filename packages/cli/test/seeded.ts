/**
 * Seeded random cases for property tests in this package, which has no fast-check: a small PRNG (mulberry32)
 * and helpers. Each property runs a fixed number of cases from a fixed seed, so a failure names its case and
 * reproduces.
 */
import { prng, shuffled } from '@keyless/testkit';

/** The PRNG every package's seeded tests share (@keyless/testkit). */
export const random: (seed: number) => () => number = prng;

export function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

export function shuffle<T>(next: () => number, items: readonly T[]): T[] {
  return shuffled(items, next);
}

/** A string of `length` characters drawn from `alphabet`. */
export function stringOf(next: () => number, alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
}

/** Runs `property` on `runs` cases from `seed`; the case number is in the failure. */
export function forAll(runs: number, seed: number, property: (next: () => number, run: number) => void): void {
  const next = random(seed);
  for (let run = 0; run < runs; run++) {
    try {
      property(next, run);
    } catch (error) {
      (error as Error).message = `case ${run} (seed ${seed}): ${(error as Error).message}`;
      throw error;
    }
  }
}
