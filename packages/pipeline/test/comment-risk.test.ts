/**
 * A plan comment that leads with risk: a GitHub alert block above everything else for new administrator-equivalent
 * access (CAUTION), pull request jobs that can write (CAUTION), a role that newly trusts pull requests or any
 * branch (WARNING), and any destroy (CAUTION); the grant first in each access line; and a report or access file
 * that is not there is an error, never an empty base.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessReport, AccessReportRole, AccessReportSubject } from '@keyless/policy';
import { afterAll, describe, expect, it } from 'vitest';
import { accessChanges, main, renderPlanComment, runTfJob } from '../src/index.js';
import type { AccessLine, PlanJson } from '../src/index.js';
import { OCTO_ORG, clone, fixture, reports } from './helpers.js';
import { forAll } from './property.js';

const temp = mkdtempSync(join(tmpdir(), 'keyless-comment-risk-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const { base } = reports('dev-create');
const unchanged = fixture('dev-unchanged').plan;

/** A copy of the base report with one role edited. */
function edit(name: string, change: (role: { -readonly [K in keyof AccessReportRole]: AccessReportRole[K] }) => void): AccessReport {
  const copy = clone(base) as unknown as { roles: AccessReportRole[] };
  const role = copy.roles.find((r) => r.name === name);
  if (!role) throw new Error(`no role ${name}`);
  change(role as { -readonly [K in keyof AccessReportRole]: AccessReportRole[K] });
  return copy as unknown as AccessReport;
}

function subject(description: string, kind: AccessReportSubject['kind'], value?: string, pattern = false): AccessReportSubject {
  return { description, repository: 'octo-org/web-app', kind, ...(value !== undefined ? { value } : {}), pattern, claims: [], requires: [] };
}

function comment(head: AccessReport, planJson: PlanJson = unchanged, extra: Partial<Parameters<typeof renderPlanComment>[0]> = {}): string {
  return renderPlanComment({ stack: 'dev', planJson, accessBase: base, accessHead: head, ...extra });
}

/** The alert blocks of a comment, by level, in order. */
function alerts(body: string): { level: string; text: string }[] {
  return [...body.matchAll(/^> \[!(CAUTION|WARNING|NOTE)\]\n((?:> .*\n?)*)/gm)].map((m) => ({ level: m[1] as string, text: m[2] as string }));
}

const WEB = 'gha-dev-web-app-deploy';
const PLAN = 'gha-dev-data-pipeline-plan';

describe('the alert block', () => {
  it('leads with CAUTION for new administrator access, above the access changes and the resources', () => {
    const r = reports('dev-access');
    const f = fixture('dev-access');
    const body = renderPlanComment({ stack: 'dev', planJson: f.plan, planText: f.text, accessBase: r.base, accessHead: r.head });
    const [first] = alerts(body);
    expect(first?.level).toBe('CAUTION');
    expect(first?.text).toContain('> **This change grants administrator-equivalent access.** Whoever can run the trusted jobs gets it: approve only if that is meant.\n');
    expect(first?.text).toContain('> - `! gha-dev-platform-deploy: the role has full administrator access`');
    expect(body.indexOf('> [!CAUTION]')).toBeLessThan(body.indexOf('### Access changes'));
    expect(body.indexOf('> [!CAUTION]')).toBeLessThan(body.indexOf('### Resources'));
  });

  it('warns when a role newly trusts pull requests', () => {
    const head = edit(PLAN, (role) => {
      role.subjects = [...role.subjects, subject('octo-org/handbook, pull requests', 'pull-request')];
    });
    const blocks = alerts(comment(head));
    expect(blocks.map((b) => b.level)).toEqual(['WARNING']);
    expect(blocks[0]?.text).toContain('**This change lets a role newly trust pull requests.**');
    expect(blocks[0]?.text).toContain(`> - \`+ [ReadOnlyAccess] for octo-org/handbook, pull requests, through ${PLAN}\``);
  });

  it('warns when a role newly trusts any branch, by pattern or through an unprotected environment', () => {
    const byPattern = edit(WEB, (role) => {
      role.subjects = [...role.subjects, subject('octo-org/web-app, branches matching *', 'branch', '*', true)];
    });
    expect(alerts(comment(byPattern))[0]?.text).toContain('**This change lets a role newly trust any branch.**');
    const byEnvironment = edit(WEB, (role) => {
      role.risks = [...role.risks, { kind: 'any-branch', detail: 'any branch of web-app can assume this role through environment preview' }];
    });
    const [block] = alerts(comment(byEnvironment));
    expect(block?.level).toBe('WARNING');
    expect(block?.text).toContain(`> - \`! ${WEB}: any branch of web-app can assume this role through environment preview\``);
  });

  it('cautions when pull request jobs can now assume a role that can write', () => {
    const head = edit(WEB, (role) => {
      role.risks = [...role.risks, { kind: 'pull-request-write', detail: 'pull request jobs can assume a role that can write' }];
    });
    const [block] = alerts(comment(head));
    expect(block?.level).toBe('CAUTION');
    expect(block?.text).toContain('**This change lets pull request jobs assume a role that can write.**');
  });

  it('names both kinds in one CAUTION, and puts it before the WARNING and the destroy warning', () => {
    const head = edit(WEB, (role) => {
      role.subjects = [...role.subjects, subject('octo-org/web-app, pull requests', 'pull-request')];
      role.risks = [
        ...role.risks,
        { kind: 'administrator-access', detail: 'the role has full administrator access' },
        { kind: 'pull-request-write', detail: 'pull request jobs can assume a role that can write' },
      ];
    });
    const body = comment(head, fixture('dev-destroy').plan);
    const blocks = alerts(body);
    expect(blocks.map((b) => b.level)).toEqual(['CAUTION', 'WARNING', 'CAUTION']);
    expect(blocks[0]?.text).toContain('**This change grants administrator-equivalent access and lets pull request jobs assume a role that can write.**');
    expect(blocks[2]?.text).toContain('**This plan destroys 2 resources.**');
  });

  it('cautions about a destroy with no access change at all', () => {
    const body = renderPlanComment({ stack: 'dev', planJson: fixture('dev-destroy').plan, access: [] });
    expect(alerts(body).map((b) => [b.level, b.text.split('\n')[0]])).toEqual([['CAUTION', expect.stringContaining('**This plan destroys 2 resources.**')]]);
  });

  it('stays out of a comment whose changes are not risky', () => {
    const head = edit(WEB, (role) => {
      role.subjects = [...role.subjects, subject('octo-org/web-app, branch release', 'branch', 'release')];
      role.managedPolicyArns = [...role.managedPolicyArns, 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'];
    });
    const body = comment(head);
    expect(alerts(body)).toEqual([]);
    expect(body).toContain('### Access changes');
  });

  it('shows config text as code, so nothing in it is Markdown or HTML', () => {
    const lines: AccessLine[] = [{ kind: 'gain', line: '+ [x] for octo-org/web-app, branch <img src=x onerror=alert(1)> `*`, through r', alert: 'any-branch' }];
    const body = renderPlanComment({ stack: 'dev', planJson: unchanged, access: lines });
    expect(alerts(body)[0]?.text).toContain('> - ``+ [x] for octo-org/web-app, branch <img src=x onerror=alert(1)> `*`, through r``');
    // Outside fenced blocks (the access diff), the text appears only inside a code span.
    const outsideFences = body.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '');
    expect(outsideFences.split('\n').filter((l) => l.includes('<img'))).toEqual(['> - ``+ [x] for octo-org/web-app, branch <img src=x onerror=alert(1)> `*`, through r``']);
  });

  it('names at most 25 changes and counts the rest', () => {
    const lines: AccessLine[] = Array.from({ length: 40 }, (_, i) => ({ kind: 'risk', line: `! role-${i}: the role has full administrator access`, alert: 'administrator' }));
    const [block] = alerts(renderPlanComment({ stack: 'dev', planJson: unchanged, access: lines }));
    expect(block?.text.split('\n').filter((l) => l.startsWith('> - `'))).toHaveLength(25);
    expect(block?.text).toContain('> - … and 15 more (see the access changes)');
  });

  it('survives when the comment is cut to fit', () => {
    const f = fixture('dev-create');
    const lines: AccessLine[] = [{ kind: 'risk', line: '! r: the role has full administrator access', alert: 'administrator' }];
    for (const maxLength of [60_000, 8_000, 1_500]) {
      const body = renderPlanComment({ stack: 'dev', planJson: f.plan, planText: f.text.repeat(30), access: lines, maxLength });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxLength);
      expect(body, String(maxLength)).toContain('> [!CAUTION]\n> **This change grants administrator-equivalent access.**');
    }
  });
});

describe('access lines lead with the grant', () => {
  it('puts what is granted or lost first in every line of who gains or loses', () => {
    const policies = ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::111111111111:policy/x', 'arn:aws:iam::aws:policy/AdministratorAccess'];
    forAll(
      150,
      (g) => ({
        role: g.pick(base.roles.map((r) => r.name)),
        dropSubjects: g.bool(),
        addSubject: g.pick(['none', 'branch', 'pull-request', 'any-branch']),
        policies: g.subset(policies),
        inline: g.bool(),
        removeRole: g.int(0, 9) === 0,
      }),
      (c) => {
        const head = c.removeRole
          ? ({ ...clone(base), roles: base.roles.filter((r) => r.name !== c.role) } as AccessReport)
          : edit(c.role, (role) => {
              if (c.dropSubjects) role.subjects = role.subjects.slice(1);
              if (c.addSubject === 'branch') role.subjects = [...role.subjects, subject('octo-org/web-app, branch next', 'branch', 'next')];
              if (c.addSubject === 'pull-request') role.subjects = [...role.subjects, subject('octo-org/web-app, pull requests', 'pull-request')];
              if (c.addSubject === 'any-branch') role.subjects = [...role.subjects, subject('octo-org/web-app, branches matching *', 'branch', '*', true)];
              role.managedPolicyArns = c.policies;
              if (c.inline) role.inlinePolicies = [];
            });
        const changes = accessChanges(base, head);
        const grants = changes.filter((ch) => ch.kind === 'gain' || ch.kind === 'loss').filter((ch) => !/boundary/.test(ch.line));
        const newlyTrusted = c.addSubject === 'pull-request' || c.addSubject === 'any-branch';
        return (
          grants.every((ch) => /^[+-] \[[^\]]*\] /.test(ch.line)) &&
          (!newlyTrusted || c.removeRole || changes.some((ch) => ch.alert === (c.addSubject === 'pull-request' ? 'pull-requests' : 'any-branch')))
        );
      },
    );
  });
});

describe('a report or access file that is not there', () => {
  async function pipeline(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(argv, { cwd: temp, env: {}, stdout: (t) => (out += t), stderr: (t) => (err += t) });
    return { code, out, err };
  }
  const planFile = join(temp, 'plan.json');
  writeFileSync(planFile, JSON.stringify(unchanged));
  const headFile = join(temp, 'head.json');
  writeFileSync(headFile, JSON.stringify(base));

  it('fails the comment when --access-base names no file, instead of showing every role as new', async () => {
    const { code, err, out } = await pipeline(['comment', '--stack', 'dev', '--plan', planFile, '--access-head', headFile, '--access-base', join(temp, 'typo.json')]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`--access-base: ${join(temp, 'typo.json')} does not exist`);
  });

  it('takes a report holding null as a stack the base does not have', async () => {
    const none = join(temp, 'none.json');
    writeFileSync(none, 'null\n');
    const { code, out } = await pipeline(['comment', '--stack', 'dev', '--plan', planFile, '--access-head', headFile, '--access-base', none]);
    expect(code).toBe(0);
    expect(out).toContain(`+ [`);
  });

  it('fails the matrix when the base checkout is not there', async () => {
    const root = join(temp, 'workspace');
    cpSync(join(OCTO_ORG, 'apps'), join(root, 'apps'), { recursive: true });
    writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages:\n  - apps/*\n');
    writeFileSync(join(root, 'apps', 'dev', 'package.json'), '{ "name": "@keyless/app-dev" }\n');
    const { code, err } = await pipeline(['matrix', '--apps', 'dev', '--bundle', join(temp, 'bundle'), '--access-base-root', join(temp, 'no-such-base'), '--root', root]);
    expect(code).toBe(1);
    expect(err).toContain('--access-base-root: ');
    expect(err).toContain('does not exist');
  });

  it('fails the standalone render when --access names no file, and writes no comment', () => {
    const out = join(temp, 'comment.md');
    let err = '';
    const code = runTfJob(['render', '--stack', 'dev', '--plan', planFile, '--access', join(temp, 'missing-access.json'), '--out', out], { stderr: (t: string) => (err += t) });
    expect(code).toBe(1);
    expect(err).toContain('--access: ');
    expect(existsSync(out)).toBe(false);
    writeFileSync(join(temp, 'not-a-list.json'), '{}');
    expect(runTfJob(['render', '--stack', 'dev', '--plan', planFile, '--access', join(temp, 'not-a-list.json'), '--out', out], { stderr: () => {} })).toBe(1);
  });

  it('renders the alert from the access file the synthesis job writes', () => {
    const access = join(temp, 'access.json');
    writeFileSync(access, JSON.stringify([{ kind: 'risk', line: '! r: the role has full administrator access', alert: 'administrator' }]));
    const out = join(temp, 'comment-ok.md');
    expect(runTfJob(['render', '--stack', 'dev', '--plan', planFile, '--access', access, '--out', out], { stderr: () => {} })).toBe(0);
    expect(alerts(readFileSync(out, 'utf8'))[0]?.level).toBe('CAUTION');
  });
});
