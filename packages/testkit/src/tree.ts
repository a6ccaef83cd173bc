/**
 * Reading a directory of generated files (a synthesizer's `cdktf.out`) as one value, so that two outputs are
 * compared with one `expect(...).toEqual(...)` that names the first file that differs.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every file below `dir` by its path relative to `dir` ("/"-separated, sorted), with its text. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of treeFiles(dir)) out[rel] = readFileSync(join(dir, rel), 'utf8');
  return out;
}

/** Every file below `dir` by relative path, with the SHA-256 of its bytes: what "byte-identical" is checked with. */
export function treeDigests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of treeFiles(dir)) out[rel] = createHash('sha256').update(readFileSync(join(dir, rel))).digest('hex');
  return out;
}

/** The relative paths of the files below `dir`, sorted. */
export function treeFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...treeFiles(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}
