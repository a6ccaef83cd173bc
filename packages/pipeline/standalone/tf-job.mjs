#!/usr/bin/env node
// The commands the terraform jobs of the pipeline run: plain `node`, Node's own modules and the files of this
// directory, no package and no install. These jobs hold credentials (AWS through OIDC, a GitHub App token), so
// nothing in them comes from a package manager; what they run is this reviewed code, checked out from the
// commit the workflow runs for. docs/pipeline.md.
//
//   check --config cdk.tf.json --sha256 HEX --lock .terraform.lock.hcl
//       refuses a stack whose digest is not the published one, or that names another provider, another
//       version than the lock file's, or a block through which a configuration could run code at plan time
//   targets --config cdk.tf.json --out FILE
//       one -target=ADDRESS per line: every resource but the GitHub provider's (the pull request plan)
//   repositories --config cdk.tf.json [--state STATE.json] --default NAME
//       the repositories a GitHub token for this stack must cover, comma-separated
//   review-plan --plan FULL.json --out PLAN.json [--config cdk.tf.json --github-half]
//       the reduced plan (no state, sensitive values as digests); --github-half adds the GitHub half computed
//       from the configuration against the state (pull requests, which hold no GitHub token)
//   render --stack STACK (--plan PLAN.json [--plan-text PLAN.txt] | --error-log LOG [--step STEP]) [--access F]
//          [--note TEXT]... [--run-url URL] [--commit SHA] [--plan-digest HEX] [--drift] --out FILE
//       the comment (pull requests), the summary the environment's reviewers read (apply), the drift issue
//   compare --reviewed PLAN.json --current PLAN.json
//       exit 0 when the current plan does what the reviewed plan did, 1 (with the differences) when not
//   apply-matrix --matrix JSON --reviews DIR [--reviewed DIR] [--require-reviewed]
//       the stacks to apply, each with its plan digest and repositories, after comparing each plan with the
//       reviewed one; writes matrix= and count= to $GITHUB_OUTPUT; exit 1 when any stack is refused
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { comparePlans } from './compare-plans.mjs';
import { githubChanges } from './github-changes.mjs';
import { reducePlan } from './plan-json.mjs';
import { renderPlanComment, renderPlanError } from './render-comment.mjs';
import { checkStack, planTargets, repositoriesOf } from './stack-check.mjs';

class UsageError extends Error {}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

function required(values, name) {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** The pipeline's matrix entry names: stacks are [a-z0-9-], digests hex, repositories GitHub names. */
const STACK = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function run(argv, io = {}) {
  const out = io.stdout ?? ((t) => process.stdout.write(t));
  const err = io.stderr ?? ((t) => process.stderr.write(t));
  const env = io.env ?? process.env;
  const [command, ...rest] = argv;
  try {
    const { values } = parseArgs({
      args: rest,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        sha256: { type: 'string' },
        lock: { type: 'string' },
        out: { type: 'string' },
        state: { type: 'string' },
        default: { type: 'string' },
        plan: { type: 'string' },
        'github-half': { type: 'boolean', default: false },
        stack: { type: 'string' },
        'plan-text': { type: 'string' },
        'error-log': { type: 'string' },
        step: { type: 'string' },
        access: { type: 'string' },
        note: { type: 'string', multiple: true },
        'run-url': { type: 'string' },
        commit: { type: 'string' },
        'plan-digest': { type: 'string' },
        drift: { type: 'boolean', default: false },
        reviewed: { type: 'string' },
        current: { type: 'string' },
        matrix: { type: 'string' },
        reviews: { type: 'string' },
        'require-reviewed': { type: 'boolean', default: false },
      },
    });
    switch (command) {
      case 'check': {
        const lockFile = required(values, 'lock');
        const problems = checkStack({
          configText: readFileSync(required(values, 'config'), 'utf8'),
          expectedSha256: required(values, 'sha256'),
          lockText: existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : '',
        });
        if (!existsSync(lockFile)) problems.unshift(`${lockFile}: not found; every app commits the lock file of its providers`);
        if (problems.length > 0) {
          err(`the stack is refused:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
          return 1;
        }
        out('the stack names only the allowed providers, at the locked versions, and its digest is the published one\n');
        return 0;
      }
      case 'targets': {
        const targets = planTargets(readJson(required(values, 'config')));
        writeFileSync(required(values, 'out'), targets.map((t) => `-target=${t}\n`).join(''));
        out(`${targets.length} targets\n`);
        return 0;
      }
      case 'repositories': {
        const { repositories, problems } = repositoriesOf(readJson(required(values, 'config')), values.state ? readJson(values.state) : undefined);
        if (problems.length > 0) {
          err(`${problems.join('\n')}\n`);
          return 1;
        }
        // Never an empty list: an empty `repositories` input mints a token for every repository of the installation.
        const list = repositories.length > 0 ? repositories : [required(values, 'default')];
        out(`${list.join(',')}\n`);
        return 0;
      }
      case 'review-plan': {
        const full = readJson(required(values, 'plan'));
        const reduced = reducePlan(full);
        if (values['github-half']) {
          const github = githubChanges(readJson(required(values, 'config')), full);
          reduced.resource_changes = [...(reduced.resource_changes ?? []).filter((rc) => !rc.type.startsWith('github_')), ...github];
          reduced.keyless_github_half = 'config-vs-state';
        }
        writeFileSync(required(values, 'out'), `${JSON.stringify(reduced, null, 1)}\n`);
        return 0;
      }
      case 'render': {
        const stack = required(values, 'stack');
        const common = {
          stack,
          ...(values.drift ? { kind: 'drift' } : {}),
          ...(values['run-url'] ? { runUrl: values['run-url'] } : {}),
          ...(values.commit ? { commitSha: values.commit } : {}),
        };
        let body;
        if (values['error-log'] !== undefined) {
          const file = values['error-log'];
          body = renderPlanError({ ...common, log: existsSync(file) ? readFileSync(file, 'utf8') : '', ...(values.step ? { step: values.step } : {}) });
        } else {
          // The access changes of the synthesis job; a file that is not there is a mistake, not "no changes".
          if (values.access !== undefined && !existsSync(values.access)) throw new Error(`--access: ${values.access} does not exist; the synthesis job writes it (matrix --bundle DIR --access-base-root BASE)`);
          const access = values.access !== undefined ? readJson(values.access) : undefined;
          if (access !== undefined && !Array.isArray(access)) throw new Error(`--access: ${values.access} holds no list of access changes`);
          body = renderPlanComment({
            ...common,
            planJson: readJson(required(values, 'plan')),
            ...(values['plan-text'] && existsSync(values['plan-text']) ? { planText: readFileSync(values['plan-text'], 'utf8') } : {}),
            ...(Array.isArray(access) ? { access } : {}),
            ...(values.note && values.note.length > 0 ? { notes: values.note } : {}),
            ...(values['plan-digest'] ? { planDigest: values['plan-digest'] } : {}),
          });
        }
        writeFileSync(required(values, 'out'), body);
        return 0;
      }
      case 'compare': {
        const result = comparePlans(readJson(required(values, 'reviewed')), readJson(required(values, 'current')));
        if (result.same) out('the plan does what the reviewed plan did\n');
        else out(`the plan differs from the reviewed plan:\n${result.differences.map((d) => `  - ${d}`).join('\n')}\n`);
        return result.same ? 0 : 1;
      }
      case 'apply-matrix': {
        const matrix = JSON.parse(required(values, 'matrix'));
        const reviews = required(values, 'reviews');
        const include = [];
        const refused = [];
        const lines = [];
        for (const entry of matrix.include ?? []) {
          const stack = String(entry.stack);
          if (!STACK.test(stack)) throw new Error(`matrix: stack ${JSON.stringify(stack)} is not a stack name`);
          // The matrix comes from the synthesis job: check that it routes the stack to its own gate.
          const account = String(entry.account ?? '');
          const gate = stack === `bootstrap-${account}` ? `${account}-bootstrap` : account;
          if (account === '' || entry.environment !== gate) {
            refused.push(`${stack}: the matrix sends it to environment ${JSON.stringify(entry.environment)}, but a stack of account ${JSON.stringify(account)} applies through ${JSON.stringify(gate)}`);
            continue;
          }
          const metaFile = join(reviews, `review-${stack}`, 'meta.json');
          if (!existsSync(metaFile)) {
            refused.push(`${stack}: its plan job left no review (the plan failed or was cancelled)`);
            continue;
          }
          const meta = readJson(metaFile);
          if (!meta.changes) {
            lines.push(`- \`${stack}\`: no changes, nothing to apply`);
            continue;
          }
          if (!/^[0-9a-f]{64}$/.test(String(meta.planSha256))) throw new Error(`${metaFile}: planSha256 is not a SHA-256`);
          const repositories = (meta.repositories ?? []).map(String);
          if (repositories.some((r) => !/^[A-Za-z0-9._-]+$/.test(r))) throw new Error(`${metaFile}: a repository is not a GitHub repository name`);
          if (values['require-reviewed']) {
            const reviewedFile = join(required(values, 'reviewed'), `plan-${stack}`, 'plan.json');
            if (!existsSync(reviewedFile)) {
              refused.push(`${stack}: the merged pull request's plan run has no plan of this stack (not planned there, failed, or expired)`);
              continue;
            }
            const result = comparePlans(readJson(reviewedFile), readJson(join(reviews, `review-${stack}`, 'plan.json')));
            if (!result.same) {
              refused.push(`${stack}: this plan differs from the plan reviewed in the pull request:\n${result.differences.map((d) => `    - ${d}`).join('\n')}`);
              continue;
            }
            lines.push(`- \`${stack}\`: does what the plan reviewed in the pull request does`);
          } else lines.push(`- \`${stack}\`: to be reviewed at the environment gate`);
          include.push({ ...entry, planDigest: meta.planSha256, repositories: repositories.join(',') });
        }
        if (refused.length > 0) {
          out(`❌ **Refused**, nothing is applied:\n\n${refused.map((r) => `- ${r}`).join('\n')}\n\nSomething changed between the review and the merge (another merge, a change outside Terraform). Open a pull request to review the new plan, or run the workflow by hand and review the plan at the environment gate.\n`);
          return 1;
        }
        out(`${lines.join('\n')}\n`);
        const file = env.GITHUB_OUTPUT;
        if (file) appendFileSync(file, `matrix=${JSON.stringify({ include })}\ncount=${include.length}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}`);
    }
  } catch (error) {
    if (error instanceof UsageError || String(error?.code ?? '').startsWith('ERR_PARSE_ARGS')) {
      err(`${error.message}\nusage: node tf-job.mjs check|targets|repositories|review-plan|render|compare|apply-matrix [options] (see the head of this file)\n`);
      return 2;
    }
    err(`tf-job ${command}: ${error.message}\n`);
    return 1;
  }
}

const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invoked) process.exitCode = run(process.argv.slice(2));
