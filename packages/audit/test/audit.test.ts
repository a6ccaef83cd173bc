import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES, parseCsv, type AuditReport, type RuleId, type Severity } from '../src/index.js';
import { AS_OF, FILE_AUDIT, FIXTURES, run } from './helpers.js';

async function fixtureReport(extra: string[] = []): Promise<AuditReport> {
  const { out, code } = await run([...FILE_AUDIT, '--json', ...extra]);
  expect(code).toBe(1);
  return JSON.parse(out) as AuditReport;
}

/** Every bad role of the fixture and the rule (and severity) it must be flagged with. */
const BAD_ROLES: Record<string, [RuleId, Severity]> = {
  'gha-bad-no-sub': ['no-sub-condition', 'critical'],
  'gha-bad-no-sub-pinned': ['no-sub-condition', 'high'],
  'gha-bad-owner-wildcard': ['wildcard-owner-or-repo', 'critical'],
  'gha-bad-repo-wildcard': ['wildcard-owner-or-repo', 'high'],
  'gha-bad-any-branch': ['ref-wildcard', 'high'],
  'gha-bad-question-mark': ['ref-wildcard', 'medium'],
  'gha-bad-forallvalues': ['set-operator', 'high'],
  'gha-bad-ifexists-aud': ['set-operator', 'high'],
  'gha-bad-default-audience': ['audience', 'medium'],
  'gha-bad-no-aud': ['audience', 'medium'],
  'gha-bad-stringlike-exact': ['string-like-exact', 'low'],
  'gha-bad-name-based': ['name-based-subject', 'low'],
  'gha-bad-pr-admin': ['pull-request-admin', 'critical'],
  'gha-bad-pr-admin-inline': ['pull-request-admin', 'critical'],
};
const GOOD_ROLES = ['gha-good-deploy', 'gha-good-pinned', 'gha-good-enterprise', 'gha-good-ghes', 'gha-good-ghe-com', 'gha-good-readonly-pr', 'gha-good-admin-main'];
const OTHER_ROLES = ['eks-irsa-app', 'gitlab-deployer', 'lookalike-provider', 'lambda-exec', 'saml-admins', 'cross-account-audit'];

describe('keyless audit on the fixtures', () => {
  it('flags every bad GitHub role with its rule and severity', async () => {
    const report = await fixtureReport();
    for (const [name, [rule, severity]] of Object.entries(BAD_ROLES)) {
      const role = report.roles.find((r) => r.name === name);
      expect(role?.github, name).toBe(true);
      expect(role?.findings.some((f) => f.rule === rule && f.severity === severity), `${name}: ${rule} ${severity} in ${JSON.stringify(role?.findings)}`).toBe(true);
    }
  });

  it('flags no good GitHub role', async () => {
    const report = await fixtureReport();
    for (const name of GOOD_ROLES) {
      const role = report.roles.find((r) => r.name === name);
      expect(role?.github, name).toBe(true);
      expect(role?.findings, name).toEqual([]);
    }
  });

  it('does not take roles of other identity providers or services for GitHub roles', async () => {
    const report = await fixtureReport();
    for (const name of OTHER_ROLES) expect(report.roles.find((r) => r.name === name)).toMatchObject({ github: false, findings: [] });
    expect(report.roles).toHaveLength(GOOD_ROLES.length + Object.keys(BAD_ROLES).length + OTHER_ROLES.length);
  });

  it('covers every rule with at least one fixture role', async () => {
    const report = await fixtureReport();
    const fired = new Set(report.roles.flatMap((r) => r.findings.map((f) => f.rule)));
    expect([...fired].sort()).toEqual(Object.keys(RULES).sort());
  });

  it('lists every user with an active key, its keys, its policies and the workflows that use it', async () => {
    const report = await fixtureReport();
    expect(report.users.map((u) => u.name).sort()).toEqual(['ci-admin', 'deploy-bot', 'legacy-uploader', 'old-service', 'shared-ci']);
    const bot = report.users.find((u) => u.name === 'deploy-bot');
    expect(bot?.accessKeys).toEqual([
      { id: 'access_key_1', status: 'Active', ageDays: 562, lastUsed: '2026-05-31T07:00:00+00:00' },
      { id: 'access_key_2', status: 'Inactive', ageDays: 1602, lastUsed: '2023-01-01T00:00:00+00:00' },
    ]);
    expect(bot?.policies.map((p) => [p.kind, p.name, p.via])).toEqual([
      ['managed', 'web-deploy', 'user'],
      ['inline', 'site-bucket', 'user'],
    ]);
    expect(bot?.policies[1]?.document).toMatchObject({ Statement: [{ Resource: 'arn:aws:s3:::octo-web-site/*' }] });
    expect(bot?.usedBy).toEqual(['octo-org/web:.github/workflows/deploy.yml']);
    const admin = report.users.find((u) => u.name === 'ci-admin');
    expect(admin?.policies).toContainEqual(expect.objectContaining({ name: 'AdministratorAccess', via: 'group:admins', adminEquivalent: true }));
    expect(admin?.usedBy).toEqual(['octo-org/infra:.github/workflows/call-shared.yml', 'octo-org/infra:.github/workflows/terraform.yml']);
    expect(report.users.find((u) => u.name === 'shared-ci')?.policies.map((p) => `${p.via} ${p.name} ${p.broad}`)).toEqual([
      'user s3-everything true',
      'group:developers ReadOnlyAccess false',
      'group:developers logs-read false',
    ]);
    expect(report.users.find((u) => u.name === 'old-service')?.usedBy).toEqual([]);
    // A user whose keys are all inactive, and the root account without keys, are not listed.
    expect(report.users.find((u) => u.name === 'alice' || u.name === '<root_account>')).toBeUndefined();
  });

  it('lists the workflows, which ones use keys, and ties secrets to users only by name', async () => {
    const report = await fixtureReport(['--workflows', 'repos-acme']);
    const uses = Object.fromEntries(report.workflows.map((w) => [`${w.repository}:${w.file}`, w.usesAccessKeys]));
    expect(uses).toEqual({
      'acme/site:.github/workflows/deploy.yml': true,
      'octo-org/api:.github/workflows/nightly.yml': true,
      'octo-org/api:.github/workflows/release.yml': true,
      'octo-org/docs:.github/workflows/pages.yml': false,
      'octo-org/infra:.github/workflows/call-shared.yml': true,
      'octo-org/infra:.github/workflows/terraform.yml': true,
      'octo-org/tools:.github/workflows/sync.yml': true,
      'octo-org/web:.github/workflows/ci.yml': false,
      'octo-org/web:.github/workflows/deploy.yml': true,
    });
    const release = report.workflows.find((w) => w.file === '.github/workflows/release.yml');
    expect(release?.secrets).toEqual([
      { name: 'AWS_ACCESS_KEY_ID', user: null },
      { name: 'AWS_SECRET_ACCESS_KEY', user: null },
      { name: 'SHARED_CI_AWS_ACCESS_KEY_ID', user: 'shared-ci' },
      { name: 'SHARED_CI_AWS_SECRET_ACCESS_KEY', user: 'shared-ci' },
    ]);
    expect(release?.jobs.map((j) => [j.id, j.usesAccessKeys, j.via])).toEqual([
      ['publish', true, ['job env']],
      ['upload', true, ['step env']],
    ]);
    expect(report.users.find((u) => u.name === 'deploy-bot')?.usedBy).toEqual(['acme/site:.github/workflows/deploy.yml', 'octo-org/web:.github/workflows/deploy.yml']);
  });

  it('writes exactly the documented JSON shape', async () => {
    const report = (await fixtureReport()) as unknown as Record<string, unknown[]>;
    expect(Object.keys(report)).toEqual(['roles', 'users', 'workflows']);
    const keys = (list: unknown[]): string[] => [...new Set(list.map((x) => Object.keys(x as object).join(',')))];
    expect(keys(report['roles'] as unknown[])).toEqual(['arn,name,github,findings']);
    expect(keys((report['roles'] as { findings: unknown[] }[]).flatMap((r) => r.findings))).toEqual(['rule,severity,message']);
    expect(keys(report['users'] as unknown[])).toEqual(['name,arn,accessKeys,policies,usedBy']);
    expect(keys((report['users'] as { accessKeys: unknown[] }[]).flatMap((u) => u.accessKeys))).toEqual(['id,status,ageDays,lastUsed']);
    expect(keys(report['workflows'] as unknown[])).toEqual(['repository,file,jobs,usesAccessKeys,secrets']);
    for (const f of (report['roles'] as { findings: { severity: string }[] }[]).flatMap((r) => r.findings)) expect(['critical', 'high', 'medium', 'low']).toContain(f.severity);
  });

  it('orders roles and users most severe first, and is byte-identical from run to run', async () => {
    const a = await run([...FILE_AUDIT, '--json']);
    const b = await run([...FILE_AUDIT, '--json']);
    expect(a.out).toBe(b.out);
    const report = JSON.parse(a.out) as AuditReport;
    const rank = (s: string | undefined): number => (s === undefined ? 4 : ['critical', 'high', 'medium', 'low'].indexOf(s));
    const ranks = report.roles.map((r) => rank(r.findings[0]?.severity));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
  });

  it('prints a readable report, most severe first, that says when a key cannot be tied to a user', async () => {
    const { out, code } = await run(FILE_AUDIT);
    expect(code).toBe(1);
    expect(out).toMatch(/^found: 5 critical, 9 high, 4 medium, 4 low$/m);
    const labels = out.split('\n').map((l) => /^(CRITICAL|HIGH|MEDIUM|LOW)\b/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
    expect(labels.map((l) => order.indexOf(l))).toEqual([...labels.map((l) => order.indexOf(l))].sort((x, y) => x - y));
    expect(out).toContain('CRITICAL user ci-admin: an active key of an administrator-equivalent user');
    expect(out).toContain('secret AWS_ACCESS_KEY_ID: cannot be tied to a user');
    expect(out).toContain('GitHub roles without findings (7): gha-good-admin-main, gha-good-deploy');
  });

  it('reads the API format (URL-encoded documents) and the CLI JSON credential report the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-audit-'));
    const details = JSON.parse(readFileSync(join(FIXTURES, 'authorization-details.json'), 'utf8')) as Record<string, Record<string, unknown>[]>;
    const encode = (doc: unknown): string => encodeURIComponent(JSON.stringify(doc));
    for (const u of details['UserDetailList'] ?? []) for (const p of u['UserPolicyList'] as Record<string, unknown>[]) p['PolicyDocument'] = encode(p['PolicyDocument']);
    for (const g of details['GroupDetailList'] ?? []) for (const p of g['GroupPolicyList'] as Record<string, unknown>[]) p['PolicyDocument'] = encode(p['PolicyDocument']);
    for (const r of details['RoleDetailList'] ?? []) {
      r['AssumeRolePolicyDocument'] = encode(r['AssumeRolePolicyDocument']);
      for (const p of r['RolePolicyList'] as Record<string, unknown>[]) p['PolicyDocument'] = encode(p['PolicyDocument']);
    }
    for (const p of details['Policies'] ?? []) for (const v of p['PolicyVersionList'] as Record<string, unknown>[]) v['Document'] = encode(v['Document']);
    writeFileSync(join(dir, 'encoded.json'), JSON.stringify(details));
    const csv = readFileSync(join(FIXTURES, 'credential-report.csv'));
    writeFileSync(join(dir, 'report.json'), JSON.stringify({ Content: csv.toString('base64'), ReportFormat: 'text/csv', GeneratedTime: '2026-06-01T00:00:00+00:00' }));
    const encoded = await run(['audit', '--iam', join(dir, 'encoded.json'), '--credential-report', join(dir, 'report.json'), '--workflows', 'repos', '--json']);
    const plain = await run([...FILE_AUDIT, '--json']);
    expect(encoded.out).toBe(plain.out);
  });

  it('takes OWNER/REPO=PATH for a single checkout', async () => {
    const { out } = await run(['audit', '--iam', 'authorization-details.json', '--workflows', 'octo-org/web=repos/octo-org/web', '--json']);
    const report = JSON.parse(out) as AuditReport;
    expect(report.workflows.map((w) => `${w.repository}:${w.file}`)).toEqual(['octo-org/web:.github/workflows/ci.yml', 'octo-org/web:.github/workflows/deploy.yml']);
  });

  it('lists no users without a credential report, and says why', async () => {
    const { out } = await run(['audit', '--iam', 'authorization-details.json']);
    expect(out).toContain('no credential report was given');
    expect(out).toMatch(/0 user\(s\) with an active access key/);
  });
});

describe('keyless audit exit codes', () => {
  it('exits 1 when something critical or high is found', async () => {
    expect((await run(FILE_AUDIT)).code).toBe(1);
  });

  it('exits 0 when only medium and low findings remain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-audit-'));
    const details = JSON.parse(readFileSync(join(FIXTURES, 'authorization-details.json'), 'utf8')) as { RoleDetailList: { RoleName: string }[] };
    details.RoleDetailList = details.RoleDetailList.filter((r) => GOOD_ROLES.includes(r.RoleName) || ['gha-bad-no-aud', 'gha-bad-name-based'].includes(r.RoleName));
    writeFileSync(join(dir, 'iam.json'), JSON.stringify(details));
    const header = parseCsv(readFileSync(join(FIXTURES, 'credential-report.csv'), 'utf8'))[0]?.join(',');
    writeFileSync(join(dir, 'report.csv'), `${header}\nold-service,arn:aws:iam::111122223333:user/old-service,2021-05-04T08:00:00+00:00,false,N/A,N/A,N/A,false,true,2021-06-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n`);
    const result = await run(['audit', '--iam', join(dir, 'iam.json'), '--credential-report', join(dir, 'report.csv'), '--as-of', AS_OF]);
    expect(result.out).toMatch(/^found: 0 critical, 0 high, 2 medium, 1 low$/m);
    expect(result.code).toBe(0);
  });

  const bad: [string, string[], RegExp, (dir: string) => void][] = [
    ['a missing file', ['--iam', 'nope.json'], /nope\.json: no such file/, () => {}],
    ['a file that is not JSON', ['--iam', 'DIR/x.json'], /x\.json: not valid JSON/, (d) => writeFileSync(join(d, 'x.json'), '{')],
    ['JSON that is not authorization details', ['--iam', 'DIR/x.json'], /x\.json: not the output of `aws iam get-account-authorization-details`/, (d) => writeFileSync(join(d, 'x.json'), '{"Users":[]}')],
    ['a role without a name', ['--iam', 'DIR/x.json'], /x\.json: RoleDetailList\[0\]\.RoleName: expected a non-empty string/, (d) => writeFileSync(join(d, 'x.json'), '{"RoleDetailList":[{"Arn":"a"}]}')],
    ['a trust policy that is not a document', ['--iam', 'DIR/x.json'], /x\.json: RoleDetailList\[0\] \(r\)\.AssumeRolePolicyDocument: the policy document is neither JSON nor URL-encoded JSON/, (d) => writeFileSync(join(d, 'x.json'), '{"RoleDetailList":[{"RoleName":"r","Arn":"a","AssumeRolePolicyDocument":"%7Bnot"}]}')],
    ['a CSV that is not a credential report', ['--iam', 'authorization-details.json', '--credential-report', 'DIR/r.csv'], /r\.csv: not an IAM credential report: the header lacks access_key_1_active/, (d) => writeFileSync(join(d, 'r.csv'), 'user,arn\nx,y\n')],
    ['a bad value in the credential report', ['--iam', 'authorization-details.json', '--credential-report', 'DIR/r.csv'], /r\.csv: line 2 \(x\), access_key_1_active: "maybe" is not true or false/, (d) => writeFileSync(join(d, 'r.csv'), 'user,arn,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\nx,y,maybe,N/A,N/A,false,N/A,N/A\n')],
    ['a workflows folder without repositories', ['--iam', 'authorization-details.json', '--workflows', 'DIR'], /no OWNER\/REPO\/\.github\/workflows folders in it/, () => {}],
    ['a bad repository name', ['--iam', 'authorization-details.json', '--workflows', 'bad owner/x=repos/octo-org/web'], /"bad owner\/x" is not a repository name/, () => {}],
    ['both --iam and --aws', ['--iam', 'authorization-details.json', '--aws'], /give exactly one of --iam FILE and --aws/, () => {}],
    ['an unknown option', ['--iam', 'authorization-details.json', '--colour'], /Unknown option '--colour'/, () => {}],
    ['a bad --as-of', ['--iam', 'authorization-details.json', '--as-of', 'soon'], /--as-of: "soon" is not a date/, () => {}],
  ];
  for (const [name, args, message, setup] of bad) {
    it(`exits 2 on ${name}, naming the file and the problem without a stack trace`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'keyless-audit-'));
      setup(dir);
      const result = await run(['audit', ...args.map((a) => a.replace('DIR', dir))]);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(message);
      expect(result.err).not.toMatch(/\n\s+at /);
      expect(result.out).toBe('');
    });
  }
});

describe('the keyless command line', () => {
  it('dispatches the audit commands to this package', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = join(FIXTURES, '../../../cli/bin/keyless.mjs');
    const env = { ...process.env, INIT_CWD: FIXTURES };
    const audit = spawnSync(process.execPath, [bin, 'audit', '--iam', 'authorization-details.json', '--credential-report', 'credential-report.csv', '--workflows', 'repos', '--as-of', AS_OF, '--json'], { env, encoding: 'utf8' });
    expect(audit.status).toBe(1);
    expect(audit.stdout).toBe((await run([...FILE_AUDIT, '--json'])).out);
    const bad = spawnSync(process.execPath, [bin, 'audit', '--iam', 'nope.json'], { env, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('keyless audit: nope.json: no such file\n');
  }, 60_000);
});
