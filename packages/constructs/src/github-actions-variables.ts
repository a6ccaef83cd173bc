import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable/index.js';
import { ActionsVariable } from '@cdktf/provider-github/lib/actions-variable/index.js';
import { checkEnvironmentName, checkRepositoryName, checkVariableName, checkVariableValue } from '@keyless/policy';
import { Token } from 'cdktf';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { literal } from './terraform-literal.js';

export interface GithubActionsVariable {
  /** Variable name: letters, digits and `_`, not starting with a digit or `GITHUB_`. */
  readonly name: string;
  /** The value; may be a Terraform reference such as a role ARN. */
  readonly value: string;
  /**
   * Write the variable on this GitHub environment instead of the repository.
   * @default - a repository variable
   */
  readonly environment?: string;
  /**
   * Resources this variable waits for, such as the environment it is written to.
   * @default - none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

export interface GithubActionsVariablesProps {
  /** Repository name (without owner; the GitHub provider's owner applies). */
  readonly repository: string;
  /** The variables; names are unique ignoring case per scope (the repository, or each environment). */
  readonly variables: readonly GithubActionsVariable[];
  /**
   * Resources the variables wait for, such as the environments they are written to.
   * @default - none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * GitHub Actions variables of one repository: `github_actions_variable` for the repository scope and
 * `github_actions_environment_variable` for environments. Workflows read them as `${{ vars.NAME }}`.
 */
export class GithubActionsVariables extends Construct {
  constructor(scope: Construct, id: string, props: GithubActionsVariablesProps) {
    super(scope, id);
    const repoProblem = checkRepositoryName(props.repository);
    if (repoProblem) throw new Error(`repository: "${props.repository}": ${repoProblem}`);
    const seen = new Map<string, string>();
    const ordered = [...props.variables].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    for (const variable of ordered) {
      const where = variable.environment === undefined ? 'the repository' : `environment ${variable.environment}`;
      const problem = checkVariableName(variable.name);
      if (problem) throw new Error(`variables: "${variable.name}" in ${where}: ${problem}`);
      if (variable.environment !== undefined) {
        const envProblem = checkEnvironmentName(variable.environment);
        if (envProblem) throw new Error(`variables: environment "${variable.environment}": ${envProblem}`);
      }
      if (!Token.isUnresolved(variable.value)) {
        const valueProblem = checkVariableValue(variable.value);
        if (valueProblem) throw new Error(`variables: "${variable.name}" in ${where}: ${valueProblem}`);
      }
      const scopeKey = `${(variable.environment ?? '').toLowerCase()}\u0000${variable.name.toLowerCase()}`;
      if (seen.has(scopeKey)) {
        throw new Error(`variables: "${variable.name}" appears twice in ${where}; names are unique ignoring case per scope`);
      }
      seen.set(scopeKey, variable.name);
      const waits = [...(props.dependsOn ?? []), ...(variable.dependsOn ?? [])];
      const dependsOn = waits.length > 0 ? waits : undefined;
      if (variable.environment === undefined) {
        new ActionsVariable(this, `repository-${variable.name}`, {
          repository: literal(props.repository),
          variableName: literal(variable.name),
          value: literal(variable.value),
          ...(dependsOn ? { dependsOn } : {}),
        });
      } else {
        new ActionsEnvironmentVariable(this, `environment-${variable.environment}-${variable.name}`, {
          repository: literal(props.repository),
          environment: literal(variable.environment),
          variableName: literal(variable.name),
          value: literal(variable.value),
          ...(dependsOn ? { dependsOn } : {}),
        });
      }
    }
  }
}

function key(v: GithubActionsVariable): string {
  return `${v.environment ?? ''}\u0000${v.name}`;
}
