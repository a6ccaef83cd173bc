import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LITERAL_KEY, scanRepository, secretToken, userOfSecret, workflowTriggers } from '../src/index.js';
import { parse } from 'yaml';

function scan(workflow: string, actions: Record<string, string> = {}) {
  const [result] = scanRepository({
    repository: 'o/r',
    workflows: [{ path: '.github/workflows/w.yml', text: workflow }],
    actions: Object.entries(actions).map(([path, text]) => ({ path, text })),
  });
  if (!result) throw new Error('no scan');
  return result;
}

const job = (body: string): string => `on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n${body}`;

const COMPOSITE_WITH_INPUTS = `name: login
inputs:
  key: { required: true }
  secret: { required: true }
runs:
  using: composite
  steps:
    - uses: aws-actions/configure-aws-credentials@v4
      with:
        aws-access-key-id: \${{ inputs.key }}
        aws-secret-access-key: \${{ inputs.secret }}
        aws-region: us-east-1
`;

const COMPOSITE_READING_ENV = `name: s3
runs:
  using: composite
  steps:
    - run: aws s3 ls
      shell: bash
      env:
        AWS_ACCESS_KEY_ID: \${{ env.KEY }}
        AWS_SECRET_ACCESS_KEY: \${{ env.SECRET }}
`;

describe('which workflows use keys, and how', () => {
  const uses: [string, string, Record<string, string>, string[], string[]][] = [
    ['configure-aws-credentials key inputs', job('    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: ${{ secrets.A }}\n          aws-secret-access-key: ${{ secrets.B }}\n'), {}, ['configure-aws-credentials inputs'], ['A', 'B']],
    ['key inputs read through env.X', job('    env:\n      K: ${{ secrets.VIA_ENV }}\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: ${{ env.K }}\n'), {}, ['configure-aws-credentials inputs'], ['VIA_ENV']],
    ['workflow env', 'on: push\nenv:\n  AWS_ACCESS_KEY_ID: ${{ secrets.W }}\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: aws s3 ls\n', {}, ['workflow env'], ['W']],
    ['job env', job('    env:\n      AWS_SECRET_ACCESS_KEY: ${{ secrets.J }}\n    steps:\n      - run: aws s3 ls\n'), {}, ['job env'], ['J']],
    ['step env', job('    steps:\n      - run: aws s3 ls\n        env:\n          AWS_ACCESS_KEY_ID: ${{ secrets.S }}\n'), {}, ['step env'], ['S']],
    ['a run script that sets them', job('    steps:\n      - run: |\n          export AWS_ACCESS_KEY_ID=${{ secrets.R1 }}\n          aws configure set aws_secret_access_key ${{ secrets.R2 }}\n'), {}, ['run script'], ['R1', 'R2']],
    ['a run script that writes GITHUB_ENV', job('    steps:\n      - run: echo "AWS_ACCESS_KEY_ID=${{ secrets.GE }}" >> "$GITHUB_ENV"\n'), {}, ['run script'], ['GE']],
    ['another action with key inputs', job('    steps:\n      - uses: some/s3-action@v1\n        with:\n          aws_access_key_id: ${{ secrets.T1 }}\n          AWS_SECRET_ACCESS_KEY: ${{ secrets.T2 }}\n'), {}, ['some/s3-action inputs'], ['T1', 'T2']],
    ['a composite action with key inputs', job('    steps:\n      - uses: ./.github/actions/login\n        with:\n          key: ${{ secrets.C1 }}\n          secret: ${{ secrets.C2 }}\n          unrelated: ${{ secrets.NPM_TOKEN }}\n'), { '.github/actions/login/action.yml': COMPOSITE_WITH_INPUTS }, ['composite action ./.github/actions/login'], ['C1', 'C2']],
    ['a composite action reading env', job('    env:\n      KEY: ${{ secrets.E1 }}\n    steps:\n      - uses: ./.github/actions/s3\n'), { '.github/actions/s3/action.yml': COMPOSITE_READING_ENV }, ['composite action ./.github/actions/s3'], []],
    ['keys passed to a reusable workflow', 'on: push\njobs:\n  call:\n    uses: o/shared/.github/workflows/d.yml@main\n    secrets:\n      AWS_ACCESS_KEY_ID: ${{ secrets.P1 }}\n', {}, ['passed to reusable workflow o/shared/.github/workflows/d.yml@main'], ['P1']],
    ['a literal key', job('    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          aws-access-key-id: AKIAEXAMPLEEXAMPLE00\n'), {}, ['configure-aws-credentials inputs'], [LITERAL_KEY]],
    ['the secrets[...] form', job('    env:\n      AWS_ACCESS_KEY_ID: ${{ secrets[\'INDEXED\'] }}\n    steps:\n      - run: aws s3 ls\n'), {}, ['job env'], ['INDEXED']],
  ];
  for (const [name, text, actions, via, secrets] of uses) {
    it(`finds ${name}`, () => {
      const result = scan(text, actions);
      expect(result.problem).toBeUndefined();
      expect(result.usesAccessKeys).toBe(true);
      expect(result.jobs.find((j) => j.usesAccessKeys)?.via).toEqual(via);
      expect(result.secrets).toEqual(secrets);
    });
  }

  const clean: [string, string, Record<string, string>][] = [
    ['a role to assume', job('    permissions:\n      id-token: write\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n          aws-region: us-east-1\n'), {}],
    ['only a region in env', 'on: push\nenv:\n  AWS_REGION: us-east-1\n  AWS_DEFAULT_REGION: us-east-1\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: aws s3 ls\n', {}],
    ['a key name in a script without an expression', job('    steps:\n      - run: test -z "$AWS_ACCESS_KEY_ID" && echo no AWS_SECRET_ACCESS_KEY\n'), {}],
    ['other secrets in env', job('    env:\n      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n    steps:\n      - run: npm publish\n'), {}],
    ['a composite action without keys', job('    steps:\n      - uses: ./.github/actions/build\n        with:\n          token: ${{ secrets.NPM_TOKEN }}\n'), { '.github/actions/build/action.yml': 'name: b\nruns:\n  using: composite\n  steps:\n    - run: make\n      shell: bash\n' }],
    ['a reusable workflow call that inherits secrets', 'on: push\njobs:\n  call:\n    uses: ./.github/workflows/other.yml\n    secrets: inherit\n', {}],
  ];
  for (const [name, text, actions] of clean) {
    it(`does not flag ${name}`, () => {
      const result = scan(text, actions);
      expect(result.problem).toBeUndefined();
      expect(result.usesAccessKeys).toBe(false);
      expect(result.secrets).toEqual([]);
    });
  }

  it('gives a file that is not a workflow a problem instead of failing', () => {
    expect(scan('on: [push\n').problem).toMatch(/^not valid YAML/);
    expect(scan('name: x\n').problem).toBe('not a workflow: no jobs mapping');
  });
});

describe('workflowTriggers', () => {
  const cases: [string, string, { branches: string[]; tags: string[]; pullRequest: boolean }][] = [
    ['push without filters: every branch and tag', 'on: push', { branches: ['**'], tags: ['**'], pullRequest: false }],
    ['branches only: no tags', 'on:\n  push:\n    branches: [main, "release/**"]', { branches: ['main', 'release/**'], tags: [], pullRequest: false }],
    ['tags only: no branches', 'on:\n  push:\n    tags: ["v*"]', { branches: [], tags: ['v*'], pullRequest: false }],
    ['branches-ignore: any branch', 'on:\n  push:\n    branches-ignore: [wip]', { branches: ['**'], tags: [], pullRequest: false }],
    ['a list of events', 'on: [push, pull_request]', { branches: ['**'], tags: ['**'], pullRequest: true }],
    ['pull_request_target', 'on:\n  pull_request_target:', { branches: [], tags: [], pullRequest: true }],
    ['schedule and manual runs', 'on:\n  schedule:\n    - cron: "0 0 * * *"\n  workflow_dispatch:', { branches: [], tags: [], pullRequest: false }],
  ];
  for (const [name, on, expected] of cases) {
    it(name, () => {
      expect(workflowTriggers(parse(`${on}\njobs: {}\n`) as Record<string, unknown>)).toMatchObject(expected);
    });
  }
});

describe('userOfSecret', () => {
  const users = ['deploy', 'deploy-bot', 'ci', 'bot'];
  it.each([
    ['DEPLOY_BOT_AWS_ACCESS_KEY_ID', 'deploy-bot'],
    ['DEPLOY_AWS_ACCESS_KEY_ID', 'deploy'],
    ['AWS_ACCESS_KEY_ID_CI', 'ci'],
    ['AWS_ACCESS_KEY_ID', null],
    ['DEPLOYBOT_KEY', null],
    ['CIRCLE_KEY', null],
    [LITERAL_KEY, null],
  ])('%s -> %s', (secret, user) => {
    expect(userOfSecret(secret, users)).toBe(user);
  });

  it('does not guess between users whose names appear equally', () => {
    expect(userOfSecret('APP_WEB_KEY', ['app', 'web'])).toBeNull();
  });

  it('only ever names a user whose name appears in the secret name as whole words (property)', () => {
    const userName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(fc.array(userName, { minLength: 1, maxLength: 6 }), fc.stringMatching(/^[A-Z][A-Z0-9_]{0,30}$/), (names, secret) => {
        const user = userOfSecret(secret, names);
        if (user !== null) expect(`_${secretToken(secret)}_`).toContain(`_${secretToken(user)}_`);
      }),
      { numRuns: 200 },
    );
  });
});
