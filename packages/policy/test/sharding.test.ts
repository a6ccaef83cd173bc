import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError, buildAccessModel, parseAccessConfig, shardOf, splitModel } from '../src/index.js';

const EXISTING = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';

function config(repositories: Record<string, unknown>, sharding: unknown = { by: 'hash', shards: 4 }): Record<string, unknown> {
  return {
    environment: 'dev',
    aws: { accountId: '111111111111', region: 'ap-northeast-2', oidcProvider: { existingArn: EXISTING } },
    github: { owner: 'octo-org' },
    ...(sharding ? { sharding } : {}),
    repositories,
  };
}

const repo = (extra: Record<string, unknown> = {}) => ({ ...extra, roles: { deploy: { trust: { branches: ['main'] } } } });

function problems(input: Record<string, unknown>): readonly string[] {
  try {
    buildAccessModel(parseAccessConfig(input));
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('shardOf', () => {
  it('is stable: the same name always lands in the same shard, whatever else exists', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/), fc.integer({ min: 2, max: 256 }), (name, shards) => {
        const a = shardOf(name, {}, { by: 'hash', shards });
        expect(a).toBe(shardOf(name, {}, { by: 'hash', shards }));
        expect(a).toBe(shardOf(name.toUpperCase(), {}, { by: 'hash', shards }));
        expect(Number(a?.slice(1))).toBeLessThan(shards);
      }),
    );
  });

  it.each([
    ['web', {}, { by: 'hash' as const, shards: 16 }, /^s[0-9]{2}$/],
    ['web', { team: 'payments' }, { by: 'team' as const }, /^team-payments$/],
    ['web', { stack: 'legacy', team: 'payments' }, { by: 'team' as const }, /^legacy$/],
    ['web', { stack: 'legacy' }, { by: 'hash' as const, shards: 4 }, /^legacy$/],
  ])('puts %s with %o under %o in %s', (name, repoProps, sharding, expected) => {
    expect(shardOf(name, repoProps, sharding)).toMatch(expected);
  });

  it('spreads repositories over the shards', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const s = shardOf(`repo-${i}`, {}, { by: 'hash', shards: 8 }) ?? '';
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect(counts.size).toBe(8);
    for (const n of counts.values()) expect(n).toBeGreaterThan(350);
  });
});

describe('splitModel', () => {
  it('keeps an unsharded environment in one stack named after it', () => {
    const model = buildAccessModel(parseAccessConfig(config({ web: repo() }, null)));
    expect(splitModel(model).map((s) => s.stackId)).toEqual(['dev']);
  });

  it('splits by team into one stack per team, each holding only its repositories', () => {
    const model = buildAccessModel(
      parseAccessConfig(config({ web: repo({ team: 'front' }), api: repo({ team: 'back' }), site: repo({ team: 'front' }) }, { by: 'team' })),
    );
    const stacks = splitModel(model);
    expect(stacks.map((s) => [s.stackId, s.model.repositories.map((r) => r.key)])).toEqual([
      ['dev-team-back', ['api']],
      ['dev-team-front', ['site', 'web']],
    ]);
  });

  it('puts every repository in exactly one stack', () => {
    const repositories = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`repo-${i}`, repo()]));
    const stacks = splitModel(buildAccessModel(parseAccessConfig(config(repositories))));
    const all = stacks.flatMap((s) => s.model.repositories.map((r) => r.key)).sort();
    expect(all).toEqual(Object.keys(repositories).sort());
    expect(stacks.every((s) => /^dev-s[0-3]$/.test(s.stackId))).toBe(true);
  });
});

describe('sharding config errors', () => {
  it.each([
    ['hash without a shard count', config({ web: repo() }, { by: 'hash' }), 'sharding.shards: nothing: hash sharding needs shards: a whole number from 2 to 256'],
    ['one shard', config({ web: repo() }, { by: 'hash', shards: 1 }), 'sharding.shards: 1: hash sharding needs shards: a whole number from 2 to 256'],
    ['a shard count with team sharding', config({ web: repo({ team: 'a' }) }, { by: 'team', shards: 4 }), 'sharding.shards: 4: shards applies to by: hash only; team sharding makes one stack per team'],
    ['team sharding without a team', config({ web: repo() }, { by: 'team' }), 'repositories.web: "web": sharding by team needs team (or an explicit stack) on every repository'],
    ['a pinned stack without sharding', config({ web: repo({ stack: 'a' }) }, null), 'repositories.web.stack: "a": stack pins a repository only in a sharded environment; add sharding or remove it'],
    ['a bad stack suffix', config({ web: repo({ stack: 'A_B' }) }), 'repositories.web.stack: "A_B": a stack suffix has 1 to 40 lowercase letters, digits and inner hyphens'],
  ])('fails on %s', (_name, input, expected) => {
    expect(problems(input)).toEqual([expected]);
  });

  it('fails when a sharded environment would create the account-wide OIDC provider', () => {
    const input = config({ web: repo() });
    (input['aws'] as Record<string, unknown>)['oidcProvider'] = { create: true };
    expect(problems(input)).toEqual([
      'sharding: "hash": a sharded environment refers to the OIDC provider by aws.oidcProvider.existingArn (create it in the bootstrap app), so that no shard owns an account-wide resource',
    ]);
  });
});
