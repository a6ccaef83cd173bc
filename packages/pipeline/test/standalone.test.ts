import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderBootstrapStack } from '@keyless/constructs/fast';
import { bootstrapAccounts, buildAccessModel, parseBootstrapConfigYaml } from '@keyless/policy';
import { spawnSync } from 'node:child_process';
import { findTerraform } from '@keyless/tf-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  UNKNOWN,
  checkStack,
  comparePlans,
  githubChanges,
  parseLockFile,
  planTargets,
  reducePlan,
  repositoriesOf,
  runTfJob,
  satisfies,
  sha256,
} from '../src/index.js';
import type { PlanJson, ResourceChange } from '../src/index.js';
import { clone, fixture } from './helpers.js';
import { forAll } from './property.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const STANDALONE = fileURLToPath(new URL('../standalone/', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'keyless-standalone-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

// A bootstrap stack of this test's own config, through the fast synthesizer: every resource type keyless writes.
const CONFIG = parseBootstrapConfigYaml(
  'github: {owner: acme, ownerId: 5}\ninfraRepository: {name: infra, id: 6}\nstateBucketPrefix: acme-state\naccounts:\n  dev: {accountId: "333333333333", region: eu-west-1}\n',
);
const [ACCOUNT] = bootstrapAccounts(CONFIG);
if (!ACCOUNT) throw new Error('no account');
const STACK = renderBootstrapStack('bootstrap-dev', buildAccessModel(ACCOUNT.access), ACCOUNT, 'infra') as Obj;
const LOCK = [
  'provider "registry.terraform.io/hashicorp/aws" {',
  '  version     = "5.100.0"',
  '  constraints = "5.100.0"',
  '  hashes = [',
  '    "h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=",',
  '  ]',
  '}',
  '',
  'provider "registry.terraform.io/integrations/github" {',
  '  version     = "6.9.0"',
  '  constraints = "6.9.0"',
  '  hashes = [',
  '    "h1:test-only-not-a-real-hash=",',
  '  ]',
  '}',
  '',
].join('\n');

describe('the standalone scripts', () => {
  it('import nothing but Node modules and each other, so the terraform jobs need no install', () => {
    for (const file of readdirSync(STANDALONE).filter((f) => f.endsWith('.mjs'))) {
      const text = readFileSync(join(STANDALONE, file), 'utf8');
      const specifiers = [...text.matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] as string);
      for (const s of specifiers) expect(s.startsWith('node:') || /^\.\/[a-z-]+\.mjs$/.test(s), `${file}: ${s}`).toBe(true);
      expect(text, file).not.toMatch(/\brequire\(/);
    }
  });
});

describe('checkStack', () => {
  const check = (config: Obj | string, lock = LOCK, digest?: string) => {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    return checkStack({ configText: text, expectedSha256: digest ?? sha256(text), lockText: lock });
  };

  it('accepts a keyless stack with its lock file', () => {
    expect(check(STACK)).toEqual([]);
  });

  it.each<[string, (s: Obj) => void, RegExp]>([
    ['another provider', (s) => (s['terraform']['required_providers']['external'] = { source: 'hashicorp/external', version: '2.3.4' }), /provider external \(registry\.terraform\.io\/hashicorp\/external\) is not allowed/],
    ['a provider from another registry', (s) => (s['terraform']['required_providers']['aws']['source'] = 'evil.example/hashicorp/aws'), /provider aws \(evil\.example\/hashicorp\/aws\) is not allowed/],
    ['a version range', (s) => (s['terraform']['required_providers']['aws']['version'] = '>= 5.0'), /provider aws must be pinned to one exact version/],
    ['another version than the lock file', (s) => (s['terraform']['required_providers']['aws']['version'] = '5.99.0'), /registry\.terraform\.io\/hashicorp\/aws is locked at 5\.100\.0, the stack requires 5\.99\.0/],
    ['a data source', (s) => (s['data'] = { external: { x: { program: ['sh', '-c', 'env'] } } }), /"data" blocks are not allowed/],
    ['a module', (s) => (s['module'] = { m: { source: 'git::https://evil.example/m' } }), /"module" blocks are not allowed/],
    ['a provisioner', (s) => ((Object.values(s['resource']['aws_iam_role'] as Obj)[0] as Obj)['provisioner'] = [{ 'local-exec': { command: 'curl evil' } }]), /has a provisioner block; keyless stacks run no provisioners/],
    ['a remote backend', (s) => (s['terraform']['backend'] = { http: { address: 'https://evil.example' } }), /backend http is not allowed/],
    ['terraform cloud', (s) => (s['terraform']['cloud'] = { organization: 'x' }), /terraform\.cloud is not allowed/],
    ['a resource of a provider block it does not require', (s) => (s['resource']['null_resource'] = { x: {} }), /resource type null_resource belongs to no allowed provider/],
  ])('refuses %s', (_name, mutate, rule) => {
    const s = clone(STACK);
    mutate(s);
    expect(check(s).join('\n')).toMatch(rule);
  });

  it('refuses a stack whose digest is not the published one, and a lock file without the stack providers', () => {
    expect(check(STACK, LOCK, '0'.repeat(64)).join('\n')).toMatch(/cdk\.tf\.json: its SHA-256 is [0-9a-f]{64}, the synthesis job published 0{64}/);
    expect(check(STACK, LOCK.split('\n\n')[0]).join('\n')).toMatch(/no entry for registry\.terraform\.io\/integrations\/github; commit one/);
  });

  const tf = findTerraform();
  it.skipIf(!tf.ok || tf.env.platform !== 'linux_amd64' || tf.env.awsProviderVersion !== '5.100.0')('commits the hash terraform computes for the aws provider it installs (offline mirror)', () => {
    if (!tf.ok) return;
    const dir = mkdtempSync(join(temp, 'lock-'));
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: { aws: { source: 'aws', version: '5.100.0' } } } }));
    const r = spawnSync(tf.env.terraformBin, ['providers', 'lock', `-fs-mirror=${tf.env.pluginDir}`, '-platform=linux_amd64'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' },
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const computed = parseLockFile(readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8')).get('registry.terraform.io/hashicorp/aws');
    for (const app of ['bootstrap', 'dev', 'prod']) {
      const committed = parseLockFile(readFileSync(fileURLToPath(new URL(`../../../apps/${app}/.terraform.lock.hcl`, import.meta.url)), 'utf8')).get('registry.terraform.io/hashicorp/aws');
      expect(committed?.hashes, app).toEqual(expect.arrayContaining([...(computed?.hashes ?? ['(none)'])]));
    }
  }, 150_000);

  it('reads the lock files committed with the apps', () => {
    for (const app of ['bootstrap', 'dev', 'prod']) {
      const lock = parseLockFile(readFileSync(fileURLToPath(new URL(`../../../apps/${app}/.terraform.lock.hcl`, import.meta.url)), 'utf8'));
      expect(lock.get('registry.terraform.io/hashicorp/aws')).toEqual({ version: '5.100.0', hashes: ['h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0='] });
    }
  });
});

describe('planTargets and repositoriesOf', () => {
  it('targets every resource but the GitHub provider', () => {
    const targets = planTargets(STACK);
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.filter((t) => t.startsWith('github_'))).toEqual([]);
    expect(targets).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_kms_key\./), expect.stringMatching(/^aws_iam_role\./)]));
  });

  it('lists the repositories of the configuration and of the state, and no more', () => {
    const state = { values: { root_module: { resources: [{ mode: 'managed', type: 'github_actions_variable', address: 'github_actions_variable.gone', values: { repository: 'removed-repo' } }, { mode: 'managed', type: 'aws_iam_role', address: 'aws_iam_role.x', values: { repository: 'not-github' } }] } } };
    expect(repositoriesOf(STACK, state)).toEqual({ repositories: ['infra', 'removed-repo'], problems: [] });
    expect(repositoriesOf({ resource: { github_actions_variable: { v: { repository: '${var.repo}' } } } }).problems).toEqual(['github_actions_variable.v: its repository is not a plain name ("${var.repo}")']);
  });

  it('never asks for a token of every repository: an empty list becomes the default one', () => {
    const file = join(temp, 'empty.json');
    writeFileSync(file, JSON.stringify({ resource: { aws_iam_role: { r: {} } } }));
    let out = '';
    expect(runTfJob(['repositories', '--config', file, '--default', 'infra'], { stdout: (t) => (out += t) })).toBe(0);
    expect(out).toBe('infra\n');
  });
});

describe('reducePlan', () => {
  it('keeps what a review reads and drops the state, the planned values and the configuration', () => {
    const full = fixture('dev-access').plan as unknown as Obj;
    expect(full['prior_state']).toBeDefined();
    const reduced = reducePlan(full) as Obj;
    expect(Object.keys(reduced).sort()).toEqual(['applyable', 'complete', 'errored', 'format_version', 'output_changes', 'resource_changes', 'terraform_version']);
    expect(comparePlans(full as PlanJson, reduced as PlanJson)).toEqual({ same: true, differences: [] });
  });

  it('replaces sensitive values by their digests: equal values stay equal, none is readable', () => {
    const plan = (secret: string) => ({
      resource_changes: [{ address: 'a.b', mode: 'managed', type: 'a', name: 'b', change: { actions: ['create'], before: null, after: { v: secret, w: 1 }, after_sensitive: { v: true } } }],
    });
    const a = JSON.stringify(reducePlan(plan('hunter2')));
    expect(a).not.toContain('hunter2');
    expect(comparePlans(reducePlan(plan('hunter2')), reducePlan(plan('hunter2'))).same).toBe(true);
    expect(comparePlans(reducePlan(plan('hunter2')), reducePlan(plan('hunter3'))).same).toBe(false);
  });
});

/** A plan JSON with a prior state of the given resources and the given AWS changes. */
function planWith(state: { address: string; values: Obj }[], changes: Obj[] = []): Obj {
  return {
    resource_changes: changes,
    prior_state: { values: { root_module: { resources: state.map((s) => ({ mode: 'managed', type: s.address.split('.')[0], name: s.address.split('.')[1], ...s })) } } },
  };
}

describe('githubChanges: the configuration against the state', () => {
  const config = {
    resource: {
      aws_iam_role: { r: { name: 'r' } },
      github_actions_variable: {
        arn: { repository: 'web', variable_name: 'ROLE', value: '${aws_iam_role.r.arn}' },
        lit: { repository: 'web', variable_name: 'LIT', value: 'a $${literal} value' },
      },
      github_repository_environment: {
        env: { repository: 'web', environment: 'prod', reviewers: [{ teams: [2, 1], users: [] }], deployment_branch_policy: { custom_branch_policies: true, protected_branches: false } },
      },
    },
  };
  const stateOf = (arn: string) => [
    { address: 'aws_iam_role.r', values: { arn } },
    { address: 'github_actions_variable.arn', values: { repository: 'web', variable_name: 'ROLE', value: arn, created_at: 'x' } },
    { address: 'github_actions_variable.lit', values: { repository: 'web', variable_name: 'LIT', value: 'a ${literal} value' } },
    { address: 'github_repository_environment.env', values: { repository: 'web', environment: 'prod', reviewers: [{ teams: [1, 2], users: [] }], deployment_branch_policy: [{ custom_branch_policies: true, protected_branches: false }], wait_timer: 0 } },
  ];

  it('finds nothing to do when the state already has what the configuration sets (blocks, sets, escapes, references)', () => {
    expect(githubChanges(config, planWith(stateOf('arn:aws:iam::1:role/r')))).toEqual([]);
  });

  it('shows an update with the reference resolved from the AWS plan, and an unknown one while the role is replaced', () => {
    const changed = githubChanges(config, planWith(stateOf('arn:old'), [{ address: 'aws_iam_role.r', mode: 'managed', type: 'aws_iam_role', name: 'r', change: { actions: ['update'], after: { arn: 'arn:new' }, after_unknown: {} } }]));
    expect(changed.map((c) => [c.address, c.change.actions, (c.change.after as Obj)['value']])).toEqual([['github_actions_variable.arn', ['update'], 'arn:new']]);
    expect(changed[0]?.keyless_source).toBe('config-vs-state');
    const replaced = githubChanges(config, planWith(stateOf('arn:old'), [{ address: 'aws_iam_role.r', mode: 'managed', type: 'aws_iam_role', name: 'r', change: { actions: ['delete', 'create'], after: { name: 'r' }, after_unknown: { arn: true } } }]));
    expect(replaced.map((c) => [c.address, c.change.after_unknown])).toEqual([['github_actions_variable.arn', { value: true }]]);
  });

  it('shows a create for what the state lacks and a delete for what the configuration dropped', () => {
    const state = stateOf('arn:x').filter((s) => s.address !== 'github_actions_variable.lit');
    state.push({ address: 'github_actions_variable.old', values: { repository: 'web', variable_name: 'OLD', value: 'v' } });
    const changes = githubChanges(config, planWith(state));
    expect(changes.map((c) => [c.address, c.change.actions])).toEqual([
      ['github_actions_variable.lit', ['create']],
      ['github_actions_variable.old', ['delete']],
    ]);
    expect(((changes[0]?.change.after ?? {}) as Obj)['value']).toBe('a ${literal} value');
  });

  it('satisfies: the state with the configuration put in always satisfies the configuration (property)', () => {
    forAll(
      200,
      (g) => {
        const leaf = () => g.pick<unknown>([g.int(0, 9), g.bool(), g.string('abc', 0, 3), null]);
        const value = (depth: number): unknown => {
          const k = depth > 2 ? 0 : g.int(0, 3);
          if (k === 0) return leaf();
          if (k === 1) return Object.fromEntries(Array.from({ length: g.int(0, 3) }, (_, i) => [`k${i}`, value(depth + 1)]));
          if (k === 2) return [Object.fromEntries(Array.from({ length: g.int(1, 3) }, (_, i) => [`b${i}`, leaf()]))];
          return Array.from({ length: g.int(0, 3) }, leaf);
        };
        return { desired: Object.fromEntries(Array.from({ length: g.int(1, 4) }, (_, i) => [`a${i}`, value(0)])) as Obj };
      },
      ({ desired }) => {
        // The state as the provider keeps it: single blocks as one-element lists, plus attributes the config leaves out.
        const toState = (v: unknown): unknown =>
          v !== null && typeof v === 'object' && !Array.isArray(v) ? [Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, toState(x)]))] : v;
        const state = { ...Object.fromEntries(Object.entries(desired).map(([k, v]) => [k, toState(v)])), id: 'computed' };
        return satisfies(desired, state) && !satisfies({ ...desired, extra: 'x' }, state);
      },
    );
  });
});

describe('comparePlans with the GitHub half and import ids', () => {
  const aws = (actions: string[], extra: Obj = {}): ResourceChange => ({ address: 'aws_iam_role.r', mode: 'managed', type: 'aws_iam_role', name: 'r', change: { actions: actions as never, after: { name: 'r' }, after_unknown: {}, ...extra } });
  const gh = (actions: string[], after: Obj, config?: Obj): ResourceChange & Obj => ({
    address: 'github_actions_variable.v',
    mode: 'managed',
    type: 'github_actions_variable',
    name: 'v',
    change: { actions: actions as never, before: {}, after, after_unknown: {} },
    ...(config ? { keyless_source: 'config-vs-state', keyless_config: config } : {}),
  });
  const plan = (...rcs: ResourceChange[]): PlanJson => ({ resource_changes: rcs });

  it('refuses an import of another id than the reviewed one', () => {
    const r = comparePlans(plan(aws(['no-op'], { importing: { id: 'role-a' } })), plan(aws(['no-op'], { importing: { id: 'role-b' } })));
    expect(r.differences).toEqual(['aws_iam_role.r: reviewed import of id "role-a", now import of id "role-b"']);
    expect(comparePlans(plan(aws(['no-op'], { importing: { id: 'role-a' } })), plan(aws(['no-op'], { importing: { id: 'role-a' } }))).same).toBe(true);
  });

  it('accepts the GitHub change the pull request showed, done by terraform on main', () => {
    const reviewed = plan(aws(['update']), gh(['update'], { value: 'v2' }, { repository: 'web', value: 'v2' }));
    const current = plan(aws(['update']), gh(['update'], { repository: 'web', value: 'v2', created_at: 't', updated_at: (UNKNOWN as unknown) as string }));
    expect(comparePlans(reviewed, current)).toEqual({ same: true, differences: [] });
  });

  it('refuses another value, another action, or a GitHub change the pull request did not show', () => {
    const reviewed = plan(gh(['update'], { value: 'v2' }, { repository: 'web', value: 'v2' }));
    expect(comparePlans(reviewed, plan(gh(['update'], { repository: 'web', value: 'v3' }))).differences).toEqual([
      'github_actions_variable.v: the values after the change are not the ones the configuration set in the reviewed plan',
    ]);
    expect(comparePlans(reviewed, plan(gh(['delete', 'create'], { repository: 'web', value: 'v2' }))).differences).toEqual([
      'github_actions_variable.v: reviewed update (configuration against the state), now delete+create',
    ]);
    expect(comparePlans(plan(), plan(gh(['update'], { value: 'x' }))).differences).toEqual(['github_actions_variable.v: update was not in the reviewed plan']);
  });

  it('accepts a GitHub change shown but no longer needed on main (nothing is applied that was not shown)', () => {
    expect(comparePlans(plan(gh(['update'], { value: 'v2' }, { value: 'v2' })), plan()).same).toBe(true);
  });

  it('is reflexive and notices any change of actions, on real plans (property)', () => {
    const base = fixture('dev-access').plan;
    const actions = [['create'], ['update'], ['delete'], ['delete', 'create'], ['create', 'delete'], ['no-op']];
    forAll(
      60,
      (g) => ({ index: g.int(0, (base.resource_changes?.length ?? 1) - 1), actions: g.pick(actions) }),
      ({ index, actions: next }) => {
        const current = clone(base) as Obj;
        const rc = current['resource_changes'][index];
        const changed = JSON.stringify(rc.change.actions) !== JSON.stringify(next);
        rc.change.actions = next;
        const result = comparePlans(base, current as PlanJson);
        return comparePlans(base, clone(base)).same && (changed ? !result.same : true);
      },
    );
  });
});

describe('tf-job apply-matrix', () => {
  const reviews = join(temp, 'reviews');
  const reviewed = join(temp, 'reviewed');
  const put = (dir: string, file: string, value: unknown) => {
    mkdirSync(join(dir), { recursive: true });
    writeFileSync(join(dir, file), JSON.stringify(value));
  };
  const planA = fixture('dev-access').plan;
  const digest = 'a'.repeat(64);
  put(join(reviews, 'review-dev'), 'meta.json', { changes: true, planSha256: digest, repositories: ['web', 'infra'] });
  put(join(reviews, 'review-dev'), 'plan.json', planA);
  put(join(reviews, 'review-prod'), 'meta.json', { changes: false, planSha256: 'b'.repeat(64), repositories: [] });
  put(join(reviews, 'review-prod'), 'plan.json', fixture('dev-unchanged').plan);
  put(join(reviewed, 'plan-dev'), 'plan.json', planA);
  const matrix = JSON.stringify({ include: [{ stack: 'dev', account: 'dev', environment: 'dev' }, { stack: 'prod', account: 'prod', environment: 'prod' }] });
  const call = (args: string[]) => {
    let out = '';
    let err = '';
    const output = join(temp, `out-${Math.random()}`);
    writeFileSync(output, '');
    const code = runTfJob(['apply-matrix', '--matrix', matrix, '--reviews', reviews, ...args], { stdout: (t) => (out += t), stderr: (t) => (err += t), env: { GITHUB_OUTPUT: output } });
    return { code, out, err, output: readFileSync(output, 'utf8') };
  };

  it('lists the stacks with changes whose plan matches the reviewed one, with their plan digest and repositories', () => {
    const r = call(['--require-reviewed', '--reviewed', reviewed]);
    expect(r.code).toBe(0);
    expect(r.output).toBe(`matrix=${JSON.stringify({ include: [{ stack: 'dev', account: 'dev', environment: 'dev', planDigest: digest, repositories: 'web,infra' }] })}\ncount=1\n`);
    expect(r.out).toContain('`prod`: no changes, nothing to apply');
  });

  it('refuses everything when one plan differs from the reviewed one', () => {
    put(join(reviewed, 'plan-dev'), 'plan.json', fixture('dev-destroy').plan);
    const r = call(['--require-reviewed', '--reviewed', reviewed]);
    expect(r.code).toBe(1);
    expect(r.output).toBe('');
    expect(r.out).toMatch(/Refused\*\*, nothing is applied:\n\n- dev: this plan differs from the plan reviewed in the pull request:/);
    put(join(reviewed, 'plan-dev'), 'plan.json', planA);
  });

  it('refuses a stack whose plan job left no review, and one the pull request did not plan', () => {
    const noReview = runTfJob(['apply-matrix', '--matrix', JSON.stringify({ include: [{ stack: 'staging', account: 'staging', environment: 'staging' }] }), '--reviews', reviews], { stdout: () => {}, env: {} });
    expect(noReview).toBe(1);
    let out = '';
    const code = runTfJob(['apply-matrix', '--matrix', matrix, '--reviews', reviews, '--require-reviewed', '--reviewed', join(temp, 'nothing')], { stdout: (t) => (out += t), env: {} });
    expect(code).toBe(1);
    expect(out).toContain("dev: the merged pull request's plan run has no plan of this stack");
  });

  it.each([
    [{ stack: 'bootstrap-prod', account: 'prod', environment: 'prod' }, 'applies through "prod-bootstrap"'],
    [{ stack: 'prod', account: 'prod', environment: 'prod-bootstrap' }, 'applies through "prod"'],
    [{ stack: 'prod', account: 'prod', environment: 'dev' }, 'applies through "prod"'],
    [{ stack: 'prod', environment: 'prod' }, 'a stack of account "" applies through ""'],
  ])('refuses a matrix that sends a stack to another gate: %j', (entry, message) => {
    let out = '';
    const code = runTfJob(['apply-matrix', '--matrix', JSON.stringify({ include: [entry] }), '--reviews', reviews], { stdout: (t) => (out += t), env: {} });
    expect(code).toBe(1);
    expect(out).toContain(message);
  });

  it('without a reviewed plan (run by hand) leaves the review to the environment gate', () => {
    const r = call([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('`dev`: to be reviewed at the environment gate');
  });
});

describe('the commands as the workflows run them', () => {
  it('pull request: review-plan with the GitHub half, then render the comment with the note and the access lines', () => {
    const dir = mkdtempSync(join(temp, 'pr-'));
    const full = fixture('dev-access').plan as unknown as Obj;
    const role = (full['resource_changes'] as Obj[]).find((r) => r['type'] === 'aws_iam_role' && r['change']['actions'][0] === 'no-op')?.['address'] as string;
    const config = { resource: { github_actions_variable: { arn: { repository: 'web', variable_name: 'AWS_ROLE_ARN', value: `\${${role}.arn}` } } } };
    writeFileSync(join(dir, 'full.json'), JSON.stringify(full));
    writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'access.json'), JSON.stringify([{ kind: 'gain', line: '+ octo-org/web, branch main, can now assume x: y' }]));
    expect(runTfJob(['review-plan', '--plan', join(dir, 'full.json'), '--config', join(dir, 'cdk.tf.json'), '--github-half', '--out', join(dir, 'plan.json')])).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Obj;
    expect(plan['prior_state']).toBeUndefined();
    expect(plan['keyless_github_half']).toBe('config-vs-state');
    const created = (plan['resource_changes'] as Obj[]).find((r) => r['address'] === 'github_actions_variable.arn');
    expect(created?.['change']['actions']).toEqual(['create']);
    expect(created?.['change']['after']['value']).toMatch(/^arn:aws:iam::111111111111:role\//);
    expect(runTfJob(['render', '--stack', 'dev', '--plan', join(dir, 'plan.json'), '--access', join(dir, 'access.json'), '--note', 'GitHub half: the configuration against the state.', '--run-url', 'https://example.test/run', '--commit', 'abcdef0123456789', '--out', join(dir, 'comment.md')])).toBe(0);
    const comment = readFileSync(join(dir, 'comment.md'), 'utf8');
    expect(comment.startsWith('<!-- keyless-plan:dev -->\n')).toBe(true);
    expect(comment).toContain('> [!NOTE]\n> GitHub half: the configuration against the state.');
    expect(comment).toContain('+ octo-org/web, branch main, can now assume x: y');
    expect(comment).toContain('`github_actions_variable.arn` (configuration against the state)');
  });

  it('main: render the summary with the plan file digest the apply checks', () => {
    const dir = mkdtempSync(join(temp, 'main-'));
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(reducePlan(fixture('dev-replace').plan as unknown as Obj)));
    expect(runTfJob(['render', '--stack', 'dev', '--plan', join(dir, 'plan.json'), '--plan-digest', 'f'.repeat(64), '--out', join(dir, 'summary.md')])).toBe(0);
    const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(summary).toContain(`plan file sha256 \`${'f'.repeat(64)}\``);
    expect(summary).toContain('> [!CAUTION]');
  });

  it('refuses an unknown command and a missing option with the usage, exit 2', () => {
    let err = '';
    expect(runTfJob(['nope'], { stderr: (t) => (err += t) })).toBe(2);
    expect(runTfJob(['check'], { stderr: (t) => (err += t) })).toBe(2);
    expect(err).toContain('--lock is required');
  });
});
