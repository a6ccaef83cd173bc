import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { octoOrgWorkspace } from '@keyless/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { type KeylessRun, runKeyless } from './run-keyless.js';

// A workspace of the octo-org fixture configs, not this repository's apps/ (an adopter replaces those).
const root = octoOrgWorkspace();
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (...argv: string[]): Promise<KeylessRun> => runKeyless(root, argv);

describe('keyless explain', () => {
  it('prints every role of an app with who can assume it and what it may do', async () => {
    const { code, out } = await run('explain', 'dev', '--wide');
    expect(code).toBe(0);
    expect(out).toMatch(/^dev: account 111111111111, ap-northeast-2, issuer github\.com, audience sts\.amazonaws\.com$/m);
    expect(out).toMatch(/^gha-dev-web-app-deploy\s+octo-org\/web-app, branch main\s+site-bucket \(s3:DeleteObject, s3:GetObject, s3:ListBucket, s3:PutObject\)\s+AWS_ROLE_ARN\s+name recycling$/m);
    expect(out).toMatch(/^gha-dev-data-pipeline-plan\s+octo-org\/data-pipeline, pull requests\s+AmazonS3ReadOnlyAccess\s+AWS_PLAN_ROLE_ARN\s+name recycling$/m);
  });

  it('flags risky grants in the table and lists them below it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-cli-'));
    const file = join(dir, 'access.yaml');
    writeFileSync(
      file,
      [
        'environment: sandbox',
        'aws: { accountId: "333333333333", region: ap-northeast-2 }',
        'github: { owner: octo-org }',
        'repositories:',
        '  playground:',
        '    roles:',
        '      admin:',
        '        trust: { branchPatterns: ["*"] }',
        '        managedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]',
        '        dangerouslyAllowAnyBranch: true',
        '        dangerouslyAllowAdministratorAccess: true',
      ].join('\n'),
    );
    const { code, out } = await run('explain', file, '--wide');
    expect(code).toBe(0);
    expect(out).toMatch(/ADMINISTRATOR ACCESS, ANY BRANCH, name recycling$/m);
    expect(out).toContain('  ! gha-sandbox-playground-admin: the role has full administrator access');
    expect(out).toContain('  ! gha-sandbox-playground-admin: any branch of the repository can assume this role');
  });

  it('prints the report as JSON for the pipeline', async () => {
    const { code, out } = await run('explain', 'prod', '--json');
    expect(code).toBe(0);
    const [report] = JSON.parse(out);
    expect(report.source).toBe('apps/prod/access.yaml');
    const role = report.roles.find((r: { name: string }) => r.name === 'gha-prod-payments-deploy');
    expect(role.subjects[0].claims).toEqual([
      'repo:octo-org/payments:environment:production',
      'repo:octo-org@123456/payments@456789:environment:production',
    ]);
    expect(role.arn).toBe('arn:aws:iam::222222222222:role/github-actions/gha-prod-payments-deploy');
  });

  it('explains every account of the bootstrap app', async () => {
    const { out } = await run('explain', 'bootstrap', '--wide');
    expect(out).toMatch(/^dev: account 111111111111/m);
    expect(out).toMatch(/^prod: account 222222222222/m);
    expect(out).toMatch(/^keyless-prod-plan\s+octo-org\/octo-infra, pull requests/m);
  });

  it('names the role that accepts a token', async () => {
    const { code, out } = await run('explain', 'dev', '--wide', '--sub', 'repo:octo-org/web-app:ref:refs/heads/main');
    expect(code).toBe(0);
    expect(out).toContain('  + dev/gha-dev-web-app-deploy (arn:aws:iam::111111111111:role/github-actions/gha-dev-web-app-deploy)');
  });

  it('says why the roles of the repository refuse a token, with a hint for an environment job', async () => {
    const { code, out } = await run('explain', 'dev', '--wide', '--token', '{"sub":"repo:octo-org/web-app:environment:dev"}');
    expect(code).toBe(3);
    expect(out).toContain('accepted by no role');
    expect(out).toContain('sub repo:octo-org/web-app:environment:dev is not repo:octo-org/web-app:ref:refs/heads/main');
    expect(out).toContain('hint: the job names an environment, so its subject is environment:NAME rather than the branch');
  });

  it('explains a name-based token refused by an immutable-subject role', async () => {
    const { out } = await run('explain', 'dev', '--wide', '--sub', 'repo:octo-org/payments:ref:refs/heads/main');
    expect(out).toContain('hint: the token uses the name-based subject, but the role trusts the immutable owner@id/repo@id form');
  });

  it('tells how to switch when a name-only repository starts sending immutable subjects', async () => {
    const { out } = await run('explain', 'dev', '--wide', '--sub', 'repo:octo-org@123456/web-app@999:ref:refs/heads/main');
    expect(out).toContain('hint: the token carries the immutable subject repo:octo-org@123456/web-app@999;');
    expect(out).toContain('Set github.ownerId: 123456 and id: 999 for web-app, with subjectFormat: immutable (or both while switching)');
  });

  it('explains a wrong audience before the trust policy', async () => {
    const { out } = await run('explain', 'dev', '--sub', 'repo:octo-org/web-app:ref:refs/heads/main', '--aud', 'api://AzureADTokenExchange');
    expect(out).toContain(`audience "api://AzureADTokenExchange" is not in the provider's client id list`);
  });

  it('explains a token from another issuer', async () => {
    const { out, code } = await run('explain', 'dev', '--sub', 'repo:octo-org/web-app:ref:refs/heads/main', '--iss', 'https://token.actions.githubusercontent.com/octocat-inc');
    expect(code).toBe(3);
    expect(out).toMatch(/oidc-provider\/token\.actions\.githubusercontent\.com/);
  });

  it('fails with usage when the token is not JSON', async () => {
    const { code, err } = await run('explain', 'dev', '--token', 'sub=x');
    expect(code).toBe(2);
    expect(err).toMatch(/^--token: not JSON/);
  });

  it('fails when the app does not exist', async () => {
    const { code, err } = await run('explain', 'staging');
    expect(code).toBe(2);
    expect(err).toContain('"staging" is not an app under apps/, an app directory or a config file');
  });

  it('fails with the config problems when a config is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyless-cli-'));
    const file = join(dir, 'access.yaml');
    writeFileSync(file, 'environment: dev\naws: { accountId: "1", region: ap-northeast-2 }\ngithub: { owner: octo-org }\nrepositories: {}\n');
    const { code, err } = await run('explain', file);
    expect(code).toBe(1);
    expect(err).toContain('aws.accountId: "1": an AWS account id is exactly 12 digits');
  });
});
