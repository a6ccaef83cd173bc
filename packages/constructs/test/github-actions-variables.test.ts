import { TerraformVariable } from 'cdktf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GithubActionsVariables, GithubEnvironment } from '../src/index.js';
import type { GithubActionsVariable } from '../src/index.js';
import { resourcesOf, synthScope } from './helpers.js';

const REPO_VAR = 'github_actions_variable';
const ENV_VAR = 'github_actions_environment_variable';

function synthVariables(variables: readonly GithubActionsVariable[], repository = 'octo-repo') {
  return synthScope((scope) => {
    new GithubActionsVariables(scope, 'variables', { repository, variables });
  });
}

describe('GithubActionsVariables', () => {
  it('writes a repository variable as github_actions_variable', () => {
    const synth = synthVariables([{ name: 'AWS_REGION', value: 'eu-west-1' }]);
    expect(Object.values(resourcesOf(synth, REPO_VAR))).toEqual([
      { repository: 'octo-repo', variable_name: 'AWS_REGION', value: 'eu-west-1' },
    ]);
    expect(resourcesOf(synth, ENV_VAR)).toEqual({});
  });

  it('writes an environment variable as github_actions_environment_variable', () => {
    const synth = synthVariables([{ name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111111111111:role/x', environment: 'production' }]);
    expect(Object.values(resourcesOf(synth, ENV_VAR))).toEqual([
      { repository: 'octo-repo', environment: 'production', variable_name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111111111111:role/x' },
    ]);
    expect(resourcesOf(synth, REPO_VAR)).toEqual({});
  });

  it('accepts the same name in the repository and in an environment', () => {
    const synth = synthVariables([
      { name: 'AWS_ROLE_ARN', value: 'a' },
      { name: 'AWS_ROLE_ARN', value: 'b', environment: 'production' },
      { name: 'AWS_ROLE_ARN', value: 'c', environment: 'staging' },
    ]);
    expect(Object.keys(resourcesOf(synth, REPO_VAR))).toHaveLength(1);
    expect(Object.keys(resourcesOf(synth, ENV_VAR))).toHaveLength(2);
  });

  it('passes a Terraform reference through as the value', () => {
    const synth = synthScope((scope) => {
      const arn = new TerraformVariable(scope, 'role_arn', { type: 'string' });
      new GithubActionsVariables(scope, 'variables', { repository: 'octo-repo', variables: [{ name: 'AWS_ROLE_ARN', value: arn.stringValue }] });
    });
    expect(Object.values(resourcesOf(synth, REPO_VAR))[0]?.['value']).toBe('${var.role_arn}');
  });

  it('makes every variable depend on the given resources', () => {
    const synth = synthScope((scope) => {
      const env = new GithubEnvironment(scope, 'env', { repository: 'octo-repo', environment: 'production' });
      new GithubActionsVariables(scope, 'variables', {
        repository: 'octo-repo',
        variables: [{ name: 'A', value: '1' }, { name: 'B', value: '2', environment: 'production' }],
        dependsOn: [env.resource],
      });
    });
    const [envKey] = Object.keys(resourcesOf(synth, 'github_repository_environment'));
    for (const v of [...Object.values(resourcesOf(synth, REPO_VAR)), ...Object.values(resourcesOf(synth, ENV_VAR))]) {
      expect(v['depends_on']).toEqual([`github_repository_environment.${envKey}`]);
    }
  });

  it('derives addresses from scope and name, not list positions', () => {
    const vars: GithubActionsVariable[] = [
      { name: 'A', value: '1' },
      { name: 'B', value: '2', environment: 'production' },
      { name: 'C', value: '3' },
      { name: 'A', value: '4', environment: 'staging' },
    ];
    const baseline = JSON.stringify(synthVariables(vars));
    fc.assert(
      fc.property(fc.shuffledSubarray(vars, { minLength: vars.length, maxLength: vars.length }), (shuffled) => {
        expect(JSON.stringify(synthVariables(shuffled))).toBe(baseline);
      }),
      { numRuns: 25 },
    );
  });

  it('fails when a name starts with GITHUB_', () => {
    expect(() => synthVariables([{ name: 'GITHUB_TOKEN', value: 'x' }])).toThrow(
      'variables: "GITHUB_TOKEN" in the repository: a GitHub variable name cannot start with GITHUB_',
    );
  });

  it('fails when a name starts with github_ in any case', () => {
    expect(() => synthVariables([{ name: 'GitHub_Role', value: 'x', environment: 'production' }])).toThrow(
      'variables: "GitHub_Role" in environment production: a GitHub variable name cannot start with GITHUB_',
    );
  });

  it('fails when a name starts with a digit', () => {
    expect(() => synthVariables([{ name: '1ROLE', value: 'x' }])).toThrow(
      'variables: "1ROLE" in the repository: a GitHub variable name starts with a letter or "_" and has only letters, digits and "_"',
    );
  });

  it('fails when a name holds a hyphen', () => {
    expect(() => synthVariables([{ name: 'ROLE-ARN', value: 'x' }])).toThrow('variables: "ROLE-ARN" in the repository: a GitHub variable name starts with a letter');
  });

  it('fails when two repository variables differ only in case', () => {
    expect(() => synthVariables([{ name: 'AWS_ROLE_ARN', value: 'a' }, { name: 'aws_role_arn', value: 'b' }])).toThrow(
      /^stack\/variables: variables: "(AWS_ROLE_ARN|aws_role_arn)" appears twice in the repository; names are unique ignoring case per scope$/,
    );
  });

  it('fails when two variables of one environment differ only in case', () => {
    expect(() =>
      synthVariables([
        { name: 'Role', value: 'a', environment: 'production' },
        { name: 'ROLE', value: 'b', environment: 'production' },
      ]),
    ).toThrow(/appears twice in environment production; names are unique ignoring case per scope/);
  });

  it('fails when the same name goes to environments whose names differ only in case', () => {
    expect(() =>
      synthVariables([
        { name: 'ROLE', value: 'a', environment: 'Production' },
        { name: 'ROLE', value: 'b', environment: 'production' },
      ]),
    ).toThrow(/"ROLE" appears twice in environment (P|p)roduction/);
  });

  it('fails when a value is larger than 48 KB', () => {
    expect(() => synthVariables([{ name: 'BIG', value: 'x'.repeat(48 * 1024 + 1) }])).toThrow(
      'variables: "BIG" in the repository: a GitHub variable value has at most 49152 bytes (got 49153)',
    );
  });

  it('fails when the environment name has a wildcard', () => {
    expect(() => synthVariables([{ name: 'A', value: '1', environment: 'prod*' }])).toThrow(
      'variables: environment "prod*": a GitHub environment name has no "*" or "?"',
    );
  });

  it('fails when the repository name includes the owner', () => {
    expect(() => synthVariables([{ name: 'A', value: '1' }], 'octo-org/octo-repo')).toThrow(
      'repository: "octo-org/octo-repo": a GitHub repository name uses letters, digits, ".", "_" and "-" only (no wildcard)',
    );
  });
});
