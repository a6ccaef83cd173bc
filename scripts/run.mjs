#!/usr/bin/env node
/**
 * node scripts/run.mjs ENTRY.ts [ENTRY.ts ...] [-- ARGS]
 *
 * Runs TypeScript entry points (the apps' `src/main.ts`) from an esbuild bundle cached under
 * `node_modules/.cache/keyless-run/`, rebuilt when any file that went into it changes. `pnpm synth`, an app's
 * `synth` script and the `app` command of its cdktf.json run through here.
 *
 * Why not tsx: tsx loads every module of the program through its loader hooks and transpiles (or reads from
 * its cache) each one on every start, about a second of CPU before the app does anything; one bundled file
 * loads in a tenth of that. Why not `node --experimental-strip-types`: Node 20 lacks it.
 *
 * Each entry runs in the directory of its package (where `pnpm run` would start it; INIT_CWD keeps the directory
 * the command was started in) with `process.argv` as if it had been started alone, one after the other in this
 * process. Several entries share one bundle (one
 * chunk of common code), so `pnpm synth` loads the shared code once for all apps.
 *
 * The bundle is one CommonJS file when the entries allow it (no top-level await), compiled through `vm.Script` with
 * V8's code cache beside it (`<bundle>.<node version>.v8cache`, written after the first run): the second start
 * skips parsing and compiling the megabyte of code the apps share, as Node 22's module compile cache would
 * (Node 20 has none for ES modules). Its entries are lazily initialised modules, run one after the other.
 * Entries with top-level await (scripts/keyless.ts) get ES module chunks instead, loaded with import().
 *
 * The bundle keeps each source file's own `import.meta.url` (and `__dirname`/`__filename` in CommonJS
 * modules), so code that reads files next to itself or resolves packages with `createRequire(import.meta.url)`
 * behaves as it does unbundled.
 *
 * The cache is valid while every file that went into the bundle, this script, the lockfile and the
 * package.json of every workspace package the bundle holds are as they were: the same size and modification
 * time, or else the same SHA-1 (so a checkout that only touches files rebuilds nothing). A hit costs one stat
 * per file, a few milliseconds. `KEYLESS_RUN_NO_CACHE=1` rebuilds every time (after moving files so that an
 * import resolves elsewhere, say); `KEYLESS_RUN_CACHE` names another cache directory.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.KEYLESS_RUN_CACHE ? resolve(process.env.KEYLESS_RUN_CACHE) : join(ROOT, 'node_modules', '.cache', 'keyless-run');

// node:crypto costs tens of milliseconds to load; a cache hit never needs it.
let crypto;
async function sha1(data) {
  crypto ??= await import('node:crypto');
  return crypto.createHash('sha1').update(data).digest('hex');
}

/** FNV-1a: a directory name for a list of entries, without loading node:crypto. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** What a cache check compares: size and mtime first, the SHA-1 only when those differ. */
async function fingerprint(path) {
  const stat = statSync(path);
  return { size: stat.size, mtimeMs: stat.mtimeMs, sha1: await sha1(readFileSync(path)) };
}

async function unchanged(path, was) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isFile()) return false;
  if (stat.size === was.size && stat.mtimeMs === was.mtimeMs) return true;
  return stat.size === was.size && (await sha1(readFileSync(path))) === was.sha1;
}

/** The nearest directory at or above `file`'s that holds a package.json. */
function packageDir(file) {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return dirname(file);
    dir = parent;
  }
  return dir;
}

/** The workspace's package directories (apps/*, packages/*), where tsx is a dependency. */
function workspacePackages() {
  const out = [];
  for (const group of ['apps', 'packages']) {
    let names = [];
    try {
      names = readdirSync(join(ROOT, group)).sort();
    } catch {
      continue;
    }
    for (const name of names) if (existsSync(join(ROOT, group, name, 'package.json'))) out.push(join(ROOT, group, name));
  }
  return out;
}

/**
 * esbuild, the transpiler tsx runs on: the apps and the CLI depend on tsx, so it is resolved from the entry's
 * package, else from any workspace package, through tsx, with no dependency of its own.
 */
async function loadEsbuild(fromDir) {
  const attempts = [];
  for (const dir of [...new Set([fromDir, ROOT, ...workspacePackages()])]) {
    const req = createRequire(join(dir, 'package.json'));
    for (const via of [undefined, 'tsx/package.json']) {
      try {
        const path = via === undefined ? req.resolve('esbuild') : createRequire(req.resolve(via)).resolve('esbuild');
        return await import(pathToFileURL(path).href);
      } catch (error) {
        attempts.push(`${dir}${via ? ' via tsx' : ''}: ${error.code ?? error.message}`);
      }
    }
  }
  throw new Error(`cannot find esbuild (install the workspace with pnpm install): ${attempts.join('; ')}`);
}

/**
 * Keeps each module's own location. Every module that mentions import.meta gets its own
 * `const __keylessImportMeta… = "<its location>"` in front, and `define` points the real expressions
 * (import.meta.url/dirname/filename, never text inside strings) at those names, which resolve to the
 * module's own declaration. CommonJS modules that use __dirname/__filename get theirs the same way.
 */
const PROLOGUE = /^(#![^\n]*\n)?((?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*(['"])use strict\3;?)?/;
const META = { 'import.meta.url': '__keylessImportMetaUrl', 'import.meta.dirname': '__keylessImportMetaDirname', 'import.meta.filename': '__keylessImportMetaFilename' };
const ownLocation = {
  name: 'own-location',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const meta = text.includes('import.meta');
      const cjs = /\b__(dirname|filename)\b/.test(text) && !/\.m[jt]s$/.test(args.path);
      if (!meta && !cjs) return undefined;
      const head = [];
      if (meta) {
        head.push(
          `const ${META['import.meta.url']} = ${JSON.stringify(pathToFileURL(args.path).href)}, ${META['import.meta.dirname']} = ${JSON.stringify(dirname(args.path))}, ${META['import.meta.filename']} = ${JSON.stringify(args.path)};`,
        );
      }
      if (cjs) head.push(`var __dirname = ${JSON.stringify(dirname(args.path))}, __filename = ${JSON.stringify(args.path)};`);
      const ext = /\.([cm]?)([jt]sx?)$/.exec(args.path);
      const loader = ext[2] === 'tsx' ? 'tsx' : ext[2] === 'jsx' ? 'jsx' : ext[2] === 'ts' ? 'ts' : 'js';
      // After a shebang and a "use strict" prologue, which must stay first; on one line, so that line numbers in
      // errors stay the source's.
      const prologue = PROLOGUE.exec(text)?.[0] ?? '';
      return { contents: `${prologue}${head.join(' ')}${text.slice(prologue.length)}`, loader, resolveDir: dirname(args.path) };
    });
  },
};

/**
 * Rewrites the few characters beyond ASCII that esbuild leaves in a bundle (in comments: it escapes them in code)
 * as \u escapes. A file of ASCII only is read into a one-byte string, several times faster than one that needs
 * UTF-8 decoding into two-byte text, and both V8 and Node take the faster paths with it.
 */
function asciiOnly(file) {
  const bytes = readFileSync(file);
  if (isAscii(bytes)) return;
  const text = bytes.toString('utf8').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  writeFileSync(file, text);
}

/** The manifest of the cached bundle when every input is as it was when it was built, else undefined. */
async function cached(dir) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest.version !== 2 || !existsSync(join(dir, manifest.build))) return undefined;
  for (const [file, was] of Object.entries(manifest.inputs)) if (!(await unchanged(resolve(ROOT, file), was))) return undefined;
  return manifest;
}

/**
 * Bundles the entries into `dir/<build>/` (build: a digest of the inputs) and points `dir/manifest.json` at
 * it. Both are renamed into place, so a run that reads the cache while another writes it sees a whole bundle.
 */
async function bundle(entries, dir) {
  const { build, version } = await loadEsbuild(packageDir(entries[0]));
  const tmp = join(dir, `tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const names = entries.map((_entry, i) => `entry-${i}`);
  const started = Date.now();
  const common = { absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', metafile: true, logLevel: 'silent', define: META, plugins: [ownLocation] };
  let format = 'cjs';
  let result;
  try {
    // One CommonJS file whose export is a list of the entries, each a lazily initialised module.
    result = await build({
      ...common,
      stdin: { contents: `export const entries = [${entries.map((e) => `() => import(${JSON.stringify(e)})`).join(', ')}];`, resolveDir: ROOT, loader: 'js' },
      outfile: join(tmp, 'bundle.cjs'),
      format: 'cjs',
    });
  } catch (error) {
    if (!/top-level await/i.test(error?.message ?? '')) throw error;
    format = 'esm';
    rmSync(tmp, { recursive: true, force: true });
    result = await build({
      ...common,
      logLevel: 'error',
      entryPoints: entries.map((entry, i) => ({ in: entry, out: names[i] })),
      outdir: tmp,
      splitting: true,
      format: 'esm',
      outExtension: { '.js': '.mjs' },
      // CommonJS dependencies call require(); in an ES module it has to be made.
      banner: { js: "import { createRequire as __keylessCreateRequire } from 'node:module';\nconst require = __keylessCreateRequire(import.meta.url);" },
    });
  }
  // What decides whether the bundle is still right: its inputs, this script, the lockfile (dependencies), and
  // the package.json of each workspace package it holds (exports, which decide what an import resolves to).
  const files = new Set([fileURLToPath(import.meta.url)]);
  if (existsSync(join(ROOT, 'pnpm-lock.yaml'))) files.add(join(ROOT, 'pnpm-lock.yaml'));
  for (const file of Object.keys(result.metafile.inputs)) {
    if (file.includes(':') || file.startsWith('<')) continue; // esbuild's virtual modules and the list of entries
    const path = resolve(ROOT, file);
    files.add(path);
    const pkg = join(packageDir(path), 'package.json');
    if (!path.split(sep).includes('node_modules') && existsSync(pkg)) files.add(pkg);
  }
  const inputs = {};
  for (const path of [...files].sort()) inputs[relative(ROOT, path)] = await fingerprint(path);
  const id = (await sha1(JSON.stringify(Object.entries(inputs).map(([file, f]) => [file, f.sha1])))).slice(0, 16);
  const outputs = format === 'cjs' ? ['bundle.cjs'] : names.map((n) => `${n}.mjs`);
  const manifest = { version: 2, esbuild: version, format, build: id, entries: entries.map((e) => relative(ROOT, e)), outputs, inputs };
  for (const file of readdirSync(tmp)) if (/\.[cm]js$/.test(file)) asciiOnly(join(tmp, file));
  try {
    renameSync(tmp, join(dir, id));
  } catch (error) {
    // The same inputs were bundled by another run meanwhile.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, id))) throw error;
  }
  // A file changed while esbuild read it: this run uses the bundle, the next one builds again.
  if (Object.values(inputs).every((f) => f.mtimeMs < started - 1)) {
    const manifestTmp = join(dir, `manifest.json.tmp-${process.pid}`);
    writeFileSync(manifestTmp, `${JSON.stringify(manifest, null, 1)}\n`);
    renameSync(manifestTmp, join(dir, 'manifest.json'));
  }
  // Bundles of older inputs: removed once they are a minute old (a run that started on one has long loaded it).
  for (const entry of readdirSync(dir)) {
    if (entry === id || entry === 'manifest.json') continue;
    const path = join(dir, entry);
    if (Date.now() - statSync(path).mtimeMs > 60_000) rmSync(path, { recursive: true, force: true });
  }
  return manifest;
}

/**
 * Runs the CommonJS bundle as Node would (`require` resolving from its file, strict like the ES modules it was
 * made of) through vm.Script with V8's code cache of an earlier run. V8 checks that the cache fits this
 * source and this V8 and ignores it otherwise; it is rewritten then. Dynamic import() works as in a module.
 */
function loadCommonJs(file) {
  const cacheFile = `${file}.${process.version}-${process.arch}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const bytes = readFileSync(file);
  const source = isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
  // On the wrapper's line, so that line numbers in stack traces stay the bundle's.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { 'use strict'; ${source}\n})`;
  const importModuleDynamically = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const script = new vm.Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}), ...(importModuleDynamically ? { importModuleDynamically } : {}) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return {
    entries: module.exports.entries,
    /** After the entries ran, so that the cache holds the functions they compiled too. */
    saveCodeCache() {
      if (cachedData !== undefined && !script.cachedDataRejected) return;
      try {
        const tmp = `${cacheFile}.tmp-${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // Without a cache the next start compiles again; nothing else changes.
      }
    },
  };
}

async function main(argv) {
  const split = argv.indexOf('--');
  const entries = (split < 0 ? argv : argv.slice(0, split)).map((e) => resolve(e));
  const args = split < 0 ? [] : argv.slice(split + 1);
  if (entries.length === 0) {
    process.stderr.write('usage: node scripts/run.mjs ENTRY.ts [ENTRY.ts ...] [-- ARGS]\n');
    return 2;
  }
  for (const entry of entries) {
    if (!existsSync(entry)) {
      process.stderr.write(`${entry}: no such file\n`);
      return 2;
    }
  }
  const dir = join(CACHE, fnv1a(entries.map((e) => relative(ROOT, e)).join('\0')));
  mkdirSync(dir, { recursive: true });
  const found = (process.env.KEYLESS_RUN_NO_CACHE ? undefined : await cached(dir)) ?? (await bundle(entries, dir));

  const cwd = process.cwd();
  // Where the command was started, as npm and pnpm tell scripts, for entries that take paths from the user.
  process.env.INIT_CWD ??= cwd;
  const bundleDir = join(dir, found.build);
  const compiled = found.format === 'cjs' ? loadCommonJs(join(bundleDir, found.outputs[0])) : undefined;
  for (const [i, entry] of entries.entries()) {
    process.chdir(packageDir(entry));
    process.argv = [process.argv[0], entry, ...args];
    if (compiled) await compiled.entries[i]();
    else await import(pathToFileURL(join(bundleDir, found.outputs[i])).href);
  }
  compiled?.saveCodeCache();
  process.chdir(cwd);
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`scripts/run.mjs: ${error?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
