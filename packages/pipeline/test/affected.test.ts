import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApp, runBootstrapApp } from '@keyless/constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { affectedApps, bootstrapAccountMap, loadWorkspace, stackAccountId, stackMatrix } from '../src/index.js';
import type { Workspace } from '../src/index.js';
import { OCTO_ORG, ROOT } from './helpers.js';

const workspace = loadWorkspace(ROOT);
const ALL = ['bootstrap', 'dev', 'prod'];

describe('affectedApps on this workspace', () => {
  it.each([
    [['apps/dev/access.yaml'], ['dev']],
    [['apps/prod/src/main.ts', 'apps/dev/test/app.test.ts'], ['dev', 'prod']],
    [['apps/bootstrap/bootstrap.yaml'], ['bootstrap']],
    [['packages/policy/src/iam/trust-policy.ts'], ALL],
    [['packages/constructs/src/stacks/keyless-stack.ts'], ALL],
    [['packages/tf-check/src/check.ts'], ALL],
    [['packages/cli/src/main.ts'], []],
    [['packages/pipeline/src/render-comment.ts'], []],
    [['pnpm-lock.yaml'], ALL],
    [['package.json'], ALL],
    [['tsconfig.base.json'], ALL],
    [['turbo.json'], ALL],
    [['.github/workflows/plan.yml'], ALL],
    [['.github/CODEOWNERS'], []],
    [['README.md', 'packages/policy/README.md', 'apps/dev/NOTES.md'], []],
    [['.ci/run', 'scripts/test-summary.mjs', '.gitignore'], []],
    [['.tool-versions'], ALL],
    [[], []],
  ])('%j → %j', (files, apps) => {
    expect(affectedApps(files, workspace).apps).toEqual(apps);
  });

  it('says why an app is affected', () => {
    const { reasons } = affectedApps(['packages/policy/src/model/index.ts', 'apps/dev/access.yaml'], workspace);
    expect(reasons['dev']).toEqual(['packages/policy/src/model/index.ts (@keyless/policy)', 'apps/dev/access.yaml']);
    expect(reasons['prod']).toEqual(['packages/policy/src/model/index.ts (@keyless/policy)']);
  });

  it('reads every app and package with its workspace dependencies', () => {
    const dev = workspace.packages.find((p) => p.dir === 'apps/dev');
    expect(dev?.name).toBe('@keyless/app-dev');
    expect(dev?.workspaceDependencies).toEqual(['@keyless/constructs', '@keyless/policy', '@keyless/tf-check']);
  });
});

describe('affectedApps', () => {
  // a depends on lib-b (dev dependency), which depends on lib-c; z depends on nothing.
  const synthetic: Workspace = {
    packages: [
      { name: 'app-a', dir: 'apps/a', workspaceDependencies: ['lib-b'] },
      { name: 'app-z', dir: 'apps/z', workspaceDependencies: [] },
      { name: 'lib-b', dir: 'packages/b', workspaceDependencies: ['lib-c'] },
      { name: 'lib-c', dir: 'packages/c', workspaceDependencies: [] },
      { name: 'lib-cc', dir: 'packages/cc', workspaceDependencies: [] },
    ],
  };

  it.each([
    [['packages/c/src/x.ts'], ['a']],
    [['packages/b/package.json'], ['a']],
    [['packages/cc/src/x.ts'], []],
    [['packages/gone/src/x.ts'], []],
    [['apps/removed/access.yaml'], []],
    [['apps\\z\\access.yaml'], ['z']],
    [['./apps/z/access.yaml'], ['z']],
  ])('follows dependencies transitively: %j → %j', (files, apps) => {
    expect(affectedApps(files, synthetic).apps).toEqual(apps);
  });
});

describe('stackMatrix', () => {
  const root = mkdtempSync(join(tmpdir(), 'keyless-matrix-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const out = (app: string): string => {
    mkdirSync(join(root, 'apps', app), { recursive: true });
    return join(root, 'apps', app, 'cdktf.out');
  };
  // The octo-org fixture configs, not this repository's apps/ (an adopter replaces those).
  runApp({ configFile: join(OCTO_ORG, 'apps/dev/access.yaml'), outdir: out('dev') });
  runApp({ configFile: join(OCTO_ORG, 'apps/prod/access.yaml'), outdir: out('prod') });
  runBootstrapApp({ configFile: join(OCTO_ORG, 'apps/bootstrap/bootstrap.yaml'), outdir: out('bootstrap') });

  it('has one entry per synthesized stack, with the environment of its account and the variables to read', () => {
    const matrix = stackMatrix(root, ALL, bootstrapAccountMap(OCTO_ORG));
    // A product stack applies through the account's environment, the bootstrap stack through <key>-bootstrap;
    // both plan on main through <key>-read.
    expect(matrix.map((e) => [e.app, e.stack, e.account, e.environment, e.readEnvironment, e.accountId])).toEqual([
      ['bootstrap', 'bootstrap-dev', 'dev', 'dev-bootstrap', 'dev-read', '111111111111'],
      ['bootstrap', 'bootstrap-prod', 'prod', 'prod-bootstrap', 'prod-read', '222222222222'],
      ['dev', 'dev', 'dev', 'dev', 'dev-read', '111111111111'],
      ['prod', 'prod', 'prod', 'prod', 'prod-read', '222222222222'],
    ]);
    expect(matrix.find((e) => e.stack === 'bootstrap-prod')).toEqual({
      app: 'bootstrap',
      stack: 'bootstrap-prod',
      account: 'prod',
      environment: 'prod-bootstrap',
      readEnvironment: 'prod-read',
      accountId: '222222222222',
      workdir: 'apps/bootstrap/cdktf.out/stacks/bootstrap-prod',
      planRoleVar: 'KEYLESS_PLAN_ROLE_ARN_PROD',
      driftRoleVar: 'KEYLESS_DRIFT_ROLE_ARN_PROD',
      regionVar: 'KEYLESS_REGION_PROD',
    });
  });

  it('fails for a stack in an account the bootstrap does not know', () => {
    expect(() => stackMatrix(root, ['dev'], new Map([['222222222222', 'prod']]))).toThrow(
      'stack dev of apps/dev: account 111111111111 is not an account of apps/bootstrap/bootstrap.yaml, so no pipeline role can plan or apply it',
    );
  });

  it('fails for an app that was not synthesized', () => {
    expect(() => stackMatrix(root, ['nope'], new Map())).toThrow('apps/nope/cdktf.out/manifest.json: not found; synthesize the app first');
  });

  it.each([
    [{ provider: { aws: [{ allowed_account_ids: ['111111111111'] }] } }, '111111111111'],
    [{ provider: { aws: { allowed_account_ids: ['111111111111'] } } }, '111111111111'],
    [{ provider: { aws: [{ allowed_account_ids: ['1'] }, { alias: 'x', allowed_account_ids: ['2'] }] } }, undefined],
    [{ provider: {} }, undefined],
  ])('stackAccountId(%j) = %s', (stack, id) => {
    expect(stackAccountId(stack)).toBe(id);
  });
});
