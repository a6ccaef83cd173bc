/**
 * What a role's trust policy requires beside `sub` and `aud`, read from the document IAM holds: the GitHub
 * claims STS checks at assume time (ids pinned, a ref required, a reusable workflow pinned) in plain words,
 * per statement, and the organization-wide form ("every repository of OWNER (id N) running WORKFLOW@REF").
 * Reading the document rather than the config means the report cannot describe a policy other than the one
 * the evaluator decides on and Terraform writes.
 */
import { GITHUB_CLAIM_KEYS, type PolicyDocument } from '../iam/trust-policy.js';

/** A condition of a trust statement on a GitHub claim other than `sub` and `aud`. */
export interface TrustCondition {
  /** The claim: `repository_id`, `repository_owner_id`, `ref`, `job_workflow_ref`, … */
  readonly claim: string;
  /** The operator as written: `StringEquals`, `StringLike`, … */
  readonly operator: string;
  /** The values as written, sorted. */
  readonly values: readonly string[];
}

/** One Allow statement of a role's trust policy, as a reviewer reads it. */
export interface TrustStatementTerms {
  /** The statement's Sid, or `#N` by position. */
  readonly statement: string;
  /** The `sub` values it accepts, sorted. */
  readonly subjects: readonly string[];
  /** Whether those values are patterns (`StringLike`). */
  readonly subjectPatterns: boolean;
  /** Its conditions on the other GitHub claims, by claim. */
  readonly conditions: readonly TrustCondition[];
  /**
   * Those conditions in plain words: `ids pinned (repository 456789, owner 123456)`, `ref refs/heads/main
   * required`; for an organization-wide statement, those its `organizationWide` phrase does not name.
   */
  readonly requires: readonly string[];
  /** For a statement whose `sub` is `repo:OWNER/*`: who it lets in, as one phrase. */
  readonly organizationWide?: string;
}

const OTHER_CLAIMS: ReadonlySet<string> = new Set(GITHUB_CLAIM_KEYS);

/** The Allow statements of a trust policy with their GitHub conditions, for the keys of this issuer prefix. */
export function trustStatementTerms(policy: PolicyDocument, conditionKeyPrefix: string): TrustStatementTerms[] {
  const lead = `${conditionKeyPrefix}:`.toLowerCase();
  const out: TrustStatementTerms[] = [];
  policy.Statement.forEach((statement, index) => {
    if (statement.Effect !== 'Allow') return;
    const subjects: string[] = [];
    let subjectPatterns = false;
    const conditions: TrustCondition[] = [];
    for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
      for (const [key, raw] of Object.entries(block)) {
        if (!key.toLowerCase().startsWith(lead)) continue;
        const claim = key.slice(lead.length).toLowerCase();
        const values = (Array.isArray(raw) ? [...raw] : [String(raw)]).sort();
        if (claim === 'sub') {
          subjects.push(...values);
          subjectPatterns ||= operator === 'StringLike';
        } else if (OTHER_CLAIMS.has(claim)) conditions.push({ claim, operator, values });
      }
    }
    conditions.sort((a, b) => (a.claim < b.claim ? -1 : a.claim > b.claim ? 1 : 0));
    subjects.sort();
    const wide = organizationWide(subjects, subjectPatterns, conditions);
    // The organization-wide phrase names the owner id and the workflow already.
    const rest = wide === undefined ? conditions : conditions.filter((c) => c.claim !== 'repository_owner_id' && c.claim !== 'job_workflow_ref');
    out.push({
      statement: statement.Sid ?? `#${index + 1}`,
      subjects,
      subjectPatterns,
      conditions,
      requires: requirements(rest),
      ...(wide !== undefined ? { organizationWide: wide } : {}),
    });
  });
  return out;
}

function values(c: TrustCondition): string {
  return c.values.join(' or ');
}

/** One condition in plain words, with the operator spelled out when it is not StringEquals. */
function phrase(c: TrustCondition, noun: string, verb: string): string {
  switch (c.operator) {
    case 'StringEquals':
      return `${noun} ${values(c)} ${verb}`;
    case 'StringLike':
      return `${noun} matching ${values(c)} ${verb}`;
    default:
      return `${noun} ${c.operator} ${values(c)} ${verb}`;
  }
}

const NOUNS: Readonly<Record<string, readonly [string, string]>> = {
  ref: ['ref', 'required'],
  job_workflow_ref: ['workflow', 'pinned'],
  environment: ['environment', 'required'],
  workflow: ['workflow name', 'required'],
  repository: ['repository', 'required'],
  actor: ['actor', 'required'],
  actor_id: ['actor id', 'required'],
  enterprise_id: ['enterprise id', 'required'],
};

/** The conditions in plain words, ids first (as one phrase when both are pinned exactly). */
export function requirements(conditions: readonly TrustCondition[]): string[] {
  const out: string[] = [];
  const repo = conditions.find((c) => c.claim === 'repository_id');
  const owner = conditions.find((c) => c.claim === 'repository_owner_id');
  if (repo?.operator === 'StringEquals' && owner?.operator === 'StringEquals') {
    out.push(`ids pinned (repository ${values(repo)}, owner ${values(owner)})`);
  } else {
    if (repo) out.push(phrase(repo, 'repository id', 'pinned'));
    if (owner) out.push(phrase(owner, 'owner id', 'pinned'));
  }
  for (const c of conditions) {
    if (c.claim === 'repository_id' || c.claim === 'repository_owner_id') continue;
    const [noun, verb] = NOUNS[c.claim] ?? [c.claim, 'required'];
    out.push(phrase(c, noun, verb));
  }
  return out;
}

/** `every repository of octo-org (id 123456) running W@REF` for a statement whose sub is `repo:OWNER/*`. */
function organizationWide(subjects: readonly string[], patterns: boolean, conditions: readonly TrustCondition[]): string | undefined {
  if (!patterns || subjects.length === 0) return undefined;
  const owners = subjects.map((s) => /^repo:([^/:@*]+)(?:@[0-9]+)?\/\*$/.exec(s)?.[1]);
  if (owners.some((o) => o === undefined)) return undefined;
  const owner = [...new Set(owners)].join(' or ');
  const ownerId = conditions.find((c) => c.claim === 'repository_owner_id');
  const workflow = conditions.find((c) => c.claim === 'job_workflow_ref');
  const id = ownerId === undefined ? ' (owner id not pinned)' : ownerId.operator === 'StringEquals' ? ` (id ${values(ownerId)})` : ` (owner id matching ${values(ownerId)})`;
  const running =
    workflow === undefined
      ? ', any workflow'
      : workflow.operator === 'StringEquals'
        ? ` running ${values(workflow)}`
        : ` running a workflow matching ${values(workflow)}`;
  return `every repository of ${owner}${id}${running}`;
}
