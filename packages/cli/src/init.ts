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
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { formatPath, loadConfigText, loadYaml } from '@keyless/policy';
import type { BootstrapAccountModel } from '@keyless/policy';
import { checkConfigs } from './check.js';
import type { CheckProblem, ConfigInput } from './check.js';
import { appNames, findWorkspaceRoot } from './discover.js';
import { UsageError } from './token-input.js';

/** The answers init needs; the ids are optional (with both, subjects are immutable). */
export interface InitAnswers {
  readonly env: string;
  readonly owner: string;
  readonly ownerId?: number;
  readonly account: string;
  readonly region: string;
  readonly repository: string;
  readonly repositoryId?: number;
  readonly branch: string;
}

interface Field {
  readonly key: keyof InitAnswers;
  readonly flag: string;
  readonly question: string;
  readonly required: boolean;
  readonly numeric?: boolean;
  /** The config path of the answer, for its problems. */
  readonly path: (a: InitAnswers) => readonly (string | number)[];
}

export const INIT_FIELDS: readonly Field[] = [
  { key: 'env', flag: '--env', question: 'environment name (lowercase, such as staging)', required: true, path: () => ['environment'] },
  { key: 'owner', flag: '--owner', question: 'GitHub organisation or user that owns the repositories', required: true, path: () => ['github', 'owner'] },
  { key: 'ownerId', flag: '--owner-id', question: "its numeric id (gh api orgs/OWNER --jq .id; empty to skip)", required: false, numeric: true, path: () => ['github', 'ownerId'] },
  { key: 'account', flag: '--account', question: 'AWS account id (12 digits)', required: true, path: () => ['aws', 'accountId'] },
  { key: 'region', flag: '--region', question: 'AWS region (such as eu-west-1)', required: true, path: () => ['aws', 'region'] },
  { key: 'repository', flag: '--repository', question: 'first repository (name only)', required: true, path: (a) => ['repositories', a.repository] },
  { key: 'repositoryId', flag: '--repository-id', question: "its numeric id (gh api repos/OWNER/REPO --jq .id; empty to skip)", required: false, numeric: true, path: (a) => ['repositories', a.repository, 'id'] },
  { key: 'branch', flag: '--branch', question: 'branch whose jobs may assume the role', required: false, path: (a) => ['repositories', a.repository, 'roles', 'deploy', 'trust', 'branches', 0] },
];

const DEFAULT_BRANCH = 'main';

/** What the bootstrap config of the workspace says about the account, when it holds it. */
interface BootstrapFacts {
  readonly file: string;
  readonly owner: string;
  readonly ownerId?: number;
  readonly account?: BootstrapAccountModel;
}

function yamlString(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|~)$/i.test(value) && !/^[0-9.]+$/.test(value) ? value : JSON.stringify(value);
}

/** The access config's text. */
export function accessConfigText(a: InitAnswers, bootstrap: BootstrapFacts | undefined, schemaPath: string | undefined): string {
  const account = bootstrap?.account;
  const lines = [
    ...(schemaPath ? [`# yaml-language-server: $schema=${schemaPath}`] : []),
    `# Access config of the ${a.env} environment (AWS account ${a.account}), written by keyless init.`,
    '# Each repository lists the roles it gets here, who may assume each (trust) and what each may do.',
    `# Check it with \`pnpm keyless check ${a.env}\`; docs/cli.md and docs/access-config.md describe every key.`,
    `environment: ${yamlString(a.env)}`,
    'aws:',
    `  accountId: ${JSON.stringify(a.account)}`,
    `  region: ${yamlString(a.region)}`,
  ];
  if (account) {
    lines.push(
      `  # The bootstrap stack (${bootstrap.file}) creates the account's GitHub OIDC provider; an account holds one per issuer.`,
      '  oidcProvider:',
      `    existingArn: ${account.model.aws.oidcProviderArn}`,
      `# Terraform state: the bucket the bootstrap stack creates in this account (S3 lock files, no DynamoDB).`,
      'state:',
      `  bucket: ${account.account.stateBucket}`,
      ...(account.account.access.aws.region !== a.region ? [`  region: ${account.account.access.aws.region}`] : []),
    );
  }
  lines.push('github:', `  owner: ${yamlString(a.owner)}`, ...(a.ownerId !== undefined ? [`  ownerId: ${a.ownerId}`] : []));
  if (account)
    lines.push(
      'defaults:',
      "  # Every role carries the boundary the bootstrap stack creates: the pipeline's apply role creates no role without it.",
      `  permissionsBoundaryArn: ${account.account.boundaryPolicy.arn}`,
    );
  lines.push(
    '',
    'repositories:',
    `  ${yamlString(a.repository)}:`,
    ...(a.repositoryId !== undefined ? [`    id: ${a.repositoryId}`] : []),
    '    roles:',
    `      # Jobs on the ${a.branch} branch of ${a.owner}/${a.repository} may assume this role. Its ARN is the repository`,
    '      # variable AWS_ROLE_ARN: role-to-assume: ${{ vars.AWS_ROLE_ARN }} in aws-actions/configure-aws-credentials.',
    '      deploy:',
    '        trust:',
    `          branches: [${yamlString(a.branch)}]`,
    '        # What the role may do: AWS managed policies, customer managed policies of this account, or inline',
    '        # policies. It may do nothing until you add some, for example:',
    '        # managedPolicyArns:',
    '        #   - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    '        # inlinePolicies:',
    '        #   site-bucket:',
    '        #     Statement:',
    '        #       - Effect: Allow',
    '        #         Action: [s3:PutObject]',
    `        #         Resource: arn:aws:s3:::${a.repository.toLowerCase()}-${a.env}/*`,
    '',
  );
  return lines.join('\n');
}

/** What the config must read back as: the answers, nothing more or less. */
function expectedData(a: InitAnswers, bootstrap: BootstrapFacts | undefined): unknown {
  const account = bootstrap?.account;
  return {
    environment: a.env,
    aws: { accountId: a.account, region: a.region, ...(account ? { oidcProvider: { existingArn: account.model.aws.oidcProviderArn } } : {}) },
    ...(account ? { state: { bucket: account.account.stateBucket, ...(account.account.access.aws.region !== a.region ? { region: account.account.access.aws.region } : {}) } } : {}),
    github: { owner: a.owner, ...(a.ownerId !== undefined ? { ownerId: a.ownerId } : {}) },
    ...(account ? { defaults: { permissionsBoundaryArn: account.account.boundaryPolicy.arn } } : {}),
    repositories: { [a.repository]: { ...(a.repositoryId !== undefined ? { id: a.repositoryId } : {}), roles: { deploy: { trust: { branches: [a.branch] } } } } },
  };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v));
}

/** The app whose files the new one copies: the workspace's dev app, else its first app with an access config. */
function templateApp(root: string): string | undefined {
  const apps = appNames(root).filter((name) => existsSync(join(root, 'apps', name, 'access.yaml')) && existsSync(join(root, 'apps', name, 'package.json')));
  return apps.includes('dev') ? 'dev' : apps[0];
}

/** The app's files besides access.yaml, by path relative to the app directory. */
function appFiles(root: string, env: string): Map<string, string> {
  const files = new Map<string, string>();
  const template = templateApp(root);
  if (template !== undefined) {
    const dir = join(root, 'apps', template);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    files.set('package.json', `${JSON.stringify({ ...pkg, name: `@keyless/app-${env}` }, null, 2)}\n`);
    if (existsSync(join(dir, 'cdktf.json'))) {
      const cdktf = JSON.parse(readFileSync(join(dir, 'cdktf.json'), 'utf8')) as Record<string, unknown>;
      files.set('cdktf.json', `${JSON.stringify({ ...cdktf, projectId: `keyless-${env}` }, null, 2)}\n`);
    }
    for (const file of ['src/main.ts', 'tsconfig.json', 'vitest.config.ts', 'test/app.test.ts'])
      if (existsSync(join(dir, file))) files.set(file, readFileSync(join(dir, file), 'utf8').replace(`name: '${template}'`, `name: '${env}'`));
    return files;
  }
  // No app to copy: a minimal one that runs with the published packages.
  const constructs = constructsManifest();
  const peers = constructs?.peerDependencies ?? {};
  files.set(
    'package.json',
    `${JSON.stringify(
      {
        name: `@keyless/app-${env}`,
        version: '0.0.0',
        private: true,
        type: 'module',
        scripts: { synth: 'tsx src/main.ts' },
        dependencies: {
          '@keyless/constructs': constructs?.version !== undefined ? constructs.version : 'latest',
          ...Object.fromEntries(Object.entries(peers).sort(([a], [b]) => (a < b ? -1 : 1))),
        },
        devDependencies: { tsx: 'latest', typescript: '5.9.3' },
      },
      null,
      2,
    )}\n`,
  );
  files.set('cdktf.json', `${JSON.stringify({ language: 'typescript', app: 'npx tsx src/main.ts', projectId: `keyless-${env}`, sendCrashReports: 'false', terraformProviders: [], terraformModules: [], context: {} }, null, 2)}\n`);
  files.set('src/main.ts', "import { runApp } from '@keyless/constructs';\n\nrunApp({ configFile: new URL('../access.yaml', import.meta.url) });\n");
  files.set(
    'tsconfig.json',
    existsSync(join(root, 'tsconfig.base.json'))
      ? '{\n  "extends": "../../tsconfig.base.json",\n  "compilerOptions": { "rootDir": ".", "noEmit": true },\n  "include": ["src"]\n}\n'
      : '{\n  "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "noEmit": true },\n  "include": ["src"]\n}\n',
  );
  return files;
}

function constructsManifest(): { version?: string; peerDependencies?: Record<string, string> } | undefined {
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@keyless/constructs');
    let dir = dirname(entry);
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string; peerDependencies?: Record<string, string> };
  } catch {
    return undefined;
  }
}

/**
 * The schema path relative to the app directory: the workspace's copy of @keyless/policy, else the installed one
 * when it is inside the workspace (node_modules); undefined when neither is (a path out of the project would not
 * hold on another machine).
 */
function schemaPathFor(root: string, appDir: string): string | undefined {
  const inWorkspace = join(root, 'packages', 'policy', 'schema', 'access-config.schema.json');
  let schema: string | undefined = existsSync(inWorkspace) ? inWorkspace : undefined;
  if (schema === undefined) {
    try {
      schema = createRequire(join(root, 'package.json')).resolve('@keyless/policy/schema/access-config.schema.json');
    } catch {
      return undefined;
    }
  }
  const fromRoot = relative(root, schema);
  if (fromRoot.startsWith('..') || isAbsolute(fromRoot)) return undefined;
  return relative(appDir, schema).split('\\').join('/');
}

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

/** Writes every file (never over an existing one); on a failure removes what it wrote and rethrows. */
function writeAll(appDir: string, files: ReadonlyMap<string, string>): string[] {
  const createdDirs: string[] = [];
  const written: string[] = [];
  const ensureDir = (dir: string): void => {
    if (existsSync(dir)) return;
    ensureDir(dirname(dir));
    mkdirSync(dir);
    createdDirs.push(dir);
  };
  try {
    for (const [name, content] of files) {
      const path = join(appDir, name);
      ensureDir(dirname(path));
      writeFileSync(path, content, { flag: 'wx' });
      written.push(path);
    }
  } catch (error) {
    for (const path of written.reverse()) unlinkSync(path);
    for (const dir of createdDirs.reverse()) if (readdirSync(dir).length === 0) rmdirSync(dir);
    throw error;
  }
  return written;
}
