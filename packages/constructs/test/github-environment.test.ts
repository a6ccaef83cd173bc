import { describe, expect, it } from 'vitest';
import { GithubEnvironment } from '../src/index.js';
import type { GithubEnvironmentProps } from '../src/index.js';
import { onlyResource, resourcesOf, synthScope } from './helpers.js';

const ENV = 'github_repository_environment';
const POLICY = 'github_repository_environment_deployment_policy';

function synthEnvironment(props: Partial<GithubEnvironmentProps> = {}) {
  return synthScope((scope) => {
    new GithubEnvironment(scope, 'production', { repository: 'octo-repo', environment: 'production', ...props });
  });
}

describe('GithubEnvironment', () => {
  it('creates the environment with admins unable to bypass and no branch policy by default', () => {
    const synth = synthEnvironment();
    expect(onlyResource(synth, ENV)).toEqual({
      repository: 'octo-repo',
      environment: 'production',
      can_admins_bypass: false,
      prevent_self_review: false,
    });
    expect(resourcesOf(synth, POLICY)).toEqual({});
  });

  it('requires the reviewers, sorted and once each, and prevents self review by default', () => {
    const env = onlyResource(synthEnvironment({ reviewerUserIds: [9, 5, 9], reviewerTeamIds: [300, 100] }), ENV);
    expect(env['reviewers']).toEqual([{ users: [5, 9], teams: [100, 300] }]);
    expect(env['prevent_self_review']).toBe(true);
  });

  it('lets self review be allowed explicitly', () => {
    expect(onlyResource(synthEnvironment({ reviewerTeamIds: [100], preventSelfReview: false }), ENV)['prevent_self_review']).toBe(false);
  });

  it('lets admins bypass only when asked', () => {
    expect(onlyResource(synthEnvironment({ canAdminsBypass: true }), ENV)['can_admins_bypass']).toBe(true);
  });

  it('sets the wait timer', () => {
    expect(onlyResource(synthEnvironment({ waitTimerMinutes: 5 }), ENV)['wait_timer']).toBe(5);
  });

  it('limits deployments to protected branches', () => {
    const synth = synthEnvironment({ deploymentBranches: 'protected' });
    expect(onlyResource(synth, ENV)['deployment_branch_policy']).toEqual({ protected_branches: true, custom_branch_policies: false });
    expect(resourcesOf(synth, POLICY)).toEqual({});
  });

  it('limits deployments to custom branch patterns, one deployment policy each', () => {
    const synth = synthEnvironment({ deploymentBranches: ['release/*', 'main', 'main'] });
    const [envKey] = Object.keys(resourcesOf(synth, ENV));
    expect(onlyResource(synth, ENV)['deployment_branch_policy']).toEqual({ protected_branches: false, custom_branch_policies: true });
    const policies = Object.values(resourcesOf(synth, POLICY));
    expect(policies.map((p) => p['branch_pattern']).sort()).toEqual(['main', 'release/*']);
    for (const p of policies) {
      expect(p['repository']).toBe('octo-repo');
      expect(p['environment']).toBe(`\${${ENV}.${envKey}.environment}`);
    }
  });

  it('accepts 6 reviewers', () => {
    expect(onlyResource(synthEnvironment({ reviewerUserIds: [1, 2, 3], reviewerTeamIds: [4, 5, 6] }), ENV)['reviewers']).toEqual([
      { users: [1, 2, 3], teams: [4, 5, 6] },
    ]);
  });

  it('fails when there are more than 6 reviewers', () => {
    expect(() => synthEnvironment({ reviewerUserIds: [1, 2, 3, 4], reviewerTeamIds: [5, 6, 7] })).toThrow(
      'reviewers: 7: an environment has at most 6 required reviewers',
    );
  });

  it('fails when a reviewer id is not a positive whole number', () => {
    expect(() => synthEnvironment({ reviewerUserIds: [0] })).toThrow('reviewers: 0: a GitHub numeric id is a positive whole number (never a wildcard)');
    expect(() => synthEnvironment({ reviewerTeamIds: [1.5] })).toThrow('reviewers: 1.5: a GitHub numeric id is a positive whole number');
  });

  it('fails when the branch list is empty', () => {
    expect(() => synthEnvironment({ deploymentBranches: [] })).toThrow('deploymentBranches: []: list at least one branch, or use "all" or "protected"');
  });

  it('fails when a branch pattern is not a valid ref name', () => {
    expect(() => synthEnvironment({ deploymentBranches: ['main..x'] })).toThrow('deploymentBranches: "main..x": a git ref name has no "..", "@{" or "//"');
  });

  it('fails when the environment name has a wildcard', () => {
    expect(() => synthEnvironment({ environment: 'prod*' })).toThrow('environment "prod*" of octo-repo: a GitHub environment name has no "*" or "?"');
  });

  it('fails when the environment name is longer than 255 characters', () => {
    expect(() => synthEnvironment({ environment: 'e'.repeat(256) })).toThrow('a GitHub environment name has 1 to 255 characters (got 256)');
  });

  it('fails when the repository name is not valid', () => {
    expect(() => synthEnvironment({ repository: '..' })).toThrow('environment "production" of ..: a GitHub repository name cannot be "." or ".."');
  });
});
