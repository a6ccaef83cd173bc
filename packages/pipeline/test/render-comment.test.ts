import { describe, expect, it } from 'vitest';
import {
  GITHUB_COMMENT_LIMIT,
  code,
  commentMarker,
  renderPlanComment,
  renderPlanError,
  summarizePlan,
  summaryLine,
  textLength,
} from '../src/index.js';
import type { PlanJson, ResourceChange } from '../src/index.js';
import { clone, fixture, reports, terraformSummaryLine } from './helpers.js';
import type { FixtureName } from './helpers.js';

const RUN = 'https://github.com/octo-org/octo-infra/actions/runs/4242';
const ALL: FixtureName[] = ['dev-create', 'dev-unchanged', 'dev-destroy', 'dev-replace', 'dev-access'];

function render(name: FixtureName, extra: Partial<Parameters<typeof renderPlanComment>[0]> = {}): string {
  const f = fixture(name);
  const r = reports(name);
  return renderPlanComment({ stack: 'dev', planJson: f.plan, planText: f.text, accessBase: r.base, accessHead: r.head, runUrl: RUN, commitSha: '0123456789abcdef0123', ...extra });
}

describe('renderPlanComment on real plans', () => {
  it.each(ALL)('%s: starts with the hidden marker of the stack and links the run', (name) => {
    const body = render(name);
    expect(body.startsWith('<!-- keyless-plan:dev -->\n')).toBe(true);
    expect(body).toContain(`[workflow run](${RUN})`);
    expect(body).toContain('commit `0123456789ab`');
  });

  it.each(ALL)("%s: the summary line is terraform's own", (name) => {
    const f = fixture(name);
    expect(summaryLine(summarizePlan(f.plan))).toBe(terraformSummaryLine(f.text));
    expect(render(name)).toContain(`**${terraformSummaryLine(f.text)}**`);
  });

  it('says there are no changes and shows neither warning, resources nor plan for the unchanged app', () => {
    const body = render('dev-unchanged');
    expect(body).toContain('**No changes. Your infrastructure matches the configuration.**');
    expect(body).not.toMatch(/CAUTION|### Resources|Full plan/);
    expect(body).toContain('No one gains or loses the ability to assume a role');
  });

  it('warns loudly about every destroyed resource', () => {
    const body = render('dev-destroy');
    const warning = body.slice(body.indexOf('> [!CAUTION]'), body.indexOf('### Access changes'));
    expect(warning).toContain('**This plan destroys 2 resources.**');
    expect(warning).toMatch(/`aws_iam_role\.repo-payments_role-deploy_role_[0-9A-F]+` is \*\*destroyed\*\*/);
    expect(warning).toMatch(/`aws_iam_role_policy_attachment\.repo-payments_role-deploy_managed-111111111111-payments-deploy_[0-9A-F]+` is \*\*destroyed\*\*/);
    expect(warning).toContain('refuses every workflow that assumes it');
    expect(body).toContain('🛑 destroys resources');
    expect(body).toContain('<details open><summary>🛑 Destroy (2)</summary>');
  });

  it('warns loudly about a replacement and names the attribute that forces it', () => {
    const body = render('dev-replace');
    expect(body).toContain('**This plan replaces 2 resources.**');
    expect(body).toContain('`aws_iam_role.repo-web-app_role-deploy_role_880EF0DF` is **replaced (destroyed, then created)**, forced by `name`');
    expect(body).toContain('forced by `role`');
    expect(body).toContain('- `name`: `"gha-dev-web-app-deploy"` → `"gha-dev-web-app-site-deploy"` (forces replacement)');
  });

  it('says who gains access, in plain words, above the resources', () => {
    const body = render('dev-access');
    const access = body.slice(body.indexOf('### Access changes'), body.indexOf('### Resources'));
    expect(access).toContain('```diff\n');
    expect(access).toContain('+ [AdministratorAccess, AmazonECS_FullAccess] for octo-org/platform, environment dev-database, on refs/heads/main, through gha-dev-platform-deploy\n');
    expect(access).toContain('- [AmazonECS_FullAccess] no longer for octo-org/platform, branch main, through gha-dev-platform-deploy\n');
    expect(access).toContain('! gha-dev-platform-deploy: the role has full administrator access\n');
    expect(body).toContain('🔑 4 access changes · ⚠️ new risky grant');
    // Administrator access leads the comment (comment-risk.test.ts); nothing is destroyed.
    expect(body).not.toContain('This plan destroys');
  });

  it('shows an in-place update down to the changed value inside the policy JSON', () => {
    expect(render('dev-access')).toContain(
      '- `assume_role_policy.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]`: `"repo:octo-org/platform:ref:refs/heads/main"` → `["repo:octo-org/platform:environment:dev-database","repo:octo-org/platform:ref:refs/heads/main"]`',
    );
  });

  it('folds the full terraform plan text', () => {
    const f = fixture('dev-replace');
    const body = render('dev-replace');
    expect(body).toContain('<details><summary>Full plan</summary>');
    expect(body).toContain(f.text.trim().split('\n').slice(-3).join('\n'));
    expect(body).toContain('# aws_iam_role.repo-web-app_role-deploy_role_880EF0DF must be replaced');
  });

  it('lists every resource of a plan from nothing as a create', () => {
    const body = render('dev-create', { accessBase: undefined });
    const creates = fixture('dev-create').plan.resource_changes?.filter((rc) => rc.change.actions.join() === 'create').length ?? 0;
    expect(creates).toBeGreaterThan(10);
    expect(body).toContain(`<details><summary>🟢 Create (${creates})</summary>`);
    // No base: every subject gains access to its role.
    expect(body).toContain('+ [site-bucket (s3:DeleteObject, s3:GetObject, s3:ListBucket, s3:PutObject)] for octo-org/web-app, branch main, through gha-dev-web-app-deploy (a new role)');
  });

  it('leaves the access section out when no access report is given', () => {
    const f = fixture('dev-access');
    expect(renderPlanComment({ stack: 'dev', planJson: f.plan })).not.toContain('### Access changes');
  });

  it('renders a plan text from the JSON when terraform show output is not given', () => {
    const f = fixture('dev-replace');
    const body = renderPlanComment({ stack: 'dev', planJson: f.plan });
    expect(body).toContain('-/+ aws_iam_role.repo-web-app_role-deploy_role_880EF0DF');
    expect(body).toContain('    name: "gha-dev-web-app-deploy" -> "gha-dev-web-app-site-deploy" # forces replacement');
  });

  it('uses the drift marker and heading for the nightly check', () => {
    const body = renderPlanComment({ stack: 'prod', planJson: fixture('dev-unchanged').plan, kind: 'drift' });
    expect(body.startsWith(`${commentMarker('prod', 'drift')}\n### Drift check: \`prod\``)).toBe(true);
  });
});

/** A real role of the unchanged plan, found changed outside Terraform (as a refresh reports it). */
function withDrift(): PlanJson {
  const plan = clone(fixture('dev-unchanged').plan) as PlanJson & { resource_drift?: ResourceChange[] };
  const role = plan.resource_changes?.find((rc) => rc.type === 'aws_iam_role');
  if (!role) throw new Error('no role in the fixture');
  const before = role.change.before as Record<string, unknown>;
  plan.resource_drift = [
    { ...role, change: { ...role.change, actions: ['update'], before, after: { ...before, max_session_duration: 43200 } } },
    { ...role, address: 'aws_iam_role.gone', name: 'gone', change: { ...role.change, actions: ['delete'], before, after: null } },
  ];
  return plan;
}

describe('renderPlanComment: drift', () => {
  it('reports objects changed outside Terraform with the changed values', () => {
    const plan = withDrift();
    const body = renderPlanComment({ stack: 'dev', planJson: plan });
    const address = plan.resource_drift?.[0]?.address ?? '';
    expect(body).toContain('### Changed outside Terraform');
    expect(body).toContain(`- \`${address}\` was changed outside Terraform\n  - \`max_session_duration\`: \`3600\` → \`43200\``);
    expect(body).toContain('- `aws_iam_role.gone` was deleted outside Terraform');
    expect(body).toContain('🌀 2 changed outside Terraform');
  });

  it('reports no drift section when the refresh found nothing', () => {
    expect(render('dev-access')).not.toContain('Changed outside Terraform');
  });
});

describe('renderPlanComment: secrets', () => {
  it('never shows a value terraform marks sensitive, before or after', () => {
    const plan = clone(fixture('dev-access').plan) as PlanJson & { resource_changes: ResourceChange[] };
    const rc = plan.resource_changes.find((r) => r.change.actions.includes('update'));
    if (!rc) throw new Error('no update');
    const change = rc.change as unknown as Record<string, unknown>;
    change['before'] = { ...(rc.change.before as object), description: 'old-secret-value-1' };
    change['after'] = { ...(rc.change.after as object), description: 'new-secret-value-2' };
    change['before_sensitive'] = { description: true };
    change['after_sensitive'] = { description: true };
    for (const body of [renderPlanComment({ stack: 'dev', planJson: plan }), renderPlanComment({ stack: 'dev', planJson: plan, planText: '(terraform masks)' })]) {
      expect(body).not.toMatch(/secret-value/);
      expect(body).toContain('- `description`: `(sensitive value)` → `(sensitive value)`');
    }
  });
});

describe('renderPlanComment: size', () => {
  it(`stays within ${GITHUB_COMMENT_LIMIT} bytes with a huge plan text, keeping its tail and saying where the rest is`, () => {
    const f = fixture('dev-access');
    const filler = Array.from({ length: 4000 }, (_, i) => `  # line ${i} of a very long plan, ünïcödé included ✓`).join('\n');
    const planText = `${filler}\n${f.text}`;
    const body = renderPlanComment({ stack: 'dev', planJson: f.plan, planText, runUrl: RUN });
    expect(textLength(body)).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(textLength(planText)).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
    expect(body.startsWith(commentMarker('dev'))).toBe(true);
    expect(body).toMatch(/✂️ The first \d+ characters of the plan are cut to fit a comment; the full plan is in the job summary of the run and its artifact `plan-dev`/);
    expect(body).toContain('Plan: 1 to add, 1 to change, 0 to destroy.\n```');
    expect(body).not.toContain('line 0 of a very long plan');
    expect(body).toContain(`[workflow run](${RUN})`);
  });

  it('shortens the resource lists of a plan with thousands of resources', () => {
    const plan = clone(fixture('dev-destroy').plan) as PlanJson & { resource_changes: ResourceChange[] };
    const template = plan.resource_changes.filter((rc) => rc.change.actions.includes('delete'));
    plan.resource_changes = Array.from({ length: 3000 }, (_, i) => template.map((rc) => ({ ...rc, address: `${rc.address}_${i}` }))).flat();
    const body = renderPlanComment({ stack: 'dev', planJson: plan, runUrl: RUN });
    expect(textLength(body)).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body).toContain('**Plan: 0 to add, 0 to change, 6000 to destroy.**');
    expect(body).toContain('**This plan destroys 6000 resources.**');
    expect(body).toContain('> - … and 5975 more');
    expect(body).toContain(`[workflow run](${RUN})`);
    expect(body).toMatch(/… and \d+ more/);
  });

  it('honours a smaller limit', () => {
    const body = render('dev-create', { maxLength: 4000 });
    expect(textLength(body)).toBeLessThanOrEqual(4000);
    expect(body.startsWith(commentMarker('dev'))).toBe(true);
    expect(body).toContain(`**${terraformSummaryLine(fixture('dev-create').text)}**`);
  });
});

describe('renderPlanError', () => {
  it('replaces the comment of a failed plan, keeping the end of a long log within the limit', () => {
    const log = `${'x'.repeat(200_000)}\nError: error configuring S3 Backend: AccessDenied`;
    const body = renderPlanError({ stack: 'prod', log, runUrl: RUN, commitSha: 'abcdef1234567890' });
    expect(body.startsWith(`${commentMarker('prod')}\n`)).toBe(true);
    expect(body).toContain('**The plan failed; there is no plan to review.**');
    expect(body).toContain('Error: error configuring S3 Backend: AccessDenied');
    expect(textLength(body)).toBeLessThan(GITHUB_COMMENT_LIMIT);
  });
});

describe('code', () => {
  it.each([
    ['plain', '`plain`'],
    ['a`b', '``a`b``'],
    ['`x`', '`` `x` ``'],
  ])('%s → %s', (input, expected) => {
    expect(code(input)).toBe(expected);
  });
});
