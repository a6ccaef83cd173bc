import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appInstallationToken, appJwt, main } from '../src/index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('appJwt', () => {
  it('is an RS256 JWT of the App, issued a minute ago and valid for ten minutes, signed by its key', () => {
    const jwt = appJwt('123456', pem, 1_700_000_000);
    const [header = '', payload = '', signature = ''] = jwt.split('.');
    expect(decode(header)).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(decode(payload)).toEqual({ iat: 1_699_999_940, exp: 1_700_000_540, iss: '123456' });
    expect(createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  it('fails for an app id that is neither an App ID nor a Client ID', () => {
    expect(() => appJwt('octo app', pem)).toThrow('app id "octo app": expected the numeric App ID or the Client ID');
  });
});

/** A fake GitHub API: the App is installed on the organization octo-org as installation 42. */
function fakeApi(calls: string[]): typeof fetch {
  return (async (url: string | URL, init?: RequestInit) => {
    calls.push(`${init?.method} ${String(url)} ${((init?.headers ?? {}) as Record<string, string>)['authorization']?.slice(0, 7)}`);
    const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
    if (String(url).endsWith('/orgs/octo-org/installation')) return reply(200, { id: 42 });
    if (String(url).endsWith('/orgs/octocat/installation')) return reply(404, { message: 'Not Found' });
    if (String(url).endsWith('/users/octocat/installation')) return reply(200, { id: 43 });
    if (String(url).endsWith('/app/installations/42/access_tokens') || String(url).endsWith('/app/installations/43/access_tokens'))
      return reply(201, { token: 'ghs_test', expires_at: '2026-01-01T01:00:00Z' });
    return reply(500, {});
  }) as typeof fetch;
}

describe('appInstallationToken', () => {
  it("finds the organization's installation and mints its token", async () => {
    const calls: string[] = [];
    expect(await appInstallationToken({ appId: '1', privateKeyPem: pem, owner: 'octo-org', fetch: fakeApi(calls) })).toEqual({ token: 'ghs_test', expiresAt: '2026-01-01T01:00:00Z' });
    expect(calls).toEqual(['GET https://api.github.com/orgs/octo-org/installation Bearer ', 'POST https://api.github.com/app/installations/42/access_tokens Bearer ']);
  });

  it('falls back to a user installation', async () => {
    const calls: string[] = [];
    await appInstallationToken({ appId: '1', privateKeyPem: pem, owner: 'octocat', apiUrl: 'https://ghe.example/api/v3/', fetch: fakeApi(calls) });
    expect(calls.map((c) => c.split(' ')[1])).toEqual([
      'https://ghe.example/api/v3/orgs/octocat/installation',
      'https://ghe.example/api/v3/users/octocat/installation',
      'https://ghe.example/api/v3/app/installations/43/access_tokens',
    ]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'keyless-app-token-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keyless-pipeline app-token prints the token', async () => {
    writeFileSync(join(dir, 'key.pem'), pem);
    let out = '';
    const code = await main(['app-token', '--app-id', '1', '--private-key-file', join(dir, 'key.pem'), '--owner', 'octo-org'], {
      cwd: dir,
      env: {},
      fetch: fakeApi([]),
      stdout: (t) => (out += t),
      stderr: () => {},
    });
    expect([code, out]).toEqual([0, 'ghs_test\n']);
  });
});
