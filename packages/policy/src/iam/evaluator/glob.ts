/**
 * IAM's wildcard matching for `StringLike` and action names, on code points, without regular expressions.
 */

export type GlobToken = { readonly kind: 'char'; readonly char: string } | { readonly kind: 'any' } | { readonly kind: 'one' };

/**
 * IAM's `StringLike` match: `*` matches any run of characters (including `/`, `:` and none), `?` exactly one
 * character; everything else matches itself, case-sensitively, and the pattern must cover the whole value.
 */
export function stringLike(pattern: string, value: string): boolean {
  return globMatch(patternTokens(pattern), [...value]);
}

export function patternTokens(pattern: string): GlobToken[] {
  return [...pattern].map((char) =>
    char === '*' ? { kind: 'any' } : char === '?' ? { kind: 'one' } : { kind: 'char', char },
  );
}

export function literalTokens(text: string): GlobToken[] {
  return [...text].map((char) => ({ kind: 'char', char }));
}

/** The text a token list stands for when wildcards are not special (the Equals operators). */
export function tokensText(tokens: readonly GlobToken[]): string {
  return tokens.map((t) => (t.kind === 'char' ? t.char : t.kind === 'any' ? '*' : '?')).join('');
}

/**
 * Greedy glob matching with backtracking to the last `*` only: linear in practice and O(n·m) at worst,
 * where a regular expression could backtrack exponentially on patterns like `*a*a*a*b`.
 * Works on code points, so `?` matches one character even outside the Basic Multilingual Plane.
 */
export function globMatch(tokens: readonly GlobToken[], chars: readonly string[]): boolean {
  let t = 0;
  let c = 0;
  let starToken = -1;
  let starChar = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (token !== undefined && (token.kind === 'one' || (token.kind === 'char' && token.char === chars[c]))) {
      t += 1;
      c += 1;
    } else if (token !== undefined && token.kind === 'any') {
      starToken = t;
      starChar = c;
      t += 1;
    } else if (starToken >= 0) {
      t = starToken + 1;
      starChar += 1;
      c = starChar;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'any') t += 1;
  return t === tokens.length;
}
