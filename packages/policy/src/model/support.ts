/** What every part of the config compiler shares: the problem collector, the build context and small helpers. */
import { describeValue, formatPath, parsePathPrefix } from '../config/problems.js';
import type { AccessConfig, IssuerConfig } from '../config/access-config.js';
import type { ConfigProblem } from '../config/problems.js';
import { isGithubAudience } from '../github/issuer.js';
import type { GithubIssuer, ResolvedIssuer } from '../github/issuer.js';
import { withIssuerDefaults } from '../github/subject.js';
import type { RepositoryIdentity, SubjectFormat } from '../github/subject.js';
import type { Risk } from './types.js';

/** Collects problems so that one run reports all of them, each with its path, value and rule (`items`). */
export class Problems {
  readonly lines: string[] = [];
  readonly items: ConfigProblem[] = [];
  add(path: readonly PropertyKey[] | string, value: unknown, rule: string): void {
    const where = typeof path === 'string' ? path : formatPath(path);
    const text = `${where}: ${describeValue(value)}: ${rule}`;
    this.lines.push(text);
    this.items.push({ path: typeof path === 'string' ? parsePathPrefix(`${path}: `)?.path ?? [] : path.map((k) => (typeof k === 'number' ? k : String(k))), value, rule, text });
  }
  check(path: readonly PropertyKey[] | string, value: unknown, rule: string | undefined): boolean {
    if (rule === undefined) return true;
    this.add(path, value, rule);
    return false;
  }
}

export function toIssuer(config: IssuerConfig | undefined): GithubIssuer {
  if (config === undefined || config === 'github.com') return { kind: 'github.com' };
  if ('enterpriseSlug' in config) return { kind: 'enterprise-slug', slug: config.enterpriseSlug };
  if ('gheSubdomain' in config) return { kind: 'ghe.com', subdomain: config.gheSubdomain };
  return { kind: 'ghes', host: config.ghesHost };
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function sortedEntries<T>(record: Readonly<Record<string, T>> | undefined): [string, T][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function sortedUnique(values: readonly string[] | undefined): string[] {
  return [...new Set(values ?? [])].sort();
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Which variable names are taken, per target repository and scope, across the whole environment. */
export type VariableScopes = Map<string, Map<string, string>>;

export interface RepoContext {
  /** Whether repositories with known ids get them pinned beside sub (github.pinIds, default per issuer). */
  readonly pinIds: boolean;
  /** False when the aws, github or defaults entries have problems: trust policies are then not built. */
  readonly globalsOk: boolean;
  readonly variableScopes: VariableScopes;
  readonly config: AccessConfig;
  readonly partition: string;
  readonly resolvedIssuer: ResolvedIssuer;
  readonly providerArn: string;
  readonly audiences: readonly string[];
  readonly trustPolicyMaxChars: number;
  readonly managedPoliciesPerRole: number;
  readonly roleNamePrefix: string;
  readonly rolePath: string;
  readonly defaultDuration: number;
  readonly roleArnVariable: string;
  readonly regionVariable: string;
}

/**
 * The identity of a repository of the owner: its ids when the config knows them, whether they are pinned, and
 * its subject format (explicit, else `both` with pinned ids, `immutable` with unpinned ids, `name` without ids;
 * always `name` by default on an issuer without immutable subjects).
 */
export function identityOf(ctx: RepoContext, name: string, id: number | undefined, format: SubjectFormat | undefined): RepositoryIdentity & { readonly subjectFormat: SubjectFormat } {
  const ownerId = ctx.config.github.ownerId;
  const repository = { owner: ctx.config.github.owner, name, ...(ownerId !== undefined ? { ownerId } : {}), ...(id !== undefined ? { id } : {}), ...(format !== undefined ? { subjectFormat: format } : {}) };
  return withIssuerDefaults(repository, ctx.resolvedIssuer, ctx.pinIds);
}

/** The risk every role of the environment carries when its audiences include GitHub's default one. */
export function githubAudienceRisk(ctx: RepoContext): Risk | undefined {
  const githubAudience = ctx.audiences.find((aud) => isGithubAudience(aud, toIssuer(ctx.config.github.issuer)));
  return githubAudience === undefined ? undefined : {
    kind: 'github-audience',
    detail: `tokens with GitHub's default audience ${githubAudience} are accepted: any service that receives a token a workflow requested without an audience can replay it here`,
  };
}
