// keyless diagnose: the job's OIDC token, requested the way @actions/core does, and kept out of every output.
// Nothing here prints or stores the token: errors carry the status and the service's message, never the answer's
// body, and `redact` removes what the process held from anything it writes.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { oneLine } from './text.mjs';

/** A failure of the diagnosis itself, with a message that never holds the token. */
export class DiagnoseError extends Error {
  /**
   * @param {string} kind  'request' (the token service refused or did not answer) or 'token' (unreadable answer)
   * @param {string} message
   * @param {number} [status]
   */
  constructor(kind, message, status) {
    super(message);
    this.kind = kind;
    this.status = status;
  }
}

/**
 * Requests the job's OIDC token the way @actions/core's getIDToken does: GET `${URL}&audience=…` with the
 * request token as a bearer, answer `{"value": "<jwt>"}`. Retries a few times on 5xx and network errors.
 * Errors never carry the response body (it may hold the token), only the status and the service's message.
 */
export async function requestIdToken({ url, bearer, audience, attempts = 3, retryDelayMs = 250, timeoutMs = 20_000 }) {
  const target = audience ? `${url}&audience=${encodeURIComponent(audience)}` : url;
  let last;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, retryDelayMs * (attempt - 1)));
    let response;
    try {
      response = await get(target, { Authorization: `Bearer ${bearer}`, Accept: 'application/json', 'User-Agent': 'keyless-diagnose' }, timeoutMs);
    } catch (error) {
      last = new DiagnoseError('request', `the token service did not answer (${oneLine(error?.code ?? error?.message ?? 'network error')})`);
      continue;
    }
    if (response.status >= 200 && response.status < 300) {
      let body;
      try {
        body = JSON.parse(response.body);
      } catch {
        // JSON.parse's message quotes the text it read, which would be the token: say nothing of it.
        throw new DiagnoseError('token', 'the token service answered with something that is not JSON');
      }
      const value = body?.value;
      if (typeof value !== 'string' || value === '') throw new DiagnoseError('token', 'the token service answered without a token (no `value` field)');
      return value;
    }
    last = new DiagnoseError('request', `the token service answered HTTP ${response.status}${serviceMessage(response.body)}`, response.status);
    if (response.status < 500) break;
  }
  throw last;
}

function serviceMessage(body) {
  let message;
  try {
    message = JSON.parse(body)?.message;
  } catch {
    return '';
  }
  if (typeof message !== 'string' || message.trim() === '') return '';
  const short = redactJwts(oneLine(message)).slice(0, 200);
  return `: ${short}`;
}

function get(url, headers, timeoutMs) {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('http:') ? httpRequest : httpsRequest)(url, { method: 'GET', headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.end();
  });
}

/** Replaces every occurrence of the given secrets. */
export function redact(text, secrets = []) {
  let out = String(text);
  for (const s of secrets) if (typeof s === 'string' && s.length >= 8) out = out.split(s).join('***');
  return out;
}

/** Replaces anything shaped like a JWT (three base64url parts), for text from outside (error messages). */
export function redactJwts(text) {
  return text.replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '***');
}
