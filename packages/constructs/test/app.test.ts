import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@keyless/policy';
import { octoOrg, prng, readTree, shuffled } from '@keyless/testkit';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadAccessModel, runApp, runBootstrapApp } from '../src/index.js';
import { yaml } from './helpers.js';

// The octo-org fixture configs (packages/testkit/fixtures), not the repository's example apps.
const DEV = pathToFileURL(octoOrg.dev);
const PROD = pathToFileURL(octoOrg.prod);
const BOOTSTRAP = pathToFileURL(octoOrg.bootstrap);

const BAD = `
environment: dev
aws:
  accountId: "111111111111"
  region: eu-west-1
github:
  owner: octo-org
repositories:
  web:
    roles:
      deploy:
        trust:
          branchPatterns: ["*"]
`;

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-app-'));
  dirs.push(dir);
  return dir;
}

function synthInto(configFile: string | URL): { outdir: string; files: Record<string, string> } {
  const outdir = tempDir();
  runApp({ configFile, outdir });
  return { outdir, files: readTree(outdir) };
}

// Lists whose order carries no meaning in the access config; the order of policy statements and actions does.
const UNORDERED_LISTS = new Set(['branches', 'branchPatterns', 'tags', 'tagPatterns', 'environments', 'workflows', 'managedPolicyArns', 'users', 'teams', 'deploymentBranches', 'audiences']);


/** Reorders every mapping's keys, and the lists whose order does not matter, outside policy documents. */
function reorder(value: unknown, next: () => number, key = '', inPolicy = false): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => reorder(v, next, '', inPolicy));
    return !inPolicy && UNORDERED_LISTS.has(key) ? shuffled(items, next) : items;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return Object.fromEntries(
      shuffled(entries, next).map(([k, v]) => [k, reorder(v, next, k, inPolicy || key === 'inlinePolicies')]),
    );
  }
  return value;
}

function shuffledVariant(source: URL, seed: number): string {
  const text = yaml.stringify(reorder(yaml.parse(readFileSync(source, 'utf8')), prng(seed)));
  const file = join(tempDir(), 'access.yaml');
  writeFileSync(file, text);
  return file;
}

describe('runApp', () => {
  it('leaves Error.prepareStackTrace as it found it', () => {
    const mine = (_error: Error, _frames: unknown[]) => 'mine';
    const previous = Error.prepareStackTrace;
    Error.prepareStackTrace = mine;
    try {
      synthInto(DEV);
      expect(Error.prepareStackTrace).toBe(mine);
    } finally {
      Error.prepareStackTrace = previous;
    }
  });

  let stderr: string[];

  beforeEach(() => {
    stderr = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  describe('with a config that breaks a rule', () => {
    function runBad(): { outdir: string; result: ReturnType<typeof runApp> } {
      const file = join(tempDir(), 'access.yaml');
      writeFileSync(file, BAD);
      const outdir = tempDir();
      return { outdir, result: runApp({ configFile: file, outdir }) };
    }

    it('writes nothing in the output directory', () => {
      const { outdir, result } = runBad();
      expect(result).toBeUndefined();
      expect(readdirSync(outdir)).toEqual([]);
    });

    it('sets a failing exit code', () => {
      runBad();
      expect(process.exitCode).toBe(1);
    });

    it('prints the file, the entry, the value and the rule to stderr', () => {
      runBad();
      const text = stderr.join('');
      expect(text).toMatch(/access\.yaml: invalid access config\n/);
      expect(text).toContain('repositories.web.roles.deploy.trust.branchPatterns[0]: "*": this trusts every branch');
      expect(text).toContain('set dangerouslyAllowAnyBranch: true to opt in');
      expect(text).toContain('nothing was synthesized');
    });

    it('reports a file that does not exist the same way', () => {
      const outdir = tempDir();
      expect(runApp({ configFile: join(outdir, 'missing.yaml'), outdir })).toBeUndefined();
      expect(process.exitCode).toBe(1);
      expect(stderr.join('')).toMatch(/missing\.yaml: invalid access config\n {2}- cannot read the file: ENOENT/);
      expect(readdirSync(outdir)).toEqual([]);
    });

    it('reports YAML with a duplicate key', () => {
      const file = join(tempDir(), 'access.yaml');
      writeFileSync(file, `${BAD}environment: prod\n`);
      const outdir = tempDir();
      runApp({ configFile: file, outdir });
      expect(process.exitCode).toBe(1);
      expect(stderr.join('')).toContain('invalid access config');
      expect(readdirSync(outdir)).toEqual([]);
    });
  });

  describe('with a valid config', () => {
    it('writes stacks/<environment>/cdk.tf.json and leaves the exit code alone', () => {
      const { outdir } = synthInto(DEV);
      const stack = JSON.parse(readFileSync(join(outdir, 'stacks', 'dev', 'cdk.tf.json'), 'utf8')) as { resource: Record<string, unknown> };
      expect(Object.keys(stack.resource)).toContain('aws_iam_role');
      expect(process.exitCode).toBeUndefined();
      expect(stderr).toEqual([]);
    });

    it('names the stack directory after stackName when given', () => {
      const outdir = tempDir();
      runApp({ configFile: DEV, outdir, stackName: 'dev-eu' });
      expect(readdirSync(join(outdir, 'stacks'))).toEqual(['dev-eu']);
    });

    it('synthesizes the same config twice into byte-identical files', () => {
      const first = synthInto(DEV).files;
      const second = synthInto(DEV).files;
      expect(Object.keys(first)).toContain('stacks/dev/cdk.tf.json');
      expect(second).toEqual(first);
    });

    it('synthesizes a config with reordered repositories, roles, keys and trust lists into byte-identical files', () => {
      const baseline = synthInto(DEV).files;
      fc.assert(
        fc.property(fc.integer(), (seed) => {
          const variant = shuffledVariant(DEV, seed);
          expect(readFileSync(variant, 'utf8')).not.toBe(readFileSync(DEV, 'utf8'));
          expect(synthInto(variant).files).toEqual(baseline);
        }),
        { numRuns: 10 },
      );
    });

    it('synthesizes the prod config reordered into byte-identical files', () => {
      const baseline = synthInto(PROD).files;
      for (const seed of [1, 2, 3]) expect(synthInto(shuffledVariant(PROD, seed)).files).toEqual(baseline);
    });

    it('really reorders the repositories in the shuffled variants', () => {
      const repositoryOrder = (file: string | URL) =>
        Object.keys((yaml.parse(readFileSync(file, 'utf8')) as { repositories: object }).repositories).join();
      const orders = new Set([1, 2, 3, 4, 5].map((seed) => repositoryOrder(shuffledVariant(DEV, seed))));
      orders.delete(repositoryOrder(DEV));
      expect(orders.size).toBeGreaterThan(0);
    });
  });
});

describe('runBootstrapApp', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes one bootstrap-<account> stack per account', () => {
    const outdir = tempDir();
    runBootstrapApp({ configFile: BOOTSTRAP, outdir });
    expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual(['bootstrap-dev', 'bootstrap-prod']);
  });

  it('fails when an account breaks a rule, writing no stack at all', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const file = join(tempDir(), 'bootstrap.yaml');
    writeFileSync(file, readFileSync(BOOTSTRAP, 'utf8').replace('accountId: "222222222222"', 'accountId: "2222"'));
    const outdir = tempDir();
    expect(runBootstrapApp({ configFile: file, outdir })).toBeUndefined();
    expect(process.exitCode).toBe(1);
    expect(readdirSync(outdir)).toEqual([]);
    expect(spy.mock.calls.map((c) => String(c[0])).join('')).toContain('an AWS account id is exactly 12 digits');
  });
});

describe('loadAccessModel', () => {
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('builds the same model from a reordered config', () => {
    expect(loadAccessModel(shuffledVariant(DEV, 7))).toEqual(loadAccessModel(DEV));
  });

  it('reads a file given as a URL or a path', () => {
    expect(loadAccessModel(DEV)).toEqual(loadAccessModel(DEV.pathname));
  });

  it('fails when the config breaks a rule, with a ConfigError naming the file', () => {
    const file = join(tempDir(), 'access.yaml');
    writeFileSync(file, BAD);
    expect(() => loadAccessModel(file)).toThrow(ConfigError);
    expect(() => loadAccessModel(file)).toThrow(`${file}: invalid access config`);
  });
});
