/**
 * `pnpm --filter @keyless/bench profile <config.yaml> [--out dir]`: where `keyless synth`'s time and memory go,
 * phase by phase, in one process started the way `keyless synth` starts (tsx, TypeScript sources).
 * The phases are those of `synthFast`: the loader's steps (read, YAML, schema, model, split: `loadConfigFile`,
 * the one `synthFast` calls, timed step by step), then render, JSON text, write.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const startedAt = performance.now(); // ms since the process started: node + tsx start-up
const { loadConfigFile } = await import('@keyless/policy');
const { renderKeylessStack, stableJson } = await import('@keyless/constructs/fast');
const importedAt = performance.now();

export interface Phase {
  readonly phase: string;
  readonly ms: number;
  /** RSS after the phase, MiB. */
  readonly rssMb: number;
  /** Heap used after the phase, MiB. */
  readonly heapMb: number;
}

function mb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

export function profile(configFile: string, outdir: string): Phase[] {
  const phases: Phase[] = [
    { phase: 'node + tsx start-up', ms: startedAt, rssMb: Number.NaN, heapMb: Number.NaN },
    { phase: 'import @keyless/policy + fast', ms: importedAt - startedAt, rssMb: mb(process.memoryUsage().rss), heapMb: mb(process.memoryUsage().heapUsed) },
  ];
  let t = performance.now();
  const mark = (phase: string): void => {
    const now = performance.now();
    const m = process.memoryUsage();
    phases.push({ phase, ms: now - t, rssMb: mb(m.rss), heapMb: mb(m.heapUsed) });
    t = now;
  };
  const steps = { read: 'read config', yaml: 'YAML parse (js-yaml)', schema: 'schema (zod)', model: 'buildAccessModel (rules, claims, trust sizes)', stacks: 'splitModel' };
  const { stacks } = loadConfigFile(configFile, { kind: 'access', onStep: (step) => mark(steps[step]) });
  const split = phases.length - 1;
  phases[split] = { ...(phases[split] as Phase), phase: `splitModel (${stacks.length} stack(s))` };
  const rendered = stacks.map(({ stackId, model: m }) => ({ id: stackId, json: renderKeylessStack(stackId, m) }));
  mark('render Terraform objects');
  const texts = rendered.map((s) => ({ id: s.id, text: stableJson(s.json) }));
  mark(`stableJson (${(texts.reduce((n, s) => n + s.text.length, 0) / 2 ** 20).toFixed(1)} MB of text)`);
  mkdirSync(outdir, { recursive: true });
  for (const s of texts) {
    mkdirSync(join(outdir, 'stacks', s.id), { recursive: true });
    writeFileSync(join(outdir, 'stacks', s.id, 'cdk.tf.json'), s.text);
  }
  mark('write files');
  return phases;
}

const args = process.argv.slice(2).filter((a) => a !== '--');
// pnpm runs the script in packages/bench; a relative path is meant from where pnpm was started.
const configFile = args[0] === undefined ? undefined : resolve(process.env['INIT_CWD'] ?? process.cwd(), args[0]);
if (configFile === undefined) {
  process.stderr.write('usage: pnpm --filter @keyless/bench profile <config.yaml>\n');
  process.exitCode = 2;
} else {
  const outdir = mkdtempSync(join(tmpdir(), 'keyless-profile-'));
  try {
    const phases = profile(configFile, outdir);
    const total = phases.reduce((n, p) => n + p.ms, 0);
    for (const p of phases) {
      process.stdout.write(
        `${p.phase.padEnd(48)} ${p.ms.toFixed(0).padStart(7)} ms ${((p.ms / total) * 100).toFixed(0).padStart(3)}%   rss ${String(p.rssMb).padStart(7)} MB  heap ${String(p.heapMb).padStart(7)} MB\n`,
      );
    }
    const ru = process.resourceUsage();
    process.stdout.write(
      `${'total (in process)'.padEnd(48)} ${total.toFixed(0).padStart(7)} ms        peak rss ${(ru.maxRSS / 1024).toFixed(0)} MB, cpu ${((ru.userCPUTime + ru.systemCPUTime) / 1e6).toFixed(2)} s\n`,
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
