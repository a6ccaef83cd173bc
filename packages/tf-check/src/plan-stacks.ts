/**
 * One offline `terraform plan` of the AWS halves of several synthesized stacks at once, and what Terraform
 * renders for each: the planned values of every resource, read from `terraform show -json`.
 *
 * Each stack becomes a child module (`module.s0`, `module.s1`, …) of one root module, with its resources,
 * data sources and outputs exactly as synthesized (the GitHub half dropped by `awsHalf`), so references and
 * template strings are planned as they would be on their own. The stacks' own provider blocks are left out:
 * the child modules inherit the one offline AWS provider of the root (see `offlineOverride`), which costs one
 * provider process instead of one per stack. Provider settings do not change how a resource's arguments
 * render; they change only the provider-computed `tags_all`, which callers should not compare.
 *
 * Terraform runs from the filesystem mirror only, with fake credentials and a dead proxy, like `checkStack`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { awsHalf } from './aws-half.js';
import { CLI_CONFIG_FILE, MAIN_FILE, childEnv, cliConfig, offlineOverride } from './check.js';
import { findTerraform } from './find.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface StackInput {
  /** The stack id, for messages and for the result. */
  readonly id: string;
  /** The parsed `cdk.tf.json`. */
  readonly json: object;
}

/** One resource as Terraform plans it. */
export interface PlannedResource {
  /** The address inside the stack, `aws_iam_role.<logical id>`. */
  readonly address: string;
  readonly type: string;
  readonly name: string;
  /** Planned values, as rendered: template strings evaluated, references known at plan time resolved. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The resources each argument refers to, from the plan's configuration: `{ role: ['aws_iam_role.x'] }`. */
  readonly references: Readonly<Record<string, readonly string[]>>;
}

export interface PlanStacksResult {
  readonly ok: boolean;
  /** terraform's stderr (and stdout when the plan failed). */
  readonly output: string;
  /** Planned resources per stack id; empty when the plan failed. */
  readonly stacks: ReadonlyMap<string, readonly PlannedResource[]>;
  /**
   * When the plan failed: terraform's errors per stack they name (by module), so that a caller can plan the
   * other stacks again without those.
   */
  readonly errors: ReadonlyMap<string, string>;
  /** The full `terraform show -json` document. */
  readonly planJson?: object;
  readonly durationsMs: { readonly init: number; readonly plan: number };
}

export interface PlanStacksOptions {
  /**
   * Run here (created if missing). Reusing a directory across calls keeps the providers `terraform init`
   * linked from the mirror; the stacks of the previous call are removed first.
   * @default - a new temporary directory, removed afterwards
   */
  readonly workDir?: string;
  /** @default init 180 s, plan 600 s, show 180 s */
  readonly timeoutsMs?: Partial<Record<'init' | 'plan' | 'show', number>>;
}

/** The module name of the i-th stack. */
const moduleName = (i: number): string => `s${i}`;

/** The child module of a stack: its AWS half without provider configuration, requiring hashicorp/aws. */
function childModule(json: object): Obj {
  const half = awsHalf(json) as Obj;
  delete half['provider'];
  const terraform = isObj(half['terraform']) ? half['terraform'] : {};
  half['terraform'] = { ...terraform, required_providers: { aws: { source: 'hashicorp/aws' } } };
  return half;
}

/** References per argument, from a resource of the plan's `configuration` section. */
function referencesOf(resource: Obj): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const expressions = isObj(resource['expressions']) ? resource['expressions'] : {};
  for (const [argument, expression] of Object.entries(expressions)) {
    if (isObj(expression) && Array.isArray(expression['references'])) out[argument] = expression['references'].filter((r): r is string => typeof r === 'string');
  }
  return out;
}

/** Plans the AWS halves of the stacks together; see the module comment. Throws when terraform or the mirror is missing. */
export function planStacks(stacks: readonly StackInput[], options: PlanStacksOptions = {}): PlanStacksResult {
  const found = findTerraform();
  if (!found.ok) throw new Error(`tf-check: ${found.reason}`);
  const env = found.env;
  const ids = new Set<string>();
  for (const s of stacks) {
    if (ids.has(s.id)) throw new Error(`planStacks: two stacks are named ${s.id}`);
    ids.add(s.id);
  }
  const callerDir = options.workDir !== undefined;
  const workDir = callerDir ? resolve(options.workDir as string) : mkdtempSync(join(tmpdir(), 'keyless-plan-stacks-'));
  mkdirSync(workDir, { recursive: true });
  const timeouts = { init: 180_000, plan: 600_000, show: 180_000, ...options.timeoutsMs };
  try {
    for (const entry of readdirSync(workDir)) {
      if (/^s[0-9]+$/.test(entry) || ['tfplan', 'terraform.tfstate', 'terraform.tfstate.backup', MAIN_FILE].includes(entry))
        rmSync(join(workDir, entry), { recursive: true, force: true });
    }
    const override = offlineOverride([{ region: 'us-east-1' }], 'hashicorp/aws', env.awsProviderVersion);
    const root = {
      '//': 'Generated by @keyless/tf-check planStacks: one child module per synthesized stack. Never apply.',
      terraform: override['terraform'],
      provider: override['provider'],
      module: Object.fromEntries(stacks.map((_, i) => [moduleName(i), { source: `./${moduleName(i)}` }])),
    };
    stacks.forEach((s, i) => {
      const dir = join(workDir, moduleName(i));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, MAIN_FILE), `${JSON.stringify(childModule(s.json), null, 2)}\n`);
    });
    writeFileSync(join(workDir, MAIN_FILE), `${JSON.stringify(root, null, 2)}\n`);
    const cliPath = join(workDir, CLI_CONFIG_FILE);
    writeFileSync(cliPath, cliConfig(env));
    const childEnvironment = childEnv(cliPath);
    const run = (args: string[], timeout: number): { status: number | null; stdout: string; stderr: string; ms: number } => {
      const started = performance.now();
      const r = spawnSync(env.terraformBin, args, { cwd: workDir, env: childEnvironment, encoding: 'utf8', timeout, maxBuffer: 1024 * 1024 * 1024 });
      if (r.error) throw new Error(`tf-check: \`terraform ${args.join(' ')}\` in ${workDir}: ${r.error.message}\n${r.stderr ?? ''}`);
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Math.round(performance.now() - started) };
    };

    const init = run(['init', '-input=false', '-no-color', `-plugin-dir=${env.pluginDir}`], timeouts.init);
    if (init.status !== 0) throw new Error(`tf-check: \`terraform init\` failed in ${workDir} (exit ${init.status}):\n${init.stderr}\n${init.stdout}`);
    const plan = run(['plan', '-input=false', '-refresh=false', '-lock=false', '-no-color', '-out=tfplan'], timeouts.plan);
    if (plan.status !== 0) {
      const output = `${plan.stderr}\n${plan.stdout}`;
      const errors = new Map<string, string>();
      for (const block of output.split(/\n(?=(?:[│|] )?Error: )/)) {
        for (const m of block.matchAll(/(?:\bon |\bmodule\.)(s[0-9]+)[/.]/g)) {
          const id = stacks[Number((m[1] as string).slice(1))]?.id;
          if (id !== undefined && !(errors.get(id) ?? '').includes(block)) errors.set(id, `${errors.get(id) ?? ''}${block.trim()}\n`);
        }
      }
      return { ok: false, output, stacks: new Map(), errors, durationsMs: { init: init.ms, plan: plan.ms } };
    }
    const show = run(['show', '-json', '-no-color', 'tfplan'], timeouts.show);
    if (show.status !== 0) {
      return { ok: false, output: `terraform show -json tfplan failed:\n${show.stderr}`, stacks: new Map(), errors: new Map(), durationsMs: { init: init.ms, plan: plan.ms + show.ms } };
    }
    const planJson = JSON.parse(show.stdout) as Obj;
    const planned = isObj(planJson['planned_values']) && isObj(planJson['planned_values']['root_module']) ? planJson['planned_values']['root_module'] : {};
    const children = Array.isArray(planned['child_modules']) ? planned['child_modules'].filter(isObj) : [];
    const configuration = isObj(planJson['configuration']) && isObj(planJson['configuration']['root_module']) ? planJson['configuration']['root_module'] : {};
    const calls = isObj(configuration['module_calls']) ? configuration['module_calls'] : {};

    const result = new Map<string, PlannedResource[]>();
    stacks.forEach((s, i) => {
      const name = moduleName(i);
      const call = calls[name];
      const configured = isObj(call) && isObj(call['module']) && Array.isArray(call['module']['resources']) ? call['module']['resources'].filter(isObj) : [];
      const references = new Map(configured.map((r) => [String(r['address']), referencesOf(r)]));
      const child = children.find((c) => c['address'] === `module.${name}`);
      const resources = child && Array.isArray(child['resources']) ? child['resources'].filter(isObj) : [];
      result.set(
        s.id,
        resources
          .filter((r) => r['mode'] === 'managed')
          .map((r) => {
            const address = String(r['address']).slice(`module.${name}.`.length);
            return {
              address,
              type: String(r['type']),
              name: String(r['name']),
              values: isObj(r['values']) ? r['values'] : {},
              references: references.get(address) ?? {},
            };
          }),
      );
    });
    return { ok: true, output: plan.stderr, stacks: result, errors: new Map(), planJson, durationsMs: { init: init.ms, plan: plan.ms + show.ms } };
  } finally {
    const keep = ['1', 'true'].includes((process.env['KEYLESS_TF_CHECK_KEEP_DIR'] ?? '').toLowerCase());
    if (!callerDir && !keep) rmSync(workDir, { recursive: true, force: true });
  }
}
