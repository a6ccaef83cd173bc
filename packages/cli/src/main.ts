import { parseArgs } from 'node:util';
import { ConfigError, accessReport, explainToken, renderAccessReport, renderTokenVerdicts } from '@keyless/policy';
import type { TokenClaims } from '@keyless/policy';
import { dirname, join, relative } from 'node:path';
import { synthFast } from '@keyless/constructs/fast';
import { findWorkspaceRoot, loadEnvironments, resolveConfigFiles } from './discover.js';

const USAGE = `usage:
  keyless explain [APP|DIR|FILE ...] [--json]
      who can assume every role, what it may do, and its risk flags
  keyless explain [APP ...] --token '{"sub":"repo:OWNER/REPO:ref:refs/heads/main","aud":"sts.amazonaws.com"}' [--json]
  keyless explain [APP ...] --sub SUB [--aud AUD] [--iss ISS] [--json]
      which roles accept a token with these claims, and why the others refuse it
      (aud defaults to the config's audience, iss to the config's issuer)
  keyless synth [APP|DIR|FILE ...] [--out DIR]
      the fast synthesizer: the same Terraform JSON as cdktf synth, for thousands of repositories
      (default output: apps/<app>/cdktf.out; --out only with one config)

APP is a directory name under apps/ (dev, prod, bootstrap); no APP means every app.`;

export interface MainContext {
  readonly cwd: string;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

/** Runs the command line; returns the exit code (0 ok, 1 bad config, 2 usage, 3 token accepted by no role). */
export async function main(argv: readonly string[], context: MainContext): Promise<number> {
  const out = context.stdout ?? ((t: string) => process.stdout.write(t));
  const err = context.stderr ?? ((t: string) => process.stderr.write(t));
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        token: { type: 'string' },
        sub: { type: 'string' },
        aud: { type: 'string' },
        iss: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command, ...names] = parsed.positionals;
  if (parsed.values.help || command === undefined) {
    out(`${USAGE}\n`);
    return command === undefined && !parsed.values.help ? 2 : 0;
  }
  if (command === 'synth') return synth(names, parsed.values.out, context.cwd, out, err);
  if (command !== 'explain') {
    err(`unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }

  let claims: Partial<TokenClaims> | undefined;
  try {
    claims = tokenClaims(parsed.values);
  } catch (error) {
    err(`${(error as Error).message}\n`);
    return 2;
  }

  let environments;
  try {
    environments = loadEnvironments(resolveConfigFiles(names, context.cwd), context.cwd);
  } catch (error) {
    err(`${(error as Error).message}\n`);
    return error instanceof ConfigError ? 1 : 2;
  }

  if (claims === undefined) {
    const reports = environments.map((e) => ({ source: e.source, ...accessReport(e.model) }));
    out(parsed.values.json ? `${JSON.stringify(reports, null, 2)}\n` : renderAccessReport(reports));
    return 0;
  }
  const verdicts = environments.flatMap((e) => explainToken(e.model, claims));
  out(parsed.values.json ? `${JSON.stringify({ claims, verdicts }, null, 2)}\n` : `${renderTokenVerdicts(claims, verdicts)}\n`);
  return verdicts.some((v) => v.allowed) ? 0 : 3;
}

function tokenClaims(values: { token?: string; sub?: string; aud?: string; iss?: string }): Partial<TokenClaims> | undefined {
  let claims: Record<string, unknown> | undefined;
  if (values.token !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.token);
    } catch (error) {
      throw new Error(`--token: not JSON: ${(error as Error).message}; pass the claims object, e.g. '{"sub":"repo:o/r:ref:refs/heads/main"}'`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('--token: expected a JSON object of claims');
    claims = { ...(parsed as Record<string, unknown>) };
  }
  for (const key of ['sub', 'aud', 'iss'] as const) {
    if (values[key] !== undefined) claims = { ...(claims ?? {}), [key]: values[key] };
  }
  if (claims === undefined) return undefined;
  if (claims['sub'] === undefined) throw new Error('--token/--sub: the sub claim is required');
  for (const key of ['sub', 'aud', 'iss']) {
    const v = claims[key];
    if (v !== undefined && v !== null && typeof v !== 'string' && !(key === 'aud' && Array.isArray(v)))
      throw new Error(`--token: claim ${key} must be a string`);
  }
  return claims as Partial<TokenClaims>;
}

function synth(names: readonly string[], outdir: string | undefined, cwd: string, out: (t: string) => void, err: (t: string) => void): number {
  let files: string[];
  try {
    files = resolveConfigFiles(names, cwd);
  } catch (error) {
    err(`${(error as Error).message}\n`);
    return 2;
  }
  if (outdir !== undefined && files.length !== 1) {
    err(`--out: names one output directory, but ${files.length} configs were given\n`);
    return 2;
  }
  const root = findWorkspaceRoot(cwd);
  for (const file of files) {
    const started = performance.now();
    try {
      const result = synthFast({ configFile: file, outdir: outdir ?? join(dirname(file), 'cdktf.out') });
      const ms = Math.round(performance.now() - started);
      out(`${relative(root, file)}: ${result.stacks.length} stack(s) in ${relative(cwd, result.outdir) || '.'} (${ms} ms): ${result.stacks.join(', ')}\n`);
    } catch (error) {
      if (error instanceof ConfigError) {
        err(`${error.message}\nnothing was synthesized\n`);
        return 1;
      }
      throw error;
    }
  }
  return 0;
}
