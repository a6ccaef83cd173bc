/**
 * Which GitHub workflows use long-lived AWS keys, and how: key inputs of configure-aws-credentials (or any
 * action's `aws-access-key-id`-like input), `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` in `env:` at
 * workflow, job or step level, run scripts that set them from a secret, local composite actions that do any
 * of this, and reusable workflow calls that pass them on. Also what triggers each job (branches, tags,
 * environments, pull requests), which `keyless migrate` turns into trust.
 */
import { parse } from 'yaml';
import { isRecord, sortedUnique, type Obj } from './errors.js';

export interface SourceFile {
  /** Path inside the repository: `.github/workflows/deploy.yml`, `.github/actions/aws/action.yml`. */
  readonly path: string;
  readonly text: string;
}

export interface RepositoryFiles {
  /** `OWNER/REPO`. */
  readonly repository: string;
  readonly workflows: readonly SourceFile[];
  /** Local actions (`.github/actions/NAME/action.yml`), for composite steps. */
  readonly actions: readonly SourceFile[];
}

export interface JobTriggers {
  /** Branch filters of `push` in GitHub's syntax; `**` when every branch triggers the job. */
  readonly branches: readonly string[];
  /** Tag filters of `push`; `**` when every tag does. */
  readonly tags: readonly string[];
  /** The workflow runs on `pull_request` or `pull_request_target`. */
  readonly pullRequest: boolean;
  /** Every event name of `on:`, sorted. */
  readonly events: readonly string[];
}

export interface JobScan {
  readonly id: string;
  readonly usesAccessKeys: boolean;
  /** The job's `environment:` name; null when it names none. */
  readonly environment: string | null;
  /** How the job gets the keys, in words: `configure-aws-credentials inputs`, `job env`, … */
  readonly via: readonly string[];
  /** Names of the secrets that feed the keys. */
  readonly secrets: readonly string[];
  readonly triggers: JobTriggers;
}

export interface WorkflowScan {
  readonly repository: string;
  readonly file: string;
  readonly jobs: readonly JobScan[];
  readonly usesAccessKeys: boolean;
  readonly secrets: readonly string[];
  /** Set when the file could not be read as a workflow; it is then reported and skipped. */
  readonly problem?: string;
}

/** A secret name standing for a key written into the workflow itself. */
export const LITERAL_KEY = '(a literal key in the file)';

const KEY_ENV = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
const ENV_MENTION = /\b(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws_access_key_id|aws_secret_access_key)\b/;

/** `aws-access-key-id`, `aws_secret_access_key`, `AWS_ACCESS_KEY_ID`, …: an input or name that carries a key. */
export function isKeyName(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  return n === 'awsaccesskeyid' || n === 'awssecretaccesskey' || n === 'accesskeyid' || n === 'secretaccesskey';
}

interface Refs {
  readonly secrets: string[];
  readonly inputs: string[];
  readonly env: string[];
  readonly literal: boolean;
}

/** The `secrets.X`, `inputs.X` and `env.X` references of an expression-bearing value. */
export function refsOf(value: unknown): Refs {
  const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  const grab = (context: string): string[] => {
    const dotted = new RegExp(`\\b${context}\\.([A-Za-z_][A-Za-z0-9_-]*)`, 'g');
    const indexed = new RegExp(`\\b${context}\\[\\s*['"]([^'"]+)['"]\\s*\\]`, 'g');
    return [...text.matchAll(dotted), ...text.matchAll(indexed)].map((m) => m[1] as string);
  };
  return {
    secrets: grab('secrets'),
    inputs: grab('inputs'),
    env: grab('env'),
    literal: text.trim().length > 0 && !text.includes('${{'),
  };
}

function envOf(node: unknown): Obj {
  return isRecord(node) && isRecord(node['env']) ? node['env'] : {};
}

function actionOf(uses: string): string {
  const at = uses.indexOf('@');
  return (at < 0 ? uses : uses.slice(0, at)).split('/').slice(0, 2).join('/');
}

export interface KeyUse {
  readonly via: string[];
  readonly secrets: string[];
  /** Inputs (of a composite action or reusable workflow) that feed the keys. */
  readonly inputs: string[];
}

function emptyUse(): KeyUse {
  return { via: [], secrets: [], inputs: [] };
}

function merge(into: KeyUse, from: KeyUse): void {
  into.via.push(...from.via);
  into.secrets.push(...from.secrets);
  into.inputs.push(...from.inputs);
}

/** Adds the references of a value that feeds a key, following `env.X` one level through the scopes. */
function addRefs(use: KeyUse, value: unknown, scopes: readonly Obj[]): void {
  const refs = refsOf(value);
  use.secrets.push(...refs.secrets);
  use.inputs.push(...refs.inputs);
  if (refs.literal) use.secrets.push(LITERAL_KEY);
  for (const name of refs.env) {
    const scope = scopes.find((s) => name in s);
    if (scope) {
      const inner = refsOf(scope[name]);
      use.secrets.push(...inner.secrets);
      use.inputs.push(...inner.inputs);
    }
  }
}

/** Key usage of a composite action, by the path `uses:` gives (`./.github/actions/aws`). */
export type CompositeIndex = ReadonlyMap<string, KeyUse>;

function localActionKey(uses: string): string | undefined {
  if (!uses.startsWith('./')) return undefined;
  return uses.slice(2).replace(/\/+$/, '');
}

/** What one step does with keys. `scopes` are the env maps around it, innermost first (job, workflow). */
function stepUse(step: Obj, scopes: readonly Obj[], composites: CompositeIndex): KeyUse {
  const use = emptyUse();
  const stepEnv = envOf(step);
  const all = [stepEnv, ...scopes];
  const uses = typeof step['uses'] === 'string' ? step['uses'] : '';
  const withs = isRecord(step['with']) ? step['with'] : {};
  const keyInputs = Object.keys(withs).filter(isKeyName);
  const local = localActionKey(uses);
  if (keyInputs.length > 0 && (local === undefined || !composites.has(local))) {
    use.via.push(actionOf(uses) === 'aws-actions/configure-aws-credentials' ? 'configure-aws-credentials inputs' : `${actionOf(uses) || 'action'} inputs`);
    for (const k of keyInputs) addRefs(use, withs[k], all);
  }
  const envKeys = Object.keys(stepEnv).filter((k) => KEY_ENV.has(k));
  if (envKeys.length > 0) {
    use.via.push('step env');
    for (const k of envKeys) addRefs(use, stepEnv[k], all);
  }
  if (typeof step['run'] === 'string') {
    const lines = step['run'].split('\n').filter((l) => ENV_MENTION.test(l) && /\$\{\{/.test(l));
    if (lines.length > 0) {
      use.via.push('run script');
      for (const l of lines) addRefs(use, l, all);
    }
  }
  if (local !== undefined) {
    const composite = composites.get(local);
    if (composite && composite.via.length > 0) {
      use.via.push(`composite action ./${local}`);
      const fed = composite.inputs.length > 0 ? composite.inputs : Object.keys(withs).filter(isKeyName);
      for (const input of fed) if (input in withs) addRefs(use, withs[input], all);
    }
  }
  return use;
}

/** Reads a local action file; a composite action that uses keys gets a KeyUse, anything else an empty one. */
export function scanCompositeAction(text: string): KeyUse {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return emptyUse();
  }
  const runs = isRecord(doc) && isRecord(doc['runs']) ? doc['runs'] : {};
  if (runs['using'] !== 'composite' || !Array.isArray(runs['steps'])) return emptyUse();
  const use = emptyUse();
  for (const step of runs['steps'].filter(isRecord)) merge(use, stepUse(step, [], new Map()));
  return use;
}

/** Indexes a repository's local actions by the path workflows use them with (`.github/actions/aws`). */
export function compositeIndex(actions: readonly SourceFile[]): Map<string, KeyUse> {
  const index = new Map<string, KeyUse>();
  for (const action of actions) {
    const dir = action.path.replace(/\/action\.ya?ml$/, '');
    index.set(dir, scanCompositeAction(action.text));
  }
  return index;
}

function eventNames(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.filter((e): e is string => typeof e === 'string');
  return isRecord(on) ? Object.keys(on) : [];
}

function filters(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];
}

/** What runs a workflow: push branches and tags in GitHub's filter syntax, pull requests, every event. */
export function workflowTriggers(doc: Obj): JobTriggers {
  // The yaml package reads YAML 1.2, where `on` is a plain key; a YAML 1.1 reader would have made it `true`.
  const on = doc['on'] ?? doc['true'];
  const events = sortedUnique(eventNames(on));
  let branches: string[] = [];
  let tags: string[] = [];
  if (events.includes('push')) {
    const push = isRecord(on) && isRecord(on['push']) ? on['push'] : {};
    const hasBranchFilter = 'branches' in push || 'branches-ignore' in push;
    const hasTagFilter = 'tags' in push || 'tags-ignore' in push;
    if (!hasBranchFilter && !hasTagFilter) {
      branches = ['**'];
      tags = ['**'];
    } else {
      if ('branches' in push) branches = filters(push['branches']);
      else if ('branches-ignore' in push) branches = ['**'];
      if ('tags' in push) tags = filters(push['tags']);
      else if ('tags-ignore' in push) tags = ['**'];
    }
  }
  return {
    branches: sortedUnique(branches),
    tags: sortedUnique(tags),
    pullRequest: events.includes('pull_request') || events.includes('pull_request_target'),
    events,
  };
}

function environmentOf(job: Obj): string | null {
  const env = job['environment'];
  if (typeof env === 'string') return env;
  if (isRecord(env) && typeof env['name'] === 'string') return env['name'];
  return null;
}

/** Scans one workflow file. A file that is not a workflow gets `problem` and no jobs. */
export function scanWorkflow(repository: string, file: SourceFile, composites: CompositeIndex = new Map()): WorkflowScan {
  let doc: unknown;
  try {
    doc = parse(file.text);
  } catch (error) {
    return { repository, file: file.path, jobs: [], usesAccessKeys: false, secrets: [], problem: `not valid YAML: ${(error as Error).message.split('\n')[0]}` };
  }
  if (!isRecord(doc) || !isRecord(doc['jobs'])) {
    return { repository, file: file.path, jobs: [], usesAccessKeys: false, secrets: [], problem: 'not a workflow: no jobs mapping' };
  }
  const triggers = workflowTriggers(doc);
  const workflowEnv = envOf(doc);
  const workflowKeyEnv = Object.keys(workflowEnv).filter((k) => KEY_ENV.has(k));
  const jobs: JobScan[] = [];
  for (const [id, body] of Object.entries(doc['jobs'])) {
    if (!isRecord(body)) continue;
    const use = emptyUse();
    const jobEnv = envOf(body);
    const scopes = [jobEnv, workflowEnv];
    const calls = typeof body['uses'] === 'string';
    if (calls) {
      // A reusable workflow call: it passes keys on when it maps them as secrets (or inputs) by name.
      const passed = [body['secrets'], body['with']].filter(isRecord).flatMap((m) => Object.entries(m).filter(([k]) => isKeyName(k)));
      if (passed.length > 0) {
        use.via.push(`passed to reusable workflow ${body['uses'] as string}`);
        for (const [, v] of passed) addRefs(use, v, scopes);
      }
    } else {
      if (workflowKeyEnv.length > 0) {
        use.via.push('workflow env');
        for (const k of workflowKeyEnv) addRefs(use, workflowEnv[k], [workflowEnv]);
      }
      const jobKeyEnv = Object.keys(jobEnv).filter((k) => KEY_ENV.has(k));
      if (jobKeyEnv.length > 0) {
        use.via.push('job env');
        for (const k of jobKeyEnv) addRefs(use, jobEnv[k], scopes);
      }
      const steps = Array.isArray(body['steps']) ? body['steps'].filter(isRecord) : [];
      for (const step of steps) merge(use, stepUse(step, scopes, composites));
    }
    const via = sortedUnique(use.via);
    jobs.push({
      id,
      usesAccessKeys: via.length > 0,
      environment: environmentOf(body),
      via,
      secrets: sortedUnique(use.secrets),
      triggers,
    });
  }
  jobs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    repository,
    file: file.path,
    jobs,
    usesAccessKeys: jobs.some((j) => j.usesAccessKeys),
    secrets: sortedUnique(jobs.flatMap((j) => j.secrets)),
  };
}

/** Scans every workflow of a repository, with its composite actions. */
export function scanRepository(files: RepositoryFiles): WorkflowScan[] {
  const composites = compositeIndex(files.actions);
  return files.workflows.map((w) => scanWorkflow(files.repository, w, composites));
}
