/**
 * A GitHub App installation token, minted the way actions/create-github-app-token mints it: a JWT signed
 * with the App's private key (RS256, valid 10 minutes) buys a one-hour installation token. Used by hand for
 * the bootstrap's first apply, so that even that apply needs no personal access token.
 */
import { createPrivateKey, createSign } from 'node:crypto';

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The App's JWT: issued a minute in the past (clock skew), expiring after nine more. */
export function appJwt(appId: string, privateKeyPem: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  if (!/^\d+$/.test(appId) && !/^Iv[0-9A-Za-z.]+$/.test(appId)) throw new Error(`app id "${appId}": expected the numeric App ID or the Client ID`);
  const key = createPrivateKey(privateKeyPem);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iat: nowSeconds - 60, exp: nowSeconds + 540, iss: appId }));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key);
  return `${header}.${payload}.${base64url(signature)}`;
}

export interface AppTokenOptions {
  readonly appId: string;
  readonly privateKeyPem: string;
  /** The organization (or user) the App is installed on. */
  readonly owner: string;
  /** @default 'https://api.github.com' (GITHUB_API_URL on GitHub Enterprise Server) */
  readonly apiUrl?: string;
  readonly fetch?: typeof fetch;
}

async function call(f: typeof fetch, url: string, method: string, jwt: string): Promise<Record<string, unknown>> {
  const response = await f(url, {
    method,
    headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${jwt}`, 'x-github-api-version': '2022-11-28', 'user-agent': 'keyless-pipeline' },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** An installation token of the App on `owner`, and when it expires. */
export async function appInstallationToken(options: AppTokenOptions): Promise<{ token: string; expiresAt: string }> {
  const f = options.fetch ?? fetch;
  const api = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const jwt = appJwt(options.appId, options.privateKeyPem);
  let installation: Record<string, unknown>;
  try {
    installation = await call(f, `${api}/orgs/${encodeURIComponent(options.owner)}/installation`, 'GET', jwt);
  } catch (error) {
    if (!/: 404 /.test((error as Error).message)) throw error;
    installation = await call(f, `${api}/users/${encodeURIComponent(options.owner)}/installation`, 'GET', jwt);
  }
  const id = installation['id'];
  if (typeof id !== 'number') throw new Error(`the App is not installed on ${options.owner}`);
  const token = await call(f, `${api}/app/installations/${id}/access_tokens`, 'POST', jwt);
  if (typeof token['token'] !== 'string') throw new Error('GitHub returned no token');
  return { token: token['token'], expiresAt: String(token['expires_at'] ?? '') };
}
