/**
 * Seeded random cases for property tests in this package, which has no fast-check: a small PRNG (mulberry32)
 * and helpers. Each property runs a fixed number of cases from a fixed seed, so a failure names its case and
 * reproduces.
 */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

export function shuffle<T>(next: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
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
