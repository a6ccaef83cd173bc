import type { AccessModel } from '@keyless/policy';
import { oidcProviderArn, oidcProviderResources } from './oidc-provider.js';
import type { OidcProviderSpec } from './oidc-provider.js';
import { repositoryResources, repositorySpec } from './repository.js';
import type { RepositorySpec } from './repository.js';
import { rolePath, roleResources, roleSpecFromModel } from './role.js';
import type { RoleSpec, RoleTrust } from './role.js';
import { backendBlueprint } from './stack.js';
import type { BackendChoice, OutputBlueprint, StackBlueprint, StackFrame } from './stack.js';
import { Ref } from './values.js';
import type { Child, ResourceBlueprint, Text } from './values.js';

/**
 * One environment's keyless access as a stack: the AWS and GitHub providers, the OIDC provider (`github-oidc`),
 * every repository's roles, environments and variables (`repo-<key>`), and the organization roles
 * (`organization/role-<key>`).
 */
export interface KeylessStackBlueprint {
  readonly frame: StackFrame;
  readonly oidcProvider: Child<OidcProviderSpec>;
  /** The repositories, each spec derived as it is read: a reader of 10,000 repositories never holds them all. */
  readonly repositories: Iterable<Child<RepositorySpec> & { readonly key: string }>;
  /** The organization roles (`organization/role-<key>`), which no repository owns. */
  readonly organizationRoles: readonly (Child<RoleSpec> & { readonly key: string })[];
}

/** The construct id under which a stack holds its organization roles. */
export const ORGANIZATION_ID = 'organization';

/** The blueprint of `KeylessStack` for a validated model. */
export function keylessStackBlueprint(stackId: string, model: AccessModel, backend: BackendChoice = 'auto'): KeylessStackBlueprint {
  const allowGithubAudience = model.github.dangerouslyAllowGithubAudience === true;
  const oidcProvider = {
    id: 'github-oidc',
    spec: {
      issuer: model.github.resolvedIssuer,
      audiences: model.github.audiences,
      allowGithubAudience,
      ...('existingArn' in model.aws.oidcProvider ? { existingArn: model.aws.oidcProvider.existingArn } : {}),
    },
  };
  const providerArn = oidcProviderArn([oidcProvider.id], oidcProvider.spec);
  const trust: RoleTrust = {
    providerArn,
    conditionKeyPrefix: model.github.resolvedIssuer.conditionKeyPrefix,
    audiences: model.github.audiences,
    trustPolicyMaxChars: model.aws.trustPolicyMaxChars,
  };
  const repositories = {
    *[Symbol.iterator]() {
      for (const repo of model.repositories) {
        const id = `repo-${repo.key}`;
        yield { id, key: repo.key, spec: repositorySpec([id], repo, { trust, region: model.aws.region }) };
      }
    },
  };
  const organizationRoles = (model.organizationRoles ?? []).map((role) => ({ id: `role-${role.key}`, key: role.key, spec: roleSpecFromModel(role, trust) }));
  const roleArns: [string, Text][] = [];
  for (const repo of model.repositories) {
    for (const role of repo.roles) roleArns.push([role.name, new Ref(rolePath([`repo-${repo.key}`, `role-${role.key}`]), 'arn')]);
  }
  for (const role of organizationRoles) roleArns.push([role.spec.name, new Ref(rolePath([ORGANIZATION_ID, role.id]), 'arn')]);
  const outputs: OutputBlueprint[] = [
    { id: 'oidc_provider_arn', value: providerArn },
    { id: 'role_arns', value: Object.fromEntries(roleArns) },
  ];
  return {
    frame: {
      id: stackId,
      providers: [
        {
          type: 'aws',
          config: {
            region: model.aws.region,
            // Refuse to run against any other account: a dev config applied with prod credentials does nothing.
            allowedAccountIds: [model.aws.accountId],
            defaultTags: [{ tags: { 'keyless:managed-by': 'keyless', ...model.aws.tags } }],
          },
        },
        { type: 'github', config: { owner: model.github.owner } },
      ],
      ...backendBlueprint(stackId, model.state, backend),
      outputs,
    },
    oidcProvider,
    repositories,
    organizationRoles,
  };
}

/** Every resource of the stack, in the order the constructs create them. */
export function* keylessStackResources(blueprint: KeylessStackBlueprint): Generator<ResourceBlueprint> {
  yield* oidcProviderResources([blueprint.oidcProvider.id], blueprint.oidcProvider.spec);
  for (const repo of blueprint.repositories) yield* repositoryResources([repo.id], repo.spec);
  for (const role of blueprint.organizationRoles) yield* roleResources([ORGANIZATION_ID, role.id], role.spec);
}

/** The whole stack, for the printer. */
export function keylessStack(stackId: string, model: AccessModel, backend: Exclude<BackendChoice, 'custom'> = 'auto'): StackBlueprint {
  const blueprint = keylessStackBlueprint(stackId, model, backend);
  return withResources(blueprint.frame, keylessStackResources(blueprint));
}

/** A frame with its resources, for the printer; the frame must have a backend. */
export function withResources(frame: StackFrame, resources: Iterable<ResourceBlueprint>): StackBlueprint {
  if (!frame.backend) throw new Error(`stack ${frame.id}: the printer needs a backend`);
  return { ...frame, backend: frame.backend, resources };
}
