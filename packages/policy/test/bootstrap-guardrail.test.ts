/**
 * The organisation guardrail in the bootstrap config: which account's stack owns it, what it holds, what the
 * owning account's pipeline roles may do with it, and every refusal located at its line and column.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ORGANIZATION_GUARDRAIL_NAME,
  bootstrapAccounts,
  buildAccessModel,
  evaluateTrustPolicy,
  guardrailAccountKey,
  parseBootstrapConfigYaml,
} from '../src/index.js';
import type { BootstrapAccount, TokenClaims } from '../src/index.js';

const BASE = `github:
  owner: octo-org
  ownerId: 123456
infraRepository:
  name: octo-infra
stateBucketPrefix: octo-org-keyless-tfstate
accounts:
  dev:
    accountId: "111111111111"
    region: ap-northeast-2
  management:
    accountId: "333333333333"
    region: us-east-1
organizationGuardrail:
  account: management
  targetIds:
    - ou-ab12-34cd56ef
    - r-ab12
    - "111111111111"
`;

function accounts(text: string): BootstrapAccount[] {
  return bootstrapAccounts(parseBootstrapConfigYaml(text, 'bootstrap.yaml'));
}

/** The problems of a config, each as `line:column: text`. */
function refusals(text: string): string[] {
  try {
    for (const a of accounts(text)) buildAccessModel(a.access, `bootstrap.yaml#${a.key}`);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.column}: ${i.text}`);
  }
}

const byKey = (list: BootstrapAccount[], key: string): BootstrapAccount => list.find((a) => a.key === key) as BootstrapAccount;

describe('organizationGuardrail in the bootstrap config', () => {
  it('puts the policy on the named account only, its targets sorted, for the owner id of the config', () => {
    const list = accounts(BASE);
    expect(byKey(list, 'dev').organizationGuardrail).toBeUndefined();
    const guardrail = byKey(list, 'management').organizationGuardrail;
    expect(guardrail?.name).toBe(ORGANIZATION_GUARDRAIL_NAME);
    expect(guardrail?.targetIds).toEqual(['111111111111', 'ou-ab12-34cd56ef', 'r-ab12']);
    expect(guardrail?.description).toContain('octo-org (repository_owner_id 123456)');
    expect(guardrail?.document.Statement.map((s) => s.Condition.StringNotEquals)).toEqual([{ 'token.actions.githubusercontent.com:repository_owner_id': '123456' }]);
  });

  it('covers the enterprise-slug issuer and github.com’s when the config names a slug', () => {
    const text = BASE.replace('  ownerId: 123456\n', '  ownerId: 123456\n  issuer:\n    enterpriseSlug: octo-ent\n');
    const prefixes = byKey(accounts(text), 'management').organizationGuardrail?.document.Statement.map((s) => Object.keys(s.Condition.Null)[0]);
    expect(prefixes).toEqual(['token.actions.githubusercontent.com/octo-ent:sub', 'token.actions.githubusercontent.com:sub']);
  });

  it('defaults to the only account, and to none without the block', () => {
    const single = BASE.replace(/ {2}dev:\n(?: {4}.*\n){2}/, '').replace('  account: management\n', '');
    expect(guardrailAccountKey(parseBootstrapConfigYaml(single))).toBe('management');
    expect(accounts(single).map((a) => a.organizationGuardrail?.targetIds.length)).toEqual([3]);
    const none = BASE.slice(0, BASE.indexOf('organizationGuardrail:'));
    expect(accounts(none).every((a) => a.organizationGuardrail === undefined)).toBe(true);
    expect(guardrailAccountKey(parseBootstrapConfigYaml(none))).toBeUndefined();
  });

  it("lets the owning account's bootstrap apply role manage resource control policies only, and its plan and drift roles read them", () => {
    const management = byKey(accounts(BASE), 'management');
    const roles = management.access.repositories['octo-infra']?.roles ?? {};
    const manage = JSON.stringify(roles['bootstrap-apply']?.inlinePolicies);
    expect(manage).toContain('"Sid":"OrganizationGuardrail"');
    expect(manage).toContain('"organizations:PolicyType":"RESOURCE_CONTROL_POLICY"');
    for (const key of ['plan', 'drift']) expect(Object.keys(roles[key]?.inlinePolicies ?? {}).sort()).toEqual(['organization-guardrail-read', 'terraform-state-read']);
    const model = buildAccessModel(management.access);
    expect(model.repositories[0]?.roles.find((r) => r.key === 'plan')?.readOnly).toBe(true);
    const dev = byKey(accounts(BASE), 'dev').access.repositories['octo-infra']?.roles ?? {};
    expect(JSON.stringify(dev)).not.toContain('organizations:');
  });

  it('conditions every organizations: action of every pipeline role on resource control policies', () => {
    for (const a of accounts(BASE)) {
      for (const [roleKey, role] of Object.entries(a.access.repositories['octo-infra']?.roles ?? {})) {
        for (const policy of Object.values(role.inlinePolicies ?? {})) {
          for (const statement of [policy.Statement].flat() as { Action?: string | string[]; Condition?: unknown }[]) {
            const actions = [statement.Action ?? []].flat();
            if (!actions.some((action) => action.startsWith('organizations:'))) continue;
            expect(actions.every((action) => action.startsWith('organizations:')), `${a.key} ${roleKey}`).toBe(true);
            expect(statement.Condition, `${a.key} ${roleKey}`).toEqual({ StringEquals: { 'organizations:PolicyType': 'RESOURCE_CONTROL_POLICY' } });
          }
        }
      }
    }
  });

  it('gives the same accounts whatever the order of the targets', () => {
    const reordered = BASE.replace('    - ou-ab12-34cd56ef\n    - r-ab12\n    - "111111111111"\n', '    - "111111111111"\n    - r-ab12\n    - ou-ab12-34cd56ef\n');
    expect(reordered).not.toBe(BASE);
    expect(JSON.stringify(accounts(reordered))).toBe(JSON.stringify(accounts(BASE)));
  });

  it('keeps the pipeline roles trusting the infra repository under the guardrail', () => {
    const management = byKey(accounts(BASE), 'management');
    const model = buildAccessModel(management.access);
    const rcp = management.organizationGuardrail?.document.Statement ?? [];
    const role = model.repositories[0]?.roles.find((r) => r.key === 'plan');
    const token = (ownerId: string): TokenClaims => ({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'sts.amazonaws.com',
      sub: 'repo:octo-org/octo-infra:pull_request',
      repository_owner_id: ownerId,
    });
    const trust = role?.trustPolicy as unknown as { Statement: readonly unknown[] };
    const decide = (claims: TokenClaims) => evaluateTrustPolicy({ ...trust, Statement: [...trust.Statement, ...rcp] } as never, claims, { principalArn: 'arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com' });
    expect(decide(token('123456')).allowed).toBe(true);
    expect(decide(token('999')).decision).toBe('explicit-deny');
  });
});

describe('organizationGuardrail refusals', () => {
  it.each<[string, (text: string) => string, string[]]>([
    ['a target id of no known form', (t) => t.replace('r-ab12', 'root'), ['18:7: organizationGuardrail.targetIds[1]: "root": an organization root (r- and 4 to 32 lowercase letters or digits), an organizational unit (ou-xxxx-yyyyyyyy) or a 12-digit account id']],
    ['an account id of 11 digits', (t) => t.replace('- "111111111111"', '- "11111111111"'), ['19:7: organizationGuardrail.targetIds[2]: "11111111111": an organization root (r- and 4 to 32 lowercase letters or digits), an organizational unit (ou-xxxx-yyyyyyyy) or a 12-digit account id']],
    ['an OU id in upper case', (t) => t.replace('ou-ab12-34cd56ef', 'OU-AB12-34CD56EF'), ['17:7: organizationGuardrail.targetIds[0]: "OU-AB12-34CD56EF": an organization root (r- and 4 to 32 lowercase letters or digits), an organizational unit (ou-xxxx-yyyyyyyy) or a 12-digit account id']],
    ['a target twice', (t) => t.replace('r-ab12', 'ou-ab12-34cd56ef'), ['18:7: organizationGuardrail.targetIds[1]: "ou-ab12-34cd56ef": listed twice; attach the policy to each target once']],
    ['no target', (t) => t.replace(/ {2}targetIds:\n(?: {4}.*\n)+/, '  targetIds: []\n'), ['16:14: organizationGuardrail.targetIds: a list: at least one target: the organization root (r-...), an organizational unit (ou-...-...) or a member account (12 digits)']],
    ['an account that is not in the config', (t) => t.replace('account: management', 'account: mgmt'), ['15:12: organizationGuardrail.account: "mgmt": not an account of this config; use one of "dev", "management"']],
    ['no account among several', (t) => t.replace('  account: management\n', ''), ['14:1: organizationGuardrail: a mapping: the config has several accounts; set organizationGuardrail.account to the one that is the organization\'s management account or its delegated administrator for policies (one of "dev", "management")']],
    ['no github.ownerId', (t) => t.replace('  ownerId: 123456\n', ''), ["13:1: organizationGuardrail: a mapping: the guardrail admits only tokens whose repository_owner_id is github.ownerId; set github.ownerId, the organisation's numeric id (gh api orgs/OWNER --jq .id)"]],
  ])('refuses %s', (_, edit, expected) => {
    const text = edit(BASE);
    expect(text).not.toBe(BASE);
    expect(refusals(text)).toEqual(expected);
  });

  it.each([
    ['GitHub Enterprise Server', '    ghesHost: github.example.com\n', 'GitHub Enterprise Server'],
    ['GHE.com', '    gheSubdomain: octo\n', 'GHE.com'],
  ])('refuses an issuer AWS documents no repository_owner_id key for: %s', (_, issuer, label) => {
    const text = BASE.replace('  ownerId: 123456\n', `  ownerId: 123456\n  issuer:\n${issuer}`);
    const problems = refusals(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^16:1: organizationGuardrail: a mapping: AWS documents the repository_owner_id condition key for token\.actions\.githubusercontent\.com issuers only/);
    expect(problems[0]).toContain(label);
  });

  it('leaves an invalid owner id to the rule that owns it, once', () => {
    // The access model reports it (per account; the loader maps it to the bootstrap file's line and reports it once).
    const problems = refusals(BASE.replace('ownerId: 123456', 'ownerId: -5')).map((p) => p.replace(/^[^:]*:[^:]*: /, ''));
    expect(problems).toEqual(['github.ownerId: -5: a GitHub numeric id is a positive whole number (never a wildcard)']);
  });

  it('refuses a key it does not know, with the keys it does', () => {
    expect(refusals(BASE.replace('  targetIds:', '  targets:'))).toContain('16:3: organizationGuardrail: unknown key "targets"; did you mean "targetIds"?');
  });

  it('accepts every valid target id form and refuses every malformed one (property)', () => {
    const valid = fc.oneof(
      fc.stringMatching(/^r-[0-9a-z]{4,32}$/),
      fc.stringMatching(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/),
      fc.stringMatching(/^[0-9]{12}$/),
    );
    // A function replacement: a replacement string would read "$&" and the like in the id as patterns.
    const edit = (id: string) => BASE.replace('    - r-ab12\n', () => `    - ${JSON.stringify(id)}\n`);
    fc.assert(
      fc.property(valid, (id) => {
        fc.pre(!['ou-ab12-34cd56ef', '111111111111'].includes(id));
        expect(refusals(edit(id))).toEqual([]);
      }),
      { numRuns: 100 },
    );
    const invalid = fc.string({ maxLength: 20 }).filter((s) => !/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[0-9]{12})$/.test(s));
    fc.assert(
      fc.property(invalid, (id) => {
        const problems = refusals(edit(id));
        expect(problems.some((p) => p.includes('organizationGuardrail.targetIds[1]'))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('stateBucketPrefix: the S3 bucket naming rule on <prefix>-<accountId>', () => {
  it.each([
    ['octo-org-keyless-tfstate', undefined],
    ['tf', undefined],
    ['a'.repeat(50), undefined],
    ['a'.repeat(51), /3 to 63/],
    ['my.bucket', /no dots/],
    ['Upper', /no dots/],
    ['-leading', /3 to 63/],
    ['xn--name', /reserves .* xn--/],
    ['sthree-name', /reserves .* sthree-/],
  ] as const)('%s', (prefix, rule) => {
    const found = refusals(BASE.replace('stateBucketPrefix: octo-org-keyless-tfstate', `stateBucketPrefix: "${prefix}"`)).filter((t) => t.includes('stateBucketPrefix'));
    if (rule === undefined) expect(found).toEqual([]);
    else {
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(rule);
      expect(found[0]).toMatch(/^6:\d+: stateBucketPrefix: .*; the bucket is <prefix>-<accountId>$/);
    }
  });
});
