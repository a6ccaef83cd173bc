import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { OCTO_ORG, ROOT } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'keyless-pipeline-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
// Commands run in a workspace of the octo-org fixture configs, not in this repository (an adopter replaces apps/).
const FIXTURE_ROOT = join(temp, 'octo-org');
cpSync(join(OCTO_ORG, 'apps'), join(FIXTURE_ROOT, 'apps'), { recursive: true });
writeFileSync(join(FIXTURE_ROOT, 'pnpm-workspace.yaml'), 'packages:\n  - apps/*\n');

async function run(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { cwd: options.cwd ?? FIXTURE_ROOT, env: options.env ?? process.env, stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

function put(root: string, file: string, content: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), content);
}

describe('keyless-pipeline comment', () => {
  it('renders the comment of a real plan with its access changes', async () => {
    await run(['access-report', '--stack', 'dev', '--out', join(temp, 'head.json')]);
    // The base has no such stack: access-report writes null for it (a missing file is an error, comment-risk.test.ts).
    writeFileSync(join(temp, 'new-stack.json'), 'null\n');
    const { code, out } = await run([
      'comment', '--stack', 'dev',
      '--plan', join(FIXTURES, 'dev-destroy/plan.json'), '--plan-text', join(FIXTURES, 'dev-destroy/plan.txt'),
      '--access-head', join(temp, 'head.json'), '--access-base', join(temp, 'new-stack.json'),
      '--run-url', 'https://example.test/run/1', '--commit', 'abcdef0123456789',
    ]);
    expect(code).toBe(0);
    expect(out.startsWith('<!-- keyless-plan:dev -->\n### Terraform plan: `dev`\n\n**Plan: 0 to add, 0 to change, 2 to destroy.**')).toBe(true);
    expect(out).toContain('> [!CAUTION]');
    expect(out).toContain('### Access changes');
  });

  it('writes the comment of a failed plan to a file', async () => {
    writeFileSync(join(temp, 'plan.log'), 'Error: No valid credential sources found');
    const file = join(temp, 'comment.md');
    const { code } = await run(['comment', '--stack', 'prod', '--error-log', join(temp, 'plan.log'), '--out', file]);
    expect(code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^<!-- keyless-plan:prod -->[\s\S]*The plan failed[\s\S]*No valid credential sources found/);
  });

  it('renders a drift report with the drift marker', async () => {
    const { out } = await run(['comment', '--drift', '--stack', 'dev', '--plan', join(FIXTURES, 'dev-unchanged/plan.json')]);
    expect(out.startsWith('<!-- keyless-drift:dev -->\n### Drift check: `dev`')).toBe(true);
  });
});

describe('keyless-pipeline compare', () => {
  it('exits 0 for the same plan', async () => {
    const plan = join(FIXTURES, 'dev-access/plan.json');
    expect(await run(['compare', '--reviewed', plan, '--current', plan])).toMatchObject({ code: 0, out: 'the plan does what the reviewed plan did\n' });
  });

  it('exits 1 and lists the differences for another plan', async () => {
    const { code, out } = await run(['compare', '--reviewed', join(FIXTURES, 'dev-unchanged/plan.json'), '--current', join(FIXTURES, 'dev-destroy/plan.json')]);
    expect(code).toBe(1);
    expect(out).toMatch(/^the plan differs from the reviewed plan:\n {2}- aws_iam_role\.repo-payments_role-deploy_role_[0-9A-F]+: delete was not in the reviewed plan\n/);
  });
});

describe('keyless-pipeline access-report', () => {
  it.each([
    ['dev', 'dev', '111111111111'],
    ['bootstrap-prod', 'prod', '222222222222'],
  ])('prints the report of stack %s', async (stack, environment, accountId) => {
    const { code, out } = await run(['access-report', '--stack', stack]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ environment, accountId });
  });

  it('prints the report of each shard of a sharded environment, with that shard\'s repositories', async () => {
    const root = join(temp, 'sharded');
    put(root, 'pnpm-workspace.yaml', 'packages:\n  - apps/*\n');
    put(root, 'apps/dev/access.yaml', `environment: dev
aws:
  accountId: "111111111111"
  region: eu-west-1
  oidcProvider:
    existingArn: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com
github:
  owner: octo-org
sharding:
  by: team
repositories:
${['web', 'api'].map((repo) => `  ${repo}:\n    team: ${repo === 'web' ? 'front' : 'back'}\n    roles:\n      deploy:\n        trust:\n          branches: [main]\n`).join('')}`);
    for (const [stack, repository] of [['dev-team-front', 'octo-org/web'], ['dev-team-back', 'octo-org/api']]) {
      const { code, out } = await run(['access-report', '--stack', stack as string], { cwd: root });
      expect(code).toBe(0);
      const report = JSON.parse(out) as { environment: string; roles: { repository: string }[] };
      expect(report.environment).toBe('dev');
      expect(report.roles.map((r) => r.repository)).toEqual([repository]);
    }
    expect(await run(['access-report', '--stack', 'dev'], { cwd: root })).toMatchObject({ code: 0, out: 'null\n' });
  });

  it('prints null for a stack the checkout does not have (a new stack has no base)', async () => {
    expect(await run(['access-report', '--stack', 'staging'])).toMatchObject({ code: 0, out: 'null\n' });
  });
});

describe('keyless-pipeline affected and matrix', () => {
  // A small workspace: one app depending on one package, a synthesized stack, the real bootstrap accounts.
  const root = join(temp, 'ws');
  put(root, 'pnpm-workspace.yaml', 'packages:\n  - packages/*\n  - apps/*\n');
  put(root, 'packages/lib/package.json', JSON.stringify({ name: 'lib' }));
  put(root, 'apps/dev/package.json', JSON.stringify({ name: 'app-dev', dependencies: { lib: 'workspace:*' } }));
  put(root, 'apps/other/package.json', JSON.stringify({ name: 'app-other' }));
  put(root, 'apps/dev/cdktf.out/manifest.json', JSON.stringify({ stacks: { dev: { name: 'dev', synthesizedStackPath: 'stacks/dev/cdk.tf.json', workingDirectory: 'stacks/dev' } } }));
  put(root, 'apps/dev/cdktf.out/stacks/dev/cdk.tf.json', JSON.stringify({ provider: { aws: [{ allowed_account_ids: ['111111111111'] }] } }));
  mkdirSync(join(root, 'apps/bootstrap'), { recursive: true });
  copyFileSync(join(OCTO_ORG, 'apps/bootstrap/bootstrap.yaml'), join(root, 'apps/bootstrap/bootstrap.yaml'));
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'base');
  put(root, 'packages/lib/index.ts', 'export {};\n');
  git('add', '-A');
  git('commit', '-qm', 'change the package');

  it('affected: the apps that depend on a changed package, with the reason', async () => {
    const { code, out } = await run(['affected', '--base', 'HEAD~1', '--head', 'HEAD', '--root', root]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ apps: ['dev'], reasons: { dev: ['packages/lib/index.ts (lib)'] } });
  });

  it('matrix: one entry per stack of the affected apps, also written to GITHUB_OUTPUT', async () => {
    const output = join(temp, 'github-output');
    writeFileSync(output, '');
    const { code, out } = await run(['matrix', '--base', 'HEAD~1', '--head', 'HEAD', '--root', root, '--github-output'], { env: { ...process.env, GITHUB_OUTPUT: output } });
    expect(code).toBe(0);
    const include = [{ app: 'dev', stack: 'dev', account: 'dev', environment: 'dev', readEnvironment: 'dev-read', workdir: 'apps/dev/cdktf.out/stacks/dev', accountId: '111111111111', planRoleVar: 'KEYLESS_PLAN_ROLE_ARN_DEV', driftRoleVar: 'KEYLESS_DRIFT_ROLE_ARN_DEV', regionVar: 'KEYLESS_REGION_DEV' }];
    expect(JSON.parse(out)).toEqual({ include });
    expect(readFileSync(output, 'utf8')).toBe(`matrix=${JSON.stringify({ include })}\ncount=1\n`);
  });

  it('matrix: --bundle copies each stack for the terraform jobs and pins it by its SHA-256', async () => {
    const bundle = join(temp, 'bundle');
    const { code, out } = await run(['matrix', '--apps', 'dev', '--root', root, '--bundle', bundle]);
    expect(code).toBe(0);
    const text = readFileSync(join(root, 'apps/dev/cdktf.out/stacks/dev/cdk.tf.json'), 'utf8');
    expect(readFileSync(join(bundle, 'dev', 'cdk.tf.json'), 'utf8')).toBe(text);
    const digest = createHash('sha256').update(text).digest('hex');
    expect((JSON.parse(out) as { include: { synthDigest?: string }[] }).include[0]?.synthDigest).toBe(digest);
  });

  it('matrix: --exclude-apps leaves an app out', async () => {
    const { out } = await run(['matrix', '--apps', 'dev', '--exclude-apps', 'dev', '--root', root]);
    expect(JSON.parse(out)).toEqual({ include: [] });
  });

  it('matrix: fails for an app that does not exist', async () => {
    const { code, err } = await run(['matrix', '--apps', 'staging', '--root', root]);
    expect(code).toBe(2);
    expect(err).toContain('apps/staging is not an app of this workspace');
  });
});

describe('keyless-pipeline lint-workflows', () => {
  it('exits 1 and prints each finding of a bad workflow', async () => {
    put(temp, 'wf/bad.yml', 'on: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n');
    const { code, out } = await run(['lint-workflows', '--dir', join(temp, 'wf')]);
    expect(code).toBe(1);
    expect(out).toContain('bad.yml:1: [events] pull_request_target runs with');
    expect(out).toContain('bad.yml:6: [pin] actions/checkout@v4: pin the action to a full 40-character commit SHA');
  });

  it('passes on the workflows of this repository', async () => {
    expect(await run(['lint-workflows'], { cwd: join(ROOT, 'packages/pipeline') })).toMatchObject({ code: 0, out: 'workflows: no findings\n' });
  }, 60_000);
});

describe('keyless-pipeline usage', () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['comment'], '--stack is required'],
    [['comment', '--stack', 'dev', '--bogus'], "Unknown option '--bogus'"],
  ])('%j exits 2: %s', async (argv, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });
});
