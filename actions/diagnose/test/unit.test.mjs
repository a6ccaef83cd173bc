// The pure parts of the action, imported directly: subjects, fork detection, Markdown and shell quoting.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  DiagnoseError,
  code,
  decodeJwtPayload,
  diagnose,
  explainClaims,
  explainCommand,
  oneLine,
  otherSubjectForm,
  parseRoleArn,
  parseSubject,
  plain,
  pullRequestOrigin,
  readInputs,
  redact,
  redactJwts,
  shellQuote,
} from '../index.mjs';
import * as fixtures from './fixtures.mjs';
import { jwt } from './helpers.mjs';

/** mulberry32: a small seeded generator, so the randomized cases are the same on every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings made mostly of what breaks Markdown, shells and workflow commands. */
function hostileStrings(count, seed) {
  const next = random(seed);
  const alphabet = ['`', '``', "'", '"', '|', '\\', '$', '(', ')', '{', '}', ':', '::', '%', '\n', '\r', '\t', ' ', '*', '_', '<', '>', '#', '!', 'a', 'Z', '0', 'é', '한', '\u2028', '😀', '-', '/', '@'];
  const out = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const len = Math.floor(next() * 24);
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(next() * alphabet.length)];
    out.push(s);
  }
  return out;
}

describe('parseSubject', () => {
  const table = [
    ['repo:octo-org/octo-repo:ref:refs/heads/main', { template: 'default', repo: 'octo-org/octo-repo', ref: 'refs/heads/main', environment: undefined, pullRequest: false }],
    ['repo:octo-org/octo-repo:ref:refs/tags/v1.2.0', { template: 'default', ref: 'refs/tags/v1.2.0' }],
    ['repo:octo-org/octo-repo:environment:prod', { template: 'default', environment: 'prod', ref: undefined }],
    ['repo:octo-org/octo-repo:environment:prod%3Av1', { template: 'default', environment: 'prod%3Av1' }],
    ['repo:octo-org/octo-repo:pull_request', { template: 'default', pullRequest: true }],
    ['repo:octo-org@65/octo-repo@74:ref:refs/heads/main', { template: 'default', repo: 'octo-org@65/octo-repo@74', immutable: { owner: 'octo-org', ownerId: '65', name: 'octo-repo', repoId: '74' } }],
    [
      'repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main',
      { template: 'custom', environment: 'prod', jobWorkflowRef: 'octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main' },
    ],
    ['repo:octo-org/octo-repo:pull_request:job_workflow_ref:o/a/.github/workflows/x.yml@refs/heads/main', { template: 'custom', pullRequest: true, jobWorkflowRef: 'o/a/.github/workflows/x.yml@refs/heads/main' }],
    ['repository_owner_id:65:ref:refs/heads/main', { template: 'custom', repo: undefined, ref: 'refs/heads/main' }],
    ['repo:octo-org/octo-repo:workflow:deploy', { template: 'custom' }],
    // Not ids: a wildcard or a name with @ in it is not the immutable form.
    ['repo:octo-org@*/octo-repo@74:ref:refs/heads/main', { immutable: undefined }],
    ['repo:octo-org/octo-repo@74:ref:refs/heads/main', { immutable: undefined }],
  ];
  for (const [sub, expected] of table)
    it(`reads ${sub}`, () => {
      const parsed = parseSubject(sub);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(parsed[k], v, k);
    });
});

describe('otherSubjectForm', () => {
  it('turns a name subject into the immutable one with the claims ids, numbers or strings', () => {
    assert.equal(otherSubjectForm('repo:octo-org/octo-repo:environment:prod', { repository_owner_id: '65', repository_id: '74' }), 'repo:octo-org@65/octo-repo@74:environment:prod');
    assert.equal(otherSubjectForm('repo:octo-org/octo-repo:pull_request', { repository_owner_id: 65, repository_id: 74 }), 'repo:octo-org@65/octo-repo@74:pull_request');
  });
  it('turns an immutable subject into the name one', () => {
    assert.equal(otherSubjectForm('repo:octo-org@65/octo-repo@74:ref:refs/heads/main', {}), 'repo:octo-org/octo-repo:ref:refs/heads/main');
  });
  it('says nothing without numeric ids', () => {
    assert.equal(otherSubjectForm('repo:octo-org/octo-repo:pull_request', {}), undefined);
    assert.equal(otherSubjectForm('repo:octo-org/octo-repo:pull_request', { repository_owner_id: '6*', repository_id: '74' }), undefined);
    assert.equal(otherSubjectForm('repository_owner_id:65:pull_request', { repository_owner_id: '65', repository_id: '74' }), undefined);
  });
});

describe('pullRequestOrigin', () => {
  const table = [
    ['a fork, by id', 'pull_request', fixtures.forkPullRequestEvent, true],
    ['the same repository', 'pull_request', fixtures.sameRepositoryPullRequestEvent, false],
    ['a review of a fork', 'pull_request_review', fixtures.forkPullRequestEvent, true],
    ['a deleted fork', 'pull_request', { pull_request: { head: { repo: null }, base: { repo: { id: 74, full_name: 'octo-org/octo-repo' } } } }, true],
    ['names only, differing in case', 'pull_request', { pull_request: { head: { repo: { full_name: 'Octo-Org/octo-repo' } }, base: { repo: { full_name: 'octo-org/octo-repo' } } } }, false],
    ['names only, another owner', 'pull_request', { pull_request: { head: { repo: { full_name: 'stranger/octo-repo' } }, base: { repo: { full_name: 'octo-org/octo-repo' } } } }, true],
    ['a push', 'push', fixtures.forkPullRequestEvent, undefined],
    ['no payload', 'pull_request', undefined, undefined],
    ['pull_request_target (never a fork run of this kind)', 'pull_request_target', fixtures.forkPullRequestEvent, undefined],
  ];
  for (const [name, event, payload, fork] of table)
    it(name, () => {
      assert.equal(pullRequestOrigin(event, payload).fork, fork);
    });
});

describe('parseRoleArn', () => {
  it('reads role ARNs of every partition, with paths', () => {
    assert.deepEqual(parseRoleArn('arn:aws:iam::111111111111:role/github-actions/gha-dev-web-app-deploy'), { partition: 'aws', account: '111111111111', name: 'gha-dev-web-app-deploy' });
    assert.equal(parseRoleArn('arn:aws-cn:iam::111111111111:role/x')?.partition, 'aws-cn');
    assert.equal(parseRoleArn('arn:aws-us-gov:iam::111111111111:role/x')?.partition, 'aws-us-gov');
  });
  it('refuses what is not a role ARN', () => {
    for (const bad of ['', 'gha-dev-web-app-deploy', 'arn:aws:iam::11111111111:role/x', 'arn:aws:iam::111111111111:user/x', 'arn:aws:sts::111111111111:assumed-role/x/y', ' arn:aws:iam::111111111111:role/x'])
      assert.equal(parseRoleArn(bad), undefined, bad);
  });
});

describe('readInputs', () => {
  it('takes the runner defaults', () => {
    assert.deepEqual(readInputs({ INPUT_AUDIENCE: 'sts.amazonaws.com', 'INPUT_FAIL-ON-ERROR': 'false' }), { audience: 'sts.amazonaws.com', roleArn: '', failOnError: false, apps: [], notes: [] });
  });
  it('falls back to sts.amazonaws.com when the audience is empty', () => {
    assert.equal(readInputs({ INPUT_AUDIENCE: '  ' }).audience, 'sts.amazonaws.com');
  });
  it('reads booleans as @actions/core does', () => {
    for (const v of ['true', 'True', 'TRUE']) assert.equal(readInputs({ 'INPUT_FAIL-ON-ERROR': v }).failOnError, true);
    for (const v of ['false', 'False', 'FALSE', '']) assert.equal(readInputs({ 'INPUT_FAIL-ON-ERROR': v }).failOnError, false);
    const odd = readInputs({ 'INPUT_FAIL-ON-ERROR': '1' });
    assert.equal(odd.failOnError, false);
    assert.match(odd.notes[0] ?? '', /`1` is not `true` or `false`/);
  });
  it('keeps only app names that cannot be options or shell syntax', () => {
    const r = readInputs({ INPUT_APPS: 'dev, prod\n-x $(id) boot.strap' });
    assert.deepEqual(r.apps, ['dev', 'prod', 'boot.strap']);
    assert.equal(r.notes.length, 2);
  });
});

describe('decodeJwtPayload', () => {
  it('decodes the payload of a JWT without verifying it', () => {
    assert.deepEqual(decodeJwtPayload(jwt(fixtures.branchPush)), fixtures.branchPush);
  });
  it('refuses what is not a JWT, without quoting it', () => {
    const payload = Buffer.from('{"sub": "secret-looking').toString('base64url');
    for (const bad of ['a.b', 'a.b.c.d', `h.${payload}.s`, `h.${Buffer.from('[1]').toString('base64url')}.s`, 'h.***.s']) {
      assert.throws(() => decodeJwtPayload(bad), (e) => e instanceof DiagnoseError && e.kind === 'token' && !e.message.includes('secret-looking'));
    }
  });
});

describe('redact', () => {
  it('removes every occurrence of the secrets, and JWT-shaped text from messages', () => {
    const token = jwt(fixtures.branchPush);
    const [h, p, s] = token.split('.');
    assert.equal(redact(`a ${token} b ${s} c`, [token, h, p, s]), 'a *** b *** c');
    assert.equal(redactJwts(`Forbidden for ${token}.`), 'Forbidden for ***.');
    assert.equal(redact('short', ['s']), 'short', 'one-letter secrets would wipe the text');
  });
});

describe('code and plain', () => {
  it('writes any value as one code span that holds it literally (seeded random values)', () => {
    for (const s of hostileStrings(300, 1)) {
      const span = code(s);
      const line = oneLine(s);
      if (line === '') {
        assert.equal(span, '*(empty)*');
        continue;
      }
      assert.ok(!/[\n\r\u2028\u2029]/.test(span), 'one line');
      const fence = /^`+/.exec(span)[0];
      assert.ok(span.endsWith(fence));
      const inner = span.slice(fence.length, span.length - fence.length);
      const longestInside = Math.max(0, ...(line.match(/`+/g) ?? []).map((r) => r.length));
      assert.ok(fence.length > longestInside, 'no backtick run inside can close the span');
      assert.ok(inner === line || inner === ` ${line} `, JSON.stringify({ s, span }));
      assert.equal(plain(`x ${span} y`), `x ${line} y`);
    }
  });
});

describe('shellQuote and explainCommand', () => {
  it('round-trips any value through a POSIX shell (seeded random values)', () => {
    const values = hostileStrings(300, 2).map((s) => s.replace(/\0/g, ''));
    const script = `printf '%s\\0' ${values.map(shellQuote).join(' ')}`;
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
    assert.deepEqual(out, values);
  });

  it('hands explain exactly the claims, whatever they hold (seeded random values)', () => {
    const values = hostileStrings(100, 3);
    const claims = Object.fromEntries(values.map((v, i) => [`k${i}`, v]));
    Object.assign(claims, { sub: values[0], workflow: values[1], jti: 'x', iat: 1, nbf: 1, exp: 2 });
    const command = explainCommand(claims, ['dev']);
    assert.ok(!command.includes('\n'), 'one line');
    const script = `set -- ${command.replace(/^pnpm keyless explain/, '')}\n[ "$1" = dev ] && [ "$2" = --token ] && printf '%s' "$3"`;
    assert.deepEqual(JSON.parse(execFileSync('sh', ['-c', script], { encoding: 'utf8' })), explainClaims(claims));
  });

  it('leaves out only the per-token fields, the summary claims first', () => {
    const c = explainClaims({ jti: 'j', zeta: 1, sub: 's', iat: 1, nbf: 2, exp: 3, aud: 'a' });
    assert.deepEqual(Object.keys(c), ['sub', 'aud', 'zeta']);
  });
});

describe('diagnose', () => {
  const inputs = readInputs({});
  const base = { inputs, eventName: 'push', payload: undefined, actor: 'octocat', missingVariables: [], error: undefined };

  it('puts what is certain before what is likely before what is worth checking', () => {
    const causes = diagnose({ ...base, inputs: readInputs({ 'INPUT_ROLE-TO-ASSUME': 'nope', INPUT_AUDIENCE: 'custom' }), claims: fixtures.environmentJob });
    assert.deepEqual(causes.map((c) => c.level), ['found', 'likely', 'likely', 'check']);
    assert.deepEqual(causes.map((c) => c.id), ['role-arn-invalid', 'custom-audience', 'environment-subject', 'name-subject']);
  });

  it('names the issuer of an enterprise and its condition-key prefix', () => {
    const causes = diagnose({ ...base, claims: { ...fixtures.branchPush, iss: 'https://token.actions.githubusercontent.com/octocat-inc' } });
    const issuer = causes.find((c) => c.id === 'issuer');
    assert.ok(issuer);
    assert.match(issuer.detail, /`token\.actions\.githubusercontent\.com\/octocat-inc:`/);
  });

  it('warns about pull_request_target', () => {
    const causes = diagnose({ ...base, eventName: 'pull_request_target', claims: { ...fixtures.branchPush, event_name: 'pull_request_target' } });
    assert.equal(causes[0]?.id, 'pull-request-target');
  });

  it('finds a subject without the repository', () => {
    const causes = diagnose({ ...base, claims: { ...fixtures.branchPush, sub: 'repository_owner_id:65:ref:refs/heads/main' } });
    assert.deepEqual(causes.map((c) => c.id), ['custom-template']);
    assert.match(causes[0].title, /does not name the repository/);
  });

  it('says when a custom template leaves the environment out', () => {
    const causes = diagnose({ ...base, claims: { ...fixtures.environmentJob, sub: 'repo:octo-org/octo-repo:job_workflow_ref:o/a/.github/workflows/x.yml@refs/heads/main' } });
    assert.ok(causes.some((c) => c.id === 'environment-not-in-subject'));
  });

  it('calls a tag subject a tag', () => {
    const causes = diagnose({ ...base, claims: { ...fixtures.branchPush, sub: 'repo:octo-org/octo-repo:ref:refs/tags/v1.0.0', ref: 'refs/tags/v1.0.0', ref_type: 'tag' } });
    assert.match(causes.find((c) => c.id === 'ref-subject')?.title ?? '', /subject is the tag/);
  });

  it('mentions Dependabot when it started a run without a token', () => {
    const causes = diagnose({ ...base, actor: 'dependabot[bot]', missingVariables: ['ACTIONS_ID_TOKEN_REQUEST_URL'] });
    assert.match(causes[0]?.detail ?? '', /Dependabot/);
  });
});
