import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAccessModel, parseAccessConfig, parseAccessConfigYaml, splitModel } from '@keyless/policy';
import { renderKeylessStack } from '@keyless/constructs/fast';
import { afterAll, describe, expect, it } from 'vitest';
import { prng } from '@keyless/testkit';
import { GENERATED_PROVIDER_ARN, generateOrg, orgYaml, repositoryName } from '../src/generate.js';
import { gnuTimeAvailable, measureWithPoll, measureWithTime, median, parseGnuTime } from '../src/measure.js';
import { compareSummaries, normalizeReferences, summarizeStack } from '../src/outputs.js';
import type { OutputSummary } from '../src/outputs.js';
import { parseOptions } from '../src/options.js';
import { BENCH_DIR, cdktfCliDir, stockModel, stockProjectFiles, writeStockApp } from '../src/stock-app.js';
import { formatFraction, formatSpeedup, renderSynthTable, renderTable, verdicts } from '../src/table.js';
import type { SynthRow, Timing } from '../src/table.js';
import { parseTerraformLog } from '../src/terraform.js';

const temps: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-bench-test-'));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function summary(stacks: readonly object[]): OutputSummary {
  const acc = { byType: {} as Record<string, number>, trust: new Map<string, string>(), variables: new Set<string>() };
  for (const s of stacks) summarizeStack(s, acc);
  return {
    stacks: stacks.length,
    resources: Object.values(acc.byType).reduce((a, b) => a + b, 0),
    byType: acc.byType,
    roles: acc.byType['aws_iam_role'] ?? 0,
    trust: acc.trust,
    variables: acc.variables,
    bytes: 0,
  };
}

describe('generated organisations', () => {
  it('are deterministic and valid, with at least one role per repository', () => {
    const a = orgYaml(generateOrg(300));
    expect(orgYaml(generateOrg(300))).toBe(a);
    expect(orgYaml(generateOrg(300, { seed: 2 }))).not.toBe(a);
    const model = buildAccessModel(parseAccessConfigYaml(a, 'gen'));
    expect(model.repositories).toHaveLength(300);
    expect(model.aws.oidcProvider).toEqual({ existingArn: GENERATED_PROVIDER_ARN });
    expect(model.aws.accountId).toBe('111111111111');
    expect(model.aws.region).toBe('ap-northeast-2');
    for (const repo of model.repositories) {
      const deploy = repo.roles.find((r) => r.key === 'deploy');
      expect(deploy?.claims).toContain(`repo:octo-org/${repo.key}:ref:refs/heads/main`);
      expect(deploy?.managedPolicyArns.length).toBeGreaterThan(0);
      expect(repo.variables.some((v) => v.name === 'AWS_ROLE_ARN')).toBe(true);
    }
  });

  it('count what the synthesizer renders', () => {
    const org = generateOrg(400);
    const model = buildAccessModel(parseAccessConfig(org.config));
    const s = summary([renderKeylessStack('bench', model)]);
    expect(s.byType['aws_iam_role']).toBe(org.stats.roles);
    expect(s.byType['aws_iam_role_policy_attachment']).toBe(org.stats.managedPolicyAttachments);
    expect(s.byType['aws_iam_role_policy'] ?? 0).toBe(org.stats.inlinePolicies);
    expect(s.byType['github_repository_environment'] ?? 0).toBe(org.stats.environments);
    expect(s.byType['github_repository_environment_deployment_policy'] ?? 0).toBe(org.stats.deploymentPolicies);
    expect(s.byType['github_actions_variable']).toBe(org.stats.repositoryVariables);
    expect(s.byType['github_actions_environment_variable'] ?? 0).toBe(org.stats.environmentVariables);
    // every kind of role appears at this size
    expect(org.stats.roles).toBeGreaterThan(400);
    expect(org.stats.inlinePolicies).toBeGreaterThan(0);
    expect(org.stats.environments).toBeGreaterThan(0);
    expect(model.repositories.some((r) => r.roles.some((role) => role.claims.some((c) => c.includes('*'))))).toBe(true);
  });

  it('shard by hash when asked', () => {
    const org = generateOrg(200, { shards: 4 });
    expect(org.config['sharding']).toEqual({ by: 'hash', shards: 4 });
    const stacks = splitModel(buildAccessModel(parseAccessConfig(org.config)));
    expect(stacks.map((s) => s.stackId)).toEqual(['bench-s0', 'bench-s1', 'bench-s2', 'bench-s3']);
    expect(stacks.reduce((n, s) => n + s.model.repositories.length, 0)).toBe(200);
  });

  it('names repositories uniquely and within limits', () => {
    const names = Array.from({ length: 12_000 }, (_, i) => repositoryName(i));
    expect(new Set(names).size).toBe(names.length);
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(28);
    expect(names[0]).toBe('api-service-00000');
  });

  it('use a deterministic PRNG in [0, 1)', () => {
    const a = prng(7);
    const b = prng(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(median(xs)).toBeGreaterThan(0.4);
    expect(median(xs)).toBeLessThan(0.6);
  });
});

describe('the stock app', () => {
  it('is the cdktf typescript template with main.ts, model.json and a node_modules link', () => {
    const dir = temp();
    const config = join(dir, 'access.yaml');
    writeFileSync(config, orgYaml(generateOrg(20)));
    writeStockApp(join(dir, 'app'), stockModel(config), 'g20');
    const templateDir = join(cdktfCliDir(), 'bundle', 'templates', 'typescript');
    const cdktfJson = JSON.parse(readFileSync(join(dir, 'app', 'cdktf.json'), 'utf8')) as Record<string, unknown>;
    expect(cdktfJson['app']).toBe('npx ts-node main.ts');
    expect(cdktfJson['language']).toBe('typescript');
    expect(cdktfJson['sendCrashReports']).toBe('false');
    expect(readFileSync(join(dir, 'app', 'tsconfig.json'), 'utf8')).toBe(readFileSync(join(templateDir, 'tsconfig.json'), 'utf8'));
    const tsconfig = JSON.parse(readFileSync(join(dir, 'app', 'tsconfig.json'), 'utf8')) as { compilerOptions: { module: string } };
    expect(tsconfig.compilerOptions.module).toBe('CommonJS');
    const pkg = JSON.parse(readFileSync(join(dir, 'app', 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg['scripts']?.['synth']).toBe('cdktf synth');
    expect(Object.keys(pkg['dependencies'] ?? {})).toEqual(['@cdktf/provider-aws', '@cdktf/provider-github', 'cdktf', 'constructs']);
    expect(pkg['devDependencies']?.['ts-node']).toBe('10.9.2');
    expect(readlinkSync(join(dir, 'app', 'node_modules'))).toBe(join(BENCH_DIR, 'node_modules'));
    const main = readFileSync(join(dir, 'app', 'main.ts'), 'utf8');
    expect(main).toMatch(/from "@cdktf\/provider-aws";/);
    expect(main).toMatch(/from "@cdktf\/provider-github";/);
    expect(main).not.toMatch(/@cdktf\/provider-aws\/lib/);
  });

  it('gets the roles, claims, policies and variables of keyless’ model', () => {
    const dir = temp();
    const config = join(dir, 'access.yaml');
    const org = generateOrg(50, { shards: 2 });
    writeFileSync(config, orgYaml(org));
    const model = stockModel(config);
    expect(model.stacks.map((s) => s.id)).toEqual(['bench-s0', 'bench-s1']);
    const repos = model.stacks.flatMap((s) => s.repositories);
    expect(repos).toHaveLength(50);
    expect(repos.reduce((n, r) => n + r.roles.length, 0)).toBe(org.stats.roles);
    expect(repos.reduce((n, r) => n + r.variables.length, 0)).toBe(org.stats.repositoryVariables + org.stats.environmentVariables);
    const first = repos.find((r) => r.key === 'api-service-00000');
    // The trust policy is the model's own document, not rebuilt by the stock app.
    expect(JSON.stringify(JSON.parse(first?.roles[0]?.trustPolicy ?? '{}'))).toContain('"repo:octo-org/api-service-00000:ref:refs/heads/main"');
    expect(model.stacks.every((s) => s.organizationRoles.length === 0)).toBe(true);
    expect(model.stacks[0]?.oidcProvider).toEqual({ existingArn: GENERATED_PROVIDER_ARN });
    expect(model.stacks[0]?.backend).toEqual({ local: { path: 'terraform.bench-s0.tfstate' } });
  });

  it('covers apps shaped like the examples, the bootstrap included', () => {
    // The octo-org fixture (packages/testkit/fixtures), not the repository's apps/, which an adopter replaces.
    const root = join(BENCH_DIR, '..', 'testkit', 'fixtures', 'octo-org', 'apps');
    const dev = stockModel(join(root, 'dev', 'access.yaml'));
    expect(dev.stacks.map((s) => s.id)).toEqual(['dev']);
    expect(dev.stacks[0]?.backend).toHaveProperty('s3');
    const bootstrap = stockModel(join(root, 'bootstrap', 'bootstrap.yaml'));
    expect(bootstrap.stacks.map((s) => s.id)).toEqual(['bootstrap-dev', 'bootstrap-prod']);
    expect(bootstrap.stacks[0]?.stateBucket?.bucket).toBe('octo-org-keyless-tfstate-111111111111');
    expect(bootstrap.stacks[0]?.oidcProvider).toHaveProperty('create');
  });

  it('writes project files from the installed template', () => {
    const files = stockProjectFiles('x');
    expect(Object.keys(files).sort()).toEqual(['cdktf.json', 'package.json', 'tsconfig.json']);
    expect(JSON.parse(files['package.json'] as string)).toMatchObject({ name: 'x', main: 'main.js' });
  });
});

describe('output comparison', () => {
  const model = buildAccessModel(parseAccessConfig(generateOrg(30).config));
  const json = renderKeylessStack('bench', model);

  it('finds no difference between an output and itself', () => {
    expect(compareSummaries(summary([json]), summary([json]))).toEqual([]);
  });

  it('reports missing resources, different trust policies and missing variables', () => {
    const copy = JSON.parse(JSON.stringify(json)) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const roles = copy.resource['aws_iam_role'] as Record<string, Record<string, unknown>>;
    const [firstRole] = Object.keys(roles);
    (roles[firstRole as string] as Record<string, unknown>)['assume_role_policy'] = '{}';
    const variables = copy.resource['github_actions_variable'] as Record<string, unknown>;
    delete variables[Object.keys(variables)[0] as string];
    const problems = compareSummaries(summary([json]), summary([copy]));
    expect(problems.some((p) => p.startsWith('github_actions_variable: keyless'))).toBe(true);
    expect(problems.some((p) => p.startsWith('1 trust policies differ'))).toBe(true);
    expect(problems.some((p) => p.startsWith('1 variables missing from stock'))).toBe(true);
  });

  it('normalizes provider references', () => {
    expect(normalizeReferences('{"Federated":"${aws_iam_openid_connect_provider.github-oidc_provider_ABCD1234.arn}"}')).toBe('{"Federated":"${OIDC_PROVIDER_ARN}"}');
    expect(normalizeReferences('${aws_iam_openid_connect_provider.githuboidc.arn}')).toBe('${OIDC_PROVIDER_ARN}');
  });
});

describe('measurements and tables', () => {
  const t = (seconds: number, peakMb: number): Timing => ({ seconds, peakMb, runs: 1, samples: [{ seconds, peakMb }] });
  const row = (over: Partial<SynthRow>): SynthRow => ({
    case: 'apps/dev',
    kind: 'example',
    repositories: 0,
    stacks: 1,
    roles: 9,
    resources: 44,
    keyless: t(0.5, 90),
    stock: t(14, 1400),
    differences: [],
    ...over,
  });

  it('parses GNU time output and terraform wrapper logs', () => {
    expect(parseGnuTime('some warning\n12.34 1433600\n')).toEqual({ seconds: 12.34, peakKb: 1433600 });
    expect(parseGnuTime('3.50 524288 5.10 0.60\n')).toEqual({ seconds: 3.5, peakKb: 524288, cpuSeconds: 5.7 });
    expect(() => parseGnuTime('Command terminated by signal 9')).toThrow(/GNU time/);
    const log = parseTerraformLog('0.05 30000 version\n2.50 102400 init\n3.00 204800 validate\n60.5 2097152 plan\n');
    expect(log.get('plan')).toEqual({ seconds: 60.5, peakMb: 2048 });
    expect(log.get('init')?.peakMb).toBe(100);
  });

  it('measures the peak RSS of a child process, with GNU time and by polling /proc', async () => {
    // a child that holds 120 MB for half a second
    const args = ['-e', 'const b = Buffer.alloc(120 * 2 ** 20, 1); setTimeout(() => b.length, 500);'];
    const polled = await measureWithPoll(process.execPath, args, { cwd: tmpdir() });
    expect(polled.exitCode).toBe(0);
    expect(polled.method).toBe('poll');
    expect(polled.peakMb).toBeGreaterThan(120);
    // A lower bound the child itself guarantees (it lives at least 500 ms); load only makes it longer.
    expect(polled.seconds).toBeGreaterThan(0.4);
    if (gnuTimeAvailable()) {
      const timed = await measureWithTime(process.execPath, args, { cwd: tmpdir() });
      expect(timed.method).toBe('time');
      expect(timed.peakMb).toBeGreaterThan(120);
      expect(timed.cpuSeconds).toBeGreaterThan(0);
    }
  });

  it('takes the median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it('formats ratios', () => {
    expect(formatSpeedup(28)).toBe('28×');
    expect(formatSpeedup(7.25)).toBe('7.3×');
    expect(formatFraction(90 / 1400)).toBe('1/16');
    expect(formatFraction(0.3)).toBe('1/3.3');
    expect(formatFraction(undefined)).toBe('-');
  });

  it('renders aligned text and markdown tables', () => {
    const text = renderTable(['case', 'n'], [['a', '1'], ['bbb', '1,000']]);
    expect(text.split('\n')).toEqual(['case      n', '----  -----', 'a         1', 'bbb   1,000']);
    const md = renderSynthTable([row({})], { markdown: true }).split('\n');
    expect(md[0]).toBe('| case | stacks | roles | resources | stock s | stock CPU s | stock MB | keyless s | keyless CPU s | keyless MB | speed-up | memory |');
    expect(md[1]).toBe('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(md[2]).toBe('| apps/dev | 1 | 9 | 44 | 14.0 | - | 1400 | 0.50 | - | 90 | 28× | 1/16 |');
    const withCpu = renderSynthTable([row({ keyless: { ...t(0.5, 90), cpuSeconds: 0.62 } })], { markdown: true }).split('\n');
    expect(withCpu[2]).toContain('| 0.50 | 0.62 | 90 |');
    const skipped = renderSynthTable([row({ stock: { skipped: 'too big' } })]);
    expect(skipped).toMatch(/skipped/);
  });

  it('checks the targets', () => {
    const pass = verdicts([row({}), row({ case: '10,000 repos', kind: 'generated', repositories: 10_000, roles: 13_750, keyless: t(3.2, 700), stock: { skipped: 'x' } })]);
    expect(pass.map((v) => v.status)).toEqual(['PASS', 'PASS', 'PASS']);
    const fail = verdicts([
      row({ keyless: t(1, 300) }),
      row({ case: '10,000 repos', kind: 'generated', repositories: 10_000, roles: 13_750, keyless: t(6, 700), stock: { skipped: 'x' } }),
      row({ case: 'bad', kind: 'generated', repositories: 100, differences: ['aws_iam_role: keyless 1, stock 2'] }),
    ]);
    expect(fail.map((v) => v.status)).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL']);
    expect(verdicts([row({ stock: { skipped: 'x' } })])[0]?.status).toBe('NOT MEASURED');
  });
});

describe('options', () => {
  it('parses flags, with the defaults of the issue', () => {
    const d = parseOptions([]);
    expect(d.sizes).toEqual([100, 1000, 10000]);
    expect(d.examples).toEqual(['dev', 'prod', 'bootstrap']);
    expect(d).toMatchObject({ shards: 16, runsSmall: 3, runsLarge: 1, skipStockAbove: 10_000, terraform: false, stock: true, stockSharded: false });
    const o = parseOptions(['--', '--sizes', '100,1_000', '--examples', 'none', '--runs', '2', '--skip-stock-above', '0', '--terraform']);
    expect(o).toMatchObject({ sizes: [100, 1000], examples: [], runsSmall: 2, runsLarge: 2, skipStockAbove: 0, terraform: true });
    expect(() => parseOptions(['--sizes', 'ten'])).toThrow(/--sizes/);
    expect(() => parseOptions(['--examples', 'staging'])).toThrow(/staging/);
  });
});
