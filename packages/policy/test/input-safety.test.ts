/**
 * Input that is hostile to the parser rather than to the policy: keys JavaScript treats specially, YAML that
 * expands to billions of values or nests without end, cdktf token markers, and ids that used to crash the
 * model with a stack trace. Each is a ConfigError naming the config path; nothing else escapes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  INPUT_LIMITS,
  buildAccessModel,
  inputProblems,
  loadYaml,
  parseAccessConfig,
  parseAccessConfigYaml,
  parseBootstrapConfigYaml,
} from '../src/index.js';

type Config = Record<string, any>;

function baseConfig(): Config {
  return {
    environment: 'dev',
    aws: { accountId: '111111111111', region: 'ap-northeast-2', tags: { team: 'platform' } },
    github: { owner: 'octo-org', ownerId: 123456 },
    repositories: {
      web: {
        environments: { production: { deploymentBranches: ['main'] } },
        roles: {
          deploy: {
            trust: { branches: ['main'], environments: ['production'] },
            tags: { owner: 'web' },
            inlinePolicies: { site: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } },
          },
        },
      },
    },
  };
}

/** The ConfigError a build throws; fails the test on success or on any other error. */
function configError(build: () => unknown): ConfigError {
  try {
    build();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw new Error(`expected a ConfigError, got ${String(error)}`);
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

const build = (c: unknown) => () => buildAccessModel(parseAccessConfig(c, 'access.yaml'), 'access.yaml');
const buildYaml = (text: string) => () => buildAccessModel(parseAccessConfigYaml(text, 'access.yaml'), 'access.yaml');

const yamlOf = (c: unknown): string => JSON.stringify(c); // JSON is YAML, and keeps "__proto__" an ordinary key

describe('reserved keys', () => {
  // Where a key is a name: each would vanish or be misread if a plain object held it.
  const places: [string, (c: Config, key: string) => void, (key: string) => string][] = [
    ['a repository', (c, k) => { c.repositories[k] = c.repositories.web; }, (k) => `repositories.${k}`],
    ['a role', (c, k) => { c.repositories.web.roles[k] = c.repositories.web.roles.deploy; }, (k) => `repositories.web.roles.${k}`],
    ['an inline policy', (c, k) => { c.repositories.web.roles.deploy.inlinePolicies[k] = c.repositories.web.roles.deploy.inlinePolicies.site; }, (k) => `repositories.web.roles.deploy.inlinePolicies.${k}`],
    ['a role tag', (c, k) => { c.repositories.web.roles.deploy.tags[k] = 'x'; }, (k) => `repositories.web.roles.deploy.tags.${k}`],
    ['an account tag', (c, k) => { c.aws.tags[k] = 'x'; }, (k) => `aws.tags.${k}`],
    ['an environment', (c, k) => { c.repositories.web.environments[k] = {}; }, (k) => `repositories.web.environments.${k}`],
    ['another trusted repository', (c, k) => { c.repositories.web.roles.deploy.trust.repositories = { [k]: { branches: ['main'] } }; }, (k) => `repositories.web.roles.deploy.trust.repositories.${k}`],
  ];
  const cases = places.flatMap(([what, set, path]) => ['__proto__', 'constructor', 'prototype'].map((key) => [what, key, set, path] as const));

  it.each(cases)('refuses %s named %s, from YAML, naming the path', (_what, key, set, path) => {
    // Built from JSON text, as the YAML loader builds it: the key is an own property, not a prototype.
    // Assigning obj["__proto__"] would set the prototype, so the test writes a stand-in and renames it in the text.
    const c = JSON.parse(JSON.stringify(baseConfig())) as Config;
    set(c, key === '__proto__' ? '__PROTO__' : key);
    const text = yamlOf(c).replace(/"__PROTO__"/g, '"__proto__"');
    const error = configError(buildYaml(text));
    expect(error.problems).toContain(
      `${path(key)}: the key "${key}" is reserved in JavaScript and cannot be a name here (it would be dropped or misread); rename it`,
    );
  });

  it('refuses a reserved key in an object built from JSON.parse, where it is an own property', () => {
    const c = JSON.parse('{"environment":"dev","aws":{"accountId":"111111111111","region":"ap-northeast-2"},"github":{"owner":"octo-org"},"repositories":{"__proto__":{"roles":{"deploy":{"trust":{"branches":["main"]}}}}}}');
    expect(configError(build(c)).problems[0]).toMatch(/^repositories\.__proto__: the key "__proto__" is reserved/);
  });

  it('refuses a reserved key at any depth of any mapping', () => {
    // Every mapping of the base config, by its path.
    const mappings: (readonly string[])[] = [];
    const collect = (v: unknown, at: readonly string[]): void => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return;
      mappings.push(at);
      for (const [k, x] of Object.entries(v)) collect(x, [...at, k]);
    };
    collect(baseConfig(), []);
    fc.assert(
      fc.property(fc.constantFrom(...mappings), fc.constantFrom('__proto__', 'constructor', 'prototype'), (at, key) => {
        const c = baseConfig();
        const target = at.reduce((o: Config, k) => o[k], c);
        Object.defineProperty(target, key, { value: {}, enumerable: true, configurable: true, writable: true });
        const error = configError(build(c));
        return error.problems.some((p) => p.includes(`the key "${key}" is reserved in JavaScript`));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a reserved key in the bootstrap config', () => {
    const text = [
      'github: { owner: octo-org }',
      'infraRepository: { name: octo-infra }',
      'stateBucketPrefix: octo-keyless',
      'accounts:',
      '  dev: { accountId: "111111111111", region: ap-northeast-2 }',
      '  __proto__: { accountId: "222222222222", region: ap-northeast-2 }',
    ].join('\n');
    expect(configError(() => parseBootstrapConfigYaml(text, 'bootstrap.yaml')).problems).toContain(
      'accounts.__proto__: the key "__proto__" is reserved in JavaScript and cannot be a name here (it would be dropped or misread); rename it',
    );
  });
});

describe('cdktf token markers', () => {
  it.each([
    ['a description', (c: Config) => { c.repositories.web.roles.deploy.description = 'deploys ${TfToken[TOKEN.1]}'; }, 'repositories.web.roles.deploy.description'],
    ['inline policy text', (c: Config) => { c.repositories.web.roles.deploy.inlinePolicies.site.Statement[0].Resource = 'arn:aws:s3:::${TfToken[TOKEN.2]}'; }, 'repositories.web.roles.deploy.inlinePolicies.site.Statement[0].Resource'],
    ['a list token', (c: Config) => { c.repositories.web.roles.deploy.inlinePolicies.site.Statement[0].Action = ['#{TfToken[TOKEN.3]}']; }, 'repositories.web.roles.deploy.inlinePolicies.site.Statement[0].Action[0]'],
    ['a map token', (c: Config) => { c.repositories.web.roles.deploy.tags.owner = '&{TfToken[TOKEN.4]}'; }, 'repositories.web.roles.deploy.tags.owner'],
  ])('refuses one in %s', (_what, set, path) => {
    const c = baseConfig();
    set(c);
    const problems = configError(build(c)).problems;
    expect(problems.some((p) => p.startsWith(`${path}: `) && p.includes('"TfToken[" is how cdktf marks its own references'))).toBe(true);
  });

  it('refuses one in a key', () => {
    const c = baseConfig();
    c.repositories.web.roles.deploy.inlinePolicies.site.Statement[0].Condition = { StringEquals: { '${TfToken[TOKEN.5]}': 'x' } };
    expect(configError(build(c)).problems.some((p) => p.includes('the key "${TfToken[TOKEN.5]}"'))).toBe(true);
  });

  it('accepts IAM policy variables, which are literal text', () => {
    const c = baseConfig();
    c.repositories.web.roles.deploy.inlinePolicies.site.Statement[0].Resource = 'arn:aws:s3:::bucket/${aws:PrincipalAccount}/%{x}';
    c.repositories.web.roles.deploy.description = 'uses ${aws:username} and %{ literally';
    expect(() => build(c)()).not.toThrow();
  });
});

describe('YAML expansion and nesting', () => {
  /** The classic "billion laughs": ten levels of ten aliases each, 10^10 values from a few hundred bytes. */
  function billionLaughs(levels: number): string {
    const lines = ['environment: dev', 'aws: { accountId: "111111111111", region: ap-northeast-2 }', 'github: { owner: octo-org }', 'l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
    lines.push(`repositories: { web: { roles: { deploy: { trust: { branches: [main] }, description: *l${levels} } } } }`);
    return lines.join('\n');
  }

  it('refuses an alias bomb with a sentence instead of running out of memory', () => {
    const error = configError(buildYaml(billionLaughs(9)));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/: the document expands to more than 1000000 values through YAML aliases; write the repeated parts out or use fewer aliases$/);
    expect(error.message.startsWith('access.yaml: invalid access config')).toBe(true);
  });

  it('refuses an alias bomb in the bootstrap config', () => {
    const text = [
      'github: { owner: octo-org }',
      'infraRepository: { name: octo-infra }',
      'stateBucketPrefix: octo-keyless',
      'x0: &x0 [a, a, a, a, a, a, a, a, a, a]',
      ...Array.from({ length: 8 }, (_, i) => `x${i + 1}: &x${i + 1} [${Array.from({ length: 10 }, () => `*x${i}`).join(', ')}]`),
      'accounts: { dev: { accountId: "111111111111", region: ap-northeast-2, tags: *x8 } }',
    ].join('\n');
    expect(configError(() => parseBootstrapConfigYaml(text, 'bootstrap.yaml')).problems[0]).toContain('expands to more than');
  });

  it('accepts aliases that expand within the budget', () => {
    const text = [
      'environment: dev',
      'aws: { accountId: "111111111111", region: ap-northeast-2 }',
      'github: { owner: octo-org }',
      'repositories:',
      '  web: { roles: { deploy: { trust: &main { branches: [main] } } } }',
      '  api: { roles: { deploy: { trust: *main } } }',
    ].join('\n');
    expect(buildYaml(text)().repositories.map((r) => r.key)).toEqual(['api', 'web']);
  });

  it('counts expanded values against a budget of at least the text length', () => {
    // 11 aliases to a list of 200,000 values: 2.2 million values from 1.4 million characters of text.
    const items = Array.from({ length: 200_000 }, () => 'ab').join(',');
    const text = `a: &a [${items}]\nb: [${Array.from({ length: 11 }, () => '*a').join(', ')}]\n${'#'.repeat(800_000)}`;
    expect(configError(() => loadYaml(text, 'x.yaml')).problems[0]).toMatch(/expands to more than \d+ values/);
    // The same shape within the text length is accepted: a large config without aliases is never refused.
    expect(() => loadYaml(`a: &a [${items}]\nb: [*a, *a]\n`, 'x.yaml')).not.toThrow();
  });

  it('refuses more aliases than the limit', () => {
    const text = `a: &a x\nb: [${Array.from({ length: INPUT_LIMITS.maxAliases + 1 }, () => '*a').join(',')}]\n`;
    const error = configError(() => loadYaml(text, 'x.yaml'));
    expect(error.problems[0]).toMatch(/^line \d+, column \d+: .*alias/i);
  });

  it('refuses nesting deeper than the limit in the text', () => {
    const depth = INPUT_LIMITS.maxDepth + 10;
    const error = configError(() => loadYaml(`${'['.repeat(depth)}${']'.repeat(depth)}`, 'x.yaml'));
    expect(error.problems[0]).toMatch(/^line 1, column \d+: nesting exceeded maxDepth/);
  });

  it('refuses nesting deeper than the limit through aliases', () => {
    // Each anchor nests the previous one 10 levels deeper: each level of the text is shallow, the whole is not.
    const lines = ['d0: &d0 x'];
    for (let i = 1; i <= 10; i++) lines.push(`d${i}: &d${i} ${'['.repeat(10)}*d${i - 1}${']'.repeat(10)}`);
    const error = configError(() => loadYaml(lines.join('\n'), 'x.yaml'));
    expect(error.problems[0]).toMatch(/nests deeper than 64 levels \(counting YAML aliases\)/);
  });

  it('reports a YAML syntax error with its line and column', () => {
    expect(configError(() => loadYaml('a: [b\n', 'x.yaml')).problems[0]).toMatch(/^line \d+, column \d+: /);
  });
});

describe('inputProblems', () => {
  it('stops at the node budget, whatever the shape', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 2, max: 6 }), (budget, width) => {
        // A shared subtree of width^4 values, referenced width times: far more values than the budget.
        let node: unknown = 'x';
        for (let i = 0; i < 5; i++) node = Array.from({ length: width }, () => node);
        const problems = inputProblems(node, budget);
        return problems.length === 1 && problems[0]!.includes(`more than ${budget} values`);
      }),
      { numRuns: 50 },
    );
  });
});

describe('a role that trusts another repository with bad ids', () => {
  const withOther = (id: unknown, extra: Config = {}): Config => {
    const c = baseConfig();
    c.repositories.web.roles.deploy.trust.repositories = { zzz: { branches: ['main'] } };
    c.repositories.zzz = { id, subjectFormat: 'immutable', ...extra, roles: { r: { trust: { branches: ['main'] } } } };
    return c;
  };

  it.each([[-3], [0], [1.5], [Number.MAX_SAFE_INTEGER + 2]])('is a config error naming both entries, not a stack trace (id %s)', (id) => {
    const problems = configError(build(withOther(id))).problems;
    expect(problems).toContain(`repositories.zzz.id: ${JSON.stringify(id)}: a GitHub numeric id is a positive whole number (never a wildcard)`);
    expect(problems.some((p) => p.startsWith('repositories.web.roles.deploy.trust.repositories.zzz: "zzz": the declared repository repositories.zzz has no valid identity'))).toBe(true);
  });

  it('is a config error when the other repository needs ids it does not have', () => {
    const c = withOther(undefined);
    delete c.repositories.zzz.id;
    expect(configError(build(c)).problems.some((p) => p.startsWith('repositories.web.roles.deploy.trust.repositories.zzz: '))).toBe(true);
  });

  it('never throws anything but a ConfigError for any id', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.constant(Number.NaN)), fc.constantFrom('immutable', 'both', 'name'), (id, format) => {
        try {
          build(withOther(id, { subjectFormat: format }))();
        } catch (error) {
          return error instanceof ConfigError;
        }
        return true;
      }),
      { numRuns: 100 },
    );
  });
});
