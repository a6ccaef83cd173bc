/**
 * `pnpm bench`: the stock CDKTF path (`cdktf synth` of a default-template TypeScript app importing the
 * provider packages from their roots, run through ts-node) against `keyless synth`, on the example apps and on
 * generated organisations, with wall time, peak RSS and their ratios; optionally terraform validate and an
 * offline plan of the generated organisations with the real AWS provider.
 *
 *   pnpm bench                                  # examples + 100, 1,000, 10,000 repositories (+ 10,000 in 16 shards)
 *   pnpm bench -- --sizes 100,1000 --runs 1     # quicker
 *   pnpm bench -- --terraform --json bench.json # + terraform validate/plan at 1,000 and 10,000
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { COMMAND_HEADER, COMMAND_TARGETS, benchCdktfSynth, benchConstructPath, benchMainCommand, commandCells, commandVerdicts, stockExamplesSeconds } from './commands.js';
import type { CommandContext, CommandRow } from './commands.js';
import { generateOrg, orgYaml } from './generate.js';
import { MEMORY_METHOD_NOTE, measure, median, memoryMethod } from './measure.js';
import type { Measurement } from './measure.js';
import { compareSummaries, manifestStacks, summarizeOutput } from './outputs.js';
import type { OutputSummary } from './outputs.js';
import { BENCH_DIR, stockModel, writeStockApp } from './stock-app.js';
import {
  TARGETS,
  formatCount,
  formatSeconds,
  isTiming,
  renderSynthTable,
  renderTable,
  renderTerraformTable,
  renderVerdicts,
  verdicts,
} from './table.js';
import type { SynthRow, TerraformRow, Timing } from './table.js';
import { USAGE, parseOptions } from './options.js';
import type { Options } from './options.js';
import { setupTerraform, terraformStack } from './terraform.js';
import type { StackTerraformResult } from './terraform.js';

const ROOT = resolve(BENCH_DIR, '..', '..');
// `pnpm keyless` runs the CLI from the bundle scripts/run.mjs caches; the bench runs the same, without pnpm.
const KEYLESS = [join(ROOT, 'scripts', 'run.mjs'), join(ROOT, 'scripts', 'keyless.ts'), '--'];
const CDKTF_BIN = join(BENCH_DIR, 'node_modules', '.bin', 'cdktf');

interface Case {
  readonly name: string;
  readonly kind: 'example' | 'generated';
  readonly configFile: string;
  readonly repositories: number;
  readonly runs: number;
  /** Why the stock path is skipped, if it is. */
  readonly skipStock?: string;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Environment of both engines: no telemetry, no version checks, no update notices, no plugin cache. */
function engineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['INIT_CWD'];
  delete env['TF_CLI_CONFIG_FILE']; // cdktf runs `terraform version`; a configured but missing file only adds warnings
  delete env['CDKTF_OUTDIR'];
  return {
    ...env,
    CHECKPOINT_DISABLE: '1',
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
    DISABLE_VERSION_CHECK: '1',
    CI: '1',
    NO_UPDATE_NOTIFIER: '1',
    npm_config_update_notifier: 'false',
    FORCE_COLOR: '0',
  };
}

function timing(samples: readonly Measurement[]): Timing {
  const cpu = samples.map((s) => s.cpuSeconds).filter((c): c is number => c !== undefined);
  return {
    seconds: median(samples.map((s) => s.seconds)),
    peakMb: median(samples.map((s) => s.peakMb)),
    ...(cpu.length === samples.length && cpu.length > 0 ? { cpuSeconds: median(cpu) } : {}),
    runs: samples.length,
    samples: samples.map((s) => ({ seconds: s.seconds, peakMb: Math.round(s.peakMb * 10) / 10, ...(s.cpuSeconds !== undefined ? { cpuSeconds: s.cpuSeconds } : {}) })),
  };
}

function failure(what: string, m: Measurement): string {
  return `${what} exited with ${m.exitCode}:\n${(m.stderr || m.stdout).trim().split('\n').slice(-25).join('\n')}`;
}

async function runKeyless(c: Case, outdir: string): Promise<Measurement> {
  rmSync(outdir, { recursive: true, force: true });
  const m = await measure(process.execPath, [...KEYLESS, 'synth', c.configFile, '--out', outdir], { cwd: ROOT, env: engineEnv() });
  if (m.exitCode !== 0) throw new Error(failure(`keyless synth ${c.configFile}`, m));
  return m;
}

async function runStock(dir: string): Promise<Measurement> {
  rmSync(join(dir, 'cdktf.out'), { recursive: true, force: true });
  return measure(CDKTF_BIN, ['synth'], { cwd: dir, env: engineEnv() });
}

async function benchCase(c: Case, work: string, options: Options): Promise<{ row: SynthRow; keylessOut: string }> {
  const caseDir = join(work, c.name.replace(/[^A-Za-z0-9_.-]+/g, '-'));
  mkdirSync(caseDir, { recursive: true });
  const keylessOut = join(caseDir, 'keyless.out');
  const stockDir = join(caseDir, 'stock');
  const doStock = options.stock && c.skipStock === undefined;
  if (doStock) writeStockApp(stockDir, stockModel(c.configFile), 'stock');

  const keylessRuns: Measurement[] = [];
  const stockRuns: Measurement[] = [];
  let stockFailure: string | undefined;
  log(`${c.name}: ${c.runs} run(s) per engine, load ${load()}`);
  for (let i = 0; i < c.runs; i++) {
    if (doStock && stockFailure === undefined) {
      const m = await runStock(stockDir);
      if (m.exitCode !== 0) stockFailure = failure('cdktf synth', m);
      else {
        stockRuns.push(m);
        log(`  stock   run ${i + 1}: ${formatSeconds(m.seconds)} s (${formatSeconds(m.cpuSeconds ?? NaN)} s CPU), ${m.peakMb.toFixed(0)} MB (load ${load()})`);
      }
    }
    const k = await runKeyless(c, keylessOut);
    keylessRuns.push(k);
    log(`  keyless run ${i + 1}: ${formatSeconds(k.seconds)} s (${formatSeconds(k.cpuSeconds ?? NaN)} s CPU), ${k.peakMb.toFixed(0)} MB (load ${load()})`);
  }
  const keylessSummary = summarizeOutput(keylessOut);
  let differences: string[] = [];
  let stock: SynthRow['stock'];
  if (!options.stock) stock = { skipped: '--no-stock' };
  else if (c.skipStock !== undefined) stock = { skipped: c.skipStock };
  else if (stockFailure !== undefined) {
    stock = { failed: stockFailure };
    log(`  stock FAILED: ${stockFailure}`);
  } else {
    stock = timing(stockRuns);
    const stockSummary: OutputSummary = summarizeOutput(join(stockDir, 'cdktf.out'));
    differences = compareSummaries(keylessSummary, stockSummary);
    log(differences.length === 0 ? '  outputs agree: same stacks, resources per type, trust policies and variables' : `  outputs DIFFER: ${differences.join('; ')}`);
  }
  return {
    row: {
      case: c.name,
      kind: c.kind,
      repositories: c.repositories,
      stacks: keylessSummary.stacks,
      roles: keylessSummary.roles,
      resources: keylessSummary.resources,
      keyless: timing(keylessRuns),
      stock,
      differences,
    },
    keylessOut,
  };
}

function terraformRow(name: string, results: readonly StackTerraformResult[], roles: number): TerraformRow {
  const sum = (f: (r: StackTerraformResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const maxOf = (f: (r: StackTerraformResult) => number): number => Math.max(...results.map(f));
  const peak = (f: (r: StackTerraformResult) => number | undefined): number | undefined => {
    const v = results.map(f).filter((x): x is number => x !== undefined);
    return v.length === results.length ? Math.max(...v) : undefined;
  };
  const failed = results.filter((r) => !r.valid || !r.planOk);
  return {
    case: name,
    stacks: results.length,
    roles,
    resources: sum((r) => r.awsResources),
    validate: { seconds: sum((r) => r.validate.seconds), peakMb: peak((r) => r.validate.peakMb) },
    plan: { seconds: sum((r) => r.plan.seconds), peakMb: peak((r) => r.plan.peakMb), add: sum((r) => r.add) },
    slowestStackSeconds: maxOf((r) => r.validate.seconds + r.plan.seconds),
    ok: failed.length === 0,
    ...(failed.length > 0 ? { note: failed.map((r) => `${r.stack}: ${r.error ?? `valid=${r.valid} (${r.diagnostics} diagnostics)`}`).join('\n') } : {}),
  };
}

function versions(): Record<string, string> {
  const v: Record<string, string> = { node: process.version };
  for (const pkg of ['cdktf-cli', 'cdktf', 'ts-node', 'typescript', '@cdktf/provider-aws', '@cdktf/provider-github']) {
    try {
      v[pkg] = (JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      v[pkg] = 'missing';
    }
  }
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
    delete env['TF_CLI_CONFIG_FILE'];
    const text = execFileSync('terraform', ['version', '-json'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
    v['terraform'] = (JSON.parse(text) as { terraform_version: string }).terraform_version;
  } catch {
    v['terraform'] = 'missing';
  }
  return v;
}

/** The apps `pnpm synth` runs: every apps/<app> with a src/main.ts. */
function appsWithEntry(): string[] {
  const dir = join(ROOT, 'apps');
  return readdirSync(dir)
    .filter((app) => existsSync(join(dir, app, 'src', 'main.ts')))
    .sort();
}

/** pnpm synth, cdktf synth in an app and the construct path; `outputs` holds keyless synth's output per case. */
async function benchCommands(options: Options, work: string, outputs: ReadonlyMap<string, string>): Promise<CommandRow[]> {
  const ctx: CommandContext = { root: ROOT, work, env: engineEnv(), cdktfBin: CDKTF_BIN, runs: options.runsSmall, log, timing };
  const keylessTo = async (configFile: string, outdir: string): Promise<void> => {
    await runKeyless({ name: configFile, kind: 'generated', configFile, repositories: 0, runs: 1 }, outdir);
  };
  const expected = new Map<string, string>();
  for (const app of appsWithEntry()) {
    let dir = outputs.get(`apps/${app}`);
    if (dir === undefined) {
      dir = join(work, `keyless-${app}.out`);
      await keylessTo(join(ROOT, 'apps', app), dir);
    }
    expected.set(app, dir);
  }
  const rows: CommandRow[] = [];
  rows.push(...(await benchMainCommand(ctx, expected)));
  const app = options.cdktfApp;
  if (app !== undefined) {
    if (!expected.has(app)) throw new Error(`--cdktf-app: apps/${app} has no src/main.ts`);
    rows.push(...(await benchCdktfSynth(ctx, app, expected.get(app) as string)));
  }
  // The 1,000-repository case is judged (3 s), so it gets the runs of the small cases; larger ones take half a minute.
  for (const n of options.constructSizes) rows.push(await benchConstructPath({ ...ctx, runs: n >= 10_000 ? options.runsLarge : options.runsSmall }, n, keylessTo));
  return rows;
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const method = memoryMethod();
  const work = mkdtempSync(join(tmpdir(), 'keyless-bench-'));
  const startedLoad = load();
  const machine = `${cpus().length} CPU(s) (${cpus()[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
  const tools = versions();
  log(`keyless bench: ${machine}; node ${process.version}; load average ${startedLoad}; work dir ${work}`);
  log(MEMORY_METHOD_NOTE[method]);
  if (method === 'poll') log('GNU time (/usr/bin/time) is missing: install it with `apt-get install time` for exact peak RSS.');

  const cases: Case[] = [];
  for (const app of options.examples) {
    const file = join(ROOT, 'apps', app, app === 'bootstrap' ? 'bootstrap.yaml' : 'access.yaml');
    cases.push({ name: `apps/${app}`, kind: 'example', configFile: file, repositories: 0, runs: options.runsSmall });
  }
  const generatedDir = join(work, 'configs');
  mkdirSync(generatedDir, { recursive: true });
  for (const n of options.sizes) {
    const variants: (number | undefined)[] = [undefined];
    if (options.shards > 0 && n >= 10_000) variants.push(options.shards);
    for (const shards of variants) {
      const name = `${formatCount(n)} repos${shards ? ` / ${shards} shards` : ''}`;
      const file = join(generatedDir, `org-${n}${shards ? `-s${shards}` : ''}.yaml`);
      writeFileSync(file, orgYaml(generateOrg(n, shards ? { shards } : {})));
      const skipStock =
        n > options.skipStockAbove
          ? `${formatCount(n)} repositories is above --skip-stock-above ${formatCount(options.skipStockAbove)} (the stock path needs minutes and several GB there; pass --skip-stock-above ${n} to run it)`
          : shards && !options.stockSharded
            ? `the same roles as ${formatCount(n)} repos in one stack, which the stock path ran; pass --stock-sharded to run it on the ${shards} stacks too`
            : undefined;
      cases.push({
        name,
        kind: 'generated',
        configFile: file,
        repositories: n,
        runs: n >= 1000 ? options.runsLarge : options.runsSmall,
        ...(skipStock ? { skipStock } : {}),
      });
    }
  }

  // Builds the CLI's bundle if it is not cached, so that every keyless run measures a warm start.
  const warm = await measure(process.execPath, [...KEYLESS, '--help'], { cwd: ROOT, env: engineEnv() });
  if (warm.exitCode !== 0) throw new Error(failure('keyless --help', warm));
  const rows: SynthRow[] = [];
  const outputs = new Map<string, string>();
  for (const c of cases) {
    const { row, keylessOut } = await benchCase(c, work, options);
    rows.push(row);
    outputs.set(c.name, keylessOut);
    if (!isTiming(row.stock) && 'skipped' in row.stock) log(`  stock skipped: ${row.stock.skipped}`);
  }

  const commandRows: CommandRow[] = [];
  if (options.commands) commandRows.push(...(await benchCommands(options, work, outputs)));

  const terraformRows: TerraformRow[] = [];
  const terraformDetails: Record<string, StackTerraformResult[]> = {};
  let terraformNote = '';
  if (options.terraform) {
    const setup = setupTerraform();
    if ('reason' in setup) {
      terraformNote = `terraform skipped: ${setup.reason}`;
      log(terraformNote);
    } else {
      terraformNote = `terraform ${setup.env.version}, hashicorp/aws ${setup.env.awsProviderVersion} from ${setup.env.pluginDir}; ` +
        (setup.wrapped ? 'peak RSS by GNU time (terraform or its provider plugin, whichever is larger)' : 'no GNU time: durations only');
      for (const row of rows.filter((r) => r.kind === 'generated' && r.repositories >= 1000)) {
        const outdir = outputs.get(row.case) as string;
        const results: StackTerraformResult[] = [];
        for (const stack of manifestStacks(outdir)) {
          log(`terraform ${row.case} ${stack}: validate + plan (load ${load()})`);
          const json = JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as object;
          const r = terraformStack(setup, stack, json);
          log(
            `  init ${formatSeconds(r.init.seconds)} s, validate ${formatSeconds(r.validate.seconds)} s / ${r.validate.peakMb?.toFixed(0) ?? '-'} MB, ` +
              `plan ${formatSeconds(r.plan.seconds)} s / ${r.plan.peakMb?.toFixed(0) ?? '-'} MB, show ${formatSeconds(r.show.seconds)} s / ${r.show.peakMb?.toFixed(0) ?? '-'} MB, ` +
              `${r.add} to add${r.error ? `; ERROR ${r.error.split('\n')[0]}` : ''}`,
          );
          results.push(r);
        }
        terraformDetails[row.case] = results;
        terraformRows.push(terraformRow(row.case, results, row.roles));
      }
      if (!options.keep) rmSync(setup.dir, { recursive: true, force: true });
    }
  }

  const endLoad = load();
  const apps = appsWithEntry();
  const stockApps = apps.every((a) => options.examples.includes(a)) ? stockExamplesSeconds(rows, apps) : undefined;
  const list = [...verdicts(rows), ...commandVerdicts(commandRows, stockApps)];
  const out: string[] = [];
  out.push('');
  out.push(`keyless bench — ${machine}, node ${process.version}; load average at start ${startedLoad}, at end ${endLoad}`);
  out.push(
    `stock = cdktf-cli ${tools['cdktf-cli']} \`cdktf synth\` of a \`cdktf init --template=typescript\` app (npx ts-node main.ts, ` +
      `providers imported from the package roots: @cdktf/provider-aws ${tools['@cdktf/provider-aws']}, @cdktf/provider-github ${tools['@cdktf/provider-github']}); ` +
      `keyless = \`pnpm keyless synth <config> --out <dir>\` without pnpm (node scripts/run.mjs scripts/keyless.ts: the CLI's cached bundle)`,
  );
  out.push(`wall time and ${MEMORY_METHOD_NOTE[method]}; median of the runs; memory = keyless peak / stock peak`);
  out.push('');
  out.push(renderSynthTable(rows, { markdown: options.markdown }));
  if (commandRows.length > 0) {
    out.push('');
    out.push('what users run: `pnpm synth` at the root (cold: no bundle and no managed-policy index cached) and `pnpm --version` (pnpm\'s own start), `cdktf synth` in an app (the app part is its cdktf.json `app` command), the construct path (runApp through scripts/run.mjs); median of the runs');
    out.push(renderTable(COMMAND_HEADER, commandRows.map(commandCells), { markdown: options.markdown }));
  }
  for (const row of rows) if (!isTiming(row.stock) && 'skipped' in row.stock && options.stock) out.push(`  ${row.case}: stock skipped: ${row.stock.skipped}`);
  if (options.terraform) {
    out.push('');
    out.push(`terraform validate and offline plan (-refresh=false) of the AWS half — ${terraformNote}`);
    out.push('seconds summed over the stacks (each shard runs on its own machine in CI: see "slowest stack"); MB = the largest process');
    if (terraformRows.length > 0) out.push(renderTerraformTable(terraformRows, { markdown: options.markdown }));
    for (const r of terraformRows) if (r.note) out.push(`  ${r.case}: ${r.note}`);
  }
  out.push('');
  out.push(`targets: examples ≥ ${TARGETS.exampleSpeedup}× faster and ≤ 1/5 memory; ${formatCount(TARGETS.largeRepositories)} repositories ≤ ${TARGETS.largeSeconds} s and ≤ 1 GB`);
  if (options.commands) {
    const t = COMMAND_TARGETS;
    out.push(
      `         pnpm synth warm ≤ ${t.mainWarmSeconds} s and ≥ ${t.mainSpeedup}× faster than stock, cold ≤ ${t.mainColdSeconds} s; ` +
        `cdktf synth's app part ≤ ${t.appPartSeconds} s; the construct path at ${formatCount(t.constructRepositories)} repositories ≤ ${t.constructSeconds} s`,
    );
  }
  out.push(renderVerdicts(list));
  for (const r of terraformRows) out.push(`${r.ok ? 'PASS' : 'FAIL'}         ${r.case}: terraform validate and offline plan with the real AWS provider (${formatCount(r.plan.add)} to add)`);
  process.stdout.write(`${out.join('\n')}\n`);

  if (options.json) {
    writeFileSync(
      options.json,
      `${JSON.stringify(
        {
          machine,
          node: process.version,
          versions: tools,
          loadAverage: { start: startedLoad, end: endLoad },
          memoryMethod: method,
          options: { ...options, json: undefined },
          synth: rows,
          commands: commandRows,
          terraform: terraformRows,
          terraformStacks: terraformDetails,
          verdicts: list,
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${relative(process.env['INIT_CWD'] ?? process.cwd(), options.json)}`);
  }
  if (options.keep) log(`work directory kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
  const failed = list.some((v) => v.status === 'FAIL') || terraformRows.some((r) => !r.ok);
  return failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench.ts')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
