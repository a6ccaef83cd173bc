/**
 * `keyless check`: every offline check of the configs, each problem at file:line:column. Besides what synth
 * refuses (the schema and every rule of @keyless/policy, which already cover managed policy existence, policy
 * ARNs of another account or partition, the inline policy statement grammar and trusted environments the config
 * does not declare), it checks what synth cannot see from one config alone or does not read:
 *
 * - cross-environment rules (crossCheckModels): two configs writing one variable, managing one GitHub
 *   environment or subject template, one role name twice in an account, two OIDC providers in an account;
 * - regions and partitions against the AWS SDK's endpoint data (aws-regions.ts);
 * - condition operators and the old policy version of inline policies (policy-grammar.ts);
 * - consistency with the bootstrap config: the pipeline has roles in the account, the state bucket is the one
 *   its roles reach, roles carry the permissions boundary and path its apply role requires.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  PRODUCT_ROLE_PATH,
  STATE_KEY_PREFIX,
  attemptConfigText,
  bootstrapAccountProblem,
  configProblem,
  crossCheckModels,
  formatPath,
  locateIssues,
  parsePathPrefix,
  problemFromText,
} from '@keyless/policy';
import type { AccessConfig, AccessModel, BootstrapAccountModel, BootstrapConfig, ConfigEnvironment, ConfigProblem, NamedModel } from '@keyless/policy';
import { awsEndpointData, checkRegion } from './aws-regions.js';
import type { AwsEndpointData } from './aws-regions.js';
import { policyGrammarProblems } from './policy-grammar.js';

export type CheckKind = 'config' | 'cross-environment' | 'region' | 'policy' | 'bootstrap' | 'setup';

export interface CheckProblem {
  /** The config file, as named in the output (relative to the workspace). */
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** The config path, such as `repositories.web.roles.deploy.trust.branches[0]`. */
  readonly path: string;
  readonly severity: 'error' | 'warning';
  /** Which check found it. */
  readonly check: CheckKind;
  /** The problem: `path: value: rule`. */
  readonly message: string;
}

export interface CheckResult {
  readonly files: readonly string[];
  readonly problems: readonly CheckProblem[];
  readonly errors: number;
  readonly warnings: number;
}

/** A config to check: its name in the output and its text. A name ending in bootstrap.yaml is a bootstrap config. */
export interface ConfigInput {
  readonly file: string;
  readonly text: string;
}

export interface CheckOptions {
  /**
   * Report only problems of these files (cross-environment problems that involve them included); the other inputs
   * are context: the environments they must live beside.
   * @default - every input
   */
  readonly focus?: readonly string[];
  /**
   * The AWS endpoint data; null when it is not available.
   * @default - the installed SDK's (awsEndpointData())
   */
  readonly endpointData?: AwsEndpointData | null;
}

interface Pending {
  readonly issue: ConfigProblem;
  readonly severity: 'error' | 'warning';
  readonly check: CheckKind;
}

interface Loaded {
  readonly input: ConfigInput;
  readonly pending: Pending[];
  access?: AccessConfig;
  model?: AccessModel;
  bootstrap?: BootstrapConfig;
  accounts?: readonly BootstrapAccountModel[];
  /** The environments the config holds, named as the rules across environments name them. */
  environments?: readonly ConfigEnvironment[];
}

/** Whether a problem is already reported at this path (a more specific check then says nothing more). */
function reportedAt(loaded: Loaded, path: readonly (string | number)[]): boolean {
  const text = formatPath(path);
  return loaded.pending.some((p) => formatPath(p.issue.path) === text);
}

function load(input: ConfigInput): Loaded {
  const attempt = attemptConfigText(input.text, input.file);
  const pending: Pending[] = (attempt.error?.issues ?? []).map((issue) => ({ issue, severity: 'error', check: 'config' }));
  if (attempt.kind === 'bootstrap')
    return { input, pending, ...(attempt.config ? { bootstrap: attempt.config } : {}), ...(attempt.loaded ? { accounts: attempt.loaded.stacks, environments: attempt.loaded.environments } : {}) };
  return { input, pending, ...(attempt.config ? { access: attempt.config } : {}), ...(attempt.loaded ? { model: attempt.loaded.model, environments: attempt.loaded.environments } : {}) };
}

function regionChecks(loaded: Loaded, data: AwsEndpointData): void {
  const check = (path: (string | number)[], region: string | undefined, partition: string): void => {
    if (region === undefined || reportedAt(loaded, path)) return;
    const rule = checkRegion(region, partition, data);
    if (rule) loaded.pending.push({ issue: configProblem(path, region, rule), severity: 'error', check: 'region' });
  };
  if (loaded.access) {
    const partition = loaded.access.aws.partition ?? 'aws';
    if (reportedAt(loaded, ['aws', 'partition'])) return;
    check(['aws', 'region'], loaded.access.aws.region, partition);
    check(['state', 'region'], loaded.access.state?.region, partition);
  }
  if (loaded.bootstrap) {
    // The bootstrap's roles and policies are in the aws partition (bootstrap-config.ts).
    for (const [key, account] of Object.entries(loaded.bootstrap.accounts).sort(([a], [b]) => (a < b ? -1 : 1)))
      check(['accounts', key, 'region'], account.region, 'aws');
  }
}

function policyChecks(loaded: Loaded): void {
  const repositories = loaded.access?.repositories ?? {};
  for (const [repoKey, repo] of Object.entries(repositories).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [roleKey, role] of Object.entries(repo.roles).sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const [name, document] of Object.entries(role.inlinePolicies ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const at = ['repositories', repoKey, 'roles', roleKey, 'inlinePolicies', name];
        for (const q of policyGrammarProblems(document)) {
          const path = [...at, ...q.path];
          if (!reportedAt(loaded, path)) loaded.pending.push({ issue: configProblem(path, q.value, q.rule), severity: q.severity, check: 'policy' });
        }
      }
    }
  }
}

/** The pipeline of the bootstrap config must be able to plan and apply each access config. */
function bootstrapChecks(loaded: Loaded, bootstrap: Loaded): void {
  const model = loaded.model;
  const access = loaded.access;
  const accounts = bootstrap.accounts ?? [];
  if (!model || !access || !bootstrap.bootstrap) return;
  const from = bootstrap.input.file;
  const add = (path: (string | number)[], value: unknown, rule: string, severity: 'error' | 'warning' = 'error'): void => {
    if (!reportedAt(loaded, path)) loaded.pending.push({ issue: configProblem(path, value, rule), severity, check: 'bootstrap' });
  };
  const owner = bootstrap.bootstrap.github.owner;
  if (owner.toLowerCase() !== model.github.owner.toLowerCase())
    add(['github', 'owner'], model.github.owner, `the pipeline of ${from} belongs to ${owner}; its GitHub App tokens and roles serve that owner's repositories`, 'warning');
  const found = accounts.find((a) => a.account.access.aws.accountId === model.aws.accountId);
  if (!found) {
    add(['aws', 'accountId'], model.aws.accountId, `not an account of ${from}, so the pipeline has no role to plan or apply this environment; add it under accounts there, or apply it by hand`, 'warning');
    return;
  }
  const { account } = found;
  const accountRegion = account.access.aws.region;
  if (!model.state) {
    add(['state'], undefined, `without remote state a plan and an apply share nothing; set state.bucket: ${account.stateBucket} (the bucket of ${from}, accounts.${account.key})`, 'warning');
  } else {
    if (model.state.bucket !== account.stateBucket)
      add(['state', 'bucket'], model.state.bucket, `the pipeline's roles reach only the state bucket of ${from} in this account: ${account.stateBucket}`);
    if (model.state.region !== accountRegion)
      add(access.state?.region !== undefined ? ['state', 'region'] : ['aws', 'region'], model.state.region, `the state bucket ${account.stateBucket} is in ${accountRegion} (${from}, accounts.${account.key}.region); set state.region: ${accountRegion}`);
    if (model.state.keyPrefix !== STATE_KEY_PREFIX)
      add(['state', 'keyPrefix'], model.state.keyPrefix, `the pipeline's plan roles read only state keys under ${STATE_KEY_PREFIX}/; leave keyPrefix out`);
  }
  const boundary = account.boundaryPolicy.arn;
  for (const repo of model.repositories) {
    for (const role of repo.roles) {
      const raw = access.repositories[repo.key]?.roles[role.key];
      const entry = parsePathPrefix(`${role.entry}: `)?.path ?? ['repositories', repo.key, 'roles', role.key];
      if (role.permissionsBoundaryArn !== boundary) {
        const path = raw?.permissionsBoundaryArn !== undefined ? [...entry, 'permissionsBoundaryArn'] : ['defaults', 'permissionsBoundaryArn'];
        add(path, role.permissionsBoundaryArn, `the pipeline's apply role (${from}) creates and changes roles only with the permissions boundary ${boundary}; set defaults.permissionsBoundaryArn: ${boundary}`);
      }
      if (!role.path.startsWith(PRODUCT_ROLE_PATH)) {
        const path = raw?.path !== undefined ? [...entry, 'path'] : ['defaults', 'rolePath'];
        add(path, role.path, `the pipeline's apply role (${from}) manages roles under the path ${PRODUCT_ROLE_PATH} only`);
      }
    }
  }
}

/** Attributes a cross-check line (`source: path: rule`, or `owner/repo: …` naming sources) to a file and a path. */
function crossProblem(line: string, sources: ReadonlyMap<string, { file: string; accountKey?: string; infra?: string }>): { file: string; issue: ConfigProblem } {
  const bySource = [...sources.keys()].sort((a, b) => b.length - a.length);
  const source = bySource.find((s) => line.startsWith(`${s}: `));
  const at = source !== undefined ? sources.get(source) : undefined;
  if (source !== undefined && at !== undefined) {
    let issue = problemFromText(line.slice(source.length + 2));
    if (at.accountKey !== undefined) issue = bootstrapAccountProblem(issue, at.accountKey, at.infra ?? '');
    return { file: at.file, issue };
  }
  // `owner/repo: roles in A, B …`: the first source named, at the repository's entry.
  const named = bySource.filter((s) => line.includes(s)).sort((a, b) => line.indexOf(a) - line.indexOf(b))[0];
  const first = named !== undefined ? sources.get(named) : undefined;
  const repo = /^[^/\s]+\/([^:\s]+):/.exec(line)?.[1];
  const path = first?.accountKey !== undefined ? ['accounts', first.accountKey] : repo !== undefined ? ['repositories', repo] : [];
  return { file: first?.file ?? [...sources.values()][0]?.file ?? '', issue: { path, rule: line, text: line, at: 'key' } };
}

/** Runs every check over the configs; problems are sorted by file, line and column. */
export function checkConfigs(inputs: readonly ConfigInput[], options: CheckOptions = {}): CheckResult {
  const data = options.endpointData === undefined ? awsEndpointData() : (options.endpointData ?? undefined);
  const sorted = [...inputs].sort((a, b) => cmp(a.file, b.file));
  const loaded = sorted.map(load);
  // Problems found across configs; `involves` lets one through when it names a focus file from another file.
  const extra: { file: string; pending: Pending; involves?: boolean }[] = [];
  const focus = new Set(options.focus ?? inputs.map((i) => i.file));

  for (const l of loaded) {
    if (data) regionChecks(l, data);
    policyChecks(l);
  }
  if (!data && inputs[0])
    extra.push({
      file: inputs[0].file,
      pending: { issue: problemFromText("the AWS SDK's endpoint data was not found (@aws-sdk/core, through @keyless/audit and @aws-sdk/client-iam); regions were not checked"), severity: 'warning', check: 'setup' },
    });
  const bootstraps = loaded.filter((l) => l.bootstrap !== undefined);
  for (const l of loaded.filter((x) => x.model)) for (const b of bootstraps) bootstrapChecks(l, b);

  // Across environments: every model that built, the bootstrap's accounts among them.
  const named: NamedModel[] = [];
  const sources = new Map<string, { file: string; accountKey?: string; infra?: string }>();
  for (const l of loaded) {
    for (const e of l.environments ?? []) {
      named.push(e);
      sources.set(e.source, e.account ? { file: l.input.file, accountKey: e.account.key, infra: l.bootstrap?.infraRepository.name ?? '' } : { file: l.input.file });
    }
  }
  // Two configs of one environment name write stacks of the same names (and state keys, in a shared bucket).
  const environments = new Map<string, string>();
  for (const l of loaded) {
    if (!l.model) continue;
    const first = environments.get(l.model.environment);
    if (first === undefined) environments.set(l.model.environment, l.input.file);
    else
      extra.push({
        file: l.input.file,
        pending: { issue: configProblem(['environment'], l.model.environment, `${first} is the ${l.model.environment} environment too; two configs of one environment write stacks (and state keys) of the same names, so choose another name`), severity: 'error', check: 'cross-environment' },
        involves: focus.has(first),
      });
  }
  // A config that did not build is missing from the rules across environments: what they say is missing (a
  // subject template no config writes) may be in it, so only conflicts between the others are reported.
  const failed = loaded.filter((l) => !l.environments).map((l) => l.input.file);
  for (const file of failed.filter((f) => focus.has(f)))
    extra.push({ file, pending: { issue: problemFromText('the rules across environments leave this config out until its problems are fixed'), severity: 'warning', check: 'cross-environment' } });
  for (const line of crossCheckModels(named)) {
    if (failed.length > 0 && line.includes('that no config writes')) continue;
    const { file, issue } = crossProblem(line, sources);
    // Reported where its path is (the source's file), whenever it involves a focus file.
    extra.push({ file, pending: { issue, severity: 'error', check: 'cross-environment' }, involves: focus.has(file) || [...focus].some((f) => line.includes(f)) });
  }

  const problems: CheckProblem[] = [];
  const texts = new Map(inputs.map((i) => [i.file, i.text]));
  const byFile = new Map<string, Pending[]>();
  for (const l of loaded) if (focus.has(l.input.file)) byFile.set(l.input.file, [...l.pending]);
  for (const e of extra) if (focus.has(e.file) || e.involves) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e.pending]);
  for (const [file, pending] of byFile) {
    const located = locateIssues(texts.get(file) ?? '', pending.map((p) => p.issue));
    located.forEach((issue, i) => {
      const p = pending[i] as Pending;
      problems.push({
        file,
        ...(issue.line !== undefined ? { line: issue.line, column: issue.column ?? 1 } : {}),
        path: formatPath(issue.path),
        severity: p.severity,
        check: p.check,
        message: issue.text,
      });
    });
  }
  problems.sort((a, b) => cmp(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || cmp(a.message, b.message));
  const unique = problems.filter((p, i) => i === 0 || JSON.stringify(p) !== JSON.stringify(problems[i - 1]));
  return {
    files: sorted.map((i) => i.file).filter((f) => focus.has(f)),
    problems: unique,
    errors: unique.filter((p) => p.severity === 'error').length,
    warnings: unique.filter((p) => p.severity === 'warning').length,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One line per problem, `file:line:column: [warning: ]path: value: rule`, then a summary line. */
export function renderCheck(result: CheckResult): string {
  const lines = result.problems.map((p) => `${p.file}${p.line !== undefined ? `:${p.line}:${p.column ?? 1}` : ''}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`);
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const summary = result.problems.length === 0
    ? `keyless check: ${count(result.files.length, 'config')}, no problems`
    : `keyless check: ${count(result.files.length, 'config')}, ${count(result.errors, 'error')}, ${count(result.warnings, 'warning')}`;
  return `${[...lines, summary].join('\n')}\n`;
}

/** The inputs of config files on disk, named relative to `root` by `name`. */
export function readInputs(files: readonly string[], name: (file: string) => string): ConfigInput[] {
  return files.filter((f) => existsSync(f)).map((file) => ({ file: name(file), text: readFileSync(file, 'utf8') }));
}
