/**
 * The cli tests' shared harness: keyless run as a user runs it (argv, a working directory, answers to its
 * questions, standard input), with what it prints captured; and scratch workspaces removed after each test.
 */
import { rmSync } from 'node:fs';
import { octoOrgWorkspace } from '@keyless/testkit';
import { afterEach } from 'vitest';
import { main } from '../src/index.js';

export interface KeylessRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** The questions asked, when answers were given. */
  readonly asked: readonly string[];
}

/**
 * Runs `keyless ARGV` in `cwd`. With `answers`, keyless runs as in a terminal and each question takes the next
 * answer (empty once they run out); without, it runs as without a terminal.
 */
export async function runKeyless(cwd: string, argv: readonly string[], options: { answers?: readonly string[]; stdin?: string } = {}): Promise<KeylessRun> {
  let out = '';
  let err = '';
  const asked: string[] = [];
  const queue = [...(options.answers ?? [])];
  const code = await main(argv, {
    cwd,
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    ...(options.stdin !== undefined ? { stdin: () => options.stdin as string } : {}),
    ...(options.answers
      ? {
          prompt: async (q: string) => {
            asked.push(q);
            return queue.shift() ?? '';
          },
        }
      : {}),
  });
  return { code, out, err, asked };
}

/**
 * Scratch directories for the tests of one file, removed after each test: `workspace()` is a fresh workspace of
 * the octo-org fixture (dev, prod, bootstrap; not this repository's apps), `removeAfter(dir)` adds another.
 */
export function scratchPerTest(): { workspace: () => string; removeAfter: (dir: string) => string } {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const removeAfter = (dir: string): string => {
    dirs.push(dir);
    return dir;
  };
  return { workspace: () => removeAfter(octoOrgWorkspace()), removeAfter };
}
