import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkWorkflowSecurity, holdsCredentials, packageManagerUse, parseWorkflows, terraformLines, terraformOutputWrapped } from '../src/index.js';
import type { ParsedWorkflow } from '../src/index.js';
import { ROOT } from './helpers.js';
import { forAll } from './property.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = join(ROOT, '.github/workflows');
const texts = new Map(readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).map((f) => [`.github/workflows/${f}`, readFileSync(join(DIR, f), 'utf8')]));
const workflows = parseWorkflows(texts);
const byPath = new Map(workflows.map((w) => [w.path, w]));

function jobs(wf: ParsedWorkflow): [string, Obj][] {
  return Object.entries((wf.doc['jobs'] ?? {}) as Obj);
}
function events(wf: ParsedWorkflow): string[] {
  const on = wf.doc['on'];
  return typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
}
/** Jobs a workflow runs, its own and those of the reusable workflows it calls. */
function reachable(wf: ParsedWorkflow, seen = new Set<string>()): [string, string, Obj][] {
  if (seen.has(wf.path)) return [];
  seen.add(wf.path);
  return jobs(wf).flatMap(([id, job]) => {
    const called = typeof job['uses'] === 'string' && job['uses'].startsWith('./') ? byPath.get(job['uses'].slice(2)) : undefined;
    return [[wf.path, id, job] as [string, string, Obj], ...(called ? reachable(called, seen) : [])];
  });
}
const runLines = (job: Obj): string[][] =>
  ((job['steps'] ?? []) as Obj[]).filter((s) => typeof s['run'] === 'string').map((s) => (s['run'] as string).split('\n').filter((l) => !/^\s*#/.test(l)));
const secretsOf = (value: unknown): string[] => [...new Set([...(JSON.stringify(value) ?? '').matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string))].sort();

describe('the workflows of this repository', () => {
  it('hold every security property of the pipeline (checkWorkflowSecurity finds nothing)', () => {
    expect(checkWorkflowSecurity(workflows)).toEqual([]);
  });

  it('give no job that a pull request runs any secret but GITHUB_TOKEN', () => {
    const fromPullRequests = workflows.filter((wf) => events(wf).some((e) => e.startsWith('pull_request')));
    expect(fromPullRequests.map((w) => w.path).sort()).toEqual(['.github/workflows/ci.yml', '.github/workflows/plan.yml']);
    for (const wf of fromPullRequests)
      for (const [file, id, job] of reachable(wf)) expect(secretsOf(job).filter((s) => s !== 'GITHUB_TOKEN'), `${file}#${id}`).toEqual([]);
  });

  it('read every other secret only in jobs of an environment, and never pass secrets: inherit', () => {
    const readers: string[] = [];
    for (const wf of workflows) {
      for (const [id, job] of jobs(wf)) {
        expect(job['secrets'], `${wf.path}#${id}`).not.toBe('inherit');
        const names = secretsOf(job).filter((s) => s !== 'GITHUB_TOKEN');
        if (names.length === 0) continue;
        expect(job['environment'], `${wf.path}#${id}`).toBeDefined();
        readers.push(`${wf.path.replace('.github/workflows/', '')}#${id}`);
      }
    }
    expect(readers.sort()).toEqual(['apply-stacks.yml#apply', 'apply-stacks.yml#plan', 'drift.yml#drift']);
  });

  it('run no package-manager code in any job that holds AWS or GitHub write credentials', () => {
    const credentialed: string[] = [];
    for (const wf of workflows) {
      for (const [id, job] of jobs(wf)) {
        const holds = holdsCredentials({ body: job, steps: (job['steps'] ?? []) as Obj[] });
        if (!holds) continue;
        credentialed.push(`${wf.path.replace('.github/workflows/', '')}#${id}: ${holds}`);
        for (const lines of runLines(job)) expect(packageManagerUse(lines), `${wf.path}#${id}`).toBeUndefined();
        const actions = ((job['steps'] ?? []) as Obj[]).map((s) => String(s['uses'] ?? '').split('@')[0]);
        expect(actions, `${wf.path}#${id}`).not.toContain('actions/setup-node');
        expect(actions, `${wf.path}#${id}`).not.toContain('pnpm/action-setup');
      }
    }
    expect(credentialed.sort()).toEqual([
      'apply-stacks.yml#apply: AWS credentials',
      'apply-stacks.yml#plan: AWS credentials',
      'drift.yml#drift: AWS credentials',
      'drift.yml#report: a GITHUB_TOKEN that writes',
      'plan.yml#comment: a GITHUB_TOKEN that writes',
      'plan.yml#plan: AWS credentials',
    ]);
  });

  it('keep the package-manager code in jobs that hold nothing, and pass their output on pinned by digest', () => {
    for (const [file, job] of [['plan.yml', 'plan'], ['apply-stacks.yml', 'plan'], ['drift.yml', 'drift']] as const) {
      const body = ((byPath.get(`.github/workflows/${file}`)?.doc ?? {}) as Obj)['jobs'][job] as Obj;
      const run = runLines(body).flat().join('\n');
      expect(run, file).toContain('node packages/pipeline/standalone/tf-job.mjs check --config');
      expect(run, file).toContain('--sha256 "$SYNTH_SHA256"');
      expect(body['env']['SYNTH_SHA256']).toBe('${{ matrix.synthDigest }}');
    }
  });

  it('plan with -lock=false everywhere, the pull request plan on the AWS half only', () => {
    const plans: string[] = [];
    for (const wf of workflows)
      for (const [id, job] of jobs(wf))
        for (const lines of runLines(job))
          for (const i of terraformLines(lines)) if (/\splan\s/.test(lines[i] ?? '')) plans.push(`${wf.path.replace('.github/workflows/', '')}#${id}: ${(lines[i] ?? '').trim()}`);
    expect(plans.length).toBe(3);
    for (const p of plans) expect(p).toMatch(/ -lock=false /);
    expect(plans.find((p) => p.startsWith('plan.yml#plan'))).toContain('"${targets[@]}"');
  });

  it('use no dependency cache in the workflows that apply', () => {
    for (const path of ['.github/workflows/apply-stacks.yml', '.github/workflows/apply.yml', '.github/workflows/bootstrap.yml']) {
      for (const [, id, job] of reachable(byPath.get(path) as ParsedWorkflow))
        for (const step of (job['steps'] ?? []) as Obj[]) {
          expect(String(step['uses'] ?? ''), `${path}#${id}`).not.toMatch(/^actions\/cache@/);
          expect(step['with']?.['cache'], `${path}#${id}`).toBeUndefined();
        }
    }
  });

  it('wrap every terraform command in ::stop-commands:: with a random token', () => {
    let steps = 0;
    for (const wf of workflows)
      for (const [id, job] of jobs(wf))
        for (const lines of runLines(job)) {
          if (terraformLines(lines).length === 0) continue;
          steps++;
          expect(terraformOutputWrapped(lines), `${wf.path}#${id}`).toBe(true);
        }
    expect(steps).toBeGreaterThanOrEqual(6);
  });

  it('install terraform only through the checked installer, whose pin is a SHA-256', () => {
    const installer = readFileSync(join(ROOT, '.github/terraform/install-terraform.sh'), 'utf8');
    expect(installer).toMatch(/^SHA256=[0-9a-f]{64} # terraform_1\.11\.4_linux_amd64\.zip$/m);
    expect(installer).toContain('sha256sum --check --strict -');
    expect(installer.indexOf('sha256sum --check')).toBeLessThan(installer.indexOf('unzip'));
    for (const text of texts.values()) expect(text).not.toContain('hashicorp/setup-terraform');
  });

  it('allow only the two providers, from the registry', () => {
    const rc = readFileSync(join(ROOT, '.github/terraform/terraformrc'), 'utf8');
    const include = [...rc.matchAll(/"(registry\.terraform\.io\/[^"]+)"/g)].map((m) => m[1]);
    expect(include).toEqual(['registry.terraform.io/hashicorp/aws', 'registry.terraform.io/integrations/github']);
    expect(rc).not.toMatch(/filesystem_mirror|network_mirror|dev_overrides/);
  });
});

/** A workflow with the given jobs (YAML lines under `jobs:`). */
function wf(on: string, jobLines: string[]): ParsedWorkflow {
  return { path: '.github/workflows/t.yml', doc: parse([`on: ${on}`, 'permissions: {}', 'jobs:', ...jobLines, ''].join('\n')) as Obj };
}
const rules = (...w: ParsedWorkflow[]): string[] => checkWorkflowSecurity(w).map((f) => `${f.rule}: ${f.message}`);
const awsJob = (run: string[], extra: string[] = []) => [
  '  j:',
  '    runs-on: ubuntu-24.04',
  '    permissions:',
  '      id-token: write',
  ...extra,
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@x',
  '        with:',
  '          role-to-assume: arn',
  '      - run: |',
  ...run.map((l) => `          ${l}`),
];
const wrapped = (cmd: string) => ['bash .github/terraform/install-terraform.sh', 'stop="$(openssl rand -hex 16)"', 'echo "::stop-commands::${stop}"', cmd, 'echo "::${stop}::"'];

describe('checkWorkflowSecurity refuses', () => {
  it.each([
    ['a repository secret in a pull request job', wf('pull_request', ['  j:', '    runs-on: x', '    environment: dev', '    steps:', '      - run: echo ${{ secrets.KEY }}']), /pull-request-secrets: job j runs for pull requests .* references secrets\.KEY/],
    ['a secret read through a called workflow', wf('pull_request', ['  j:', '    uses: ./.github/workflows/called.yml']), /pull-request-secrets: job inner runs for pull requests \(\.github\/workflows\/t\.yml\) and references secrets\.DEPLOY/],
    ['secrets: inherit', wf('push', ['  j:', '    uses: ./.github/workflows/called.yml', '    secrets: inherit']), /secrets-inherit: job j passes secrets: inherit/],
    ['a secret without an environment', wf('push', ['  j:', '    runs-on: x', '    steps:', '      - run: echo ${{ secrets.KEY }}']), /environment-secrets: job j reads secrets\.KEY without an environment/],
    ['pnpm in a job with AWS credentials', wf('push', awsJob(['pnpm install --frozen-lockfile'])), /no-package-manager: job j holds AWS credentials and runs pnpm/],
    ['npx after && in a job with AWS credentials', wf('push', awsJob(['cd x && npx cdktf synth'])), /no-package-manager: .* runs npx/],
    ['node_modules in a job with AWS credentials', wf('push', awsJob(['node node_modules/.bin/x'])), /no-package-manager: .* runs node_modules/],
    ['the TypeScript CLI in a job with AWS credentials', wf('push', awsJob(['node packages/pipeline/bin/keyless-pipeline.mjs compare'])), /no-package-manager: .* the TypeScript pipeline CLI/],
    ['setup-node in a job with an App token', wf('push', ['  j:', '    runs-on: x', '    environment: e', '    steps:', '      - uses: actions/create-github-app-token@x', '        with:', '          owner: o', '          repositories: r', '      - uses: actions/setup-node@x']), /no-package-manager: job j holds a GitHub App token and uses actions\/setup-node/],
    ['a plan without -lock=false', wf('push', awsJob(wrapped('terraform -chdir=s plan -out=tfplan'))), /plan-lock: job j runs terraform plan without -lock=false/],
    ['terraform output not wrapped', wf('push', awsJob(['bash .github/terraform/install-terraform.sh', 'terraform -chdir=s plan -lock=false'])), /terraform-output: job j runs terraform without wrapping/],
    ['a fixed stop token', wf('push', awsJob(['bash .github/terraform/install-terraform.sh', 'stop=abc', 'echo "::stop-commands::${stop}"', 'terraform plan -lock=false', 'echo "::${stop}::"'])), /terraform-output/],
    ['terraform without the checked installer', wf('push', awsJob(wrapped('terraform plan -lock=false').slice(1))), /terraform-install: job j runs terraform without installing it/],
    ['a cache in a workflow that applies', wf('push', [...awsJob(wrapped('terraform apply tfplan')), '      - uses: actions/setup-node@x', '        with:', '          cache: pnpm']), /apply-cache: job j uses a dependency cache/],
    ['actions/cache in a workflow that applies', wf('push', [...awsJob(wrapped('terraform apply tfplan')), '      - uses: actions/cache@x']), /apply-cache/],
    ['an App token for every repository', wf('push', ['  j:', '    runs-on: x', '    environment: e', '    steps:', '      - uses: actions/create-github-app-token@x', '        with:', '          app-id: 1', '          private-key: ${{ secrets.K }}', '          owner: o']), /app-token-scope: job j mints a GitHub App token without owner and repositories/],
  ])('%s', (_name, workflow, expected) => {
    const called: ParsedWorkflow = {
      path: '.github/workflows/called.yml',
      doc: parse('on: workflow_call\npermissions: {}\njobs:\n  inner:\n    runs-on: x\n    environment: e\n    steps:\n      - run: echo ${{ secrets.DEPLOY }}\n') as Obj,
    };
    expect(rules(workflow, called).join('\n')).toMatch(expected);
  });

  it('nothing in a job that holds nothing, and a wrapped, locked-out, checked plan', () => {
    expect(rules(wf('push', ['  j:', '    runs-on: x', '    permissions:', '      contents: read', '    steps:', '      - run: pnpm install && npx tsc']))).toEqual([]);
    expect(rules(wf('push', awsJob(wrapped('terraform -chdir=s plan -lock=false -out=tfplan'))))).toEqual([]);
  });
});

describe('packageManagerUse (property)', () => {
  const managers = ['pnpm', 'npm', 'npx', 'yarn', 'corepack', 'tsx', 'bun', 'bunx'];
  const prefixes = ['', '  ', 'cd app && ', 'true || ', 'x=1; ', '( ', 'echo $(', '! '];
  const harmless = ['node packages/pipeline/standalone/tf-job.mjs check', 'terraform plan -lock=false', 'echo "plan"', 'sha256sum -c', 'cat plan.log'];

  it('finds a package manager wherever a command starts, in any script', () => {
    forAll(
      200,
      (g) => {
        const lines = Array.from({ length: g.int(0, 4) }, () => g.pick(harmless));
        lines.splice(g.int(0, lines.length), 0, `${g.pick(prefixes)}${g.pick(managers)} ${g.pick(['install', 'exec x', 'run build', '--version'])}`);
        return lines;
      },
      (lines) => packageManagerUse(lines) !== undefined,
    );
  });

  it('finds none in scripts of the terraform jobs', () => {
    forAll(
      200,
      (g) => Array.from({ length: g.int(1, 6) }, () => `${g.pick(['', '  '])}${g.pick(harmless)}`),
      (lines) => packageManagerUse(lines) === undefined,
    );
  });
});

describe('terraformOutputWrapped (property)', () => {
  const commands = ['terraform -chdir=s init -input=false', 'terraform -chdir=s plan -lock=false', 'terraform show -json tfplan > p.json', 'terraform apply tfplan'];
  const other = ['set +e', 'status=$?', 'cat "$OUT/plan.log"', 'node x.mjs'];

  it('holds exactly when every terraform line is between the random stop and the resume', () => {
    forAll(
      300,
      (g) => {
        const body = Array.from({ length: g.int(1, 5) }, () => (g.bool() ? g.pick(commands) : g.pick(other)));
        if (!body.some((l) => l.startsWith('terraform'))) body.push(g.pick(commands));
        const variant = g.int(0, 4);
        const start = ['stop="$(openssl rand -hex 16)"', 'echo "::stop-commands::${stop}"'];
        const end = ['echo "::${stop}::"'];
        if (variant === 0) return { lines: [...start, ...body, ...end], wrapped: true };
        if (variant === 1) return { lines: [...body, ...start, ...end], wrapped: false }; // stopped too late
        if (variant === 2) return { lines: [...start, ...end, ...body], wrapped: false }; // resumed too early
        if (variant === 3) return { lines: ['stop=fixed', start[1] as string, ...body, ...end], wrapped: false }; // guessable token
        return { lines: [...start, ...body], wrapped: false }; // never resumed
      },
      ({ lines, wrapped }) => terraformOutputWrapped(lines) === wrapped,
    );
  });
});
