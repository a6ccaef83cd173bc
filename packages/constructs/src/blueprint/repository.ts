import type { RepositoryModel } from '@keyless/policy';
import { environmentPath, environmentResources } from './environment.js';
import type { EnvironmentSpec } from './environment.js';
import { rolePath, roleResources, roleSpecFromModel } from './role.js';
import type { RoleSpec, RoleTrust } from './role.js';
import { subjectTemplateResources } from './subject-template.js';
import type { SubjectTemplateSpec } from './subject-template.js';
import { Ref } from './values.js';
import type { Child, ResourceBlueprint } from './values.js';
import { variablesResources } from './variables.js';
import type { VariableSpec, VariablesSpec } from './variables.js';

/**
 * Everything one repository needs: its roles, its GitHub environments, its subject template when a role pins
 * reusable workflows, and the variables that carry each role's ARN and the region. Construct ids come from the
 * repository, role and environment keys, never from list positions: they are Terraform addresses.
 */
export interface RepositorySpec {
  readonly roles: readonly (Child<RoleSpec> & { readonly key: string })[];
  readonly environments: readonly (Child<EnvironmentSpec> & { readonly name: string })[];
  readonly subjectTemplate?: Child<SubjectTemplateSpec>;
  /** One construct per repository written to: `variables` for its own, `variables-for-<repo>` for others. */
  readonly variables: readonly Child<VariablesSpec>[];
}

export interface RepositoryContext {
  readonly trust: RoleTrust;
  /** The AWS region written to the region variables. */
  readonly region: string;
}

/** The spec of a repository the model has validated, for the construct at `base`. */
export function repositorySpec(base: readonly string[], repo: RepositoryModel, context: RepositoryContext): RepositorySpec {
  const roles = repo.roles.map((role) => ({ id: `role-${role.key}`, key: role.key, spec: roleSpecFromModel(role, context.trust) }));
  const environments = repo.environments.map((env) => ({
    id: `environment-${env.name}`,
    name: env.name,
    spec: {
      repository: repo.key,
      environment: env.name,
      reviewerUserIds: env.reviewerUserIds,
      reviewerTeamIds: env.reviewerTeamIds,
      preventSelfReview: env.preventSelfReview,
      canAdminsBypass: env.canAdminsBypass,
      ...(env.waitTimerMinutes !== undefined ? { waitTimerMinutes: env.waitTimerMinutes } : {}),
      deploymentBranches: env.deploymentBranches,
    },
  }));
  const byTarget = new Map<string, VariableSpec[]>();
  for (const v of repo.variables) {
    const value = v.value.kind === 'region' ? context.region : roleArn(base, repo, v.value.role);
    if (value === undefined) throw new Error(`variables: "${v.name}" refers to role ${JSON.stringify(v.value)} that the repository does not declare`);
    // An environment variable can only be written once its environment exists (when this app manages it).
    const waits = v.environment !== undefined && v.repository === repo.key && repo.environments.some((e) => e.name === v.environment);
    const variable: VariableSpec = {
      name: v.name,
      value,
      ...(v.environment !== undefined ? { environment: v.environment } : {}),
      ...(waits ? { dependsOn: [new Ref(environmentPath([...base, `environment-${v.environment}`]))] } : {}),
    };
    const group = byTarget.get(v.repository);
    if (group) group.push(variable);
    else byTarget.set(v.repository, [variable]);
  }
  const variables = [...byTarget]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    // The role's other repositories get their variables from here, the construct that owns the role.
    .map(([target, list]) => ({ id: target === repo.key ? 'variables' : `variables-for-${target}`, spec: { repository: target, variables: list } }));
  return {
    roles,
    environments,
    ...(repo.subjectClaimKeys && repo.manageSubjectTemplate
      ? { subjectTemplate: { id: 'subject-template', spec: { repository: repo.key, includeClaimKeys: repo.subjectClaimKeys } } }
      : {}),
    variables,
  };
}

function roleArn(base: readonly string[], repo: RepositoryModel, key: string): Ref | undefined {
  return repo.roles.some((r) => r.key === key) ? new Ref(rolePath([...base, `role-${key}`]), 'arn') : undefined;
}

/** Every resource of the repository construct at `base`. */
export function* repositoryResources(base: readonly string[], spec: RepositorySpec): Generator<ResourceBlueprint> {
  for (const role of spec.roles) yield* roleResources([...base, role.id], role.spec);
  for (const env of spec.environments) yield* environmentResources([...base, env.id], env.spec);
  if (spec.subjectTemplate) yield* subjectTemplateResources([...base, spec.subjectTemplate.id], spec.subjectTemplate.spec);
  for (const group of spec.variables) yield* variablesResources([...base, group.id], group.spec);
}
