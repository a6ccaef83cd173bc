/**
 * synthApp, the entry of apps/<env>/src/main.ts that `pnpm synth` and `cdktf synth` run: the same bytes as
 * the construct path (runApp, runBootstrapApp), written where the cdktf CLI asks (CDKTF_OUTDIR), and the same
 * error behaviour (every problem, nothing written, a failing exit code, no stack trace).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { captureStderr, octoOrg, treeDigests } from '@keyless/testkit';
import type { CapturedStream } from '@keyless/testkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { synthApp } from '../src/fast.js';
import { runApp, runBootstrapApp } from '../src/index.js';

describe('synthApp', () => {
  let dir: string;
  let stderr: CapturedStream;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyless-synth-app-'));
    stderr = captureStderr();
    process.exitCode = undefined;
  });
  afterEach(() => {
    stderr.restore();
    vi.unstubAllEnvs();
    process.exitCode = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['dev', octoOrg.dev],
    ['prod', octoOrg.prod],
  ])('writes the bytes runApp writes for the %s access config', (_name, file) => {
    runApp({ configFile: file, outdir: join(dir, 'constructs') });
    const result = synthApp({ configFile: pathToFileURL(file), outdir: join(dir, 'printer') });
    expect(result?.stacks.length).toBeGreaterThan(0);
    expect(treeDigests(join(dir, 'printer'))).toEqual(treeDigests(join(dir, 'constructs')));
    expect(process.exitCode).toBeUndefined();
  });

  it('writes the bytes runBootstrapApp writes for a bootstrap config', () => {
    runBootstrapApp({ configFile: octoOrg.bootstrap, outdir: join(dir, 'constructs') });
    synthApp({ configFile: octoOrg.bootstrap, outdir: join(dir, 'printer') });
    expect(Object.keys(treeDigests(join(dir, 'printer')))).toEqual(['manifest.json', 'stacks/bootstrap-dev/cdk.tf.json', 'stacks/bootstrap-prod/cdk.tf.json']);
    expect(treeDigests(join(dir, 'printer'))).toEqual(treeDigests(join(dir, 'constructs')));
  });

  it('writes to CDKTF_OUTDIR when the cdktf CLI runs it', () => {
    vi.stubEnv('CDKTF_OUTDIR', join(dir, 'cli-out'));
    synthApp({ configFile: octoOrg.dev });
    expect(existsSync(join(dir, 'cli-out', 'manifest.json'))).toBe(true);
  });

  it('fails when the config breaks a rule: every problem, nothing written, exit code 1', () => {
    const file = join(dir, 'access.yaml');
    writeFileSync(
      file,
      [
        'environment: dev',
        'aws: { accountId: "111111111111", region: eu-west-1 }',
        'github: { owner: octo-org }',
        'repositories:',
        '  web:',
        '    roles:',
        '      deploy: { trust: { branchPatterns: ["*"] } }',
        '  __proto__:',
        '    roles: {}',
      ].join('\n'),
    );
    expect(synthApp({ configFile: file, outdir: join(dir, 'out') })).toBeUndefined();
    expect(process.exitCode).toBe(1);
    const text = stderr.text();
    expect(text).toContain('repositories.__proto__: the key "__proto__" is reserved in JavaScript');
    expect(text).toContain('nothing was synthesized');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('fails when the config cannot be read: a config error naming the file, no stack trace', () => {
    const file = join(dir, 'missing', 'bootstrap.yaml');
    expect(synthApp({ configFile: file, outdir: join(dir, 'out') })).toBeUndefined();
    expect(process.exitCode).toBe(1);
    expect(stderr.text()).toMatch(/^.*bootstrap\.yaml: invalid access config\n {2}- cannot read the file: ENOENT: no such file or directory.*\nnothing was synthesized\n$/);
    expect(stderr.text()).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
