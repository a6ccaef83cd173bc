// keyless diagnose: says, inside the failing job, why AWS STS may have refused the job's OIDC token.
//
// A JavaScript action that the runner starts as `node index.mjs`. It imports Node's built-in modules only, so
// consumers need no build and no npm install. It requests the job's own token, masks it, decodes its payload
// (never verifying it: the claims are what matters, and STS did the verifying), and writes the claims, the
// likely causes and a ready `keyless explain` command to the job summary. The token is never printed (except to
// the runner as the `::add-mask::` command, which the runner consumes and never shows), written to a file, or
// set as an output.
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, realpathSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';

export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';
export const CHINA_AUDIENCE = 'sts.amazonaws.com.cn';
export const GITHUB_COM_ISSUER = 'https://token.actions.githubusercontent.com';

/** The claims the summary shows, in this order. */
export const CLAIMS_SHOWN = [
  'sub',
  'aud',
  'iss',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'ref',
  'ref_type',
  'environment',
  'event_name',
  'job_workflow_ref',
  'workflow_ref',
  'runner_environment',
];

/**
 * Claims that identify this one token rather than the job: left out of the explain command. They are not
 * secret, but no trust policy can condition on them and they only make the command longer.
 */
export const PER_TOKEN_CLAIMS = ['jti', 'nbf', 'iat', 'exp'];

/** GitHub claims that AWS STS exposes as condition keys (AWS's condition-key reference, 2026). */
export const STS_GITHUB_KEYS = [
  'actor',
  'actor_id',
  'job_workflow_ref',
  'repository',
  'repository_id',
  'repository_owner_id',
  'workflow',
  'ref',
  'environment',
  'enterprise_id',
];

/** Events whose runs are pull requests, and so may come from a fork. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_review', 'pull_request_review_comment']);

/** What this process holds that must never be shown: the request token, the token and its parts. */
const heldSecrets = [];

const LEVEL_ORDER = { found: 0, likely: 1, check: 2 };
const LEVEL_LABEL = { found: 'Found', likely: 'Likely', check: 'Worth checking' };

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

// ---------------------------------------------------------------------------------------------------------
// Inputs and the runner's environment

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

// ---------------------------------------------------------------------------------------------------------
// The token

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

/** The payload of a JWT, decoded and not verified. */
export function decodeJwtPayload(token) {
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1] ?? ''))
    throw new DiagnoseError('token', `the token service answered with a value that is not a JWT (${parts.length} part(s))`);
  let payload;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new DiagnoseError('token', "the token's payload is not JSON");
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new DiagnoseError('token', "the token's payload is not a JSON object");
  return payload;
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

// ---------------------------------------------------------------------------------------------------------
// Subjects

/**
 * `sub` as key/value pairs. GitHub joins `key:value` pairs with `:` and encodes a `:` inside a value as `%3A`;
 * `pull_request` is a key without a value. Default templates are `repo:R:ref:…`, `repo:R:environment:…` and
 * `repo:R:pull_request`; anything else came from a custom template.
 */
export function parseSubject(sub) {
  const tokens = String(sub).split(':');
  const pairs = [];
  for (let i = 0; i < tokens.length; ) {
    const key = tokens[i];
    if (key === 'pull_request') {
      pairs.push([key, '']);
      i += 1;
    } else {
      pairs.push([key, tokens[i + 1] ?? '']);
      i += 2;
    }
  }
  const keys = pairs.map(([k]) => k);
  const value = (k) => pairs.find(([key]) => key === k)?.[1];
  const repo = value('repo');
  const immutable = repo === undefined ? undefined : /^([^/@]+)@(\d+)\/([^/@]+)@(\d+)$/.exec(repo);
  const shape = keys.join(':');
  const template = shape === 'repo:ref' || shape === 'repo:environment' || shape === 'repo:pull_request' ? 'default' : 'custom';
  return {
    pairs,
    keys,
    repo,
    template,
    environment: value('environment'),
    ref: value('ref'),
    pullRequest: keys.includes('pull_request'),
    jobWorkflowRef: value('job_workflow_ref'),
    immutable: immutable ? { owner: immutable[1], ownerId: immutable[2], name: immutable[3], repoId: immutable[4] } : undefined,
  };
}

/** The same subject with the repository part in the other format, when the claims carry the ids. */
export function otherSubjectForm(sub, claims) {
  const parsed = parseSubject(sub);
  if (parsed.repo === undefined) return undefined;
  const rest = sub.slice(`repo:${parsed.repo}`.length);
  if (parsed.immutable) return `repo:${parsed.immutable.owner}/${parsed.immutable.name}${rest}`;
  const [owner, name] = parsed.repo.split('/');
  const ownerId = idString(claims.repository_owner_id);
  const repoId = idString(claims.repository_id);
  if (!owner || !name || ownerId === undefined || repoId === undefined) return undefined;
  return `repo:${owner}@${ownerId}/${name}@${repoId}${rest}`;
}

function idString(v) {
  return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^\d+$/.test(v)) ? String(v) : undefined;
}

/** `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`, or undefined. */
export function parseRoleArn(arn) {
  const m = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/([\w+=,.@/-]{1,512})$/.exec(arn);
  return m ? { partition: m[1], account: m[2], name: m[3].split('/').pop() } : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The diagnosis

/**
 * The likely causes, strongest first. Each is `{ id, level, title, detail }`: `found` when the evidence is
 * certain, `likely` when the claims show a common reason for a refusal, `check` for what cannot be decided
 * without the role's trust policy.
 *
 * @param {object} d
 * @param {ReturnType<typeof readInputs>} d.inputs
 * @param {string | undefined} d.eventName
 * @param {object | undefined} d.payload  the event payload
 * @param {string | undefined} d.actor
 * @param {string[]} d.missingVariables  token request variables the runner did not set
 * @param {DiagnoseError | undefined} d.error  why no token could be had
 * @param {Record<string, unknown> | undefined} d.claims
 */
export function diagnose({ inputs, eventName, payload, actor, missingVariables, error, claims }) {
  const causes = [];
  const add = (id, level, title, detail) => causes.push({ id, level, title, detail });
  const origin = pullRequestOrigin(eventName, payload);
  const forkName = origin.head ? `${code(origin.head)} into ${code(origin.base ?? 'this repository')}` : 'a deleted fork';

  if (missingVariables.length > 0) {
    if (origin.fork === true)
      add(
        'fork-pull-request',
        'found',
        `This run is a pull request from a fork (${forkName}): GitHub gives it no OIDC token`,
        'Pull requests from forks run with a read-only `GITHUB_TOKEN` and without `id-token: write`, whatever the ' +
          'workflow asks for (unless a private repository allows write tokens for fork pull requests). No AWS role can ' +
          'be assumed from such a run, by design. Skip the AWS steps for forks ' +
          '(`if: github.event.pull_request.head.repo.full_name == github.repository`), or rerun the change from a branch ' +
          'of this repository.',
      );
    else
      add(
        'missing-id-token-permission',
        'found',
        'The job cannot request an OIDC token: it lacks `permissions: id-token: write`',
        `The runner sets \`ACTIONS_ID_TOKEN_REQUEST_URL\` and \`ACTIONS_ID_TOKEN_REQUEST_TOKEN\` only for jobs allowed to ` +
          `mint a token; here ${missingVariables.map((v) => `\`${v}\``).join(' and ')} ${missingVariables.length > 1 ? 'are' : 'is'} missing. ` +
          'configure-aws-credentials then fails with "Could not load credentials from any providers". Grant it on the job:\n\n' +
          '```yaml\npermissions:\n  id-token: write   # lets the job request the OIDC token\n  contents: read\n```\n\n' +
          "A job's `permissions:` replaces the workflow's, so list every scope the job needs. In a reusable workflow the " +
          'calling job must grant `id-token: write` as well: a called workflow cannot have more than its caller.' +
          (actor === 'dependabot[bot]' ? ' This run was started by Dependabot, whose pull request runs get read-only tokens like forks do.' : ''),
      );
  } else if (error) {
    add(
      error.kind === 'request' ? 'token-request-failed' : 'token-unreadable',
      'found',
      error.kind === 'request' ? `The token request failed: ${error.message}` : `The token could not be read: ${error.message}`,
      error.kind === 'request'
        ? 'The job may request a token (the runner set the request variables), but the token service refused or did not ' +
            'answer. configure-aws-credentials had the same problem if its log says "Failed to get ID Token". Rerun the job; ' +
            'if it persists, check https://www.githubstatus.com.'
        : 'The token service answered, but not with a token this step can decode. Rerun the job.',
    );
  }

  // The role ARN and the audience.
  const role = inputs.roleArn ? parseRoleArn(inputs.roleArn) : undefined;
  if (inputs.roleArn && !role)
    add(
      'role-arn-invalid',
      'found',
      `\`role-to-assume\` is not an IAM role ARN: ${code(inputs.roleArn)}`,
      'STS needs `arn:aws:iam::123456789012:role/NAME` (or the `aws-cn` / `aws-us-gov` partition). keyless writes the ' +
        "role's ARN to a GitHub variable (`vars.AWS_ROLE_ARN` by default): check its value, and that the variable exists " +
        'where this job reads it.',
    );
  const audience = inputs.audience;
  if (role && role.partition === 'aws-cn' && audience !== CHINA_AUDIENCE)
    add(
      'audience-partition',
      'found',
      `The role is in the China partition, whose STS expects the audience ${code(CHINA_AUDIENCE)}; this job asked for ${code(audience)}`,
      `Set \`audience: ${CHINA_AUDIENCE}\` on configure-aws-credentials and on this step. keyless uses this audience for \`aws.partition: aws-cn\`.`,
    );
  else if (role && role.partition !== 'aws-cn' && audience === CHINA_AUDIENCE)
    add(
      'audience-partition',
      'found',
      `The audience ${code(CHINA_AUDIENCE)} belongs to the China partitions, but the role is in ${code(role.partition)}`,
      `Use the default audience ${code(DEFAULT_AUDIENCE)} outside China.`,
    );
  else if (audience !== DEFAULT_AUDIENCE && audience !== CHINA_AUDIENCE)
    add(
      'custom-audience',
      'likely',
      `This step requested the custom audience ${code(audience)}`,
      `configure-aws-credentials requests ${code(DEFAULT_AUDIENCE)} unless its own \`audience\` input says otherwise; set the ` +
        "same value on both steps. STS accepts a token only when the account's OIDC provider lists its `aud` as a client ID " +
        'and the trust policy\'s `…:aud` condition equals it. In keyless: `github.audiences` in the access config.',
    );

  if (!claims) return sortCauses(causes);

  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const subject = parseSubject(sub);
  const ref = typeof claims.ref === 'string' ? claims.ref : subject.ref;
  const environment = typeof claims.environment === 'string' ? claims.environment : subject.environment;
  const claimEvent = typeof claims.event_name === 'string' ? claims.event_name : eventName;

  if (origin.fork === true)
    add(
      'fork-pull-request',
      'likely',
      `This run is a pull request from a fork (${forkName}), and it got a token`,
      'The repository sends write tokens to fork pull requests, so code from a stranger\'s fork can request this token. ' +
        'A role that accepts it lets that code in: keyless trusts pull requests only on read-only roles ' +
        '(`readOnly: true`, `trust: { pullRequests: true }`).',
    );
  if (claimEvent === 'pull_request_target')
    add(
      'pull-request-target',
      'likely',
      'The workflow runs on `pull_request_target`',
      `Its token carries the base branch's subject (${code(sub)}) although the job may run the pull request's code. ` +
        'Plan pull requests on `pull_request` with a read-only role instead; keyless never trusts `pull_request_target` runs on purpose.',
    );

  if (typeof claims.iss === 'string' && claims.iss !== GITHUB_COM_ISSUER)
    add(
      'issuer',
      'check',
      `The issuer is ${code(claims.iss)}, not github.com's`,
      `The account needs an OIDC provider for exactly this URL, and the trust policy's condition keys start with ` +
        `${code(`${claims.iss.replace(/^https:\/\//, '')}:`)}. In keyless: \`github.issuer\` (\`enterpriseSlug\`, \`gheSubdomain\` or ` +
        '`ghesHost`). AWS documents the GitHub claim keys (`repository_id`, …) for github.com\'s issuer only.',
    );

  if (subject.repo === undefined)
    add(
      'custom-template',
      'likely',
      `The subject does not name the repository: ${code(sub)}`,
      'A custom subject template (`include_claim_keys` without `repo`) replaced the default. A role written for ' +
        '`repo:OWNER/REPO:…` refuses it. Check the template with `gh api repos/OWNER/REPO/actions/oidc/customization/sub`.',
    );
  else if (subject.template === 'custom')
    add(
      'custom-template',
      'likely',
      `The subject uses a custom template: ${subject.keys.map((k) => code(k)).join(', ')}`,
      'A repository or organisation subject template (`include_claim_keys`) replaced the default `repo:…:ref:…`, ' +
        '`repo:…:environment:…` or `repo:…:pull_request`. A role written for the default template refuses this subject, and ' +
        'the other way round. An organisation template applies to a repository only after it sets `use_default: false`. ' +
        'keyless writes a repository\'s template itself for roles that trust reusable workflows (`trust.workflows`); ' +
        'with `manageSubjectTemplate: false` another app writes it.',
    );

  const jobWorkflowRef = typeof claims.job_workflow_ref === 'string' ? claims.job_workflow_ref : undefined;
  const workflowRef = typeof claims.workflow_ref === 'string' ? claims.workflow_ref : undefined;
  if (jobWorkflowRef !== undefined && workflowRef !== undefined && jobWorkflowRef !== workflowRef) {
    const title = `The job runs the reusable workflow ${code(jobWorkflowRef)}, called by ${code(workflowRef)}`;
    if (subject.jobWorkflowRef === undefined)
      add(
        'reusable-workflow',
        'check',
        title,
        `Its subject (${code(sub)}) describes the caller, not the reusable workflow. A role that trusts the workflow ` +
          'through the subject (keyless `trust.workflows`) expects a subject template that adds `job_workflow_ref` ' +
          '(`…:job_workflow_ref:OWNER/REPO/.github/workflows/FILE@REF`): check the repository\'s template with ' +
          '`gh api repos/OWNER/REPO/actions/oidc/customization/sub`, or apply the keyless stack that writes it. A role ' +
          'that pins the workflow through the `job_workflow_ref` condition key compares the exact value above, ref included.',
      );
    else
      add(
        'reusable-workflow',
        'check',
        title,
        'The subject includes it, so the role must name exactly this workflow at exactly this ref: the same workflow ' +
          'at another branch, tag or commit is another subject.',
      );
  }

  if (environment !== undefined && subject.environment !== undefined)
    add(
      'environment-subject',
      'likely',
      `The job names the environment ${code(environment)}, so its subject is ${code(sub)}, not the branch`,
      `Every job that names an environment gets the environment's subject, whatever it runs on (here ${code(ref ?? '?')}). ` +
        'A role written for a branch (`…:ref:refs/heads/main`) refuses it. In keyless, trust the environment: ' +
        `\`trust: { environments: [${environment}] }\`, and add \`branches: [main]\` to require the environment and the ` +
        'branch together.',
    );
  else if (subject.template === 'default' && subject.ref !== undefined)
    add(
      'ref-subject',
      'check',
      `The job names no environment, so its subject is the ${claims.ref_type === 'tag' || subject.ref.startsWith('refs/tags/') ? 'tag' : 'ref'}: ${code(sub)}`,
      'A role that trusts a GitHub environment (`…:environment:NAME`) refuses it: add `environment: NAME` to the job. ' +
        "keyless writes an environment-gated role's ARN to that environment's variables, so without `environment:` the " +
        'job does not see it either.',
    );
  else if (environment !== undefined && subject.environment === undefined && subject.repo !== undefined)
    add(
      'environment-not-in-subject',
      'check',
      `The job names the environment ${code(environment)}, but the subject does not include it`,
      'The custom subject template leaves the environment out, so a role written for `…:environment:NAME` refuses it. ' +
        'AWS STS also checks the `environment` claim directly as a condition key.',
    );


  if (subject.immutable) {
    const other = otherSubjectForm(sub, claims);
    add(
      'immutable-subject',
      'likely',
      `This repository sends immutable subjects: ${code(`repo:${subject.repo}:`)}`,
      'Repositories created, renamed or transferred on or after 2026-07-15, and older ones that opted in, get subjects ' +
        "with the owner's and the repository's numeric ids. A trust policy written for the name " +
        `${code(`repo:${subject.immutable.owner}/${subject.immutable.name}:`)} no longer matches. In keyless: set the ` +
        `repository's \`id: ${subject.immutable.repoId}\` and \`github.ownerId: ${subject.immutable.ownerId}\`, with ` +
        `\`subjectFormat: immutable\` or \`both\`.${other ? ` The name form of this subject: ${code(other)}.` : ''}`,
    );
  } else if (subject.repo !== undefined) {
    const other = otherSubjectForm(sub, claims);
    if (other !== undefined)
      add(
        'name-subject',
        'check',
        `This repository sends name-based subjects: ${code(`repo:${subject.repo}:`)}`,
        `A role with \`subjectFormat: immutable\` expects ${code(other)} and refuses this token until the repository ` +
          '(or its organisation) opts in to immutable subjects; `subjectFormat: both` accepts either form.',
      );
  }

  if (subject.pullRequest)
    add(
      'pull-request-subject',
      'likely',
      `The subject is a pull request's: ${code(sub)}`,
      `Jobs of pull request events that name no environment get \`…:pull_request\`, never a branch subject (the ref is ` +
        `${code(ref ?? 'refs/pull/N/merge')}). A role written for a branch refuses it. keyless trusts pull requests only on ` +
        'read-only roles: `readOnly: true`, `trust: { pullRequests: true }`.',
    );

  if (!causes.some((c) => c.level !== 'check'))
    add(
      'no-clear-cause',
      'check',
      'No cause stands out from the claims alone',
      "Compare them with the role's trust policy: run the `keyless explain` command below in the infra repository, or read " +
        "the role's trust relationships in the IAM console. If explain accepts the claims, what is deployed differs from " +
        'the config: run `terraform plan` for the stack.',
    );
  return sortCauses(causes);
}

function sortCauses(causes) {
  return causes.map((c, i) => ({ c, i })).sort((a, b) => LEVEL_ORDER[a.c.level] - LEVEL_ORDER[b.c.level] || a.i - b.i).map(({ c }) => c);
}

// ---------------------------------------------------------------------------------------------------------
// Output

/** A claim value or any text from outside as one line. */
export function oneLine(value) {
  return String(value).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}

/** A Markdown code span that holds the value literally, whatever backticks it contains. */
export function code(value) {
  const s = oneLine(value);
  if (s === '') return '*(empty)*';
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || s.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Markdown code spans as plain text, for the log. */
export function plain(markdown) {
  return markdown.replace(/(`+)( ?)([\s\S]*?)\2\1/g, '$3');
}

/** A code span inside a table row: `|` must be escaped even there. */
function cell(value) {
  return code(value).replace(/\|/g, '\\|');
}

function claimText(v) {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** POSIX shell single quotes: everything literal, `'` written as `'\''`. */
export function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/**
 * The claims for `keyless explain --token`: the payload without the per-token fields, the claims of the summary
 * first (in its order), then the others in the token's order.
 */
export function explainClaims(claims) {
  const keys = [...CLAIMS_SHOWN.filter((k) => k in claims), ...Object.keys(claims).filter((k) => !CLAIMS_SHOWN.includes(k))];
  return Object.fromEntries(keys.filter((k) => !PER_TOKEN_CLAIMS.includes(k)).map((k) => [k, claims[k]]));
}

/** `pnpm keyless explain [APP …] --token '<claims JSON>'`, safe to paste into a POSIX shell. */
export function explainCommand(claims, apps = []) {
  return ['pnpm keyless explain', ...apps, '--token', shellQuote(JSON.stringify(explainClaims(claims)))].join(' ');
}

function fenced(text, info = '') {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/** The job summary, as Markdown. */
export function renderSummary({ inputs, claims, causes, env }) {
  const lines = [];
  lines.push("## keyless diagnose: why AWS may have refused this job's token", '');
  const requested = [`Token requested for the audience ${code(inputs.audience)}`];
  if (inputs.roleArn) requested.push(`for the role ${code(inputs.roleArn)}`);
  lines.push(
    `${requested.join(', ')}. ${claims ? 'The token itself was never printed or stored; below are its claims.' : 'No token could be had.'}`,
    '',
  );
  if (!inputs.roleArn)
    lines.push(
      'No `role-to-assume` was passed to this step. Pass the same value as to configure-aws-credentials ' +
        '(`${{ vars.AWS_ROLE_ARN }}`): if it arrives empty here too, the variable is not visible to this job.',
      '',
    );
  for (const note of inputs.notes) lines.push(`> ${note}`, '');

  lines.push('### Likely causes', '');
  for (const c of causes) {
    lines.push(`- **${LEVEL_LABEL[c.level]}:** ${c.title}`, '');
    lines.push(...c.detail.split('\n').map((l) => (l === '' ? '' : `  ${l}`)), '');
  }

  if (claims) {
    lines.push('### The claims that matter', '', '| claim | value |', '| --- | --- |');
    for (const k of CLAIMS_SHOWN) {
      const v = claimText(claims[k]);
      lines.push(`| \`${k}\` | ${v === undefined ? '*(absent)*' : cell(v)} |`);
    }
    lines.push('');

    const iss = typeof claims.iss === 'string' ? claims.iss : GITHUB_COM_ISSUER;
    const prefix = iss.replace(/^https:\/\//, '');
    lines.push(
      '### What AWS STS compares',
      '',
      `The trust policy's conditions are checked against these values (keys under ${code(`${prefix}:`)}). ` +
        'A key absent from the token fails any condition on it.',
      '',
      '| condition key | this token |',
      '| --- | --- |',
    );
    for (const k of ['aud', 'sub', ...STS_GITHUB_KEYS]) {
      const v = claimText(claims[k]);
      lines.push(`| ${cell(`${prefix}:${k}`)} | ${v === undefined ? '*(absent)*' : cell(v)} |`);
    }
    lines.push('');

    const apps = inputs.apps;
    lines.push(
      '### Check it against the config',
      '',
      `In the infra repository, \`keyless explain\` evaluates the trust policies keyless generates and names the condition that refuses these claims${apps.length ? '' : ' (add app names, e.g. `dev prod`, to check fewer configs)'}:`,
      '',
      fenced(explainCommand(claims, apps), 'sh'),
      '',
      `The claims name the repository, ref, environment and workflow; they are not secret. The per-token fields (${PER_TOKEN_CLAIMS.map((k) => `\`${k}\``).join(', ')}) are left out, and the token itself is not here.`,
      '',
    );
  } else {
    const facts = [
      ['event', env['GITHUB_EVENT_NAME']],
      ['repository', env['GITHUB_REPOSITORY']],
      ['ref', env['GITHUB_REF']],
      ['workflow', env['GITHUB_WORKFLOW_REF']],
      ['actor', env['GITHUB_ACTOR']],
    ].filter(([, v]) => v);
    if (facts.length > 0) {
      lines.push('### This run', '', '| | |', '| --- | --- |');
      for (const [k, v] of facts) lines.push(`| ${k} | ${cell(v)} |`);
      lines.push('');
    }
    lines.push('Once the job can request a token, this step shows its claims and a `keyless explain` command.', '');
  }
  return `${lines.join('\n')}\n`;
}

/** A workflow command's message, escaped as @actions/core escapes it. */
function escapeData(s) {
  return String(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function writeOutputs(path, outputs) {
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    const delimiter = `ghadelimiter_${randomBytes(16).toString('hex')}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  appendFileSync(path, text);
}

// ---------------------------------------------------------------------------------------------------------
// Main

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
