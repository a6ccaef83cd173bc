import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The workspace root. */
export const ROOT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');

export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  main?: string;
  types?: string;
  exports?: unknown;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  publishConfig?: Record<string, unknown>;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** npm settings of the user's own environment (a registry mirror, a cache, a proxy) that the consumer app keeps. */
const USER_NPM_SETTINGS = /^npm_config_(registry|cache|userconfig|proxy|https_proxy|noproxy|strict_ssl|cafile)$/;

/**
 * The environment of a user's shell: without the variables that pnpm, npm, turbo and Vitest set for the scripts
 * they run (lowercase `npm_*`, `pnpm_*`, `PNPM_*`, `TURBO_*`, `VITEST*`), so that npm in the consumer app behaves
 * as it would for someone outside this workspace.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm|pnpm)_/.test(key) && !USER_NPM_SETTINGS.test(key)) continue;
    if (/^(PNPM_|TURBO_|VITEST|CDKTF_)|^(INIT_CWD|NODE_ENV)$/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command; on failure the error carries its output. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      env: options.env ?? userEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd}) failed with ${e.status ?? e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Every file under a directory, as paths relative to it. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** The package names a built ES module imports (bare specifiers only; `node:` built-ins excluded). */
export function importedPackages(source: string): string[] {
  const names = new Set<string>();
  // Comments may quote module names; only code counts. A data package located with require.resolve counts too.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specifiers = [...code.matchAll(/\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]|\.resolve\s*\(\s*['"]([^'"]+)['"]/g)]
    .map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? '')
    .filter((s) => s !== '');
  for (const specifier of specifiers) {
    if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier));
  }
  return [...names].sort();
}

/** A fenced code block of a Markdown file that a `<!-- pack-test: NAME -->` comment marks for this test. */
export interface MarkedBlock {
  readonly name: string;
  readonly language: string;
  readonly code: string;
}

export function markedBlocks(markdown: string): MarkedBlock[] {
  const blocks: MarkedBlock[] = [];
  const pattern = /<!--\s*pack-test:\s*([a-z0-9-]+)\s*-->\s*\n```([a-z]+)\n([\s\S]*?)\n```/g;
  for (const match of markdown.matchAll(pattern)) {
    blocks.push({ name: match[1] ?? '', language: match[2] ?? '', code: `${match[3] ?? ''}\n` });
  }
  return blocks;
}

/** A synthesized stack, as the tests read it. */
export interface StackJson {
  resource?: Record<string, Record<string, Record<string, any>>>;
  provider?: Record<string, Record<string, any>[]>;
  output?: Record<string, Record<string, any>>;
  terraform?: Record<string, any>;
}

export function readStack(outdir: string, stack: string): StackJson {
  return readJson<StackJson>(join(outdir, 'stacks', stack, 'cdk.tf.json'));
}

export function resources(stack: StackJson, type: string): Record<string, Record<string, any>> {
  return stack.resource?.[type] ?? {};
}

/** The only resource of a type, with its address key. */
export function only(stack: StackJson, type: string): { key: string; block: Record<string, any> } {
  const entries = Object.entries(resources(stack, type));
  if (entries.length !== 1) throw new Error(`expected exactly one ${type}, found ${entries.length}`);
  const [key, block] = entries[0] as [string, Record<string, any>];
  return { key, block };
}
