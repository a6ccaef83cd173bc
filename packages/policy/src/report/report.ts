/**
 * Who can assume what, in plain words: the report of an access model (`keyless explain`), with what each
 * role's trust policy requires beside the subject (trust-terms.ts). The answer to "why was this token
 * refused?" is token-verdicts.ts.
 */
import type { AccessModel, Risk, RoleModel, RepositoryModel, VariableModel } from '../model/index.js';
import { describeSubject } from '../github/subject.js';
import { type TrustStatementTerms, requirements, trustStatementTerms } from './trust-terms.js';

export interface AccessReportSubject {
  /** Plain words: `octo-org/web-app, branch main`. */
  readonly description: string;
  readonly repository: string;
  readonly kind: 'branch' | 'tag' | 'environment' | 'pull-request';
  /** The branch, tag or environment name or pattern; absent for pull requests. */
  readonly value?: string;
  readonly pattern: boolean;
  readonly workflow?: string;
  /** The `sub` values GitHub puts in such a token. */
  readonly claims: readonly string[];
  /**
   * What the trust statements accepting those values also require of the token, in plain words: `ids pinned
   * (repository 456789, owner 123456)`, `ref refs/heads/main required`, `workflow W@REF pinned`; empty when
   * the subject alone decides.
   */
  readonly requires: readonly string[];
}

export interface AccessReportRole {
  readonly name: string;
  readonly arn: string;
  /** Where the role is declared. */
  readonly entry: string;
  readonly repository: string;
  readonly readOnly: boolean;
  /** `name`, `immutable` or `both`. */
  readonly subjectFormat: string;
  readonly subjects: readonly AccessReportSubject[];
  readonly managedPolicyArns: readonly string[];
  readonly inlinePolicies: readonly { readonly name: string; readonly actions: readonly string[] }[];
  readonly permissionsBoundaryArn?: string;
  readonly maxSessionDurationSeconds: number;
  readonly variables: readonly { readonly repository: string; readonly name: string; readonly scope: string; readonly environment?: string }[];
  readonly risks: readonly Risk[];
  /** The Allow statements of the role's trust policy as IAM holds it, with their conditions beside sub and aud. */
  readonly trust: readonly TrustStatementTerms[];
}

export interface AccessReport {
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  readonly issuer: { readonly url: string; readonly label: string };
  readonly audiences: readonly string[];
  readonly oidcProviderArn: string;
  readonly roles: readonly AccessReportRole[];
}

export function roleArn(model: AccessModel, role: RoleModel): string {
  return `arn:${model.aws.partition}:iam::${model.aws.accountId}:role${role.path}${role.name}`;
}

function policyActions(json: string): string[] {
  const doc = JSON.parse(json) as { Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const actions = new Set<string>();
  for (const st of statements as { Effect?: string; Action?: unknown; NotAction?: unknown }[]) {
    if (st?.Effect !== 'Allow') continue;
    for (const a of [st.Action ?? []].flat() as string[]) actions.add(a);
    for (const a of [st.NotAction ?? []].flat() as string[]) actions.add(`everything but ${a}`);
  }
  return [...actions].sort();
}

function variablesOf(repo: RepositoryModel, role: RoleModel): VariableModel[] {
  return repo.variables.filter((v) => v.value.kind === 'role-arn' && v.value.role === role.key);
}

/** One role in the report; `repo` is absent for an organization role (every repository of the owner). */
function roleReport(model: AccessModel, role: RoleModel, repo: RepositoryModel | undefined): AccessReportRole {
  const trust = trustStatementTerms(role.trustPolicy, model.github.resolvedIssuer.conditionKeyPrefix);
  return {
    name: role.name,
    arn: roleArn(model, role),
    entry: role.entry,
    repository: repo ? `${repo.identity.owner}/${repo.key}` : `${model.github.owner}/*`,
    readOnly: role.readOnly,
    subjectFormat: repo ? repo.identity.subjectFormat : 'name',
    subjects: role.subjects.map((s) => ({
      description: describeSubject(s),
      repository: `${s.repository.owner}/${s.repository.name}`,
      kind: s.context.kind,
      ...(s.context.kind === 'pull-request' ? {} : { value: s.context.name }),
      pattern: 'pattern' in s.context && s.context.pattern === true,
      ...(s.workflow !== undefined ? { workflow: s.workflow } : {}),
      ...withRequires(role.claims.filter((c) => claimMatchesSubject(c, s)), trust, s),
    })),
    managedPolicyArns: role.managedPolicyArns,
    inlinePolicies: role.inlinePolicies.map((p) => ({ name: p.name, actions: policyActions(p.json) })),
    ...(role.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: role.permissionsBoundaryArn } : {}),
    maxSessionDurationSeconds: role.maxSessionDurationSeconds,
    variables: (repo ? variablesOf(repo, role) : []).map((v) => ({
      repository: `${repo?.identity.owner ?? model.github.owner}/${v.repository}`,
      name: v.name,
      scope: v.scope,
      ...(v.environment !== undefined ? { environment: v.environment } : {}),
    })),
    risks: role.risks,
    trust,
  };
}

/**
 * The report of one environment: every role (those of its repositories and its organization roles), who can
 * assume it, what it may do, and its risks.
 */
export function accessReport(model: AccessModel): AccessReport {
  const roles: AccessReportRole[] = [];
  for (const repo of model.repositories) for (const role of repo.roles) roles.push(roleReport(model, role, repo));
  for (const role of model.organizationRoles ?? []) roles.push(roleReport(model, role, undefined));
  roles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    environment: model.environment,
    accountId: model.aws.accountId,
    region: model.aws.region,
    issuer: { url: model.github.resolvedIssuer.url, label: model.github.resolvedIssuer.label },
    audiences: model.github.audiences,
    oidcProviderArn: model.aws.oidcProviderArn,
    roles,
  };
}

/**
 * A subject's claims and what the statements accepting them also require, leaving out what the subject's own
 * description says already (an environment's refs, `on refs/heads/main`; a pinned workflow).
 */
function withRequires(
  claims: readonly string[],
  trust: readonly TrustStatementTerms[],
  spec: RoleModel['subjects'][number],
): { claims: readonly string[]; requires: readonly string[] } {
  const stated = new Set([...(spec.refs !== undefined && spec.refs.length > 0 ? ['ref'] : []), ...(spec.workflow !== undefined ? ['job_workflow_ref'] : [])]);
  const covering = trust.filter((t) => t.subjects.some((v) => claims.includes(v)));
  const requires = covering.flatMap((t) =>
    t.organizationWide !== undefined ? [t.organizationWide, ...t.requires] : requirements(t.conditions.filter((c) => !stated.has(c.claim))),
  );
  return { claims, requires: [...new Set(requires)] };
}

/** Plain words joined: `a`, `a and b`, `a, b and c`. */
function joinWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Who can assume a role, one phrase each: every subject with what its statement also requires (`octo-org/web,
 * environment production, with ref refs/heads/main required and ids pinned (…)`), then each statement no
 * subject accounts for, such as an organization-wide one (`every repository of OWNER (id N) running W@REF`).
 */
export function whoCanAssume(role: AccessReportRole): string[] {
  const lines = role.subjects.map((s) => (s.requires.length > 0 ? `${s.description}, with ${joinWords(s.requires)}` : s.description));
  const covered = new Set(role.subjects.flatMap((s) => s.claims));
  for (const t of role.trust) {
    if (t.subjects.some((v) => covered.has(v))) continue;
    const head = t.organizationWide ?? (t.subjects.length > 0 ? `sub ${t.subjects.join(' or ')}` : `statement ${t.statement}`);
    lines.push(t.requires.length > 0 ? `${head}, with ${joinWords(t.requires)}` : head);
  }
  return lines;
}

function claimMatchesSubject(claim: string, spec: RoleModel['subjects'][number]): boolean {
  const context = (() => {
    switch (spec.context.kind) {
      case 'branch':
        return `:ref:refs/heads/${spec.context.name}`;
      case 'tag':
        return `:ref:refs/tags/${spec.context.name}`;
      case 'environment':
        return `:environment:${spec.context.name.replace(/:/g, '%3A')}`;
      case 'pull-request':
        return ':pull_request';
    }
  })();
  const suffix = spec.workflow === undefined ? context : `${context}:job_workflow_ref:${spec.workflow}`;
  const head = claim.slice(0, claim.indexOf(':', 5));
  const repoPart = head.slice('repo:'.length);
  const [ownerPart = '', namePart = ''] = repoPart.split('/');
  return claim.endsWith(suffix) && claim === `${head}${suffix}` &&
    ownerPart.split('@')[0] === spec.repository.owner && namePart.split('@')[0] === spec.repository.name;
}

/** How each risk is named in every report: shouted when it lets strangers in or grants everything. */
export const RISK_LABEL: Readonly<Record<Risk['kind'], string>> = {
  'any-branch': 'ANY BRANCH',
  'pull-request-write': 'PULL REQUESTS CAN WRITE',
  'administrator-access': 'ADMINISTRATOR ACCESS',
  'any-workflow-ref': 'ANY WORKFLOW REF',
  'name-recycling': 'name recycling',
  'branch-pattern': 'branch pattern',
  'tag-pattern': 'tag pattern',
  'github-audience': 'GITHUB AUDIENCE',
  'organization-wide': 'every repository of the owner',
};

function policyName(arn: string): string {
  return arn.slice(arn.indexOf(':policy/') + ':policy/'.length);
}

/** The report as a plain-text table, one block per environment. */
export function renderAccessReport(reports: readonly AccessReport[]): string {
  const out: string[] = [];
  for (const report of reports) {
    out.push(`${report.environment}: account ${report.accountId}, ${report.region}, issuer ${report.issuer.label}, audience ${report.audiences.join(', ')}`);
    const rows = report.roles.map((role) => [
      role.name,
      whoCanAssume(role).join('; '),
      [
        ...role.managedPolicyArns.map(policyName),
        ...role.inlinePolicies.map((p) => `${p.name} (${p.actions.join(', ')})`),
      ].join('; ') || '(no permissions)',
      role.variables
        .map((v) => `${v.repository === role.repository ? '' : `${v.repository.split('/')[1]}:`}${v.environment ? `${v.name}@${v.environment}` : v.name}`)
        .join(', ') || '-',
      role.risks.map((r) => RISK_LABEL[r.kind]).join(', ') || '-',
    ]);
    out.push(table(['ROLE', 'WHO CAN ASSUME', 'WHAT IT MAY DO', 'VARIABLES', 'RISKS'], rows));
    const risky = report.roles.flatMap((r) => r.risks.filter((k) => k.kind !== 'name-recycling').map((k) => `  ! ${r.name}: ${k.detail}`));
    if (risky.length > 0) out.push('risky grants (explicitly opted in):', ...risky);
    const recycled = report.roles.filter((r) => r.risks.some((k) => k.kind === 'name-recycling')).length;
    if (recycled > 0)
      out.push(`${recycled} of ${report.roles.length} roles trust repositories by name only: a repository that later takes the name inherits the access; set the ids (repository id and github.ownerId) to pin them beside the subject`);
    out.push('');
  }
  return out.join('\n');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
