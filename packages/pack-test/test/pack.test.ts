import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, importedPackages, listFiles, markedBlocks, only, readJson, readStack, resources, run, userEnv } from './support.js';
import type { MarkedBlock, PackageJson, StackJson } from './support.js';

// What other teams do: pack, install the tarballs with npm into an app of their own, outside this workspace,
// and synthesize there. Set KEYLESS_SKIP_PACK_TEST=1 to skip it in a quick local loop; CI runs it.
const SKIP = process.env['KEYLESS_SKIP_PACK_TEST'] === '1';
if (SKIP) console.warn('pack-and-consume test skipped: KEYLESS_SKIP_PACK_TEST=1');
// Keep the temporary app for a look after the run.
const KEEP = process.env['KEYLESS_KEEP_PACK_TEST'] === '1';

/** The runner `cdktf init --template=typescript` sets up (cdktf.json: `npx ts-node main.ts`). */
const TS_NODE_VERSION = '10.9.2';
/** CDK Terrain, the community continuation of cdktf, and the constructs range it accepts (docs/cdktn.md). */
const CDKTN = ['cdktn@0.24.0', 'constructs@>=10.6.0 <10.8.0'];

const PUBLISHED = ['packages/policy', 'packages/constructs'] as const;
const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const README = join(ROOT, 'packages/constructs/README.md');

const USE_CASES = [
  'branch-deploy',
  'environment-gated',
  'tag-release',
  'pull-request-plan',
  'reusable-workflow',
  'immutable-subjects',
  'enterprise-issuer',
  'existing-provider',
] as const;

interface Packed {
  readonly dir: string;
  readonly tarball: string;
  /** The tarball's package.json, as npm will see it. */
  readonly manifest: PackageJson;
  /** Files in the tarball, relative to its `package/` directory. */
  readonly files: readonly string[];
  readonly unpacked: string;
}

let work = '';
let app = '';
const packed = new Map<string, Packed>();
let blocks: MarkedBlock[] = [];
const constructsSource = readJson<PackageJson>(join(ROOT, 'packages/constructs/package.json'));
const own = readJson<PackageJson>(new URL('../package.json', import.meta.url).pathname);

/** The peers at the versions the workspace builds and tests with. */
function testedPeers(): string[] {
  return Object.keys(constructsSource.peerDependencies ?? {}).map((name) => {
    const version = constructsSource.devDependencies?.[name];
    if (version === undefined) throw new Error(`@keyless/constructs: peer ${name} has no devDependency pinning the tested version`);
    return `${name}@${version}`;
  });
}

function npmInstall(specs: readonly string[], extra: readonly string[] = []): void {
  run('npm', ['install', '--save-exact', '--no-audit', '--no-fund', '--loglevel=error', ...extra, ...specs], { cwd: app });
}

function synth(command: string, args: readonly string[], outdir: string): void {
  rmSync(join(app, outdir), { recursive: true, force: true });
  // cdktf creates the output directory itself, but not its parents.
  mkdirSync(dirname(join(app, outdir)), { recursive: true });
  run(command, args, { cwd: app, env: userEnv({ CDKTF_OUTDIR: outdir }) });
}

/** Use-case blocks declare `const access: AccessConfig`; this makes each a program that synthesizes it. */
function useCaseProgram(block: MarkedBlock): string {
  const imports = [
    "import { App } from 'cdktf';",
    "import { KeylessStack } from '@keyless/constructs';",
    "import { buildAccessModel } from '@keyless/policy';",
    "import type { AccessConfig } from '@keyless/policy';",
  ].filter((line) => !block.code.includes(line));
  return `${imports.join('\n')}\n\n${block.code}\nconst app = new App();\nnew KeylessStack(app, '${block.name}', { model: buildAccessModel(access) });\napp.synth();\n`;
}

interface TrustCondition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

function trustConditions(role: Record<string, any>): TrustCondition[] {
  const doc = JSON.parse(role['assume_role_policy'] as string) as { Statement: { Condition: Record<string, Record<string, string | string[]>> }[] };
  return doc.Statement.flatMap((statement) =>
    Object.entries(statement.Condition).flatMap(([operator, keys]) =>
      Object.entries(keys).map(([key, value]) => ({ operator, key, values: Array.isArray(value) ? value : [value] })),
    ),
  );
}

function subjects(stack: StackJson): string[] {
  return Object.values(resources(stack, 'aws_iam_role'))
    .flatMap(trustConditions)
    .filter((c) => c.key.endsWith(':sub'))
    .flatMap((c) => c.values)
    .sort();
}

function variable(stack: StackJson, name: string): Record<string, any> {
  const found = Object.values(resources(stack, 'github_actions_variable')).filter((v) => v['variable_name'] === name);
  expect(found, `repository variable ${name}`).toHaveLength(1);
  return found[0] as Record<string, any>;
}

function environmentVariable(stack: StackJson, environment: string, name: string): Record<string, any> {
  const found = Object.values(resources(stack, 'github_actions_environment_variable')).filter(
    (v) => v['variable_name'] === name && v['environment'] === environment,
  );
  expect(found, `variable ${name} of environment ${environment}`).toHaveLength(1);
  return found[0] as Record<string, any>;
}

/** The building-blocks app (main.mjs / main.cjs): one role on main, its ARN and the region as variables. */
function expectBuildingBlocks(stack: StackJson): void {
  const provider = only(stack, 'aws_iam_openid_connect_provider');
  expect(provider.block['url']).toBe('https://token.actions.githubusercontent.com');
  expect(provider.block['client_id_list']).toEqual(['sts.amazonaws.com']);
  expect(provider.block).not.toHaveProperty('thumbprint_list');
  const role = only(stack, 'aws_iam_role');
  expect(role.block['name']).toBe('gha-web-app-deploy');
  expect(trustConditions(role.block)).toEqual([
    { operator: 'StringEquals', key: 'token.actions.githubusercontent.com:aud', values: ['sts.amazonaws.com'] },
    { operator: 'StringEquals', key: 'token.actions.githubusercontent.com:sub', values: ['repo:octo-org/web-app:ref:refs/heads/main'] },
  ]);
  const trust = JSON.parse(role.block['assume_role_policy'] as string) as { Statement: { Principal: unknown; Action: unknown }[] };
  expect(trust.Statement[0]?.Principal).toEqual({ Federated: `\${aws_iam_openid_connect_provider.${provider.key}.arn}` });
  expect(trust.Statement[0]?.Action).toBe('sts:AssumeRoleWithWebIdentity');
  expect(only(stack, 'aws_iam_role_policy_attachment').block['policy_arn']).toBe('arn:aws:iam::111111111111:policy/web-app-deploy');
  expect(variable(stack, 'AWS_ROLE_ARN')).toMatchObject({ repository: 'web-app', value: `\${aws_iam_role.${role.key}.arn}` });
  expect(variable(stack, 'AWS_REGION')).toMatchObject({ repository: 'web-app', value: 'ap-northeast-2' });
}

/** What each README use case says it creates. */
const useCaseChecks: Record<(typeof USE_CASES)[number], (stack: StackJson) => void> = {
  'branch-deploy': (stack) => {
    expect(subjects(stack)).toEqual(['repo:octo-org/web-app:ref:refs/heads/main']);
    expect(only(stack, 'aws_iam_role').block['name']).toBe('gha-dev-web-app-deploy');
    expect(Object.keys(resources(stack, 'aws_iam_openid_connect_provider'))).toHaveLength(1);
    expect(only(stack, 'aws_iam_role_policy_attachment').block['policy_arn']).toBe('arn:aws:iam::111111111111:policy/web-app-deploy');
    expect(variable(stack, 'AWS_ROLE_ARN')['repository']).toBe('web-app');
    expect(variable(stack, 'AWS_REGION')['value']).toBe('ap-northeast-2');
  },
  'environment-gated': (stack) => {
    expect(subjects(stack)).toEqual(['repo:octo-org/api-service:environment:production']);
    expect(only(stack, 'aws_iam_role').block['name']).toBe('gha-prod-api-service-deploy');
    const environment = only(stack, 'github_repository_environment').block;
    expect(environment).toMatchObject({ environment: 'production', prevent_self_review: true, can_admins_bypass: false });
    expect(environment['reviewers']).toEqual([{ teams: [4001], users: [] }]);
    expect(only(stack, 'github_repository_environment_deployment_policy').block['branch_pattern']).toBe('main');
    expect(environmentVariable(stack, 'production', 'AWS_ROLE_ARN')['repository']).toBe('api-service');
    expect(environmentVariable(stack, 'production', 'AWS_REGION')['value']).toBe('ap-northeast-2');
    expect(resources(stack, 'github_actions_variable')).toEqual({});
  },
  'tag-release': (stack) => {
    const conditions = trustConditions(only(stack, 'aws_iam_role').block);
    expect(only(stack, 'aws_iam_role').block['name']).toBe('gha-prod-cli-tool-release');
    expect(only(stack, 'aws_iam_role_policy').block['name']).toBe('artifacts');
    expect(conditions).toContainEqual({ operator: 'StringLike', key: 'token.actions.githubusercontent.com:sub', values: ['repo:octo-org/cli-tool:ref:refs/tags/v*'] });
    expect(variable(stack, 'AWS_ROLE_ARN')['repository']).toBe('cli-tool');
  },
  'pull-request-plan': (stack) => {
    expect(subjects(stack)).toEqual(['repo:octo-org/infra:pull_request']);
    expect(only(stack, 'aws_iam_role').block['name']).toBe('gha-dev-infra-plan');
    expect(variable(stack, 'AWS_REGION')['repository']).toBe('infra');
    expect(only(stack, 'aws_iam_role_policy_attachment').block['policy_arn']).toBe('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess');
    expect(variable(stack, 'AWS_PLAN_ROLE_ARN')['repository']).toBe('infra');
  },
  'reusable-workflow': (stack) => {
    expect(subjects(stack)).toEqual([
      'repo:octo-org/mobile-backend:environment:production:job_workflow_ref:octo-org/octo-automation/.github/workflows/deploy.yml@refs/heads/main',
    ]);
    expect(only(stack, 'github_actions_repository_oidc_subject_claim_customization_template').block).toMatchObject({
      repository: 'mobile-backend',
      use_default: false,
      include_claim_keys: ['repo', 'context', 'job_workflow_ref'],
    });
    expect(only(stack, 'aws_iam_role').block['name']).toBe('gha-prod-mobile-backend-deploy');
    expect(environmentVariable(stack, 'production', 'AWS_ROLE_ARN')['repository']).toBe('mobile-backend');
    expect(environmentVariable(stack, 'production', 'AWS_REGION')['repository']).toBe('mobile-backend');
    expect(only(stack, 'github_repository_environment').block).toMatchObject({ environment: 'production', reviewers: [{ teams: [4567] }] });
  },
  'immutable-subjects': (stack) => {
    expect(subjects(stack)).toEqual(['repo:octo-org@123456/payments@456789:ref:refs/heads/main']);
    expect(only(stack, 'aws_iam_role').block['name']).toBe('gha-dev-payments-deploy');
    expect(variable(stack, 'AWS_ROLE_ARN')['repository']).toBe('payments');
  },
  'enterprise-issuer': (stack) => {
    expect(only(stack, 'aws_iam_openid_connect_provider').block['url']).toBe('https://token.actions.githubusercontent.com/octocat-inc');
    const keys = trustConditions(only(stack, 'aws_iam_role').block).map((c) => c.key);
    expect(keys.sort()).toEqual(['token.actions.githubusercontent.com/octocat-inc:aud', 'token.actions.githubusercontent.com/octocat-inc:sub']);
    expect(variable(stack, 'AWS_ROLE_ARN')['repository']).toBe('web-app');
  },
  'existing-provider': (stack) => {
    expect(resources(stack, 'aws_iam_openid_connect_provider')).toEqual({});
    const trust = JSON.parse(only(stack, 'aws_iam_role').block['assume_role_policy'] as string) as { Statement: { Principal: unknown }[] };
    expect(trust.Statement[0]?.Principal).toEqual({ Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' });
    expect(variable(stack, 'AWS_ROLE_ARN')['repository']).toBe('web-app');
  },
};

describe.skipIf(SKIP)('packed @keyless/policy and @keyless/constructs', () => {
  beforeAll(() => {
    work = mkdtempSync(join(realpathSync(tmpdir()), 'keyless-pack-test-'));
    const tarballs = join(work, 'tarballs');
    // constructs first: its prepack builds policy and then itself.
    for (const dir of [...PUBLISHED].reverse()) {
      const before = new Set(existsSync(tarballs) ? readdirSync(tarballs) : []);
      run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(ROOT, dir), env: process.env });
      const created = readdirSync(tarballs).filter((f) => f.endsWith('.tgz') && !before.has(f));
      if (created.length !== 1) throw new Error(`pnpm pack in ${dir} made ${created.length} tarballs`);
      const tarball = join(tarballs, created[0] as string);
      const unpacked = join(work, 'unpacked', dir.split('/')[1] as string);
      mkdirSync(unpacked, { recursive: true });
      run('tar', ['-xzf', tarball, '-C', unpacked], { cwd: work });
      const root = join(unpacked, 'package');
      packed.set(dir, { dir, tarball, manifest: readJson<PackageJson>(join(root, 'package.json')), files: listFiles(root), unpacked: root });
    }

    app = join(work, 'app');
    mkdirSync(join(app, 'use-cases'), { recursive: true });
    mkdirSync(join(app, 'esm'), { recursive: true });
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'keyless-consumer', version: '0.0.0', private: true }, null, 2)}\n`);
    copyFileSync(join(FIXTURES, 'main.mjs'), join(app, 'main.mjs'));
    copyFileSync(join(FIXTURES, 'main.cjs'), join(app, 'main.cjs'));
    copyFileSync(join(FIXTURES, 'cdktn.mjs'), join(app, 'cdktn.mjs'));
    copyFileSync(join(FIXTURES, 'tsconfig.cdktf.json'), join(app, 'tsconfig.json'));
    copyFileSync(join(FIXTURES, 'tsconfig.nodenext.json'), join(app, 'tsconfig.nodenext.json'));

    blocks = markedBlocks(readFileSync(README, 'utf8'));
    for (const block of blocks) {
      if (block.name === 'minimal') {
        writeFileSync(join(app, 'main.ts'), block.code);
        writeFileSync(join(app, 'esm', 'main.mts'), block.code);
      } else if (block.name === 'building-blocks') writeFileSync(join(app, 'building-blocks.ts'), block.code);
      else if (block.language === 'ts') writeFileSync(join(app, 'use-cases', `${block.name}.ts`), useCaseProgram(block));
    }

    const p = (dir: string): string => (packed.get(dir) as Packed).tarball;
    const tools = ['@types/node', 'typescript'].map((name) => `${name}@${own.devDependencies?.[name] ?? ''}`);
    // One command, like a user's: both tarballs, the peers, and what a cdktf init app has for TypeScript.
    npmInstall([p('packages/policy'), p('packages/constructs'), ...testedPeers(), ...tools, `ts-node@${TS_NODE_VERSION}`], ['--prefer-offline']);
  });

  afterAll(() => {
    if (work === '') return;
    if (KEEP) console.log(`pack test: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });

  describe('the tarballs', () => {
    it('pass publint with no error, warning or suggestion', async () => {
      for (const entry of packed.values()) {
        const buffer = readFileSync(entry.tarball);
        const tarball = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
        const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });
        expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`), entry.dir).toEqual([]);
      }
    });

    it('point main, types and every export at the built ES modules in dist', () => {
      for (const entry of packed.values()) {
        const { manifest } = entry;
        expect(manifest.main).toBe('./dist/index.js');
        expect(manifest.types).toBe('./dist/index.d.ts');
        const exports = manifest.exports as Record<string, unknown>;
        // The same entry points as in the workspace, where they point at the TypeScript sources.
        const source = readJson<PackageJson>(join(ROOT, entry.dir, 'package.json')).exports as Record<string, string>;
        expect(Object.keys(exports).sort()).toEqual([...Object.keys(source), './package.json'].sort());
        expect(exports['./package.json']).toBe('./package.json');
        for (const [subpath, target] of Object.entries(exports).filter(([k]) => k !== './package.json')) {
          // Data exports (the config JSON Schemas) point at the same files in the workspace and the tarball.
          if (!(source[subpath] ?? '').startsWith('./src/')) {
            expect(target, `${entry.dir} ${subpath}`).toBe(source[subpath]);
            expect(entry.files.some((f) => f.startsWith(String(target).replace(/^\.\//, '').replace(/\*$/, ''))), `${entry.dir} ${subpath}`).toBe(true);
            continue;
          }
          const module = (source[subpath] ?? '').replace(/^\.\/src\/(.+)\.ts$/, '$1');
          expect(target, `${entry.dir} ${subpath}`).toEqual({ types: `./dist/${module}.d.ts`, default: `./dist/${module}.js` });
          for (const suffix of ['.js', '.d.ts', '.js.map', '.d.ts.map']) expect(entry.files).toContain(`dist/${module}${suffix}`);
        }
        expect(readFileSync(join(entry.unpacked, 'dist/index.js'), 'utf8')).toMatch(/^export (?:\*|\{[^}]*\}) from '\.\/(?:[a-z-]+\/)*[a-z-]+\.js';/m);
      }
    });

    it('name real versions, never workspace: specifiers', () => {
      const policy = (packed.get('packages/policy') as Packed).manifest;
      const constructs = (packed.get('packages/constructs') as Packed).manifest;
      for (const { manifest } of packed.values()) expect(JSON.stringify(manifest)).not.toContain('workspace:');
      expect(constructs.dependencies?.['@keyless/policy']).toBe(policy.version);
      expect(constructs.version).toBe(policy.version);
    });

    it('hold only the built code, its sources for the source maps, the README, the license and package.json', () => {
      const allowed = /^(dist\/(?:[a-z-]+\/)*[a-z-]+\.(js|js\.map|d\.ts|d\.ts\.map)|src\/(?:[a-z-]+\/)*[a-z-]+\.ts|schema\/[a-z-]+\.schema\.json|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
      for (const entry of packed.values()) {
        expect(entry.files.filter((f) => !allowed.test(f)), entry.dir).toEqual([]);
        expect(entry.files, entry.dir).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
        // Every module is there with its declarations and maps.
        const sources = entry.files.filter((f) => f.startsWith('src/')).map((f) => f.slice(4, -3));
        for (const name of sources) {
          for (const suffix of ['.js', '.js.map', '.d.ts', '.d.ts.map']) expect(entry.files, entry.dir).toContain(`dist/${name}${suffix}`);
        }
      }
    });

    it('declare every package their code imports', () => {
      for (const entry of packed.values()) {
        const declared = new Set([...Object.keys(entry.manifest.dependencies ?? {}), ...Object.keys(entry.manifest.peerDependencies ?? {})]);
        const used = new Set<string>();
        for (const file of entry.files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
          for (const name of importedPackages(readFileSync(join(entry.unpacked, file), 'utf8'))) used.add(name);
        }
        expect([...used].filter((name) => !declared.has(name)), entry.dir).toEqual([]);
        // Nothing declared and unused either.
        expect([...declared].filter((name) => !used.has(name)), entry.dir).toEqual([]);
      }
    });

    it('declare peer ranges that the tested versions satisfy', () => {
      const peers = (packed.get('packages/constructs') as Packed).manifest.peerDependencies ?? {};
      expect(Object.keys(peers).sort()).toEqual(['@cdktf/provider-aws', '@cdktf/provider-github', 'cdktf', 'constructs']);
      for (const spec of testedPeers()) {
        const at = spec.lastIndexOf('@');
        expect(satisfiesCaret(spec.slice(at + 1), peers[spec.slice(0, at)] ?? ''), spec).toBe(true);
      }
    });
  });

  describe('in a fresh cdktf app outside the workspace, installed with npm', () => {
    it('installs the tarballs themselves, not links into the workspace', () => {
      expect(app.startsWith(`${ROOT}/`)).toBe(false);
      for (const name of ['@keyless/policy', '@keyless/constructs']) {
        const dir = join(app, 'node_modules', name);
        expect(lstatSync(dir).isSymbolicLink(), name).toBe(false);
        expect(existsSync(join(dir, 'src', 'index.ts')) && existsSync(join(dir, 'dist', 'index.js')), name).toBe(true);
      }
      const manifest = readJson<{ dependencies: Record<string, string> }>(join(app, 'package.json'));
      expect(manifest.dependencies['@keyless/constructs']).toMatch(/^file:.*\.tgz$/);
      // npm ls fails on a missing or unmet peer dependency.
      run('npm', ['ls', '--all'], { cwd: app });
    });

    it('runs the README minimal example with ts-node, the way a cdktf init app runs', () => {
      expect(blocks.map((b) => b.name)).toEqual(['minimal', ...USE_CASES, 'building-blocks']);
      synth('npx', ['--no-install', 'ts-node', 'main.ts'], 'cdktf.out/minimal');
      const stack = readStack(join(app, 'cdktf.out/minimal'), 'dev');
      expect(subjects(stack)).toEqual(['repo:octo-org/web-app:ref:refs/heads/main']);
      const role = only(stack, 'aws_iam_role');
      expect(role.block['name']).toBe('gha-dev-web-app-deploy');
      expect(variable(stack, 'AWS_ROLE_ARN')).toMatchObject({ repository: 'web-app', value: `\${aws_iam_role.${role.key}.arn}` });
      expect(variable(stack, 'AWS_REGION')).toMatchObject({ repository: 'web-app', value: 'ap-northeast-2' });
      expect(stack.provider?.['aws']?.[0]).toMatchObject({ region: 'ap-northeast-2', allowed_account_ids: ['111111111111'] });
      expect(stack.provider?.['github']?.[0]).toMatchObject({ owner: 'octo-org' });
      // What the README lists for the minimal example.
      expect(role.block).toMatchObject({ path: '/github-actions/', max_session_duration: 3600 });
      expect(only(stack, 'aws_iam_openid_connect_provider').block['client_id_list']).toEqual(['sts.amazonaws.com']);
      expect(stack.provider?.['aws']?.[0]?.['default_tags']).toEqual([{ tags: { 'keyless:managed-by': 'keyless' } }]);
      expect(stack.terraform?.['backend']).toEqual({ local: { path: 'terraform.dev.tfstate' } });
      expect(Object.keys(stack.output ?? {}).sort()).toEqual(['oidc_provider_arn', 'role_arns']);
    });

    it('compiles every README example with the cdktf init compiler options (CommonJS) and synthesizes each', () => {
      run(join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: app });
      synth('node', ['build/building-blocks.js'], 'cdktf.out/building-blocks');
      expectBuildingBlocks(readStack(join(app, 'cdktf.out/building-blocks'), 'building-blocks'));
      for (const name of USE_CASES) {
        synth('node', [`build/use-cases/${name}.js`], `cdktf.out/${name}`);
        useCaseChecks[name](readStack(join(app, `cdktf.out/${name}`), name));
      }
    });

    it('type-checks the README example as an ES module under NodeNext, strict, without skipLibCheck', () => {
      run(join(app, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.nodenext.json'], { cwd: app });
    });

    it('synthesizes from an ES module (import)', () => {
      synth('node', ['main.mjs'], 'cdktf.out/esm');
      expectBuildingBlocks(readStack(join(app, 'cdktf.out/esm'), 'building-blocks'));
    });

    it('synthesizes the same from CommonJS (require of the ES module package)', () => {
      synth('node', ['main.cjs'], 'cdktf.out/cjs');
      expect(readStack(join(app, 'cdktf.out/cjs'), 'building-blocks')).toEqual(readStack(join(app, 'cdktf.out/esm'), 'building-blocks'));
    });

    it('synthesizes the same with the newest peer versions the ranges allow', () => {
      const peers = (packed.get('packages/constructs') as Packed).manifest.peerDependencies ?? {};
      npmInstall(Object.entries(peers).map(([name, range]) => `${name}@${range}`));
      const installed = Object.keys(peers).map((name) => `${name}@${readJson<PackageJson>(join(app, 'node_modules', name, 'package.json')).version}`);
      console.log(`pack test: newest peers in range: ${installed.join(', ')}`);
      run('npm', ['ls', '--all'], { cwd: app });
      synth('node', ['main.mjs'], 'cdktf.out/esm-newest');
      synth('node', ['main.cjs'], 'cdktf.out/cjs-newest');
      const expected = readStack(join(app, 'cdktf.out/esm'), 'building-blocks');
      expect(readStack(join(app, 'cdktf.out/esm-newest'), 'building-blocks')).toEqual(expected);
      expect(readStack(join(app, 'cdktf.out/cjs-newest'), 'building-blocks')).toEqual(expected);
    });

    // Runs last: cdktn narrows the constructs range, so it changes the peers the tests above ran with.
    it('synthesizes the same inside a CDK Terrain (cdktn) app', () => {
      npmInstall(CDKTN);
      run('npm', ['ls', '--all'], { cwd: app });
      synth('node', ['cdktn.mjs'], 'cdktf.out/cdktn');
      const withoutVersion = (stack: StackJson): StackJson => JSON.parse(JSON.stringify(stack).replace(/"version":"0\.2[0-9]\.[0-9]+"/, '"version":""')) as StackJson;
      const stack = readStack(join(app, 'cdktf.out/cdktn'), 'dev');
      expect(JSON.stringify(stack)).toContain('"version":"0.24.0"');
      expect(withoutVersion(stack)).toEqual(withoutVersion(readStack(join(app, 'cdktf.out/minimal'), 'dev')));
    });
  });
});

/** `version` is inside `^range` (npm's caret semantics for exact x.y.z versions, 0.x included). */
function satisfiesCaret(version: string, range: string): boolean {
  const v = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  const r = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!v || !r) return false;
  const [a, b, c] = v.slice(1).map(Number) as [number, number, number];
  const [x, y, z] = r.slice(1).map(Number) as [number, number, number];
  const atLeast = a > x || (a === x && (b > y || (b === y && c >= z)));
  if (!atLeast) return false;
  if (x > 0) return a === x;
  if (y > 0) return a === 0 && b === y;
  return a === 0 && b === 0 && c === z;
}
