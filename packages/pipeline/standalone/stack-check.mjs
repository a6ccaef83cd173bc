// What a terraform job checks about a synthesized stack before it runs terraform on it, and what it reads from it.
//
// The synthesis job runs npm code; the terraform jobs run none. So a terraform job takes the stack (cdk.tf.json)
// as untrusted input: its digest must be the one the synthesis job published, it may name only the allowed
// providers at the versions of the committed lock file, and it may contain only resources of those providers —
// no data sources, modules, provisioners or other Terraform blocks through which a configuration could run code
// or read something at plan time.
//
// Standalone: Node's own modules and this directory only (types: stack-check.d.mts).
import { createHash } from 'node:crypto';

/** The providers a keyless stack may use, by registry source. */
export const ALLOWED_PROVIDERS = Object.freeze(['registry.terraform.io/hashicorp/aws', 'registry.terraform.io/integrations/github']);

const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

export function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

/** `registry.terraform.io/<namespace>/<name>` for a `required_providers` source. */
export function providerAddress(source) {
  const parts = String(source).toLowerCase().split('/');
  // `aws` is terraform's short form of hashicorp/aws (cdktf writes it so).
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts[0]}/${parts[1]}`;
  return parts.join('/');
}

/**
 * The provider entries of a `.terraform.lock.hcl`: address → version and hashes. A small reader for the one
 * shape terraform writes (`provider "ADDRESS" { version = "X" constraints = "…" hashes = [ "…", ] }`).
 */
export function parseLockFile(text) {
  const out = new Map();
  const block = /provider\s+"([^"]+)"\s*\{([\s\S]*?)\n\}/g;
  for (const m of text.matchAll(block)) {
    const body = m[2] ?? '';
    const version = /\n\s*version\s*=\s*"([^"]+)"/.exec(body)?.[1];
    const hashesText = /\n\s*hashes\s*=\s*\[([\s\S]*?)\]/.exec(body)?.[1] ?? '';
    const hashes = [...hashesText.matchAll(/"([^"]+)"/g)].map((h) => h[1]);
    out.set(m[1].toLowerCase(), { version, hashes });
  }
  return out;
}

const ALLOWED_TOP = new Set(['//', 'terraform', 'provider', 'resource', 'output']);
const ALLOWED_TERRAFORM = new Set(['backend', 'required_providers']);
const FORBIDDEN_IN_RESOURCE = new Set(['provisioner', 'connection']);

/**
 * Problems of a synthesized stack for a terraform job, one sentence each; empty when it may be planned.
 * `expectedSha256`: the digest the synthesis job published; `lockText`: the committed lock file of the app.
 */
export function checkStack({ configText, expectedSha256, lockText }) {
  const problems = [];
  if (expectedSha256 !== undefined) {
    const actual = sha256(configText);
    if (actual !== expectedSha256) problems.push(`cdk.tf.json: its SHA-256 is ${actual}, the synthesis job published ${expectedSha256}; the artifact is not the one synthesized`);
  }
  let config;
  try {
    config = JSON.parse(configText);
  } catch (error) {
    return [...problems, `cdk.tf.json: not JSON (${error.message})`];
  }
  if (!isObj(config)) return [...problems, 'cdk.tf.json: not a JSON object'];
  for (const k of Object.keys(config)) if (!ALLOWED_TOP.has(k)) problems.push(`cdk.tf.json: "${k}" blocks are not allowed (a keyless stack has only terraform, provider, resource and output blocks)`);
  const terraform = isObj(config.terraform) ? config.terraform : {};
  for (const k of Object.keys(terraform)) if (!ALLOWED_TERRAFORM.has(k)) problems.push(`cdk.tf.json: terraform.${k} is not allowed (only backend and required_providers)`);
  const backend = isObj(terraform.backend) ? Object.keys(terraform.backend) : [];
  if (backend.some((b) => b !== 's3' && b !== 'local')) problems.push(`cdk.tf.json: backend ${backend.join(', ')} is not allowed (s3, or local for the first bootstrap apply)`);
  const locks = lockText === undefined ? undefined : parseLockFile(lockText);
  const required = isObj(terraform.required_providers) ? terraform.required_providers : {};
  const names = new Set();
  for (const [name, req] of Object.entries(required)) {
    names.add(name);
    const source = isObj(req) ? req.source : undefined;
    const version = isObj(req) ? req.version : undefined;
    const address = providerAddress(source ?? `hashicorp/${name}`);
    if (!ALLOWED_PROVIDERS.includes(address)) {
      problems.push(`cdk.tf.json: provider ${name} (${address}) is not allowed; only ${ALLOWED_PROVIDERS.join(', ')}`);
      continue;
    }
    if (typeof version !== 'string' || !/^\d+\.\d+\.\d+$/.test(version)) problems.push(`cdk.tf.json: provider ${name} must be pinned to one exact version, not ${JSON.stringify(version)}`);
    if (locks) {
      const lock = locks.get(address);
      if (!lock) problems.push(`.terraform.lock.hcl: no entry for ${address}; commit one (docs/runbook.md, locking the providers)`);
      else if (lock.version !== version) problems.push(`.terraform.lock.hcl: ${address} is locked at ${lock.version}, the stack requires ${version}`);
      else if (lock.hashes.length === 0) problems.push(`.terraform.lock.hcl: ${address} ${version} has no hashes`);
    }
  }
  for (const p of Object.keys(isObj(config.provider) ? config.provider : {}))
    if (!names.has(p)) problems.push(`cdk.tf.json: provider block ${p} is not among the required providers`);
  for (const [type, byName] of Object.entries(isObj(config.resource) ? config.resource : {})) {
    const providerName = type.split('_')[0];
    if (!names.has(providerName)) problems.push(`cdk.tf.json: resource type ${type} belongs to no allowed provider`);
    for (const [name, block] of Object.entries(isObj(byName) ? byName : {})) {
      for (const k of Object.keys(isObj(block) ? block : {}))
        if (FORBIDDEN_IN_RESOURCE.has(k)) problems.push(`cdk.tf.json: ${type}.${name} has a ${k} block; keyless stacks run no provisioners`);
    }
  }
  return problems;
}

/** Addresses of the stack's managed resources outside the GitHub provider: the targets of a pull request's plan. */
export function planTargets(config) {
  const out = [];
  for (const [type, byName] of Object.entries(isObj(config?.resource) ? config.resource : {})) {
    if (type.startsWith('github_')) continue;
    for (const name of Object.keys(isObj(byName) ? byName : {})) out.push(`${type}.${name}`);
  }
  return out.sort();
}

/**
 * The repositories a stack's GitHub resources touch, in the configuration and in the state (`terraform show -json`
 * of the state, or of a plan): the repositories a GitHub token for this stack must cover, and no more.
 */
export function repositoriesOf(config, state) {
  const out = new Set();
  const problems = [];
  for (const [type, byName] of Object.entries(isObj(config?.resource) ? config.resource : {})) {
    if (!type.startsWith('github_')) continue;
    for (const [name, block] of Object.entries(isObj(byName) ? byName : {})) {
      const repo = isObj(block) ? block.repository : undefined;
      if (typeof repo !== 'string' || repo.includes('${') || repo.includes('%{')) problems.push(`${type}.${name}: its repository is not a plain name (${JSON.stringify(repo)})`);
      else out.add(repo.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'));
    }
  }
  const visit = (module) => {
    if (!isObj(module)) return;
    for (const r of module.resources ?? []) {
      if (r.mode === 'managed' && String(r.type).startsWith('github_') && typeof r.values?.repository === 'string') out.add(r.values.repository);
    }
    for (const m of module.child_modules ?? []) visit(m);
  };
  visit(state?.values?.root_module ?? state?.prior_state?.values?.root_module);
  return { repositories: [...out].sort(), problems };
}
