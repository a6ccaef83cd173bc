import type { ActionsEnvironmentVariableConfig } from '@cdktf/provider-github/lib/actions-environment-variable/index.js';
import type { ActionsVariableConfig } from '@cdktf/provider-github/lib/actions-variable/index.js';
import { resource } from './values.js';
import type { Dependable, Ref, ResourceBlueprint, Text } from './values.js';

/** One GitHub Actions variable. */
export interface VariableSpec {
  readonly name: string;
  /** The value: literal text, or a reference such as a role's ARN. */
  readonly value: Text;
  /** The environment it is written to; a repository variable without one. */
  readonly environment?: string;
  /** What it waits for, such as the environment it is written to. */
  readonly dependsOn?: readonly (Ref | Dependable)[];
}

/** The variables of one repository. */
export interface VariablesSpec {
  readonly repository: string;
  readonly variables: readonly VariableSpec[];
}

/**
 * `github_actions_variable` (`<base>/repository-<name>`) for the repository scope and
 * `github_actions_environment_variable` (`<base>/environment-<environment>-<name>`) for environments.
 */
export function variablesResources(base: readonly string[], spec: VariablesSpec): ResourceBlueprint[] {
  return spec.variables.map((v) => {
    const waits = v.dependsOn !== undefined && v.dependsOn.length > 0 ? { dependsOn: v.dependsOn } : {};
    return v.environment === undefined
      ? resource<ActionsVariableConfig>('github_actions_variable', [...base, `repository-${v.name}`], { repository: spec.repository, variableName: v.name, value: v.value, ...waits })
      : resource<ActionsEnvironmentVariableConfig>('github_actions_environment_variable', [...base, `environment-${v.environment}-${v.name}`], {
          repository: spec.repository,
          environment: v.environment,
          variableName: v.name,
          value: v.value,
          ...waits,
        });
  });
}
