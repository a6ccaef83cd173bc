import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAccessModel, parseAccessConfigYaml } from '@keyless/policy';
import { renderKeylessStack } from '@keyless/constructs/fast';
import { checkStack, terraformOrSkip } from '@keyless/tf-check';
import { IMPORT_FILE, loadIamFile, planImports, type ImportBlock } from '../src/index.js';
import { FIXTURES, run } from './helpers.js';

type Stack = { resource: Record<string, Record<string, Record<string, unknown>>>; provider: { aws: Record<string, unknown>[] }; import?: ImportBlock[] };

function synth(yaml = readFileSync(join(FIXTURES, 'adopt/access.yaml'), 'utf8')): Stack {
  return renderKeylessStack('dev', buildAccessModel(parseAccessConfigYaml(yaml, 'adopt')), { backend: 'local' }) as unknown as Stack;
}

/** A stack directory as `keyless synth` writes it. */
function stackDir(stack: Stack): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'keyless-import-')), 'cdktf.out', 'stacks', 'dev');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(stack, null, 2));
  return dir;
}

/** The address of the resource of this type whose attribute has this value, read from the stack. */
function address(stack: Stack, type: string, attribute: string, value: string): string {
  const entry = Object.entries(stack.resource[type] ?? {}).find(([, body]) => body[attribute] === value);
  if (!entry) throw new Error(`no ${type} with ${attribute} ${value}`);
  return `${type}.${entry[0]}`;
}

const iam = loadIamFile(join(FIXTURES, 'authorization-details.json'));

describe('keyless import', () => {
  it('imports the existing GitHub roles the config describes, with their policies, at the synthesized addresses', () => {
    const stack = synth();
    const { blocks, warnings, conflicts } = planImports({ source: 'cdk.tf.json', dir: '.', json: stack }, iam);
    expect(conflicts).toEqual([]);
    expect(warnings).toEqual([]);
    expect(blocks).toEqual(
      [
        { to: address(stack, 'aws_iam_role', 'name', 'gha-good-deploy'), id: 'gha-good-deploy' },
        { to: address(stack, 'aws_iam_role', 'name', 'gha-good-pinned'), id: 'gha-good-pinned' },
        { to: address(stack, 'aws_iam_role_policy', 'name', 'site'), id: 'gha-good-deploy:site' },
        { to: address(stack, 'aws_iam_role_policy_attachment', 'policy_arn', 'arn:aws:iam::111122223333:policy/web-deploy'), id: 'gha-good-pinned/arn:aws:iam::111122223333:policy/web-deploy' },
      ].sort((a, b) => (a.to < b.to ? -1 : 1)),
    );
    // The new role exists nowhere yet: nothing to import.
    expect(blocks.some((b) => b.id.startsWith('gha-dev-tools'))).toBe(false);
  });

  it('takes the addresses from the synthesized file, not from its own idea of them', () => {
    const stack = synth();
    const roles = stack.resource['aws_iam_role'] as Record<string, Record<string, unknown>>;
    const [id, body] = Object.entries(roles).find(([, b]) => b['name'] === 'gha-good-deploy') as [string, Record<string, unknown>];
    delete roles[id];
    roles['renamed_by_another_synthesizer'] = body;
    for (const policy of Object.values(stack.resource['aws_iam_role_policy'] ?? {})) policy['role'] = String(policy['role']).replace(id, 'renamed_by_another_synthesizer');
    const { blocks } = planImports({ source: 'cdk.tf.json', dir: '.', json: stack }, iam);
    expect(blocks).toContainEqual({ to: 'aws_iam_role.renamed_by_another_synthesizer', id: 'gha-good-deploy' });
    expect(blocks.map((b) => b.to)).not.toContain(`aws_iam_role.${id}`);
  });

  it('warns about what terraform will replace or leave unmanaged', () => {
    const yaml = readFileSync(join(FIXTURES, 'adopt/access.yaml'), 'utf8')
      .replace('        name: gha-good-deploy\n', '        name: gha-good-deploy\n        path: /ci/\n')
      .replace('        managedPolicyArns:\n          - arn:aws:iam::111122223333:policy/web-deploy\n', '');
    const { warnings } = planImports({ source: 'cdk.tf.json', dir: '.', json: synth(yaml) }, iam);
    expect(warnings).toEqual([
      expect.stringMatching(/: role gha-good-deploy has path \/github-actions\/, the config \/ci\/; a new path replaces the role \(destroy and create\), so set path: \/github-actions\/ on the role to keep it$/),
      'role gha-good-pinned: arn:aws:iam::111122223333:policy/web-deploy is attached but not in the config; it stays attached and unmanaged (detach it, or add it to managedPolicyArns)',
    ]);
  });

  it('writes the blocks beside cdk.tf.json', async () => {
    const dir = stackDir(synth());
    const result = await run(['import', '--iam', 'authorization-details.json', '--stack', join(dir, '..', '..')]);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/cdk\.tf\.json: 4 import block\(s\) in .*keyless-import\.tf\.json/);
    const written = JSON.parse(readFileSync(join(dir, IMPORT_FILE), 'utf8')) as { import: ImportBlock[] };
    expect(written.import).toHaveLength(4);
    expect((await run(['import', '--iam', 'authorization-details.json', '--stack', dir, '--out', '-'])).out).toBe(readFileSync(join(dir, IMPORT_FILE), 'utf8'));
  });

  it('reads the existing roles live as well, with the same result', async () => {
    const { loadManifest, startReplayServer } = await import('./support/replay-server.mjs');
    const replay = await startReplayServer(loadManifest(join(FIXTURES, 'live/iam/manifest.json')));
    try {
      const dir = stackDir(synth());
      const live = await run(['import', '--aws', '--stack', dir, '--out', '-'], { live: { aws: { endpoint: replay.url, credentials: { accessKeyId: 'AKIDREPLAY', secretAccessKey: 'x' } } } });
      const files = await run(['import', '--iam', 'authorization-details.json', '--stack', dir, '--out', '-']);
      expect(live.code).toBe(0);
      expect(live.out).toBe(files.out);
      expect(replay.requests.map((r) => new URLSearchParams(r.form).get('Action'))).not.toContain('GenerateCredentialReport');
    } finally {
      await replay.close();
    }
  });

  it('refuses to adopt a role that does not trust GitHub, and writes nothing', async () => {
    const yaml = readFileSync(join(FIXTURES, 'adopt/access.yaml'), 'utf8').replace('  tools:\n    id: 4004\n    roles:\n      deploy:\n', '  tools:\n    id: 4004\n    roles:\n      deploy:\n        name: lambda-exec\n');
    const dir = stackDir(synth(yaml));
    const result = await run(['import', '--iam', 'authorization-details.json', '--stack', dir]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/role lambda-exec exists and does not trust GitHub; keyless would take it over and replace its trust/);
    expect(result.err).toContain('nothing was written');
    expect(existsSync(join(dir, IMPORT_FILE))).toBe(false);
  });

  it.each([
    ['a missing stack', ['--iam', 'authorization-details.json', '--stack', 'nowhere'], /nowhere: no such file or directory/],
    ['no IAM source', ['--stack', 'adopt'], /give exactly one of --iam FILE and --aws/],
    ['a folder without stacks', ['--iam', 'authorization-details.json', '--stack', 'adopt'], /adopt: holds no cdk\.tf\.json \(run keyless synth or cdktf synth first\)/],
  ])('exits 2 on %s', async (_name, args, message) => {
    const result = await run(['import', ...args]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});

const tf = terraformOrSkip();
const here = fileURLToPath(new URL('.', import.meta.url));
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill();
});

/** The replay server in its own process: terraform runs synchronously in this one. */
async function replayProcess(manifest: string): Promise<string> {
  server = spawn(process.execPath, [join(here, 'support/replay-server.mjs'), manifest], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    server?.stdout?.on('data', (d: Buffer) => {
      const m = /LISTENING (\S+)/.exec(String(d));
      if (m) resolve(m[1] as string);
    });
    server?.on('exit', (code) => reject(new Error(`replay server exited with ${code}`)));
  });
}

describe.skipIf(!tf.available)(`keyless import with terraform (${tf.reason})`, () => {
  it('validates, and plans offline with the real provider: the adopted roles are imported and updated, never destroyed', async () => {
    const stack = synth();
    const blocks = [...planImports({ source: 'cdk.tf.json', dir: '.', json: stack }, iam).blocks];
    stack.import = blocks;
    // The provider reads the imported roles from IAM: point it at the recorded responses (GetRole,
    // ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies in IAM's XML) on 127.0.0.1.
    const url = await replayProcess(join(FIXTURES, 'live/iam/manifest.json'));
    (stack.provider.aws[0] as Record<string, unknown>)['endpoints'] = [{ iam: url }];
    const result = checkStack(stack, { plan: true });
    expect(result.validate).toMatchObject({ valid: true, errorCount: 0, warningCount: 0 });
    expect(result.plan?.stderr ?? '').not.toMatch(/Error/);
    expect(result.plan?.ok).toBe(true);
    const changes = (((result.plan?.planJson ?? {}) as { resource_changes: { address: string; change: { actions: string[]; importing?: { id: string } } }[] }).resource_changes);
    const imported = Object.fromEntries(changes.filter((c) => c.change.importing).map((c) => [c.address, c.change.actions]));
    expect(Object.keys(imported).sort()).toEqual(blocks.map((b) => b.to).sort());
    for (const [addr, actions] of Object.entries(imported)) {
      expect(actions, addr).not.toContain('create');
      expect(actions, addr).not.toContain('delete');
    }
    // The roles take keyless' trust, description and tags; the policies are already what the config says.
    expect(imported[address(stack, 'aws_iam_role', 'name', 'gha-good-deploy')]).toEqual(['update']);
    expect(imported[address(stack, 'aws_iam_role_policy', 'name', 'site')]).toEqual(['no-op']);
    expect(changes.find((c) => c.address === address(stack, 'aws_iam_role', 'name', 'gha-dev-tools-deploy'))?.change.actions).toEqual(['create']);
  }, 600_000);
});
