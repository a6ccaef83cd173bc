/**
 * Questions about IAM `StringLike` patterns that a single match cannot answer: can this pattern match any
 * string of a given shape, and if so, which one. Used to build a concrete token (a "witness") that the policy
 * evaluator then judges, so that a finding rests on a token STS would accept, not on reading the pattern.
 */

/** One position of a string shape: a fixed character, or one character of a class. */
export type ShapePart = { readonly literal: string } | { readonly oneOrMore: (char: string) => boolean; readonly sample: string };

/** `repo:OWNER/REPO:pull_request`, with OWNER and REPO any non-empty text without `:` or `/` (ids included). */
export const PULL_REQUEST_SUBJECT: readonly ShapePart[] = [
  { literal: 'repo:' },
  { oneOrMore: (c) => c !== ':' && c !== '/', sample: 'x' },
  { literal: '/' },
  { oneOrMore: (c) => c !== ':' && c !== '/', sample: 'x' },
  { literal: ':pull_request' },
];

type Token = { kind: 'char'; char: string } | { kind: 'any' } | { kind: 'one' };

function tokens(pattern: string): Token[] {
  return [...pattern].map((c): Token => (c === '*' ? { kind: 'any' } : c === '?' ? { kind: 'one' } : { kind: 'char', char: c }));
}

/** The shape as a chain of states: each state accepts a character and moves on (or, in a class, may stay). */
interface State {
  readonly accepts: (c: string) => boolean;
  /** A character to use when the pattern has a wildcard here. */
  readonly sample: string;
  readonly loops: boolean;
}

function states(shape: readonly ShapePart[]): State[] {
  const out: State[] = [];
  for (const part of shape) {
    if ('literal' in part) for (const c of part.literal) out.push({ accepts: (x) => x === c, sample: c, loops: false });
    else out.push({ accepts: part.oneOrMore, sample: part.sample, loops: true });
  }
  return out;
}

/**
 * A string that both the `StringLike` pattern and the shape accept, or undefined when there is none. The search
 * walks the product of the pattern and the shape (breadth first over at most |pattern| x |shape| x 2 states), so
 * it is exact and small.
 */
export function findWitness(pattern: string, shape: readonly ShapePart[]): string | undefined {
  const p = tokens(pattern);
  const s = states(shape);
  // A node: pattern position, shape position (number of states completed), and whether the current looping
  // state has taken at least one character (then it may take more, or the next state may start).
  type Node = { i: number; j: number; inLoop: boolean; text: string };
  const key = (n: Node): string => `${n.i},${n.j},${n.inLoop ? 1 : 0}`;
  const start: Node = { i: 0, j: 0, inLoop: false, text: '' };
  const seen = new Set([key(start)]);
  const queue: Node[] = [start];
  const push = (n: Node): void => {
    const k = key(n);
    if (!seen.has(k)) {
      seen.add(k);
      queue.push(n);
    }
  };
  // Characters that may come next from shape position j: continue the current loop, or start state j.
  const nexts = (n: Node): { state: State; j: number; inLoop: boolean }[] => {
    const out: { state: State; j: number; inLoop: boolean }[] = [];
    if (n.inLoop) {
      const loop = s[n.j - 1] as State;
      out.push({ state: loop, j: n.j, inLoop: true });
    }
    const next = s[n.j];
    if (next) out.push({ state: next, j: n.j + 1, inLoop: next.loops });
    return out;
  };
  while (queue.length > 0) {
    const n = queue.shift() as Node;
    if (n.i === p.length && n.j === s.length) return n.text;
    const token = p[n.i];
    if (token === undefined) continue;
    if (token.kind === 'any') push({ ...n, i: n.i + 1 }); // "*" matches nothing here
    for (const step of nexts(n)) {
      if (token.kind === 'char') {
        if (step.state.accepts(token.char)) push({ i: n.i + 1, j: step.j, inLoop: step.inLoop, text: n.text + token.char });
      } else {
        const c = step.state.sample;
        const moved = { j: step.j, inLoop: step.inLoop, text: n.text + c };
        if (token.kind === 'one') push({ i: n.i + 1, ...moved });
        else {
          push({ i: n.i, ...moved }); // "*" takes this character and may take more
          push({ i: n.i + 1, ...moved }); // or this is its last one
        }
      }
    }
  }
  return undefined;
}
