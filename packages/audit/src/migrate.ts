/**
 * `keyless migrate --from-audit`: drafts access-config entries from an audit. One role per repository whose
 * workflows use a key, holding the permissions of the key's user (AWS and customer managed policies by ARN,
 * inline policies copied), trusted for the branches, tags and environments its key-using jobs run from. Every
 * guess and every broad permission carries a `# review:` comment. The draft is validated with
 * @keyless/policy's buildAccessModel, the same check synthesis runs, before it is printed.
 */
import { createHash } from 'node:crypto';
import { Document, isMap, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import { analyzePolicy, buildAccessModel, checkRepositoryName, checkRoleName, loadConfigText, loadYaml, parseAccessConfig, type AccessConfig } from '@keyless/policy';
import { AuditInputError, cmp, isRecord, sortedUnique, type Obj } from './errors.js';
import { accountOf } from './iam.js';
import type { AuditReport, PolicyReport, UserReport, WorkflowReport } from './audit.js';
import type { JobScan } from './workflows.js';

export interface MigrateOptions {
  /** Only repositories of this owner; it is the config's github.owner. */
  readonly owner: string;
  /** An existing access config: its environment, account, region and owner are used, and the draft must fit in it. */
  readonly config?: { readonly text: string; readonly source: string };
  /** @default 'dev' (without a config) */
  readonly environment?: string;
  /** @default - the account of the audit's ARNs */
  readonly accountId?: string;
  /** @default 'us-east-1' (without a config) */
  readonly region?: string;
  /** The role key of each drafted role. @default 'deploy' */
  readonly roleKey?: string;
}

export interface MigrateResult {
  /** The YAML to review: a whole config, or (with `config`) the repositories entries to add to it. */
  readonly yaml: string;
  /** Repositories drafted, as `OWNER/REPO`. */
  readonly repositories: readonly string[];
  /** Notes for the person running it (repositories skipped and why). */
  readonly notes: readonly string[];
}

const AWS_MANAGED = /^arn:[a-z-]+:iam::aws:policy\//;
const MANAGED_ARN = /^arn:[a-z-]+:iam::(aws|[0-9]{12}):policy\//;

/** Reads an audit JSON document back; throws AuditInputError naming what is missing. */
export function parseAuditJson(input: unknown, source: string): AuditReport {
  if (!isRecord(input) || !Array.isArray(input['roles']) || !Array.isArray(input['users']) || !Array.isArray(input['workflows'])) {
    throw new AuditInputError(source, 'not a keyless audit document: expected roles, users and workflows lists (keyless audit --json)');
  }
  input['users'].forEach((u, i) => {
    if (!isRecord(u) || typeof u['name'] !== 'string' || typeof u['arn'] !== 'string' || !Array.isArray(u['policies']) || !Array.isArray(u['usedBy']))
      throw new AuditInputError(source, `users[${i}]: expected name, arn, policies and usedBy`);
    u['policies'].forEach((p, j) => {
      if (!isRecord(p) || (p['kind'] !== 'managed' && p['kind'] !== 'inline') || typeof p['name'] !== 'string')
        throw new AuditInputError(source, `users[${i}] (${u['name']}).policies[${j}]: expected kind managed or inline and a name`);
      if (p['kind'] === 'managed' && typeof p['arn'] !== 'string') throw new AuditInputError(source, `users[${i}] (${u['name']}).policies[${j}]: a managed policy needs its arn`);
      if (p['kind'] === 'inline' && !isRecord(p['document'])) throw new AuditInputError(source, `users[${i}] (${u['name']}).policies[${j}]: an inline policy needs its document`);
    });
  });
  input['workflows'].forEach((w, i) => {
    if (!isRecord(w) || typeof w['repository'] !== 'string' || typeof w['file'] !== 'string' || !Array.isArray(w['jobs']) || !Array.isArray(w['secrets']))
      throw new AuditInputError(source, `workflows[${i}]: expected repository, file, jobs and secrets`);
    w['jobs'].forEach((j, k) => {
      if (!isRecord(j) || typeof j['id'] !== 'string' || !isRecord(j['triggers'])) throw new AuditInputError(source, `workflows[${i}] (${w['file']}).jobs[${k}]: expected id and triggers`);
    });
  });
  return input as unknown as AuditReport;
}

/** GitHub filter syntax to keyless' patterns: `**` becomes `*`; other glob syntax has no keyless form. */
function refPattern(filter: string): { exact?: string; pattern?: string; problem?: string } {
  if (/^\*+$/.test(filter)) return { problem: 'every one' };
  if (/[?[\]!+]/.test(filter)) return { problem: `the filter ${JSON.stringify(filter)} uses glob syntax keyless has no form for` };
  if (!filter.includes('*')) return { exact: filter };
  return { pattern: filter.replace(/\*\*+/g, '*') };
}

interface Draft {
  readonly key: string;
  readonly role: Obj;
  readonly comments: Map<string, string[]>;
  /** GitHub environments the role trusts, declared so keyless can show which branches reach them. */
  readonly environments: Record<string, Obj>;
}

function inlineName(policy: PolicyReport, user: string): string {
  const via = policy.via === 'user' ? user : policy.via.replace(/^group:/, 'group-');
  return `${via}-${policy.name}`.replace(/[^A-Za-z0-9+=,.@_-]/g, '-').slice(0, 128);
}

function draftRepository(repository: string, workflows: readonly WorkflowReport[], users: readonly UserReport[], roleName: string | undefined): Draft {
  const comments = new Map<string, string[]>();
  const note = (path: string, text: string): void => {
    comments.set(path, [...(comments.get(path) ?? []), text]);
  };
  const jobs: { job: JobScan; file: string }[] = workflows.flatMap((w) => w.jobs.filter((j) => j.usesAccessKeys).map((job) => ({ job, file: w.file })));
  const branches = new Set<string>();
  const branchPatterns = new Set<string>();
  const tags = new Set<string>();
  const tagPatterns = new Set<string>();
  const environments = new Set<string>();
  const deploymentBranches = new Map<string, Set<string>>();
  for (const { job, file } of jobs) {
    const where = `${file} job ${job.id}`;
    if (job.environment !== null) {
      if (job.environment.includes('${{')) note('trust', `review: ${where} picks its environment with an expression (${job.environment}); list the environments it deploys to`);
      else {
        environments.add(job.environment);
        // The branches the job runs from become the environment's deployment branch policy.
        const set = deploymentBranches.get(job.environment) ?? new Set<string>();
        for (const b of job.triggers.branches) {
          const r = refPattern(b);
          if (r.exact) set.add(r.exact);
          else if (r.pattern) set.add(r.pattern);
        }
        deploymentBranches.set(job.environment, set);
      }
      continue;
    }
    for (const b of job.triggers.branches) {
      const r = refPattern(b);
      if (r.exact) branches.add(r.exact);
      else if (r.pattern) branchPatterns.add(r.pattern);
      else note('trust', `review: ${where} runs on pushes to ${r.problem === 'every one' ? 'any branch' : 'branches'} (${r.problem}); only the branches listed here are trusted`);
    }
    for (const t of job.triggers.tags) {
      const r = refPattern(t);
      if (r.exact) tags.add(r.exact);
      else if (r.pattern) tagPatterns.add(r.pattern);
      else note('trust', `review: ${where} runs on pushes of ${r.problem === 'every one' ? 'any tag' : 'tags'} (${r.problem}); give a prefix such as v* in tagPatterns`);
    }
    if (job.triggers.pullRequest)
      note('trust', `review: ${where} runs on pull requests with the key; a role that can write must not trust pull requests, so give those jobs a separate readOnly role`);
    const defaultBranch = job.triggers.events.filter((e) => ['schedule', 'workflow_dispatch', 'workflow_run', 'repository_dispatch'].includes(e));
    if (defaultBranch.length > 0) {
      branches.add('main');
      note('trust', `review: ${where} runs on ${defaultBranch.join(', ')}, which runs from the default branch (or a branch chosen by hand); main is assumed`);
    }
    if (job.triggers.events.includes('workflow_call')) note('trust', `review: ${where} is a reusable workflow; the callers' triggers decide which refs need the role`);
  }
  if (branches.size + branchPatterns.size + tags.size + tagPatterns.size + environments.size === 0) {
    branches.add('main');
    note('trust', 'review: no trigger of the key-using jobs named a branch, tag or environment keyless can trust; main is a placeholder');
  }
  const trust: Obj = {};
  if (branches.size > 0) trust['branches'] = sortedUnique(branches);
  if (branchPatterns.size > 0) trust['branchPatterns'] = sortedUnique(branchPatterns);
  if (tags.size > 0) trust['tags'] = sortedUnique(tags);
  if (tagPatterns.size > 0) trust['tagPatterns'] = sortedUnique(tagPatterns);
  if (environments.size > 0) trust['environments'] = sortedUnique(environments);

  const role: Obj = {};
  if (roleName) role['name'] = roleName;
  role['description'] = `Replaces the access key of ${users.length > 0 ? users.map((u) => u.name).join(', ') : 'an unidentified IAM user'} (keyless migrate)`.slice(0, 1000);
  role['trust'] = trust;
  const managed: string[] = [];
  const inline: Record<string, Obj> = {};
  let admin = false;
  for (const user of users) {
    for (const p of user.policies) {
      const flag = p.adminEquivalent ? 'ADMINISTRATOR-EQUIVALENT' : p.broad ? 'broad' : '';
      if (p.kind === 'managed' && p.arn !== undefined) {
        if (!MANAGED_ARN.test(p.arn)) continue;
        if (!managed.includes(p.arn)) managed.push(p.arn);
        // keyless analyses AWS managed policies (not customer managed ones) and asks for the opt-in when one is admin.
        if (p.adminEquivalent && AWS_MANAGED.test(p.arn)) admin = true;
        if (flag) note(`managed:${p.arn}`, `review: ${flag} (${p.reason}); from user ${user.name}${p.via === 'user' ? '' : ` through ${p.via}`}: narrow it to what the workflows do`);
      } else if (p.kind === 'inline' && p.document) {
        const name = inlineName(p, user.name);
        inline[name] = p.document;
        if (analyzePolicy(p.document).admin.length > 0) admin = true;
        if (flag) note(`inline:${name}`, `review: ${flag} (${p.reason}): narrow it to what the workflows do`);
        if (JSON.stringify(p.document).includes('${aws:username}'))
          note(`inline:${name}`, 'review: uses ${aws:username}, which a role session does not have; write the user name it stood for');
      }
    }
  }
  managed.sort(cmp);
  if (managed.length > 10) {
    note('managedPolicyArns', `review: the users held ${managed.length} managed policies and a role takes 10 by default; left out: ${managed.slice(10).join(', ')}`);
    managed.length = 10;
  }
  if (managed.length > 0) role['managedPolicyArns'] = managed;
  if (Object.keys(inline).length > 0) role['inlinePolicies'] = Object.fromEntries(Object.entries(inline).sort(([a], [b]) => cmp(a, b)));
  if (admin) {
    role['dangerouslyAllowAdministratorAccess'] = true;
    note('dangerouslyAllowAdministratorAccess', 'review: the key had administrator access and so does this draft; replace it with the permissions the workflows need, then remove this opt-in');
  }
  const untied = sortedUnique(workflows.flatMap((w) => w.secrets.filter((s) => s.user === null).map((s) => s.name)));
  if (untied.length > 0)
    note('description', `review: the secrets ${untied.join(', ')} could not be tied to an IAM user, so their permissions are not in this draft; find the user (aws sts get-caller-identity in the job) and add its policies`);
  note('description', `from ${workflows.map((w) => w.file).join(', ')}`);
  const envs: Record<string, Obj> = {};
  for (const name of sortedUnique(environments)) {
    const branchesOf = sortedUnique(deploymentBranches.get(name) ?? []);
    envs[name] = { deploymentBranches: branchesOf.length > 0 ? branchesOf : 'protected' };
    note(`environment:${name}`, `review: keyless manages the GitHub environment ${name} from now on: copy its required reviewers (gh api repos/${repository}/environments/${name}) or it loses them; deployment branches ${branchesOf.length > 0 ? 'from the workflows\' push branches' : 'are the protected ones (no push branch was found)'}`);
  }
  return { key: repository.split('/')[1] as string, role, comments, environments: envs };
}

function commentPair(map: YAMLMap, key: string, lines: readonly string[]): void {
  const pair = (map.items as Pair[]).find((p) => isScalar(p.key) && p.key.value === key);
  if (pair && isScalar(pair.key)) pair.key.commentBefore = lines.map((l) => ` ${l}`).join('\n');
}

function defaultRoleName(prefix: string, repo: string, roleKey: string): string | undefined {
  const name = `${prefix}${repo}-${roleKey}`;
  if (!checkRoleName(name)) return undefined;
  const hash = createHash('sha256').update(repo).digest('hex').slice(0, 6);
  return `${prefix}${repo.slice(0, Math.max(1, 64 - prefix.length - roleKey.length - 8))}-${hash}-${roleKey}`.slice(0, 64);
}

/** Drafts the entries; throws AuditInputError for bad options and ConfigError when the draft would not synthesize. */
export function draftConfig(report: AuditReport, options: MigrateOptions): MigrateResult {
  const roleKey = options.roleKey ?? 'deploy';
  const notes: string[] = [];
  let base: AccessConfig | undefined;
  if (options.config) base = loadConfigText(options.config.text, options.config.source, { kind: 'access' }).config;
  const owner = options.owner;
  if (base && base.github.owner.toLowerCase() !== owner.toLowerCase())
    throw new AuditInputError('--owner', `${owner} is not the owner of ${options.config?.source} (github.owner ${base.github.owner})`);
  const environment = base?.environment ?? options.environment ?? 'dev';
  const accounts = sortedUnique([...report.users.map((u) => u.arn), ...report.roles.map((r) => r.arn)].flatMap((a) => accountOf(a) ?? []));
  const accountId = base?.aws.accountId ?? options.accountId ?? accounts[0];
  if (accountId === undefined) throw new AuditInputError('--account-id', 'the audit names no account (no user or role ARN); pass --account-id');
  if (!base && options.accountId === undefined && accounts.length > 1)
    throw new AuditInputError('--account-id', `the audit spans several accounts (${accounts.join(', ')}); pass --account-id`);
  const region = base?.aws.region ?? options.region ?? 'us-east-1';
  const prefix = base?.defaults?.roleNamePrefix ?? `gha-${environment}-`;

  const byRepo = new Map<string, WorkflowReport[]>();
  for (const w of report.workflows) {
    if (!w.usesAccessKeys) continue;
    const [o] = w.repository.split('/');
    if (o?.toLowerCase() !== owner.toLowerCase()) continue;
    byRepo.set(w.repository, [...(byRepo.get(w.repository) ?? []), w]);
  }
  const others = sortedUnique(report.workflows.filter((w) => w.usesAccessKeys && w.repository.split('/')[0]?.toLowerCase() !== owner.toLowerCase()).map((w) => w.repository));
  if (others.length > 0) notes.push(`skipped repositories of other owners: ${others.join(', ')} (run again with their --owner)`);

  const drafts: Draft[] = [];
  for (const [repository, workflows] of [...byRepo].sort(([a], [b]) => cmp(a, b))) {
    const key = repository.split('/')[1] as string;
    if (checkRepositoryName(key)) {
      notes.push(`skipped ${repository}: ${checkRepositoryName(key)}`);
      continue;
    }
    if (base && Object.keys(base.repositories).some((k) => k.toLowerCase() === key.toLowerCase())) {
      notes.push(`skipped ${repository}: it is in ${options.config?.source} already; add a role to it by hand`);
      continue;
    }
    workflows.sort((a, b) => cmp(a.file, b.file));
    const refs = new Set(workflows.map((w) => `${w.repository}:${w.file}`));
    const users = report.users.filter((u) => u.usedBy.some((r) => refs.has(r))).sort((a, b) => cmp(a.name, b.name));
    drafts.push(draftRepository(repository, workflows, users, defaultRoleName(prefix, key, roleKey)));
  }

  const repositories: Obj = {};
  for (const d of drafts) repositories[d.key] = { ...(Object.keys(d.environments).length > 0 ? { environments: d.environments } : {}), roles: { [roleKey]: d.role } };
  const full: Obj = base
    ? { ...(base as unknown as Obj), repositories: { ...base.repositories, ...repositories } }
    : { environment, aws: { accountId, region }, github: { owner }, repositories };
  // YAML 1.1 output quotes every string a YAML 1.1 reader (js-yaml, which keyless uses) would take for a date,
  // a boolean or a number, such as a policy's Version 2012-10-17.
  const doc = new Document(base ? { repositories } : full, { version: '1.1' });
  const header = [
    ` Drafted by keyless migrate${drafts.length === 0 ? ': no repository of this owner uses an access key' : ''}.`,
    ' Review every "review:" comment before you apply it; then switch the workflows (keyless migrate-workflow).',
    ...(base ? [` Add these entries under repositories: in ${options.config?.source}.`] : [' environment, aws.region and github.ownerId: check them (ids make the subjects immutable).']),
  ];
  doc.commentBefore = header.join('\n');
  const reposNode = doc.getIn(['repositories'], true);
  for (const d of drafts) {
    const roleNode = doc.getIn(['repositories', d.key, 'roles', roleKey], true);
    if (!isMap(roleNode)) continue;
    for (const [path, lines] of d.comments) {
      if (path.startsWith('environment:')) {
        const envMap = doc.getIn(['repositories', d.key, 'environments'], true);
        if (isMap(envMap)) commentPair(envMap, path.slice(12), lines);
        const branches = doc.getIn(['repositories', d.key, 'environments', path.slice(12), 'deploymentBranches'], true);
        if (isSeq(branches)) branches.flow = true;
      } else if (path.startsWith('managed:')) {
        const seq = roleNode.get('managedPolicyArns', true);
        const arn = path.slice(8);
        const item = isMap(seq) ? undefined : (seq as { items?: unknown[] } | undefined)?.items?.find((i) => isScalar(i) && i.value === arn);
        if (isScalar(item)) item.commentBefore = lines.map((l) => ` ${l}`).join('\n');
      } else if (path.startsWith('inline:')) {
        const inlineMap = roleNode.get('inlinePolicies', true);
        if (isMap(inlineMap)) commentPair(inlineMap, path.slice(7), lines);
      } else commentPair(roleNode, path, lines);
    }
    const trustNode = roleNode.get('trust', true);
    if (isMap(trustNode)) for (const item of trustNode.items as Pair[]) if (isSeq(item.value)) item.value.flow = true;
  }
  if (isMap(reposNode)) (reposNode.items as Pair[]).forEach((p, i) => {
    if (isScalar(p.key) && i > 0) p.key.spaceBefore = true;
  });
  const yaml = doc.toString({ lineWidth: 0, flowCollectionPadding: false });

  // Validate exactly what synthesis will read: the emitted text, parsed the way keyless parses configs.
  if (drafts.length > 0) {
    const source = 'keyless migrate draft';
    if (base) {
      const added = loadYaml(yaml, source) as { repositories: Obj };
      buildAccessModel(parseAccessConfig({ ...(base as unknown as Obj), repositories: { ...base.repositories, ...added.repositories } }, source), source);
    } else loadConfigText(yaml, source, { kind: 'access' });
  }
  return { yaml, repositories: drafts.map((d) => `${owner}/${d.key}`), notes };
}
