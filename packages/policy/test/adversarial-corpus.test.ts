import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROJECT_CORPUS_FILE, loadCorpusFile, loadProjectCorpus, loadSharedCorpus, sharedCorpusPath } from './corpus.js';
import { runCorpus } from './corpus-suite.js';

// The project's own copy of the public cases: always there, in every clone.
describe('adversarial public corpus (the project copy, test/fixtures/adversarial-public.json)', () => {
  const corpus = loadProjectCorpus();
  runCorpus(corpus);

  it('keeps both outcomes covered', () => {
    expect(corpus.cases.filter((c) => c.expect === 'allow').length).toBeGreaterThan(0);
    expect(corpus.cases.filter((c) => c.expect === 'deny').length).toBeGreaterThan(corpus.cases.length / 2);
  });
});

// The shared corpus, when the machine has one beside the clone: extra material that may hold newer cases.
const shared = loadSharedCorpus();
describe('adversarial shared corpus (extra, when present)', () => {
  if (shared === undefined) {
    it.skip('is not on this machine (no shared/fixtures/adversarial-public.json above the clone); the project copy ran', () => {});
    return;
  }
  runCorpus(shared.corpus);

  it('agrees with the project copy on every case they both have', () => {
    const own = new Map(loadProjectCorpus().cases.map((c) => [c.id, c]));
    const differing = shared.corpus.cases.filter((c) => own.has(c.id) && JSON.stringify(own.get(c.id)) !== JSON.stringify(c)).map((c) => c.id);
    expect(differing, `update ${PROJECT_CORPUS_FILE} from ${shared.file}`).toEqual([]);
    expect(loadProjectCorpus().defaults).toEqual(shared.corpus.defaults);
  });
});

describe('sharedCorpusPath', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  function layout(): { root: string; testDir: string; file: string } {
    // A clone somewhere else with shared/ beside it, as CI checks it out.
    const root = mkdtempSync(join(tmpdir(), 'keyless-corpus-'));
    const testDir = join(root, 'clone', 'packages', 'policy', 'test');
    mkdirSync(testDir, { recursive: true });
    mkdirSync(join(root, 'shared', 'fixtures'), { recursive: true });
    const file = join(root, 'shared', 'fixtures', 'adversarial-public.json');
    writeFileSync(file, '{"defaults":{},"cases":[]}');
    return { root, testDir, file };
  }

  it('finds shared/ beside a clone by walking up from the test directory', () => {
    vi.stubEnv('KEYLESS_SHARED_DIR', '');
    const { root, testDir, file } = layout();
    try {
      expect(sharedCorpusPath(testDir)).toBe(file);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('prefers KEYLESS_SHARED_DIR when it is set', () => {
    const { root, file } = layout();
    try {
      vi.stubEnv('KEYLESS_SHARED_DIR', join(root, 'shared'));
      expect(sharedCorpusPath(tmpdir())).toBe(file);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('fails when KEYLESS_SHARED_DIR points at a directory without the corpus', () => {
    vi.stubEnv('KEYLESS_SHARED_DIR', '/nonexistent-keyless-shared');
    expect(() => sharedCorpusPath()).toThrow(
      'KEYLESS_SHARED_DIR is "/nonexistent-keyless-shared", but /nonexistent-keyless-shared/fixtures/adversarial-public.json does not exist',
    );
  });

  it('is undefined, not an error, when no shared/ directory is found: a fresh clone runs the project copy only', () => {
    vi.stubEnv('KEYLESS_SHARED_DIR', '');
    const root = mkdtempSync(join(tmpdir(), 'keyless-nocorpus-'));
    try {
      expect(sharedCorpusPath(root)).toBeUndefined();
      expect(loadSharedCorpus(root)).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('loadCorpusFile', () => {
  it('names the file when it is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-badcorpus-'));
    const file = join(dir, 'adversarial-public.json');
    writeFileSync(file, '{"cases": [');
    try {
      expect(() => loadCorpusFile(file)).toThrow(`the adversarial corpus ${file} is not valid JSON`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a case whose intent it does not understand, instead of passing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-badcorpus-'));
    const file = join(dir, 'adversarial-public.json');
    const { defaults } = loadProjectCorpus();
    writeFileSync(file, JSON.stringify({ defaults, cases: [{ id: 'x', intent: { branch: 'main', sneaky: true }, claims: {}, expect: 'deny' }] }));
    try {
      expect(() => loadCorpusFile(file)).toThrow('corpus case x: intent key "sneaky" is not understood');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
