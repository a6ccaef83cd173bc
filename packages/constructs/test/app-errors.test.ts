/**
 * The app entry points (`runApp`, `runBootstrapApp`, run by `cdktf synth`) never show a stack trace: a config
 * error prints every problem, anything else one line naming the config file, and both set a failing exit code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runApp, runBootstrapApp } from '../src/index.js';

const SHARDED = [
  'environment: dev',
  'aws: { accountId: "111111111111", region: ap-northeast-2, oidcProvider: { existingArn: "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com" } }',
  'github: { owner: octo-org }',
  'sharding: { by: hash, shards: 2 }',
  'repositories:',
  '  web:',
  '    roles:',
  '      deploy:',
  '        trust: { branches: [main] }',
  '        inlinePolicies: { site: { Statement: [{ Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::site/*" }] } }',
].join('\n');

describe('runApp and runBootstrapApp errors', () => {
  let dir: string;
  let stderr: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyless-app-errors-'));
    stderr = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    process.exitCode = undefined;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    delete process.env['KEYLESS_DEBUG'];
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints an error that is not a config error as one line naming the file, and fails', () => {
    const file = join(dir, 'access.yaml');
    writeFileSync(file, SHARDED);
    expect(runApp({ configFile: file, stackName: 'custom', outdir: join(dir, 'out') })).toBeUndefined();
    expect(process.exitCode).toBe(1);
    expect(stderr.join('')).toBe(
      `${file}: synthesis failed: stackName: "custom": a sharded environment names its stacks <environment>-<shard> (KEYLESS_DEBUG=1 prints the stack trace)\n`,
    );
  });

  it('prints an unexpected error from a backend callback as one line, with the stack only under KEYLESS_DEBUG', () => {
    const file = join(dir, 'access.yaml');
    writeFileSync(file, SHARDED);
    const fail = () => {
      throw new TypeError('cannot read properties of undefined\n  somewhere');
    };
    runApp({ configFile: file, outdir: join(dir, 'out'), configureBackend: fail });
    expect(process.exitCode).toBe(1);
    expect(stderr.join('')).toMatch(/: synthesis failed: cannot read properties of undefined; somewhere \(KEYLESS_DEBUG=1 prints the stack trace\)\n$/);
    expect(stderr.join('')).not.toMatch(/\n\s+at /);
    stderr.length = 0;
    process.env['KEYLESS_DEBUG'] = '1';
    runApp({ configFile: file, outdir: join(dir, 'out2'), configureBackend: fail });
    expect(stderr.join('')).toMatch(/\n\s+at /);
  });

  it('prints a bootstrap config that cannot be read as a config error naming the file, and fails', () => {
    const file = join(dir, 'missing', 'bootstrap.yaml');
    expect(runBootstrapApp({ configFile: file, outdir: join(dir, 'out') })).toBeUndefined();
    expect(process.exitCode).toBe(1);
    expect(stderr.join('')).toMatch(/^.*bootstrap\.yaml: invalid access config\n {2}- cannot read the file: ENOENT: no such file or directory.*\nnothing was synthesized\n$/);
  });

  it('prints every problem of a config with a reserved key, and fails', () => {
    const file = join(dir, 'access.yaml');
    writeFileSync(file, SHARDED.replace('  web:', '  __proto__:'));
    runApp({ configFile: file, outdir: join(dir, 'out') });
    expect(process.exitCode).toBe(1);
    expect(stderr.join('')).toContain('repositories.__proto__: the key "__proto__" is reserved in JavaScript');
    expect(stderr.join('')).toContain('nothing was synthesized');
  });
});
