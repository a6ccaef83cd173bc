/**
 * The security properties of the pipeline's workflows, decided from the parsed workflow files (docs/pipeline.md; each is
 * also a rule of the workflow lint):
 *
 * - no job that a `pull_request` event runs (directly or through a reusable workflow it calls) references a secret
 *   other than `GITHUB_TOKEN`, and no workflow passes `secrets: inherit`;
 * - every other secret is read only by a job that names an environment (an environment secret);
 * - a job that holds credentials — AWS (`id-token: write` and configure-aws-credentials), a GitHub App token, or
 *   any `write` permission — runs no package-manager code: no pnpm, npm, npx, yarn, corepack, tsx, bun, nothing
 *   from `node_modules`, no setup-node or pnpm setup, and not the TypeScript pipeline CLI (which runs through tsx);
 * - every `terraform plan` runs with `-lock=false`;
 * - no job of a workflow that applies uses a dependency cache;
 * - every run step that runs terraform wraps it in `::stop-commands::<random token>` … `::<token>::`;
 * - every job that runs terraform installs it with the checked installer, not an unchecked download;
 * - every GitHub App token is minted for an owner and a list of repositories.
 */
import { parse } from 'yaml';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Job {
  readonly id: string;
  readonly body: Obj;
  readonly steps: Obj[];
}

/** The jobs of a parsed workflow, each with its body and its steps (the well-formed ones). */
export function jobsOf(doc: Obj): Job[] {
  const jobs = isObj(doc['jobs']) ? doc['jobs'] : {};
  return Object.entries(jobs).map(([id, body]) => {
    const b = isObj(body) ? body : {};
    return { id, body: b, steps: Array.isArray(b['steps']) ? b['steps'].filter(isObj) : [] };
  });
}

export interface SecurityFinding {
  readonly file: string;
  readonly job: string;
  readonly rule: string;
  readonly message: string;
}

export interface ParsedWorkflow {
  /** `.github/workflows/x.yml` */
  readonly path: string;
  readonly doc: Obj;
}


function eventsOf(doc: Obj): string[] {
  const on = doc['on'] ?? doc['true'];
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return isObj(on) ? Object.keys(on) : [];
}

function actionName(step: Obj): string {
  const uses = typeof step['uses'] === 'string' ? step['uses'] : '';
  const at = uses.indexOf('@');
  return (at < 0 ? uses : uses.slice(0, at)).split('/').slice(0, 2).join('/');
}

function withOf(step: Obj): Obj {
  return isObj(step['with']) ? step['with'] : {};
}

/** The run scripts of a job, each as its lines without comments. */
function runScripts(job: Job): string[][] {
  return job.steps.filter((s) => typeof s['run'] === 'string').map((s) => (s['run'] as string).split('\n').filter((l) => !/^\s*#/.test(l)));
}

/** The local reusable workflow a job calls, as a workflow path. */
function calledWorkflow(job: Job): string | undefined {
  const uses = job.body['uses'];
  return typeof uses === 'string' && uses.startsWith('./') ? uses.slice(2) : undefined;
}

function permission(job: Job, scope: string): string | undefined {
  const p = job.body['permissions'];
  if (p === 'write-all') return 'write';
  if (p === 'read-all') return 'read';
  return isObj(p) && typeof p[scope] === 'string' ? (p[scope] as string) : undefined;
}

function writesSomething(job: Job): boolean {
  const p = job.body['permissions'];
  if (p === 'write-all') return true;
  return isObj(p) && Object.entries(p).some(([scope, level]) => level === 'write' && scope !== 'id-token');
}

/** Whether the job holds credentials: AWS through OIDC, a GitHub App token, or a GITHUB_TOKEN that writes. */
export function holdsCredentials(job: { readonly body: Obj; readonly steps: readonly Obj[] }): string | undefined {
  const j = { id: '', body: job.body, steps: [...job.steps] };
  if (permission(j, 'id-token') === 'write' && j.steps.some((s) => actionName(s) === 'aws-actions/configure-aws-credentials')) return 'AWS credentials';
  if (j.steps.some((s) => actionName(s) === 'actions/create-github-app-token')) return 'a GitHub App token';
  if (writesSomething(j)) return 'a GITHUB_TOKEN that writes';
  return undefined;
}

/** A word at command position in a shell line: line start, or after `&&`, `||`, `;`, `|`, `(`, `$(`, `!`. */
function commandAt(line: string, word: string): boolean {
  return new RegExp(`(^|&&|\\|\\||[;|(!]|\\$\\()\\s*${word}(\\s|$)`).test(line.trimStart()) || new RegExp(`^\\s*${word}(\\s|$)`).test(line);
}

const PACKAGE_MANAGERS = ['pnpm', 'npm', 'npx', 'yarn', 'corepack', 'tsx', 'bun', 'bunx'];

/** The package-manager use in a run script, or undefined. */
export function packageManagerUse(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    for (const pm of PACKAGE_MANAGERS) if (commandAt(line, pm)) return `${pm} (${line.trim()})`;
    if (/node_modules/.test(line)) return `node_modules (${line.trim()})`;
    // The TypeScript CLI of packages/pipeline runs through tsx from node_modules.
    if (/keyless-pipeline\.mjs/.test(line)) return `the TypeScript pipeline CLI, which runs through tsx (${line.trim()})`;
  }
  return undefined;
}

/** Lines that run terraform (at command position, not in an echo). */
export function terraformLines(lines: readonly string[]): number[] {
  const out: number[] = [];
  lines.forEach((line, i) => {
    if (/^\s*echo\b/.test(line)) return;
    if (commandAt(line, 'terraform')) out.push(i);
  });
  return out;
}

/**
 * Whether the terraform commands of a script run between `echo "::stop-commands::${TOKEN}"` and `echo "::${TOKEN}::"`,
 * with TOKEN drawn at random in the same script.
 */
export function terraformOutputWrapped(lines: readonly string[]): boolean {
  const tf = terraformLines(lines);
  if (tf.length === 0) return true;
  const first = tf[0] as number;
  const last = tf[tf.length - 1] as number;
  const stop = lines.findIndex((l, i) => i < first && /echo\s+"::stop-commands::\$\{(\w+)\}"/.test(l));
  if (stop < 0) return false;
  const token = /echo\s+"::stop-commands::\$\{(\w+)\}"/.exec(lines[stop] ?? '')?.[1] ?? '';
  const random = lines.some((l, i) => i < stop && new RegExp(`^\\s*${token}="\\$\\(openssl rand -hex (1[6-9]|[2-9]\\d)\\)"`).test(l));
  const resume = lines.findIndex((l, i) => i > last && l.includes(`echo "::\${${token}}::"`));
  return random && resume > last;
}

/** Secret names a value references: `secrets.NAME` and `secrets['NAME']`. */
function secretRefs(value: unknown): string[] {
  const text = JSON.stringify(value) ?? '';
  const out = new Set<string>();
  for (const m of text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)) out.add(m[1] as string);
  for (const m of text.matchAll(/secrets\[\s*\\?['"]([^'"\\]+)\\?['"]\s*\]/g)) out.add(m[1] as string);
  if (/secrets\[(?!\s*\\?['"])/.test(text)) out.add('(computed)');
  return [...out].sort();
}

/** Every job a workflow runs: its own, and those of the local reusable workflows it calls, transitively. */
function reachableJobs(start: ParsedWorkflow, all: ReadonlyMap<string, ParsedWorkflow>): { file: string; job: Job }[] {
  const out: { file: string; job: Job }[] = [];
  const seen = new Set<string>();
  const visit = (wf: ParsedWorkflow): void => {
    if (seen.has(wf.path)) return;
    seen.add(wf.path);
    for (const job of jobsOf(wf.doc)) {
      out.push({ file: wf.path, job });
      const called = calledWorkflow(job);
      const target = called !== undefined ? all.get(called) : undefined;
      if (target) visit(target);
    }
  };
  visit(start);
  return out;
}

/** Checks the security properties over every workflow of a directory. */
export function checkWorkflowSecurity(workflows: readonly ParsedWorkflow[]): SecurityFinding[] {
  const out: SecurityFinding[] = [];
  const byPath = new Map(workflows.map((w) => [w.path, w]));
  const add = (file: string, job: string, rule: string, message: string): void => {
    if (!out.some((f) => f.file === file && f.job === job && f.rule === rule && f.message === message)) out.push({ file, job, rule, message });
  };

  for (const wf of workflows) {
    const events = eventsOf(wf.doc);
    const fromPullRequests = events.some((e) => e.startsWith('pull_request'));
    const reachable = reachableJobs(wf, byPath);
    if (fromPullRequests) {
      for (const { file, job } of reachable) {
        const names = secretRefs(job.body).filter((n) => n !== 'GITHUB_TOKEN');
        if (names.length > 0)
          add(file, job.id, 'pull-request-secrets', `job ${job.id} runs for pull requests (${wf.path}) and references ${names.map((n) => `secrets.${n}`).join(', ')}; a pull request controls the workflow and the code it runs, so only GITHUB_TOKEN may be in reach`);
      }
    }
    const applies = reachable.some(({ job }) => runScripts(job).some((lines) => lines.some((l) => commandAt(l, 'terraform') && /\sapply(\s|$)/.test(l))));
    for (const job of jobsOf(wf.doc)) {
      if (job.body['secrets'] === 'inherit') add(wf.path, job.id, 'secrets-inherit', `job ${job.id} passes secrets: inherit; pass nothing (environment secrets reach the called jobs of their environment) or name each secret`);
      const names = secretRefs({ ...job.body, secrets: undefined }).filter((n) => n !== 'GITHUB_TOKEN');
      if (names.length > 0 && job.body['environment'] === undefined && calledWorkflow(job) === undefined)
        add(wf.path, job.id, 'environment-secrets', `job ${job.id} reads ${names.map((n) => `secrets.${n}`).join(', ')} without an environment; keys are secrets of an environment, never of the repository (a pull request's workflow can read those)`);
      const credential = holdsCredentials(job);
      if (credential) {
        for (const lines of runScripts(job)) {
          const pm = packageManagerUse(lines);
          if (pm) add(wf.path, job.id, 'no-package-manager', `job ${job.id} holds ${credential} and runs ${pm}; run package code in a job without credentials and pass its output on as an artifact pinned by digest`);
        }
        for (const step of job.steps) {
          const name = actionName(step);
          if (name === 'actions/setup-node' || name === 'pnpm/action-setup')
            add(wf.path, job.id, 'no-package-manager', `job ${job.id} holds ${credential} and uses ${name}; package installs belong in a job without credentials`);
        }
      }
      for (const lines of runScripts(job)) {
        for (const i of terraformLines(lines)) {
          const line = lines[i] ?? '';
          if (/\splan(\s|$)/.test(line) && !/\s-lock=false(\s|$)/.test(line))
            add(wf.path, job.id, 'plan-lock', `job ${job.id} runs terraform plan without -lock=false (${line.trim()}); plans take no state lock, and the plan roles cannot write one`);
        }
        if (!terraformOutputWrapped(lines))
          add(wf.path, job.id, 'terraform-output', `job ${job.id} runs terraform without wrapping its output in ::stop-commands::<random token> … ::<token>::; a resource value could otherwise issue workflow commands`);
      }
      const runsTerraform = runScripts(job).some((lines) => terraformLines(lines).length > 0);
      if (runsTerraform && !runScripts(job).some((lines) => lines.some((l) => /\.github\/terraform\/install-terraform\.sh/.test(l))))
        add(wf.path, job.id, 'terraform-install', `job ${job.id} runs terraform without installing it with .github/terraform/install-terraform.sh, which checks the download against a pinned SHA-256`);
      if (applies) {
        for (const step of job.steps) {
          const name = actionName(step);
          if (name === 'actions/cache' || (name === 'actions/setup-node' && withOf(step)['cache'] !== undefined))
            add(wf.path, job.id, 'apply-cache', `job ${job.id} uses a dependency cache in a workflow that applies; a poisoned cache would flow into what is applied`);
        }
      }
      for (const step of job.steps) {
        if (actionName(step) !== 'actions/create-github-app-token') continue;
        const w = withOf(step);
        if (typeof w['owner'] !== 'string' || typeof w['repositories'] !== 'string' || w['repositories'].trim() === '')
          add(wf.path, job.id, 'app-token-scope', `job ${job.id} mints a GitHub App token without owner and repositories; mint it for the repositories the job needs, nothing more`);
      }
    }
  }
  return out;
}

/** Parses workflow texts by path (`.github/workflows/x.yml`); a file that does not parse is left out. */
export function parseWorkflows(texts: ReadonlyMap<string, string>): ParsedWorkflow[] {
  const out: ParsedWorkflow[] = [];
  for (const [path, text] of texts) {
    try {
      const doc = parse(text) as unknown;
      if (isObj(doc)) out.push({ path, doc });
    } catch {
      // reported by the lint's yaml rule
    }
  }
  return out;
}
