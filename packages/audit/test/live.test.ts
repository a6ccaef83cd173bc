import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectAws, collectGithub, githubRetryDelay, type AuditCommandContext } from '../src/index.js';
import { FILE_AUDIT, FIXTURES, run } from './helpers.js';
import { loadManifest, startReplayServer, type Exchange, type ReplayServer } from './support/replay-server.mjs';

/** The x-ratelimit-reset of the recorded 403 (test/fixtures/live/record.mjs). */
const RATE_LIMIT_RESET = 1780000000;
const CREDENTIALS = { accessKeyId: 'AKIDREPLAYEXAMPLE', secretAccessKey: 'replay-secret' };

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function recorded(): Exchange[] {
  return [...loadManifest(join(FIXTURES, 'live/iam/manifest.json')), ...loadManifest(join(FIXTURES, 'live/github/manifest.json'))];
}

function liveOptions(url: string, sleeps: number[]): NonNullable<AuditCommandContext['live']> {
  const sleep = async (ms: number): Promise<void> => {
    sleeps.push(ms);
  };
  return {
    aws: { endpoint: url, credentials: CREDENTIALS, reportPollMs: 1500, sleep },
    github: { baseUrl: url, token: 'ghs_replayexample', sleep, now: () => RATE_LIMIT_RESET * 1000 - 5000 },
  };
}

describe('keyless audit --aws --github-org against recorded API responses', () => {
  it('gives the same JSON report as the equivalent files, with the real clients', async () => {
    server = await startReplayServer(recorded());
    const live = await run(['audit', '--aws', '--github-org', 'octo-org', '--json', '--as-of', '2026-06-01'], { live: liveOptions(server.url, []) });
    const files = await run([...FILE_AUDIT, '--json']);
    expect(server.unmatched).toEqual([]);
    expect(live.out).toBe(files.out);
    expect(live.code).toBe(1);
    expect(files.code).toBe(1);
  });

  it('gives the same readable report, plus the secrets it found at organisation and repository level', async () => {
    server = await startReplayServer(recorded());
    const live = await run(['audit', '--aws', '--github-org', 'octo-org', '--as-of', '2026-06-01'], { live: liveOptions(server.url, []) });
    const files = await run(FILE_AUDIT);
    const [shared, secrets] = live.out.split('\nGitHub secrets that look like AWS keys');
    expect(shared).toBe(files.out);
    expect(secrets).toContain('organization AWS_ACCESS_KEY_ID: read by a workflow');
    expect(secrets).toContain('octo-org/api OLD_AWS_SECRET_KEY: read by no workflow the audit found: delete it once the key is retired');
    expect(secrets).not.toContain('NPM_TOKEN');
  });

  it('measures key ages from the credential report when no date is given', async () => {
    server = await startReplayServer(recorded());
    const live = await run(['audit', '--aws', '--json'], { live: liveOptions(server.url, []) });
    const files = await run(['audit', '--iam', 'authorization-details.json', '--credential-report', 'credential-report.csv', '--json', '--as-of', '2026-06-01T00:00:00Z']);
    expect(live.out).toBe(files.out);
  });

  it('waits out the rate limits and reports progress on stderr', async () => {
    server = await startReplayServer(recorded());
    const sleeps: number[] = [];
    const { err } = await run(['audit', '--aws', '--github-org', 'octo-org', '--json', '--as-of', '2026-06-01'], { live: liveOptions(server.url, sleeps) });
    // The credential report poll, the primary rate limit until its reset (5 s away, plus a second), the 429's retry-after.
    expect(sleeps).toEqual([1500, 6000, 2000]);
    expect(err).toMatch(/^github: 403 on GET .*\/orgs\/octo-org\/repos.*; retrying in 6 s \(attempt 2 of 6\)$/m);
    expect(err).toMatch(/^github: 429 on GET .*; retrying in 2 s/m);
    expect(err).toMatch(/^aws: page 2: 6 users, 2 groups, 27 roles, 2 policies so far$/m);
    expect(err).toMatch(/^github: 6 repositories \(1 archived ones skipped\)$/m);
    expect(err).toMatch(/^github: 6\/6 repositories read$/m);
    // Every page of GetAccountAuthorizationDetails, the retried 500 included, and no request that writes.
    const actions = server.requests.filter((r) => r.form).map((r) => new URLSearchParams(r.form).get('Action'));
    expect(actions.filter((a) => a === 'GetAccountAuthorizationDetails')).toHaveLength(3);
    expect(new Set(actions)).toEqual(new Set(['GetAccountAuthorizationDetails', 'GenerateCredentialReport', 'GetCredentialReport']));
    expect(server.requests.every((r) => r.method === 'GET' || r.method === 'POST')).toBe(true);
    expect(server.requests.filter((r) => r.method === 'POST').every((r) => r.path === '/')).toBe(true);
  });

  it('skips archived repositories and repositories without workflows', async () => {
    server = await startReplayServer(recorded());
    const data = await collectGithub({ org: 'octo-org', baseUrl: server.url, token: 't', sleep: async () => {}, now: () => RATE_LIMIT_RESET * 1000 });
    expect(data.repositories.map((r) => r.repository)).toEqual(['octo-org/api', 'octo-org/docs', 'octo-org/infra', 'octo-org/tools', 'octo-org/web']);
    expect(data.repositories.find((r) => r.repository === 'octo-org/api')?.actions.map((a) => a.path)).toEqual(['.github/actions/aws-login/action.yml']);
    expect(server.requests.some((r) => r.path.includes('old-stuff'))).toBe(false);
  });

  it('fails with exit code 2 and a clear message when AWS refuses', async () => {
    server = await startReplayServer([
      { request: { method: 'POST', path: '/', form: { Action: 'GetAccountAuthorizationDetails' } }, response: { status: 403, headers: { 'content-type': 'text/xml' }, body: '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::111122223333:user/x is not authorized to perform: iam:GetAccountAuthorizationDetails</Message></Error><RequestId>1</RequestId></ErrorResponse>' } },
    ]);
    const result = await run(['audit', '--aws'], { live: { aws: { endpoint: server.url, credentials: CREDENTIALS } } });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/keyless audit: aws: AccessDenied \(HTTP 403\): User: .* is not authorized to perform: iam:GetAccountAuthorizationDetails/);
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it('gives up on a rate limit that resets too far away', async () => {
    server = await startReplayServer([
      { request: { method: 'GET', path: '/orgs/o/repos' }, response: { status: 403, headers: { 'content-type': 'application/json', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(RATE_LIMIT_RESET) }, body: { message: 'API rate limit exceeded' } } },
    ]);
    await expect(collectGithub({ org: 'o', baseUrl: server.url, sleep: async () => {}, now: () => (RATE_LIMIT_RESET - 7200) * 1000 })).rejects.toThrow(/rate limited; the limit resets in 121 minutes, longer than the 60 this run waits/);
  });

  it('reads only the authorization details when the credential report is not wanted', async () => {
    server = await startReplayServer(recorded());
    const data = await collectAws({ endpoint: server.url, credentials: CREDENTIALS, credentialReport: false });
    expect(data.credentialReport).toBeUndefined();
    expect(data.iam.roles).toHaveLength(27);
    expect(server.requests.map((r) => new URLSearchParams(r.form).get('Action'))).not.toContain('GenerateCredentialReport');
  });
});

describe('githubRetryDelay', () => {
  const now = 1_000_000_000_000;
  it.each([
    ['retry-after on a 429', 429, { 'retry-after': '3' }, 1, 3000],
    ['retry-after on a 403', 403, { 'retry-after': '0' }, 1, 0],
    ['the primary limit until its reset', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) }, 1, 31_000],
    ['a 429 without headers', 429, {}, 1, 60_000],
    ['a server error, backing off', 502, {}, 3, 4000],
    ['a network error', undefined, {}, 1, 1000],
    ['a plain 403 (no permission): no retry', 403, {}, 1, undefined],
    ['a 404: no retry', 404, {}, 1, undefined],
  ])('%s', (_name, status, headers, attempt, expected) => {
    expect(githubRetryDelay(status, headers, attempt, now)).toBe(expected);
  });

  it('waits a minute on a secondary rate limit without headers', () => {
    expect(githubRetryDelay(403, {}, 1, now, 'You have exceeded a secondary rate limit')).toBe(60_000);
  });
});
