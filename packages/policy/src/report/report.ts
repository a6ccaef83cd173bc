/**
 * Who can assume what, in plain words: the report of an access model, and the answer to "why was this
 * token refused?" computed offline with the same evaluator the tests use.
 */
import { evaluateTrustPolicy } from '../iam/evaluator/index.js';
import type { TokenClaims } from '../iam/evaluator/index.js';
import type { AccessModel, Risk, RoleModel, RepositoryModel, VariableModel } from '../model/index.js';
import { describeSubject } from '../github/subject.js';

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

/** The report of one environment: every role, who can assume it, what it may do, and its risks. */
export function accessReport(model: AccessModel): AccessReport {
  const roles: AccessReportRole[] = [];
  for (const repo of model.repositories) {
    for (const role of repo.roles) {
      roles.push({
        name: role.name,
        arn: roleArn(model, role),
        entry: role.entry,
        repository: `${repo.identity.owner}/${repo.key}`,
        readOnly: role.readOnly,
        subjectFormat: repo.identity.subjectFormat,
        subjects: role.subjects.map((s) => ({
          description: describeSubject(s),
          repository: `${s.repository.owner}/${s.repository.name}`,
          kind: s.context.kind,
          ...(s.context.kind === 'pull-request' ? {} : { value: s.context.name }),
          pattern: 'pattern' in s.context && s.context.pattern === true,
          ...(s.workflow !== undefined ? { workflow: s.workflow } : {}),
          claims: role.claims.filter((c) => claimMatchesSubject(c, s)),
        })),
        managedPolicyArns: role.managedPolicyArns,
        inlinePolicies: role.inlinePolicies.map((p) => ({ name: p.name, actions: policyActions(p.json) })),
        ...(role.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: role.permissionsBoundaryArn } : {}),
        maxSessionDurationSeconds: role.maxSessionDurationSeconds,
        variables: variablesOf(repo, role).map((v) => ({
          repository: `${repo.identity.owner}/${v.repository}`,
          name: v.name,
          scope: v.scope,
          ...(v.environment !== undefined ? { environment: v.environment } : {}),
        })),
        risks: role.risks,
      });
    }
  }
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

export interface TokenVerdict {
  readonly environment: string;
  readonly role: string;
  readonly arn: string;
  readonly allowed: boolean;
  /** Whether the role trusts the repository the token comes from (by name or by id). */
  readonly sameRepository: boolean;
  /** Why not, in IAM's terms, when refused; and hints for the usual causes. */
  readonly reasons: readonly string[];
}

/** The owner and repository a `sub` names, by name and by id where it carries ids. */
function tokenRepository(sub: string): { owner: string; name: string; ownerId?: number; id?: number } | undefined {
  const m = /^repo:([^/:@]+)(?:@([0-9]+))?\/([^/:@]+)(?:@([0-9]+))?:/.exec(sub);
  if (!m) return undefined;
  return { owner: m[1] ?? '', name: m[3] ?? '', ...(m[2] ? { ownerId: Number(m[2]) } : {}), ...(m[4] ? { id: Number(m[4]) } : {}) };
}

/**
 * Which roles of the model would accept a token with these claims, and for the others why not. The claims
 * default to github.com's issuer and the model's first audience.
 */
export function explainToken(model: AccessModel, claims: Partial<TokenClaims> & { sub?: string | null }): TokenVerdict[] {
  const token: TokenClaims = {
    ...claims,
    iss: claims.iss ?? model.github.resolvedIssuer.url,
    aud: claims.aud === undefined ? (model.github.audiences[0] ?? null) : claims.aud,
    sub: claims.sub ?? null,
  };
  const verdicts: TokenVerdict[] = [];
  const from = typeof token.sub === 'string' ? tokenRepository(token.sub) : undefined;
  for (const repo of model.repositories) {
    const same = from !== undefined && (
      (from.owner === repo.identity.owner && from.name === repo.key) ||
      (from.id !== undefined && from.id === repo.identity.id && from.ownerId === repo.identity.ownerId));
    for (const role of repo.roles) {
      const result = evaluateTrustPolicy(role.trustPolicy, token, { providerAudiences: model.github.audiences });
      verdicts.push({
        environment: model.environment,
        role: role.name,
        arn: roleArn(model, role),
        allowed: result.allowed,
        sameRepository: same,
        reasons: result.allowed ? [] : [...result.reasons, ...(same || from === undefined ? hints(token, role, repo) : [])],
      });
    }
  }
  return verdicts.sort((a, b) => (a.allowed === b.allowed ? (a.role < b.role ? -1 : 1) : a.allowed ? -1 : 1));
}

/** The usual causes of a refused token, recognised from the shape of the claims. */
function hints(token: TokenClaims, role: RoleModel, repo: RepositoryModel): string[] {
  const out: string[] = [];
  const sub = typeof token.sub === 'string' ? token.sub : '';
  if (!sub) return ['the token has no sub claim'];
  const trusted = role.claims;
  const byName = `repo:${repo.identity.owner}/${repo.key}:`;
  const immutablePrefix = `repo:${repo.identity.owner}@${repo.identity.ownerId}/${repo.key}@${repo.identity.id}:`;
  if (sub.startsWith(byName) && trusted.every((c) => !c.startsWith(byName)))
    out.push('hint: the token uses the name-based subject, but the role trusts the immutable owner@id/repo@id form; has the repository opted in to immutable subjects? subjectFormat: both accepts either during the switch');
  const fromToken = tokenRepository(sub);
  if (fromToken?.id !== undefined && repo.identity.id === undefined)
    out.push(`hint: the token carries the immutable subject repo:${fromToken.owner}@${fromToken.ownerId}/${fromToken.name}@${fromToken.id}; the repository was created, renamed or transferred since 15 July 2026 or opted in. Set github.ownerId: ${fromToken.ownerId} and id: ${fromToken.id} for ${repo.key}, with subjectFormat: immutable (or both while switching)`);
  else if (sub.startsWith(immutablePrefix) && trusted.every((c) => !c.startsWith(immutablePrefix)))
    out.push('hint: the token uses the immutable owner@id/repo@id subject (repositories created, renamed or transferred since 15 July 2026 get it); set the repository id and subjectFormat: immutable or both');
  if (/:environment:/.test(sub) && trusted.every((c) => !c.includes(':environment:')))
    out.push('hint: the job names an environment, so its subject is environment:NAME rather than the branch; trust the environment, or drop environment: from the job');
  if (/:ref:refs\/heads\//.test(sub) && trusted.every((c) => !c.includes(':ref:refs/heads/')) && trusted.some((c) => c.includes(':environment:')))
    out.push('hint: the role trusts environments only; add environment: NAME to the job');
  if (sub.endsWith(':pull_request') && trusted.every((c) => !c.endsWith(':pull_request')))
    out.push('hint: pull request jobs have the subject pull_request; only a readOnly role with trust.pullRequests accepts them');
  if (sub.includes(':job_workflow_ref:') !== trusted.some((c) => c.includes(':job_workflow_ref:')))
    out.push('hint: the subject template of the repository and the role disagree on job_workflow_ref; check the repository\'s OIDC subject customization');
  return out;
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
      role.subjects.map((s) => s.description).join('; '),
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
      out.push(`${recycled} of ${report.roles.length} roles trust repositories by name only: a repository that later takes the name inherits the access; set ids for immutable subjects`);
    out.push('');
  }
  return out.join('\n');
}

/** Verdicts for a token, as text. */
export function renderTokenVerdicts(claims: Partial<TokenClaims>, verdicts: readonly TokenVerdict[]): string {
  const out = [`token: sub ${JSON.stringify(claims.sub ?? null)}, aud ${JSON.stringify(claims.aud ?? '(default)')}, iss ${JSON.stringify(claims.iss ?? '(default)')}`];
  const allowed = verdicts.filter((v) => v.allowed);
  out.push(allowed.length > 0 ? `accepted by ${allowed.length} role(s):` : 'accepted by no role');
  for (const v of allowed) out.push(`  + ${v.environment}/${v.role} (${v.arn})`);
  const denied = verdicts.filter((v) => !v.allowed && v.sameRepository);
  const elsewhere = verdicts.filter((v) => !v.allowed && !v.sameRepository);
  if (denied.length > 0) out.push('refused by the roles of that repository:');
  for (const v of denied) {
    out.push(`  - ${v.environment}/${v.role}`);
    for (const r of v.reasons) out.push(`      ${r}`);
  }
  if (denied.length === 0 && allowed.length === 0)
    out.push('  no role of these environments trusts the repository of this token; check the owner and repository name in sub, or the environment you asked about');
  if (elsewhere.length > 0) out.push(`refused by ${elsewhere.length} role(s) of other repositories (use --json for their reasons)`);
  return out.join('\n');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
