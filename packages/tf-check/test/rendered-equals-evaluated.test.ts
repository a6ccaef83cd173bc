/**
 * Rendered equals evaluated: what Terraform renders for IAM is exactly what keyless checked and reported.
 *
 * keyless validates the config as literal text, builds each role's trust policy (`role.trustPolicy`), and the
 * evaluator and `keyless explain` reason about that document. Terraform, however, reads every string of
 * `cdk.tf.json` as a template (`${…}` interpolates, `%{…}` runs directives), so a check made on the text keyless
 * wrote proves nothing on its own. This test synthesizes with `keyless synth` (the CLI, as an adopter runs
 * it), plans the AWS half offline with the real hashicorp/aws provider, reads the planned values from
 * `terraform show -json`, and requires for every role:
 *   - `aws_iam_role.assume_role_policy` equal to the model's trust policy,
 *   - each `aws_iam_role_policy.policy` equal to the model's inline policy of that name,
 *   - the `aws_iam_role_policy_attachment` ARNs equal to the model's managed policy ARNs,
 *   - `permissions_boundary`, `path`, `description`, `max_session_duration` and `tags` equal to the model's,
 *   - and the evaluator giving the same verdicts on the rendered trust policy as on the model's.
 * JSON documents are compared as canonical JSON (parsed both, keys sorted, written compactly).
 *
 * The provider ARN: a stack that creates the OIDC provider refers to it as
 * `${aws_iam_openid_connect_provider.<id>.arn}`, which is unknown until apply, so the planned trust policy would
 * be unknown as a whole. Before planning, that exact reference (and only it, and only inside
 * `assume_role_policy`) is replaced by the literal ARN the model computed for the provider
 * (`arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>`), the ARN IAM gives the provider at
 * apply. Everything else in the trust policy, the config's strings included, is planned as synthesized.
 *
 * Case groups: every app under apps/ (found from its access.yaml or bootstrap.yaml, whatever it declares),
 * generated configs (the benchmark's generated organisation, sharded, plus configs from the testkit generator that
 * covers every config field), and hostile configs whose audiences, branches, environments, paths, ARNs,
 * descriptions and policies carry template syntax: each must be refused by the model or render literally. Every
 * stack of every group goes into one terraform plan (each stack a child module, see planStacks); when some stacks
 * fail to plan, those fail with terraform's errors and the rest are planned once more without them.
 *
 * Skips with a visible reason when terraform or the provider mirror is missing, unless CI or
 * KEYLESS_REQUIRE_TERRAFORM requires them (see terraformOrSkip).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  accessConfigProblems,
  canonicalJsonText,
  modelStacksOfConfigFile,
  sampleAccessConfigs,
  sampleBootstrapConfigs,
  grantTokens,
  trustAccepts,
} from '@keyless/testkit';
import type { ModelRole, ModelStack } from '@keyless/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planStacks, terraformOrSkip } from '../src/index.js';
import type { PlannedResource } from '../src/index.js';

const tf = terraformOrSkip();
if (!tf.available) console.warn(`[rendered-equals-evaluated] skipped: ${tf.reason}`);

function workspaceRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no pnpm-workspace.yaml above the test file');
    dir = parent;
  }
  return dir;
}

const ROOT = workspaceRoot();
const CLI = join(ROOT, 'packages', 'cli', 'bin', 'keyless.mjs');
const BENCH = join(ROOT, 'packages', 'bench');

const dirs: string[] = [];
const temp = (label: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `keyless-ree-${label}-`));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `keyless synth` on config files; each writes to `cdktf.out` beside it. */
function keylessSynth(files: readonly string[]): void {
  const r = spawnSync(process.execPath, [CLI, 'synth', ...files], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, INIT_CWD: ROOT, KEYLESS_BACKEND: 'auto' } });
  if (r.status !== 0) throw new Error(`keyless synth ${files.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
}

/** The stacks `keyless synth` wrote beside a config file, by stack id. */
function synthesizedStacks(configFile: string): Map<string, object> {
  const outdir = join(dirname(configFile), 'cdktf.out');
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { synthesizedStackPath: string }> };
  return new Map(Object.entries(manifest.stacks).map(([id, s]) => [id, JSON.parse(readFileSync(join(outdir, s.synthesizedStackPath), 'utf8')) as object]));
}

/**
 * Replaces the reference to the stack's own OIDC provider in every trust policy by the literal ARN the model
 * computed (see the file comment). Nothing else changes.
 */
function withLiteralProviderArn(json: object, stack: ModelStack): object {
  if (!stack.createsProvider) return json;
  if (/[$%]\{/.test(stack.providerArn)) throw new Error(`the provider ARN ${stack.providerArn} holds template syntax`);
  const copy = JSON.parse(JSON.stringify(json)) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const providers = Object.keys(copy.resource?.['aws_iam_openid_connect_provider'] ?? {});
  if (providers.length !== 1) throw new Error(`stack ${stack.stackId} creates the provider, but has ${providers.length} aws_iam_openid_connect_provider resources`);
  const reference = `\${aws_iam_openid_connect_provider.${providers[0]}.arn}`;
  for (const role of Object.values(copy.resource?.['aws_iam_role'] ?? {})) {
    const policy = role['assume_role_policy'];
    if (typeof policy === 'string') role['assume_role_policy'] = policy.split(reference).join(stack.providerArn);
  }
  return copy;
}

interface Case {
  /** Unique across a plan: `<config file>#<stack id>`. */
  readonly id: string;
  /** The config file the stack comes from. */
  readonly file: string;
  readonly model: ModelStack;
  readonly json: object;
}

/** Every stack `keyless synth` writes for the config files, paired with the model built from the same file. */
function casesOf(files: readonly string[]): Case[] {
  keylessSynth(files);
  return files.flatMap((file) => {
    const written = synthesizedStacks(file);
    const models = modelStacksOfConfigFile(file);
    expect([...written.keys()].sort(), `${file}: the stacks keyless synth wrote`).toEqual(models.map((m) => m.stackId).sort());
    return models.map((model) => ({ id: `${file}#${model.stackId}`, file, model, json: withLiteralProviderArn(written.get(model.stackId) as object, model) }));
  });
}

const STRANGER_SUBJECTS = ['repo:keyless-stranger/evil:ref:refs/heads/main', 'repo:keyless-stranger/evil:pull_request', 'repo:keyless-stranger/evil:environment:production'];

/** The role a resource refers to through `role`, by the rendered name of that role. */
function roleNameOf(resource: PlannedResource, roleNames: ReadonlyMap<string, string>): string {
  const target = (resource.references['role'] ?? []).find((r) => /^aws_iam_role\.[^.]+$/.test(r));
  return (target && roleNames.get(target)) ?? `(unresolved role of ${resource.address})`;
}

/**
 * Every way the planned resources differ from what the model says; empty when Terraform renders exactly what
 * keyless checked and reported.
 */
function differences(stack: ModelStack, planned: readonly PlannedResource[]): string[] {
  const out: string[] = [];
  const of = (type: string): PlannedResource[] => planned.filter((r) => r.type === type);
  const roles = of('aws_iam_role');
  const roleNames = new Map(roles.map((r) => [r.address, String(r.values['name'])]));
  const renderedNames = roles.map((r) => String(r.values['name'])).sort();
  const modelNames = stack.roles.map((r) => r.name).sort();
  if (JSON.stringify(renderedNames) !== JSON.stringify(modelNames)) out.push(`roles: rendered ${JSON.stringify(renderedNames)}, model ${JSON.stringify(modelNames)}`);

  const providers = of('aws_iam_openid_connect_provider');
  if (stack.createsProvider) {
    const p = providers[0];
    if (providers.length !== 1 || !p) out.push(`oidc provider: ${providers.length} rendered, the model creates one`);
    else {
      if (p.values['url'] !== stack.issuerUrl) out.push(`oidc provider url: rendered ${JSON.stringify(p.values['url'])}, model ${JSON.stringify(stack.issuerUrl)}`);
      const audiences = [...((p.values['client_id_list'] as string[] | undefined) ?? [])].sort();
      if (JSON.stringify(audiences) !== JSON.stringify(stack.audiences)) out.push(`oidc provider audiences: rendered ${JSON.stringify(audiences)}, model ${JSON.stringify(stack.audiences)}`);
    }
  } else if (providers.length > 0) out.push('oidc provider: rendered, but the model refers to an existing one');

  const inline = new Map<string, Record<string, string>>();
  for (const p of of('aws_iam_role_policy')) {
    const role = roleNameOf(p, roleNames);
    const policies = inline.get(role) ?? {};
    policies[String(p.values['name'])] = canonicalOrRaw(p.values['policy']);
    inline.set(role, policies);
  }
  const managed = new Map<string, string[]>();
  for (const a of of('aws_iam_role_policy_attachment')) {
    const role = roleNameOf(a, roleNames);
    managed.set(role, [...(managed.get(role) ?? []), String(a.values['policy_arn'])]);
  }

  for (const role of stack.roles) {
    const r = roles.find((x) => x.values['name'] === role.name);
    if (!r) continue;
    const at = `${role.entry} (${role.name})`;
    const trust = canonicalOrRaw(r.values['assume_role_policy']);
    if (trust !== role.trustPolicy) out.push(`${at}: trust policy\n    rendered ${trust}\n    model    ${role.trustPolicy}`);
    else out.push(...verdictDifferences(stack, role, trust));
    const fields: [string, unknown, unknown][] = [
      ['path', r.values['path'], role.path],
      ['description', r.values['description'], role.description],
      ['max_session_duration', r.values['max_session_duration'], role.maxSessionDurationSeconds],
      ['permissions_boundary', r.values['permissions_boundary'] ?? null, role.permissionsBoundaryArn],
      ['tags', sorted((r.values['tags'] as Record<string, string> | null) ?? {}), sorted(role.tags)],
    ];
    for (const [name, rendered, model] of fields) {
      if (JSON.stringify(rendered) !== JSON.stringify(model)) out.push(`${at}: ${name}: rendered ${JSON.stringify(rendered)}, model ${JSON.stringify(model)}`);
    }
    const renderedInline = sorted(inline.get(role.name) ?? {});
    if (JSON.stringify(renderedInline) !== JSON.stringify(sorted(role.inlinePolicies)))
      out.push(`${at}: inline policies\n    rendered ${JSON.stringify(renderedInline)}\n    model    ${JSON.stringify(sorted(role.inlinePolicies))}`);
    const renderedManaged = [...(managed.get(role.name) ?? [])].sort();
    if (JSON.stringify(renderedManaged) !== JSON.stringify([...role.managedPolicyArns].sort()))
      out.push(`${at}: managed policy ARNs: rendered ${JSON.stringify(renderedManaged)}, model ${JSON.stringify(role.managedPolicyArns)}`);
  }
  for (const role of [...inline.keys(), ...managed.keys()]) {
    if (!stack.roles.some((r) => r.name === role)) out.push(`policies of ${role}: rendered, but the model has no such role`);
  }
  return out;
}

/** The evaluator's verdicts on the rendered policy against those on the model's: strangers and every exact trusted subject. */
function verdictDifferences(stack: ModelStack, role: ModelRole, rendered: string): string[] {
  const out: string[] = [];
  // Strangers, and every exact trusted subject with the claims its grant requires (ids, ref, workflow), then the
  // same subject with each of those claims changed.
  const tokens = [...STRANGER_SUBJECTS.map((sub) => ({ sub, claims: {} as Record<string, string> })), ...grantTokens(role)];
  const mutated = grantTokens(role).flatMap((t) => Object.keys(t.claims).map((k) => ({ sub: t.sub, claims: { ...t.claims, [k]: `${t.claims[k]}9` } })));
  for (const aud of stack.audiences) {
    for (const { sub, claims } of [...tokens, ...mutated]) {
      const token = { iss: stack.issuerUrl, aud, sub, ...claims };
      const byModel = trustAccepts(role.trustPolicy, token, stack.audiences);
      const byRendered = trustAccepts(rendered, token, stack.audiences);
      if (byModel !== byRendered) out.push(`${role.entry}: a token with aud ${aud} and sub ${sub} is ${byRendered ? 'accepted' : 'refused'} by the rendered trust policy, ${byModel ? 'accepted' : 'refused'} by the model's`);
    }
  }
  return out;
}

function canonicalOrRaw(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  try {
    return canonicalJsonText(value);
  } catch {
    return `(not JSON) ${value}`;
  }
}

function sorted<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What terraform planned for one stack: its resources, or why the plan failed. */
interface Planned {
  readonly ok: boolean;
  readonly output: string;
  readonly resources: readonly PlannedResource[];
}

/**
 * Plans the cases together. When the plan fails, the stacks terraform's errors name fail with those errors
 * and the others are planned again without them, so one broken stack does not hide what the rest render.
 */
function planCases(label: string, cases: readonly Case[]): Map<string, Planned> {
  const out = new Map<string, Planned>();
  let remaining = [...cases];
  for (let attempt = 0; attempt < 2 && remaining.length > 0; attempt++) {
    const result = planStacks(
      remaining.map((c) => ({ id: c.id, json: c.json })),
      { workDir: join(temp(label), 'terraform') },
    );
    const resources = [...result.stacks.values()].reduce((n, r) => n + r.length, 0);
    console.log(`[rendered-equals-evaluated] ${label}: ${remaining.length} stack(s), ${resources} resources planned, ${result.ok ? 'ok' : 'failed'}; init ${result.durationsMs.init} ms, plan ${result.durationsMs.plan} ms`);
    if (result.ok) {
      for (const c of remaining) out.set(c.id, { ok: true, output: '', resources: result.stacks.get(c.id) ?? [] });
      return out;
    }
    const failing = remaining.filter((c) => result.errors.has(c.id));
    for (const c of failing) out.set(c.id, { ok: false, output: result.errors.get(c.id) ?? result.output, resources: [] });
    if (failing.length === 0 || attempt === 1) {
      for (const c of remaining) if (!out.has(c.id)) out.set(c.id, { ok: false, output: result.output, resources: [] });
      return out;
    }
    remaining = remaining.filter((c) => !result.errors.has(c.id));
  }
  return out;
}

/** Every case of a config file planned, and rendering exactly what its model says. */
function expectRenderedEqualsModel(file: string, cases: readonly Case[], planned: ReadonlyMap<string, Planned>): void {
  const mine = cases.filter((c) => c.file === file);
  expect(mine.length, `${file}: stacks synthesized`).toBeGreaterThan(0);
  for (const c of mine) {
    const p = planned.get(c.id);
    expect(p?.ok, `${c.id}: terraform plan\n${p?.output ?? 'not planned'}`).toBe(true);
    expect(differences(c.model, p?.resources ?? []), c.id).toEqual([]);
  }
}

const NAME = 'renders what the model built and explain reasoned about: trust, inline and managed policies, boundary, path, description, duration and tags (JSON compared as canonical JSON: parsed, keys sorted)';

/** The app config files under apps/, whatever the apps are. */
function appConfigFiles(): string[] {
  const apps = join(ROOT, 'apps');
  if (!existsSync(apps)) return [];
  return readdirSync(apps, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => ['access.yaml', 'bootstrap.yaml'].map((f) => join(apps, d.name, f)))
    .filter((f) => existsSync(f))
    .sort();
}

/** A fixed seed, so that CI plans the same generated configs on every run; the equivalence property explores. */
const SEED = 92_026;
const GENERATED_ACCESS = sampleAccessConfigs(4, SEED, { maxRepositories: 6 });
const GENERATED_BOOTSTRAP = sampleBootstrapConfigs(2, SEED);
const APP_FILES = appConfigFiles();

/** A small valid config of our own, which the hostile cases below change in one place each. */
function baseConfig(): Record<string, any> {
  return {
    environment: 'hostile',
    aws: { accountId: '123456789012', region: 'us-east-1', oidcProvider: { create: true } },
    github: { owner: 'octo-org', audiences: ['sts.amazonaws.com'] },
    repositories: {
      web: {
        environments: { production: { reviewers: { teams: [1] }, deploymentBranches: ['main'] } },
        roles: {
          deploy: {
            description: 'deploys the site',
            trust: { branches: ['main'], environments: ['production'] },
            inlinePolicies: { site: { Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: 'arn:aws:s3:::octo-site/*' }] } },
          },
        },
      },
    },
  };
}

interface HostileCase {
  readonly name: string;
  readonly change: (config: Record<string, any>) => void;
  /** Config paths one of which a refusal must name. */
  readonly paths: readonly string[];
  /** Free text that keyless must accept and render literally (refusing it would refuse IAM policy variables). */
  readonly literal?: true;
}

const IF_FALSE = '%{if(false)}';
const END_IF = '%{endif}';

/** Template syntax in every kind of config string that reaches the AWS half. */
const HOSTILE: readonly HostileCase[] = [
  {
    name: 'an audience opens %{if(false)} and a branch closes it: Terraform would drop the sub condition',
    change: (c) => {
      c.github.audiences = [`sts.amazonaws.com${IF_FALSE}`];
      c.repositories.web.roles.deploy.trust.branches = [END_IF];
    },
    paths: ['github.audiences', 'repositories.web.roles.deploy.trust.branches'],
  },
  {
    name: 'a branch and a tag pattern carry a directive pair',
    change: (c) => {
      c.repositories.web.roles.deploy.trust.branches = [`main${IF_FALSE}`];
      c.repositories.web.roles.deploy.trust.tagPatterns = [`v*${END_IF}`];
    },
    paths: ['repositories.web.roles.deploy.trust.branches', 'repositories.web.roles.deploy.trust.tagPatterns'],
  },
  {
    name: 'an environment name carries a directive pair',
    change: (c) => {
      const name = `prod${IF_FALSE}x${END_IF}`;
      c.repositories.web.environments = { [name]: { reviewers: { teams: [1] } } };
      c.repositories.web.roles.deploy.trust.environments = [name];
    },
    paths: ['repositories.web.environments', 'repositories.web.roles.deploy.trust.environments'],
  },
  {
    name: 'a description carries directives and an interpolation (free text: must render literally)',
    change: (c) => {
      c.repositories.web.roles.deploy.description = `deploys ${IF_FALSE}hidden${END_IF} for \${aws:username} and \${var.x}`;
    },
    paths: ['repositories.web.roles.deploy.description'],
    literal: true,
  },
  {
    name: 'an inline policy carries a directive pair across two statements and IAM policy variables (free text: must render literally)',
    change: (c) => {
      c.repositories.web.roles.deploy.inlinePolicies.site.Statement = [
        { Effect: 'Deny', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::octo-site/${IF_FALSE}` },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::octo-site/${END_IF}/\${aws:username}/*` },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::octo-site', Condition: { StringLike: { 's3:prefix': ['$${x}', '%%{y}', 'home/${aws:PrincipalTag/team}/*'] } } },
      ];
    },
    paths: ['repositories.web.roles.deploy.inlinePolicies'],
    literal: true,
  },
  {
    name: 'an inline policy carries text that looks like a cdktf token',
    change: (c) => {
      c.repositories.web.roles.deploy.inlinePolicies.site.Statement = [
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::octo-site', Condition: { StringLike: { 's3:prefix': '${TfToken[TOKEN.1]}' } } },
      ];
    },
    paths: ['repositories.web.roles.deploy.inlinePolicies'],
  },
  {
    name: 'a role path, a permissions boundary and a managed policy ARN carry template syntax',
    change: (c) => {
      c.repositories.web.roles.deploy.path = `/ci${IF_FALSE}/`;
      c.repositories.web.roles.deploy.permissionsBoundaryArn = `arn:aws:iam::123456789012:policy/b${END_IF}/boundary`;
      c.repositories.web.roles.deploy.managedPolicyArns = ['arn:aws:iam::123456789012:policy/${aws:username}/deploy'];
    },
    paths: ['repositories.web.roles.deploy.path', 'repositories.web.roles.deploy.permissionsBoundaryArn', 'repositories.web.roles.deploy.managedPolicyArns', 'defaults'],
  },
];

/** The stacks of one case group, or why they could not be synthesized. */
interface Group {
  cases: Case[];
  error?: unknown;
}

function prepare(fill: (group: Group) => void): Group {
  const group: Group = { cases: [] };
  try {
    fill(group);
  } catch (error) {
    group.error = error;
  }
  return group;
}

function groupCases(group: Group): Case[] {
  if (group.error !== undefined) throw group.error;
  return group.cases;
}

describe.skipIf(!tf.available)('rendered equals evaluated', () => {
  // Every group's stacks go into one terraform plan (a second one only when some stacks fail to plan).
  let apps: Group = { cases: [] };
  let generated: Group = { cases: [] };
  let hostile: Group = { cases: [] };
  const refused = new Map<HostileCase, readonly string[]>();
  const hostileFiles = new Map<HostileCase, string>();
  let planned = new Map<string, Planned>();
  const generatedBase = temp('generated');
  const org = join(generatedBase, 'org', 'access.yaml');
  const generatedFiles = [
    org,
    ...GENERATED_ACCESS.map((_, i) => join(generatedBase, `access-${i}`, 'access.yaml')),
    ...GENERATED_BOOTSTRAP.map((_, i) => join(generatedBase, `bootstrap-${i}`, 'bootstrap.yaml')),
  ];

  beforeAll(() => {
    apps = prepare((group) => {
      // Copies, so that synthesis writes nothing under apps/.
      const base = temp('apps');
      const copies = APP_FILES.map((file) => {
        const copy = join(base, relative(join(ROOT, 'apps'), file));
        mkdirSync(dirname(copy), { recursive: true });
        writeFileSync(copy, readFileSync(file));
        return copy;
      });
      group.cases = casesOf(copies).map((c) => ({ ...c, file: APP_FILES[copies.indexOf(c.file)] as string }));
    });
    generated = prepare((group) => {
      // The benchmark's generated organisation, sharded: many repositories, few stacks.
      mkdirSync(dirname(org), { recursive: true });
      const gen = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH, 'src', 'gen.ts'), '40', '--shards', '3', '--environment', 'org', '--out', org], {
        cwd: BENCH,
        encoding: 'utf8',
        env: { ...process.env, INIT_CWD: BENCH },
      });
      if (gen.status !== 0) throw new Error(`the benchmark's generator exited ${gen.status}:\n${gen.stderr}`);
      // Configs from the testkit generator, which reaches every config field, with several repositories each.
      [...GENERATED_ACCESS, ...GENERATED_BOOTSTRAP].forEach((config, i) => {
        const file = generatedFiles[i + 1] as string;
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(config, null, 2));
      });
      group.cases = casesOf(generatedFiles);
    });
    hostile = prepare((group) => {
      const base = temp('hostile');
      HOSTILE.forEach((h, i) => {
        const config = baseConfig();
        h.change(config);
        config['environment'] = `hostile-${i}`;
        const problems = accessConfigProblems(config);
        if (problems.length > 0) {
          refused.set(h, problems);
          return;
        }
        const file = join(base, `case-${i}`, 'access.yaml');
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(config, null, 2));
        hostileFiles.set(h, file);
      });
      if (hostileFiles.size > 0) group.cases = casesOf([...hostileFiles.values()]);
    });
    planned = planCases('all groups', [...apps.cases, ...generated.cases, ...hostile.cases]);
  }, 900_000);

  describe('the apps under apps/', () => {
    it('finds the app configs under apps/', () => {
      expect(APP_FILES.length).toBeGreaterThan(0);
    });

    it.each(APP_FILES.map((f) => [relative(ROOT, f), f]))(`%s: every stack ${NAME}`, (_name, file) => {
      expectRenderedEqualsModel(file, groupCases(apps), planned);
    });
  });

  describe('generated configs', () => {
    it(`the generated organisation (the benchmark generator, 40 repositories in 3 hash shards): every stack ${NAME}`, () => {
      expect(groupCases(generated).filter((c) => c.file === org).length).toBe(3);
      expectRenderedEqualsModel(org, groupCases(generated), planned);
    });

    it.each(generatedFiles.slice(1).map((f) => [relative(generatedBase, f), f]))(`testkit generator sample %s: every stack ${NAME}`, (_name, file) => {
      expectRenderedEqualsModel(file, groupCases(generated), planned);
    });
  });

  describe('hostile config strings are refused or render literally', () => {
    it.each(HOSTILE.map((h) => [h.name, h] as const))(`%s: refused naming the entry, or ${NAME}`, (_name, h) => {
      const problems = refused.get(h);
      if (h.literal) expect(problems, 'free text is accepted and rendered literally, not refused').toBeUndefined();
      if (problems) {
        expect(problems.some((p) => h.paths.some((path) => p.startsWith(path))), problems.join('\n')).toBe(true);
        return;
      }
      expectRenderedEqualsModel(hostileFiles.get(h) as string, groupCases(hostile), planned);
    });
  });
});

describe('the comparison itself', () => {
  it('a rendered trust policy without its sub condition is caught: the comparison is not vacuous', () => {
    // What Terraform renders for the first hostile case without escaping: the audience and sub conditions fold away.
    const stack: ModelStack = {
      stackId: 'probe',
      createsProvider: false,
      providerArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
      issuerUrl: 'https://token.actions.githubusercontent.com',
      audiences: ['sts.amazonaws.com'],
      roles: [],
    };
    const trusted = '{"Statement":[{"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:octo-org/web:ref:refs/heads/main"}},"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}}],"Version":"2012-10-17"}';
    const folded = trusted.replace(',"token.actions.githubusercontent.com:sub":"repo:octo-org/web:ref:refs/heads/main"', '');
    const role: ModelRole = {
      entry: 'repositories.web.roles.deploy',
      name: 'probe',
      path: '/',
      description: 'd',
      maxSessionDurationSeconds: 3600,
      permissionsBoundaryArn: null,
      tags: {},
      trustPolicy: canonicalJsonText(trusted),
      claims: ['repo:octo-org/web:ref:refs/heads/main'],
      grants: [{ subjects: ['repo:octo-org/web:ref:refs/heads/main'], claims: {} }],
      managedPolicyArns: [],
      inlinePolicies: {},
    };
    const planned: PlannedResource[] = [
      { address: 'aws_iam_role.probe', type: 'aws_iam_role', name: 'probe', values: { name: 'probe', path: '/', description: 'd', max_session_duration: 3600, permissions_boundary: null, tags: {}, assume_role_policy: folded }, references: {} },
    ];
    const found = differences({ ...stack, roles: [role] }, planned);
    expect(found.join('\n')).toMatch(/trust policy/);
    expect(verdictDifferences(stack, role, canonicalJsonText(folded)).join('\n')).toMatch(/keyless-stranger\/evil.* accepted by the rendered trust policy, refused by the model's/);
  });
});
