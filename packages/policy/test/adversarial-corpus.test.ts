import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { evaluateTrustPolicy } from '../src/index.js';
import { MissingCorpusError, caseClaims, intentToPolicy, loadPublicCorpus, publicCorpusPath, type Corpus } from './corpus.js';

// The shared corpus lives outside the repository. Missing it is a failure, not a skip, unless the caller
// says explicitly that this machine has no shared/ directory.
let corpus: Corpus | undefined;
let missing: string | undefined;
try {
  corpus = loadPublicCorpus();
} catch (error) {
  if (!(error instanceof MissingCorpusError)) throw error;
  missing = error.message;
}
const allowMissing = process.env['KEYLESS_ALLOW_MISSING_SHARED'] === '1';

describe('adversarial public corpus', () => {
  if (corpus === undefined) {
    if (allowMissing) it.skip(`is skipped because KEYLESS_ALLOW_MISSING_SHARED=1: ${missing}`, () => {});
    else
      it('finds the shared corpus', () => {
        throw new Error(missing);
      });
    return;
  }
  const { defaults, cases } = corpus;

  it('has cases to run', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => ({ ...c, name: c.id })))('$name: AWS must $expect the token', (c) => {
    const evaluation = evaluateTrustPolicy(intentToPolicy(c.intent, defaults), caseClaims(c, defaults));
    expect({ id: c.id, allowed: evaluation.allowed, reasons: evaluation.reasons }).toMatchObject({
      id: c.id,
      allowed: c.expect === 'allow',
    });
    if (c.expect === 'deny') expect(evaluation.reasons.length).toBeGreaterThan(0);
    else expect(evaluation.matchedStatements.length).toBeGreaterThan(0);
  });
});

describe('publicCorpusPath', () => {
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
      expect(publicCorpusPath(testDir)).toBe(file);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('prefers KEYLESS_SHARED_DIR when it is set', () => {
    const { root, file } = layout();
    try {
      vi.stubEnv('KEYLESS_SHARED_DIR', join(root, 'shared'));
      expect(publicCorpusPath(tmpdir())).toBe(file);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('fails when KEYLESS_SHARED_DIR points at a directory without the corpus', () => {
    vi.stubEnv('KEYLESS_SHARED_DIR', '/nonexistent-keyless-shared');
    expect(() => publicCorpusPath()).toThrow(
      'KEYLESS_SHARED_DIR is "/nonexistent-keyless-shared", but /nonexistent-keyless-shared/fixtures/adversarial-public.json does not exist',
    );
  });

  it('fails when no shared/ directory is found, naming where it looked and how to fix it', () => {
    vi.stubEnv('KEYLESS_SHARED_DIR', '');
    const root = mkdtempSync(join(tmpdir(), 'keyless-nocorpus-'));
    try {
      expect(() => publicCorpusPath(root)).toThrow(MissingCorpusError);
      expect(() => publicCorpusPath(root)).toThrow(/looked at .*keyless-nocorpus-.*shared\/fixtures\/adversarial-public\.json.*KEYLESS_SHARED_DIR/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
