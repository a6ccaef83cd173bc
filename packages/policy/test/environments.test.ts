/**
 * An environment without required reviewers and without a deployment branch policy lets a job of any branch in,
 * and so does one keyless does not manage: trusting it is trusting every branch, with the same opt-in and risk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessReport, renderAccessReport } from '../src/index.js';
import { build, problems } from './support.js';

type Config = Record<string, any>;

function config(environments: Record<string, unknown> | undefined, role: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Config {
  return {
    environment: 'dev',
    aws: { accountId: '111111111111', region: 'ap-northeast-2' },
    github: { owner: 'octo-org', ownerId: 123456 },
    repositories: {
      web: { ...(environments ? { environments } : {}), roles: { deploy: { trust: { environments: ['production'] }, ...role } } },
      ...extra,
    },
  };
}


const AT = 'repositories.web.roles.deploy.trust.environments[0]: "production": ';
const UNPROTECTED = `${AT}environment production of web has neither required reviewers nor a deployment branch policy, so a job on any branch can use it and assume this role; give it required reviewers or deploymentBranches under repositories.web.environments, or set dangerouslyAllowAnyBranch: true to opt in`;
const UNMANAGED = `${AT}environment production of web is not declared under repositories.web.environments, so keyless cannot show that it limits which branches use it, and a job on any branch may assume this role; declare it there with required reviewers or deploymentBranches, or set dangerouslyAllowAnyBranch: true to opt in`;

describe('environments that admit any branch', () => {
  it.each<[string, Record<string, unknown> | undefined, string | undefined]>([
    ['no rules at all', { production: {} }, UNPROTECTED],
    ['deployment branches "all"', { production: { deploymentBranches: 'all' } }, UNPROTECTED],
    ['only a wait timer and admin bypass settings', { production: { waitTimerMinutes: 5, canAdminsBypass: false, preventSelfReview: true } }, UNPROTECTED],
    ['an empty reviewer list', { production: { reviewers: { users: [], teams: [] } } }, UNPROTECTED],
    ['not declared (no environments)', undefined, UNMANAGED],
    ['not declared (another environment is)', { staging: { deploymentBranches: ['main'] } }, UNMANAGED],
    ['a reviewing user', { production: { reviewers: { users: [5001] } } }, undefined],
    ['a reviewing team', { production: { reviewers: { teams: [4001] } } }, undefined],
    ['a branch list', { production: { deploymentBranches: ['main'] } }, undefined],
    ['protected branches', { production: { deploymentBranches: 'protected' } }, undefined],
    ['the same environment in another case', { Production: { deploymentBranches: ['main'] } }, undefined],
  ])('%s', (_name, environments, expected) => {
    expect(problems(config(environments))).toEqual(expected === undefined ? [] : [expected]);
  });

  it('accepts an unprotected environment with the any-branch opt-in, and reports it as ANY BRANCH', () => {
    const model = build(config({ production: {} }, { dangerouslyAllowAnyBranch: true }));
    const role = model.repositories[0]?.roles[0];
    expect(role?.claims).toEqual(['repo:octo-org/web:environment:production']);
    expect(role?.risks.filter((r) => r.kind === 'any-branch')).toEqual([
      { kind: 'any-branch', detail: 'any branch of web can assume this role through environment production, which has neither required reviewers nor a deployment branch policy' },
    ]);
    const text = renderAccessReport([accessReport(model)]);
    expect(text).toMatch(/^gha-dev-web-deploy .*ANY BRANCH/m);
    expect(text).toContain('! gha-dev-web-deploy: any branch of web can assume this role through environment production');
  });

  it('names an environment keyless does not manage in the risk', () => {
    const role = build(config(undefined, { dangerouslyAllowAnyBranch: true })).repositories[0]?.roles[0];
    expect(role?.risks.filter((r) => r.kind === 'any-branch')).toEqual([
      { kind: 'any-branch', detail: 'any branch of web may assume this role through environment production, which keyless does not manage' },
    ]);
  });

  it('still refuses the opt-in when every trusted environment is protected', () => {
    expect(problems(config({ production: { deploymentBranches: ['main'] } }, { dangerouslyAllowAnyBranch: true }))).toEqual([
      'repositories.web.roles.deploy.dangerouslyAllowAnyBranch: true: this opt-in has no effect without the branch pattern "*" or an environment that admits any branch; remove it',
    ]);
  });

  describe('environments of other repositories', () => {
    const other = (apiEnvironments: Record<string, unknown> | undefined, role: Record<string, unknown> = {}): Config =>
      config({ production: { deploymentBranches: ['main'] } }, { trust: { branches: ['main'], repositories: { api: { environments: ['release'] } } }, ...role }, {
        api: { ...(apiEnvironments ? { environments: apiEnvironments } : {}), roles: { build: { trust: { branches: ['main'] } } } },
      });
    const OTHER = 'repositories.web.roles.deploy.trust.repositories.api.environments[0]: "release": ';

    it('accepts one the other repository declares with a branch policy', () => {
      expect(problems(other({ release: { deploymentBranches: ['main'] } }))).toEqual([]);
    });

    it('refuses one the other repository declares without protection', () => {
      expect(problems(other({ release: {} }))).toEqual([
        `${OTHER}environment release of api has neither required reviewers nor a deployment branch policy, so a job on any branch can use it and assume this role; give it required reviewers or deploymentBranches under repositories.api.environments, or set dangerouslyAllowAnyBranch: true to opt in`,
      ]);
    });

    it('refuses one the other repository does not declare, and one of a repository keyless does not manage', () => {
      expect(problems(other(undefined))).toEqual([
        `${OTHER}environment release of api is not declared under repositories.api.environments, so keyless cannot show that it limits which branches use it, and a job on any branch may assume this role; declare it there with required reviewers or deploymentBranches, or set dangerouslyAllowAnyBranch: true to opt in`,
      ]);
      const undeclared = config({ production: { deploymentBranches: ['main'] } }, { trust: { branches: ['main'], repositories: { tools: { environments: ['release'] } } } });
      expect(problems(undeclared)).toEqual([
        'repositories.web.roles.deploy.trust.repositories.tools.environments[0]: "release": environment release of tools is not declared under repositories.tools.environments, so keyless cannot show that it limits which branches use it, and a job on any branch may assume this role; declare it there with required reviewers or deploymentBranches, or set dangerouslyAllowAnyBranch: true to opt in',
      ]);
    });

    it('does not take the role\'s own environments for the other repository\'s', () => {
      // web declares release, api does not: api's release is still unmanaged.
      const c = other(undefined);
      c.repositories.web.environments.release = { deploymentBranches: ['main'] };
      expect(problems(c)).toHaveLength(1);
    });

    it('accepts it with the opt-in and names repository and environment in the risk', () => {
      const role = build(other({ release: {} }, { dangerouslyAllowAnyBranch: true })).repositories.find((r) => r.key === 'web')?.roles[0];
      expect(role?.risks.filter((r) => r.kind === 'any-branch').map((r) => r.detail)).toEqual([
        'any branch of api can assume this role through environment release, which has neither required reviewers nor a deployment branch policy',
      ]);
    });
  });

  it('property: trusting an environment needs the opt-in exactly when it has neither reviewers nor a branch policy', () => {
    const environment = fc.record(
      {
        reviewers: fc.record({ users: fc.array(fc.integer({ min: 1, max: 9999 }), { maxLength: 2 }), teams: fc.array(fc.integer({ min: 1, max: 9999 }), { maxLength: 2 }) }, { requiredKeys: [] }),
        deploymentBranches: fc.oneof(fc.constant('all'), fc.constant('protected'), fc.uniqueArray(fc.constantFrom('main', 'release/*'), { minLength: 1 })),
        waitTimerMinutes: fc.integer({ min: 0, max: 30 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.option(environment, { nil: undefined }), fc.boolean(), (env, optIn) => {
        const reviewers = env ? (env.reviewers?.users?.length ?? 0) + (env.reviewers?.teams?.length ?? 0) : 0;
        fc.pre(new Set([...(env?.reviewers?.users ?? []), ...(env?.reviewers?.teams ?? [])]).size === reviewers);
        const protectedEnv = env !== undefined && (reviewers > 0 || (env.deploymentBranches ?? 'all') !== 'all');
        const c = config(env ? { production: env } : undefined, optIn ? { dangerouslyAllowAnyBranch: true } : {});
        const found = problems(c);
        if (protectedEnv) {
          expect(found).toEqual(optIn ? ['repositories.web.roles.deploy.dangerouslyAllowAnyBranch: true: this opt-in has no effect without the branch pattern "*" or an environment that admits any branch; remove it'] : []);
        } else if (!optIn) {
          expect(found).toEqual([env ? UNPROTECTED : UNMANAGED]);
        } else {
          expect(found).toEqual([]);
          expect(build(c).repositories[0]?.roles[0]?.risks.some((r) => r.kind === 'any-branch' && r.detail.includes('environment production'))).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
