import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthFast } from '@keyless/constructs/fast';
import { shardOf } from '@keyless/policy';
import { describe, expect, it } from 'vitest';
import { configOnlyChange, unchangedStacks } from '../src/changed-stacks.js';

function organisation(deployBranchOf: (name: string) => string): string {
  const lines = [
    'environment: dev',
    'aws:',
    '  accountId: "111111111111"',
    '  region: ap-northeast-2',
    '  oidcProvider:',
    '    existingArn: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
    'github:',
    '  owner: octo-org',
    'sharding:',
    '  by: hash',
    '  shards: 8',
    'repositories:',
  ];
  for (let i = 0; i < 40; i++) {
    const name = `service-${i}`;
    lines.push(`  ${name}:`, '    roles:', '      deploy:', '        trust:', `          branches: [${deployBranchOf(name)}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('configOnlyChange', () => {
  it.each([
    [['apps/dev/access.yaml'], 'apps/dev/access.yaml'],
    [['apps/dev/bootstrap.yaml'], 'apps/dev/bootstrap.yaml'],
    [['apps/prod/access.yaml'], undefined],
    [['apps/dev/access.yaml', 'apps/dev/src/main.ts'], undefined],
    [['packages/policy/src/model/index.ts (@keyless/policy)'], undefined],
  ])('for %o gives %s', (reasons, expected) => {
    expect(configOnlyChange('dev', reasons)).toBe(expected);
  });
});

describe('unchangedStacks', () => {
  it('leaves out every shard but the one holding the changed repository', () => {
    const root = mkdtempSync(join(tmpdir(), 'keyless-changed-'));
    mkdirSync(join(root, 'apps', 'dev'), { recursive: true });
    const base = organisation(() => 'main');
    const head = organisation((name) => (name === 'service-7' ? 'release' : 'main'));
    const headFile = join(root, 'apps', 'dev', 'access.yaml');
    writeFileSync(headFile, head);
    const written = synthFast({ configFile: headFile, outdir: join(root, 'apps', 'dev', 'cdktf.out') });
    const same = unchangedStacks(root, 'apps/dev/access.yaml', base, join('apps', 'dev', 'cdktf.out'));
    const changed = written.stacks.filter((s) => !same.has(s));
    expect(changed).toEqual([`dev-${shardOf('service-7', {}, { by: 'hash', shards: 8 })}`]);
    expect(same.size).toBe(written.stacks.length - 1);
  });

  it('keeps every stack when nothing is the same', () => {
    const root = mkdtempSync(join(tmpdir(), 'keyless-changed-'));
    mkdirSync(join(root, 'apps', 'dev'), { recursive: true });
    const headFile = join(root, 'apps', 'dev', 'access.yaml');
    writeFileSync(headFile, organisation(() => 'main'));
    synthFast({ configFile: headFile, outdir: join(root, 'apps', 'dev', 'cdktf.out') });
    expect(unchangedStacks(root, 'apps/dev/access.yaml', organisation(() => 'develop'), join('apps', 'dev', 'cdktf.out')).size).toBe(0);
  });
});
