// A local HTTP server on 127.0.0.1 that replays recorded API responses: the real AWS SDK, Octokit and the
// terraform AWS provider are pointed at it (SDK `endpoint`, Octokit `baseUrl`, provider `endpoints`), so the
// clients' own request building, XML/JSON parsing, pagination and retries are what the tests exercise.
//
// A manifest lists exchanges: a request pattern (method, path, query and form parameters that must match, and
// parameters that must be absent) and the response (status, headers, body inline or from a file next to the
// manifest). Exchanges marked `once` are used up by their first match, so a 429 can precede a 200. `{{base}}`
// in a header or body is replaced by the server's own URL (for Link headers). A request nothing matches gets a
// 404 and is listed in `unmatched`, which tests expect to be empty.
//
// Plain JavaScript, so that it also runs as a separate process (`node replay-server.mjs MANIFEST...` prints
// `LISTENING <url>`): terraform runs synchronously in the test process and could not be answered from it.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Loads a manifest file; bodies named `file:PATH` are read relative to it. */
export function loadManifest(path) {
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  const dir = dirname(path);
  return manifest.exchanges.map((e) => ({
    ...e,
    response: {
      ...e.response,
      body: typeof e.response.body === 'string' && e.response.body.startsWith('file:') ? readFileSync(join(dir, e.response.body.slice(5)), 'utf8') : e.response.body,
    },
  }));
}

function matches(pattern, request) {
  if (pattern.method && pattern.method !== request.method) return false;
  if (pattern.path && pattern.path !== request.path) return false;
  for (const [k, v] of Object.entries(pattern.query ?? {})) if (request.query.get(k) !== v) return false;
  for (const [k, v] of Object.entries(pattern.form ?? {})) if (request.form.get(k) !== v) return false;
  for (const k of pattern.absent ?? []) if (request.query.has(k) || request.form.has(k)) return false;
  return true;
}

/**
 * Starts the server. `exchanges` is a list (several manifests can be concatenated).
 * Returns { url, requests, unmatched, close }.
 */
export async function startReplayServer(exchanges) {
  const pending = exchanges.map((e) => ({ ...e, used: false }));
  const requests = [];
  const unmatched = [];
  let base = '';
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const body = Buffer.concat(chunks).toString('utf8');
      const isForm = (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
      const request = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        form: new URLSearchParams(isForm ? body : ''),
      };
      requests.push({ method: request.method, path: request.path, query: url.search, form: isForm ? body : '' });
      const exchange = pending.find((e) => !(e.once && e.used) && matches(e.request, request));
      if (!exchange) {
        unmatched.push(`${request.method} ${request.path}${url.search}${isForm ? ` ${body}` : ''}`);
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Not Found (no recorded response)' }));
        return;
      }
      exchange.used = true;
      const { status = 200, headers = {}, body: responseBody = '' } = exchange.response;
      const text = (typeof responseBody === 'string' ? responseBody : JSON.stringify(responseBody)).replaceAll('{{base}}', base);
      const out = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v).replaceAll('{{base}}', base)]));
      res.writeHead(status, { 'content-length': Buffer.byteLength(text), ...out });
      res.end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${address.port}`;
  return {
    url: base,
    requests,
    unmatched,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const exchanges = process.argv.slice(2).flatMap(loadManifest);
  const server = await startReplayServer(exchanges);
  process.stdout.write(`LISTENING ${server.url}\n`);
  process.on('SIGTERM', () => {
    void server.close().then(() => process.exit(0));
  });
}
