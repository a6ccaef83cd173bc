import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAccessModel, parseAccessConfigYaml, type AccessConfig } from '@keyless/policy';
import { renderKeylessStack } from '@keyless/constructs/fast';
import { draftConfig, parseAuditJson, type AuditReport } from '../src/index.js';
import { FILE_AUDIT, FIXTURES, run } from './helpers.js';

let dir: string;
let auditFile: string;
let report: AuditReport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyless-migrate-'));
  auditFile = join(dir, 'audit.json');
  const { code } = await run([...FILE_AUDIT, '--workflows', 'repos-acme', '--json', '--out', auditFile]);
  expect(code).toBe(1);
  report = parseAuditJson(JSON.parse(readFileSync(auditFile, 'utf8')), auditFile);
});

type Role = AccessConfig['repositories'][string]['roles'][string];

function roleOf(config: AccessConfig, repo: string): Role {
  const role = config.repositories[repo]?.roles['deploy'];
  if (!role) throw new Error(`no role for ${repo}`);
  return role;
}

describe('keyless migrate --from-audit', () => {
  it('drafts one role per repository of the owner that uses a key, and the draft synthesizes', async () => {
    const { code, out, err } = await run(['migrate', '--from-audit', auditFile, '--owner', 'octo-org']);
    expect(code).toBe(0);
    expect(err).toContain('note: skipped repositories of other owners: acme/site');
    const config = parseAccessConfigYaml(out, 'draft');
    expect(Object.keys(config.repositories).sort()).toEqual(['api', 'infra', 'tools', 'web']);
    expect(config).toMatchObject({ environment: 'dev', aws: { accountId: '111122223333', region: 'us-east-1' }, github: { owner: 'octo-org' } });
    const model = buildAccessModel(config, 'draft');
    const stack = renderKeylessStack('dev', model, { backend: 'local' }) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const roles = Object.values(stack.resource['aws_iam_role'] ?? {}).map((r) => r['name']);
    expect(roles.sort()).toEqual(['gha-dev-api-deploy', 'gha-dev-infra-deploy', 'gha-dev-tools-deploy', 'gha-dev-web-deploy']);
    const attachments = Object.values(stack.resource['aws_iam_role_policy_attachment'] ?? {}).map((a) => a['policy_arn']);
    expect(attachments).toContain('arn:aws:iam::111122223333:policy/web-deploy');
    const inline = Object.values(stack.resource['aws_iam_role_policy'] ?? {}).map((p) => p['name']);
    expect(inline.sort()).toEqual(['deploy-bot-site-bucket', 'group-developers-logs-read', 'legacy-uploader-uploads', 'shared-ci-s3-everything']);
  });

  it("gives each role the permissions of the key's user: managed ARNs stay ARNs, inline policies are copied", async () => {
    const config = parseAccessConfigYaml((await run(['migrate', '--from-audit', auditFile, '--owner', 'octo-org'])).out, 'draft');
    const web = roleOf(config, 'web');
    expect(web.managedPolicyArns).toEqual(['arn:aws:iam::111122223333:policy/web-deploy']);
    expect(web.inlinePolicies?.['deploy-bot-site-bucket']).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::octo-web-site/*' }],
    });
    expect(roleOf(config, 'infra')).toMatchObject({ managedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'], dangerouslyAllowAdministratorAccess: true });
    // Policies held through a group come along too.
    expect(Object.keys(roleOf(config, 'api').inlinePolicies ?? {})).toEqual(['group-developers-logs-read', 'shared-ci-s3-everything']);
    expect(roleOf(config, 'api').managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
  });

  it("trusts the branches, tags and environments the key-using jobs run from", async () => {
    const config = parseAccessConfigYaml((await run(['migrate', '--from-audit', auditFile, '--owner', 'octo-org'])).out, 'draft');
    expect(roleOf(config, 'web').trust).toEqual({ environments: ['production'] });
    expect(config.repositories['web']?.environments).toEqual({ production: { deploymentBranches: ['main'] } });
    expect(roleOf(config, 'infra').trust).toEqual({ branches: ['main'], tagPatterns: ['v*'], environments: ['production'] });
    expect(roleOf(config, 'api').trust).toEqual({ branches: ['main'], tagPatterns: ['v*'] });
    expect(roleOf(config, 'tools').trust).toEqual({ branches: ['main'] });
  });

  it('flags broad permissions and every guess in a review comment', async () => {
    const { out } = await run(['migrate', '--from-audit', auditFile, '--owner', 'octo-org']);
    const lineBefore = (line: RegExp): string => {
      const lines = out.split('\n');
      const i = lines.findIndex((l) => line.test(l));
      expect(i, String(line)).toBeGreaterThan(0);
      return lines[i - 1] ?? '';
    };
    expect(lineBefore(/^\s+- arn:aws:iam::aws:policy\/AdministratorAccess$/)).toMatch(/# review: ADMINISTRATOR-EQUIVALENT \(allows every action \("\*"\) on every resource\); from user ci-admin through group:admins/);
    expect(lineBefore(/^\s+dangerouslyAllowAdministratorAccess: true$/)).toMatch(/# review: the key had administrator access/);
    expect(lineBefore(/^\s+shared-ci-s3-everything:$/)).toMatch(/# review: broad \(allows s3:\* on every resource\)/);
    expect(lineBefore(/^\s+legacy-uploader-uploads:$/)).toMatch(/# review: uses \$\{aws:username\}, which a role session does not have/);
    expect(out).toMatch(/# review: the secrets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY could not be tied to an IAM user/);
    expect(out).toMatch(/# review: \.github\/workflows\/nightly\.yml job report runs on schedule, workflow_dispatch/);
    expect(out).toMatch(/# review: keyless manages the GitHub environment production from now on: copy its required reviewers/);
  });

  it('is deterministic, whatever the order of the audit', async () => {
    const a = draftConfig(report, { owner: 'octo-org' }).yaml;
    const shuffled: AuditReport = { roles: [...report.roles].reverse(), users: [...report.users].reverse(), workflows: [...report.workflows].reverse() };
    expect(draftConfig(shuffled, { owner: 'octo-org' }).yaml).toBe(a);
  });

  it('drafts only the entries to add to an existing config, checked together with it', async () => {
    const result = await run(['migrate', '--from-audit', auditFile, '--owner', 'octo-org', '--config', join(FIXTURES, 'adopt/access.yaml')]);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/note: skipped octo-org\/api: it is in .*adopt\/access\.yaml already; add a role to it by hand/);
    expect(result.out).not.toMatch(/^environment:/m);
    expect(result.out).toMatch(/^repositories:\n {2}infra:/m);
    expect(result.out).toContain('# Add these entries under repositories: in');
  });

  it('writes the draft to a file with --out', async () => {
    const file = join(dir, 'draft.yaml');
    const result = await run(['migrate', '--from-audit', auditFile, '--owner', 'octo-org', '--out', file]);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/wrote .*draft\.yaml: 4 repositories \(octo-org\/api, octo-org\/infra, octo-org\/tools, octo-org\/web\)/);
    expect(readFileSync(file, 'utf8')).toBe((await run(['migrate', '--from-audit', auditFile, '--owner', 'octo-org'])).out);
  });

  it('drafts a valid empty config for an owner without keys', async () => {
    const result = await run(['migrate', '--from-audit', auditFile, '--owner', 'nobody']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('no repository of this owner uses an access key');
  });

  it.each<[string, string | null, string[], number, RegExp]>([
    ['a file that is not an audit', '{"roles": []}', [], 2, /not a keyless audit document: expected roles, users and workflows/],
    ['a user without policies', '{"roles":[],"users":[{"name":"x","arn":"a"}],"workflows":[]}', [], 2, /users\[0\]: expected name, arn, policies and usedBy/],
    ['an owner that is not the config owner', null, ['--config', join(FIXTURES, 'adopt/access.yaml'), '--owner', 'acme'], 2, /--owner: acme is not the owner of/],
    ['an environment name keyless refuses', null, ['--environment', 'Not_Valid'], 1, /environment: "Not_Valid": an environment name has 1 to 32 lowercase letters[\s\S]*nothing was written/],
  ])('fails on %s', async (_name, content, extra, code, message) => {
    let file = auditFile;
    if (content !== null) {
      file = join(dir, 'bad.json');
      writeFileSync(file, content);
    }
    const args = ['migrate', '--from-audit', file, ...(extra.includes('--owner') ? [] : ['--owner', 'octo-org']), ...extra];
    const result = await run(args);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
  });
});
