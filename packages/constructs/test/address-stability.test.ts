import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAccessModel, parseAccessConfig, splitModel } from '@keyless/policy';
import { App } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { renderKeylessStack, synthFast } from '../src/fast.js';
import { KeylessStack } from '../src/index.js';
import { yaml } from './helpers.js';

const EXISTING = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';

function organisation(names: readonly string[], sharding?: unknown): Record<string, unknown> {
  return {
    environment: 'dev',
    aws: { accountId: '111111111111', region: 'ap-northeast-2', oidcProvider: { existingArn: EXISTING } },
    github: { owner: 'octo-org' },
    ...(sharding ? { sharding } : {}),
    repositories: Object.fromEntries(
      // What a repository declares depends on its name only, so reordering keeps every declaration.
      names.map((n) => [
        n,
        {
          roles: {
            deploy: { trust: { branches: ['main'] }, managedPolicyArns: ['arn:aws:iam::111111111111:policy/deploy'] },
            ...(n.length % 3 === 0 || n.endsWith('3') ? { plan: { readOnly: true, trust: { pullRequests: true }, variable: { name: 'AWS_PLAN_ROLE_ARN' } } } : {}),
          },
          ...(n.endsWith('4') || n.endsWith('8') ? { environments: { production: { reviewers: { teams: [1] } } } } : {}),
        },
      ]),
    ),
  };
}

type Addresses = Map<string, string>; // address → stack

/** Every resource address of every stack, with the repository it belongs to (from its construct path). */
function addresses(input: Record<string, unknown>): { byRepo: Map<string, Addresses>; all: Addresses } {
  const model = buildAccessModel(parseAccessConfig(input));
  const byRepo = new Map<string, Addresses>();
  const all: Addresses = new Map();
  for (const { stackId, model: stackModel } of splitModel(model)) {
    const json = renderKeylessStack(stackId, stackModel) as { resource: Record<string, Record<string, { '//': { metadata: { path: string } } }>> };
    for (const [type, resources] of Object.entries(json.resource)) {
      for (const [name, block] of Object.entries(resources)) {
        const repo = block['//'].metadata.path.split('/')[1]?.replace(/^repo-/, '') ?? '';
        const address = `${type}.${name}`;
        all.set(address, stackId);
        byRepo.set(repo, (byRepo.get(repo) ?? new Map()).set(address, stackId));
      }
    }
  }
  return { byRepo, all };
}

const names = Array.from({ length: 40 }, (_, i) => `service-${String(i).padStart(2, '0')}`);

describe.each([
  ['one stack', undefined],
  ['hash shards', { by: 'hash', shards: 8 }],
])('resource addresses with %s', (_label, sharding) => {
  const before = addresses(organisation(names, sharding));

  it('do not change when repositories are reordered', () => {
    const after = addresses(organisation([...names].reverse(), sharding));
    expect(after.all).toEqual(before.all);
  });

  it('change only for the repository inserted', () => {
    const after = addresses(organisation([...names.slice(0, 20), 'newcomer', ...names.slice(20)], sharding));
    const added = [...after.all.keys()].filter((a) => !before.all.has(a));
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((a) => after.byRepo.get('newcomer')?.has(a))).toBe(true);
    for (const [address, stack] of before.all) expect(after.all.get(address)).toBe(stack);
  });

  it('change only for the repository deleted', () => {
    const after = addresses(organisation(names.filter((n) => n !== 'service-07'), sharding));
    const removed = [...before.all.keys()].filter((a) => !after.all.has(a));
    expect(removed.sort()).toEqual([...(before.byRepo.get('service-07')?.keys() ?? [])].sort());
    for (const [address, stack] of after.all) expect(before.all.get(address)).toBe(stack);
  });
});

describe('sharded synthesis', () => {
  it('writes one stack per shard, the same through cdktf and the fast synthesizer', () => {
    const input = organisation(names, { by: 'hash', shards: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'keyless-shards-'));
    const file = join(dir, 'access.yaml');
    writeFileSync(file, yaml.stringify(input));
    const fast = synthFast({ configFile: file, outdir: join(dir, 'fast') });
    expect(fast.stacks).toEqual(['dev-s0', 'dev-s1', 'dev-s2', 'dev-s3']);
    const model = buildAccessModel(parseAccessConfig(input));
    const app = new App({ outdir: join(dir, 'cdktf') });
    for (const { stackId, model: m } of splitModel(model)) new KeylessStack(app, stackId, { model: m });
    app.synth();
    for (const id of fast.stacks) {
      expect(readFileSync(join(dir, 'fast', 'stacks', id, 'cdk.tf.json'), 'utf8')).toBe(readFileSync(join(dir, 'cdktf', 'stacks', id, 'cdk.tf.json'), 'utf8'));
    }
    expect(readdirSync(join(dir, 'fast', 'stacks')).sort()).toEqual(readdirSync(join(dir, 'cdktf', 'stacks')).sort());
  });
});
