// The access diff of a pull request on the conditions a trust policy checks beside sub: a role that loses its id
// pin, its ref or its workflow pin keeps its subjects, yet trusts more; the diff must say so, loudly. The trust
// policies are built by hand (the shapes trust v2 generates) and put on the roles of a real model.
import { accessReport, buildAccessModel, parseAccessConfig } from '@keyless/policy';
import type { AccessReport, PolicyDocument, PolicyStatement } from '@keyless/policy';
import { describe, expect, it } from 'vitest';
import { accessChanges, renderPlanComment } from '../src/index.js';
import { fixture } from './helpers.js';

const P = 'token.actions.githubusercontent.com';
const AUD = 'sts.amazonaws.com';
const OWNER_ID = '123456';
const WEB_ID = '456789';
const API_ID = '222';
const WORKFLOW = 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/main';
const WEB_SUBS = ['repo:octo-org/web:ref:refs/heads/main', `repo:octo-org@${OWNER_ID}/web@${WEB_ID}:ref:refs/heads/main`];

type Conditions = Record<string, Record<string, string | string[]>>;

function policy(sid: string, condition: Conditions): PolicyDocument {
  const statement: PolicyStatement = {
    Sid: sid,
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::111111111111:oidc-provider/${P}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: condition,
  };
  return { Version: '2012-10-17', Statement: [statement] };
}

/** octo-org/web on main, with the given extra StringEquals conditions. */
function web(extra: Record<string, string> = {}): PolicyDocument {
  return policy('Web', { StringEquals: { [`${P}:aud`]: AUD, [`${P}:sub`]: WEB_SUBS, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${P}:${k}`, v])) } });
}

function api(extra: Record<string, string> = {}): PolicyDocument {
  return policy('Api', { StringEquals: { [`${P}:aud`]: AUD, [`${P}:sub`]: 'repo:octo-org/api:environment:production', ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${P}:${k}`, v])) } });
}

function organizationWide(extra: Record<string, string> = { repository_owner_id: OWNER_ID, job_workflow_ref: WORKFLOW }): PolicyDocument {
  return policy('Organisation', {
    StringEquals: { [`${P}:aud`]: AUD, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${P}:${k}`, v])) },
    StringLike: { [`${P}:sub`]: 'repo:octo-org/*' },
  });
}

const PINNED = { repository_id: WEB_ID, repository_owner_id: OWNER_ID };

const CONFIG = {
  environment: 'dev',
  aws: { accountId: '111111111111', region: 'eu-west-1' },
  github: { owner: 'octo-org' },
  repositories: {
    web: { roles: { deploy: { trust: { branches: ['main'] }, managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'] } } },
    api: { environments: { production: { reviewers: { users: [1] } } }, roles: { release: { trust: { environments: ['production'] } } } },
    automation: { roles: { deploy: { trust: { branches: ['main'] }, managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonSQSFullAccess'] } } },
  },
};

/** The report of CONFIG with the given trust policies on its roles (a role left out keeps the compiler's). */
function report(policies: Record<string, PolicyDocument>, without: readonly string[] = []): AccessReport {
  const built = buildAccessModel(parseAccessConfig(CONFIG, 'access.yaml'), 'access.yaml');
  return accessReport({
    ...built,
    repositories: built.repositories.map((repo) => ({
      ...repo,
      roles: repo.roles.filter((r) => !without.includes(r.name)).map((role) => ({ ...role, trustPolicy: policies[role.name] ?? role.trustPolicy })),
    })),
  });
}

const lines = (base: AccessReport | undefined, head: AccessReport) => accessChanges(base, head).map((c) => [c.line, c.alert ?? null]);

describe('access changes of trust conditions', () => {
  const pinnedBase = report({ 'gha-dev-web-deploy': web(PINNED), 'gha-dev-api-release': api({ ref: 'refs/heads/main', repository_id: API_ID, repository_owner_id: OWNER_ID }) });

  it('finds nothing when the conditions do not change', () => {
    expect(accessChanges(pinnedBase, pinnedBase)).toEqual([]);
  });

  it('flags a role losing its id pin as a widening, naming each id', () => {
    const head = report({ 'gha-dev-web-deploy': web(), 'gha-dev-api-release': api({ ref: 'refs/heads/main', repository_id: API_ID, repository_owner_id: OWNER_ID }) });
    expect(lines(pinnedBase, head)).toEqual([
      [`! gha-dev-web-deploy: octo-org/web, branch main no longer has repository id ${WEB_ID} pinned: a repository that takes the name can assume it`, 'trust-pin'],
      [`! gha-dev-web-deploy: octo-org/web, branch main no longer has owner id ${OWNER_ID} pinned: an account that takes the owner name can assume it`, 'trust-pin'],
    ]);
  });

  it('flags a changed id, and reports an added pin as a narrowing without alert', () => {
    const head = report({ 'gha-dev-web-deploy': web({ repository_id: '999', repository_owner_id: OWNER_ID, ref: 'refs/heads/main' }), 'gha-dev-api-release': api({ ref: 'refs/heads/main', repository_id: API_ID, repository_owner_id: OWNER_ID }) });
    expect(lines(pinnedBase, head)).toEqual([
      ['~ gha-dev-web-deploy: octo-org/web, branch main now also has ref refs/heads/main required', null],
      [`~ gha-dev-web-deploy: octo-org/web, branch main: repository id ${WEB_ID} pinned → repository id 999 pinned`, 'trust-pin'],
    ]);
  });

  it('flags an environment role that no longer requires its branch', () => {
    const head = report({ 'gha-dev-web-deploy': web(PINNED), 'gha-dev-api-release': api({ repository_id: API_ID, repository_owner_id: OWNER_ID }) });
    expect(lines(pinnedBase, head)).toEqual([
      ['! gha-dev-api-release: octo-org/api, environment production no longer has ref refs/heads/main required: a job on any ref its subject admits can assume it', 'trust-pin'],
    ]);
  });

  it('names a new organization-wide role as every repository of the owner running the workflow', () => {
    const base = report({}, ['gha-dev-automation-deploy']);
    const head = report({ 'gha-dev-automation-deploy': organizationWide() });
    expect(lines(base, head)).toEqual([
      ['+ [AmazonSQSFullAccess] for octo-org/automation, branch main, through gha-dev-automation-deploy (a new role)', null],
      [`+ [AmazonSQSFullAccess] for every repository of octo-org (id ${OWNER_ID}) running ${WORKFLOW}, through gha-dev-automation-deploy (a new role)`, 'organization-wide'],
    ]);
  });

  it('flags an organization-wide role that loses its workflow pin or its owner id', () => {
    const base = report({ 'gha-dev-automation-deploy': organizationWide() });
    expect(lines(base, report({ 'gha-dev-automation-deploy': organizationWide({ repository_owner_id: OWNER_ID }) }))).toEqual([
      [`! gha-dev-automation-deploy: every repository of octo-org (id ${OWNER_ID}), any workflow no longer has workflow ${WORKFLOW} pinned: any workflow can assume it, not only the pinned one`, 'trust-pin'],
    ]);
    expect(lines(base, report({ 'gha-dev-automation-deploy': organizationWide({ job_workflow_ref: WORKFLOW }) }))).toEqual([
      [`! gha-dev-automation-deploy: every repository of octo-org (owner id not pinned) running ${WORKFLOW} no longer has owner id ${OWNER_ID} pinned: an account that takes the owner name can assume it`, 'trust-pin'],
    ]);
  });

  it('says who loses an organization-wide role that is deleted', () => {
    const base = report({ 'gha-dev-automation-deploy': organizationWide() });
    const head = report({}, ['gha-dev-automation-deploy']);
    expect(accessChanges(base, head).map((c) => c.line)).toEqual([
      `- [AmazonSQSFullAccess] no longer for octo-org/automation, branch main; every repository of octo-org (id ${OWNER_ID}) running ${WORKFLOW}, through gha-dev-automation-deploy (the role is deleted)`,
    ]);
  });

  it('flags an environment role whose config drops its branch, from the configs as the compiler builds them', () => {
    const config = (trust: Record<string, unknown>) => ({
      environment: 'prod',
      aws: { accountId: '222222222222', region: 'eu-west-1' },
      github: { owner: 'octo-org', ownerId: Number(OWNER_ID) },
      repositories: { api: { id: Number(API_ID), environments: { production: { reviewers: { users: [1] } } }, roles: { release: { trust } } } },
    });
    const of = (trust: Record<string, unknown>) => accessReport(buildAccessModel(parseAccessConfig(config(trust), 'access.yaml'), 'access.yaml'));
    const base = of({ environments: ['production'], branches: ['main'] });
    expect(base.roles[0]?.subjects.map((s) => s.description)).toEqual(['octo-org/api, environment production, on refs/heads/main']);
    expect(lines(base, of({ environments: ['production'] }))).toEqual([
      ['! gha-prod-api-release: octo-org/api, environment production no longer has ref refs/heads/main required: a job on any ref its subject admits can assume it', 'trust-pin'],
    ]);
    expect(lines(of({ environments: ['production'] }), base)).toEqual([['~ gha-prod-api-release: octo-org/api, environment production, on refs/heads/main now also has ref refs/heads/main required', null]]);
  });

  it('names an organization role of the config as every repository of the owner, and flags its workflow pin removed', () => {
    const config = (workflows: string[] | undefined) => ({
      environment: 'prod',
      aws: { accountId: '222222222222', region: 'eu-west-1' },
      github: { owner: 'octo-org', ownerId: Number(OWNER_ID) },
      repositories: { api: { roles: { release: { trust: { branches: ['main'] } } } } },
      ...(workflows ? { organization: { roles: { deploy: { trust: { workflows }, managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } } } } : {}),
    });
    const of = (workflows?: string[]) => accessReport(buildAccessModel(parseAccessConfig(config(workflows), 'access.yaml'), 'access.yaml'));
    const added = accessChanges(of(), of([WORKFLOW]));
    expect(added.filter((c) => c.alert === 'organization-wide').map((c) => c.line)).toEqual([
      `+ [AmazonS3ReadOnlyAccess] for every repository of octo-org (id ${OWNER_ID}) running ${WORKFLOW}, through gha-prod-org-deploy (a new role)`,
    ]);
    const other = 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/release';
    expect(lines(of([WORKFLOW]), of([other]))).toEqual([
      [`~ gha-prod-org-deploy: every repository of octo-org (id ${OWNER_ID}) running ${other}: workflow ${WORKFLOW} pinned → workflow ${other} pinned`, 'trust-pin'],
      // The model's organization-wide risk names the workflow, so it changes with it.
      ...accessChanges(of([WORKFLOW]), of([other])).filter((c) => c.kind === 'risk' || c.kind === 'risk-removed').map((c) => [c.line, c.alert ?? null]),
    ]);
  });

  it('leads the plan comment with a warning when a pin is removed', () => {
    const head = report({ 'gha-dev-web-deploy': web(), 'gha-dev-api-release': api({ ref: 'refs/heads/main', repository_id: API_ID, repository_owner_id: OWNER_ID }) });
    const comment = renderPlanComment({ stack: 'dev', planJson: fixture('dev-unchanged').plan, accessBase: pinnedBase, accessHead: head });
    expect(comment).toContain('> [!WARNING]\n> **This change removes or changes what a role pins (repository or owner id, ref, workflow).**');
    expect(comment).toContain(`no longer has repository id ${WEB_ID} pinned`);
  });

  it('alerts exactly when a pin of the base is gone or different in the head, over every pair of pin sets', () => {
    // Exhaustive: 18 pin sets on each side.
    const sets: Record<string, string>[] = [];
    for (const repositoryId of [undefined, WEB_ID, '999'])
      for (const ownerId of [undefined, OWNER_ID])
        for (const ref of [undefined, 'refs/heads/main', 'refs/heads/dev'])
          sets.push(Object.fromEntries(Object.entries({ repository_id: repositoryId, repository_owner_id: ownerId, ref }).filter((e): e is [string, string] => e[1] !== undefined)));
    const reports = sets.map((pins) => report({ 'gha-dev-web-deploy': web(pins) }));
    sets.forEach((b, i) => {
      sets.forEach((a, j) => {
        const changes = accessChanges(reports[i], reports[j] as AccessReport);
        const widened = Object.entries(b).some(([k, v]) => a[k] !== v);
        const differing = Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]).length;
        expect({ b, a, alert: changes.some((c) => c.alert === 'trust-pin'), count: changes.length }).toEqual({ b, a, alert: widened, count: differing });
      });
    });
  });
});
