/**
 * The one loader (src/config/load.ts, load-file.ts): from a config file or text to its stacks' models, for access
 * and bootstrap configs, and one form of error whatever went wrong: a ConfigError naming the file, every problem
 * at file:line:column: entry: value: rule.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  attemptConfigText,
  buildAccessModel,
  configKindOf,
  loadConfigFile,
  loadConfigText,
  parseAccessConfigYaml,
  splitModel,
} from '../src/index.js';
import type { LoadStep } from '../src/index.js';

// Configs of this file's own, not the example apps'.
const ACCESS = `environment: dev
aws:
  accountId: "111111111111"
  region: eu-west-1
github:
  owner: octo-org
repositories:
  web:
    roles:
      deploy:
        trust:
          branches: [main]
  api:
    roles:
      deploy:
        trust:
          branches: [main]
`;

const SHARDED = ACCESS.replace('repositories:\n', 'sharding:\n  by: team\nrepositories:\n')
  .replace('  region: eu-west-1\n', '  region: eu-west-1\n  oidcProvider:\n    existingArn: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com\n')
  .replace('  web:\n', '  web:\n    team: front\n')
  .replace('  api:\n', '  api:\n    team: back\n');

const BOOTSTRAP = `github:
  owner: octo-org
  ownerId: 123456
infraRepository:
  name: octo-infra
  id: 700001
stateBucketPrefix: octo-org-keyless-tfstate
reviewers:
  teams: [4001]
accounts:
  dev:
    accountId: "111111111111"
    region: eu-west-1
  prod:
    accountId: "222222222222"
    region: eu-west-1
`;

/** The message of the ConfigError a load throws, or '' when it loads. */
function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  return '';
}

/** The text at a 1-based line and column. */
function textAt(text: string, line: number, column: number): string {
  return (text.split('\n')[line - 1] ?? '').slice(column - 1);
}

describe('loadConfigText', () => {
  const valid: [string, string, string, string[], string[]][] = [
    ['an access config', ACCESS, 'apps/dev/access.yaml', ['dev'], ['apps/dev/access.yaml']],
    ['a sharded access config', SHARDED, 'apps/dev/access.yaml', ['dev-team-back', 'dev-team-front'], ['apps/dev/access.yaml']],
    ['a bootstrap config', BOOTSTRAP, 'apps/bootstrap/bootstrap.yaml', ['bootstrap-dev', 'bootstrap-prod'], ['apps/bootstrap/bootstrap.yaml#dev', 'apps/bootstrap/bootstrap.yaml#prod']],
  ];

  it.each(valid)('loads %s into its stacks and environments', (_name, text, source, stackIds, environments) => {
    const loaded = loadConfigText(text, source);
    expect(loaded.kind).toBe(configKindOf(source));
    expect(loaded.source).toBe(source);
    expect(loaded.stacks.map((s) => s.stackId)).toEqual(stackIds);
    expect(loaded.environments.map((e) => e.source)).toEqual(environments);
  });

  it('gives an access config the model and stacks its parts would', () => {
    const loaded = loadConfigText(SHARDED, 'access.yaml', { kind: 'access' });
    const model = buildAccessModel(parseAccessConfigYaml(SHARDED, 'access.yaml'), 'access.yaml');
    expect(loaded.model).toEqual(model);
    expect(loaded.stacks).toEqual(splitModel(model));
    expect(loaded.environments).toEqual([{ source: 'access.yaml', model }]);
  });

  it("gives each bootstrap stack its account and that account's model", () => {
    const loaded = loadConfigText(BOOTSTRAP, 'bootstrap.yaml', { kind: 'bootstrap' });
    expect(loaded.stacks.map((s) => [s.stackId, s.account.key, s.model.aws.accountId])).toEqual([
      ['bootstrap-dev', 'dev', '111111111111'],
      ['bootstrap-prod', 'prod', '222222222222'],
    ]);
    expect(loaded.config.infraRepository.name).toBe('octo-infra');
  });

  it('reads the kind from the name unless told', () => {
    expect(loadConfigText(BOOTSTRAP, 'any.yaml', { kind: 'bootstrap' }).kind).toBe('bootstrap');
    expect(errorOf(() => loadConfigText(BOOTSTRAP, 'any.yaml'))).toMatch(/^any\.yaml: invalid access config\nany\.yaml:1:1: /);
  });

  it('reports its steps in order', () => {
    const steps: LoadStep[] = [];
    loadConfigText(ACCESS, 'access.yaml', { onStep: (s) => steps.push(s) });
    expect(steps).toEqual(['yaml', 'schema', 'model', 'stacks']);
    steps.length = 0;
    loadConfigText(BOOTSTRAP, 'bootstrap.yaml', { onStep: (s) => steps.push(s) });
    expect(steps).toEqual(['schema', 'model', 'stacks']);
  });

  // Each kind of problem: the one line it prints, and the text its line and column point at.
  const errors: [string, string, string, string, string][] = [
    ['YAML that does not parse', 'apps/dev/access.yaml', ACCESS.replace('  region: eu-west-1', '  region: [eu-west-1'),
      'apps/dev/access.yaml:5:1: line 5, column 1: ', 'github:'],
    ['a duplicate key', 'apps/dev/access.yaml', ACCESS.replace('  region: eu-west-1', '  region: eu-west-1\n  region: eu-west-2'),
      'apps/dev/access.yaml:5:3: line 5, column 3: duplicated mapping key', 'region: eu-west-2'],
    ['an unknown key', 'apps/dev/access.yaml', ACCESS.replace('  region: eu-west-1', '  region: eu-west-1\n  regoin: x'),
      'apps/dev/access.yaml:5:3: aws: unknown key "regoin"', 'regoin: x'],
    ['a value of the wrong type', 'apps/dev/access.yaml', ACCESS.replace('accountId: "111111111111"', 'accountId: 111111111111'),
      'apps/dev/access.yaml:3:14: aws.accountId: ', '111111111111'],
    ['a rule of the model', 'apps/dev/access.yaml', ACCESS.replace('branches: [main]', 'branches: ["*"]'),
      'apps/dev/access.yaml:12:22: repositories.web.roles.deploy.trust.branches[0]: "*": ', '"*"]'],
    ['a bootstrap schema problem', 'bootstrap.yaml', BOOTSTRAP.replace('stateBucketPrefix:', 'stateBucketPrefx:'),
      'bootstrap.yaml:7:1: (top level): unknown key "stateBucketPrefx"', 'stateBucketPrefx:'],
    ["a bootstrap account's problem, at its entry", 'bootstrap.yaml', BOOTSTRAP.replace('    region: eu-west-1\n  prod:', '    region: Seoul\n  prod:'),
      'bootstrap.yaml:13:13: accounts.dev.region: "Seoul": an AWS region looks like ap-northeast-2', 'Seoul'],
  ];

  it.each(errors)('fails on %s with one ConfigError naming the file, the line and the column', (_name, source, text, start, at) => {
    const message = errorOf(() => loadConfigText(text, source));
    const lines = message.split('\n');
    expect(lines[0]).toBe(`${source}: invalid access config`);
    const line = lines.find((l) => l.startsWith(start));
    expect(line, message).toBeDefined();
    const [, row, column] = /^[^:]+:(\d+):(\d+): /.exec(line as string) ?? [];
    expect(textAt(text, Number(row), Number(column)).startsWith(at), `${line} points at ${textAt(text, Number(row), Number(column))}`).toBe(true);
    // Every problem is located, in the one form.
    for (const l of lines.slice(1)) expect(l).toMatch(new RegExp(`^${source.replace(/\./g, '\\.')}:\\d+:\\d+: `));
  });

  it('reports the problems every bootstrap account shares once', () => {
    const message = errorOf(() => loadConfigText(BOOTSTRAP.replace('  owner: octo-org', '  owner: -octo-'), 'bootstrap.yaml'));
    expect(message.split('\n').filter((l) => l.includes('github.owner'))).toHaveLength(1);
  });
});

describe('attemptConfigText', () => {
  it('keeps the parsed config when only the rules of the model fail', () => {
    const attempt = attemptConfigText(ACCESS.replace('branches: [main]', 'branches: ["*"]'), 'access.yaml');
    if (attempt.kind !== 'access') throw new Error('an access config');
    expect(attempt.config?.environment).toBe('dev');
    expect(attempt.loaded).toBeUndefined();
    expect(attempt.error?.issues.map((i) => i.line)).toEqual([12]);
  });

  it('has no config when the schema fails, and no error when it loads', () => {
    const failed = attemptConfigText(BOOTSTRAP.replace('stateBucketPrefix:', 'stateBucketPrefx:'), 'bootstrap.yaml');
    expect([failed.kind, failed.config, failed.loaded]).toEqual(['bootstrap', undefined, undefined]);
    const loaded = attemptConfigText(BOOTSTRAP, 'bootstrap.yaml');
    expect([loaded.error, loaded.loaded?.stacks.length]).toEqual([undefined, 2]);
  });

  it('lets an error that is not about the config through', () => {
    expect(() => attemptConfigText(ACCESS, 'access.yaml', { onStep: () => { throw new TypeError('boom'); } })).toThrow(TypeError);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file given as a path or a URL, naming it by its path or the source given', () => {
    const file = join(dir, 'access.yaml');
    writeFileSync(file, ACCESS);
    expect(loadConfigFile(file)).toEqual(loadConfigText(ACCESS, file));
    expect(loadConfigFile(pathToFileURL(file))).toEqual(loadConfigText(ACCESS, file));
    expect(loadConfigFile(file, { source: 'apps/dev/access.yaml' }).source).toBe('apps/dev/access.yaml');
  });

  it('reads a bootstrap config by its name, and reports the read as a step', () => {
    const file = join(dir, 'bootstrap.yaml');
    writeFileSync(file, BOOTSTRAP);
    const steps: LoadStep[] = [];
    expect(loadConfigFile(file, { onStep: (s) => steps.push(s) }).kind).toBe('bootstrap');
    expect(steps[0]).toBe('read');
  });

  it.each([
    ['an access config', 'missing/access.yaml'],
    ['a bootstrap config', 'missing/bootstrap.yaml'],
  ])('fails on %s that cannot be read with a ConfigError naming the file', (_name, name) => {
    const file = join(dir, name);
    expect(errorOf(() => loadConfigFile(file))).toMatch(new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}: invalid access config\n {2}- cannot read the file: ENOENT: no such file or directory`));
    expect(errorOf(() => loadConfigFile(file, { source: name }))).toMatch(/^missing\/\w+\.yaml: invalid access config\n/);
  });

  it('names the file in errors of its text', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, ACCESS.replace('branches: [main]', 'branches: ["*"]'));
    expect(errorOf(() => loadConfigFile(file, { source: 'apps/dev/access.yaml' }))).toMatch(/\napps\/dev\/access\.yaml:12:22: repositories\.web/);
  });
});

describe('loadConfigText, over generated access configs', () => {
  const repo = fc.record({ team: fc.constantFrom('a', 'b', 'c'), branch: fc.constantFrom('main', 'release', '*', 'dev/*') });
  const configs = fc.record({
    sharded: fc.boolean(),
    repositories: fc.uniqueArray(fc.tuple(fc.constantFrom('web', 'api', 'docs', 'infra', 'ml', 'ops'), repo), { minLength: 1, maxLength: 6, selector: ([name]) => name }),
  });
  type Generated = { sharded: boolean; repositories: [string, { team: string; branch: string }][] };

  function text({ sharded, repositories }: Generated): string {
    const head = ACCESS.slice(0, ACCESS.indexOf('repositories:\n'));
    const provider = sharded ? '  oidcProvider:\n    existingArn: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com\n' : '';
    const entries = repositories.map(([name, r]) => `  ${name}:\n${sharded ? `    team: ${r.team}\n` : ''}    roles:\n      deploy:\n        trust:\n          branches: ["${r.branch}"]\n`);
    return `${head.replace('github:\n', `${provider}github:\n`)}${sharded ? 'sharding:\n  by: team\n' : ''}repositories:\n${entries.join('')}`;
  }

  it('gives every repository to exactly one stack, or locates every problem in the one form', () => {
    fc.assert(
      fc.property(configs, (generated) => {
        const attempt = attemptConfigText(text(generated), 'apps/dev/access.yaml');
        const bad = generated.repositories.filter(([, r]) => r.branch.includes('*')).map(([name]) => name);
        if (bad.length > 0) {
          expect(attempt.loaded).toBeUndefined();
          for (const issue of attempt.error?.issues ?? []) expect([issue.line, issue.column].every((n) => n !== undefined && n >= 1)).toBe(true);
          for (const line of (attempt.error?.message ?? '').split('\n').slice(1)) expect(line).toMatch(/^apps\/dev\/access\.yaml:\d+:\d+: repositories\.\w+\.roles\.deploy\.trust\.branches\[0\]: /);
          expect(new Set(attempt.error?.issues.map((i) => i.path[1]))).toEqual(new Set(bad));
          return;
        }
        const stacks = attempt.loaded?.stacks ?? [];
        const teams = [...new Set(generated.repositories.map(([, r]) => r.team))].sort();
        expect(stacks.map((s) => s.stackId)).toEqual(generated.sharded ? teams.map((t) => `dev-team-${t}`) : ['dev']);
        expect(stacks.flatMap((s) => s.model.repositories.map((r) => r.key)).sort()).toEqual(generated.repositories.map(([name]) => name).sort());
      }),
      { numRuns: 60 },
    );
  });

  it('loads the same stacks whatever the order of the repositories', () => {
    fc.assert(
      fc.property(configs, (generated) => {
        const valid = { ...generated, repositories: generated.repositories.map(([name, r]): [string, { team: string; branch: string }] => [name, { ...r, branch: r.branch.replace(/\*/g, 'x') }]) };
        const reversed = { ...valid, repositories: [...valid.repositories].reverse() };
        expect(loadConfigText(text(reversed), 'access.yaml').stacks).toEqual(loadConfigText(text(valid), 'access.yaml').stacks);
      }),
      { numRuns: 40 },
    );
  });
});
