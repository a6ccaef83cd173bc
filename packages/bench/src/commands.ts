/**
 * What users run, timed the way they run it, beside the engine rows of the benchmark:
 *
 * - `pnpm synth`, the README's main command, cold (first run after install: no bundle and no managed-policy
 *   index cached) and warm, beside `pnpm --version` (what pnpm's own start costs, which no app can change);
 * - `cdktf synth` in an app folder, split into the app's own part (the `app` command of its cdktf.json, run
 *   alone with CDKTF_OUTDIR set, as the CLI runs it) and the cdktf CLI around it (the rest of the wall time);
 * - the construct path (`runApp`, for teams that compose the constructs in stacks of their own) on generated
 *   organisations (1,000 and 10,000 repositories by default), through the same runner the apps use.
 *
 * Each also checks its output against `keyless synth`'s, by SHA-256 of every file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { treeDigests } from '@keyless/testkit';
import { generateOrg, orgYaml } from './generate.js';
import { measure } from './measure.js';
import type { Measurement } from './measure.js';
import { formatCount, formatSeconds, formatSpeedup, isTiming } from './table.js';
import type { SynthRow, Timing, Verdict } from './table.js';

export const COMMAND_TARGETS = {
  /** `pnpm synth` of the example apps, warm. */
  mainWarmSeconds: 1.5,
  /** `pnpm synth` warm against the stock path of the same apps, measured in the same run. */
  mainSpeedup: 40,
  /** `pnpm synth` on the first run after install. */
  mainColdSeconds: 6,
  /** The app's own part of `cdktf synth`. */
  appPartSeconds: 0.5,
  /** The construct path: this many repositories in at most constructSeconds (other sizes are reported, not judged). */
  constructRepositories: 1000,
  constructSeconds: 3,
} as const;

export interface CommandRow {
  /** What was run, as a user types it. */
  readonly command: string;
  /** What it ran on. */
  readonly case: string;
  readonly timing: Timing;
  /** Whether its output is byte-identical to `keyless synth`'s; undefined when not compared. */
  readonly sameOutput?: boolean;
  readonly note?: string;
}

export interface CommandContext {
  /** The repository root. */
  readonly root: string;
  /** The work directory of this bench run. */
  readonly work: string;
  /** The environment commands run in (no telemetry, no update checks). */
  readonly env: NodeJS.ProcessEnv;
  /** The bench's cdktf CLI. */
  readonly cdktfBin: string;
  readonly runs: number;
  readonly log: (text: string) => void;
  /** Builds a Timing from the runs' measurements. */
  readonly timing: (samples: readonly Measurement[]) => Timing;
}

function check(what: string, m: Measurement): Measurement {
  if (m.exitCode !== 0) throw new Error(`${what} exited with ${m.exitCode}:\n${(m.stderr || m.stdout).trim().split('\n').slice(-25).join('\n')}`);
  return m;
}

function line(m: Measurement): string {
  return `${formatSeconds(m.seconds)} s (${formatSeconds(m.cpuSeconds ?? Number.NaN)} s CPU), ${m.peakMb.toFixed(0)} MB`;
}

/** Digests of every app's cdktf.out below the root, keyed by `apps/<app>/<file>`. */
function appOutputs(root: string, apps: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const app of apps) for (const [file, digest] of Object.entries(treeDigests(join(root, 'apps', app, 'cdktf.out')))) out[`apps/${app}/${file}`] = digest;
  return out;
}

/**
 * `pnpm synth` at the root: once with an empty bundle cache (cold), then `runs` times warm. Its outputs are
 * compared with keyless synth's outputs of the same apps (`expected`: app → a directory keyless synth wrote).
 */
export async function benchMainCommand(ctx: CommandContext, expected: ReadonlyMap<string, string>): Promise<CommandRow[]> {
  // Cold: both caches a first run after install starts without, the scripts/run.mjs bundle and the index of
  // AWS managed policies (node_modules/.cache/keyless-managed-policies); the warm runs reuse what it built.
  const cache = mkdtempSync(join(ctx.work, 'run-cache-'));
  const env = { ...ctx.env, KEYLESS_RUN_CACHE: join(cache, 'run'), KEYLESS_MANAGED_POLICY_CACHE: join(cache, 'managed-policies') };
  const run = async (label: string): Promise<Measurement> => {
    const m = check('pnpm synth', await measure('pnpm', ['--silent', 'synth'], { cwd: ctx.root, env }));
    ctx.log(`  pnpm synth (${label}): ${line(m)}`);
    return m;
  };
  ctx.log('pnpm synth: cold (no bundle and no managed-policy index cached), then warm');
  const cold = await run('cold');
  const warm: Measurement[] = [];
  for (let i = 0; i < ctx.runs; i++) warm.push(await run(`warm ${i + 1}`));
  const apps = [...expected.keys()];
  const want: Record<string, string> = {};
  for (const [app, dir] of expected) for (const [file, digest] of Object.entries(treeDigests(dir))) want[`apps/${app}/${file}`] = digest;
  const got = appOutputs(ctx.root, apps);
  const sameOutput = JSON.stringify(got) === JSON.stringify(want);
  // What pnpm itself costs before it runs the script: the part of the main command no app can change.
  const pnpmOnly: Measurement[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const m = check('pnpm --version', await measure('pnpm', ['--version'], { cwd: ctx.root, env }));
    ctx.log(`  pnpm --version: ${line(m)}`);
    pnpmOnly.push(m);
  }
  const what = `apps/{${apps.join(',')}}`;
  return [
    { command: 'pnpm synth (cold)', case: what, timing: ctx.timing([cold]), sameOutput },
    { command: 'pnpm synth (warm)', case: what, timing: ctx.timing(warm), sameOutput },
    { command: 'pnpm --version', case: "pnpm's own start", timing: ctx.timing(pnpmOnly), note: 'what pnpm costs before it runs a script' },
  ];
}

/**
 * `cdktf synth` in `apps/<app>`: the whole command, and the app's own part (its cdktf.json `app` command run
 * alone, with CDKTF_OUTDIR set as the CLI sets it). The CLI's part is the difference of the medians.
 */
export async function benchCdktfSynth(ctx: CommandContext, app: string, expectedDir: string): Promise<CommandRow[]> {
  const dir = join(ctx.root, 'apps', app);
  const appCommand = (JSON.parse(readFileSync(join(dir, 'cdktf.json'), 'utf8')) as { app: string }).app;
  const outdir = mkdtempSync(join(ctx.work, `cdktf-app-${app}-`));
  ctx.log(`cdktf synth in apps/${app} (app: ${appCommand})`);
  // One run first, so that both are measured warm (the app's bundle cached, as after \`pnpm synth\`).
  check('app command', await measure('sh', ['-c', appCommand], { cwd: dir, env: { ...ctx.env, CDKTF_OUTDIR: outdir } }));
  const whole: Measurement[] = [];
  const part: Measurement[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const w = check('cdktf synth', await measure(ctx.cdktfBin, ['synth'], { cwd: dir, env: ctx.env }));
    ctx.log(`  cdktf synth: ${line(w)}`);
    whole.push(w);
    rmSync(outdir, { recursive: true, force: true });
    const a = check('app command', await measure('sh', ['-c', appCommand], { cwd: dir, env: { ...ctx.env, CDKTF_OUTDIR: outdir } }));
    ctx.log(`  app part (${appCommand}): ${line(a)}`);
    part.push(a);
  }
  const want = JSON.stringify(treeDigests(expectedDir));
  const sameOutput = JSON.stringify(treeDigests(outdir)) === want && JSON.stringify(treeDigests(join(dir, 'cdktf.out'))) === want;
  const wholeTiming = ctx.timing(whole);
  const partTiming = ctx.timing(part);
  // The whole command's peak is the CLI's process (the app's is far smaller), so the CLI part keeps it.
  const cli: Timing = {
    ...wholeTiming,
    seconds: Math.max(0, wholeTiming.seconds - partTiming.seconds),
    ...(wholeTiming.cpuSeconds !== undefined && partTiming.cpuSeconds !== undefined ? { cpuSeconds: Math.max(0, wholeTiming.cpuSeconds - partTiming.cpuSeconds) } : {}),
  };
  return [
    { command: 'cdktf synth', case: `apps/${app}`, timing: wholeTiming, sameOutput },
    { command: 'cdktf synth: app part', case: `apps/${app}`, timing: partTiming, sameOutput, note: appCommand },
    { command: 'cdktf synth: CLI part', case: `apps/${app}`, timing: cli, note: 'the whole command minus the app part' },
  ];
}

/**
 * The construct path on a generated organisation of `repositories`: `runApp` (construct tree, then cdktf's
 * synthesis) from `src/construct-app.ts`, run the way the apps run (scripts/run.mjs). `keylessSynth` writes the
 * same config with the printer, for the byte comparison.
 */
export async function benchConstructPath(ctx: CommandContext, repositories: number, keylessSynth: (configFile: string, outdir: string) => Promise<void>): Promise<CommandRow> {
  const dir = mkdtempSync(join(ctx.work, `construct-${repositories}-`));
  const config = join(dir, 'access.yaml');
  writeFileSync(config, orgYaml(generateOrg(repositories)));
  const entry = join(ctx.root, 'packages', 'bench', 'src', 'construct-app.ts');
  const runner = join(ctx.root, 'scripts', 'run.mjs');
  const outdir = join(dir, 'constructs.out');
  ctx.log(`construct path: ${formatCount(repositories)} repositories (${relative(ctx.root, entry)})`);
  // Builds the entry's bundle, so that the runs measure what a user's second synth costs.
  const tiny = join(dir, 'tiny.yaml');
  writeFileSync(tiny, orgYaml(generateOrg(1)));
  check('construct path', await measure(process.execPath, [runner, entry, '--', tiny, join(dir, 'tiny.out')], { cwd: ctx.root, env: ctx.env }));
  const runs: Measurement[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    rmSync(outdir, { recursive: true, force: true });
    const m = check('construct path', await measure(process.execPath, [runner, entry, '--', config, outdir], { cwd: ctx.root, env: ctx.env }));
    ctx.log(`  runApp: ${line(m)}`);
    runs.push(m);
  }
  const keylessOut = join(dir, 'keyless.out');
  await keylessSynth(config, keylessOut);
  const sameOutput = JSON.stringify(treeDigests(outdir)) === JSON.stringify(treeDigests(keylessOut));
  return { command: 'construct path (runApp)', case: `${formatCount(repositories)} repos`, timing: ctx.timing(runs), sameOutput };
}

/** The stock path's total over the example apps of the run, or undefined when one was not measured. */
export function stockExamplesSeconds(rows: readonly SynthRow[], apps: readonly string[]): number | undefined {
  let total = 0;
  for (const app of apps) {
    const row = rows.find((r) => r.case === `apps/${app}`);
    if (row === undefined || !isTiming(row.stock)) return undefined;
    total += row.stock.seconds;
  }
  return apps.length > 0 ? total : undefined;
}

/** Checks the command rows against the targets. */
export function commandVerdicts(rows: readonly CommandRow[], stockSeconds: number | undefined): Verdict[] {
  const out: Verdict[] = [];
  const t = COMMAND_TARGETS;
  const find = (command: string): CommandRow | undefined => rows.find((r) => r.command === command);
  const warm = find('pnpm synth (warm)');
  if (warm) {
    out.push({
      target: `pnpm synth (warm) ≤ ${t.mainWarmSeconds} s`,
      status: warm.timing.seconds <= t.mainWarmSeconds ? 'PASS' : 'FAIL',
      detail: `${formatSeconds(warm.timing.seconds)} s`,
    });
    const x = stockSeconds !== undefined && warm.timing.seconds > 0 ? stockSeconds / warm.timing.seconds : undefined;
    out.push(
      x === undefined
        ? { target: `pnpm synth (warm) ≥ ${t.mainSpeedup}× faster than stock`, status: 'NOT MEASURED', detail: 'the stock path did not run on every example app' }
        : {
            target: `pnpm synth (warm) ≥ ${t.mainSpeedup}× faster than stock`,
            status: x >= t.mainSpeedup ? 'PASS' : 'FAIL',
            detail: `${formatSpeedup(x)} (stock ${formatSeconds(stockSeconds as number)} s for the same apps → ${formatSeconds(warm.timing.seconds)} s)`,
          },
    );
  }
  const cold = find('pnpm synth (cold)');
  if (cold) {
    out.push({ target: `pnpm synth (cold) ≤ ${t.mainColdSeconds} s`, status: cold.timing.seconds <= t.mainColdSeconds ? 'PASS' : 'FAIL', detail: `${formatSeconds(cold.timing.seconds)} s` });
  }
  for (const part of rows.filter((r) => r.command === 'cdktf synth: app part')) {
    out.push({
      target: `${part.case}: cdktf synth, the app's part ≤ ${t.appPartSeconds} s`,
      status: part.timing.seconds <= t.appPartSeconds ? 'PASS' : 'FAIL',
      detail: `${formatSeconds(part.timing.seconds)} s`,
    });
  }
  for (const row of rows.filter((r) => r.command.startsWith('construct path'))) {
    const n = Number(row.case.replace(/[^0-9]/g, ''));
    if (n !== t.constructRepositories) continue;
    out.push({
      target: `construct path, ${row.case} ≤ ${t.constructSeconds} s`,
      status: row.timing.seconds <= t.constructSeconds ? 'PASS' : 'FAIL',
      detail: `${formatSeconds(row.timing.seconds)} s`,
    });
  }
  for (const row of rows) {
    if (row.sameOutput === false) out.push({ target: `${row.command}, ${row.case}: the bytes keyless synth writes`, status: 'FAIL', detail: 'outputs differ (SHA-256 of every file)' });
  }
  return out;
}

export const COMMAND_HEADER = ['command', 'case', 's', 'CPU s', 'MB', 'same bytes'] as const;

export function commandCells(row: CommandRow): string[] {
  return [
    row.command,
    row.case,
    formatSeconds(row.timing.seconds),
    row.timing.cpuSeconds === undefined ? '-' : formatSeconds(row.timing.cpuSeconds),
    row.timing.peakMb.toFixed(0),
    row.sameOutput === undefined ? '-' : row.sameOutput ? 'yes' : 'NO',
  ];
}
