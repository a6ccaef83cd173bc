import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable/index.js';
import { ActionsVariable } from '@cdktf/provider-github/lib/actions-variable/index.js';
import { checkEnvironmentName, checkRepositoryName, checkVariableName, checkVariableValue } from '@keyless/policy';
import { Token } from 'cdktf';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { variablesResources } from '../blueprint/variables.js';
import type { VariablesSpec } from '../blueprint/variables.js';
import { preparedSpec } from './prepared.js';
import { Reader } from './reader.js';

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
    const spec = preparedSpec<VariablesSpec>(props) ?? variablesSpec(this.node.path, props);
    new Reader(this).build(this, (base) => variablesResources(base, spec), [ActionsVariable, ActionsEnvironmentVariable]);
  }
}

function variablesSpec(at: string, props: GithubActionsVariablesProps): VariablesSpec {
  const repoProblem = checkRepositoryName(props.repository);
  if (repoProblem) throw new Error(`${at}: repository: "${props.repository}": ${repoProblem}`);
  const seen = new Set<string>();
  const ordered = [...props.variables].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  for (const variable of ordered) {
    const where = variable.environment === undefined ? 'the repository' : `environment ${variable.environment}`;
    const problem = checkVariableName(variable.name);
    if (problem) throw new Error(`${at}: variables: "${variable.name}" in ${where}: ${problem}`);
    if (variable.environment !== undefined) {
      const envProblem = checkEnvironmentName(variable.environment);
      if (envProblem) throw new Error(`${at}: variables: environment "${variable.environment}": ${envProblem}`);
    }
    if (!Token.isUnresolved(variable.value)) {
      const valueProblem = checkVariableValue(variable.value);
      if (valueProblem) throw new Error(`${at}: variables: "${variable.name}" in ${where}: ${valueProblem}`);
    }
    const scopeKey = `${(variable.environment ?? '').toLowerCase()}\u0000${variable.name.toLowerCase()}`;
    if (seen.has(scopeKey)) throw new Error(`${at}: variables: "${variable.name}" appears twice in ${where}; names are unique ignoring case per scope`);
    seen.add(scopeKey);
  }
  return {
    repository: props.repository,
    variables: ordered.map((v) => {
      const waits = [...(props.dependsOn ?? []), ...(v.dependsOn ?? [])];
      return { name: v.name, value: v.value, ...(v.environment !== undefined ? { environment: v.environment } : {}), ...(waits.length > 0 ? { dependsOn: waits } : {}) };
    }),
  };
}

function key(v: GithubActionsVariable): string {
  return `${v.environment ?? ''}\u0000${v.name}`;
}
