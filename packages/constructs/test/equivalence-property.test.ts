/**
 * The fast synthesizer against the constructs, over every config field: for configs drawn from the testkit
 * generator (which the first block proves reaches every field of the access and bootstrap config schemas), the
 * files `keyless synth` writes are byte-identical to what cdktf synthesizes from KeylessStack and BootstrapStack,
 * stack by stack, manifest included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessConfigSchema, bootstrapAccounts, bootstrapConfigSchema, buildAccessModel, parseAccessConfig, splitModel } from '@keyless/policy';
import type { AccessConfig, BootstrapConfig } from '@keyless/policy';
import {
  accessConfigProblems,
  bootstrapConfigProblems,
  candidateAccessConfig,
  candidateBootstrapConfig,
  readTree,
  unreachedFields,
  validAccessConfig,
  validBootstrapConfig,
} from '@keyless/testkit';
import { App } from 'cdktf';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBootstrapStack, renderKeylessStack, writeSynthesized } from '../src/fast.js';
import { BootstrapStack, KeylessStack } from '../src/index.js';

const dirs: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-equivalence-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fixed seed: the coverage checks read the same samples on every run. */
const SEED = 20_260_915;

/** The generated config through YAML-equivalent plain data, as a config file would give it. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('config generator (@keyless/testkit)', () => {
  it('reaches every field of the access config schema, every union form, enum value and boolean', () => {
    const samples = fc.sample(validAccessConfig(), { numRuns: 300, seed: SEED });
    expect(unreachedFields(accessConfigSchema, samples), 'fields of accessConfigSchema that no generated config sets: extend packages/testkit/src/access-config.ts').toEqual([]);
  });

  it('reaches every field of the bootstrap config schema', () => {
    const samples = fc.sample(validBootstrapConfig(), { numRuns: 100, seed: SEED });
    expect(unreachedFields(bootstrapConfigSchema, samples), 'fields of bootstrapConfigSchema that no generated config sets: extend packages/testkit/src/bootstrap-config.ts').toEqual([]);
  });

  it('builds configs keyless accepts: at least 90% before the validity filter', () => {
    const samples = fc.sample(candidateAccessConfig(), { numRuns: 200, seed: SEED });
    const refused = samples.map(accessConfigProblems).filter((p) => p.length > 0);
    // The filter keeps properties honest; this keeps it cheap and says which rule the generator breaks.
    expect(refused.length, `refused samples, first problems: ${JSON.stringify(refused.slice(0, 3), null, 2)}`).toBeLessThanOrEqual(20);
    const bootstrap = fc.sample(candidateBootstrapConfig(), { numRuns: 50, seed: SEED }).map(bootstrapConfigProblems).filter((p) => p.length > 0);
    expect(bootstrap, 'refused bootstrap samples').toEqual([]);
  });

  it('finds an unreached field: a schema field the samples never set is reported', () => {
    const samples = fc.sample(validAccessConfig(), { numRuns: 50, seed: SEED }).map((c) => {
      const copy = plain(c) as { aws: Record<string, unknown> };
      delete copy.aws['tags'];
      return copy;
    });
    expect(unreachedFields(accessConfigSchema, samples)).toContain('aws.tags');
  });
});

function cdktfAccess(config: AccessConfig): Record<string, string> {
  const model = buildAccessModel(parseAccessConfig(plain(config)));
  const outdir = temp();
  const app = new App({ outdir });
  for (const { stackId, model: stackModel } of splitModel(model)) new KeylessStack(app, stackId, { model: stackModel });
  app.synth();
  return readTree(outdir);
}

function fastAccess(config: AccessConfig): Record<string, string> {
  const model = buildAccessModel(parseAccessConfig(plain(config)));
  const outdir = temp();
  writeSynthesized(outdir, splitModel(model).map(({ stackId, model: m }) => ({ id: stackId, json: renderKeylessStack(stackId, m) })));
  return readTree(outdir);
}

function bothBootstrap(config: BootstrapConfig): { cdktf: Record<string, string>; fast: Record<string, string> } {
  const accounts = bootstrapAccounts(plain(config));
  const reference = temp();
  const app = new App({ outdir: reference });
  for (const account of accounts) new BootstrapStack(app, `bootstrap-${account.key}`, { account, infraRepository: config.infraRepository.name });
  app.synth();
  const fast = temp();
  writeSynthesized(
    fast,
    accounts.map((account) => ({
      id: `bootstrap-${account.key}`,
      json: renderBootstrapStack(`bootstrap-${account.key}`, buildAccessModel(account.access), account, config.infraRepository.name),
    })),
  );
  return { cdktf: readTree(reference), fast: readTree(fast) };
}

describe('fast synthesizer equals cdktf over every config field', () => {
  it('writes the same bytes as KeylessStack for every stack of generated access configs', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(validAccessConfig(), (config) => {
        expect(fastAccess(config)).toEqual(cdktfAccess(config));
      }),
      { numRuns: 40 },
    );
  });

  it('writes the same bytes as BootstrapStack for every account of generated bootstrap configs', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(validBootstrapConfig(), (config) => {
        const { cdktf, fast } = bothBootstrap(config);
        expect(fast).toEqual(cdktf);
      }),
      { numRuns: 15 },
    );
  });
});
