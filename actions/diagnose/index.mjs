// keyless diagnose: says, inside the failing job, why AWS STS may have refused the job's OIDC token.
//
// A JavaScript action that the runner starts as `node index.mjs`. It imports Node's built-in modules and its own
// files only (the runner checks out the whole action folder), so consumers need no build and no npm install. It
// requests the job's own token, masks it, decodes its payload (never verifying it: the claims are what matters,
// and STS did the verifying), and writes the claims, the likely causes and a ready `keyless explain` command to
// the job summary. The token is never printed (except to the runner as the `::add-mask::` command, which the
// runner consumes and never shows), written to a file, or set as an output.
//
// This file wires the steps together; each job lives in its own module:
//   oidc.mjs     requesting the token (never printing or storing it), redacting what the process held
//   claims.mjs   decoding the payload, the claims that matter, the subject's parts, the claims for explain
//   inputs.mjs   the action's inputs, the event payload, the role ARN, pull requests from forks
//   causes.mjs   the likely-cause rules, strongest first
//   summary.mjs  the job summary with the `keyless explain --token` command, and the step outputs
//   text.mjs     one-line log text, Markdown code spans, shell quoting, workflow-command escaping
import { appendFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LEVEL_LABEL, diagnose } from './causes.mjs';
import { decodeJwtPayload } from './claims.mjs';
import { readEventPayload, readInputs } from './inputs.mjs';
import { DiagnoseError, redact, redactJwts, requestIdToken } from './oidc.mjs';
import { renderSummary, writeOutputs } from './summary.mjs';
import { escapeData, oneLine, plain } from './text.mjs';

// The module's public surface, as when it was one file (the tests import it from here).
export { diagnose } from './causes.mjs';
export {
  CHINA_AUDIENCE,
  CLAIMS_SHOWN,
  DEFAULT_AUDIENCE,
  GITHUB_COM_ISSUER,
  PER_TOKEN_CLAIMS,
  STS_GITHUB_KEYS,
  decodeJwtPayload,
  explainClaims,
  otherSubjectForm,
  parseSubject,
} from './claims.mjs';
export { parseRoleArn, pullRequestOrigin, readEventPayload, readInputs } from './inputs.mjs';
export { DiagnoseError, redact, redactJwts, requestIdToken } from './oidc.mjs';
export { explainCommand, renderSummary } from './summary.mjs';
export { code, oneLine, plain, shellQuote } from './text.mjs';

/** What this process holds that must never be shown: the request token, the token and its parts. */
const heldSecrets = [];

/**
 * Runs the diagnosis. Returns the exit code: 0, or 1 when `fail-on-error` is set and no token could be had.
 * @param {NodeJS.ProcessEnv} env
 * @param {{ stdout: (t: string) => void }} io
 */
export async function main(env, io) {
  const inputs = readInputs(env);
  const url = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  const bearer = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  const missingVariables = [
    ...(url ? [] : ['ACTIONS_ID_TOKEN_REQUEST_URL']),
    ...(bearer ? [] : ['ACTIONS_ID_TOKEN_REQUEST_TOKEN']),
  ];
  const secrets = heldSecrets;
  secrets.push(bearer);
  let claims;
  let error;
  try {
    if (missingVariables.length === 0) {
      let token = await requestIdToken({ url, bearer, audience: inputs.audience });
      // Before anything else reaches the log: the runner hides the value from here on. Escaped as
      // @actions/core's setSecret does, so that no answer can end the command line early.
      io.stdout(`::add-mask::${escapeData(token)}\n`);
      secrets.push(token, ...token.split('.'));
      claims = decodeJwtPayload(token);
      token = undefined;
    }
  } catch (e) {
    if (!(e instanceof DiagnoseError)) throw e;
    error = e;
  }

  const eventName = env['GITHUB_EVENT_NAME'];
  const causes = diagnose({
    inputs,
    eventName,
    payload: readEventPayload(env),
    actor: env['GITHUB_ACTOR'],
    missingVariables,
    error,
    claims,
  });
  const summary = redact(renderSummary({ inputs, claims, causes, env }), secrets);
  if (env['GITHUB_STEP_SUMMARY']) appendFileSync(env['GITHUB_STEP_SUMMARY'], summary);
  else io.stdout(summary);
  if (env['GITHUB_OUTPUT'])
    writeOutputs(env['GITHUB_OUTPUT'], {
      subject: oneLine(claims?.sub ?? ''),
      causes: causes.map((c) => c.id).join(' '),
    });

  const log = (t) => io.stdout(`${redact(oneLine(t), secrets)}\n`);
  if (claims) log(`keyless diagnose: the token's subject is ${claims.sub ?? '(none)'}`);
  for (const c of causes) log(`keyless diagnose: ${LEVEL_LABEL[c.level].toLowerCase()}: ${plain(c.title)}`);
  if (env['GITHUB_STEP_SUMMARY']) log('keyless diagnose: the claims, the causes and a keyless explain command are in the job summary');
  const first = causes.find((c) => c.level !== 'check');
  if (first) io.stdout(`::warning title=keyless diagnose::${escapeData(redact(oneLine(plain(first.title)), secrets))}\n`);
  return inputs.failOnError && claims === undefined ? 1 : 0;
}

function invokedDirectly() {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const io = { stdout: (t) => process.stdout.write(t) };
  main(process.env, io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      // A bug of this step must not hide the job's real failure, nor print what it held.
      const message = redactJwts(redact(oneLine(e?.message ?? e), heldSecrets));
      io.stdout(`::warning title=keyless diagnose::${escapeData(`the diagnosis itself failed: ${message}`)}\n`);
      process.exitCode = readInputs(process.env).failOnError ? 1 : 0;
    },
  );
}
