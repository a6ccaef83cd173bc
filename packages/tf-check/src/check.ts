/**
 * `terraform validate` and an offline `terraform plan` of the AWS half of a synthesized cdktf stack.
 *
 * Offline means: providers come only from the filesystem mirror found by `findTerraform()`, the AWS
 * provider gets fake static credentials and skips every start-up call (credential validation, account id
 * lookup, IMDS, region validation), and the terraform child processes run with HTTP(S)_PROXY pointing at a
 * closed local port so that nothing can reach the network even on a machine that has one.
 *
 * What works offline: managed AWS resources (planned with `-refresh=false` against an empty local state, or
 * against `options.state` to plan updates, replacements and destroys) and
 * data sources computed inside the provider — aws_iam_policy_document, aws_partition, aws_region, aws_arn,
 * aws_default_tags, aws_service_principal. Data sources that call AWS APIs cannot be read: in particular
 * `aws_caller_identity` calls STS GetCallerIdentity, so keyless apps must NOT use it (they take the
 * account id from their configuration instead). A plan that fails on such a call gets a `hint` saying so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { awsHalf } from './aws-half.js';
import { findTerraform, type TerraformEnvironment } from './find.js';

export interface Diagnostic {
  severity: 'error' | 'warning' | string;
  summary: string;
  detail?: string;
  address?: string;
  range?: { filename: string; start: { line: number; column: number; byte: number }; end: { line: number; column: number; byte: number } };
  [k: string]: unknown;
}

export interface CheckResult {
  validate: { valid: boolean; errorCount: number; warningCount: number; diagnostics: unknown[] };
  plan?: {
    ok: boolean;
    add: number;
    change: number;
    destroy: number;
    planJson?: object;
    /** `terraform show -no-color tfplan`, with `options.planText`. */
    planText?: string;
    stderr: string;
    /** Set when the plan failed for a known offline reason (e.g. a data source that calls AWS). */
    hint?: string;
  };
  /** The directory terraform ran in (already deleted unless keepDir, a caller-provided workDir, or KEYLESS_TF_CHECK_KEEP_DIR=1). */
  workDir: string;
  durationsMs: { init: number; validate: number; plan?: number };
}

export interface CheckOptions {
  /** Also run the offline `terraform plan` (+ `terraform show -json`). Default false. */
  plan?: boolean;
  /** Keep the temporary directory (ignored when workDir is given: a caller's directory is never deleted). */
  keepDir?: boolean;
  /** Run in this directory (created if missing; reusing it skips re-linking providers). */
  workDir?: string;
  /**
   * A Terraform state (format version 4) to plan against instead of an empty one, written to the work
   * directory's `terraform.tfstate` before the plan. The plan still runs with `-refresh=false`, so the state
   * is taken as what exists: this is how updates, replacements and destroys are planned offline.
   */
  state?: object;
  /** Also capture the human-readable plan (`terraform show -no-color tfplan`) in `plan.planText`. Default false. */
  planText?: boolean;
  /**
   * Per-command time limits in ms, for stacks of thousands of resources (the benchmark plans 30,000).
   * Default: init 180 s, validate 180 s, plan 300 s, show 180 s.
   */
  timeoutsMs?: Partial<Record<'init' | 'validate' | 'plan' | 'show', number>>;
}

export const MAIN_FILE = 'cdk.tf.json';
export const OVERRIDE_FILE = 'keyless_offline_override.tf.json';
export const CLI_CONFIG_FILE = 'keyless-offline.tfrc';

/** Data sources the AWS provider computes locally, i.e. that can be read in an offline plan. */
export const OFFLINE_DATA_SOURCES: readonly string[] = [
  'aws_iam_policy_document',
  'aws_partition',
  'aws_region',
  'aws_arn',
  'aws_default_tags',
  'aws_service_principal',
];

/** Provider arguments that would make the provider fetch credentials or need a real account. */
const NULLED_PROVIDER_ARGUMENTS = [
  'token',
  'profile',
  'shared_config_files',
  'shared_credentials_files',
  'allowed_account_ids',
  'forbidden_account_ids',
  'custom_ca_bundle',
  'ec2_metadata_service_endpoint',
  'ec2_metadata_service_endpoint_mode',
] as const;
/** Nested provider blocks that make the provider call STS at configure time; an override cannot remove blocks, so they are stripped from the main file. */
const STRIPPED_PROVIDER_BLOCKS = ['assume_role', 'assume_role_with_web_identity'] as const;

const TIMEOUTS_MS = { init: 180_000, validate: 180_000, plan: 300_000, show: 180_000 };
/** A local port nothing listens on: every HTTP(S) request made by terraform or a provider fails immediately. */
const DEAD_PROXY = 'http://127.0.0.1:9';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function hclString(s: string): string {
  // JSON string escapes are valid HCL; escape template sequences too.
  return JSON.stringify(s).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

/** The terraform CLI configuration used for every command: filesystem mirror only, no checkpoint, no cache. */
export function cliConfig(env: TerraformEnvironment): string {
  return [
    '# Generated by @keyless/tf-check: install providers only from the local mirror, never from the network.',
    'disable_checkpoint = true',
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${hclString(env.pluginDir)}`,
    '    include = ["registry.terraform.io/*/*"]',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Environment for terraform child processes: automation mode, our CLI config, no cache, no AWS credentials, no network. */
export function childEnv(cliConfigPath: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('AWS_')) continue; // no real profiles/credentials/regions leak into the check
    if (k.startsWith('TF_CLI_ARGS')) continue; // no injected flags
    if (/^(https?|no|all)_proxy$/i.test(k)) continue;
    env[k] = v;
  }
  delete env['TF_PLUGIN_CACHE_DIR'];
  delete env['TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE'];
  delete env['TF_DATA_DIR'];
  delete env['TF_WORKSPACE'];
  delete env['TERRAFORM_CONFIG'];
  Object.assign(env, {
    TF_CLI_CONFIG_FILE: cliConfigPath,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
    HTTP_PROXY: DEAD_PROXY,
    HTTPS_PROXY: DEAD_PROXY,
    http_proxy: DEAD_PROXY,
    https_proxy: DEAD_PROXY,
  });
  return env;
}

/**
 * The main file terraform sees: the AWS half, with an explicit aws requirement and provider block (an
 * override file can only modify blocks that exist) and without nested credential blocks (assume_role...).
 */
function prepareMain(half: Obj): { main: Obj; awsProviders: Obj[]; awsSource: string } {
  const main = JSON.parse(JSON.stringify(half)) as Obj;
  const terraform = (isObj(main['terraform']) ? main['terraform'] : (main['terraform'] = {})) as Obj;
  const required = (isObj(terraform['required_providers'])
    ? terraform['required_providers']
    : (terraform['required_providers'] = {})) as Obj;
  const req = required['aws'];
  if (typeof req === 'string') required['aws'] = { source: 'hashicorp/aws', version: req };
  else if (!isObj(req)) required['aws'] = { source: 'hashicorp/aws' };
  const awsReq = required['aws'] as Obj;
  const awsSource = typeof awsReq['source'] === 'string' ? awsReq['source'] : 'hashicorp/aws';

  const providers = (isObj(main['provider']) ? main['provider'] : (main['provider'] = {})) as Obj;
  const raw = providers['aws'];
  const awsProviders = (Array.isArray(raw) ? raw.filter(isObj) : isObj(raw) ? [raw] : []) as Obj[];
  if (awsProviders.length === 0) awsProviders.push({});
  for (const p of awsProviders) for (const b of STRIPPED_PROVIDER_BLOCKS) delete p[b];
  providers['aws'] = awsProviders;
  return { main, awsProviders, awsSource };
}

/** The override file: pin the aws provider to the mirror's version and configure it for offline use. */
export function offlineOverride(awsProviders: Obj[], awsSource: string, awsProviderVersion: string): Obj {
  return {
    '//': 'Generated by @keyless/tf-check: offline provider configuration for validate/plan. Never apply with this.',
    terraform: { required_providers: { aws: { source: awsSource, version: awsProviderVersion } } },
    provider: {
      aws: awsProviders.map((p) => {
        const o: Obj = {};
        if (typeof p['alias'] === 'string') o['alias'] = p['alias'];
        o['region'] = typeof p['region'] === 'string' && p['region'] !== '' ? p['region'] : 'us-east-1';
        o['access_key'] = 'keyless-offline-access-key';
        o['secret_key'] = 'keyless-offline-secret-key';
        for (const a of NULLED_PROVIDER_ARGUMENTS) o[a] = null;
        o['skip_credentials_validation'] = true;
        o['skip_requesting_account_id'] = true;
        o['skip_metadata_api_check'] = true;
        o['skip_region_validation'] = true;
        // Fail fast instead of retrying a call that can never succeed offline (default is 25 retries).
        o['max_retries'] = 1;
        return o;
      }),
    },
  };
}

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function makeRunner(env: TerraformEnvironment, cwd: string, childEnvironment: NodeJS.ProcessEnv) {
  return (args: string[], timeout: number): RunResult => {
    const t0 = performance.now();
    const r = spawnSync(env.terraformBin, args, {
      cwd,
      env: childEnvironment,
      encoding: 'utf8',
      timeout,
      maxBuffer: 512 * 1024 * 1024,
    });
    const ms = Math.round(performance.now() - t0);
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      const what = code === 'ETIMEDOUT' ? `timed out after ${timeout} ms` : r.error.message;
      throw new Error(`tf-check: \`terraform ${args.join(' ')}\` in ${cwd} ${what}\n${r.stderr ?? ''}`);
    }
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms };
  };
}

/** Counts resource_changes of `terraform show -json` the way the plan summary does (replace = add + destroy). */
export function countChanges(planJson: unknown): { add: number; change: number; destroy: number } {
  const counts = { add: 0, change: 0, destroy: 0 };
  const changes = isObj(planJson) && Array.isArray(planJson['resource_changes']) ? planJson['resource_changes'] : [];
  for (const rc of changes) {
    if (!isObj(rc) || rc['mode'] === 'data') continue;
    const actions = isObj(rc['change']) && Array.isArray(rc['change']['actions']) ? (rc['change']['actions'] as unknown[]) : [];
    if (actions.includes('create')) counts.add++;
    if (actions.includes('delete')) counts.destroy++;
    if (actions.includes('update')) counts.change++;
  }
  return counts;
}

function countSeverity(diagnostics: unknown[], severity: string): number {
  return diagnostics.filter((d) => isObj(d) && d['severity'] === severity).length;
}

function dataSourceTypes(stack: Obj): string[] {
  return isObj(stack['data']) ? Object.keys(stack['data']) : [];
}

function offlineHint(stderr: string, stack: Obj): string | undefined {
  const networkish =
    /aws_caller_identity|GetCallerIdentity|\bSTS\b|proxyconnect|dial tcp|no such host|request send failed|exceeded maximum number of attempts|NoCredentialProviders|failed to refresh cached credentials/i;
  if (!networkish.test(stderr)) return undefined;
  const online = dataSourceTypes(stack).filter((t) => !OFFLINE_DATA_SOURCES.includes(t));
  return (
    'The offline plan cannot call AWS APIs. Data sources that read from AWS' +
    (online.length > 0 ? ` (in this stack: ${online.join(', ')})` : '') +
    ' cannot be planned offline — in particular aws_caller_identity (STS GetCallerIdentity) must not be used by keyless ' +
    'apps: take the account id from the configuration and build ARNs from it. Data sources computed locally work: ' +
    `${OFFLINE_DATA_SOURCES.join(', ')}.`
  );
}

function keepDirFromEnv(): boolean {
  const v = process.env['KEYLESS_TF_CHECK_KEEP_DIR'];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Writes the AWS half of `stackJson` (see `awsHalf`) plus `keyless_offline_override.tf.json` and a CLI config
 * to a work directory, then runs `terraform init` (from the mirror only), `terraform validate -json` and,
 * with `options.plan`, `terraform plan -refresh=false -lock=false -out=tfplan` + `terraform show -json tfplan`.
 *
 * Throws if terraform/mirror are missing (reason from findTerraform), if awsHalf throws, or if `terraform init`
 * fails. Validation problems are returned in `validate`; plan failures in `plan.ok === false` with stderr.
 * Synchronous; expect ~5-20 s.
 */
export function checkStack(stackJson: object, options: CheckOptions = {}): CheckResult {
  const found = findTerraform();
  if (!found.ok) throw new Error(`tf-check: ${found.reason}`);
  const env = found.env;
  const half = awsHalf(stackJson) as Obj;
  const { main, awsProviders, awsSource } = prepareMain(half);

  const callerDir = options.workDir !== undefined;
  const workDir = callerDir ? resolve(options.workDir as string) : mkdtempSync(join(tmpdir(), 'keyless-tf-check-'));
  if (callerDir) {
    mkdirSync(workDir, { recursive: true });
    const ours = new Set([MAIN_FILE, OVERRIDE_FILE]);
    const foreign = readdirSync(workDir).filter((f) => /\.tf(\.json)?$/.test(f) && !ours.has(f));
    if (foreign.length > 0) {
      throw new Error(`tf-check: workDir ${workDir} contains other terraform files (${foreign.join(', ')}); use an empty directory`);
    }
  }
  const keep = callerDir || options.keepDir === true || keepDirFromEnv();
  const keepNote = keep ? '' : ' (set KEYLESS_TF_CHECK_KEEP_DIR=1 to keep it)';

  try {
    writeFileSync(join(workDir, MAIN_FILE), `${JSON.stringify(main, null, 2)}\n`);
    writeFileSync(
      join(workDir, OVERRIDE_FILE),
      `${JSON.stringify(offlineOverride(awsProviders, awsSource, env.awsProviderVersion), null, 2)}\n`,
    );
    const cliPath = join(workDir, CLI_CONFIG_FILE);
    writeFileSync(cliPath, cliConfig(env));
    for (const stale of ['tfplan', 'terraform.tfstate', 'terraform.tfstate.backup']) if (existsSync(join(workDir, stale))) rmSync(join(workDir, stale));
    if (options.state !== undefined) writeFileSync(join(workDir, 'terraform.tfstate'), `${JSON.stringify(options.state, null, 2)}\n`);

    const run = makeRunner(env, workDir, childEnv(cliPath));
    const timeouts = { ...TIMEOUTS_MS, ...options.timeoutsMs };

    const init = run(['init', '-input=false', '-no-color', `-plugin-dir=${env.pluginDir}`], timeouts.init);
    if (init.status !== 0) {
      throw new Error(
        `tf-check: \`terraform init\` failed in ${workDir}${keepNote} (exit ${init.status}). Only providers in the mirror ` +
          `${env.pluginDir} are available (hashicorp/aws ${env.awsProviderVersion}); remote modules cannot be fetched.\n` +
          `${init.stderr}\n${init.stdout}`,
      );
    }

    const validateRun = run(['validate', '-json', '-no-color'], timeouts.validate);
    let validateJson: Obj;
    try {
      validateJson = JSON.parse(validateRun.stdout) as Obj;
    } catch {
      throw new Error(
        `tf-check: could not parse \`terraform validate -json\` output (exit ${validateRun.status}) in ${workDir}${keepNote}:\n` +
          `${validateRun.stdout}\n${validateRun.stderr}`,
      );
    }
    const diagnostics = Array.isArray(validateJson['diagnostics']) ? (validateJson['diagnostics'] as unknown[]) : [];
    const errorCount = Math.max(countSeverity(diagnostics, 'error'), Number(validateJson['error_count'] ?? 0));
    const warningCount = Math.max(countSeverity(diagnostics, 'warning'), Number(validateJson['warning_count'] ?? 0));
    const result: CheckResult = {
      validate: { valid: validateJson['valid'] === true && errorCount === 0, errorCount, warningCount, diagnostics },
      workDir,
      durationsMs: { init: init.ms, validate: validateRun.ms },
    };

    if (options.plan) {
      if (!result.validate.valid) {
        result.plan = { ok: false, add: 0, change: 0, destroy: 0, stderr: 'plan skipped: terraform validate reported errors' };
        return result;
      }
      const planRun = run(['plan', '-input=false', '-refresh=false', '-lock=false', '-no-color', '-out=tfplan'], timeouts.plan);
      if (planRun.status !== 0) {
        const hint = offlineHint(planRun.stderr + planRun.stdout, half);
        result.plan = {
          ok: false,
          add: 0,
          change: 0,
          destroy: 0,
          stderr: planRun.stderr + (hint ? `\n[tf-check] hint: ${hint}\n` : ''),
          ...(hint ? { hint } : {}),
        };
        result.durationsMs.plan = planRun.ms;
        return result;
      }
      const show = run(['show', '-json', '-no-color', 'tfplan'], timeouts.show);
      result.durationsMs.plan = planRun.ms + show.ms;
      if (show.status !== 0) {
        result.plan = { ok: false, add: 0, change: 0, destroy: 0, stderr: `terraform show -json tfplan failed:\n${show.stderr}` };
        return result;
      }
      const planJson = JSON.parse(show.stdout) as object;
      result.plan = { ok: true, ...countChanges(planJson), planJson, stderr: planRun.stderr };
      if (options.planText) {
        const text = run(['show', '-no-color', 'tfplan'], timeouts.show);
        result.durationsMs.plan += text.ms;
        if (text.status !== 0) {
          result.plan = { ok: false, add: 0, change: 0, destroy: 0, stderr: `terraform show -no-color tfplan failed:\n${text.stderr}` };
          return result;
        }
        result.plan.planText = text.stdout;
      }
    }
    return result;
  } finally {
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  }
}
