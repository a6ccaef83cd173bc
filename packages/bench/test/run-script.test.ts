/**
 * scripts/run.mjs, which `pnpm synth`, the apps' `synth` scripts and their cdktf.json run: TypeScript entries
 * from a cached esbuild bundle. What it must keep: the entry's bytes (the same output as the construct path),
 * each module's own import.meta.url, the package directory as the working directory, and a bundle that is
 * rebuilt whenever a file that went into it changes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runApp } from '@keyless/constructs';
import { treeDigests } from '@keyless/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrg, orgYaml } from '../src/generate.js';
import { BENCH_DIR } from '../src/stock-app.js';

const RUN = resolve(BENCH_DIR, '..', '..', 'scripts', 'run.mjs');

// Entries live below this package's node_modules, so that they resolve the workspace packages it depends on.
let work: string;
let cache: string;
beforeAll(() => {
  mkdirSync(join(BENCH_DIR, 'node_modules', '.cache'), { recursive: true });
  work = mkdtempSync(join(BENCH_DIR, 'node_modules', '.cache', 'run-test-'));
  cache = join(work, 'bundles');
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function run(args: readonly string[], cwd = work): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, KEYLESS_RUN_CACHE: cache };
  delete env['CDKTF_OUTDIR'];
  const r = spawnSync(process.execPath, [RUN, ...args], { cwd, env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A package directory holding `src/main.ts` with the given text (and more files), as an app has. */
function app(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type: 'module' })}\n`);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** The build id of the one bundle in the cache (a digest of its inputs). */
function buildId(): string {
  const [key] = readdirSync(cache);
  return JSON.parse(readFileSync(join(cache, key as string, 'manifest.json'), 'utf8')).build;
}

describe('scripts/run.mjs', () => {
  it('runs an app entry that writes the bytes of the construct path', () => {
    const dir = app('org-app', {
      'access.yaml': orgYaml(generateOrg(30)),
      'src/main.ts': "import { synthApp } from '@keyless/constructs/fast';\nsynthApp({ configFile: new URL('../access.yaml', import.meta.url) });\n",
    });
    const r = run([join(dir, 'src', 'main.ts')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    runApp({ configFile: join(dir, 'access.yaml'), outdir: join(dir, 'constructs.out') });
    expect(treeDigests(join(dir, 'cdktf.out'))).toEqual(treeDigests(join(dir, 'constructs.out')));
  });

  it("keeps each module's import.meta.url, runs in the entry's package directory and passes the arguments", () => {
    const probe = "import { writeFileSync } from 'node:fs';\nimport { where } from './where.ts';\nwriteFileSync('probe.json', JSON.stringify({ url: import.meta.url, cwd: process.cwd(), argv: process.argv.slice(2), where }));\n";
    const a = app('probe-a', { 'src/main.ts': probe, 'src/where.ts': 'export const where = import.meta.url;\n' });
    const b = app('probe-b', { 'src/main.ts': probe, 'src/where.ts': 'export const where = import.meta.url;\n' });
    const r = run([join(a, 'src', 'main.ts'), join(b, 'src', 'main.ts'), '--', '--flag', 'x']);
    expect(r.stderr).toBe('');
    for (const dir of [a, b]) {
      expect(JSON.parse(readFileSync(join(dir, 'probe.json'), 'utf8'))).toEqual({
        url: pathToFileURL(join(dir, 'src', 'main.ts')).href,
        cwd: dir,
        argv: ['--flag', 'x'],
        where: pathToFileURL(join(dir, 'src', 'where.ts')).href,
      });
    }
  });

  it('leaves import.meta in strings alone, and gives CommonJS modules their own __dirname', () => {
    const dir = app('strings', {
      'src/main.ts': [
        "import { writeFileSync } from 'node:fs';",
        "import { createRequire } from 'node:module';",
        "import bundled from './where.cjs';",
        "const loaded = createRequire(import.meta.url)('./where.cjs') as string;",
        "writeFileSync('out.json', JSON.stringify({ text: \"new URL('../x', import.meta.url)\", bundled, loaded }));",
        '',
      ].join('\n'),
      'src/where.cjs': "'use strict';\nmodule.exports = __dirname;\n",
    });
    expect(run([join(dir, 'src', 'main.ts')]).stderr).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))).toEqual({ text: "new URL('../x', import.meta.url)", bundled: join(dir, 'src'), loaded: join(dir, 'src') });
  });

  it('rebuilds the bundle when the content of a file it holds changes, and only then', () => {
    rmSync(cache, { recursive: true, force: true });
    const dir = app('rebuild', {
      'src/main.ts': "import { writeFileSync } from 'node:fs';\nimport { value } from './value.ts';\nwriteFileSync('out.txt', value);\n",
      'src/value.ts': "export const value = 'one';\n",
    });
    const entry = join(dir, 'src', 'main.ts');
    run([entry]);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('one');
    const first = buildId();
    run([entry]);
    expect(buildId()).toBe(first);
    // Rewritten with the same bytes (a checkout, a formatter that changed nothing): the same bundle.
    writeFileSync(join(dir, 'src', 'value.ts'), "export const value = 'one';\n");
    run([entry]);
    expect(buildId()).toBe(first);
    writeFileSync(join(dir, 'src', 'value.ts'), "export const value = 'two';\n");
    run([entry]);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('two');
    expect(buildId()).not.toBe(first);
  });

  it("compiles a bundle without top-level await through V8's code cache, in strict mode like the ES modules it holds", () => {
    rmSync(cache, { recursive: true, force: true });
    const dir = app('cached', {
      // A function called without a receiver sees `this` undefined only in strict code.
      'src/main.ts': "import { writeFileSync } from 'node:fs';\nconst strict = (function (this: unknown) {\n  return this === undefined;\n})();\nwriteFileSync('out.json', JSON.stringify({ strict }));\n",
    });
    const entry = join(dir, 'src', 'main.ts');
    expect(run([entry]).stderr).toBe('');
    const [key] = readdirSync(cache);
    const manifest = JSON.parse(readFileSync(join(cache, key as string, 'manifest.json'), 'utf8'));
    expect(manifest.format).toBe('cjs');
    const files = () => readdirSync(join(cache, key as string, manifest.build)).sort();
    expect(files()).toEqual(['bundle.cjs', `bundle.cjs.${process.version}-${process.arch}.v8cache`]);
    expect(run([entry]).stderr).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))).toEqual({ strict: true });
  });

  it('runs entries with top-level await from ES module chunks', () => {
    rmSync(cache, { recursive: true, force: true });
    const dir = app('awaiting', {
      'src/main.ts': "import { writeFileSync } from 'node:fs';\nconst value = await Promise.resolve('awaited');\nwriteFileSync('out.txt', `${value} ${import.meta.url}`);\n",
    });
    const entry = join(dir, 'src', 'main.ts');
    expect(run([entry]).stderr).toBe('');
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe(`awaited ${pathToFileURL(entry).href}`);
    const [key] = readdirSync(cache);
    expect(JSON.parse(readFileSync(join(cache, key as string, 'manifest.json'), 'utf8')).format).toBe('esm');
  });

  it('fails when an entry does not exist, naming it', () => {
    const r = run([join(work, 'missing.ts')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('missing.ts: no such file');
  });

  it('fails with the exit code the entry sets', () => {
    const dir = app('failing', { 'src/main.ts': 'process.exitCode = 3;\n' });
    expect(run([join(dir, 'src', 'main.ts')]).status).toBe(3);
  });
});
