/**
 * Splitting a synthesized cdktf stack (cdk.tf.json) into its AWS half.
 *
 * The GitHub provider is not available offline, so everything that belongs to it is dropped:
 * `provider.github`, `terraform.required_providers.github`, `resource.github_*`, `data.github_*`,
 * plus outputs, locals, moved/import/removed/check blocks that refer to those. The AWS side must
 * never depend on the GitHub side (GitHub variables are fed from AWS role ARNs, not the other way
 * round), so an AWS resource, data source or module that refers to a GitHub object is a design
 * error and makes `awsHalf` throw.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys whose string values are bare references (not `${...}` templates) in Terraform JSON. */
const BARE_REFERENCE_KEYS = new Set(['depends_on', 'provider', 'replace_triggered_by', 'from', 'to']);

const IDENT = '[A-Za-z_][A-Za-z0-9_-]*';
const GITHUB_RESOURCE_REF = new RegExp(`(?<![\\w.$-])(github_[A-Za-z0-9_]*)\\.(${IDENT})`, 'g');
const GITHUB_DATA_REF = new RegExp(`(?<![\\w.$-])data\\.(github_[A-Za-z0-9_]*)\\.(${IDENT})`, 'g');
const GITHUB_PROVIDER_REF = /^\s*(?:\$\{\s*)?github(?:\.[A-Za-z0-9_-]+)?\s*\}?\s*$/;
const LOCAL_REF = new RegExp(`(?<![\\w.$-])local\\.(${IDENT})`, 'g');

/**
 * The expressions inside a Terraform JSON string: the contents of every `${...}` / `%{...}`
 * (escapes `$${` and `%%{` are literal text). Quoted strings inside an expression are skipped
 * for brace matching but stay part of the returned expression text.
 */
export function templateExpressions(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if ((c === '$' || c === '%') && s[i + 1] === c && s[i + 2] === '{') {
      i += 3;
      continue;
    }
    if ((c === '$' || c === '%') && s[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      while (j < s.length) {
        const d = s[j];
        if (d === '"') {
          j++;
          while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
        } else if (d === '{') {
          depth++;
        } else if (d === '}') {
          depth--;
          if (depth === 0) break;
        }
        j++;
      }
      out.push(s.slice(i + 2, j));
      i = j + 1;
      continue;
    }
    i++;
  }
  return out;
}

interface Refs {
  /** Referenced GitHub objects, e.g. `github_actions_variable.x`, `data.github_repository.r`, `provider github`. */
  github: Set<string>;
  /** Referenced local value names. */
  locals: Set<string>;
}

function scanExpression(expr: string, refs: Refs): void {
  for (const m of expr.matchAll(GITHUB_DATA_REF)) refs.github.add(`data.${m[1]}.${m[2]}`);
  // Resource references; `data.github_x.y` is excluded by the lookbehind (preceded by '.').
  for (const m of expr.matchAll(GITHUB_RESOURCE_REF)) refs.github.add(`${m[1]}.${m[2]}`);
  for (const m of expr.matchAll(LOCAL_REF)) refs.locals.add(m[1] as string);
}

/** All GitHub and local references anywhere inside a JSON value (cdktf `//` metadata is ignored). */
function collectRefs(value: Json | undefined, refs: Refs = { github: new Set(), locals: new Set() }, key?: string): Refs {
  if (typeof value === 'string') {
    if (key === 'provider' && GITHUB_PROVIDER_REF.test(value)) refs.github.add(`provider ${value.replace(/[${}\s]/g, '')}`);
    if (key !== undefined && BARE_REFERENCE_KEYS.has(key)) scanExpression(value, refs);
    for (const e of templateExpressions(value)) scanExpression(e, refs);
  } else if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, refs, key);
  } else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '//') continue;
      collectRefs(v, refs, k);
    }
  }
  return refs;
}

function isGithubProviderName(name: string, requirement: Json | undefined): boolean {
  if (name === 'github') return true;
  const source = isObj(requirement) ? requirement['source'] : undefined;
  return typeof source === 'string' && /(^|\/)(integrations|hashicorp)\/github$/i.test(source.trim());
}

/** Terraform JSON allows a block body to be an object or an array of objects. */
function bodies(v: Json | undefined): Obj[] {
  if (Array.isArray(v)) return v.filter(isObj);
  return isObj(v) ? [v] : [];
}

function isGithubBlock(type: string, body: Json | undefined, githubProviderNames: Set<string>): boolean {
  const prefix = type.split('_')[0] ?? type;
  if (githubProviderNames.has(prefix) || type === 'github' || type.startsWith('github_')) return true;
  return bodies(body).some((b) => {
    const p = b['provider'];
    if (typeof p !== 'string') return false;
    const local = p.replace(/[${}\s]/g, '').split('.')[0] ?? '';
    return githubProviderNames.has(local);
  });
}

const BLOCK_SECTIONS = ['resource', 'data'] as const;

/** Every resource and data block of a stack (not the `//` metadata), with the mapping that holds it by name. */
function* blocksOf(stack: Obj): Generator<{ section: (typeof BLOCK_SECTIONS)[number]; type: string; byName: Obj; name: string; body: Json }> {
  for (const section of BLOCK_SECTIONS) {
    const byType = stack[section];
    if (!isObj(byType)) continue;
    for (const [type, byName] of Object.entries(byType)) {
      if (!isObj(byName)) continue;
      for (const [name, body] of Object.entries(byName)) if (name !== '//') yield { section, type, byName, name, body };
    }
  }
}

function deleteIfEmpty(parent: Obj, key: string): void {
  const v = parent[key];
  if ((isObj(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0)) delete parent[key];
}

/**
 * Extracts the AWS half of a synthesized cdktf stack (the parsed `cdk.tf.json`).
 *
 * Dropped: the github provider (blocks and `terraform.required_providers` entry), `github_*` resources and
 * data sources (and any block whose `provider` is the github provider), locals/outputs/moved/import/removed/
 * check blocks that refer to them, and `terraform.backend` / `terraform.cloud` (checks use local state).
 * Kept: everything else — AWS resources and data sources, other outputs and locals, variables, modules,
 * moved blocks, cdktf `//` metadata.
 *
 * Throws if a kept resource, data source or module refers to a GitHub object (design error: the AWS side
 * must not depend on the GitHub side). The input is not modified.
 */
export function awsHalf(stackJson: object): object {
  if (!isObj(stackJson as Json)) throw new TypeError('awsHalf: expected the parsed JSON object of a cdk.tf.json');
  const stack = JSON.parse(JSON.stringify(stackJson)) as Obj;

  // --- providers -------------------------------------------------------------------------------------
  const githubProviderNames = new Set<string>(['github']);
  const terraform = isObj(stack['terraform']) ? stack['terraform'] : undefined;
  const required = terraform && isObj(terraform['required_providers']) ? terraform['required_providers'] : undefined;
  if (required) {
    for (const [name, req] of Object.entries(required)) {
      if (isGithubProviderName(name, req)) {
        githubProviderNames.add(name);
        delete required[name];
      }
    }
  }
  if (terraform) {
    delete terraform['backend'];
    delete terraform['cloud'];
    if (required) deleteIfEmpty(terraform, 'required_providers');
    deleteIfEmpty(stack, 'terraform');
  }
  const meta = isObj(stack['//']) && isObj(stack['//']['metadata']) ? stack['//']['metadata'] : undefined;
  if (meta && 'backend' in meta) meta['backend'] = 'local';

  const providers = isObj(stack['provider']) ? stack['provider'] : undefined;
  if (providers) {
    for (const name of Object.keys(providers)) if (githubProviderNames.has(name)) delete providers[name];
    deleteIfEmpty(stack, 'provider');
  }

  // --- resources and data sources ----------------------------------------------------------------------
  for (const block of blocksOf(stack)) if (isGithubBlock(block.type, block.body, githubProviderNames)) delete block.byName[block.name];
  for (const section of BLOCK_SECTIONS) {
    const byType = stack[section];
    if (!isObj(byType)) continue;
    for (const [type, byName] of Object.entries(byType)) if (isObj(byName) && Object.keys(byName).filter((k) => k !== '//').length === 0) delete byType[type];
    deleteIfEmpty(stack, section);
  }

  // --- locals: drop those that (transitively) refer to GitHub objects ------------------------------
  const localBlocks = bodies(stack['locals']);
  const localRefs = new Map<string, Refs>();
  for (const block of localBlocks) {
    for (const [name, v] of Object.entries(block)) if (name !== '//') localRefs.set(name, collectRefs(v));
  }
  /** local name -> the GitHub object it (transitively) refers to */
  const taintedLocals = new Map<string, string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, refs] of localRefs) {
      if (taintedLocals.has(name)) continue;
      const via = [...refs.github][0] ?? [...refs.locals].map((l) => taintedLocals.get(l)).find((g) => g !== undefined);
      if (via !== undefined) {
        taintedLocals.set(name, via);
        changed = true;
      }
    }
  }
  for (const block of localBlocks) for (const name of taintedLocals.keys()) delete block[name];
  if (Array.isArray(stack['locals'])) stack['locals'] = localBlocks.filter((b) => Object.keys(b).length > 0);
  deleteIfEmpty(stack, 'locals');

  const refersToGithub = (v: Json | undefined): string[] => {
    const refs = collectRefs(v);
    return [...refs.github, ...[...refs.locals].flatMap((l) => {
      const via = taintedLocals.get(l);
      return via === undefined ? [] : [`local.${l} (-> ${via})`];
    })];
  };

  // --- outputs ----------------------------------------------------------------------------------------
  const outputs = isObj(stack['output']) ? stack['output'] : undefined;
  const droppedOutputs = new Set<string>();
  if (outputs) {
    for (const [name, body] of Object.entries(outputs)) {
      if (name !== '//' && refersToGithub(body).length > 0) {
        delete outputs[name];
        droppedOutputs.add(name);
      }
    }
    deleteIfEmpty(stack, 'output');
  }
  // cdktf lists outputs in the root `//` metadata as { outputs: { <stack>: { <id>: <output name> } } }.
  const metaOutputs = isObj(stack['//']) && isObj(stack['//']['outputs']) ? stack['//']['outputs'] : undefined;
  if (metaOutputs && droppedOutputs.size > 0) {
    const prune = (o: Obj): void => {
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === 'string' && droppedOutputs.has(v)) delete o[k];
        else if (isObj(v)) prune(v);
      }
    };
    prune(metaOutputs);
  }

  // --- moved / import / removed / check blocks that are about GitHub objects ----------------------
  for (const section of ['moved', 'import', 'removed', 'check'] as const) {
    const v = stack[section];
    if (Array.isArray(v)) {
      stack[section] = v.filter((b) => refersToGithub(b).length === 0);
      deleteIfEmpty(stack, section);
    } else if (isObj(v)) {
      if (section === 'check') {
        // check: { <name>: body }
        for (const [name, body] of Object.entries(v)) if (name !== '//' && refersToGithub(body).length > 0) delete v[name];
        deleteIfEmpty(stack, section);
      } else if (refersToGithub(v).length > 0) {
        delete stack[section];
      }
    }
  }

  // --- the AWS side must not depend on the GitHub side -----------------------------------------------
  const violations: string[] = [];
  for (const { section, type, name, body } of blocksOf(stack)) {
    const refs = refersToGithub(body);
    const addr = section === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
    if (refs.length > 0) violations.push(`${addr} -> ${refs.join(', ')}`);
  }
  if (isObj(stack['module'])) {
    for (const [name, body] of Object.entries(stack['module'])) {
      if (name === '//') continue;
      const refs = refersToGithub(body);
      if (refs.length > 0) violations.push(`module.${name} -> ${refs.join(', ')}`);
    }
  }
  if (violations.length > 0) {
    throw new Error(
      'awsHalf: the AWS side of the stack refers to GitHub objects, which would make AWS infrastructure depend on ' +
        'GitHub (design error: GitHub resources may consume AWS values, never the reverse):\n  ' +
        violations.join('\n  '),
    );
  }
  return stack;
}
