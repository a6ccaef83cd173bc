/**
 * `keyless-pipeline`: the commands the workflows call. Each prints JSON or Markdown and returns an exit code;
 * nothing here talks to AWS or needs credentials.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findWorkspaceRoot } from '@keyless/policy';
import type { AccessReport } from '@keyless/policy';
import { accessChanges } from './access-changes.js';
import { affectedApps, loadWorkspace, stackMatrix } from './affected.js';
import { appInstallationToken } from './app-token.js';
import { configOnlyChange, unchangedStacks } from './changed-stacks.js';
import { comparePlans } from './compare-plans.js';
import { accessReportsByStack, bootstrapAccountMap } from './configs.js';
import type { PlanJson } from './plan-json.js';
import { renderPlanComment, renderPlanError } from './render-comment.js';
import { formatFindings, lintWorkflowDirectory } from './workflow-lint.js';
import { sha256 } from '../standalone/stack-check.mjs';

const USAGE = `usage: keyless-pipeline COMMAND [options]

  affected --base REV --head REV
      the apps a change affects, and why (JSON)
  matrix (--base REV --head REV | --apps a,b | --all) [--only-apps a,b] [--exclude-apps a,b] [--synth] [--github-output]
         [--bundle DIR [--access-base-root DIR]]
      one entry per stack of those apps: {"include":[{app, stack, environment, readEnvironment, workdir, ...}]}
      --synth synthesizes each app first; --github-output also writes matrix= and count= to $GITHUB_OUTPUT;
      --bundle copies each stack's cdk.tf.json to DIR/<stack>/ and adds its SHA-256 (synthDigest) to the entry,
      and with --access-base-root the access changes between that checkout and this one (DIR/<stack>/access.json)
  access-report --stack STACK [--root DIR] [--out FILE]
      the access report of the stack's environment in the checkout at DIR (null when it has no such stack)
  comment --stack STACK --plan PLAN.json [--plan-text PLAN.txt] [--access-base F] [--access-head F]
          [--run-url URL] [--commit SHA] [--drift] [--out FILE]
  comment --stack STACK --error-log LOG [--step plan] [--run-url URL] [--commit SHA] [--out FILE]
      the pull request comment of one stack (Markdown)
  compare --reviewed PLAN.json --current PLAN.json
      exit 0 when the current plan does what the reviewed plan did, 1 (with the differences) when not
  app-token --app-id ID --private-key-file KEY.pem --owner OWNER
      prints a one-hour installation token of a GitHub App (for the bootstrap's first apply by hand)
  lint-workflows [--dir .github/workflows]
      actionlint and the pipeline rules over every workflow; exit 1 on any finding

  --root DIR: the workspace (default: the nearest directory up with a pnpm-workspace.yaml)`;

export interface MainContext {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** For tests: the fetch that app-token uses. */
  readonly fetch?: typeof fetch;
}

class UsageError extends Error {}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function list(v: unknown): string[] {
  return typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function readJson<T>(cwd: string, file: string): T {
  return JSON.parse(readFileSync(resolve(cwd, file), 'utf8')) as T;
}

/** The nearest directory at or above `from` with a pnpm-workspace.yaml (else `from`). */
export const workspaceRoot: (from: string) => string = findWorkspaceRoot;

function gitChangedFiles(cwd: string, base: string, head: string): string[] {
  const r = spawnSync('git', ['diff', '--name-only', '--no-renames', base, head], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git diff --name-only ${base} ${head} failed: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean);
}

export async function main(argv: readonly string[], context: MainContext): Promise<number> {
  const out = context.stdout ?? ((t: string) => process.stdout.write(t));
  const err = context.stderr ?? ((t: string) => process.stderr.write(t));
  const env = context.env ?? process.env;
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    out(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  try {
    const { values } = parseArgs({
      args: rest,
      allowPositionals: false,
      options: {
        base: { type: 'string' },
        head: { type: 'string' },
        apps: { type: 'string' },
        all: { type: 'boolean', default: false },
        'only-apps': { type: 'string' },
        'exclude-apps': { type: 'string' },
        synth: { type: 'boolean', default: false },
        'github-output': { type: 'boolean', default: false },
        bundle: { type: 'string' },
        'access-base-root': { type: 'string' },
        root: { type: 'string' },
        stack: { type: 'string' },
        out: { type: 'string' },
        plan: { type: 'string' },
        'plan-text': { type: 'string' },
        'access-base': { type: 'string' },
        'access-head': { type: 'string' },
        'run-url': { type: 'string' },
        commit: { type: 'string' },
        'error-log': { type: 'string' },
        drift: { type: 'boolean', default: false },
        step: { type: 'string' },
        reviewed: { type: 'string' },
        current: { type: 'string' },
        dir: { type: 'string' },
        'app-id': { type: 'string' },
        'private-key-file': { type: 'string' },
        owner: { type: 'string' },
      },
    });
    const root = values.root !== undefined ? resolve(context.cwd, values.root) : workspaceRoot(context.cwd);
    const write = (text: string): void => {
      if (values.out) writeFileSync(resolve(context.cwd, values.out), text);
      else out(text);
    };

    switch (command) {
      case 'affected': {
        const files = gitChangedFiles(root, required(values, 'base'), required(values, 'head'));
        out(`${JSON.stringify(affectedApps(files, loadWorkspace(root)), null, 2)}\n`);
        return 0;
      }
      case 'matrix': {
        // A mistyped base would make every stack look new: every role "gained", nothing flagged as changed.
        if (values['access-base-root'] !== undefined && !existsSync(resolve(context.cwd, values['access-base-root'])))
          throw new Error(`--access-base-root: ${values['access-base-root']} does not exist; it is the checkout of the base the access changes are computed against`);
        let apps: string[];
        // app → its config file, when that file is the app's only change (stack-level pruning below).
        const configOnly = new Map<string, string>();
        if (values.all) apps = loadWorkspace(root).packages.filter((p) => p.dir.startsWith('apps/')).map((p) => p.dir.slice(5));
        else if (values.apps !== undefined) apps = list(values.apps);
        else {
          const files = gitChangedFiles(root, required(values, 'base'), required(values, 'head'));
          const affected = affectedApps(files, loadWorkspace(root));
          for (const app of affected.apps) {
            err(`${app}: ${affected.reasons[app]?.slice(0, 5).join('; ')}\n`);
            const config = configOnlyChange(app, affected.reasons[app] ?? []);
            if (config) configOnly.set(app, config);
          }
          apps = [...affected.apps];
        }
        const only = list(values['only-apps']);
        const exclude = list(values['exclude-apps']);
        apps = apps.filter((a) => (only.length === 0 || only.includes(a)) && !exclude.includes(a));
        for (const app of apps) {
          if (!existsSync(join(root, 'apps', app, 'package.json'))) throw new UsageError(`apps/${app} is not an app of this workspace`);
          if (!values.synth) continue;
          const r = spawnSync('pnpm', ['--dir', join('apps', app), 'run', 'synth'], { cwd: root, stdio: ['ignore', 2, 2], env });
          if (r.status !== 0) throw new Error(`synth of apps/${app} failed (exit ${r.status})`);
        }
        const unchanged = new Set<string>();
        for (const [app, config] of values.synth ? configOnly : []) {
          const base = spawnSync('git', ['show', `${required(values, 'base')}:${config}`], { cwd: root, encoding: 'utf8' });
          if (base.status !== 0) continue; // a new config: every stack is new
          for (const stack of unchangedStacks(root, config, base.stdout, join('apps', app, 'cdktf.out'))) {
            err(`${app}/${stack}: unchanged by this config change, not planned\n`);
            unchanged.add(`${app}/${stack}`);
          }
        }
        let include = stackMatrix(root, apps, bootstrapAccountMap(root)).filter((e) => !unchanged.has(`${e.app}/${e.stack}`));
        if (values.bundle !== undefined) {
          // The synthesized stacks for the terraform jobs, which take them as data: pinned by digest.
          const bundle = resolve(context.cwd, values.bundle);
          const baseRoot = values['access-base-root'] !== undefined ? resolve(context.cwd, values['access-base-root']) : undefined;
          const head = baseRoot !== undefined ? accessReportsByStack(root) : undefined;
          const base = baseRoot !== undefined ? accessReportsByStack(baseRoot) : undefined;
          for (const e of [...(head?.errors ?? []), ...(base?.errors ?? [])]) err(`${e}\n`);
          include = include.map((e) => {
            const text = readFileSync(join(root, e.workdir, 'cdk.tf.json'), 'utf8');
            mkdirSync(join(bundle, e.stack), { recursive: true });
            writeFileSync(join(bundle, e.stack, 'cdk.tf.json'), text);
            if (head && base) {
              const changes = accessChanges(base.reports.get(e.stack), head.reports.get(e.stack)).map((c) => ({ kind: c.kind, line: c.line, ...(c.alert ? { alert: c.alert } : {}) }));
              writeFileSync(join(bundle, e.stack, 'access.json'), `${JSON.stringify(changes, null, 1)}\n`);
            }
            return { ...e, synthDigest: sha256(text) };
          });
        }
        const matrix = JSON.stringify({ include });
        if (values['github-output']) {
          const file = env['GITHUB_OUTPUT'];
          if (!file) throw new UsageError('--github-output: GITHUB_OUTPUT is not set');
          appendFileSync(file, `matrix=${matrix}\ncount=${include.length}\n`);
        }
        out(`${JSON.stringify({ include }, null, 2)}\n`);
        return 0;
      }
      case 'access-report': {
        const stack = required(values, 'stack');
        const { reports, errors } = accessReportsByStack(root);
        for (const e of errors) err(`${e}\n`);
        write(`${JSON.stringify(reports.get(stack) ?? null, null, 2)}\n`);
        return reports.has(stack) || errors.length === 0 ? 0 : 1;
      }
      case 'comment': {
        const stack = required(values, 'stack');
        const common = {
          stack,
          ...(values.drift ? { kind: 'drift' as const } : {}),
          ...(values['run-url'] ? { runUrl: values['run-url'] } : {}),
          ...(values.commit ? { commitSha: values.commit } : {}),
        };
        if (values['error-log'] !== undefined) {
          const log = existsSync(resolve(context.cwd, values['error-log'])) ? readFileSync(resolve(context.cwd, values['error-log']), 'utf8') : '';
          write(renderPlanError({ ...common, log, ...(values.step ? { step: values.step } : {}) }));
          return 0;
        }
        // A report file holds null for a stack the checkout does not have (access-report); a file that is not there
        // is a mistake, never an empty base: it would show every role of the stack as new.
        const report = (name: 'access-base' | 'access-head'): AccessReport | undefined => {
          const file = values[name];
          if (file === undefined) return undefined;
          if (!existsSync(resolve(context.cwd, file))) throw new Error(`--${name}: ${file} does not exist; write it with keyless-pipeline access-report (null for a stack that checkout does not have)`);
          return readJson<AccessReport | null>(context.cwd, file) ?? undefined;
        };
        const accessBase = report('access-base');
        const accessHead = report('access-head');
        write(
          renderPlanComment({
            ...common,
            planJson: readJson<PlanJson>(context.cwd, required(values, 'plan')),
            ...(values['plan-text'] ? { planText: readFileSync(resolve(context.cwd, values['plan-text']), 'utf8') } : {}),
            // Either report present means the access section is wanted: a missing one is a new or removed stack.
            ...(accessBase ? { accessBase } : {}),
            ...(accessHead ? { accessHead } : {}),
          }),
        );
        return 0;
      }
      case 'compare': {
        const result = comparePlans(readJson<PlanJson>(context.cwd, required(values, 'reviewed')), readJson<PlanJson>(context.cwd, required(values, 'current')));
        if (result.same) out('the plan does what the reviewed plan did\n');
        else out(`the plan differs from the reviewed plan:\n${result.differences.map((d) => `  - ${d}`).join('\n')}\n`);
        return result.same ? 0 : 1;
      }
      case 'lint-workflows': {
        const dir = values.dir ?? '.github/workflows';
        const findings = await lintWorkflowDirectory(isAbsolute(dir) ? dir : join(root, dir), dir);
        if (findings.length > 0) {
          out(`${formatFindings(findings)}\n${findings.length} finding(s)\n`);
          return 1;
        }
        out('workflows: no findings\n');
        return 0;
      }
      case 'app-token': {
        const { token, expiresAt } = await appInstallationToken({
          appId: required(values, 'app-id'),
          privateKeyPem: readFileSync(resolve(context.cwd, required(values, 'private-key-file')), 'utf8'),
          owner: required(values, 'owner'),
          ...(env['GITHUB_API_URL'] ? { apiUrl: env['GITHUB_API_URL'] } : {}),
          ...(context.fetch ? { fetch: context.fetch } : {}),
        });
        out(`${token}\n`);
        err(`the token expires at ${expiresAt}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    err(`keyless-pipeline ${command}: ${(error as Error).message}\n`);
    return 1;
  }
}
