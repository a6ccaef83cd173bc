/**
 * `keyless migrate-workflow` for a local composite action: which of its inputs feed the keys (for the workflows
 * that call it), and its rewrite to take `role-to-assume` instead.
 */
import { isMap, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import type { WorkflowRewrite } from './migrate-workflow.js';
import { isKeyName, refsOf } from './workflows.js';
import { Source, actionName, editMap, keyEnvPairs, keyOf, pairOf, removePairs, valueText } from './yaml-edit.js';

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
