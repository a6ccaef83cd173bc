// Plays the runner: a token endpoint on 127.0.0.1, the environment a runner gives a JavaScript action, and the
// action as a child process.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ACTION_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRY = join(ACTION_DIR, 'index.mjs');

const b64url = (s) => Buffer.from(s).toString('base64url');

/** A JWT with these claims and a random (not a real) RS256 signature. */
export function jwt(claims) {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5t: 'example-thumbprint', kid: 'example-key-id' }));
  return `${header}.${b64url(JSON.stringify(claims))}.${randomBytes(256).toString('base64url')}`;
}

/**
 * The runner's token endpoint. `respond(request)` returns `{ status, body }`; every request is recorded with
 * its audience and Authorization header.
 */
export async function startTokenServer(respond) {
  const requests = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = { path: url.pathname, audience: url.searchParams.get('audience'), apiVersion: url.searchParams.get('api-version'), authorization: req.headers.authorization, method: req.method };
    requests.push(record);
    const { status, body } = respond(record, requests.length);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    // Shaped like the runner's: the query already has api-version, so the audience is appended with `&`.
    url: `http://127.0.0.1:${port}/_apis/distributedtask/hubs/Actions/plans/p/jobs/j/idtoken?api-version=2.0`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** An endpoint that hands out `token` for every request. */
export function servesToken(token) {
  return () => ({ status: 200, body: JSON.stringify({ count: 1, value: token }) });
}

export const REQUEST_TOKEN = `runtime-${randomBytes(24).toString('hex')}`;

/**
 * Runs the action as the runner would (`node index.mjs`, inputs as INPUT_*), with only the variables given
 * here and PATH. Returns the exit code, the output streams, the job summary and the step outputs.
 */
export async function runAction({ server, inputs = {}, env = {}, event, eventName = 'push', summary = true, idToken = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'keyless-diagnose-'));
  try {
    const summaryPath = join(dir, 'summary.md');
    const outputPath = join(dir, 'output.txt');
    writeFileSync(outputPath, '');
    const childEnv = {
      PATH: process.env.PATH ?? '',
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_EVENT_NAME: eventName,
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_ACTOR: 'octocat',
      GITHUB_WORKFLOW_REF: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
      GITHUB_OUTPUT: outputPath,
      ...(summary ? { GITHUB_STEP_SUMMARY: summaryPath } : {}),
      ...(idToken && server ? { ACTIONS_ID_TOKEN_REQUEST_URL: server.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN } : {}),
    };
    if (event !== undefined) {
      const eventPath = join(dir, 'event.json');
      writeFileSync(eventPath, JSON.stringify(event));
      childEnv.GITHUB_EVENT_PATH = eventPath;
    }
    // The runner passes every input of action.yml, with its default when the workflow does not set it.
    const withDefaults = { audience: 'sts.amazonaws.com', 'role-to-assume': '', apps: '', 'fail-on-error': 'false', ...inputs };
    for (const [name, value] of Object.entries(withDefaults)) childEnv[`INPUT_${name.toUpperCase()}`] = value;
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete childEnv[name];
      else childEnv[name] = value;
    }
    const { code, stdout, stderr } = await new Promise((resolve) => {
      execFile(process.execPath, [ENTRY], { env: childEnv, cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      });
    });
    return {
      code,
      stdout,
      stderr,
      summary: existsSync(summaryPath) ? readFileSync(summaryPath, 'utf8') : '',
      outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
      outputText: readFileSync(outputPath, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GITHUB_OUTPUT's `name<<DELIMITER` blocks. */
function parseOutputs(text) {
  const out = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([\w-]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const end = lines.indexOf(m[2], i + 1);
    out[m[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
}

/** The cause ids the summary lists, in order, from the `causes` output. */
export function causeIds(result) {
  return (result.outputs.causes ?? '').split(' ').filter(Boolean);
}
