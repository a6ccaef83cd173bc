/**
 * `keyless init`: a starter environment, apps/<env>/, from a few answers (flags, or prompts in a terminal): the
 * access config with one repository and one role trusted from one branch, and the app around it (package.json,
 * cdktf.json, src/main.ts, tsconfig.json, and the test suite, copied from an app of the workspace, else a
 * built-in template). When the workspace's bootstrap config holds the account, the config uses its state bucket,
 * OIDC provider and permissions boundary, so the pipeline can plan and apply it.
 *
 * Nothing half-written: the config is generated, read back and run through every check of `keyless check`
 * beside the workspace's other configs before anything is written; an existing file is never overwritten; and if
 * a write fails, the files already written are removed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatPath, loadConfigText, loadYaml } from '@keyless/policy';
import { checkConfigs } from './check.js';
import type { CheckProblem, ConfigInput } from './check.js';
import { appNames, findWorkspaceRoot } from './discover.js';
import { appFiles, schemaPathFor, writeAll } from './init-app-files.js';
import { DEFAULT_BRANCH, INIT_FIELDS, accessConfigText, canonical, expectedData } from './init-config.js';
import type { BootstrapFacts, Field, InitAnswers } from './init-config.js';
import { UsageError } from './token-input.js';

export { INIT_FIELDS, accessConfigText } from './init-config.js';
export type { InitAnswers } from './init-config.js';

/** Every config of the workspace, as check inputs named relative to the root. */
function workspaceInputs(root: string): ConfigInput[] {
  return appNames(root).flatMap((app) =>
    ['access.yaml', 'bootstrap.yaml']
      .map((f) => join(root, 'apps', app, f))
      .filter((f) => existsSync(f))
      .map((f) => ({ file: relative(root, f).split('\\').join('/'), text: readFileSync(f, 'utf8') })),
  );
}

function bootstrapFacts(inputs: readonly ConfigInput[], accountId: string | undefined): BootstrapFacts | undefined {
  const input = inputs.find((i) => i.file.endsWith('bootstrap.yaml'));
  if (!input) return undefined;
  try {
    const { config, stacks } = loadConfigText(input.text, input.file, { kind: 'bootstrap' });
    const account = stacks.find((s) => s.account.access.aws.accountId === accountId);
    return { file: input.file, owner: config.github.owner, ...(config.github.ownerId !== undefined ? { ownerId: config.github.ownerId } : {}), ...(account ? { account } : {}) };
  } catch {
    return undefined; // keyless check reports a broken bootstrap config; init writes a config without it
  }
}

/** The problems the config would have, with the flag that set the value where one did. */
export function initProblems(a: InitAnswers, root: string): { text: string; problems: CheckProblem[]; bootstrap?: BootstrapFacts } {
  const inputs = workspaceInputs(root);
  const bootstrap = bootstrapFacts(inputs, a.account);
  const appDir = join(root, 'apps', a.env);
  const text = accessConfigText(a, bootstrap, schemaPathFor(root, appDir));
  const file = relative(root, join(appDir, 'access.yaml')).split('\\').join('/');
  const problems: CheckProblem[] = [];
  // The text must say exactly what was answered (a value YAML would read as something else is a bug here).
  let data: unknown;
  try {
    data = loadYaml(text, file);
  } catch {
    data = undefined;
  }
  if (canonical(data) !== canonical(expectedData(a, bootstrap)))
    problems.push({ file, path: '(top level)', severity: 'error', check: 'config', message: 'keyless init wrote text that does not read back as the answers; please report this' });
  const others = inputs.filter((i) => i.file !== file);
  const result = checkConfigs([...others, { file, text }], { focus: [file] });
  problems.push(...result.problems.filter((p) => p.severity === 'error' && p.file === file));
  // Two configs of one environment name would share stack names and state keys.
  for (const other of others.filter((i) => i.file.endsWith('access.yaml'))) {
    const env = (() => {
      try {
        return (loadYaml(other.text, other.file) as { environment?: unknown }).environment;
      } catch {
        return undefined;
      }
    })();
    if (env === a.env) problems.push({ file, path: 'environment', severity: 'error', check: 'cross-environment', message: `environment: ${JSON.stringify(a.env)}: ${other.file} is already the ${a.env} environment; choose another name` });
  }
  return { text, problems, ...(bootstrap ? { bootstrap } : {}) };
}

/** A problem in the words of the command line: the flag instead of the config path when a flag set the value. */
function flagProblem(p: CheckProblem, a: InitAnswers): string {
  for (const f of INIT_FIELDS) {
    const path = formatPath(f.path(a));
    if (p.path === path && p.message.startsWith(`${path}: `)) return `${f.flag}: ${p.message.slice(path.length + 2)}`;
  }
  return p.message;
}

export interface InitContext {
  readonly cwd: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Asks one question and returns the answer; undefined when there is no terminal to ask. */
  readonly prompt?: (question: string) => Promise<string>;
}

type Given = Partial<Record<keyof InitAnswers, string>>;

const PLACEHOLDER: InitAnswers = { env: 'init', owner: 'octo', account: '123456789012', region: 'us-east-1', repository: 'app', branch: DEFAULT_BRANCH };

function toAnswers(given: Given, fill: boolean): InitAnswers {
  const number = (s: string | undefined): number | undefined => (s === undefined || s === '' ? undefined : Number(s));
  const ownerId = number(given.ownerId);
  const repositoryId = number(given.repositoryId);
  return {
    env: given.env ?? (fill ? PLACEHOLDER.env : ''),
    owner: given.owner ?? (fill ? PLACEHOLDER.owner : ''),
    account: given.account ?? (fill ? PLACEHOLDER.account : ''),
    region: given.region ?? (fill ? PLACEHOLDER.region : ''),
    repository: given.repository ?? (fill ? PLACEHOLDER.repository : ''),
    branch: given.branch ?? DEFAULT_BRANCH,
    ...(ownerId !== undefined ? { ownerId } : {}),
    ...(repositoryId !== undefined ? { repositoryId } : {}),
  };
}

/** The problems of one answer, with the others given or filled in with placeholders. */
function answerProblems(field: Field, given: Given, root: string): string[] {
  const value = given[field.key];
  if (field.numeric && value !== undefined && value !== '' && !/^[0-9]{1,15}$/.test(value)) return [`${field.flag}: ${JSON.stringify(value)}: a numeric id, digits only`];
  const a = toAnswers(given, true);
  const path = formatPath(field.path(a));
  return initProblems(a, root)
    .problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`))
    .map((p) => flagProblem(p, a));
}

/** Runs `keyless init`; returns the exit code. */
export async function runInit(flags: Given, context: InitContext): Promise<number> {
  const root = findWorkspaceRoot(context.cwd);
  const given: Given = { ...flags };
  for (const f of INIT_FIELDS)
    if (f.numeric && given[f.key] !== undefined && !/^[0-9]{1,15}$/.test(given[f.key] as string))
      throw new UsageError(`${f.flag}: ${JSON.stringify(given[f.key])}: a numeric id, digits only`);

  const missing = INIT_FIELDS.filter((f) => f.required && given[f.key] === undefined);
  if (missing.length > 0 && !context.prompt)
    throw new UsageError(`keyless init: missing ${missing.map((f) => f.flag).join(', ')} (or run it in a terminal to be asked)`);
  if (context.prompt) {
    const facts = bootstrapFacts(workspaceInputs(root), given.account);
    for (const f of INIT_FIELDS) {
      if (given[f.key] !== undefined) continue;
      const fallback =
        f.key === 'branch' ? DEFAULT_BRANCH : f.key === 'owner' ? facts?.owner : f.key === 'ownerId' && facts?.ownerId !== undefined && (given.owner ?? '').toLowerCase() === facts.owner.toLowerCase() ? String(facts.ownerId) : undefined;
      for (let attempt = 0; ; attempt++) {
        if (attempt === 5) throw new UsageError(`keyless init: no valid ${f.flag} after 5 answers`);
        const answer = (await context.prompt(`${f.question}${fallback !== undefined ? ` [${fallback}]` : ''}: `)).trim();
        const value = answer === '' ? fallback : answer;
        if (value === undefined) {
          if (!f.required) break;
          context.err(`${f.flag}: an answer is needed\n`);
          continue;
        }
        const problems = answerProblems(f, { ...given, [f.key]: value }, root);
        if (problems.length === 0) {
          given[f.key] = value;
          break;
        }
        for (const p of problems) context.err(`${p}\n`);
      }
    }
  }

  const answers = toAnswers(given, false);
  const appDir = join(root, 'apps', answers.env);
  const { text, problems, bootstrap } = initProblems(answers, root);
  if (problems.length > 0) {
    for (const p of problems) context.err(`${flagProblem(p, answers)}\n`);
    context.err('nothing was written\n');
    return 1;
  }
  const files = new Map([['access.yaml', text], ...appFiles(root, answers.env)]);
  const existing = [...files.keys()].filter((f) => existsSync(join(appDir, f)));
  if (existing.length > 0) {
    context.err(`keyless init: ${existing.map((f) => relative(context.cwd, join(appDir, f)) || f).join(', ')} already exist${existing.length === 1 ? 's' : ''}; init never overwrites a file, so nothing was written\n`);
    return 1;
  }
  const written = writeAll(appDir, files);
  const shown = written.map((f) => relative(context.cwd, f) || f);
  context.out(`wrote ${shown.join(', ')}\n`);
  if (!bootstrap?.account)
    context.out(
      bootstrap
        ? `note: account ${answers.account} is not in ${bootstrap.file}; add it under accounts there so the pipeline can plan and apply ${answers.env}, then set state, oidcProvider and defaults.permissionsBoundaryArn as its other apps do\n`
        : 'note: no bootstrap config in this workspace: the config keeps local state and creates the OIDC provider; see docs/runbook.md\n',
    );
  // Ids are pinned beside sub only when both are known; without them the role trusts the names alone.
  if (answers.ownerId === undefined || answers.repositoryId === undefined)
    context.out(
      `note: without --owner-id and --repository-id the role trusts ${answers.owner}/${answers.repository} by name only: a repository that later takes the name inherits the access; add github.ownerId and the repository's id to pin them\n`,
    );
  context.out(
    [
      'next:',
      '  pnpm install                                # links the new app into the workspace',
      `${`  pnpm keyless check ${answers.env}`.padEnd(46)}# every offline check`,
      `${`  pnpm keyless explain ${answers.env}`.padEnd(46)}# who can assume which role`,
      `${`  pnpm --filter @keyless/app-${answers.env} synth`.padEnd(46)}# the Terraform JSON`,
      '',
    ].join('\n'),
  );
  return 0;
}
