import type { AccessReport, AccessReportRole } from '@keyless/policy';
import { describe, expect, it } from 'vitest';
import { accessChangeLines, accessChanges, rolePermissions } from '../src/index.js';
import { clone, reports } from './helpers.js';

function roleOf(report: AccessReport, name: string): AccessReportRole {
  const role = report.roles.find((r) => r.name === name);
  if (!role) throw new Error(`no role ${name}`);
  return role;
}

/** A copy of a report with one role edited. */
function edit(report: AccessReport, name: string, change: (role: Record<string, unknown>) => void): AccessReport {
  const copy = clone(report) as unknown as { roles: Record<string, unknown>[] };
  const role = copy.roles.find((r) => r['name'] === name);
  if (!role) throw new Error(`no role ${name}`);
  change(role);
  return copy as unknown as AccessReport;
}

describe('accessChanges on the configs of the real plans', () => {
  it('finds nothing when the config does not change', () => {
    const { base, head } = reports('dev-unchanged');
    expect(accessChanges(base, head)).toEqual([]);
  });

  it('says who can no longer assume a deleted role', () => {
    const { base, head } = reports('dev-destroy');
    expect(accessChangeLines(base, head)).toEqual([
      '- [payments-deploy] no longer for octo-org/payments, branch main, with ids pinned (repository 456789, owner 123456), through gha-dev-payments-deploy (the role is deleted)',
    ]);
  });

  it('says a renamed role is replaced, with its new ARN, and that its subjects keep their access', () => {
    const { base, head } = reports('dev-replace');
    expect(accessChangeLines(base, head)).toEqual([
      '~ gha-dev-web-app-deploy is renamed to gha-dev-web-app-site-deploy: IAM replaces the role (new ARN arn:aws:iam::111111111111:role/github-actions/gha-dev-web-app-site-deploy); workflows that read its variable get the new ARN, any that hard-code the old one stop working',
    ]);
  });

  it('says who gains a role and which policies, and flags administrator access', () => {
    const { base, head } = reports('dev-access');
    expect(accessChanges(base, head)).toEqual([
      {
        kind: 'gain',
        role: 'gha-dev-platform-deploy',
        line: '+ [AdministratorAccess, AmazonECS_FullAccess] for octo-org/platform, environment dev-database, on refs/heads/main, through gha-dev-platform-deploy',
      },
      // Beside the environment, branches: [main] now narrows it (the environment AND main), so main alone loses the role.
      { kind: 'loss', role: 'gha-dev-platform-deploy', line: '- [AmazonECS_FullAccess] no longer for octo-org/platform, branch main, through gha-dev-platform-deploy' },
      { kind: 'risk', role: 'gha-dev-platform-deploy', line: '! gha-dev-platform-deploy: the role has full administrator access', alert: 'administrator' },
      // The role was administrator-equivalent already (AmazonECS_FullAccess passes any role); the risk now reads "full".
      {
        kind: 'risk-removed',
        role: 'gha-dev-platform-deploy',
        line: expect.stringMatching(/^~ gha-dev-platform-deploy: no longer: the role is administrator-equivalent: arn:aws:iam::aws:policy\/AmazonECS_FullAccess allows iam:PassRole/),
      },
    ]);
  });

  it('counts every subject as a gain when the stack is new', () => {
    const { head } = reports('dev-create');
    const lines = accessChangeLines(undefined, head);
    // Every subject is a gain, and every risky grant (other than name recycling) is flagged once.
    const risks = head.roles.reduce((n, r) => n + r.risks.filter((k) => k.kind !== 'name-recycling').length, 0);
    expect(lines.filter((l) => l.startsWith('+ '))).toHaveLength(head.roles.reduce((n, r) => n + r.subjects.length, 0));
    expect(lines.filter((l) => l.startsWith('! '))).toHaveLength(risks);
    expect(lines).toHaveLength(head.roles.reduce((n, r) => n + r.subjects.length, 0) + risks);
    expect(lines).toContain('+ [ReadOnlyAccess] for octo-org/data-pipeline, pull requests, through gha-dev-data-pipeline-plan (a new role)');
  });

  it('counts every role as a loss when the stack goes away', () => {
    const { base } = reports('dev-create');
    const lines = accessChangeLines(base, undefined);
    expect(lines).toHaveLength(base.roles.length);
    expect(lines.every((l) => l.startsWith('- ') && l.endsWith('(the role is deleted)'))).toBe(true);
  });
});

describe('accessChanges on edited reports', () => {
  const { base } = reports('dev-create');
  const role = 'gha-dev-platform-migrate';

  it('says who loses a role while the role stays', () => {
    // A report as keyless writes it: the trust statements go with the subjects.
    const head = edit(base, role, (r) => {
      r['subjects'] = [];
      r['trust'] = [];
    });
    expect(accessChangeLines(base, head)).toEqual([`- [AmazonRDSDataFullAccess] no longer for octo-org/platform, environment dev-database, through ${role}`]);
  });

  it('says which permissions a role loses', () => {
    const head = edit(base, role, (r) => {
      r['managedPolicyArns'] = [];
    });
    expect(accessChangeLines(base, head)).toEqual([`- [AmazonRDSDataFullAccess] no longer for octo-org/platform, environment dev-database, through ${role}`]);
  });

  it('reports a changed inline policy as the old actions lost and the new ones gained', () => {
    const name = 'gha-dev-web-app-deploy';
    const head = edit(base, name, (r) => {
      r['inlinePolicies'] = [{ name: 'site-bucket', actions: ['s3:*'] }];
    });
    expect(accessChangeLines(base, head)).toEqual([
      `+ [site-bucket (s3:*)] now also for octo-org/web-app, branch main, through ${name}`,
      `- [site-bucket (s3:DeleteObject, s3:GetObject, s3:ListBucket, s3:PutObject)] no longer for octo-org/web-app, branch main, through ${name}`,
    ]);
  });

  it('reports a removed permissions boundary, a longer session and a role no longer read-only', () => {
    const withBoundary = edit(base, role, (r) => {
      r['permissionsBoundaryArn'] = 'arn:aws:iam::111111111111:policy/boundary';
      r['readOnly'] = true;
    });
    const head = edit(base, role, (r) => {
      r['maxSessionDurationSeconds'] = 10800;
    });
    expect(accessChangeLines(withBoundary, head)).toEqual([
      `+ ${role}: the permissions boundary boundary is removed`,
      `~ ${role} is no longer declared read-only`,
      `~ ${role}: sessions last up to 10800 s (was 7200 s)`,
    ]);
  });

  it('reports a risky grant that goes away', () => {
    const risky = edit(base, role, (r) => {
      r['risks'] = [{ kind: 'any-branch', detail: 'any branch can assume the role' }];
    });
    expect(accessChangeLines(risky, base)).toEqual([`~ ${role}: no longer: any branch can assume the role`]);
    expect(accessChangeLines(base, risky)).toEqual([`! ${role}: any branch can assume the role`]);
  });

  it('lists what a role may do as managed policy names and inline policies with their actions', () => {
    expect(rolePermissions(roleOf(base, 'gha-dev-web-app-deploy'))).toEqual(['site-bucket (s3:DeleteObject, s3:GetObject, s3:ListBucket, s3:PutObject)']);
    expect(rolePermissions(roleOf(base, 'gha-dev-api-service-deploy'))).toEqual(['api-service-deploy', 'AWSLambda_FullAccess']);
  });
});
