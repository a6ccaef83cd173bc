// keyless diagnose: what the runner hands the step: its inputs (INPUT_*), the event payload (GITHUB_EVENT_PATH)
// and, from them, the role ARN and whether the run is a pull request from a fork.
import { readFileSync } from 'node:fs';
import { DEFAULT_AUDIENCE } from './claims.mjs';
import { code } from './text.mjs';

/** Events whose runs are pull requests, and so may come from a fork. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_review', 'pull_request_review_comment']);

/**
 * The action's inputs, read the way the runner passes them (`INPUT_<NAME>`, upper case, hyphens kept).
 * Invalid values do not stop the diagnosis: they become notes in the summary.
 */
export function readInputs(env) {
  const input = (name) => String(env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
  const notes = [];
  const audience = input('audience') || DEFAULT_AUDIENCE;
  const roleArn = input('role-to-assume');
  const failRaw = input('fail-on-error');
  let failOnError = false;
  if (['true', 'True', 'TRUE'].includes(failRaw)) failOnError = true;
  else if (!['', 'false', 'False', 'FALSE'].includes(failRaw))
    notes.push(`input \`fail-on-error\`: ${code(failRaw)} is not \`true\` or \`false\`; the step will not fail`);
  const apps = [];
  for (const app of input('apps').split(/[\s,]+/).filter(Boolean)) {
    // App names go into a shell command: only plain directory names, never an option.
    if (/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(app)) apps.push(app);
    else notes.push(`input \`apps\`: ${code(app)} is not an app directory name (letters, digits, \`.\`, \`_\`, \`-\`); left out of the command`);
  }
  return { audience, roleArn, failOnError, apps, notes };
}

/** The event payload the runner wrote to GITHUB_EVENT_PATH, or undefined when there is none or it is unreadable. */
export function readEventPayload(env) {
  const path = env['GITHUB_EVENT_PATH'];
  if (!path) return undefined;
  try {
    const payload = JSON.parse(readFileSync(path, 'utf8'));
    return payload !== null && typeof payload === 'object' ? payload : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the run is a pull request from another repository, from the event payload. `fork` is undefined when
 * the payload does not say (no payload, or not a pull request event).
 */
export function pullRequestOrigin(eventName, payload) {
  const pr = payload?.pull_request;
  if (!PULL_REQUEST_EVENTS.has(eventName) || pr === null || typeof pr !== 'object') return { fork: undefined };
  const head = pr.head?.repo;
  const base = pr.base?.repo ?? payload.repository;
  const headName = typeof head?.full_name === 'string' ? head.full_name : undefined;
  const baseName = typeof base?.full_name === 'string' ? base.full_name : undefined;
  // A deleted fork leaves head.repo null: still a fork.
  if (head === null || head === undefined) return { fork: true, head: undefined, base: baseName };
  const fork =
    head.id !== undefined && base?.id !== undefined
      ? String(head.id) !== String(base.id)
      : headName !== undefined && baseName !== undefined
        ? headName.toLowerCase() !== baseName.toLowerCase()
        : undefined;
  return { fork, head: headName, base: baseName };
}

/** `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`, or undefined. */
export function parseRoleArn(arn) {
  const m = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/([\w+=,.@/-]{1,512})$/.exec(arn);
  return m ? { partition: m[1], account: m[2], name: m[3].split('/').pop() } : undefined;
}
