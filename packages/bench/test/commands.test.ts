/**
 * The "what users run" part of the benchmark: its options, the stock total it compares against, its verdicts
 * and its table. Timings here are made-up rows: no test measures or asserts time.
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_TARGETS, commandCells, commandVerdicts, stockExamplesSeconds } from '../src/commands.js';
import type { CommandRow } from '../src/commands.js';
import { parseOptions } from '../src/options.js';
import type { SynthRow, Timing } from '../src/table.js';

const t = (seconds: number): Timing => ({ seconds, peakMb: 90, cpuSeconds: seconds, runs: 1, samples: [{ seconds, peakMb: 90, cpuSeconds: seconds }] });

function example(app: string, stock: Timing | { skipped: string }): SynthRow {
  return { case: `apps/${app}`, kind: 'example', repositories: 0, stacks: 1, roles: 1, resources: 1, keyless: t(0.5), stock, differences: [] };
}

const rows = (overrides: Partial<Record<string, number>> = {}): CommandRow[] => [
  { command: 'pnpm synth (cold)', case: 'apps/{bootstrap,dev,prod}', timing: t(overrides['cold'] ?? 3), sameOutput: true },
  { command: 'pnpm synth (warm)', case: 'apps/{bootstrap,dev,prod}', timing: t(overrides['warm'] ?? 1), sameOutput: true },
  { command: 'cdktf synth', case: 'apps/dev', timing: t(9), sameOutput: true },
  { command: 'cdktf synth: app part', case: 'apps/dev', timing: t(overrides['app'] ?? 0.3), sameOutput: true },
  { command: 'cdktf synth: CLI part', case: 'apps/dev', timing: t(8.7) },
  { command: 'construct path (runApp)', case: '1,000 repos', timing: t(overrides['construct'] ?? 2.5), sameOutput: true },
];

const statuses = (list: ReturnType<typeof commandVerdicts>): Record<string, string> => Object.fromEntries(list.map((v) => [v.target, v.status]));

describe('commandVerdicts', () => {
  it('passes every target when the rows meet them', () => {
    const list = commandVerdicts(rows(), 60);
    expect(list.map((v) => v.status)).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
    expect(list.map((v) => v.target)).toEqual([
      `pnpm synth (warm) ≤ ${COMMAND_TARGETS.mainWarmSeconds} s`,
      `pnpm synth (warm) ≥ ${COMMAND_TARGETS.mainSpeedup}× faster than stock`,
      `pnpm synth (cold) ≤ ${COMMAND_TARGETS.mainColdSeconds} s`,
      `apps/dev: cdktf synth, the app's part ≤ ${COMMAND_TARGETS.appPartSeconds} s`,
      `construct path, 1,000 repos ≤ ${COMMAND_TARGETS.constructSeconds} s`,
    ]);
  });

  it.each([
    ['warm', 1.6, 'pnpm synth (warm) ≤ 1.5 s'],
    ['cold', 6.1, 'pnpm synth (cold) ≤ 6 s'],
    ['app', 0.51, "apps/dev: cdktf synth, the app's part ≤ 0.5 s"],
    ['construct', 3.1, 'construct path, 1,000 repos ≤ 3 s'],
  ])('fails when %s takes %f s', (key, seconds, target) => {
    expect(statuses(commandVerdicts(rows({ [key]: seconds }), 1000))[target]).toBe('FAIL');
  });

  it('fails the speed-up below 40× the stock path and says when the stock path did not run', () => {
    expect(statuses(commandVerdicts(rows({ warm: 1 }), 39))['pnpm synth (warm) ≥ 40× faster than stock']).toBe('FAIL');
    expect(statuses(commandVerdicts(rows({ warm: 1 }), undefined))['pnpm synth (warm) ≥ 40× faster than stock']).toBe('NOT MEASURED');
  });

  it('fails a command whose output differs from keyless synth', () => {
    const list = commandVerdicts([{ ...(rows()[1] as CommandRow), sameOutput: false }], 60);
    expect(list.find((v) => v.status === 'FAIL')?.target).toBe('pnpm synth (warm), apps/{bootstrap,dev,prod}: the bytes keyless synth writes');
  });

  it('judges the construct path at 1,000 repositories only (other sizes are reported, not judged)', () => {
    const small: CommandRow = { command: 'construct path (runApp)', case: '100 repos', timing: t(30), sameOutput: true };
    const large: CommandRow = { command: 'construct path (runApp)', case: '10,000 repos', timing: t(30), sameOutput: true };
    expect(commandVerdicts([small, large], 60)).toEqual([]);
  });

  it('reports pnpm\'s own start without judging it', () => {
    const pnpm: CommandRow = { command: 'pnpm --version', case: "pnpm's own start", timing: t(1) };
    expect(commandVerdicts([...rows(), pnpm], 60).map((v) => v.status)).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
  });
});

describe('stockExamplesSeconds', () => {
  it('sums the stock path over the apps, or is undefined when one was not measured', () => {
    const all = [example('dev', t(20)), example('prod', t(21)), example('bootstrap', t(19))];
    expect(stockExamplesSeconds(all, ['bootstrap', 'dev', 'prod'])).toBe(60);
    expect(stockExamplesSeconds([...all.slice(0, 2), example('bootstrap', { skipped: '--no-stock' })], ['bootstrap', 'dev', 'prod'])).toBeUndefined();
    expect(stockExamplesSeconds(all.slice(0, 2), ['bootstrap', 'dev', 'prod'])).toBeUndefined();
  });
});

describe('commandCells', () => {
  it('shows seconds, CPU, memory and whether the bytes match', () => {
    expect(commandCells(rows()[1] as CommandRow)).toEqual(['pnpm synth (warm)', 'apps/{bootstrap,dev,prod}', '1.00', '1.00', '90', 'yes']);
    expect(commandCells(rows()[4] as CommandRow)[5]).toBe('-');
  });
});

describe('options for what users run', () => {
  it('runs the commands by default: cdktf synth in apps/dev and the construct path at 1,000 and 10,000 repositories', () => {
    expect(parseOptions([])).toMatchObject({ commands: true, cdktfApp: 'dev', constructSizes: [1000, 10000] });
    expect(parseOptions(['--no-commands', '--cdktf-app', 'none', '--construct-sizes', 'none'])).toMatchObject({ commands: false, cdktfApp: undefined, constructSizes: [] });
    expect(parseOptions(['--cdktf-app', 'prod', '--construct-sizes', '100,1000'])).toMatchObject({ cdktfApp: 'prod', constructSizes: [100, 1000] });
  });

  it('fails on an app name that is not a directory name, and on sizes that are not counts', () => {
    expect(() => parseOptions(['--cdktf-app', '../x'])).toThrow(/--cdktf-app: "\.\.\/x"/);
    expect(() => parseOptions(['--construct-sizes', 'many'])).toThrow(/--construct-sizes/);
  });
});
