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
import { isKeyName } from './workflows.js';
import { Source, actionName, dashColumnOf, dashStartOf, editMap, keyEnvPairs, keyOf, pairOf, removePairs, valueText } from './yaml-edit.js';

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
