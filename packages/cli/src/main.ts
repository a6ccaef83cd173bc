import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ConfigError, accessReport, didYouMean, explainToken, iamDataVersion, managedPolicyDataVersion, renderAccessReport, renderTokenVerdicts } from '@keyless/policy';
import type { TokenClaims } from '@keyless/policy';
import { dirname, join, relative, resolve } from 'node:path';
import { synthFast } from '@keyless/constructs/fast';
import { awsEndpointData } from './aws-regions.js';
import { checkConfigs, readInputs, renderCheck } from './check.js';
import { appNames, findWorkspaceRoot, loadEnvironments, resolveConfigFiles } from './discover.js';
import { DEFAULT_WIDTH, renderAccessReportFitted, wrapText } from './explain-format.js';
import { runInit } from './init.js';
import { UsageError, checkClaims, readTokenClaims } from './token-input.js';
import type { TokenSources } from './token-input.js';

const USAGE = `usage:
  keyless init [--env ENV --owner OWNER [--owner-id ID] --account ACCOUNT --region REGION
               --repository REPO [--repository-id ID] [--branch BRANCH]]
      a starter environment, apps/ENV/ (access.yaml and the app around it), from these flags or, in a
      terminal, from answers to questions; checked before anything is written, never over an existing file
  keyless check [APP|DIR|FILE ...] [--json]
      every offline check, each problem at file:line:column: the schema and every rule of synth, rules across
      environments, regions and partitions (the AWS SDK's endpoint data), condition operators of inline
      policies, and consistency with the bootstrap config (exit 1 on any error; warnings do not fail)
  keyless explain [APP|DIR|FILE ...] [--json] [--wide]
      who can assume every role, what it may do, and its risk flags (--wide: one table line per role,
      as wide as it takes; the default fits ${DEFAULT_WIDTH} columns)
  keyless explain [APP ...] --token '{"sub":"repo:OWNER/REPO:ref:refs/heads/main","aud":"sts.amazonaws.com"}' [--json]
  keyless explain [APP ...] --token JWT|@FILE|- [--json]
  keyless explain [APP ...] --sub SUB [--aud AUD] [--iss ISS] [--json]
      which roles accept a token with these claims, and why the others refuse it
      (aud defaults to the config's audience, iss to the config's issuer; --sub/--aud/--iss override --token)
      --token takes the claims as JSON, a raw JWT (header.payload.signature), @FILE holding either, or -
      to read either from standard input. A JWT's payload is decoded here; its signature is not verified,
      and the token is never sent anywhere or printed back.
  keyless synth [APP|DIR|FILE ...] [--out DIR]
      the fast synthesizer: the same Terraform JSON as cdktf synth, for thousands of repositories
      (default output: apps/<app>/cdktf.out; --out only with one config)
  keyless audit --iam FILE [--credential-report FILE] [--workflows DIR|OWNER/REPO=PATH]... [--json] [--out FILE]
  keyless audit --aws [--github-org ORG] [--json] [--out FILE]
      existing roles that trust GitHub checked against keyless' rules, every user with an active access key,
      and the workflows that use keys (exit 1 when anything critical or high is found, 2 on bad input)
  keyless migrate --from-audit AUDIT.json --owner ORG [--config access.yaml] [--out FILE]
      draft config entries: one role per repository that uses a key, with the key's permissions
  keyless migrate-workflow FILE... [--check] [--role-variable NAME]
      rewrite workflows from access keys to role-to-assume (--check: print the diff, exit 1 if needed)
  keyless import --stack DIR|FILE (--iam FILE | --aws) [--out FILE|-]
      Terraform import blocks that adopt the existing GitHub roles the config describes
      (docs/migration-from-access-keys.md walks through all four)

APP is a directory name under apps/ (dev, prod, bootstrap); no APP means every app.
keyless --version prints the version and the datasets the checks read.

exit codes:
  0  done; for check: no errors (warnings may be printed); for explain with a token: a role accepts it
  1  a config breaks a rule (every problem on its own line, file:line:column first; nothing is written),
     init would overwrite a file, or keyless failed (one line; KEYLESS_DEBUG=1 prints the stack trace)
  2  usage: an unknown command or option, an app that does not exist, a missing init answer without a
     terminal, or token input that is not a token
  3  explain with a token: no role accepts it`;

export interface MainContext {
  readonly cwd: string;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Reads standard input, for `--token -`. @default - the process's standard input */
  readonly stdin?: () => string;
  /**
   * Asks a question and returns the answer, for `keyless init` without flags.
   * @default - a question on stderr and an answer from stdin when stdin is a terminal; none otherwise
   */
  readonly prompt?: (question: string) => Promise<string>;
}

/**
 * Runs the command line; returns the exit code (0 ok, 1 bad config or failure, 2 usage, 3 token accepted by no
 * role). Never throws: an unexpected error is one line on stderr and exit code 1.
 */
export async function main(argv: readonly string[], context: MainContext): Promise<number> {
  const err = context.stderr ?? ((t: string) => process.stderr.write(t));
  try {
    return await run(argv, context);
  } catch (error) {
    if (error instanceof ConfigError) {
      err(`${error.message}\n`);
      return 1;
    }
    if (error instanceof UsageError) {
      err(`${error.message}\n`);
      return 2;
    }
    err(`keyless: ${oneLine(error)}${process.env['KEYLESS_DEBUG'] ? `\n${(error as Error).stack ?? ''}` : ' (KEYLESS_DEBUG=1 prints the stack trace)'}\n`);
    return 1;
  }
}

/** An error as one line of text. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, '; ').trim() || 'unknown error';
}

async function run(argv: readonly string[], context: MainContext): Promise<number> {
  // The audit commands live in @keyless/audit, loaded only when used (it brings the AWS SDK and Octokit).
  if (['audit', 'migrate', 'migrate-workflow', 'import'].includes(argv[0] ?? '')) return (await import('@keyless/audit')).runAuditCommand(argv[0] as string, argv.slice(1), context);
  const out = context.stdout ?? ((t: string) => process.stdout.write(t));
  const err = context.stderr ?? ((t: string) => process.stderr.write(t));
  // biome-ignore lint/suspicious/noImplicitAnyLet: TypeScript types it from the one assignment below (parseArgs' result)
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        token: { type: 'string' },
        sub: { type: 'string' },
        aud: { type: 'string' },
        iss: { type: 'string' },
        out: { type: 'string' },
        wide: { type: 'boolean', default: false },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        // keyless init
        env: { type: 'string' },
        owner: { type: 'string' },
        'owner-id': { type: 'string' },
        account: { type: 'string' },
        region: { type: 'string' },
        repository: { type: 'string' },
        'repository-id': { type: 'string' },
        branch: { type: 'string' },
      },
    });
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command, ...names] = parsed.positionals;
  if (parsed.values.version) {
    out(versionText());
    return 0;
  }
  if (parsed.values.help || command === undefined) {
    out(`${USAGE}\n`);
    return command === undefined && !parsed.values.help ? 2 : 0;
  }
  const initFlag = (['env', 'owner', 'owner-id', 'account', 'region', 'repository', 'repository-id', 'branch'] as const).find((f) => parsed.values[f] !== undefined);
  if (initFlag !== undefined && command !== 'init') throw new UsageError(`--${initFlag}: an option of keyless init, not of ${command}`);
  if (command === 'synth') return synth(names, parsed.values.out, context.cwd, out, err);
  if (command === 'check') return check(names, parsed.values.json, context.cwd, out, err);
  if (command === 'init') {
    if (names.length > 0) throw new UsageError(`keyless init takes no APP; name the environment with --env ${names[0]}`);
    const v = parsed.values;
    const flags = {
      ...(v.env !== undefined ? { env: v.env } : {}),
      ...(v.owner !== undefined ? { owner: v.owner } : {}),
      ...(v['owner-id'] !== undefined ? { ownerId: v['owner-id'] } : {}),
      ...(v.account !== undefined ? { account: v.account } : {}),
      ...(v.region !== undefined ? { region: v.region } : {}),
      ...(v.repository !== undefined ? { repository: v.repository } : {}),
      ...(v['repository-id'] !== undefined ? { repositoryId: v['repository-id'] } : {}),
      ...(v.branch !== undefined ? { branch: v.branch } : {}),
    };
    const prompt = context.prompt ?? terminalPrompt();
    return runInit(flags, { cwd: context.cwd, out, err, ...(prompt ? { prompt } : {}) });
  }
  if (command !== 'explain') {
    const hint = didYouMean(command, ['explain', 'check', 'init', 'synth', 'audit', 'migrate', 'migrate-workflow', 'import']);
    err(`unknown command "${command}"${hint ? `; ${hint}` : ''}\n${USAGE}\n`);
    return 2;
  }

  let claims: Partial<TokenClaims> | undefined;
  try {
    claims = tokenClaims(parsed.values, {
      readFile: (path) => readFileSync(resolve(context.cwd, path), 'utf8'),
      readStdin: context.stdin ?? (() => readFileSync(0, 'utf8')),
    });
  } catch (error) {
    err(`${(error as Error).message}\n`);
    return 2;
  }

  let files: string[];
  try {
    files = resolveConfigFiles(names, context.cwd);
  } catch (error) {
    err(`${(error as Error).message}\n`);
    return 2;
  }
  // A ConfigError (exit 1, every problem) or anything unexpected (one line, exit 1) is reported by main().
  const environments = loadEnvironments(files, context.cwd);

  const wide = parsed.values.wide;
  if (claims === undefined) {
    const reports = environments.map((e) => ({ source: e.source, ...accessReport(e.model) }));
    out(parsed.values.json ? `${JSON.stringify(reports, null, 2)}\n` : wide ? renderAccessReport(reports) : renderAccessReportFitted(reports));
    return 0;
  }
  const verdicts = environments.flatMap((e) => explainToken(e.model, claims));
  const text = renderTokenVerdicts(claims, verdicts);
  out(parsed.values.json ? `${JSON.stringify({ claims, verdicts }, null, 2)}\n` : `${wide ? text : wrapText(text, DEFAULT_WIDTH)}\n`);
  return verdicts.some((v) => v.allowed) ? 0 : 3;
}

/** `keyless --version`: this package's version, then the datasets whose versions change what the checks say. */
function versionText(): string {
  const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  const endpoints = awsEndpointData();
  return [
    `keyless ${own.version ?? '(unknown version)'}`,
    `IAM actions and access levels: ${iamDataVersion()}`,
    `AWS managed policies: ${managedPolicyDataVersion()}`,
    `AWS regions and partitions: ${endpoints ? endpoints.source : 'not found (keyless check does not check regions)'}`,
    '',
  ].join('\n');
}

/** Questions on stderr, answers from stdin, when stdin is a terminal. */
function terminalPrompt(): ((question: string) => Promise<string>) | undefined {
  if (!process.stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}

/** The config files the user named (resolveConfigFiles), or undefined once it has said why they cannot be found. */
function namedConfigFiles(names: readonly string[], cwd: string, err: (t: string) => void): string[] | undefined {
  try {
    return resolveConfigFiles(names, cwd);
  } catch (error) {
    err(`${(error as Error).message}\n`);
    return undefined;
  }
}

/**
 * `keyless check`: the named configs (default every app), beside every other config of the workspace (the
 * environments they must live with), each problem at file:line:column.
 */
function check(names: readonly string[], json: boolean, cwd: string, out: (t: string) => void, err: (t: string) => void): number {
  const files = namedConfigFiles(names, cwd, err);
  if (files === undefined) return 2;
  const root = findWorkspaceRoot(cwd);
  const name = (file: string): string => (relative(root, file) || file).split('\\').join('/');
  const focus = readInputs(files, name);
  const focusNames = new Set(focus.map((i) => i.file));
  const context = readInputs(
    appNames(root).flatMap((app) => ['access.yaml', 'bootstrap.yaml'].map((f) => join(root, 'apps', app, f))),
    name,
  ).filter((i) => !focusNames.has(i.file));
  const result = checkConfigs([...focus, ...context], { focus: focus.map((i) => i.file) });
  out(json ? `${JSON.stringify({ ok: result.errors === 0, ...result }, null, 2)}\n` : renderCheck(result));
  return result.errors > 0 ? 1 : 0;
}

/** The claims to explain: `--token` (JSON, JWT, @FILE or -), overridden claim by claim by --sub, --aud and --iss. */
function tokenClaims(values: { token?: string; sub?: string; aud?: string; iss?: string }, sources: TokenSources): Partial<TokenClaims> | undefined {
  let claims: Record<string, unknown> | undefined = values.token !== undefined ? { ...readTokenClaims(values.token, sources) } : undefined;
  for (const key of ['sub', 'aud', 'iss'] as const) {
    const value = values[key];
    if (value === undefined) continue;
    if (value.trim() === '') throw new UsageError(`--${key}: empty; give the ${key} claim's value`);
    claims = { ...(claims ?? {}), [key]: value };
  }
  if (claims === undefined) return undefined;
  if (claims['sub'] === undefined) throw new UsageError('--token/--sub: the sub claim is required');
  return checkClaims(claims, values.token !== undefined ? '--token' : '--sub');
}

function synth(names: readonly string[], outdir: string | undefined, cwd: string, out: (t: string) => void, err: (t: string) => void): number {
  const files = namedConfigFiles(names, cwd, err);
  if (files === undefined) return 2;
  if (outdir !== undefined && files.length !== 1) {
    err(`--out: names one output directory, but ${files.length} configs were given\n`);
    return 2;
  }
  const root = findWorkspaceRoot(cwd);
  for (const file of files) {
    const started = performance.now();
    try {
      const result = synthFast({ configFile: file, outdir: outdir ?? join(dirname(file), 'cdktf.out') });
      const ms = Math.round(performance.now() - started);
      out(`${relative(root, file)}: ${result.stacks.length} stack(s) in ${relative(cwd, result.outdir) || '.'} (${ms} ms): ${result.stacks.join(', ')}\n`);
    } catch (error) {
      if (error instanceof ConfigError) {
        err(`${error.message}\nnothing was synthesized\n`);
        return 1;
      }
      throw error;
    }
  }
  return 0;
}
