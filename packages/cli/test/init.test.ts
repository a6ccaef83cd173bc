/**
 * keyless init: a starter environment from flags or answers, checked before anything is written; the config it
 * writes passes keyless check and synthesizes; it never overwrites a file and never leaves half an app behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthFast } from '@keyless/constructs/fast';
import { loadConfigText, loadYaml } from '@keyless/policy';
import { describe, expect, it } from 'vitest';
import { accessConfigText } from '../src/init.js';
import type { InitAnswers } from '../src/init.js';
import { type KeylessRun, runKeyless, scratchPerTest } from './run-keyless.js';
import { forAll, pick, stringOf } from './seeded.js';

const { workspace, removeAfter } = scratchPerTest();
const run = (root: string, argv: string[], answers?: string[]): Promise<KeylessRun> => runKeyless(root, argv, answers ? { answers } : {});

const STAGING = ['init', '--env', 'staging', '--owner', 'octo-org', '--owner-id', '123456', '--account', '111111111111', '--region', 'eu-west-1', '--repository', 'shop', '--repository-id', '900001'];

/** Every file under a directory, relative to it, sorted. */
function tree(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tree(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

describe('keyless init', () => {
  it('writes a config that passes keyless check, explains and synthesizes', async () => {
    const root = workspace();
    const { code, out, err } = await run(root, STAGING);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^wrote apps\/staging\/access\.yaml, /);
    expect(tree(join(root, 'apps', 'staging'))).toEqual(['access.yaml', 'cdktf.json', 'package.json', 'src/main.ts', 'tsconfig.json']);

    const check = await run(root, ['check', 'staging']);
    expect(check.out).toBe('keyless check: 1 config, no problems\n');
    expect(check.code).toBe(0);
    expect((await run(root, ['check'])).code).toBe(0);

    const explain = await run(root, ['explain', 'staging']);
    // Both ids given: they are pinned beside sub, so the role is not exposed to name recycling.
    expect(explain.out).toContain('gha-staging-shop-deploy\n  who   octo-org/shop, branch main, with ids pinned (repository 900001, owner 123456)\n  may   (no permissions)\n  vars  AWS_ROLE_ARN');
    expect(explain.out).not.toContain('name recycling');
    expect(explain.out).not.toContain('by name only');

    const outdir = removeAfter(mkdtempSync(join(tmpdir(), 'keyless-init-synth-')));
    expect(synthFast({ configFile: join(root, 'apps', 'staging', 'access.yaml'), outdir }).stacks).toEqual(['staging']);
    const stack = readFileSync(join(outdir, 'stacks', 'staging', 'cdk.tf.json'), 'utf8');
    const roles = Object.values((JSON.parse(stack) as { resource: { aws_iam_role: Record<string, { assume_role_policy: string }> } }).resource.aws_iam_role);
    expect(roles).toHaveLength(1);
    const trust = JSON.parse(roles[0]?.assume_role_policy ?? '{}') as { Statement: { Condition: { StringEquals: Record<string, unknown> } }[] };
    // Either form of sub, with the repository's and the owner's ids required beside it.
    expect(trust.Statement.map((s) => s.Condition.StringEquals)).toEqual([
      {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': ['repo:octo-org/shop:ref:refs/heads/main', 'repo:octo-org@123456/shop@900001:ref:refs/heads/main'],
        'token.actions.githubusercontent.com:repository_id': '900001',
        'token.actions.githubusercontent.com:repository_owner_id': '123456',
      },
    ]);
  });

  it('uses the state bucket, OIDC provider and boundary of the bootstrap when it holds the account', async () => {
    const root = workspace();
    await run(root, STAGING);
    const model = loadConfigText(readFileSync(join(root, 'apps', 'staging', 'access.yaml'), 'utf8'), 'staging', { kind: 'access' }).model;
    expect(model.state).toEqual({ bucket: 'octo-org-keyless-tfstate-111111111111', region: 'ap-northeast-2', keyPrefix: 'keyless' });
    expect(model.aws.oidcProvider).toEqual({ existingArn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' });
    expect(model.repositories[0]?.roles[0]?.permissionsBoundaryArn).toBe('arn:aws:iam::111111111111:policy/keyless/keyless-dev-boundary');
  });

  it('says what to do for an account the bootstrap does not hold, and the config still passes', async () => {
    const root = workspace();
    const { code, out } = await run(root, ['init', '--env', 'sandbox', '--owner', 'octo-org', '--account', '333333333333', '--region', 'us-east-1', '--repository', 'lab']);
    expect(code).toBe(0);
    expect(out).toContain('note: account 333333333333 is not in apps/bootstrap/bootstrap.yaml; add it under accounts there');
    expect(out).toContain('note: without --owner-id and --repository-id the role trusts octo-org/lab by name only');
    const check = await run(root, ['check', 'sandbox', '--json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.out).problems.map((p: { severity: string; path: string }) => `${p.severity} ${p.path}`)).toEqual(['warning aws.accountId']);
    // Without ids the role trusts the repository by name only, and explain says so.
    const explain = await run(root, ['explain', 'sandbox']);
    expect(explain.out).toContain('gha-sandbox-lab-deploy  [name recycling]');
    expect(explain.out).toContain('1 of 1 roles trust repositories by name only');
  });

  it('refuses values that break a rule, naming the flag, and writes nothing', async () => {
    const root = workspace();
    const { code, err } = await run(root, ['init', '--env', 'qa', '--owner', 'octo-org', '--account', '1111', '--region', 'eu-wst-1', '--repository', 'shop', '--branch', 'a..b']);
    expect(code).toBe(1);
    expect(err.split('\n')).toEqual([
      '--account: "1111": an AWS account id is exactly 12 digits, written as a string',
      `--region: "eu-wst-1": not a region of the aws partition in the AWS SDK's endpoint data (${err.split('endpoint data (')[1]?.split(')')[0]}); did you mean "eu-west-1"?`,
      '--branch: "a..b": a git ref name has no "..", "@{" or "//"',
      'nothing was written',
      '',
    ]);
    expect(existsSync(join(root, 'apps', 'qa'))).toBe(false);
  });

  it('refuses an environment name another app has', async () => {
    const root = workspace();
    renameSync(join(root, 'apps', 'prod'), join(root, 'apps', 'production'));
    const { code, err } = await run(root, ['init', '--env', 'prod', '--owner', 'octo-org', '--account', '444444444444', '--region', 'us-east-1', '--repository', 'lab']);
    expect(code).toBe(1);
    expect(err).toContain('--env: "prod": apps/production/access.yaml is already the prod environment; choose another name');
    expect(existsSync(join(root, 'apps', 'prod'))).toBe(false);
  });

  it('never overwrites a file, and writes nothing when one exists', async () => {
    const root = workspace();
    mkdirSync(join(root, 'apps', 'staging', 'src'), { recursive: true });
    writeFileSync(join(root, 'apps', 'staging', 'src', 'main.ts'), '// mine\n');
    const { code, err } = await run(root, STAGING);
    expect(code).toBe(1);
    expect(err).toContain('apps/staging/src/main.ts already exists; init never overwrites a file, so nothing was written');
    expect(tree(join(root, 'apps', 'staging'))).toEqual(['src/main.ts']);
    expect(readFileSync(join(root, 'apps', 'staging', 'src', 'main.ts'), 'utf8')).toBe('// mine\n');
  });

  it('removes what it wrote when a later write fails', async () => {
    const root = workspace();
    mkdirSync(join(root, 'apps', 'staging'), { recursive: true });
    writeFileSync(join(root, 'apps', 'staging', 'src'), 'a file where the src directory goes\n');
    const { code, err } = await run(root, STAGING);
    expect(code).toBe(1);
    expect(err).toMatch(/^keyless: .*src/);
    expect(tree(join(root, 'apps', 'staging'))).toEqual(['src']);
  });

  it('needs every answer without a terminal (usage, exit 2)', async () => {
    const root = workspace();
    const { code, err } = await run(root, ['init', '--env', 'qa']);
    expect(code).toBe(2);
    expect(err).toBe('keyless init: missing --owner, --account, --region, --repository (or run it in a terminal to be asked)\n');
    expect((await run(root, [...STAGING.slice(0, 5), '--owner-id', 'abc'])).code).toBe(2);
  });

  it('asks for what the flags do not give, again after a wrong answer, with the bootstrap owner as default', async () => {
    const root = workspace();
    const { code, asked, err } = await run(root, ['init', '--env', 'qa'], ['', '', '12345', '555555555555', 'eu-central-1', 'api', '', '']);
    expect(asked).toEqual([
      'GitHub organisation or user that owns the repositories [octo-org]: ',
      'its numeric id (gh api orgs/OWNER --jq .id; empty to skip) [123456]: ',
      'AWS account id (12 digits): ',
      'AWS account id (12 digits): ',
      'AWS region (such as eu-west-1): ',
      'first repository (name only): ',
      'its numeric id (gh api repos/OWNER/REPO --jq .id; empty to skip): ',
      'branch whose jobs may assume the role [main]: ',
    ]);
    expect(err).toBe('--account: "12345": an AWS account id is exactly 12 digits, written as a string\n');
    expect(code).toBe(0);
    const data = loadYaml(readFileSync(join(root, 'apps', 'qa', 'access.yaml'), 'utf8'), 'qa') as Record<string, any>;
    expect(data).toMatchObject({ environment: 'qa', github: { owner: 'octo-org', ownerId: 123456 }, aws: { accountId: '555555555555', region: 'eu-central-1' } });
    expect(data['repositories']).toEqual({ api: { roles: { deploy: { trust: { branches: ['main'] } } } } });
  });

  it('copies the app around the config from an app of the workspace', async () => {
    const root = workspace();
    const dev = join(root, 'apps', 'dev');
    mkdirSync(join(dev, 'src'));
    mkdirSync(join(dev, 'test'));
    writeFileSync(join(dev, 'package.json'), `${JSON.stringify({ name: '@keyless/app-dev', private: true, scripts: { synth: 'x' } }, null, 2)}\n`);
    writeFileSync(join(dev, 'cdktf.json'), `${JSON.stringify({ app: 'x', projectId: 'keyless-dev' }, null, 2)}\n`);
    writeFileSync(join(dev, 'src', 'main.ts'), 'main\n');
    writeFileSync(join(dev, 'tsconfig.json'), '{}\n');
    writeFileSync(join(dev, 'vitest.config.ts'), 'vitest\n');
    writeFileSync(join(dev, 'test', 'app.test.ts'), "defineAppSuite({ name: 'dev' });\n");
    expect((await run(root, STAGING)).code).toBe(0);
    const app = join(root, 'apps', 'staging');
    expect(tree(app)).toEqual(['access.yaml', 'cdktf.json', 'package.json', 'src/main.ts', 'test/app.test.ts', 'tsconfig.json', 'vitest.config.ts']);
    expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'))).toEqual({ name: '@keyless/app-staging', private: true, scripts: { synth: 'x' } });
    expect(JSON.parse(readFileSync(join(app, 'cdktf.json'), 'utf8'))).toEqual({ app: 'x', projectId: 'keyless-staging' });
    expect(readFileSync(join(app, 'test', 'app.test.ts'), 'utf8')).toBe("defineAppSuite({ name: 'staging' });\n");
  });

  it('writes text that reads back as exactly the answers, whatever they are', () => {
    const branchChars = 'abcxyz019-_./#@+!%&\'"$ ';
    forAll(200, 42, (next) => {
      const branch = stringOf(next, branchChars, 1 + Math.floor(next() * 12));
      const answers: InitAnswers = {
        env: pick(next, ['dev', 'staging-2', 'e1', 'true', 'null', '123']),
        owner: pick(next, ['octo-org', 'Octo-Corp2', 'a1', 'yes', 'No']),
        account: pick(next, ['111111111111', '000000000001']),
        region: pick(next, ['us-east-1', 'ap-northeast-2']),
        repository: pick(next, ['shop', 'web.app', '.github', 'on', 'a_b', '1.0']),
        branch,
        ...(next() < 0.5 ? { ownerId: 1 + Math.floor(next() * 1e6) } : {}),
        ...(next() < 0.5 ? { repositoryId: 1 + Math.floor(next() * 1e6) } : {}),
      };
      const data = loadYaml(accessConfigText(answers, undefined, undefined), 'x') as Record<string, any>;
      expect(data['environment']).toBe(answers.env);
      expect(data['github']).toEqual({ owner: answers.owner, ...(answers.ownerId !== undefined ? { ownerId: answers.ownerId } : {}) });
      expect(data['repositories']).toEqual({
        [answers.repository]: { ...(answers.repositoryId !== undefined ? { id: answers.repositoryId } : {}), roles: { deploy: { trust: { branches: [branch] } } } },
      });
    });
  });
});
