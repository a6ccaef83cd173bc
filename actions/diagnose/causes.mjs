// keyless diagnose: the likely causes of a refusal, from what the step sees (the request variables, the inputs,
// the event payload, the token's claims), strongest first. The role's trust policy is out of reach (the step has
// no AWS credentials, which is the point): what depends on it is "worth checking".
import { CHINA_AUDIENCE, DEFAULT_AUDIENCE, GITHUB_COM_ISSUER, otherSubjectForm, parseSubject } from './claims.mjs';
import { parseRoleArn, pullRequestOrigin } from './inputs.mjs';
import { code } from './text.mjs';

const LEVEL_ORDER = { found: 0, likely: 1, check: 2 };
/** How the summary and the log name each level. */
export const LEVEL_LABEL = { found: 'Found', likely: 'Likely', check: 'Worth checking' };

/**
 * The likely causes, strongest first. Each is `{ id, level, title, detail }`: `found` when the evidence is
 * certain, `likely` when the claims show a common reason for a refusal, `check` for what cannot be decided
 * without the role's trust policy.
 *
 * @param {object} d
 * @param {ReturnType<typeof import('./inputs.mjs').readInputs>} d.inputs
 * @param {string | undefined} d.eventName
 * @param {object | undefined} d.payload  the event payload
 * @param {string | undefined} d.actor
 * @param {string[]} d.missingVariables  token request variables the runner did not set
 * @param {import('./oidc.mjs').DiagnoseError | undefined} d.error  why no token could be had
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
