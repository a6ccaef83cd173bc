/**
 * The printer: a stack blueprint as the Terraform JSON cdktf synthesizes from the constructs, byte for byte once
 * written by `stableJson` (logical ids, `//` metadata, providers, backend, outputs and overrides included),
 * without building a construct tree and without importing cdktf. Tests compare it with the constructs on the
 * example apps and on generated organisations; it exists for organisations with thousands of repositories.
 */
import type { StackBlueprint } from '../blueprint/stack.js';
import { escapeTerraformTemplate, writeText } from '../blueprint/text.js';
import { JsonText, Ref, Template } from '../blueprint/values.js';
import { constructId, logicalId } from './logical-id.js';
import { blockJson, mapJson } from './terraform-json.js';
import type { Block, Json, JsonWriter } from './terraform-json.js';
import { CDKTF_VERSION, REQUIRED_PROVIDERS } from './versions.js';

/** The Terraform JSON of a stack blueprint. */
export function printStack(stack: StackBlueprint): Block {
  // One pass, so that the printer never holds the whole blueprint: a ref names a resource that comes before it,
  // as it must for the constructs too (a construct refers to resources that exist).
  const addresses = new Addresses();
  const address = (ref: Ref): string => {
    const found = addresses.get(ref.ref);
    if (found === undefined) throw new Error(`stack ${stack.id}: a reference to ${ref.ref.join('/')}, which is not a resource before it`);
    return found;
  };
  const writer: JsonWriter = {
    literal: escapeTerraformTemplate,
    reference: (ref) => (ref.attribute === undefined ? address(ref) : `\${${address(ref)}.${ref.attribute}}`),
    address,
  };
  // Every object is built with its keys in order, so that stableJson writes it without a sorted copy.
  const byType = new Map<string, [string, Block][]>();
  const ids = new Map<string, Set<string>>();
  for (const r of stack.resources) {
    const path = r.path.some(hasSlash) ? r.path.map(constructId) : r.path;
    const id = logicalId(path);
    let taken = ids.get(r.type);
    if (taken === undefined) ids.set(r.type, (taken = new Set()));
    if (taken.has(id) || !addresses.add(r.path, `${r.type}.${id}`)) throw new Error(`two resources would share the address ${r.type}.${id}`);
    taken.add(id);
    let list = byType.get(r.type);
    if (list === undefined) byType.set(r.type, (list = []));
    list.push([id, blockJson(r.config, writer, { '//': { metadata: { path: `${stack.id}/${path.join('/')}`, uniqueId: id } } })]);
  }
  const resources: Block = {};
  for (const type of [...byType.keys()].sort()) {
    // The ids of a type are distinct (checked above), so they sort without ties.
    const list = (byType.get(type) ?? []).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const byId: Block = {};
    for (const [id, block] of list) byId[id] = block;
    resources[type] = byId;
  }

  const output = sortedObject(
    stack.outputs.map((o): [string, Json] => {
      const v = o.value;
      return [o.id, { value: typeof v === 'string' || v instanceof Ref || v instanceof Template || v instanceof JsonText ? writeText(v, writer) : mapJson(v, writer) }];
    }),
  );
  const providers = [...stack.providers].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const provider: Block = {};
  const requiredProviders: Block = {};
  for (const p of providers) {
    provider[p.type] = [blockJson(p.config, writer)];
    const { source, version } = REQUIRED_PROVIDERS[p.type];
    requiredProviders[p.type] = { source, version };
  }
  const overridden = [...new Set(stack.overrides.map((o) => o.path.split('.')[0] as string))];
  const json: Block = {
    '//': {
      metadata: {
        backend: stack.backend.type,
        ...(overridden.length > 0 ? { overrides: { stack: overridden } } : {}),
        stackName: stack.id,
        version: CDKTF_VERSION,
      },
      outputs: { [stack.id]: sortedObject(stack.outputs.map((o) => [o.id, o.id])) },
    },
    output,
    provider,
    resource: resources,
    terraform: { backend: { [stack.backend.type]: blockJson(stack.backend.config, writer) }, required_providers: requiredProviders },
  };
  for (const o of stack.overrides) setPath(json, o.path.split('.'), o.value);
  return json;
}

const hasSlash = (id: string): boolean => id.includes('/');

/** An object of the entries with its keys in order; of two entries with one key, the later one's value. */
function sortedObject(entries: readonly (readonly [string, Json])[]): Block {
  const order = entries.map((_e, i) => i).sort((a, b) => {
    const x = (entries[a] as readonly [string, Json])[0];
    const y = (entries[b] as readonly [string, Json])[0];
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  const out: Block = {};
  for (const i of order) {
    const [key, value] = entries[i] as readonly [string, Json];
    out[key] = value;
  }
  return out;
}

/**
 * The address of each resource by its construct path, as a tree of ids: the ids of a path are strings the
 * blueprint shares between a construct's resources and the refs to them, so each step looks up a string whose
 * hash is already known, and no path is joined into a key.
 */
class Addresses {
  private readonly root: AddressNode = {};

  /** Records an address; false when the path has one already. */
  add(path: readonly string[], address: string): boolean {
    let node = this.root;
    for (const id of path) {
      const children = (node.children ??= new Map());
      let child = children.get(id);
      if (child === undefined) children.set(id, (child = {}));
      node = child;
    }
    if (node.address !== undefined) return false;
    node.address = address;
    return true;
  }

  get(path: readonly string[]): string | undefined {
    let node: AddressNode | undefined = this.root;
    for (const id of path) {
      node = node.children?.get(id);
      if (node === undefined) return undefined;
    }
    return node.address;
  }
}

interface AddressNode {
  address?: string;
  children?: Map<string, AddressNode>;
}

/** cdktf's `addOverride`: creates the objects on the way. */
function setPath(json: Block, path: readonly string[], value: string | number | boolean): void {
  let current: Block = json;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[key] = {};
    current = current[key] as Block;
  }
  current[path[path.length - 1] as string] = value;
}
