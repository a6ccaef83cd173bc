import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAuditCommand, type AuditCommandContext } from '../src/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
export const AS_OF = '2026-06-01';

export interface RunResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs a command as the CLI would, capturing its output. */
export async function run(args: readonly string[], options: { cwd?: string; live?: AuditCommandContext['live'] } = {}): Promise<RunResult> {
  let out = '';
  let err = '';
  const code = await runAuditCommand(args[0] as string, args.slice(1), {
    cwd: options.cwd ?? FIXTURES,
    env: {},
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    ...(options.live ? { live: options.live } : {}),
  });
  return { code, out, err };
}

/** The file-mode audit of the fixtures. */
export const FILE_AUDIT = ['audit', '--iam', 'authorization-details.json', '--credential-report', 'credential-report.csv', '--workflows', 'repos', '--as-of', AS_OF];

/** A copy of fixture folders in one temporary directory, for commands that write. */
export function copyFixture(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-audit-'));
  for (const name of names) cpSync(join(FIXTURES, name), join(dir, name), { recursive: true });
  return dir;
}
