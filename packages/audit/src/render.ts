/**
 * The readable audit report: a summary line, then every role finding and every user with an active key, most
 * severe first, then the workflows that use keys and which user each secret belongs to.
 */
import { cmp } from './errors.js';
import { severityCounts, userSeverity, workflowRef, type AuditReport } from './audit.js';
import { severityRank, type Severity } from './github-roles.js';
import type { WorkflowScan } from './workflows.js';

/** A secret name found at organisation or repository level (live mode only). */
export interface SecretInventoryEntry {
  readonly name: string;
  /** `organization` or `OWNER/REPO`. */
  readonly scope: string;
}

export interface RenderOptions {
  readonly asOf: Date;
  /** Workflows that could not be read, to list them. */
  readonly unreadable?: readonly WorkflowScan[];
  /** Live mode: the key-like secret names of the organisation and its repositories. */
  readonly secretInventory?: readonly SecretInventoryEntry[];
  /** Without a credential report the users' keys are unknown; the report says so. */
  readonly credentialReportMissing?: boolean;
}

interface Item {
  readonly severity: Severity;
  readonly sortKey: string;
  readonly lines: string[];
}

const KEYISH = /ACCESS_KEY|SECRET_KEY|SECRET_ACCESS|AWS_KEY|AWS_SECRET/i;

export function renderAudit(report: AuditReport, options: RenderOptions): string {
  const out: string[] = [];
  const counts = severityCounts(report, options.asOf);
  const githubRoles = report.roles.filter((r) => r.github);
  const keyWorkflows = report.workflows.filter((w) => w.usesAccessKeys);
  out.push(
    `keyless audit: ${report.roles.length} role(s), ${githubRoles.length} trust GitHub; ${report.users.length} user(s) with an active access key; ` +
      `${report.workflows.length} workflow(s), ${keyWorkflows.length} use access keys`,
  );
  out.push(`found: ${counts.critical} critical, ${counts.high} high, ${counts.medium} medium, ${counts.low} low`);
  if (options.credentialReportMissing) out.push('note: no credential report was given (--credential-report), so access keys are unknown and no user is listed');
  out.push('');

  const items: Item[] = [];
  for (const role of report.roles) {
    for (const f of role.findings) {
      items.push({ severity: f.severity, sortKey: `role ${role.name}`, lines: [`${label(f.severity)} role ${role.name} [${f.rule}]`, `    ${f.message}`, `    ${role.arn}`] });
    }
  }
  for (const user of report.users) {
    const { severity, reason } = userSeverity(user, options.asOf);
    const lines = [`${label(severity)} user ${user.name}: ${reason}`, `    ${user.arn}`];
    for (const k of user.accessKeys) {
      lines.push(`    ${k.id} ${k.status}, ${k.ageDays === null ? 'age unknown' : `${k.ageDays} days old`}, ${k.lastUsed === null ? 'never used' : `last used ${k.lastUsed}`}`);
    }
    for (const p of user.policies) {
      const flag = p.adminEquivalent ? ' ADMINISTRATOR-EQUIVALENT' : p.broad ? ' broad' : '';
      lines.push(`    holds ${p.kind} ${p.name}${p.via === 'user' ? '' : ` (through ${p.via.replace(':', ' ')})`}${flag}${p.reason ? `: ${p.reason}` : ''}`);
    }
    if (user.policies.length === 0) lines.push('    holds no policy the authorization details show');
    lines.push(user.usedBy.length > 0 ? `    used by ${user.usedBy.join(', ')}` : '    used by no workflow the audit could tie to this user');
    items.push({ severity, sortKey: `user ${user.name}`, lines });
  }
  items.sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || cmp(a.sortKey, b.sortKey));
  for (const item of items) out.push(...item.lines);
  if (items.length === 0) out.push('nothing found');

  out.push('', `Workflows that use access keys (${keyWorkflows.length})`);
  if (keyWorkflows.length === 0) out.push('  none');
  for (const w of keyWorkflows) {
    out.push(`  ${workflowRef(w)}`);
    for (const job of w.jobs.filter((j) => j.usesAccessKeys)) {
      out.push(`    job ${job.id}${job.environment ? ` (environment ${job.environment})` : ''}: ${job.via.join(', ')}`);
    }
    for (const s of w.secrets) {
      out.push(`    secret ${s.name}: ${s.user === null ? 'cannot be tied to a user (no user name in the secret name); check with aws sts get-caller-identity in the job' : `user ${s.user}`}`);
    }
    if (w.secrets.length === 0) out.push('    no secret reference found (the key comes from the runner or another step); cannot be tied to a user');
  }

  const clean = githubRoles.filter((r) => r.findings.length === 0).map((r) => r.name);
  out.push('', `GitHub roles without findings (${clean.length})${clean.length > 0 ? `: ${clean.join(', ')}` : ''}`);

  if (options.unreadable && options.unreadable.length > 0) {
    out.push('', `Workflows that could not be read (${options.unreadable.length})`);
    for (const w of options.unreadable) out.push(`  ${workflowRef(w)}: ${w.problem ?? ''}`);
  }

  if (options.secretInventory) {
    const keyish = options.secretInventory.filter((s) => KEYISH.test(s.name));
    const read = new Set(report.workflows.flatMap((w) => w.secrets.map((s) => s.name)));
    out.push('', `GitHub secrets that look like AWS keys (${keyish.length})`);
    for (const s of [...keyish].sort((a, b) => cmp(a.scope, b.scope) || cmp(a.name, b.name))) {
      out.push(`  ${s.scope === 'organization' ? 'organization' : s.scope} ${s.name}: ${read.has(s.name) ? 'read by a workflow' : 'read by no workflow the audit found: delete it once the key is retired'}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function label(severity: Severity): string {
  return severity.toUpperCase().padEnd(8);
}
