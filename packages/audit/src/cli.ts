/**
 * The `keyless audit`, `migrate`, `migrate-workflow` and `import` commands. The CLI package dispatches here;
 * everything about the commands lives in this package.
 *
 * Exit codes: audit 1 when anything critical or high was found; migrate-workflow 1 when a file needs changes
 * (`--check`) or still needs a person's change; import 1 on a role it must not adopt; every command 2 on bad
 * input, with a message naming the file and what is wrong, never a stack trace.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '@keyless/policy';
import { auditExitCode, auditJson, runAudit } from './audit.js';
import { AuditInputError } from './errors.js';
import type { IamInventory } from './iam.js';
import type { CredentialReport } from './credential-report.js';
import { IMPORT_FILE, findStacks, importFileJson, planImports } from './import.js';
import { loadCredentialReportFile, loadIamFile, loadWorkflowFolders, readJson, readText } from './inputs.js';
import { LiveReadError, collectAws, collectGithub, type AwsLiveOptions, type GithubLiveOptions } from './live.js';
import { draftConfig, parseAuditJson } from './migrate.js';
import { compositeKeyInputs, isCompositeActionText, rewriteCompositeAction } from './migrate-composite.js';
import { rewriteWorkflow, type WorkflowRewrite } from './migrate-workflow.js';
import { unifiedDiff } from './diff.js';
import { renderAudit, type SecretInventoryEntry } from './render.js';
import { scanRepository, type RepositoryFiles } from './workflows.js';

export const AUDIT_COMMANDS: readonly string[] = ['audit', 'migrate', 'migrate-workflow', 'import'];

export const AUDIT_USAGE = `  keyless audit --iam FILE [--credential-report FILE] [--workflows DIR|OWNER/REPO=PATH]... [--json] [--out FILE]
  keyless audit --aws [--github-org ORG] [--workflows ...] [--json] [--out FILE]
      risky roles that trust GitHub, every user with an active access key, and the workflows that use keys
      (exit 1 when anything critical or high is found; --as-of DATE measures key ages from DATE)
  keyless migrate --from-audit AUDIT.json --owner ORG [--config access.yaml] [--out FILE]
      draft config entries: one role per repository that uses a key, with the key's permissions
  keyless migrate-workflow FILE... [--check] [--role-variable NAME]
      rewrite workflows (and composite actions) from access keys to role-to-assume (--check: print the diff, exit 1 if needed)
  keyless import --stack DIR|FILE (--iam FILE | --aws) [--out FILE|-]
      Terraform import blocks that adopt existing GitHub roles the config describes`;

export interface AuditCommandContext {
  readonly cwd: string;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Environment for live mode (tokens, endpoints); defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Test hooks and overrides for live mode. */
  readonly live?: { readonly aws?: Partial<AwsLiveOptions>; readonly github?: Partial<Omit<GithubLiveOptions, 'org'>> };
}

class UsageError extends Error {}

/** Runs one of the commands; returns the exit code. */
export async function runAuditCommand(command: string, args: readonly string[], context: AuditCommandContext): Promise<number> {
  const out = context.stdout ?? ((t: string) => process.stdout.write(t));
  const err = context.stderr ?? ((t: string) => process.stderr.write(t));
  try {
    switch (command) {
      case 'audit':
        return await audit(args, context, out, err);
      case 'migrate':
        return migrate(args, context, out, err);
      case 'migrate-workflow':
        return migrateWorkflow(args, context, out, err);
      case 'import':
        return await importCommand(args, context, out, err);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (error as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      err(`keyless ${command}: ${(error as Error).message}\nusage:\n${AUDIT_USAGE}\n`);
      return 2;
    }
    if (error instanceof AuditInputError || error instanceof LiveReadError) {
      // Paths as the user gave them: relative to where the command runs.
      err(`keyless ${command}: ${error.message.split(`${context.cwd}${sep}`).join('')}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      err(`keyless ${command}: ${error.message}\nnothing was written\n`);
      return 1;
    }
    err(`keyless ${command}: unexpected error: ${(error as Error).message}\n`);
    return 2;
  }
}

function at(context: AuditCommandContext, path: string): string {
  return isAbsolute(path) ? path : resolve(context.cwd, path);
}

function shown(context: AuditCommandContext, path: string): string {
  const r = relative(context.cwd, path);
  return r && !r.startsWith('..') ? r : path;
}

function asOfDate(value: string | undefined, fallback: Date): Date {
  if (value === undefined) return fallback;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new AuditInputError('--as-of', `${JSON.stringify(value)} is not a date (YYYY-MM-DD)`);
  return new Date(t);
}

function liveHooks(_context: AuditCommandContext, err: (t: string) => void): { progress: (line: string) => void } {
  return { progress: (line: string) => err(`${line}\n`) };
}

async function audit(args: readonly string[], context: AuditCommandContext, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      iam: { type: 'string' },
      'credential-report': { type: 'string' },
      workflows: { type: 'string', multiple: true },
      aws: { type: 'boolean', default: false },
      'github-org': { type: 'string' },
      'github-api-url': { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      'as-of': { type: 'string' },
    },
  });
  if ((values.iam === undefined) === !values.aws) throw new UsageError('give exactly one of --iam FILE and --aws');
  if (values.aws && values['credential-report'] !== undefined) throw new UsageError('--credential-report goes with --iam; --aws reads the report itself');
  if (values['github-org'] === undefined && values['github-api-url'] !== undefined) throw new UsageError('--github-api-url goes with --github-org');
  const env = context.env ?? process.env;

  let iam: IamInventory;
  let credentialReport: CredentialReport | undefined;
  if (values.iam !== undefined) {
    iam = loadIamFile(at(context, values.iam));
    if (values['credential-report'] !== undefined) credentialReport = loadCredentialReportFile(at(context, values['credential-report']));
  } else {
    const endpoint = env['AWS_ENDPOINT_URL_IAM'] ?? env['AWS_ENDPOINT_URL'];
    const data = await collectAws({ ...liveHooks(context, err), ...(endpoint ? { endpoint } : {}), ...context.live?.aws });
    iam = data.iam;
    credentialReport = data.credentialReport;
  }

  const repositories: RepositoryFiles[] = values.workflows ? loadWorkflowFolders(values.workflows.map((w) => (w.includes('=') ? w.replace(/=(.*)$/, (_m, p: string) => `=${at(context, p)}`) : at(context, w)))) : [];
  let secretInventory: SecretInventoryEntry[] | undefined;
  if (values['github-org'] !== undefined) {
    const token = env['GITHUB_TOKEN'] ?? env['GH_TOKEN'];
    const baseUrl = values['github-api-url'] ?? env['GITHUB_API_URL'];
    const data = await collectGithub({ org: values['github-org'], ...liveHooks(context, err), ...(token ? { token } : {}), ...(baseUrl ? { baseUrl } : {}), ...context.live?.github });
    const known = new Set(repositories.map((r) => r.repository.toLowerCase()));
    repositories.push(...data.repositories.filter((r) => !known.has(r.repository.toLowerCase())));
    secretInventory = data.secretInventory;
  }

  const scans = repositories.flatMap(scanRepository);
  const unreadable = scans.filter((s) => s.problem !== undefined);
  for (const u of unreadable) err(`warning: ${u.repository}:${u.file}: ${u.problem ?? ''}; skipped\n`);
  const asOf = asOfDate(values['as-of'], credentialReport?.generatedTime ? new Date(credentialReport.generatedTime) : new Date());
  const report = runAudit({ iam, ...(credentialReport ? { credentialReport } : {}), workflows: scans, asOf });
  const text = values.json
    ? auditJson(report)
    : renderAudit(report, { asOf, unreadable, ...(secretInventory ? { secretInventory } : {}), credentialReportMissing: credentialReport === undefined });
  if (values.out !== undefined) {
    const file = at(context, values.out);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    err(`wrote ${shown(context, file)}\n`);
  } else out(text);
  return auditExitCode(report, asOf);
}

function migrate(args: readonly string[], context: AuditCommandContext, out: (t: string) => void, err: (t: string) => void): number {
  const { values } = parseArgs({
    args: [...args],
    options: {
      'from-audit': { type: 'string' },
      owner: { type: 'string' },
      config: { type: 'string' },
      environment: { type: 'string' },
      'account-id': { type: 'string' },
      region: { type: 'string' },
      'role-key': { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values['from-audit'] === undefined) throw new UsageError('--from-audit AUDIT.json is required (the output of keyless audit --json)');
  if (values.owner === undefined) throw new UsageError('--owner ORG is required');
  const auditFile = at(context, values['from-audit']);
  const report = parseAuditJson(readJson(auditFile), shown(context, auditFile));
  const configFile = values.config !== undefined ? at(context, values.config) : undefined;
  const result = draftConfig(report, {
    owner: values.owner,
    ...(configFile ? { config: { text: readText(configFile), source: shown(context, configFile) } } : {}),
    ...(values.environment !== undefined ? { environment: values.environment } : {}),
    ...(values['account-id'] !== undefined ? { accountId: values['account-id'] } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values['role-key'] !== undefined ? { roleKey: values['role-key'] } : {}),
  });
  for (const note of result.notes) err(`note: ${note}\n`);
  if (values.out !== undefined) {
    const file = at(context, values.out);
    writeFileSync(file, result.yaml);
    err(`wrote ${shown(context, file)}: ${result.repositories.length} repositories (${result.repositories.join(', ') || 'none'}); it synthesizes, review its comments\n`);
  } else out(result.yaml);
  return 0;
}

/** The repository root of a file under `.github/`, or undefined. */
function repositoryRoot(file: string): string | undefined {
  const m = /^(.*?)[/\\]\.github[/\\](?:workflows|actions)[/\\]/.exec(file);
  return m ? m[1] || '/' : undefined;
}

function migrateWorkflow(args: readonly string[], context: AuditCommandContext, out: (t: string) => void, err: (t: string) => void): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      check: { type: 'boolean', default: false },
      'role-variable': { type: 'string' },
      'region-variable': { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('name at least one workflow file');
  const files = positionals.map((p) => at(context, p));
  const texts = new Map(files.map((f) => [f, readText(f)]));
  const composites = new Set(files.filter((f) => isCompositeActionText(texts.get(f) as string)));

  const results: { file: string; rewrite: WorkflowRewrite }[] = [];
  for (const file of files) {
    const text = texts.get(file) as string;
    let rewrite: WorkflowRewrite;
    try {
      if (composites.has(file)) rewrite = rewriteCompositeAction(text);
      else {
        const root = repositoryRoot(file);
        const localActions = new Map<string, { keyInputs: string[]; migrated: boolean }>();
        const actionsDir = root !== undefined ? join(root, '.github', 'actions') : undefined;
        if (actionsDir && existsSync(actionsDir)) {
          for (const name of readdirSync(actionsDir)) {
            for (const f of ['action.yml', 'action.yaml']) {
              const path = join(actionsDir, name, f);
              if (!existsSync(path)) continue;
              const info = compositeKeyInputs(texts.get(path) ?? readText(path));
              localActions.set(`.github/actions/${name}`, { keyInputs: info.keyInputs, migrated: info.migrated || composites.has(path) });
              break;
            }
          }
        }
        rewrite = rewriteWorkflow(text, {
          localActions,
          ...(values['role-variable'] !== undefined ? { roleVariable: values['role-variable'] } : {}),
          ...(values['region-variable'] !== undefined ? { regionVariable: values['region-variable'] } : {}),
        });
      }
    } catch (error) {
      throw new AuditInputError(shown(context, file), (error as Error).message);
    }
    results.push({ file, rewrite });
  }

  let needed = false;
  for (const { file, rewrite } of results) {
    const name = shown(context, file);
    const changed = rewrite.after !== rewrite.before;
    if (changed || rewrite.manual.length > 0) needed = true;
    if (values.check) {
      if (changed) out(unifiedDiff(rewrite.before, rewrite.after, `a/${name}`, `b/${name}`));
    } else if (changed) {
      writeFileSync(file, rewrite.after);
    }
    if (changed) err(`${name}: ${values.check ? 'would change' : 'changed'}:\n${rewrite.changes.map((c) => `  - ${c}\n`).join('')}`);
    else if (rewrite.manual.length === 0) err(`${name}: uses no access key\n`);
    for (const m of rewrite.manual) err(`${name}: change by hand: ${m}\n`);
  }
  if (values.check) return needed ? 1 : 0;
  return results.some((r) => r.rewrite.manual.length > 0) ? 1 : 0;
}

async function importCommand(args: readonly string[], context: AuditCommandContext, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      stack: { type: 'string', multiple: true },
      iam: { type: 'string' },
      aws: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  if (!values.stack || values.stack.length === 0) throw new UsageError('--stack DIR|FILE is required (cdktf.out, a stack directory, or its cdk.tf.json)');
  if ((values.iam === undefined) === !values.aws) throw new UsageError('give exactly one of --iam FILE and --aws');
  const stacks = values.stack.flatMap((s) => findStacks(at(context, s)));
  if (values.out !== undefined && values.out !== '-' && stacks.length !== 1) throw new UsageError(`--out names one file, but ${stacks.length} stacks were found; leave it out to write ${IMPORT_FILE} beside each`);
  let iam: IamInventory;
  if (values.iam !== undefined) iam = loadIamFile(at(context, values.iam));
  else {
    const env = context.env ?? process.env;
    const endpoint = env['AWS_ENDPOINT_URL_IAM'] ?? env['AWS_ENDPOINT_URL'];
    iam = (await collectAws({ ...liveHooks(context, err), ...(endpoint ? { endpoint } : {}), credentialReport: false, ...context.live?.aws })).iam;
  }
  const plans = stacks.map((s) => planImports({ ...s, source: shown(context, s.source) }, iam));
  const conflicts = plans.flatMap((p) => p.conflicts.map((c) => `${p.source}: ${c}`));
  for (const p of plans) for (const w of p.warnings) err(`warning: ${p.source}: ${w}\n`);
  if (conflicts.length > 0) {
    for (const c of conflicts) err(`keyless import: ${c}\n`);
    err('nothing was written\n');
    return 1;
  }
  for (const p of plans) {
    const text = importFileJson(p);
    if (values.out === '-') out(text);
    else {
      const file = values.out !== undefined ? at(context, values.out) : join(p.dir, IMPORT_FILE);
      writeFileSync(file, text);
      err(`${p.source}: ${p.blocks.length} import block(s) in ${shown(context, file)}\n`);
    }
  }
  return 0;
}
