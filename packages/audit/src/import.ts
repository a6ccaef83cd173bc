/**
 * `keyless import`: Terraform `import` blocks that adopt existing GitHub roles into keyless' state instead of
 * destroying and creating them. The addresses come from the synthesized stack (`cdk.tf.json`), never
 * recomputed: whatever logical ids the synthesizer produced are the ones imported into.
 *
 * - `aws_iam_role.<id>`, id = the existing role's name, for every role of the stack whose name exists and
 *   trusts GitHub. A role of that name that does not trust GitHub (a service role, another provider's) is a
 *   conflict: keyless would take it over and rewrite its trust, so nothing is written.
 * - `aws_iam_role_policy_attachment.<id>`, id = `<role>/<policy arn>`, for the config's managed policies the
 *   role already has.
 * - `aws_iam_role_policy.<id>`, id = `<role>:<policy name>`, for the config's inline policies it already has.
 *
 * What the plan will then change on the adopted role (trust, tags, description, a different path, which
 * replaces the role) is terraform's to show; the warnings name what terraform would not: policies attached
 * outside the config stay attached and unmanaged.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AuditInputError, cmp, isRecord, type Obj } from './errors.js';
import { githubStatements } from './github-roles.js';
import type { IamInventory, IamRole } from './iam.js';
import { readJson } from './inputs.js';

export interface StackInput {
  /** Where the stack came from, for messages. */
  readonly source: string;
  /** Its directory, where the import file goes by default. */
  readonly dir: string;
  readonly json: unknown;
}

export interface ImportBlock {
  readonly to: string;
  readonly id: string;
}

export interface StackImports {
  readonly source: string;
  readonly dir: string;
  readonly blocks: readonly ImportBlock[];
  readonly warnings: readonly string[];
  /** Roles that exist under a config role's name but do not trust GitHub. */
  readonly conflicts: readonly string[];
}

export const IMPORT_FILE = 'keyless-import.tf.json';

/** Finds the stacks under a path: a `cdk.tf.json`, a stack directory, or a cdktf output directory. */
export function findStacks(path: string): StackInput[] {
  if (!existsSync(path)) throw new AuditInputError(path, 'no such file or directory (--stack takes a cdk.tf.json, its directory, or cdktf.out)');
  if (statSync(path).isFile()) return [{ source: path, dir: join(path, '..'), json: readJson(path) }];
  if (existsSync(join(path, 'cdk.tf.json'))) return [{ source: join(path, 'cdk.tf.json'), dir: path, json: readJson(join(path, 'cdk.tf.json')) }];
  const stacksDir = join(path, 'stacks');
  if (existsSync(stacksDir)) {
    const found = readdirSync(stacksDir)
      .sort(cmp)
      .filter((s) => existsSync(join(stacksDir, s, 'cdk.tf.json')))
      .map((s) => ({ source: join(stacksDir, s, 'cdk.tf.json'), dir: join(stacksDir, s), json: readJson(join(stacksDir, s, 'cdk.tf.json')) }));
    if (found.length > 0) return found;
  }
  throw new AuditInputError(path, 'holds no cdk.tf.json (run keyless synth or cdktf synth first)');
}

function resources(json: unknown, type: string, source: string): [string, Obj][] {
  if (!isRecord(json)) throw new AuditInputError(source, 'not a synthesized stack: expected a JSON object');
  const all = json['resource'];
  if (all === undefined) return [];
  if (!isRecord(all)) throw new AuditInputError(source, 'resource: expected an object of resource types');
  const byType = all[type];
  if (byType === undefined) return [];
  if (!isRecord(byType)) throw new AuditInputError(source, `resource.${type}: expected an object of resources`);
  return Object.entries(byType).filter((e): e is [string, Obj] => isRecord(e[1])).sort(([a], [b]) => cmp(a, b));
}

/** `${aws_iam_role.<id>.<attr>}` → `<id>`. */
function roleRef(value: unknown): string | undefined {
  return typeof value === 'string' ? /^\$\{aws_iam_role\.([A-Za-z0-9_-]+)\.(name|id)\}$/.exec(value)?.[1] : undefined;
}

/** The import blocks of one stack against the account's existing roles. */
export function planImports(stack: StackInput, iam: IamInventory): StackImports {
  const blocks: ImportBlock[] = [];
  const warnings: string[] = [];
  const conflicts: string[] = [];
  const byName = new Map<string, IamRole>(iam.roles.map((r) => [r.name.toLowerCase(), r]));
  const adopted = new Map<string, { role: IamRole; managed: Set<string>; inline: Set<string> }>();

  for (const [id, body] of resources(stack.json, 'aws_iam_role', stack.source)) {
    const name = body['name'];
    const address = `aws_iam_role.${id}`;
    if (typeof name !== 'string' || name.includes('${')) {
      warnings.push(`${address}: its name is not a literal, so it cannot be matched to an existing role`);
      continue;
    }
    const existing = byName.get(name.toLowerCase());
    if (!existing) continue;
    if (githubStatements(existing.trustPolicy).length === 0) {
      conflicts.push(`${address}: role ${existing.name} exists and does not trust GitHub; keyless would take it over and replace its trust. Give the config role another name`);
      continue;
    }
    if (existing.name !== name) warnings.push(`${address}: the existing role is named ${existing.name}, the config says ${name}; IAM names ignore case but terraform does not, so the plan replaces it unless the config uses ${existing.name}`);
    const path = typeof body['path'] === 'string' ? body['path'] : '/';
    if (existing.path !== path) warnings.push(`${address}: role ${existing.name} has path ${existing.path}, the config ${path}; a new path replaces the role (destroy and create), so set path: ${existing.path} on the role to keep it`);
    blocks.push({ to: address, id: existing.name });
    adopted.set(id, { role: existing, managed: new Set(), inline: new Set() });
  }

  for (const [id, body] of resources(stack.json, 'aws_iam_role_policy_attachment', stack.source)) {
    const entry = adopted.get(roleRef(body['role']) ?? '');
    const arn = body['policy_arn'];
    if (!entry || typeof arn !== 'string') continue;
    entry.managed.add(arn);
    if (entry.role.attached.some((p) => p.arn === arn)) blocks.push({ to: `aws_iam_role_policy_attachment.${id}`, id: `${entry.role.name}/${arn}` });
  }
  for (const [id, body] of resources(stack.json, 'aws_iam_role_policy', stack.source)) {
    const entry = adopted.get(roleRef(body['role']) ?? '');
    const name = body['name'];
    if (!entry || typeof name !== 'string') continue;
    entry.inline.add(name);
    if (entry.role.inline.some((p) => p.name === name)) blocks.push({ to: `aws_iam_role_policy.${id}`, id: `${entry.role.name}:${name}` });
  }
  for (const { role, managed, inline } of adopted.values()) {
    for (const p of role.attached) if (!managed.has(p.arn)) warnings.push(`role ${role.name}: ${p.arn} is attached but not in the config; it stays attached and unmanaged (detach it, or add it to managedPolicyArns)`);
    for (const p of role.inline) if (!inline.has(p.name)) warnings.push(`role ${role.name}: inline policy ${p.name} is not in the config; it stays and is unmanaged (delete it, or add it to inlinePolicies)`);
  }
  blocks.sort((a, b) => cmp(a.to, b.to));
  return { source: stack.source, dir: stack.dir, blocks, warnings, conflicts };
}

/** The Terraform JSON file with the import blocks. */
export function importFileJson(imports: StackImports): string {
  return `${JSON.stringify(
    {
      '//': 'Generated by keyless import: adopts existing GitHub roles into this stack. Plan, review, apply once, then delete this file.',
      import: imports.blocks.map((b) => ({ to: b.to, id: b.id })),
    },
    null,
    2,
  )}\n`;
}
