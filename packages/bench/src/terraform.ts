/**
 * `terraform validate` and an offline `terraform plan` of synthesized stacks with the real AWS provider, through
 * @keyless/tf-check (the AWS half of each stack, providers from the local mirror, fake credentials,
 * `-refresh=false`). Every terraform command tf-check runs goes through a wrapper that records its wall time
 * and peak RSS with GNU time (terraform core or the provider plugin, whichever is larger).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsHalf, checkStack, findTerraform } from '@keyless/tf-check';
import type { TerraformEnvironment } from '@keyless/tf-check';
import { GNU_TIME, gnuTimeAvailable } from './measure.js';

export interface CommandTiming {
  readonly command: string;
  readonly seconds: number;
  readonly peakMb: number | undefined;
}

export interface StackTerraformResult {
  readonly stack: string;
  readonly awsResources: number;
  readonly init: CommandTiming;
  readonly validate: CommandTiming;
  readonly plan: CommandTiming;
  /** `terraform show -json tfplan`, which tf-check runs to count the planned changes. */
  readonly show: CommandTiming;
  readonly valid: boolean;
  readonly diagnostics: number;
  readonly planOk: boolean;
  readonly add: number;
  readonly error?: string;
}

export interface TerraformSetup {
  readonly env: TerraformEnvironment;
  /** Whether GNU time wraps terraform (else only durations, from tf-check). */
  readonly wrapped: boolean;
  readonly dir: string;
}

const LOG_VARIABLE = 'KEYLESS_BENCH_TF_LOG';
/** 30,000 resources in one stack take minutes per command on two cores. */
const HOUR = 3_600_000;

/**
 * Finds terraform and the mirror, and, when GNU time exists, points tf-check at a wrapper script that logs
 * `<seconds> <max RSS KiB> <subcommand>` for every terraform command. Returns undefined (with the reason)
 * when terraform or the mirror is missing.
 */
export function setupTerraform(): TerraformSetup | { reason: string } {
  const found = findTerraform();
  if (!found.ok) return { reason: found.reason };
  const dir = mkdtempSync(join(tmpdir(), 'keyless-bench-tf-'));
  if (!gnuTimeAvailable()) return { env: found.env, wrapped: false, dir };
  const wrapper = join(dir, 'terraform');
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      '# Written by @keyless/bench: runs terraform under GNU time and appends "<seconds> <max RSS KiB> <subcommand>" to the log.',
      `if [ -z "$${LOG_VARIABLE}" ]; then exec ${shellQuote(found.env.terraformBin)} "$@"; fi`,
      `exec ${GNU_TIME} -a -o "$${LOG_VARIABLE}" -f "%e %M $1" ${shellQuote(found.env.terraformBin)} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  process.env['KEYLESS_TERRAFORM_BIN'] = wrapper;
  const again = findTerraform();
  if (!again.ok) throw new Error(`the terraform wrapper ${wrapper} does not work: ${again.reason}`);
  return { env: again.env, wrapped: true, dir };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Reads the wrapper's log: the last entry per subcommand. */
export function parseTerraformLog(text: string): Map<string, { seconds: number; peakMb: number }> {
  const out = new Map<string, { seconds: number; peakMb: number }>();
  for (const line of text.split('\n')) {
    const m = /^(\d+(?:\.\d+)?) (\d+) (\S+)/.exec(line.trim());
    if (m) out.set(m[3] as string, { seconds: Number(m[1]), peakMb: Number(m[2]) / 1024 });
  }
  return out;
}

function countResources(json: object): number {
  const resource = (json as { resource?: Record<string, Record<string, unknown>> }).resource ?? {};
  return Object.values(resource).reduce((n, byId) => n + Object.keys(byId).length, 0);
}

/** Runs tf-check's validate + offline plan on one stack and returns the timings of each terraform command. */
export function terraformStack(setup: TerraformSetup, stack: string, json: object): StackTerraformResult {
  const log = join(setup.dir, `${stack}.log`);
  if (existsSync(log)) rmSync(log);
  const previous = process.env[LOG_VARIABLE];
  process.env[LOG_VARIABLE] = log;
  const awsResources = countResources(awsHalf(json));
  const none: CommandTiming = { command: '', seconds: Number.NaN, peakMb: undefined };
  try {
    const r = checkStack(json, { plan: true, timeoutsMs: { validate: HOUR, plan: HOUR, show: HOUR } });
    const timings = setup.wrapped && existsSync(log) ? parseTerraformLog(readFileSync(log, 'utf8')) : new Map();
    const timing = (command: string, fallbackMs: number | undefined): CommandTiming => {
      const t = timings.get(command);
      if (t) return { command, seconds: t.seconds, peakMb: t.peakMb };
      return { command, seconds: fallbackMs === undefined ? Number.NaN : fallbackMs / 1000, peakMb: undefined };
    };
    return {
      stack,
      awsResources,
      init: timing('init', r.durationsMs.init),
      validate: timing('validate', r.durationsMs.validate),
      plan: timing('plan', r.durationsMs.plan),
      show: timing('show', undefined),
      valid: r.validate.valid && r.validate.warningCount === 0,
      diagnostics: r.validate.diagnostics.length,
      planOk: r.plan?.ok === true,
      add: r.plan?.add ?? 0,
      ...(r.plan && !r.plan.ok ? { error: r.plan.stderr.slice(0, 2000) } : {}),
    };
  } catch (error) {
    return { stack, awsResources, init: none, validate: none, plan: none, show: none, valid: false, diagnostics: 0, planOk: false, add: 0, error: (error as Error).message.slice(0, 2000) };
  } finally {
    if (previous === undefined) delete process.env[LOG_VARIABLE];
    else process.env[LOG_VARIABLE] = previous;
  }
}
