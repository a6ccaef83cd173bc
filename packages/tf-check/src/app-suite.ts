/**
 * The checks every cdktf app of this repository must pass, as one Vitest suite an app's test file calls:
 * the app synthesizes the expected stacks, twice to the same bytes and from a shuffled config to the same
 * bytes, each stack holds what the app's own config declares (app-model.ts), the fast synthesizer writes the
 * same bytes, and the AWS half of every stack passes `terraform validate` with no diagnostics and plans
 * offline. Every expectation comes from the app's config, so the suite holds for any organisation's config.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dump, load } from 'js-yaml';
import { stackDifferences } from './app-model.js';
import type { StackJson, StackModel, TrustEvaluator } from './app-model.js';
import { checkStack } from './check.js';
import { terraformOrSkip } from './find.js';

export interface AppSuiteOptions {
  /** The app's name, for test titles. */
  readonly name: string;
  /** The app's config file. */
  readonly configFile: string;
  /** Synthesizes the app from a config file into an output directory; throws or sets exitCode on failure. */
  readonly synth: (configFile: string, outdir: string) => void;
  /** The stacks the app must produce, each with the model built from the app's config. */
  readonly stacks: readonly StackModel[];
  /** The fast synthesizer (`keyless synth`), which must write the same bytes as `synth`. */
  readonly fastSynth?: (configFile: string, outdir: string) => void;
  /** Decides whether a trust policy accepts a token (@keyless/policy's evaluator), to check every declared subject. */
  readonly evaluate?: TrustEvaluator;
}

export type { StackModel, TrustEvaluator } from './app-model.js';

/** Reads every synthesized file below an output directory, by relative path. */
export function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, readTree(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

/**
 * Reverses the order of every mapping and of every list whose order has no meaning in the config (trust
 * lists, policy ARNs, reviewers), keeping the content. Policy statement lists keep their order.
 */
export function shuffleConfigText(text: string): string {
  const visit = (value: unknown, key: string | undefined): unknown => {
    if (Array.isArray(value)) {
      const items = value.map((item) => visit(item, undefined));
      const unordered = key !== undefined && !['Statement', 'Action', 'Resource', 'workflows'].includes(key);
      return unordered ? items.reverse() : items;
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).reverse().map(([k, v]) => [k, visit(v, k)]));
    }
    return value;
  };
  return dump(visit(load(text), undefined));
}

export function defineAppSuite(options: AppSuiteOptions): void {
  const tf = terraformOrSkip();
  const dirs: string[] = [];
  const synthTo = (configFile: string): string => {
    const outdir = mkdtempSync(join(tmpdir(), `keyless-${options.name}-`));
    dirs.push(outdir);
    options.synth(configFile, outdir);
    return outdir;
  };
  let first: Record<string, string> | undefined;
  const output = (): Record<string, string> => {
    first ??= readTree(synthTo(options.configFile));
    return first;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const stackIds = options.stacks.map((s) => s.stackId);
  describe(`app ${options.name}`, () => {
    it('synthesizes exactly the stacks its config declares', () => {
      expect(stackIds.length).toBeGreaterThan(0);
      const stacks = Object.keys(output())
        .filter((f) => f.endsWith('/cdk.tf.json'))
        .map((f) => f.split('/')[1]);
      expect(stacks.sort()).toEqual([...stackIds].sort());
    });

    for (const stack of options.stacks) {
      it(`stack ${stack.stackId}: holds every role, policy, environment and variable its config declares, and no other`, () => {
        const json = output()[`stacks/${stack.stackId}/cdk.tf.json`];
        expect(json, `stack ${stack.stackId} was not synthesized`).toBeDefined();
        expect(stackDifferences(stack, JSON.parse(json ?? '{}') as StackJson, options.evaluate)).toEqual([]);
      });
    }

    it.skipIf(options.fastSynth === undefined)('gives the same bytes through the fast synthesizer (keyless synth)', () => {
      const outdir = mkdtempSync(join(tmpdir(), `keyless-${options.name}-fast-`));
      dirs.push(outdir);
      options.fastSynth?.(options.configFile, outdir);
      expect(readTree(outdir)).toEqual(output());
    });

    it('gives byte-identical output when synthesized twice', () => {
      expect(readTree(synthTo(options.configFile))).toEqual(output());
    });

    it('gives byte-identical output when the config entries are reordered', () => {
      const text = readFileSync(options.configFile, 'utf8');
      const shuffled = shuffleConfigText(text);
      expect(shuffled).not.toEqual(text);
      const dir = mkdtempSync(join(tmpdir(), 'keyless-shuffled-'));
      dirs.push(dir);
      const file = join(dir, basename(options.configFile));
      writeFileSync(file, shuffled);
      expect(readTree(synthTo(file))).toEqual(output());
    });

    for (const stack of stackIds) {
      it.skipIf(!tf.available)(`stack ${stack}: terraform validate passes with no diagnostics and the offline plan only adds`, () => {
        const json = output()[`stacks/${stack}/cdk.tf.json`];
        expect(json, `stack ${stack} was not synthesized`).toBeDefined();
        const result = checkStack(JSON.parse(json ?? '{}'), { plan: true });
        expect(result.validate.diagnostics).toEqual([]);
        expect(result.validate.valid).toBe(true);
        expect(result.plan?.stderr ?? '').not.toMatch(/Warning|Error/);
        expect(result.plan?.ok).toBe(true);
        expect(result.plan?.add).toBeGreaterThan(0);
        expect(result.plan?.change).toBe(0);
        expect(result.plan?.destroy).toBe(0);
        // A hang guard, not a speed requirement: on a loaded 2-core machine init, validate and plan of one stack
        // took over 2 minutes (check.ts bounds each terraform command; together up to 14 minutes).
      }, 900_000);
    }
  });
  if (!tf.available) console.warn(`[${options.name}] terraform checks skipped: ${tf.reason}`);
}
