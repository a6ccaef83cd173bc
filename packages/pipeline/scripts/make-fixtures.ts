/**
 * Regenerates the real plan fixtures of the comment renderer's tests (test/fixtures/dev-*):
 *
 *   pnpm --filter @keyless/pipeline fixtures        # ~1.5 minutes: six offline terraform plans
 *
 * Terraform cannot apply offline, so "what exists" is made instead: the dev app as configured in
 * test/fixtures/dev-create/access.yaml (the fixtures' own config, not the example app an adopter replaces) is planned from an empty state (every resource a create), and a Terraform state
 * (format 4) is built from that plan's planned values, with the attributes AWS would compute (ids, ARNs,
 * unique ids, dates) filled in with fake but well-formed values. Each variant of the config is then planned
 * against that state with `-refresh=false`, through @keyless/tf-check with the real hashicorp/aws provider
 * from the filesystem mirror: unchanged (no changes), a repository removed (destroy), a role renamed
 * (replace), and a role gaining AdministratorAccess and an environment (access change).
 *
 * Only the AWS half is planned (the GitHub provider is not in the mirror). Each fixture directory holds the
 * config it was planned from (access.yaml), `terraform show -json` (plan.json) and `terraform show` (plan.txt);
 * dev-create is the plan from nothing, and its access.yaml is the base every variant was planned against.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { runApp } from '@keyless/constructs';
import { checkStack } from '@keyless/tf-check';
import { parseDocument } from 'yaml';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const fixtures = fileURLToPath(new URL('../test/fixtures', import.meta.url));
// Read before the fixtures are rewritten; the fixtures' own base config, not apps/dev (an adopter replaces that).
const baseConfigFile = join(fixtures, 'dev-create/access.yaml');
const baseConfigText = readFileSync(baseConfigFile, 'utf8');
const work = mkdtempSync(join(tmpdir(), 'keyless-fixtures-'));

/** The variants planned against the state of the base config, each an edit of the YAML document. */
const VARIANTS: Record<string, (doc: ReturnType<typeof parseDocument>) => void> = {
  unchanged: () => {},
  // Removing a repository's entry destroys its role and the role's policy attachments.
  destroy: (doc) => {
    doc.deleteIn(['repositories', 'payments']);
  },
  // A role's name is immutable in IAM: renaming it replaces the role and everything attached to it.
  replace: (doc) => {
    doc.setIn(['repositories', 'web-app', 'roles', 'deploy', 'name'], 'gha-dev-web-app-site-deploy');
  },
  // A role gains AdministratorAccess and a GitHub environment that may assume it: an update of the trust
  // policy and a new policy attachment, and the access change a reviewer must see.
  access: (doc) => {
    doc.setIn(['repositories', 'platform', 'roles', 'deploy', 'trust', 'environments'], doc.createNode(['dev-database']));
    const arns = doc.getIn(['repositories', 'platform', 'roles', 'deploy', 'managedPolicyArns']) as { add: (v: unknown) => void };
    arns.add('arn:aws:iam::aws:policy/AdministratorAccess');
    doc.setIn(['repositories', 'platform', 'roles', 'deploy', 'dangerouslyAllowAdministratorAccess'], true);
  },
};

function synth(configFile: string, name: string): Obj {
  const outdir = join(work, `out-${name}`);
  if (!runApp({ configFile, outdir })) throw new Error(`${configFile} did not synthesize`);
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { synthesizedStackPath: string }> };
  const stacks = Object.values(manifest.stacks);
  if (stacks.length !== 1 || !stacks[0]) throw new Error(`expected one stack in ${outdir}`);
  return JSON.parse(readFileSync(join(outdir, stacks[0].synthesizedStackPath), 'utf8')) as Obj;
}

function plan(stack: Obj, state: object | undefined, label: string): { json: Obj; text: string } {
  const t0 = Date.now();
  const r = checkStack(stack, { plan: true, planText: true, ...(state ? { state } : {}) });
  if (!r.validate.valid) throw new Error(`${label}: terraform validate failed: ${JSON.stringify(r.validate.diagnostics)}`);
  if (!r.plan?.ok || !r.plan.planJson || r.plan.planText === undefined) throw new Error(`${label}: plan failed:\n${r.plan?.stderr}`);
  console.log(`${label}: +${r.plan.add} ~${r.plan.change} -${r.plan.destroy} (${Math.round((Date.now() - t0) / 1000)} s)`);
  return { json: r.plan.planJson as Obj, text: r.plan.planText };
}

/** A stable fake of what AWS generates, so that regenerating the fixtures changes nothing but timestamps. */
function fakeId(prefix: string, seed: string, length = 17): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = createHash('sha256').update(seed).digest();
  let out = prefix;
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return out;
}

/** The value AWS computes for an attribute that the plan left unknown. */
function computedValue(type: string, attribute: string, values: Obj, accountId: string, address: string): unknown {
  const key = `${type}.${attribute}`;
  switch (key) {
    case 'aws_iam_role.id':
      return values['name'];
    case 'aws_iam_role.arn':
      return `arn:aws:iam::${accountId}:role${String(values['path'] ?? '/')}${String(values['name'])}`;
    case 'aws_iam_role.unique_id':
      return fakeId('AROA', address);
    case 'aws_iam_role.create_date':
      return '2025-01-15T09:00:00Z';
    case 'aws_iam_role.name_prefix':
    case 'aws_iam_role_policy.name_prefix':
      return '';
    case 'aws_iam_role.managed_policy_arns':
    case 'aws_iam_role.inline_policy':
      return [];
    case 'aws_iam_role_policy.id':
      return `${String(values['role'])}:${String(values['name'])}`;
    case 'aws_iam_role_policy_attachment.id':
      return `${String(values['role'])}-${fakeId('', address, 26).toLowerCase().replace(/[^0-9]/g, '7')}`;
    default:
      throw new Error(`make-fixtures: no fake value for the computed attribute ${key} of ${address}; add one`);
  }
}

interface PlannedResource {
  address: string;
  mode: string;
  type: string;
  name: string;
  index?: string | number;
  provider_name: string;
  schema_version: number;
  values: Obj;
  sensitive_values?: Obj;
}

/** The cty type of a JSON value, as a state file records an output's type. */
function ctyType(v: unknown): unknown {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return ['tuple', v.map(ctyType)];
  if (isObj(v)) return ['object', Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ctyType(x)]))];
  return 'dynamic';
}

/**
 * A Terraform state in which every resource of a create-only plan exists: planned values, unknown
 * attributes resolved from the references in the configuration or faked as AWS would compute them.
 */
function stateFromPlan(planJson: Obj, accountId: string, outputs: Obj = {}): object {
  const planned = ((planJson['planned_values'] as Obj)['root_module'] as Obj)['resources'] as PlannedResource[];
  const changes = new Map(((planJson['resource_changes'] as Obj[]) ?? []).map((rc) => [rc['address'] as string, rc]));
  const config = new Map(
    (((planJson['configuration'] as Obj)['root_module'] as Obj)['resources'] as Obj[]).map((r) => [r['address'] as string, r]),
  );
  const filled = new Map<string, Obj>(planned.map((r) => [r.address, { ...r.values }]));
  const pending = new Map<string, string[]>();
  for (const r of planned) {
    const unknown = ((changes.get(r.address)?.['change'] as Obj | undefined)?.['after_unknown'] ?? {}) as Obj;
    pending.set(r.address, Object.keys(unknown).filter((k) => unknown[k] === true));
  }
  const resolveReference = (address: string, attribute: string): { ok: boolean; value?: unknown } => {
    const expr = ((config.get(address)?.['expressions'] as Obj | undefined)?.[attribute] ?? {}) as Obj;
    const refs = (expr['references'] as string[] | undefined) ?? [];
    const ref = refs.find((x) => x.split('.').length === 3);
    if (!ref) return { ok: false };
    const [type, name, attr] = ref.split('.') as [string, string, string];
    const target = `${type}.${name}`;
    if ((pending.get(target) ?? []).includes(attr)) return { ok: false };
    const value = filled.get(target)?.[attr];
    return value === undefined ? { ok: false } : { ok: true, value };
  };
  // Resolve references first (a policy's role is the role's id), then what AWS computes; repeat until done.
  for (let round = 0; [...pending.values()].some((p) => p.length > 0); round++) {
    if (round > 10) throw new Error(`make-fixtures: unresolved attributes ${JSON.stringify([...pending].filter(([, p]) => p.length > 0))}`);
    for (const r of planned) {
      const values = filled.get(r.address) as Obj;
      const left: string[] = [];
      for (const attribute of pending.get(r.address) ?? []) {
        const ref = resolveReference(r.address, attribute);
        if (ref.ok) values[attribute] = ref.value;
        else left.push(attribute);
      }
      // What AWS computes may derive from referenced values (a policy's id holds its role's name).
      const referencesLeft = left.some((a) => hasReference(config.get(r.address), a));
      pending.set(
        r.address,
        round === 0 || referencesLeft
          ? left
          : left.filter((attribute) => {
              values[attribute] = computedValue(r.type, attribute, values, accountId, r.address);
              return false;
            }),
      );
    }
  }
  const resources = new Map<string, Obj>();
  for (const r of planned) {
    const key = `${r.mode}.${r.type}.${r.name}`;
    const entry = resources.get(key) ?? {
      mode: r.mode,
      type: r.type,
      name: r.name,
      provider: `provider["${r.provider_name}"]`,
      instances: [],
    };
    (entry['instances'] as Obj[]).push({
      ...(r.index !== undefined ? { index_key: r.index } : {}),
      schema_version: r.schema_version,
      attributes: filled.get(r.address),
      sensitive_attributes: [],
    });
    resources.set(key, entry);
  }
  return {
    version: 4,
    terraform_version: planJson['terraform_version'],
    serial: 1,
    lineage: '6b1f3c52-0c8e-4d4e-9a57-6b6579c1e55e',
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, type: ctyType(v) }])),
    resources: [...resources.values()],
    check_results: null,
  };
}

function hasReference(configResource: Obj | undefined, attribute: string): boolean {
  const expr = ((configResource?.['expressions'] as Obj | undefined)?.[attribute] ?? {}) as Obj;
  return Array.isArray(expr['references']) && expr['references'].length > 0;
}

function accountIdOf(stack: Obj): string {
  const aws = (stack['provider'] as Obj)['aws'] as Obj[];
  const id = (aws[0]?.['allowed_account_ids'] as string[] | undefined)?.[0];
  if (!id) throw new Error('the stack has no allowed_account_ids');
  return id;
}

/** Removes what differs between two runs of the generator on different days or machines. */
function stable(planJson: Obj): Obj {
  const copy = { ...planJson };
  copy['timestamp'] = '2025-01-15T09:00:00Z';
  // Terraform lists relevant_attributes in no particular order.
  if (Array.isArray(copy['relevant_attributes'])) {
    const key = (x: unknown) => JSON.stringify(x);
    copy['relevant_attributes'] = [...copy['relevant_attributes']].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
  return copy;
}

try {
  const base = synth(baseConfigFile, 'base');
  const accountId = accountIdOf(base);
  const create = plan(base, undefined, 'dev-create');
  // The outputs are unknown until the resources exist: plan once more against the resources to learn them.
  const interim = plan(base, stateFromPlan(create.json, accountId), 'dev-outputs');
  const outputs = Object.fromEntries(
    Object.entries(((interim.json['planned_values'] as Obj)['outputs'] ?? {}) as Obj).map(([k, v]) => [k, (v as Obj)['value']]),
  );
  const state = stateFromPlan(create.json, accountId, outputs);

  mkdirSync(fixtures, { recursive: true });
  writeFixture('dev-create', baseConfigText, create);
  for (const [name, edit] of Object.entries(VARIANTS)) {
    const doc = parseDocument(baseConfigText);
    edit(doc);
    const text = doc.toString();
    const file = join(work, `${name}.access.yaml`);
    writeFileSync(file, text);
    const result = plan(synth(file, name), state, `dev-${name}`);
    writeFixture(`dev-${name}`, text, result);
  }
  console.log(`fixtures written to ${fixtures}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function writeFixture(name: string, configText: string, result: { json: Obj; text: string }): void {
  const dir = join(fixtures, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'access.yaml'), configText);
  writeFileSync(join(dir, 'plan.json'), `${JSON.stringify(stable(result.json), null, 1)}\n`);
  writeFileSync(join(dir, 'plan.txt'), result.text);
}
