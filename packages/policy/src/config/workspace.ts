/**
 * Where a keyless workspace starts: the commands (keyless, keyless-pipeline) find the apps and their configs
 * below the directory that holds pnpm-workspace.yaml.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The workspace root: the nearest directory at or above `from` with a pnpm-workspace.yaml (else `from`). */
export function findWorkspaceRoot(from: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(from);
    dir = parent;
  }
}
