import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapAccounts, buildAccessModel, evaluateTrustPolicy, organizationGuardrailPolicy, parseBootstrapConfigYaml } from '@keyless/policy';
import type { BootstrapAccount } from '@keyless/policy';
import { readTree } from '@keyless/testkit';
import { Testing } from 'cdktf';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBootstrapStack, writeSynthesized } from '../src/fast.js';
import { BootstrapStack, runBootstrapApp } from '../src/index.js';
import { resourcesOf, synthStack } from './helpers.js';
import type { Block } from './helpers.js';

// A bootstrap config of this test's own; "org" stands for the organization's management account.
const CONFIG = `github:
  owner: acme
  ownerId: 5150
infraRepository:
  name: platform-infra
stateBucketPrefix: acme-tfstate
accounts:
  staging:
    accountId: "333333333333"
    region: eu-west-1
  org:
    accountId: "555555555555"
    region: us-east-1
organizationGuardrail:
  account: org
  targetIds: ["r-a1b2", "ou-a1b2-c3d4e5f6", "333333333333"]
`;

const dirs: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-guardrail-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const config = parseBootstrapConfigYaml(CONFIG, 'bootstrap.yaml');
const accounts = bootstrapAccounts(config);
const account = (key: string): BootstrapAccount => accounts.find((a) => a.key === key) as BootstrapAccount;
const synth = (key: string) => synthStack(new BootstrapStack(Testing.app(), `bootstrap-${key}`, { account: account(key), infraRepository: 'platform-infra' }));

describe('BootstrapStack with organizationGuardrail', () => {
  const org = synth('org');
  const policies = resourcesOf(org, 'aws_organizations_policy');
  const attachments = resourcesOf(org, 'aws_organizations_policy_attachment');

  it('creates the resource control policy at a stable address, with the guardrail document as its content', () => {
    expect(Object.keys(policies)).toEqual(['organization-guardrail_policy_DFBB3859']);
    const policy = policies['organization-guardrail_policy_DFBB3859'] as Block;
    expect(policy['type']).toBe('RESOURCE_CONTROL_POLICY');
    expect(policy['name']).toBe('keyless-github-owner-guardrail');
    expect(JSON.parse(policy['content'] as string)).toEqual(organizationGuardrailPolicy({ ownerId: 5150 }));
  });

  it('attaches it to every target, each attachment addressed by its target id', () => {
    const byTarget: Record<string, { address: string; policy: unknown }> = Object.fromEntries(
      Object.entries(attachments).map(([address, a]) => [a['target_id'] as string, { address, policy: a['policy_id'] }]),
    );
    expect(Object.keys(byTarget).sort()).toEqual(['333333333333', 'ou-a1b2-c3d4e5f6', 'r-a1b2']);
    for (const [target, { address, policy }] of Object.entries(byTarget)) {
      expect(address.startsWith(`organization-guardrail_target-${target}_`)).toBe(true);
      expect(policy).toBe('${aws_organizations_policy.organization-guardrail_policy_DFBB3859.id}');
    }
    expect(org.output?.['organization_guardrail_policy_id']?.['value']).toBe('${aws_organizations_policy.organization-guardrail_policy_DFBB3859.id}');
  });

  it('belongs to the owning account only', () => {
    const staging = synth('staging');
    expect(resourcesOf(staging, 'aws_organizations_policy')).toEqual({});
    expect(resourcesOf(staging, 'aws_organizations_policy_attachment')).toEqual({});
    expect(staging.output?.['organization_guardrail_policy_id']).toBeUndefined();
  });

  it('denies a stranger and admits the organisation, as the synthesized content reads', () => {
    const content = (policies['organization-guardrail_policy_DFBB3859'] as Block)['content'] as string;
    const token = (ownerId: string) => ({ iss: 'https://token.actions.githubusercontent.com', aud: 'sts.amazonaws.com', sub: 'repo:evil/x:pull_request', repository_owner_id: ownerId });
    expect(evaluateTrustPolicy(content, token('666')).decision).toBe('explicit-deny');
    expect(evaluateTrustPolicy(content, token('5150')).decision).toBe('implicit-deny');
  });

  it('lets the owning account’s bootstrap apply role manage resource control policies only', () => {
    const inline = Object.values(resourcesOf(org, 'aws_iam_role_policy')).map((p) => JSON.parse(p['policy'] as string) as { Statement: { Sid: string; Condition?: unknown }[] });
    const statement = inline.flatMap((p) => p.Statement).find((s) => s.Sid === 'OrganizationGuardrail');
    expect(statement?.Condition).toEqual({ StringEquals: { 'organizations:PolicyType': 'RESOURCE_CONTROL_POLICY' } });
  });
});

describe('the two readers on the guardrail', () => {
  it('write the same bytes through the constructs (runBootstrapApp) and the printer', () => {
    const dir = temp();
    const file = join(dir, 'bootstrap.yaml');
    writeFileSync(file, CONFIG);
    const reference = temp();
    runBootstrapApp({ configFile: file, outdir: reference });
    const fast = temp();
    writeSynthesized(
      fast,
      accounts.map((a) => ({ id: `bootstrap-${a.key}`, json: renderBootstrapStack(`bootstrap-${a.key}`, buildAccessModel(a.access), a, 'platform-infra') })),
    );
    const printed = readTree(fast);
    expect(printed['stacks/bootstrap-org/cdk.tf.json']).toContain('RESOURCE_CONTROL_POLICY');
    expect(printed).toEqual(readTree(reference));
  });
});
