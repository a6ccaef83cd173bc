/**
 * A config string cannot change what Terraform renders. Terraform reads every string of its JSON (object keys
 * too) as a template, so every config-derived string passes through one escaping function in both
 * synthesizers. These tests synthesize configs packed with `${` and `%{` in every free-text field and scan the
 * whole output the way Terraform's template scanner does: the only live template sequences left are the
 * references keyless writes itself, every free-text value renders back to the config text, and the two
 * synthesizers write the same bytes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { bootstrapAccounts, buildAccessModel, parseAccessConfig, parseBootstrapConfigYaml } from '@keyless/policy';
import { octoOrg } from '@keyless/testkit';
import type { AccessModel } from '@keyless/policy';
import { App } from 'cdktf';
import fc from 'fast-check';
import stringify from 'json-stable-stringify';
import { afterAll, describe, expect, it } from 'vitest';
import { carefulJson, escapeTerraformTemplate, writeJsonText } from '../src/blueprint/text.js';
import type { TextWriter } from '../src/blueprint/text.js';
import { JsonText, Ref, Template, documentWithRefs } from '../src/blueprint/values.js';
import { renderBootstrapStack, renderKeylessStack, stableJson } from '../src/fast.js';
import { BootstrapStack, GithubActionsRole, GithubOidcProvider, KeylessStack } from '../src/index.js';
import { onlyResource, synthScope } from './helpers.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One template sequence Terraform would evaluate: `${…}` or `%{…}` not written as `$${` or `%%{`. */
interface LiveSequence {
  readonly text: string;
  readonly where: string;
}

/**
 * The live template sequences of one string, scanned as HCL's template scanner does: `$${` and `%%{` are
 * escapes for a literal `${` and `%{`; any other `${` or `%{` opens a template that runs to its `}`.
 */
function liveSequences(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$' && c !== '%') continue;
    if (text[i + 1] === c && text[i + 2] === '{') {
      i += 2;
      continue;
    }
    if (text[i + 1] === '{') {
      const end = text.indexOf('}', i);
      out.push(end < 0 ? text.slice(i) : text.slice(i, end + 1));
      if (end > i) i = end;
    }
  }
  return out;
}

/** The text Terraform renders from a string without live sequences. */
function rendered(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') {
      out += `${c}{`;
      i += 2;
    } else if ((c === '$' || c === '%') && text[i + 1] === '{') {
      throw new Error(`live template sequence at ${i} of ${JSON.stringify(text)}`);
    } else out += c;
  }
  return out;
}

/** Every live sequence of a synthesized stack, in every string and every key, except cdktf's "//" comments. */
function scan(value: Json, where = ''): LiveSequence[] {
  if (typeof value === 'string') return liveSequences(value).map((text) => ({ text, where }));
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => scan(item, `${where}[${i}]`));
  return Object.entries(value).flatMap(([key, item]) => [
    ...liveSequences(key).map((text) => ({ text, where: `${where}{key ${key}}` })),
    ...(key === '//' ? [] : scan(item, `${where}.${key}`)),
  ]);
}

const OWN_REFERENCE = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(arn|name|id|environment|bucket)\}$/;

/** The live sequences that are not references to a resource of the same stack. */
function foreignSequences(stack: Json): LiveSequence[] {
  const resources = (stack as { resource?: Record<string, Record<string, unknown>> }).resource ?? {};
  return scan(stack).filter(({ text }) => {
    const m = OWN_REFERENCE.exec(text);
    return !(m && resources[m[1] ?? '']?.[m[2] ?? ''] !== undefined);
  });
}

// Template text of every kind: interpolations, directives, escapes of them, and partial sequences.
const TEMPLATE_TEXT = ['${aws:username}', '%{if true}x%{endif}', '$${already}', '%%{already}', '$$${x}', '${', '%{', '$', '%', '{', '}', '${self.arn}', '%{ for x in ["a"] }${x}%{ endfor }'];

/** A config with template text in every free-text field: the role description and every part of inline policies. */
function packedConfig(text: (i: number) => string, create: boolean): Record<string, unknown> {
  return {
    environment: 'gen',
    aws: {
      accountId: '111111111111',
      region: 'ap-northeast-2',
      tags: { team: 'platform' },
      ...(create ? {} : { oidcProvider: { existingArn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' } }),
    },
    github: { owner: 'octo-org', ownerId: 123456 },
    state: { bucket: 'octo-keyless-state', keyPrefix: 'keyless' },
    repositories: {
      web: {
        id: 456789,
        environments: { production: { reviewers: { teams: [7] }, deploymentBranches: ['main', 'release/*'] } },
        roles: {
          deploy: {
            description: `deploys ${text(0)} the site ${text(1)}`,
            trust: { branches: ['main'], environments: ['production'] },
            tags: { owner: 'web' },
            inlinePolicies: {
              site: {
                Statement: [
                  {
                    Sid: `Site${text(2)}`,
                    Effect: 'Allow',
                    Action: ['s3:GetObject', 's3:PutObject'],
                    Resource: [`arn:aws:s3:::site/${text(3)}/*`, `arn:aws:s3:::site-${text(4)}`],
                    Condition: { StringLike: { [`s3:prefix${text(5)}`]: [`home/${text(6)}`], 'aws:PrincipalTag/x': text(7) } },
                  },
                ],
              },
            },
          },
        },
      },
    },
  };
}

function modelOf(config: Record<string, unknown>): AccessModel {
  return buildAccessModel(parseAccessConfig(config));
}

/** The stack JSON of both synthesizers: cdktf's through the constructs, and the fast synthesizer's. */
function bothSynthesizers(model: AccessModel): { cdktf: string; fast: string } {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-escaping-'));
  try {
    const stack = new KeylessStack(new App({ outdir: dir }), 'gen', { model });
    const cdktf = stringify(JSON.parse(JSON.stringify(stack.toTerraform())), { space: 2 }) ?? '';
    return { cdktf, fast: stableJson(renderKeylessStack('gen', model)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function roleOf(stack: Json): { description: string; policy: string; assume: string } {
  const resources = (stack as { resource: Record<string, Record<string, Record<string, string>>> }).resource;
  const role = Object.values(resources['aws_iam_role'] ?? {})[0] ?? {};
  const policy = Object.values(resources['aws_iam_role_policy'] ?? {})[0] ?? {};
  return { description: role['description'] ?? '', policy: policy['policy'] ?? '', assume: role['assume_role_policy'] ?? '' };
}

describe('escapeTerraformTemplate', () => {
  it.each([
    ['${x}', '$${x}'],
    ['%{x}', '%%{x}'],
    ['$${x}', '$$${x}'],
    ['%%{x}', '%%%{x}'],
    ['${TfToken[TOKEN.1]}', '$${TfToken[TOKEN.1]}'],
    ['a$b%c{d}', 'a$b%c{d}'],
    ['', ''],
  ])('escapes %j as %j', (input, expected) => {
    expect(escapeTerraformTemplate(input)).toBe(expected);
  });

  it('renders back to the original text for any string, as the scanner reads it', () => {
    const alphabet = fc.constantFrom('$', '%', '{', '}', 'a', '\\', '"', ':');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }).map((cs) => cs.join('')), (text) => {
        const escaped = escapeTerraformTemplate(text);
        return liveSequences(escaped).length === 0 && rendered(escaped) === text;
      }),
      { numRuns: 200 },
    );
  });

  // The scanner above is a model; Terraform itself is the judge. Outputs only: no provider, no network.
  const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!terraform)('renders back to the original text in real Terraform, for values and object keys (skipped without terraform on PATH)', () => {
    const texts = fc.sample(
      fc.array(fc.constantFrom('$', '%', '{', '}', 'a', '$${', '%%{', '${x}', '%{if true}'), { maxLength: 12 }).map((cs) => cs.join('')),
      { numRuns: 60, seed: 9 },
    );
    const all = [...new Set([...texts, ...TEMPLATE_TEXT])];
    const dir = mkdtempSync(join(tmpdir(), 'keyless-tf-escape-'));
    try {
      const output: Record<string, { value: unknown }> = Object.fromEntries(all.map((t, i) => [`v${i}`, { value: escapeTerraformTemplate(t) }]));
      output['keys'] = { value: Object.fromEntries(all.map((t, i) => [`${escapeTerraformTemplate(t)}#${i}`, String(i)])) };
      writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ output }));
      const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
      execFileSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
      execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
      const out = JSON.parse(execFileSync('terraform', ['output', '-json'], { cwd: dir, env, encoding: 'utf8' })) as Record<string, { value: unknown }>;
      for (const [i, t] of all.entries()) expect(out[`v${i}`]?.value).toBe(t);
      expect(Object.keys(out['keys']?.value as object).sort()).toEqual(all.map((t, i) => `${t}#${i}`).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A hang guard for terraform init and apply on a loaded machine, not a speed check.
  }, 600_000);
});

/** The printer's writer: literal text escaped, a ref as `${aws_x.<last id>.<attribute>}`. */
const writer: TextWriter = {
  literal: escapeTerraformTemplate,
  reference: (ref) => `\${aws_x.${ref.ref[ref.ref.length - 1]}.${ref.attribute}}`,
};
const PROVIDER = new Ref(['github-oidc', 'provider'], 'arn');

describe('JsonText', () => {
  it('writes what JSON.stringify writes when no string holds template text', () => {
    const safe = fc.string().filter((s) => !s.includes('{'));
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), safe, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(safe, tie('value'), { maxKeys: 3 })),
    })).value;
    fc.assert(fc.property(json, (v) => writeJsonText(new JsonText(v), writer) === JSON.stringify(v)), { numRuns: 200 });
  });

  it('escapes keys and values, and writes a ref and the refs of a template as references', () => {
    const doc = { [`k\${a}`]: ['%{b}', new Ref(['y'], 'arn'), new Template([new Ref(['y'], 'arn'), '/${c}'])] };
    expect(writeJsonText(new JsonText(doc), writer)).toBe('{"k$${a}":["%%{b}","${aws_x.y.arn}","${aws_x.y.arn}/$${c}"]}');
  });

  it('writes a document the same on its fast path as the careful writer does, for any template text', () => {
    const piece = fc.oneof(fc.constantFrom(...TEMPLATE_TEXT), fc.stringMatching(/^[$%{}a-z:*/]{0,6}$/));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 3, maxLength: 3 }), fc.boolean(), fc.integer({ min: 1, max: 2 }), ([a, b, c], reference, statements) => {
        const principal = reference ? PROVIDER : `arn:aws:iam::1:oidc-provider/${c}`;
        const doc = {
          Version: '2012-10-17',
          Statement: Array.from({ length: statements }, (_, i) => ({
            Sid: `S${i}`,
            Effect: 'Allow',
            Principal: { Federated: principal },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { [`k${a}`]: b } },
          })),
        };
        const careful = carefulJson(doc, writer);
        expect(writeJsonText(new JsonText(doc), writer)).toBe(careful);
        expect(liveSequences(careful)).toEqual(reference ? Array(statements).fill('${aws_x.provider.arn}') : []);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a ref live and escapes an ARN that holds template text', () => {
    const doc = (federated: unknown) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: federated }, Action: 'sts:AssumeRoleWithWebIdentity' }] });
    expect(writeJsonText(new JsonText(doc(PROVIDER)), writer)).toContain('"Federated":"${aws_x.provider.arn}"');
    expect(writeJsonText(new JsonText(doc('arn:aws:iam::1:oidc-provider/${x}')), writer)).toContain('"Federated":"arn:aws:iam::1:oidc-provider/$${x}"');
  });

  it('lifts the refs of a document built from strings: a whole string becomes the ref, a longer one a template', () => {
    const text = documentWithRefs((ref) => {
      const arn = ref(new Ref(['state', 'bucket'], 'arn'));
      return { Resource: [arn, `${arn}/*`], Other: '${aws:username}' };
    });
    expect(writeJsonText(text, writer)).toBe('{"Resource":["${aws_x.bucket.arn}","${aws_x.bucket.arn}/*"],"Other":"$${aws:username}"}');
  });
});

describe('synthesized Terraform JSON', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each([true, false])('holds no live template sequence but keyless references, in both synthesizers (provider created: %s)', (create) => {
    const model = modelOf(packedConfig((i) => TEMPLATE_TEXT[i % TEMPLATE_TEXT.length] ?? '', create));
    const { cdktf, fast } = bothSynthesizers(model);
    expect(fast).toBe(cdktf);
    const stack = JSON.parse(fast) as Json;
    expect(foreignSequences(stack)).toEqual([]);
    // Keyless' own references are there and live: the role's, the provider's, the environment's.
    const own = scan(stack).map((s) => s.text);
    expect(own.some((t) => t.startsWith('${aws_iam_role.'))).toBe(true);
    expect(own.some((t) => t.startsWith('${aws_iam_openid_connect_provider.'))).toBe(create);
    expect(own.some((t) => t.startsWith('${github_repository_environment.'))).toBe(true);
  });

  it('renders every free-text value as the config wrote it', () => {
    const model = modelOf(packedConfig((i) => TEMPLATE_TEXT[i % TEMPLATE_TEXT.length] ?? '', true));
    const role = model.repositories[0]!.roles[0]!;
    const stack = JSON.parse(bothSynthesizers(model).fast) as Json;
    const { description, policy, assume } = roleOf(stack);
    expect(rendered(description)).toBe(role.description);
    expect(rendered(policy)).toBe(role.inlinePolicies[0]!.json);
    expect(rendered(policy)).toContain('"Resource":["arn:aws:s3:::site/%%{already}/*"');
    // The trust policy is the one the model checked, with the provider reference in place of its ARN.
    const trust = JSON.parse(assume.replace(/\$\{aws_iam_openid_connect_provider\.[^}]+\}/, model.aws.oidcProviderArn)) as unknown;
    expect(trust).toEqual(JSON.parse(JSON.stringify(role.trustPolicy)));
  });

  it('renders any template text in any free-text field literally, and both synthesizers agree', () => {
    const piece = fc.oneof(fc.constantFrom(...TEMPLATE_TEXT), fc.stringMatching(/^[$%{}a-z:*/ ]{0,6}$/));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 8, maxLength: 8 }), fc.boolean(), (texts, create) => {
        const model = modelOf(packedConfig((i) => texts[i] ?? '', create));
        const role = model.repositories[0]!.roles[0]!;
        const { cdktf, fast } = bothSynthesizers(model);
        expect(fast).toBe(cdktf);
        const stack = JSON.parse(fast) as Json;
        expect(foreignSequences(stack)).toEqual([]);
        const { description, policy } = roleOf(stack);
        expect(rendered(description)).toBe(role.description);
        expect(rendered(policy)).toBe(role.inlinePolicies[0]!.json);
      }),
      { numRuns: 25 },
    );
    // 25 cdktf synths: a hang guard on a loaded machine, not a speed check.
  }, 600_000);

  it('refuses a config whose free text looks like a cdktf token, so it can never become a reference', () => {
    const config = packedConfig(() => '', true) as { repositories: { web: { roles: { deploy: { description: string } } } } };
    config.repositories.web.roles.deploy.description = 'x ${TfToken[TOKEN.1]}';
    expect(() => modelOf(config)).toThrow('"TfToken[" is how cdktf marks its own references');
  });
});

describe('bootstrap stacks', () => {
  it('hold no live template sequence but keyless references, in both synthesizers', () => {
    const config = parseBootstrapConfigYaml(readFileSync(octoOrg.bootstrap, 'utf8'), 'bootstrap.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'keyless-escaping-bootstrap-'));
    try {
      for (const account of bootstrapAccounts(config)) {
        const id = `bootstrap-${account.key}`;
        const model = buildAccessModel(account.access);
        const fast = JSON.parse(stableJson(renderBootstrapStack(id, model, account, config.infraRepository.name))) as Json;
        const stack = new BootstrapStack(new App({ outdir: dir }), id, { account, infraRepository: config.infraRepository.name });
        const cdktf = JSON.parse(JSON.stringify(stack.toTerraform())) as Json;
        expect(foreignSequences(fast)).toEqual([]);
        expect(foreignSequences(cdktf)).toEqual([]);
        expect(scan(fast).length).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GithubActionsRole', () => {
  it('escapes template text in every string prop it writes', () => {
    const synth = synthScope((scope) => {
      const provider = new GithubOidcProvider(scope, 'oidc', { tags: { 'a:b': 'x' } });
      new GithubActionsRole(scope, 'role', {
        provider,
        roleName: 'r',
        description: 'd ${x} %{y}',
        subjects: [{ repository: { owner: 'octo-org', name: 'web' }, context: { kind: 'branch', name: 'main' } }],
        inlinePolicies: { p: '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/%{x}"}]}' },
        tags: { team: 'x' },
      });
    });
    const role = onlyResource(synth, 'aws_iam_role');
    expect(role.description).toBe('d $${x} %%{y}');
    expect(onlyResource(synth, 'aws_iam_role_policy').policy).toContain('arn:aws:s3:::b/$${aws:username}/%%{x}');
    // The trust policy's principal is the provider's live reference.
    expect(liveSequences(role.assume_role_policy)).toEqual([expect.stringMatching(/^\$\{aws_iam_openid_connect_provider\./)]);
  });

  it('refuses a managed policy or permissions boundary ARN with template text', () => {
    const base = (props: object) => () =>
      synthScope((scope) => {
        const provider = new GithubOidcProvider(scope, 'oidc');
        new GithubActionsRole(scope, 'role', {
          provider,
          roleName: 'r',
          subjects: [{ repository: { owner: 'octo-org', name: 'web' }, context: { kind: 'branch', name: 'main' } }],
          ...props,
        });
      });
    expect(base({ managedPolicyArns: ['arn:aws:iam::aws:policy/${x}'] })).toThrow('managedPolicyArns: "arn:aws:iam::aws:policy/${x}": "${" is Terraform template syntax');
    expect(base({ permissionsBoundaryArn: 'arn:aws:iam::111111111111:policy/b%{x}' })).toThrow('permissionsBoundaryArn: "arn:aws:iam::111111111111:policy/b%{x}": "%{" is Terraform template syntax');
  });
});

describe('GithubOidcProvider', () => {
  it("refuses GitHub's default audience without the opt-in, and accepts it with", () => {
    expect(() => synthScope((scope) => new GithubOidcProvider(scope, 'oidc', { audiences: ['https://github.com/octo-org'] }))).toThrow(
      'audiences: "https://github.com/octo-org": this is GitHub\'s default audience',
    );
    const synth = synthScope((scope) => new GithubOidcProvider(scope, 'oidc', { audiences: ['https://github.com/octo-org'], dangerouslyAllowGithubAudience: true }));
    expect(onlyResource(synth, 'aws_iam_openid_connect_provider').client_id_list).toEqual(['https://github.com/octo-org']);
  });

  it('passes the opt-in to the trust policies of its roles', () => {
    expect(() =>
      synthScope((scope) => {
        const provider = new GithubOidcProvider(scope, 'oidc', { audiences: ['https://github.com/octo-org'], dangerouslyAllowGithubAudience: true });
        new GithubActionsRole(scope, 'role', { provider, roleName: 'r', subjects: [{ repository: { owner: 'octo-org', name: 'web' }, context: { kind: 'branch', name: 'main' } }] });
      }),
    ).not.toThrow();
  });
});
