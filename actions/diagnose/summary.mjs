// keyless diagnose: what the step writes: the job summary (the causes, the claims that matter, what STS compares
// and a ready `keyless explain --token` command) and the step outputs.
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { LEVEL_LABEL } from './causes.mjs';
import { CLAIMS_SHOWN, GITHUB_COM_ISSUER, PER_TOKEN_CLAIMS, STS_GITHUB_KEYS, explainClaims } from './claims.mjs';
import { code, shellQuote } from './text.mjs';

/** A code span inside a table row: `|` must be escaped even there. */
function cell(value) {
  return code(value).replace(/\|/g, '\\|');
}

function claimText(v) {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
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

/** Appends the outputs to GITHUB_OUTPUT, each in a `name<<DELIMITER` block with a random delimiter. */
export function writeOutputs(path, outputs) {
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    const delimiter = `ghadelimiter_${randomBytes(16).toString('hex')}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  appendFileSync(path, text);
}
