import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionlint } from '@keyless/pipeline';
import { rewriteWorkflow, scanRepository, unifiedDiff } from '../src/index.js';
import { FIXTURES, copyFixture, run } from './helpers.js';

const KEY = /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/;

/** Workflows the command rewrites completely, with the composite action one of them calls. */
const AUTOMATIC = [
  'repos/octo-org/web/.github/workflows/deploy.yml',
  'repos/octo-org/infra/.github/workflows/terraform.yml',
  'repos/octo-org/api/.github/workflows/release.yml',
  'repos/octo-org/api/.github/workflows/nightly.yml',
  'repos/octo-org/api/.github/actions/aws-login/action.yml',
  'repos-acme/acme/site/.github/workflows/deploy.yml',
];

async function migrated(): Promise<{ dir: string; code: number; err: string }> {
  const dir = copyFixture('repos', 'repos-acme');
  const { code, err } = await run(['migrate-workflow', ...AUTOMATIC], { cwd: dir });
  return { dir, code, err };
}

function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

describe('keyless migrate-workflow', () => {
  it('rewrites every workflow so that it uses no key and passes actionlint', async () => {
    const dir = copyFixture('repos', 'repos-acme');
    const paths = AUTOMATIC.map((f) => join(dir, f));
    const { code, err } = await run(['migrate-workflow', ...paths], { cwd: dir });
    expect(err).not.toContain('change by hand');
    expect(code).toBe(0);
    for (const path of paths) {
      const text = readFileSync(path, 'utf8');
      expect(text, path).not.toMatch(KEY);
      if (path.endsWith('action.yml')) continue;
      expect(await actionlint(path, text), path).toEqual([]);
      expect(text).toMatch(/id-token: write/);
      expect(text).toMatch(/role-to-assume: \$\{\{ vars\.AWS_ROLE_ARN \}\}/);
    }
    // The audit agrees: nothing in those repositories uses a key any more.
    const files = (repo: string): { path: string; text: string }[] =>
      ['workflows/nightly.yml', 'workflows/release.yml'].map((f) => ({ path: `.github/${f}`, text: readFileSync(join(dir, repo, '.github', f), 'utf8') }));
    const actions = [{ path: '.github/actions/aws-login/action.yml', text: readFileSync(join(dir, 'repos/octo-org/api/.github/actions/aws-login/action.yml'), 'utf8') }];
    expect(scanRepository({ repository: 'octo-org/api', workflows: files('repos/octo-org/api'), actions }).map((s) => s.usesAccessKeys)).toEqual([false, false]);
  });

  it('passes actionlint before and after alike: the fixtures are valid workflows to begin with', async () => {
    for (const file of AUTOMATIC.filter((f) => !f.endsWith('action.yml'))) {
      expect(await actionlint(file, readFileSync(join(FIXTURES, file), 'utf8')), file).toEqual([]);
    }
  });

  it('changes only the lines it must: comments, blank lines and formatting stay', async () => {
    const { dir } = await migrated();
    for (const file of AUTOMATIC) {
      // The diff (a longest common subsequence of lines) removes only the lines that carried keys (or a flow
      // mapping that held them, or a key input's declaration); every other line stays, in order.
      const diff = unifiedDiff(readFileSync(join(FIXTURES, file), 'utf8'), read(dir, file), 'a', 'b');
      const removed = diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---')).map((l) => l.slice(1));
      expect(removed.length, file).toBeGreaterThan(0);
      const declaration = /^ {2}(access-key-id|secret-access-key):$|^ {4}description: The (access key id|secret access key)$|^ {4}required: true$/;
      for (const line of removed) expect(line, `${file}: ${line}`).toMatch(file.endsWith('action.yml') ? new RegExp(`${KEY.source}|${declaration.source}`) : KEY);
    }
    const deploy = read(dir, 'repos/octo-org/web/.github/workflows/deploy.yml');
    expect(deploy).toContain("      # The deploy bot's key, from the repository secrets.\n");
    expect(deploy).toContain("          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n          aws-region: us-east-1   # the bucket's region\n");
  });

  it('gives each changed job id-token: write and the permissions it had', async () => {
    const { dir } = await migrated();
    expect(read(dir, 'repos/octo-org/web/.github/workflows/deploy.yml')).toContain('    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n      id-token: write\n    environment: production\n');
    expect(read(dir, 'repos/octo-org/api/.github/workflows/release.yml')).toContain('    permissions:\n      contents: write\n      id-token: write\n');
    // The smoke job used no key and is left alone.
    expect(read(dir, 'repos/octo-org/web/.github/workflows/deploy.yml')).toMatch(/ {2}smoke:\n {4}needs: deploy\n {4}runs-on: ubuntu-latest\n {4}steps:/);
  });

  it('adds a credentials step where the keys came from env, with the region the workflow had', async () => {
    const { dir } = await migrated();
    const terraform = read(dir, 'repos/octo-org/infra/.github/workflows/terraform.yml');
    expect(terraform).toContain(
      [
        '      - uses: actions/checkout@v4',
        '      - name: Assume the role through OIDC (keyless)',
        '        uses: aws-actions/configure-aws-credentials@b47578312673ae6fa5b5096b330d9fbac3d116df # v4.2.1',
        '        with:',
        '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
        '          aws-region: ${{ env.AWS_DEFAULT_REGION }}',
        '      - run: terraform init && terraform plan',
      ].join('\n'),
    );
    expect(terraform).toContain('env:\n  AWS_DEFAULT_REGION: eu-west-1\n');
    expect(read(dir, 'repos-acme/acme/site/.github/workflows/deploy.yml')).toContain('    env: { AWS_REGION: us-west-2 }\n');
  });

  it('moves a composite action to role-to-assume when it is migrated in the same run', async () => {
    const { dir } = await migrated();
    const action = read(dir, 'repos/octo-org/api/.github/actions/aws-login/action.yml');
    expect(action).toContain('  role-to-assume:\n    description: ARN of the IAM role to assume');
    expect(action).toContain('        role-to-assume: ${{ inputs.role-to-assume }}\n');
    expect(action).not.toContain('access-key-id');
    expect(read(dir, 'repos/octo-org/api/.github/workflows/nightly.yml')).toContain('          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n          region: us-east-1\n');
  });

  it('leaves a composite call alone, and says so, when the composite is not migrated with it', async () => {
    const dir = copyFixture('repos');
    const file = join(dir, 'repos/octo-org/api/.github/workflows/nightly.yml');
    const { code, err } = await run(['migrate-workflow', file], { cwd: dir });
    expect(code).toBe(1);
    expect(err).toMatch(/change by hand: job report, step 2: \.\/\.github\/actions\/aws-login takes the keys as inputs \(access-key-id, secret-access-key\); migrate \.github\/actions\/aws-login\/action\.yml in the same run/);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(FIXTURES, 'repos/octo-org/api/.github/workflows/nightly.yml'), 'utf8'));
  });

  it('reports what it cannot rewrite: run scripts, other actions, reusable workflow calls', async () => {
    const dir = copyFixture('repos');
    const { code, err } = await run(['migrate-workflow', join(dir, 'repos/octo-org/tools/.github/workflows/sync.yml'), join(dir, 'repos/octo-org/infra/.github/workflows/call-shared.yml')], { cwd: dir });
    expect(code).toBe(1);
    expect(err).toMatch(/sync\.yml: change by hand: job sync, step 1: the run script sets the keys from an expression/);
    expect(err).toMatch(/sync\.yml: change by hand: job mirror, step 1: octo-actions\/s3-upload@v2 takes the keys as inputs/);
    expect(err).toMatch(/call-shared\.yml: change by hand: job deploy: passes AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY to the reusable workflow/);
  });

  it('--check prints the diff, changes nothing and exits 1; after the rewrite it exits 0', async () => {
    const dir = copyFixture('repos');
    const file = join(dir, 'repos/octo-org/web/.github/workflows/deploy.yml');
    const original = readFileSync(file, 'utf8');
    const check = await run(['migrate-workflow', '--check', file], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.out).toContain('--- a/repos/octo-org/web/.github/workflows/deploy.yml\n+++ b/repos/octo-org/web/.github/workflows/deploy.yml\n');
    expect(check.out).toContain('-          aws-access-key-id: ${{ secrets.DEPLOY_BOT_AWS_ACCESS_KEY_ID }}\n');
    expect(check.out).toContain('+          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n');
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect((await run(['migrate-workflow', file], { cwd: dir })).code).toBe(0);
    const again = await run(['migrate-workflow', '--check', file], { cwd: dir });
    expect(again).toMatchObject({ code: 0, out: '' });
    expect(again.err).toContain('uses no access key');
  });

  it('uses the role variable it is given', async () => {
    const dir = copyFixture('repos');
    const file = join(dir, 'repos/octo-org/web/.github/workflows/deploy.yml');
    await run(['migrate-workflow', '--role-variable', 'AWS_DEPLOY_ROLE_ARN', file], { cwd: dir });
    expect(readFileSync(file, 'utf8')).toContain('role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}');
  });

  it.each([
    ['a file that is not a workflow', 'name: x\n', /not a workflow: no jobs mapping/],
    ['a file that is not YAML', 'jobs: [\n', /not valid YAML/],
  ])('exits 2 on %s, naming the file', async (_name, text, message) => {
    const dir = copyFixture('repos');
    const file = join(dir, 'x.yml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, text);
    const result = await run(['migrate-workflow', file], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(new RegExp(`keyless migrate-workflow: x\\.yml: ${message.source}`));
  });
});

describe('rewriteWorkflow permissions', () => {
  const step = '      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: ${{ secrets.A }}\n          aws-secret-access-key: ${{ secrets.B }}\n          aws-region: us-east-1\n';
  const workflow = (top: string, jobPermissions: string): string => `on: push\n${top}jobs:\n  j:\n    runs-on: ubuntu-latest\n${jobPermissions}    steps:\n${step}`;
  const cases: [string, string, string, string | RegExp][] = [
    ['its own permissions gain id-token: write', '', '    permissions:\n      contents: write\n', '    permissions:\n      contents: write\n      id-token: write\n'],
    ['an empty mapping becomes contents: read and id-token: write', '', '    permissions: {}\n', '    permissions: { contents: read, id-token: write }\n'],
    ['id-token: none becomes write', '', '    permissions:\n      id-token: none\n      contents: read\n', '    permissions:\n      id-token: write\n      contents: read\n'],
    ["the workflow's permissions are copied, since a job's replace them", 'permissions:\n  contents: read\n  packages: write\n', '', '    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n      packages: write\n      id-token: write\n'],
    ['a workflow granting nothing gives contents: read', 'permissions: {}\n', '', '    permissions:\n      contents: read\n      id-token: write\n'],
    ['no permissions anywhere gives contents: read', '', '', '    permissions:\n      contents: read\n      id-token: write\n'],
  ];
  for (const [name, top, own, expected] of cases) {
    it(name, async () => {
      const result = rewriteWorkflow(workflow(top, own));
      expect(result.after).toContain(expected);
      expect(await actionlint('w.yml', result.after)).toEqual([]);
      expect(result.manual).toEqual([]);
    });
  }

  it('leaves write-all alone: it holds id-token: write', () => {
    const result = rewriteWorkflow(workflow('permissions: write-all\n', ''));
    expect(result.after).not.toMatch(/id-token/);
    expect(result.manual).toEqual([]);
  });

  it('asks a person to list the scopes of a read-all job', () => {
    expect(rewriteWorkflow(workflow('', '    permissions: read-all\n')).manual).toEqual(['job j: permissions: read-all gives no id-token: write; list the scopes it needs and id-token: write']);
    expect(rewriteWorkflow(workflow('permissions: read-all\n', '')).manual[0]).toMatch(/^job j: inherits permissions: read-all/);
  });

  it('rewrites a flow mapping of inputs in place', () => {
    const text = 'on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with: { aws-access-key-id: "${{ secrets.A }}", aws-secret-access-key: "${{ secrets.B }}", aws-region: us-east-1 }\n';
    expect(rewriteWorkflow(text).after).toContain('        with: { aws-region: us-east-1, role-to-assume: ${{ vars.AWS_ROLE_ARN }} }\n');
  });

  it('leaves a workflow without keys byte-identical', () => {
    const text = readFileSync(join(FIXTURES, 'repos/octo-org/web/.github/workflows/ci.yml'), 'utf8');
    expect(rewriteWorkflow(text)).toMatchObject({ after: text, changes: [], manual: [] });
  });
});
