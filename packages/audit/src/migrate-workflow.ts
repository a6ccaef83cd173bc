/**
 * `keyless migrate-workflow`: rewrites a workflow (or a local composite action) from long-lived keys to the
 * role keyless created, and changes nothing else.
 *
 * The `yaml` package's document model finds the nodes to change and their exact source ranges; the edits are
 * spliced into the original text, so every line the migration does not touch stays byte-identical: comments,
 * blank lines, quoting, flow collections and indentation included.
 *
 * - `configure-aws-credentials` (or a local composite that wraps it): the key inputs go, `role-to-assume:
 *   ${{ vars.AWS_ROLE_ARN }}` comes in.
 * - `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and a secret `AWS_SESSION_TOKEN`) in `env:` at workflow,
 *   job or step level go; each job that had them gets a `configure-aws-credentials` step that assumes the role
 *   (it exports the same variables, with short-lived values, for the steps after it).
 * - Each changed job gets `id-token: write` plus the permissions it had: its own, or the workflow's it
 *   inherited (a job-level `permissions:` replaces the workflow's), or `contents: read` when it had none.
 * - What cannot be rewritten safely (keys in run scripts, third-party actions' key inputs, keys passed to a
 *   reusable workflow) is reported for a person to change, and counts as "needs changes" for `--check`.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { isKeyName, refsOf } from './workflows.js';

/** configure-aws-credentials v4.2.1, pinned by commit like keyless' own workflows. */
export const CONFIGURE_AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials@b47578312673ae6fa5b5096b330d9fbac3d116df # v4.2.1';

export interface MigrateWorkflowOptions {
  /** The variable that holds the role ARN. @default 'AWS_ROLE_ARN' */
  readonly roleVariable?: string;
  /** The variable that holds the region, for steps that did not name one. @default 'AWS_REGION' */
  readonly regionVariable?: string;
  /**
   * Local actions of the repository by the path workflows use (`.github/actions/aws-login`), each with whether
   * it is migrated in the same run (or already takes `role-to-assume`). A workflow's call to a composite that
   * takes keys is rewritten only when the composite is migrated too.
   */
  readonly localActions?: ReadonlyMap<string, { readonly keyInputs: readonly string[]; readonly migrated: boolean }>;
}

export interface WorkflowRewrite {
  readonly before: string;
  readonly after: string;
  /** What was changed, one line each. */
  readonly changes: readonly string[];
  /** What a person has to change, one line each. */
  readonly manual: readonly string[];
}

const KEY_ENV = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

class Source {
  readonly edits: Edit[] = [];
  constructor(readonly text: string) {}

  lineStart(pos: number): number {
    return this.text.lastIndexOf('\n', pos - 1) + 1;
  }

  lineEnd(pos: number): number {
    const nl = this.text.indexOf('\n', pos);
    return nl < 0 ? this.text.length : nl + 1;
  }

  column(pos: number): number {
    return pos - this.lineStart(pos);
  }

  /** From the start of the key's line to the end of the value's last line (trailing comment included). */
  pairExtent(pair: Pair): { start: number; end: number } {
    const key = pair.key as Node;
    const value = pair.value as Node | null;
    const start = this.lineStart((key.range as [number, number, number])[0]);
    let end = Math.max((key.range as [number, number, number])[2], value?.range?.[2] ?? 0);
    if (end > 0 && this.text[end - 1] !== '\n') end = this.lineEnd(end);
    return { start, end };
  }

  remove(start: number, end: number): void {
    this.edits.push({ start, end, text: '' });
  }

  insert(pos: number, text: string): void {
    this.edits.push({ start: pos, end: pos, text });
  }

  replace(start: number, end: number, text: string): void {
    this.edits.push({ start, end, text });
  }

  apply(): string {
    let out = this.text;
    const sorted = [...this.edits].sort((a, b) => b.start - a.start || b.end - a.end);
    for (let i = 1; i < sorted.length; i++) {
      const later = sorted[i - 1] as Edit;
      const earlier = sorted[i] as Edit;
      if (earlier.end > later.start && !(earlier.start === earlier.end) && !(later.start === later.end)) {
        throw new Error(`internal: overlapping edits at ${earlier.start}-${earlier.end} and ${later.start}-${later.end}`);
      }
    }
    for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
    return out;
  }
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function pairOf(map: unknown, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  return (map.items as Pair[]).find((p) => keyOf(p) === key);
}

function valueText(node: unknown): string {
  return isScalar(node) ? String(node.value ?? '') : '';
}

function actionName(uses: string): string {
  const at = uses.indexOf('@');
  return (at < 0 ? uses : uses.slice(0, at)).split('/').slice(0, 2).join('/');
}

/**
 * Removes pairs from a map and adds `key: value` entries (after `afterKey`, else at the end). A block map keeps
 * its lines; a flow map is written again from its remaining pairs' source text. Returns false when the map
 * would be left empty and nothing is added: the caller removes the map's own pair instead.
 */
function editMap(src: Source, map: YAMLMap, remove: readonly Pair[], add: readonly [string, string][], afterKey?: string): boolean {
  const remaining = (map.items as Pair[]).filter((p) => !remove.includes(p));
  if (remaining.length === 0 && add.length === 0) return false;
  if (map.flow) {
    const range = map.range as [number, number, number];
    const parts = remaining.map((p) => src.text.slice((p.key as Node).range?.[0] ?? 0, (p.value as Node | null)?.range?.[1] ?? (p.key as Node).range?.[1] ?? 0));
    parts.push(...add.map(([k, v]) => `${k}: ${v}`));
    src.replace(range[0], range[1], `{ ${parts.join(', ')} }`);
    return true;
  }
  for (const p of remove) {
    const { start, end } = src.pairExtent(p);
    src.remove(start, end);
  }
  if (add.length > 0) {
    const first = map.items[0] as Pair;
    const indent = ' '.repeat(src.column((first.key as Node).range?.[0] ?? 0));
    // In place of the first removed pair, so that the new input sits where the keys were; else after the anchor.
    const anchor = (afterKey !== undefined ? pairOf(map, afterKey) : undefined) ?? (map.items[map.items.length - 1] as Pair);
    const at = remove[0] !== undefined ? src.pairExtent(remove[0]).start : src.pairExtent(anchor).end;
    const needsNewline = at > 0 && src.text[at - 1] !== '\n';
    src.insert(at, `${needsNewline ? '\n' : ''}${add.map(([k, v]) => `${indent}${k}: ${v}\n`).join('')}`);
  }
  return true;
}

/** Removes a pair and, when that empties its map, the map's own pair in its parent. */
function removePairs(src: Source, map: YAMLMap, pairs: readonly Pair[], parent: { map: YAMLMap; pair: Pair } | undefined): void {
  if (pairs.length === 0) return;
  if (!editMap(src, map, pairs, [])) {
    if (parent) src.remove(src.pairExtent(parent.pair).start, src.pairExtent(parent.pair).end);
    else for (const p of pairs) src.remove(src.pairExtent(p).start, src.pairExtent(p).end);
  }
}

/** Env pairs that carry keys: the two key variables, and a session token that comes from a secret. */
function keyEnvPairs(env: unknown): Pair[] {
  if (!isMap(env)) return [];
  const pairs = env.items as Pair[];
  const keys = pairs.filter((p) => KEY_ENV.has(keyOf(p)));
  if (keys.length === 0) return [];
  const token = pairs.find((p) => keyOf(p) === 'AWS_SESSION_TOKEN' && refsOf(valueText(p.value)).secrets.length > 0);
  return token ? [...keys, token] : keys;
}

function regionVariableIn(scopes: readonly unknown[]): string | undefined {
  for (const env of scopes) {
    if (!isMap(env)) continue;
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) if (pairOf(env, name)) return name;
  }
  return undefined;
}

interface JobContext {
  readonly id: string;
  readonly map: YAMLMap;
  readonly pair: Pair;
}

/** Rewrites a workflow file. */
export function rewriteWorkflow(text: string, options: MigrateWorkflowOptions = {}): WorkflowRewrite {
  const roleVariable = options.roleVariable ?? 'AWS_ROLE_ARN';
  const regionVariable = options.regionVariable ?? 'AWS_REGION';
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`);
  const root = doc.contents;
  const jobsPair = pairOf(root, 'jobs');
  if (!isMap(root) || !jobsPair || !isMap(jobsPair.value)) throw new Error('not a workflow: no jobs mapping');
  const src = new Source(text);
  const changes: string[] = [];
  const manual: string[] = [];
  const roleArn = `\${{ vars.${roleVariable} }}`;

  const workflowEnvPair = pairOf(root, 'env');
  const workflowKeyEnv = keyEnvPairs(workflowEnvPair?.value);
  if (workflowKeyEnv.length > 0 && workflowEnvPair) {
    removePairs(src, workflowEnvPair.value as YAMLMap, workflowKeyEnv, { map: root, pair: workflowEnvPair });
    changes.push(`workflow env: removed ${workflowKeyEnv.map(keyOf).join(', ')}`);
  }

  for (const jobPair of (jobsPair.value as YAMLMap).items as Pair[]) {
    if (!isMap(jobPair.value)) continue;
    const job: JobContext = { id: keyOf(jobPair), map: jobPair.value, pair: jobPair };
    let usesRole = false;
    let needsCredentialsStep = false;

    if (pairOf(job.map, 'uses')) {
      const passed = [pairOf(job.map, 'secrets'), pairOf(job.map, 'with')].flatMap((p) => (isMap(p?.value) ? (p.value.items as Pair[]).filter((x) => isKeyName(keyOf(x))) : []));
      if (passed.length > 0) {
        manual.push(`job ${job.id}: passes ${passed.map(keyOf).join(', ')} to the reusable workflow ${valueText(pairOf(job.map, 'uses')?.value)}; migrate that workflow, then remove them and give this job id-token: write`);
      }
      continue;
    }

    if (workflowKeyEnv.length > 0) needsCredentialsStep = true;
    const jobEnvPair = pairOf(job.map, 'env');
    const jobKeyEnv = keyEnvPairs(jobEnvPair?.value);
    if (jobKeyEnv.length > 0 && jobEnvPair) {
      removePairs(src, jobEnvPair.value as YAMLMap, jobKeyEnv, { map: job.map, pair: jobEnvPair });
      changes.push(`job ${job.id} env: removed ${jobKeyEnv.map(keyOf).join(', ')}`);
      needsCredentialsStep = true;
    }

    const stepsPair = pairOf(job.map, 'steps');
    const steps = isSeq(stepsPair?.value) ? (stepsPair.value as YAMLSeq) : undefined;
    let hasCredentialsStep = false;
    for (const [index, item] of (steps?.items ?? []).entries()) {
      if (!isMap(item)) continue;
      const step = item;
      const name = `job ${job.id}, step ${index + 1}`;
      const uses = valueText(pairOf(step, 'uses')?.value);
      const withPair = pairOf(step, 'with');
      const withMap = isMap(withPair?.value) ? (withPair.value as YAMLMap) : undefined;
      const keyInputs = withMap ? (withMap.items as Pair[]).filter((p) => isKeyName(keyOf(p)) || keyOf(p) === 'aws-session-token') : [];

      if (actionName(uses) === 'aws-actions/configure-aws-credentials') {
        hasCredentialsStep = true;
        const realKeys = keyInputs.filter((p) => keyOf(p) !== 'aws-session-token');
        if (realKeys.length > 0 && withMap) {
          const add: [string, string][] = pairOf(withMap, 'role-to-assume') ? [] : [['role-to-assume', roleArn]];
          editMap(src, withMap, keyInputs, add);
          changes.push(`${name}: configure-aws-credentials assumes ${roleArn} instead of using ${realKeys.map(keyOf).join(', ')}`);
          usesRole = true;
        } else if (pairOf(withMap, 'role-to-assume')) usesRole = true;
      } else if (uses.startsWith('./')) {
        const local = options.localActions?.get(uses.slice(2).replace(/\/+$/, ''));
        const fed = withMap ? (withMap.items as Pair[]).filter((p) => (local?.keyInputs ?? []).includes(keyOf(p)) || isKeyName(keyOf(p))) : [];
        if (fed.length > 0 && withMap) {
          if (local?.migrated) {
            const add: [string, string][] = pairOf(withMap, 'role-to-assume') ? [] : [['role-to-assume', roleArn]];
            editMap(src, withMap, fed, add);
            changes.push(`${name}: ${uses} gets role-to-assume ${roleArn} instead of ${fed.map(keyOf).join(', ')}`);
            usesRole = true;
            hasCredentialsStep = true;
          } else {
            manual.push(`${name}: ${uses} takes the keys as inputs (${fed.map(keyOf).join(', ')}); migrate ${uses.slice(2)}/action.yml in the same run (name both files), then this call passes role-to-assume`);
          }
        }
      } else if (keyInputs.some((p) => isKeyName(keyOf(p)))) {
        manual.push(`${name}: ${uses || 'the step'} takes the keys as inputs (${keyInputs.map(keyOf).join(', ')}); add a configure-aws-credentials step before it and check that it reads the environment's credentials`);
      }

      const stepEnvPair = pairOf(step, 'env');
      const stepKeyEnv = keyEnvPairs(stepEnvPair?.value);
      if (stepKeyEnv.length > 0 && stepEnvPair) {
        removePairs(src, stepEnvPair.value as YAMLMap, stepKeyEnv, { map: step, pair: stepEnvPair });
        changes.push(`${name} env: removed ${stepKeyEnv.map(keyOf).join(', ')}`);
        needsCredentialsStep = true;
      }
      const run = valueText(pairOf(step, 'run')?.value);
      if (run.split('\n').some((l) => /\b(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws_access_key_id|aws_secret_access_key)\b/.test(l) && /\$\{\{/.test(l))) {
        manual.push(`${name}: the run script sets the keys from an expression; remove those lines (the credentials step exports short-lived ones)`);
      }
    }

    if (needsCredentialsStep && !hasCredentialsStep && steps && steps.items.length > 0) {
      const region = regionVariableIn([jobEnvPair?.value, workflowEnvPair?.value]);
      const regionValue = region ? `\${{ env.${region} }}` : `\${{ vars.${regionVariable} }}`;
      const firstIsCheckout = isMap(steps.items[0]) && actionName(valueText(pairOf(steps.items[0], 'uses')?.value)) === 'actions/checkout';
      const anchor = (firstIsCheckout ? steps.items[1] : steps.items[0]) as Node | undefined;
      const firstItem = steps.items[0] as Node;
      const dashColumn = dashColumnOf(src, firstItem);
      const pad = ' '.repeat(dashColumn);
      const block = [
        `${pad}- name: Assume the role through OIDC (keyless)`,
        `${pad}  uses: ${CONFIGURE_AWS_CREDENTIALS}`,
        `${pad}  with:`,
        `${pad}    role-to-assume: ${roleArn}`,
        `${pad}    aws-region: ${regionValue}`,
      ].join('\n');
      const at = anchor ? src.lineStart(dashStartOf(src, anchor)) : src.pairExtent(stepsPair as Pair).end;
      src.insert(at, `${block}\n`);
      changes.push(`job ${job.id}: added a configure-aws-credentials step that assumes ${roleArn}`);
      usesRole = true;
    }
    if (usesRole) addIdToken(src, root, job, changes, manual);
  }

  return { before: text, after: src.apply(), changes, manual };
}

/** The position of the `-` of a sequence item (the item's node starts after it). */
function dashStartOf(src: Source, item: Node): number {
  const start = item.range?.[0] ?? 0;
  const lineStart = src.lineStart(start);
  const dash = src.text.slice(lineStart, start).lastIndexOf('-');
  return dash < 0 ? start : lineStart + dash;
}

function dashColumnOf(src: Source, item: Node): number {
  return src.column(dashStartOf(src, item));
}

/** `permissions` entries as `[scope, access]`, from a mapping's source. */
function permissionEntries(map: YAMLMap): [string, string][] {
  return (map.items as Pair[]).map((p) => [keyOf(p), valueText(p.value)]);
}

function addIdToken(src: Source, root: YAMLMap, job: JobContext, changes: string[], manual: string[]): void {
  const own = pairOf(job.map, 'permissions');
  const name = `job ${job.id}`;
  if (own) {
    const value = own.value;
    if (isScalar(value)) {
      if (value.value === 'write-all') return;
      manual.push(`${name}: permissions: ${String(value.value)} gives no id-token: write; list the scopes it needs and id-token: write`);
      return;
    }
    if (!isMap(value)) return;
    const idToken = pairOf(value, 'id-token');
    if (idToken && valueText(idToken.value) === 'write') return;
    if (idToken) {
      const r = (idToken.value as Node).range as [number, number, number];
      src.replace(r[0], r[1], 'write');
    } else if (value.items.length === 0) {
      src.replace((value.range as [number, number, number])[0], (value.range as [number, number, number])[1], '{ contents: read, id-token: write }');
    } else {
      editMap(src, value, [], [['id-token', 'write']]);
    }
    changes.push(`${name}: permissions gain id-token: write`);
    return;
  }
  // No job-level permissions: the job has the workflow's, which a job-level block replaces, so copy them.
  const inherited = pairOf(root, 'permissions');
  let entries: [string, string][];
  let note: string;
  if (inherited && isScalar(inherited.value)) {
    if (inherited.value.value === 'write-all') return;
    manual.push(`${name}: inherits permissions: ${String(inherited.value.value)}, which gives no id-token: write; give the job the scopes it needs and id-token: write`);
    return;
  }
  if (inherited && isMap(inherited.value) && inherited.value.items.length > 0) {
    entries = permissionEntries(inherited.value).filter(([k]) => k !== 'id-token');
    note = `the workflow's ${entries.map(([k, v]) => `${k}: ${v}`).join(', ')} and id-token: write`;
  } else {
    entries = [['contents', 'read']];
    note = inherited ? 'contents: read and id-token: write (the workflow grants none)' : 'contents: read and id-token: write; it had the repository\'s default token permissions, so add any others it needs';
  }
  entries.push(['id-token', 'write']);
  const first = job.map.items[0] as Pair;
  const indent = ' '.repeat(src.column((first.key as Node).range?.[0] ?? 0));
  const anchor = pairOf(job.map, 'runs-on') ?? pairOf(job.map, 'name') ?? (job.map.items[job.map.items.length - 1] as Pair);
  const at = src.pairExtent(anchor).end;
  const lines = [`${indent}permissions:`, ...entries.map(([k, v]) => `${indent}  ${k}: ${v}`)];
  src.insert(at, `${lines.join('\n')}\n`);
  changes.push(`${name}: permissions ${note}`);
}

/** The input names of a composite action that feed key inputs, for callers. */
export function compositeKeyInputs(text: string): { keyInputs: string[]; migrated: boolean } {
  const doc = parseDocument(text);
  const inputs = pairOf(doc.contents, 'inputs');
  const migrated = isMap(inputs?.value) && pairOf(inputs.value, 'role-to-assume') !== undefined;
  const runs = pairOf(doc.contents, 'runs');
  const steps = isMap(runs?.value) ? pairOf(runs.value, 'steps') : undefined;
  const keyInputs = new Set<string>();
  for (const item of isSeq(steps?.value) ? steps.value.items : []) {
    if (!isMap(item)) continue;
    const withMap = pairOf(item, 'with');
    for (const p of isMap(withMap?.value) ? (withMap.value.items as Pair[]) : []) {
      if (isKeyName(keyOf(p))) for (const i of refsOf(valueText(p.value)).inputs) keyInputs.add(i);
    }
    const env = pairOf(item, 'env');
    for (const p of keyEnvPairs(env?.value)) for (const i of refsOf(valueText(p.value)).inputs) keyInputs.add(i);
  }
  return { keyInputs: [...keyInputs].sort(), migrated };
}

/**
 * Rewrites a local composite action: its configure-aws-credentials step assumes `${{ inputs.role-to-assume }}`
 * instead of taking the keys, the new input is declared, and the key inputs nothing reads any more go.
 */
export function rewriteCompositeAction(text: string): WorkflowRewrite {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`);
  const root = doc.contents;
  const runs = pairOf(root, 'runs');
  if (!isMap(root) || !isMap(runs?.value) || valueText(pairOf(runs.value, 'using')?.value) !== 'composite') throw new Error('not a composite action: runs.using is not composite');
  const src = new Source(text);
  const changes: string[] = [];
  const manual: string[] = [];
  const { keyInputs } = compositeKeyInputs(text);
  const stepsPair = pairOf(runs.value, 'steps');
  let migrated = false;
  for (const [index, item] of (isSeq(stepsPair?.value) ? stepsPair.value.items : []).entries()) {
    if (!isMap(item)) continue;
    const name = `step ${index + 1}`;
    const uses = valueText(pairOf(item, 'uses')?.value);
    const withPair = pairOf(item, 'with');
    const withMap = isMap(withPair?.value) ? (withPair.value as YAMLMap) : undefined;
    const keys = withMap ? (withMap.items as Pair[]).filter((p) => isKeyName(keyOf(p)) || keyOf(p) === 'aws-session-token') : [];
    if (actionName(uses) === 'aws-actions/configure-aws-credentials' && keys.length > 0 && withMap) {
      editMap(src, withMap, keys, pairOf(withMap, 'role-to-assume') ? [] : [['role-to-assume', '${{ inputs.role-to-assume }}']]);
      changes.push(`${name}: configure-aws-credentials assumes \${{ inputs.role-to-assume }} instead of using ${keys.map(keyOf).join(', ')}`);
      migrated = true;
    } else if (keys.length > 0) {
      manual.push(`${name}: ${uses || 'the step'} takes the keys as inputs; use configure-aws-credentials with role-to-assume before it`);
    }
    const env = pairOf(item, 'env');
    const envKeys = keyEnvPairs(env?.value);
    if (envKeys.length > 0 && env) {
      removePairs(src, env.value as YAMLMap, envKeys, { map: item, pair: env });
      changes.push(`${name} env: removed ${envKeys.map(keyOf).join(', ')}`);
      manual.push(`${name}: it read the keys from env; make sure a configure-aws-credentials step with role-to-assume runs before it`);
    }
  }
  const inputsPair = pairOf(root, 'inputs');
  if (migrated && isMap(inputsPair?.value)) {
    const inputsMap = inputsPair.value as YAMLMap;
    // An input goes only when the key input was its one use.
    const uses = (name: string): number => (text.match(new RegExp(`inputs\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g')) ?? []).length;
    const unused = (inputsMap.items as Pair[]).filter((p) => keyInputs.includes(keyOf(p)) && uses(keyOf(p)) === 1);
    const has = pairOf(inputsMap, 'role-to-assume') !== undefined;
    if (!has || unused.length > 0) {
      if (!inputsMap.flow) {
        for (const p of unused) src.remove(src.pairExtent(p).start, src.pairExtent(p).end);
        if (!has) {
          const first = inputsMap.items[0] as Pair;
          const indent = ' '.repeat(src.column((first.key as Node).range?.[0] ?? 0));
          const anchor = inputsMap.items[inputsMap.items.length - 1] as Pair;
          src.insert(src.pairExtent(anchor).end, `${indent}role-to-assume:\n${indent}  description: ARN of the IAM role to assume through GitHub's OIDC token (keyless)\n${indent}  required: true\n`);
        }
        changes.push(`inputs: ${has ? '' : 'added role-to-assume'}${!has && unused.length > 0 ? '; ' : ''}${unused.length > 0 ? `removed ${unused.map(keyOf).join(', ')}` : ''}`);
      } else manual.push('inputs: declare role-to-assume and remove the key inputs');
    }
  } else if (migrated) {
    manual.push('inputs: declare the role-to-assume input');
  }
  return { before: text, after: src.apply(), changes, manual };
}

/** Whether a parsed YAML file is a composite action rather than a workflow. */
export function isCompositeActionText(text: string): boolean {
  const doc = parseDocument(text);
  const runs = pairOf(doc.contents, 'runs');
  return isMap(runs?.value) && pairOf(doc.contents, 'jobs') === undefined;
}
