/**
 * keyless explain fits a terminal: at most 100 columns by default, with every role, subject, permission, variable
 * and risk flag still there; --wide prints the full table lines; --version and --help.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessReport, loadConfigText, renderAccessReport } from '@keyless/policy';
import { octoOrgWorkspace } from '@keyless/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WIDTH, renderAccessReportFitted, wrapLine, wrapText } from '../src/explain-format.js';
import { type KeylessRun, runKeyless } from './run-keyless.js';
import { forAll, stringOf } from './seeded.js';

const root = octoOrgWorkspace();
const scratch = mkdtempSync(join(tmpdir(), 'keyless-explain-width-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

const run = (...argv: string[]): Promise<KeylessRun> => runKeyless(root, argv);

const widest = (text: string): number => Math.max(...text.split('\n').map((l) => l.length));

// A config of long names, many actions and every loud risk, to stress the layout.
const WIDE_CONFIG = `environment: sandbox-with-a-long-name
aws: { accountId: "333333333333", region: ap-northeast-2 }
github: { owner: octo-organisation-with-a-long-name }
repositories:
  a-repository-whose-name-is-long-enough-to-matter:
    roles:
      administrator-with-a-long-role-key:
        name: gha-sandbox-a-repository-whose-name-is-long-administrator-role-x
        trust:
          branchPatterns: ["*"]
          pullRequests: true
          workflows: [octo-organisation-with-a-long-name/shared-workflows-repository/.github/workflows/deploy-everything.yml@*]
        managedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
        inlinePolicies:
          many-actions:
            Statement:
              - Effect: Allow
                Action: [s3:GetObject, s3:PutObject, s3:DeleteObject, s3:ListBucket, s3:GetBucketLocation, s3:GetObjectVersion, s3:PutObjectAcl, s3:GetObjectTagging, s3:PutObjectTagging, dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query]
                Resource: "*"
        variable: { name: A_VERY_LONG_VARIABLE_NAME_FOR_THE_ROLE_ARN_OF_THIS_ROLE }
        dangerouslyAllowAnyBranch: true
        dangerouslyAllowAdministratorAccess: true
        dangerouslyAllowPullRequestsWithWriteAccess: true
        dangerouslyAllowAnyWorkflowRef: true
`;
const wideFile = join(scratch, 'access.yaml');
writeFileSync(wideFile, WIDE_CONFIG);

describe('keyless explain in a terminal', () => {
  it.each([['dev'], ['prod'], ['bootstrap'], [wideFile]])('fits %s in 100 columns', async (app) => {
    const { code, out } = await run('explain', app);
    expect(code).toBe(0);
    expect(widest(out)).toBeLessThanOrEqual(DEFAULT_WIDTH);
  });

  it('was wider than that as a table (--wide keeps the table)', async () => {
    const { out } = await run('explain', 'dev', '--wide');
    expect(widest(out)).toBeGreaterThan(DEFAULT_WIDTH);
    const report = accessReport(loadConfigText(WIDE_CONFIG, 'x', { kind: 'access' }).model);
    expect((await run('explain', wideFile, '--wide')).out).toBe(renderAccessReport([{ ...report }]));
  });

  it('keeps the risk flags on the role line, loud ones first', async () => {
    const { out } = await run('explain', wideFile);
    const lines = out.split('\n');
    const role = lines.indexOf('gha-sandbox-a-repository-whose-name-is-long-administrator-role-x');
    // The name and the flags do not fit one line together here: the flags follow on the next.
    expect(role).toBeGreaterThan(0);
    expect(lines[role + 1]).toBe('  [ADMINISTRATOR ACCESS, ANY BRANCH, ANY WORKFLOW REF, PULL REQUESTS CAN WRITE, name recycling]');
    expect((await run('explain', 'dev')).out).toContain('\ngha-dev-web-app-deploy  [name recycling]\n');
    expect(out).toContain('risky grants (explicitly opted in):');
  });

  it('loses nothing: every word of the wide report is in the fitted one', async () => {
    for (const app of ['dev', 'prod', 'bootstrap', wideFile]) {
      const wide = (await run('explain', app, '--wide')).out;
      const split = (text: string): string[] => text.split(/[\s;,()[\]]+/).filter((w) => w !== '' && w !== '-' && !/^-+$/.test(w));
      const fittedText = (await run('explain', app)).out;
      const fitted = new Set(split(fittedText));
      // A word longer than a line is broken across lines, never shortened.
      const compact = fittedText.replace(/\s+/g, '');
      const headers = ['ROLE', 'WHO', 'CAN', 'ASSUME', 'WHAT', 'IT', 'MAY', 'DO', 'VARIABLES', 'RISKS'];
      for (const word of split(wide).filter((w) => !headers.includes(w))) expect(fitted.has(word) || (word.length > 80 && compact.includes(word)), `${app}: ${word}`).toBe(true);
    }
  });

  it('puts each subject, permission and variable on its own line', async () => {
    const { out } = await run('explain', 'dev');
    expect(out).toContain(
      [
        'gha-dev-docs-site-publish  [name recycling]',
        '  who   octo-org/docs-site, branch main',
        '        octo-org/handbook, branch main',
        '  may   docs-bucket (s3:DeleteObject, s3:PutObject)',
        '  vars  AWS_ROLE_ARN',
        '        handbook:AWS_ROLE_ARN',
      ].join('\n'),
    );
  });

  it('fits token verdicts too, wrapping long reasons under themselves', async () => {
    const { out, code } = await run('explain', 'dev', '--sub', 'repo:octo-org@123456/web-app@999:ref:refs/heads/main');
    expect(code).toBe(3);
    expect(widest(out)).toBeLessThanOrEqual(DEFAULT_WIDTH);
    expect(out.replace(/\n\s+/g, ' ')).toContain('Set github.ownerId: 123456 and id: 999 for web-app, with subjectFormat: immutable (or both while switching)');
    const wide = (await run('explain', 'dev', '--wide', '--sub', 'repo:octo-org@123456/web-app@999:ref:refs/heads/main')).out;
    expect(widest(wide)).toBeGreaterThan(DEFAULT_WIDTH);
  });

  it('keeps the JSON unchanged by width', async () => {
    expect((await run('explain', 'dev', '--json')).out).toBe((await run('explain', 'dev', '--json', '--wide')).out);
  });
});

describe('wrapping', () => {
  it('keeps lines within the width and every character but the breaking spaces', () => {
    forAll(300, 5, (next) => {
      const width = 20 + Math.floor(next() * 90);
      const indent = ' '.repeat(Math.floor(next() * 8));
      const text = stringOf(next, 'abcdefgh/.:-_(),     ', Math.floor(next() * 400));
      const lines = wrapLine(text, width, indent);
      for (const line of lines) expect(line.length, JSON.stringify(line)).toBeLessThanOrEqual(width);
      expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
    });
  });

  it('leaves a line that fits alone', () => {
    expect(wrapLine('short line', 100)).toEqual(['short line']);
    expect(wrapText('a\n  b', 100)).toBe('a\n  b');
  });

  it('indents continuations under the line they continue', () => {
    expect(wrapText(`      ${'word '.repeat(30).trim()}`, 40).split('\n').slice(1).every((l) => l.startsWith('          '))).toBe(true);
  });

  it('lays out an empty report', () => {
    expect(renderAccessReportFitted([])).toBe('');
  });
});

describe('keyless --version and --help', () => {
  it('prints the version and the datasets the checks read', async () => {
    const { code, out } = await run('--version');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^keyless \d+\.\d+\.\d+$/);
    expect(lines.slice(1).map((l) => l.split(':')[0])).toEqual(['IAM actions and access levels', 'AWS managed policies', 'AWS regions and partitions']);
    expect(out).toContain('@aws-sdk/core ');
  });

  it('documents the commands and every exit code', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    for (const text of ['keyless init', 'keyless check', '--wide', '--version', 'exit codes:', '\n  0  ', '\n  1  ', '\n  2  ', '\n  3  ']) expect(out).toContain(text);
  });

  it('refuses an init option on another command', async () => {
    const { code, err } = await run('explain', 'dev', '--region', 'x');
    expect(code).toBe(2);
    expect(err).toBe('--region: an option of keyless init, not of explain\n');
  });
});
