/**
 * Live mode: the same inputs as the files, read from the APIs. Read-only throughout.
 *
 * - AWS IAM (SDK v3): GetAccountAuthorizationDetails, every page; GenerateCredentialReport until it is
 *   complete, then GetCredentialReport. The SDK retries throttling and server errors itself.
 * - GitHub (Octokit): the organisation's repositories, the secret names of the organisation and of each
 *   repository, and each repository's `.github/workflows/*` and `.github/actions/*\/action.yml` from its default
 *   branch. Rate limits are waited out (403/429 with `retry-after`, or `x-ratelimit-remaining: 0` until
 *   `x-ratelimit-reset`), server errors retried with backoff; progress goes to stderr.
 */
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  paginateGetAccountAuthorizationDetails,
} from '@aws-sdk/client-iam';
import { Octokit } from '@octokit/rest';
import { cmp } from './errors.js';
import { parseAuthorizationDetails, type IamInventory } from './iam.js';
import { parseCredentialReportCsv, type CredentialReport } from './credential-report.js';
import type { RepositoryFiles, SourceFile } from './workflows.js';
import type { SecretInventoryEntry } from './render.js';

/** A live read that failed; the CLI prints the message and exits with 2. */
export class LiveReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveReadError';
  }
}

export interface LiveHooks {
  /** One line of progress, without the newline. */
  readonly progress?: (line: string) => void;
  /** Waits; tests pass one that records the wait instead. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch, for `x-ratelimit-reset`. */
  readonly now?: () => number;
}

export interface AwsLiveOptions extends LiveHooks {
  /** @default - the SDK's endpoint for IAM (or AWS_ENDPOINT_URL_IAM) */
  readonly endpoint?: string;
  /** @default 'us-east-1' (IAM is global) */
  readonly region?: string;
  /** @default - the SDK's default credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** How long to wait between polls of GenerateCredentialReport. @default 2000 */
  readonly reportPollMs?: number;
  /** @default 5 */
  readonly maxAttempts?: number;
  /** Also generate and read the credential report. @default true */
  readonly credentialReport?: boolean;
}

export interface AwsLiveData {
  readonly iam: IamInventory;
  /** Undefined when not asked for. */
  readonly credentialReport?: CredentialReport;
}

const SOURCE_IAM = 'aws iam get-account-authorization-details (live)';
const SOURCE_REPORT = 'aws iam get-credential-report (live)';

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function describeAwsError(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
}

/** Reads the IAM side of the account. */
export async function collectAws(options: AwsLiveOptions = {}): Promise<AwsLiveData> {
  const progress = options.progress ?? (() => {});
  const sleep = options.sleep ?? realSleep;
  const client = new IAMClient({
    region: options.region ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? 5,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  try {
    const merged = { UserDetailList: [] as unknown[], GroupDetailList: [] as unknown[], RoleDetailList: [] as unknown[], Policies: [] as unknown[] };
    let pages = 0;
    progress('aws: reading IAM authorization details');
    for await (const page of paginateGetAccountAuthorizationDetails({ client }, {})) {
      pages += 1;
      merged.UserDetailList.push(...(page.UserDetailList ?? []));
      merged.GroupDetailList.push(...(page.GroupDetailList ?? []));
      merged.RoleDetailList.push(...(page.RoleDetailList ?? []));
      merged.Policies.push(...(page.Policies ?? []));
      progress(`aws: page ${pages}: ${merged.UserDetailList.length} users, ${merged.GroupDetailList.length} groups, ${merged.RoleDetailList.length} roles, ${merged.Policies.length} policies so far`);
    }
    const iam = parseAuthorizationDetails(merged, SOURCE_IAM);
    if (options.credentialReport === false) return { iam };

    progress('aws: generating the credential report');
    for (let poll = 0; ; poll++) {
      const generated = await client.send(new GenerateCredentialReportCommand({}));
      if (generated.State === 'COMPLETE') break;
      if (poll >= 30) throw new LiveReadError(`${SOURCE_REPORT}: the credential report was still ${generated.State ?? 'not ready'} after ${poll + 1} polls`);
      await sleep(options.reportPollMs ?? 2000);
    }
    const report = await client.send(new GetCredentialReportCommand({}));
    if (!report.Content) throw new LiveReadError(`${SOURCE_REPORT}: the response has no Content`);
    const csv = new TextDecoder().decode(report.Content);
    const credentialReport = parseCredentialReportCsv(csv, SOURCE_REPORT, report.GeneratedTime?.toISOString());
    progress(`aws: credential report of ${credentialReport.rows.length} principals`);
    return { iam, credentialReport };
  } catch (error) {
    if (error instanceof LiveReadError || (error as Error).name === 'AuditInputError') throw error;
    throw new LiveReadError(`aws: ${describeAwsError(error)}`);
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------
// GitHub

export interface GithubLiveOptions extends LiveHooks {
  readonly org: string;
  /** @default 'https://api.github.com' */
  readonly baseUrl?: string;
  /** A token that may read the organisation's repositories, contents and secret names. */
  readonly token?: string;
  /** Requests at a time. @default 4 */
  readonly concurrency?: number;
  /** @default 6 */
  readonly maxAttempts?: number;
  /** The longest rate-limit wait the run accepts before giving up. @default 3_600_000 (one hour) */
  readonly maxWaitMs?: number;
}

export interface GithubLiveData {
  readonly repositories: RepositoryFiles[];
  readonly secretInventory: SecretInventoryEntry[];
}

type Headers = Record<string, string | number | undefined>;

/**
 * How long to wait before retrying a failed GitHub request, or undefined to give up: `retry-after` first, then
 * the primary rate limit's reset time, a minute for a secondary limit without headers, and exponential
 * backoff for server and network errors.
 */
export function githubRetryDelay(status: number | undefined, headers: Headers, attempt: number, now: number, message = ''): number | undefined {
  const retryAfter = Number(headers['retry-after']);
  if ((status === 403 || status === 429) && Number.isFinite(retryAfter) && headers['retry-after'] !== undefined) return Math.max(0, retryAfter) * 1000;
  if ((status === 403 || status === 429) && String(headers['x-ratelimit-remaining']) === '0' && headers['x-ratelimit-reset'] !== undefined) {
    return Math.max(0, Number(headers['x-ratelimit-reset']) * 1000 - now) + 1000;
  }
  if (status === 429 || (status === 403 && /secondary rate limit|abuse/i.test(message))) return 60_000;
  if (status === undefined || status >= 500) return 1000 * 2 ** (attempt - 1);
  return undefined;
}

/** An Octokit with waiting and retrying around every request. */
export function githubClient(options: Omit<GithubLiveOptions, 'org'>): Octokit {
  const progress = options.progress ?? (() => {});
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const maxAttempts = options.maxAttempts ?? 6;
  const maxWaitMs = options.maxWaitMs ?? 3_600_000;
  const octokit = new Octokit({
    ...(options.token ? { auth: options.token } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    userAgent: 'keyless-audit',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => progress(`github: ${m}`), error: () => {} },
  });
  octokit.hook.wrap('request', async (request, requestOptions) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(requestOptions);
      } catch (error) {
        const e = error as { status?: number; message?: string; response?: { headers?: Headers } };
        const status = typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
        const wait = githubRetryDelay(status, e.response?.headers ?? {}, attempt, now(), e.message);
        if (wait === undefined || attempt >= maxAttempts) throw error;
        if (wait > maxWaitMs) throw new LiveReadError(`github: rate limited; the limit resets in ${Math.ceil(wait / 60000)} minutes, longer than the ${Math.ceil(maxWaitMs / 60000)} this run waits`);
        const route = `${String(requestOptions.method)} ${String(requestOptions.url)}`;
        progress(`github: ${status ?? 'network error'} on ${route}; retrying in ${Math.ceil(wait / 1000)} s (attempt ${attempt + 1} of ${maxAttempts})`);
        await sleep(wait);
      }
    }
  });
  return octokit;
}

async function pool<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(size, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return results;
}

function statusOf(error: unknown): number | undefined {
  const s = (error as { status?: unknown }).status;
  return typeof s === 'number' ? s : undefined;
}

/** Reads the organisation's repositories, their workflows and local actions, and the secret names. */
export async function collectGithub(options: GithubLiveOptions): Promise<GithubLiveData> {
  const progress = options.progress ?? (() => {});
  const octokit = githubClient(options);
  const org = options.org;
  const fail = (what: string, error: unknown): never => {
    if (error instanceof LiveReadError) throw error;
    throw new LiveReadError(`github: ${what}: ${statusOf(error) ?? ''} ${(error as Error).message}`.replace(/: +/g, ': '));
  };

  progress(`github: listing the repositories of ${org}`);
  let repos: { full_name: string; name: string; owner: { login: string }; archived?: boolean }[];
  try {
    repos = await octokit.paginate(octokit.rest.repos.listForOrg, { org, per_page: 100, type: 'all' });
  } catch (error) {
    return fail(`listing the repositories of ${org}`, error);
  }
  const active = repos.filter((r) => !r.archived).sort((a, b) => cmp(a.full_name, b.full_name));
  progress(`github: ${active.length} repositories (${repos.length - active.length} archived ones skipped)`);

  const secretInventory: SecretInventoryEntry[] = [];
  try {
    const orgSecrets = await octokit.paginate(octokit.rest.actions.listOrgSecrets, { org, per_page: 100 });
    for (const s of orgSecrets) secretInventory.push({ name: s.name, scope: 'organization' });
  } catch (error) {
    const status = statusOf(error);
    if (status !== 403 && status !== 404) return fail(`listing the secrets of ${org}`, error);
    progress(`github: cannot list the organisation's secrets (HTTP ${status}); the token needs admin:org or the Secrets organisation permission`);
  }

  const listDir = async (owner: string, repo: string, path: string): Promise<{ name: string; path: string; type: string }[]> => {
    try {
      const { data } = await octokit.rest.repos.getContent({ owner, repo, path });
      return Array.isArray(data) ? data.map((d) => ({ name: d.name, path: d.path, type: d.type })) : [];
    } catch (error) {
      if (statusOf(error) === 404) return [];
      return fail(`reading ${owner}/${repo}/${path}`, error);
    }
  };
  const readFile = async (owner: string, repo: string, path: string): Promise<string | undefined> => {
    try {
      const { data } = await octokit.rest.repos.getContent({ owner, repo, path });
      if (Array.isArray(data) || data.type !== 'file' || typeof (data as { content?: unknown }).content !== 'string') return undefined;
      return Buffer.from((data as { content: string }).content, 'base64').toString('utf8');
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      return fail(`reading ${owner}/${repo}/${path}`, error);
    }
  };

  let done = 0;
  let repoSecretsRefused = false;
  const repositories = await pool(active, options.concurrency ?? 4, async (r): Promise<RepositoryFiles> => {
    const owner = r.owner.login;
    const repo = r.name;
    try {
      const secrets = await octokit.paginate(octokit.rest.actions.listRepoSecrets, { owner, repo, per_page: 100 });
      for (const s of secrets) secretInventory.push({ name: s.name, scope: r.full_name });
    } catch (error) {
      const status = statusOf(error);
      if (status !== 403 && status !== 404) return fail(`listing the secrets of ${r.full_name}`, error);
      if (!repoSecretsRefused) progress(`github: cannot list the secrets of ${r.full_name} (HTTP ${status}); the token needs the Secrets permission (read) to list them, the audit goes on without`);
      repoSecretsRefused = true;
    }
    const workflows: SourceFile[] = [];
    for (const entry of (await listDir(owner, repo, '.github/workflows')).sort((a, b) => cmp(a.name, b.name))) {
      if (entry.type !== 'file' || !/\.ya?ml$/.test(entry.name)) continue;
      const text = await readFile(owner, repo, entry.path);
      if (text !== undefined) workflows.push({ path: `.github/workflows/${entry.name}`, text });
    }
    const actions: SourceFile[] = [];
    for (const dir of (await listDir(owner, repo, '.github/actions')).sort((a, b) => cmp(a.name, b.name))) {
      if (dir.type !== 'dir') continue;
      for (const file of ['action.yml', 'action.yaml']) {
        const text = await readFile(owner, repo, `.github/actions/${dir.name}/${file}`);
        if (text !== undefined) {
          actions.push({ path: `.github/actions/${dir.name}/${file}`, text });
          break;
        }
      }
    }
    done += 1;
    if (done % 10 === 0 || done === active.length) progress(`github: ${done}/${active.length} repositories read`);
    return { repository: r.full_name, workflows, actions };
  });
  secretInventory.sort((a, b) => cmp(a.scope, b.scope) || cmp(a.name, b.name));
  return { repositories: repositories.filter((r) => r.workflows.length > 0), secretInventory };
}
