/**
 * The blueprint and its two readers. Every resource a blueprint describes is rendered by the constructs (through
 * cdktf) and by the printer into the same JSON at the same address, and neither reader writes a resource the
 * blueprint does not describe; the printer converts configs as cdktf converts them (attribute names, maps, lists
 * and single blocks, meta-arguments) and refuses blueprints it cannot print.
 */
import type { IamRoleConfig } from '@cdktf/provider-aws/lib/iam-role/index.js';
import type { IamRolePolicyConfig } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type { ActionsEnvironmentVariableConfig } from '@cdktf/provider-github/lib/actions-environment-variable/index.js';
import type { RepositoryEnvironmentConfig } from '@cdktf/provider-github/lib/repository-environment/index.js';
import { bootstrapAccounts, buildAccessModel, parseAccessConfig, splitModel } from '@keyless/policy';
import type { AccessConfig, BootstrapConfig } from '@keyless/policy';
import { validAccessConfig, validBootstrapConfig } from '@keyless/testkit';
import { LocalBackend, TerraformStack, Testing } from 'cdktf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapStack } from '../src/blueprint/bootstrap-stack.js';
import { keylessStack } from '../src/blueprint/keyless-stack.js';
import type { StackBlueprint } from '../src/blueprint/stack.js';
import { stateBucketResources } from '../src/blueprint/state-bucket.js';
import { Ref, resource } from '../src/blueprint/values.js';
import type { ResourceBlueprint } from '../src/blueprint/values.js';
import { logicalId } from '../src/printer/logical-id.js';
import { printStack } from '../src/printer/print-stack.js';
import { BootstrapStack, KeylessStack, TerraformStateBucket } from '../src/index.js';

type Resources = Record<string, Record<string, unknown>>;

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The resources of a synthesized stack, without the `//` metadata (compared on their own below). */
function resourcesOf(json: unknown): Resources {
  return ((json as { resource?: Resources }).resource ?? {}) as Resources;
}

/** Compares the two readers resource by resource over the blueprint, and checks neither wrote anything else. */
function expectSameResources(blueprint: StackBlueprint, printed: unknown, synthesized: unknown): void {
  const expected = new Set<string>();
  const fromPrinter = resourcesOf(printed);
  const fromCdktf = resourcesOf(synthesized);
  for (const r of blueprint.resources) {
    const id = logicalId(r.path.map((c) => c.replace(/\//g, '--')));
    const address = `${r.type}.${id}`;
    expected.add(address);
    const a = fromPrinter[r.type]?.[id];
    expect(a, `${address}: printed`).toBeDefined();
    expect(fromCdktf[r.type]?.[id], `${address}: the constructs`).toEqual(a);
  }
  const addresses = (all: Resources) => Object.entries(all).flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`)).sort();
  expect(addresses(fromPrinter)).toEqual([...expected].sort());
  expect(addresses(fromCdktf)).toEqual([...expected].sort());
}

describe('the blueprint and its two readers', () => {
  it('render every resource of a keyless stack the same, and nothing else', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(validAccessConfig(), (config: AccessConfig) => {
        const model = buildAccessModel(parseAccessConfig(plain(config)));
        const app = Testing.app();
        for (const { stackId, model: stackModel } of splitModel(model)) {
          const stack = new KeylessStack(app, stackId, { model: stackModel });
          const synthesized = plain(stack.toTerraform());
          expectSameResources(keylessStack(stackId, stackModel), printStack(keylessStack(stackId, stackModel)), synthesized);
        }
      }),
      { numRuns: 20, seed: 20_261_202 },
    );
  });

  it('render every resource of a bootstrap stack the same, and nothing else', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(validBootstrapConfig(), (config: BootstrapConfig) => {
        const app = Testing.app();
        for (const account of bootstrapAccounts(plain(config))) {
          const id = `bootstrap-${account.key}`;
          const model = buildAccessModel(account.access);
          const synthesized = plain(new BootstrapStack(app, id, { account, infraRepository: config.infraRepository.name }).toTerraform());
          const blueprint = () => bootstrapStack(id, model, account, config.infraRepository.name);
          expectSameResources(blueprint(), printStack(blueprint()), synthesized);
        }
      }),
      { numRuns: 8, seed: 20_261_202 },
    );
  });
});

/** A stack blueprint of just these resources, and a cdktf stack to build the same with constructs. */
function frame(resources: readonly ResourceBlueprint[]): StackBlueprint {
  return { id: 'test', providers: [], backend: { type: 'local', config: { path: 'test.tfstate' } }, overrides: [], outputs: [], resources };
}

describe('printer', () => {
  it('converts a config as cdktf does: attribute names, map keys as written, lists and single blocks, lifecycle', () => {
    const tags = { costCenter: 'web', 'team:owner': 'ops', Mixed_Case: 'x' };
    const printed = printStack(frame(stateBucketResources(['state'], { bucketName: 'a-bucket', preventDestroyWithState: false, tags })));
    const stack = new TerraformStack(Testing.app(), 'test');
    new LocalBackend(stack, { path: 'test.tfstate' });
    new TerraformStateBucket(stack, 'state', { bucketName: 'a-bucket', preventDestroyWithState: false, tags });
    const synthesized = plain(stack.toTerraform());
    expect(resourcesOf(printed)).toEqual(resourcesOf(synthesized));
    const bucket = Object.values(resourcesOf(printed)['aws_s3_bucket'] ?? {})[0] as Record<string, unknown>;
    expect(bucket['tags']).toEqual(tags);
    expect(bucket['lifecycle']).toEqual({ prevent_destroy: false });
    const encryption = Object.values(resourcesOf(printed)['aws_s3_bucket_server_side_encryption_configuration'] ?? {})[0] as Record<string, unknown>;
    expect(Array.isArray(encryption['rule'])).toBe(true);
    const ownership = Object.values(resourcesOf(printed)['aws_s3_bucket_ownership_controls'] ?? {})[0] as Record<string, unknown>;
    expect(ownership['rule']).toEqual({ object_ownership: 'BucketOwnerEnforced' });
  });

  it('writes a ref as a reference and a ref without attribute in depends_on as an address', () => {
    const printed = printStack(
      frame([
        resource<RepositoryEnvironmentConfig>('github_repository_environment', ['env', 'environment'], { repository: 'web', environment: 'prod' }),
        resource<ActionsEnvironmentVariableConfig>('github_actions_environment_variable', ['vars', 'v'], {
          repository: 'web',
          environment: new Ref(['env', 'environment'], 'environment'),
          variableName: 'A',
          value: 'x',
          dependsOn: [new Ref(['env', 'environment'])],
        }),
      ]),
    );
    const id = logicalId(['env', 'environment']);
    expect(Object.values(resourcesOf(printed)['github_actions_environment_variable'] ?? {})[0]).toMatchObject({
      environment: `\${github_repository_environment.${id}.environment}`,
      depends_on: [`github_repository_environment.${id}`],
    });
  });

  it('fails when a ref names a resource that is not before it', () => {
    const later = frame([
      resource<IamRolePolicyConfig>('aws_iam_role_policy', ['p'], { role: new Ref(['r'], 'id'), policy: '{}' }),
      resource<IamRoleConfig>('aws_iam_role', ['r'], { assumeRolePolicy: '{}' }),
    ]);
    expect(() => printStack(later)).toThrow('stack test: a reference to r, which is not a resource before it');
  });

  it('fails when two resources have the same construct path', () => {
    const twice = frame([resource<IamRoleConfig>('aws_iam_role', ['r'], { assumeRolePolicy: '{}' }), resource<IamRoleConfig>('aws_iam_role', ['r'], { assumeRolePolicy: '{}' })]);
    expect(() => printStack(twice)).toThrow('two resources would share the address aws_iam_role.r');
  });
});
