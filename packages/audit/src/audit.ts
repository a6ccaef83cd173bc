/**
 * The audit: existing GitHub roles checked against keyless' rules, every IAM user with an active access key
 * with its age, last use and permissions, and the workflows that use keys, tied to the users where the secret
 * names allow it. One JSON document, and a readable report with the most severe items first.
 */
import { cmp, sortedUnique } from './errors.js';
import { RULES, SEVERITIES, githubStatements, pullRequestToken, severityRank, statementFindings, type Finding, type Severity } from './github-roles.js';
import type { IamInventory, IamRole, IamUser, PolicyDocument } from './iam.js';
import type { CredentialReport } from './credential-report.js';
import { judgeDocument, judgeManagedPolicy } from './permissions.js';
import { LITERAL_KEY, type WorkflowScan } from './workflows.js';

export type { Finding, Severity } from './github-roles.js';

export interface RoleReport {
  readonly arn: string;
  readonly name: string;
  readonly github: boolean;
  readonly findings: readonly Finding[];
}

export interface AccessKeyReport {
  /** The credential report's slot, `access_key_1` or `access_key_2` (the report does not carry key ids). */
  readonly id: string;
  readonly status: 'Active' | 'Inactive';
  /** Days since the key was created or last rotated; null when unknown. */
  readonly ageDays: number | null;
  /** ISO 8601, or null when never used. */
  readonly lastUsed: string | null;
}

export interface PolicyReport {
  readonly kind: 'managed' | 'inline';
  readonly name: string;
  /** Managed policies only. */
  readonly arn?: string;
  /** `user`, or `group:NAME` for a policy the user holds through a group. */
  readonly via: string;
  /** Inline policies only: the document, so that `keyless migrate` can copy it. */
  readonly document?: PolicyDocument;
  readonly adminEquivalent: boolean;
  readonly broad: boolean;
  /** Why it is administrator-equivalent or broad; empty otherwise. */
  readonly reason: string;
}

export interface UserReport {
  readonly name: string;
  readonly arn: string;
  readonly accessKeys: readonly AccessKeyReport[];
  readonly policies: readonly PolicyReport[];
  /** `OWNER/REPO:.github/workflows/FILE` of every workflow whose key secrets are tied to this user. */
  readonly usedBy: readonly string[];
}

export interface SecretReport {
  readonly name: string;
  /** The user whose name the secret name carries; null when it cannot be tied to one user. */
  readonly user: string | null;
}

/** A scanned workflow (without the read problem, which drops it from the report), its secrets tied to users. */
export interface WorkflowReport extends Pick<WorkflowScan, 'repository' | 'file' | 'jobs' | 'usesAccessKeys'> {
  readonly secrets: readonly SecretReport[];
}

export interface AuditReport {
  readonly roles: readonly RoleReport[];
  readonly users: readonly UserReport[];
  readonly workflows: readonly WorkflowReport[];
}

export interface AuditInput {
  readonly iam: IamInventory;
  /** Without it, access keys are unknown and no user is listed. */
  readonly credentialReport?: CredentialReport;
  readonly workflows: readonly WorkflowScan[];
  /** The date ages and "recent use" are measured against. */
  readonly asOf: Date;
}

/** A key used within this many days counts as in use. */
export const RECENT_USE_DAYS = 90;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------------
// Roles

function rolePermissions(role: IamRole, iam: IamInventory): { adminEquivalent: boolean; reason: string } {
  for (const p of role.attached) {
    const verdict = judgeManagedPolicy(p.arn, iam.policies.get(p.arn)?.document);
    if (verdict.adminEquivalent) return { adminEquivalent: true, reason: `${p.name}: ${verdict.reason}` };
  }
  for (const p of role.inline) {
    const verdict = judgeDocument(p.document);
    if (verdict.adminEquivalent) return { adminEquivalent: true, reason: `inline ${p.name}: ${verdict.reason}` };
  }
  return { adminEquivalent: false, reason: '' };
}

export function auditRole(role: IamRole, iam: IamInventory): RoleReport {
  const statements = githubStatements(role.trustPolicy);
  if (statements.length === 0) return { arn: role.arn, name: role.name, github: false, findings: [] };
  const findings = statements.flatMap(statementFindings);
  const permissions = rolePermissions(role, iam);
  if (permissions.adminEquivalent) {
    const token = pullRequestToken(role.trustPolicy, statements);
    if (token)
      findings.push({
        rule: 'pull-request-admin',
        severity: RULES['pull-request-admin'].severity,
        message: `a pull request job (sub ${JSON.stringify(token.sub)}) can assume this role, and it is administrator-equivalent (${permissions.reason})`,
      });
  }
  return { arn: role.arn, name: role.name, github: true, findings: sortFindings(findings) };
}

function sortFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings
    .filter((f) => {
      const k = `${f.rule}\u0000${f.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || cmp(a.rule, b.rule) || cmp(a.message, b.message));
}

// ---------------------------------------------------------------------------------------------------------
// Users

function userPolicies(user: IamUser | undefined, iam: IamInventory): PolicyReport[] {
  if (!user) return [];
  const out: PolicyReport[] = [];
  const sources: { via: string; attached: IamUser['attached']; inline: IamUser['inline'] }[] = [
    { via: 'user', attached: user.attached, inline: user.inline },
    ...[...user.groups].sort(cmp).map((g) => {
      const group = iam.groups.find((x) => x.name === g);
      return { via: `group:${g}`, attached: group?.attached ?? [], inline: group?.inline ?? [] };
    }),
  ];
  for (const source of sources) {
    for (const p of [...source.attached].sort((a, b) => cmp(a.arn, b.arn))) {
      const verdict = judgeManagedPolicy(p.arn, iam.policies.get(p.arn)?.document);
      out.push({ kind: 'managed', name: p.name, arn: p.arn, via: source.via, ...verdict });
    }
    for (const p of [...source.inline].sort((a, b) => cmp(a.name, b.name))) {
      out.push({ kind: 'inline', name: p.name, via: source.via, document: p.document, ...judgeDocument(p.document) });
    }
  }
  return out;
}

/** `DEPLOY_BOT` for `deploy-bot`: how a name reads inside a secret name. */
export function secretToken(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/**
 * The user a secret's name points to: the user whose name appears in it as whole words (`deploy-bot` in
 * `DEPLOY_BOT_AWS_ACCESS_KEY_ID`), the longest when several do. A generic name such as `AWS_ACCESS_KEY_ID`
 * points to nobody: the audit says it cannot tie it rather than guess.
 */
export function userOfSecret(secret: string, users: readonly string[]): string | null {
  if (secret === LITERAL_KEY) return null;
  const s = `_${secretToken(secret)}_`;
  const matches = users.filter((u) => secretToken(u).length > 0 && s.includes(`_${secretToken(u)}_`));
  if (matches.length === 0) return null;
  const longest = Math.max(...matches.map((u) => secretToken(u).length));
  const best = matches.filter((u) => secretToken(u).length === longest);
  return best.length === 1 ? (best[0] as string) : null;
}

function daysBetween(from: string, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - Date.parse(from)) / DAY_MS));
}

// ---------------------------------------------------------------------------------------------------------
// The report

export function workflowRef(w: { repository: string; file: string }): string {
  return `${w.repository}:${w.file}`;
}

export function runAudit(input: AuditInput): AuditReport {
  const roles = input.iam.roles.map((r) => auditRole(r, input.iam));

  const keyRows = (input.credentialReport?.rows ?? []).filter((r) => r.keys.some((k) => k.active));
  const keyUsers = keyRows.map((r) => r.user).filter((u) => u !== '<root_account>');

  const readable = input.workflows.filter((w) => w.problem === undefined);
  const workflows: WorkflowReport[] = readable
    .map((w) => ({
      repository: w.repository,
      file: w.file,
      jobs: w.jobs,
      usesAccessKeys: w.usesAccessKeys,
      secrets: w.secrets.map((name) => ({ name, user: userOfSecret(name, keyUsers) })),
    }))
    .sort((a, b) => cmp(a.repository, b.repository) || cmp(a.file, b.file));

  const users: UserReport[] = keyRows.map((row) => {
    const iamUser = input.iam.users.find((u) => u.name === row.user);
    const accessKeys = row.keys
      .filter((k) => k.lastRotated !== undefined || k.active)
      .map((k) => ({
        id: k.slot,
        status: k.active ? ('Active' as const) : ('Inactive' as const),
        ageDays: k.lastRotated ? daysBetween(k.lastRotated, input.asOf) : null,
        lastUsed: k.lastUsed ?? null,
      }));
    const usedBy = sortedUnique(workflows.filter((w) => w.secrets.some((s) => s.user === row.user)).map(workflowRef));
    return { name: row.user, arn: iamUser?.arn ?? row.arn, accessKeys, policies: userPolicies(iamUser, input.iam), usedBy };
  });

  const userRank = (u: UserReport): number => severityRank(userSeverity(u, input.asOf).severity);
  const roleRank = (r: RoleReport): number => (r.findings[0] ? severityRank(r.findings[0].severity) : SEVERITIES.length);
  return {
    roles: roles.sort((a, b) => roleRank(a) - roleRank(b) || cmp(a.name, b.name)),
    users: users.sort((a, b) => userRank(a) - userRank(b) || cmp(a.name, b.name)),
    workflows,
  };
}

/**
 * How much a user's keys matter: critical for the root account or administrator-equivalent permissions, high
 * when a workflow uses the key or it was used in the last 90 days, medium for a key nobody seems to use (it
 * should simply be deleted).
 */
export function userSeverity(user: UserReport, asOf: Date): { severity: Severity; reason: string } {
  if (user.name === '<root_account>') return { severity: 'critical', reason: 'the root account has an active access key' };
  const admin = user.policies.find((p) => p.adminEquivalent);
  if (admin) return { severity: 'critical', reason: `an active key of an administrator-equivalent user (${admin.name}: ${admin.reason})` };
  if (user.usedBy.length > 0) return { severity: 'high', reason: 'an active key that workflows use' };
  const recent = user.accessKeys.some((k) => k.status === 'Active' && k.lastUsed !== null && asOf.getTime() - Date.parse(k.lastUsed) <= RECENT_USE_DAYS * DAY_MS);
  if (recent) return { severity: 'high', reason: `an active key used in the last ${RECENT_USE_DAYS} days` };
  return { severity: 'medium', reason: `an active key not used in the last ${RECENT_USE_DAYS} days: delete it` };
}

export interface SeverityCounts {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
}

export function severityCounts(report: AuditReport, asOf: Date): SeverityCounts {
  const counts = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const r of report.roles) for (const f of r.findings) counts[f.severity] += 1;
  for (const u of report.users) counts[userSeverity(u, asOf).severity] += 1;
  return counts;
}

/** 1 when anything critical or high was found, else 0. */
export function auditExitCode(report: AuditReport, asOf: Date): 0 | 1 {
  const counts = severityCounts(report, asOf);
  return counts.critical + counts.high > 0 ? 1 : 0;
}

/** The JSON document: exactly roles, users and workflows. */
export function auditJson(report: AuditReport): string {
  return `${JSON.stringify({ roles: report.roles, users: report.users, workflows: report.workflows }, null, 2)}\n`;
}
