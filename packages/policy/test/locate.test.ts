/**
 * Errors that point: every config problem carries the line and column of its key or value, unknown keys get a
 * "did you mean", and a key at the wrong level gets an indentation hint. The positions parser loads only when a
 * config has problems.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  accessConfigSchema,
  closestMatches,
  didYouMean,
  editDistance,
  formatPath,
  loadConfigText,
  locateIssues,
  parseAccessConfigYaml,
  parsePathPrefix,
  positionsParserLoaded,
  problemFromText,
  unknownKeyHint,
} from '../src/index.js';
import type { ConfigProblem } from '../src/index.js';

// A config of this file's own (not the examples'), with every kind of YAML node a problem can point at.
const CONFIG = `# leading comment
environment: dev
aws:
  accountId: "111111111111"
  region: ap-northeast-2
github:
  owner: octo-org
  ownerId: 123456
repositories:
  web:
    environments:
      production:
        deploymentBranches: [main]
    roles:
      deploy:
        trust:
          branches: [main, release]
          environments:
            - production
        inlinePolicies:
          site:
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: "*"
`;

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
    region: ap-northeast-2
  prod:
    accountId: "222222222222"
    region: ap-northeast-2
`;

/** The problems of a config text, located (source `access.yaml`). */
function problemsOf(text: string): readonly ConfigProblem[] {
  try {
    loadConfigText(text, 'access.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

function only(text: string): ConfigProblem {
  const problems = problemsOf(text);
  expect(problems, problems.map((p) => p.text).join('\n')).toHaveLength(1);
  return problems[0] as ConfigProblem;
}

/** The text at a 1-based line and column. */
function textAt(text: string, line: number, column: number): string {
  return (text.split('\n')[line - 1] ?? '').slice(column - 1);
}

describe('the positions parser', () => {
  // First in this file: the module state is fresh.
  it('is not loaded for a config without problems, and is for one with', () => {
    expect(loadConfigText(CONFIG, 'access.yaml', { kind: 'access' }).model.environment).toBe('dev');
    expect(positionsParserLoaded()).toBe(false);
    expect(() => loadConfigText(CONFIG.replace('ap-northeast-2', 'Seoul'), 'access.yaml')).toThrow(ConfigError);
    expect(positionsParserLoaded()).toBe(true);
  });
});

describe('locating problems', () => {
  const cases: [string, string, RegExp][] = [
    ['a scalar value', CONFIG.replace('region: ap-northeast-2', 'region: Seoul'), /^Seoul$/],
    ['an item of a flow list', CONFIG.replace('[main, release]', '[main, "rel*"]'), /^"rel\*"\]$/],
    ['an item of a block list', CONFIG.replace('- production', '- "prod*"'), /^"prod\*"$/],
    ['a quoted value', CONFIG.replace('accountId: "111111111111"', 'accountId: "1111"'), /^"1111"$/],
    ['a number where a string is due', CONFIG.replace('accountId: "111111111111"', 'accountId: 111111111111'), /^111111111111$/],
    ['a missing key (its parent mapping)', CONFIG.replace('  region: ap-northeast-2\n', ''), /^aws:$/],
    ['an unknown key (the key itself)', CONFIG.replace('  region: ap-northeast-2\n', '  region: ap-northeast-2\n  regoin: x\n'), /^regoin: x$/],
    ['an inline statement entry', CONFIG.replace('Effect: Allow', 'Effect: allow'), /^allow$/],
    // Administrator access in an inline policy names the statement's Action, not managedPolicyArns (issue 13).
    ['an inline "*" on "*" (its Action)', CONFIG.replace('Action: s3:GetObject', 'Action: "*"'), /^"\*"$/],
  ];

  it.each(cases)('points at %s', (_name, text, expected) => {
    const problem = only(text);
    expect(problem.line, problem.text).toBeDefined();
    expect(textAt(text, problem.line as number, problem.column as number)).toMatch(expected);
  });

  it('formats each problem as file:line:column: path: value: rule', () => {
    const text = CONFIG.replace('[main, release]', '[main, "rel*"]');
    let message = '';
    try {
      loadConfigText(text, 'apps/dev/access.yaml');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'apps/dev/access.yaml: invalid access config\n' +
        'apps/dev/access.yaml:17:28: repositories.web.roles.deploy.trust.branches[1]: "rel*": a "*" makes this a pattern; declare it under the patterns list to opt in',
    );
  });

  it('names the inline policy key of an inline administrator grant', () => {
    const problem = only(CONFIG.replace('Action: s3:GetObject', 'Action: "*"'));
    expect(formatPath(problem.path)).toBe('repositories.web.roles.deploy.inlinePolicies.site.Statement[0].Action');
    expect(problem.text).toMatch(/^repositories\.web\.roles\.deploy\.inlinePolicies\.site\.Statement\[0\]\.Action: "\*": administrator-equivalent/);
  });

  it('keeps the structured path, value and rule beside the text', () => {
    const problem = only(CONFIG.replace('region: ap-northeast-2', 'region: Seoul'));
    expect(problem).toMatchObject({ path: ['aws', 'region'], value: 'Seoul', rule: 'an AWS region looks like ap-northeast-2', text: 'aws.region: "Seoul": an AWS region looks like ap-northeast-2' });
  });

  it('points at a YAML syntax error where the YAML parser found it', () => {
    const problem = only('environment: dev\nenvironment: prod\n');
    expect([problem.line, problem.column]).toEqual([2, 1]);
  });

  it('points at a role entry by its key', () => {
    const text = CONFIG.replace('      deploy:\n', '      "de ploy":\n');
    const [problem] = problemsOf(text);
    expect(problem?.text).toMatch(/^repositories\.web\.roles\["de ploy"\]: "de ploy": a role key uses letters/);
    expect(textAt(text, problem?.line as number, problem?.column as number)).toBe('"de ploy":');
  });

  it('follows aliases to the anchored text', () => {
    const text = CONFIG.replace('branches: [main, release]', 'branches: &branches [main, "rel*"]').replace(
      '        inlinePolicies:',
      '      other:\n        trust:\n          branches: *branches\n        inlinePolicies:',
    );
    const problems = problemsOf(text).filter((p) => p.text.includes('"rel*"'));
    expect(problems.map((p) => formatPath(p.path))).toEqual(['repositories.web.roles.deploy.trust.branches[1]', 'repositories.web.roles.other.trust.branches[1]']);
    for (const p of problems) expect(textAt(text, p.line as number, p.column as number)).toBe('"rel*"]');
  });

  it('counts lines the same with CRLF line endings', () => {
    const text = CONFIG.replace('region: ap-northeast-2', 'region: Seoul').replace(/\n/g, '\r\n');
    const problem = only(text);
    expect(textAt(text.replace(/\r\n/g, '\n'), problem.line as number, problem.column as number)).toBe('Seoul');
  });

  it('reads a path back from the text of a problem that has none (bootstrap rules, older callers)', () => {
    const [located] = locateIssues(BOOTSTRAP, [problemFromText('accounts.prod.region: "x": rule')]);
    expect(located).toMatchObject({ path: ['accounts', 'prod', 'region'], line: 16, column: 13 });
    expect(problemFromText('cannot read the file: ENOENT')).toEqual({ path: [], rule: 'cannot read the file: ENOENT', text: 'cannot read the file: ENOENT' });
  });

  it('inverts formatPath for any path', () => {
    const segment = fc.oneof(fc.nat({ max: 999 }), fc.string({ maxLength: 8 }), fc.constantFrom('a.b', '[0]', '"q"', 'x\\y', 'web-app', '0', ''));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.string({ maxLength: 20 }), (path, rest) => {
        expect(parsePathPrefix(`${formatPath(path)}: ${rest}`)).toEqual({ path, rest });
      }),
      { numRuns: 200 },
    );
  });

  it('finds every scalar of any document at its own text', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
    const leaf = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { minLength: 1, maxLength: 3 }), fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 3 })),
    })).node;
    const leaves = (value: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: string }[] =>
      typeof value === 'string'
        ? [{ path, value }]
        : Array.isArray(value)
          ? value.flatMap((v, i) => leaves(v, [...path, i]))
          : Object.entries(value as object).flatMap(([k, v]) => leaves(v, [...path, k]));
    fc.assert(
      fc.property(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 4 }), fc.boolean(), (doc, flow) => {
        const text = stringify(doc, flow ? { collectionStyle: 'flow' } : {});
        const found = leaves(doc);
        const located = locateIssues(text, found.map((l) => ({ path: l.path, rule: 'r', text: 'r' })));
        for (const [i, p] of located.entries()) expect(textAt(text, p.line as number, p.column as number).startsWith(found[i]?.value as string), text).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('did you mean', () => {
  it.each([
    ['regoin', ['region', 'accountId', 'partition'], 'region'],
    ['branch', ['branches', 'branchPatterns', 'tags'], 'branches'],
    ['Branches', ['branches', 'tags'], 'branches'],
    ['managedPolicies', ['managedPolicyArns', 'inlinePolicies'], 'managedPolicyArns'],
    ['repositorys', ['repositories', 'environment'], 'repositories'],
  ])('suggests a close key for %s', (word, candidates, expected) => {
    expect(closestMatches(word, candidates)[0]).toBe(expected);
  });

  it('suggests nothing when no key is close', () => {
    expect(didYouMean('colour', ['region', 'accountId'])).toBeUndefined();
    expect(didYouMean('x', ['region'])).toBeUndefined();
  });

  it('measures edits symmetrically, zero only for the same word ignoring case', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b) === 0).toBe(a.toLowerCase() === b.toLowerCase());
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
      { numRuns: 200 },
    );
  });

  it('names the key in the problem of an unknown key', () => {
    expect(only(CONFIG.replace('  ownerId: 123456', '  ownerID: 123456')).text).toBe('github: unknown key "ownerID"; did you mean "ownerId"?');
  });
});

describe('indentation hints', () => {
  it('says to indent a subject written directly under the role under trust', () => {
    const text = CONFIG.replace('        trust:\n          branches: [main, release]\n', '        branches: [main]\n        trust:\n');
    const problems = problemsOf(text);
    const branches = problems.find((p) => p.text.includes('"branches"'));
    expect(branches?.text).toBe('repositories.web.roles.deploy: unknown key "branches"; did you mean to indent it under trust?');
    expect(textAt(text, branches?.line as number, branches?.column as number)).toBe('branches: [main]');
  });

  it('says that a trust written empty has its keys indented too little', () => {
    const text = CONFIG.replace('        trust:\n          branches: [main, release]\n          environments:\n            - production\n', '        trust:\n        branches: [main]\n');
    expect(problemsOf(text).map((p) => p.text)).toEqual([
      'repositories.web.roles.deploy.trust: null is not a mapping: the entry is empty; if its keys are written on the lines below, indent them further than "trust"',
      'repositories.web.roles.deploy: unknown key "branches"; did you mean to indent it under trust?',
    ]);
  });

  it('says to outdent a role key written under trust', () => {
    const text = CONFIG.replace('          branches: [main, release]\n', '          branches: [main, release]\n          managedPolicyArns: []\n');
    expect(only(text).text).toBe('repositories.web.roles.deploy.trust: unknown key "managedPolicyArns"; it is a key of repositories.web.roles.deploy; did you mean to outdent it there?');
  });

  it('says that a role written directly under a repository belongs under roles', () => {
    const text = CONFIG.replace('    roles:\n      deploy:\n', '    roles:\n      deploy:\n').replace('  web:\n    environments:', '  web:\n    plan:\n      trust:\n        pullRequests: true\n    environments:');
    expect(only(text).text).toBe('repositories.web: unknown key "plan"; it reads like an entry of roles; did you mean to indent it under roles?');
  });

  it('says where a key belongs when its parent is missing', () => {
    expect(unknownKeyHint(accessConfigSchema, ['repositories', 'web', 'roles', 'deploy'], 'tagPatterns', { repositories: { web: { roles: { deploy: {} } } } }))
      .toBe('it belongs under trust (repositories.web.roles.deploy.trust.tagPatterns); did you mean to write it there?');
  });
});

describe('bootstrap configs', () => {
  function bootstrapProblems(text: string): readonly ConfigProblem[] {
    try {
      loadConfigText(text, 'bootstrap.yaml');
    } catch (error) {
      if (error instanceof ConfigError) return error.issues;
      throw error;
    }
    return [];
  }

  it('points an account problem at the account entry it comes from', () => {
    const text = BOOTSTRAP.replace('    region: ap-northeast-2\n  prod:', '    region: Seoul\n  prod:');
    const problems = bootstrapProblems(text);
    expect(problems.map((p) => p.text)).toEqual(['accounts.dev.region: "Seoul": an AWS region looks like ap-northeast-2']);
    expect(textAt(text, problems[0]?.line as number, problems[0]?.column as number)).toBe('Seoul');
  });

  it('reports a problem every account shares once', () => {
    const problems = bootstrapProblems(BOOTSTRAP.replace('ownerId: 123456', 'ownerId: -5'));
    expect(problems.map((p) => `${p.line}:${p.column}: ${p.text}`)).toEqual(['3:12: github.ownerId: -5: a GitHub numeric id is a positive whole number (never a wildcard)']);
  });

  it('locates schema errors and rules of the bootstrap file itself', () => {
    const problems = bootstrapProblems(BOOTSTRAP.replace('stateBucketPrefix: octo-org-keyless-tfstate', 'stateBucketPrefix: Octo'));
    expect(problems.map((p) => [p.line, p.column])).toEqual([[7, 20]]);
    const unknown = bootstrapProblems(BOOTSTRAP.replace('  id: 700001', '  ids: 700001'));
    expect(unknown.map((p) => `${p.line}:${p.column}: ${p.text}`)).toEqual(['6:3: infraRepository: unknown key "ids"; did you mean "id"?']);
  });
});

describe('parseAccessConfigYaml', () => {
  it('locates schema errors on its own', () => {
    let error: unknown;
    try {
      parseAccessConfigYaml(CONFIG.replace('  owner: octo-org\n', '  owner: octo-org\n  owners: []\n'), 'a.yaml');
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).message).toBe('a.yaml: invalid access config\na.yaml:8:3: github: unknown key "owners"; did you mean "owner"?');
  });
});
