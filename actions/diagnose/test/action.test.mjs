// The action end to end: a child process with the runner's environment, against a local token endpoint.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import * as claims from './fixtures.mjs';
import { REQUEST_TOKEN, causeIds, jwt, runAction, servesToken, startTokenServer } from './helpers.mjs';

/**
 * The token may reach stdout once, as the `::add-mask::` command the runner consumes (and never shows), as the
 * first line; nothing else may carry it or any part of it, nor the runner's request token.
 */
function assertTokenNeverShown(result, token) {
  const [, payload, signature] = token.split('.');
  const lines = result.stdout.split('\n');
  assert.equal(lines[0], `::add-mask::${token}`, 'the token is masked before anything else is printed');
  const rest = lines.slice(1).join('\n');
  for (const [where, text] of [
    ['stdout', rest],
    ['stderr', result.stderr],
    ['summary', result.summary],
    ['outputs', result.outputText],
  ]) {
    assert.ok(!text.includes(signature), `${where} holds the token's signature`);
    assert.ok(!text.includes(payload), `${where} holds the token's payload segment`);
    assert.ok(!text.includes(REQUEST_TOKEN), `${where} holds the request token`);
  }
}

/** The summary's explain command, run through a real shell: what `--token` receives. */
function tokenArgument(summary) {
  const m = /^(pnpm keyless explain.*)$/m.exec(summary);
  assert.ok(m, 'the summary has the explain command');
  const script = `set -- ${m[1].replace(/^pnpm keyless explain/, '')}\nwhile [ "$1" != --token ]; do shift; done\nprintf '%s' "$2"`;
  return JSON.parse(execFileSync('sh', ['-c', script], { encoding: 'utf8' }));
}

function withoutPerTokenClaims(c) {
  const { jti, nbf, iat, exp, ...rest } = c;
  return rest;
}

describe('keyless diagnose with a token', () => {
  const cases = [
    {
      name: 'a branch push',
      claims: claims.branchPush,
      expect: ['ref-subject', 'name-subject'],
      texts: ['repo:octo-org@65/octo-repo@74:ref:refs/heads/main', 'No cause stands out'],
    },
    {
      name: 'an environment job',
      claims: claims.environmentJob,
      expect: ['environment-subject', 'name-subject'],
      texts: ['names the environment `prod`', 'trust: { environments: [prod] }', 'here `refs/heads/main`'],
    },
    {
      name: 'a pull request',
      claims: claims.pullRequest,
      eventName: 'pull_request',
      event: claims.sameRepositoryPullRequestEvent,
      expect: ['pull-request-subject', 'name-subject'],
      texts: ["The subject is a pull request's", '`refs/pull/12/merge`', 'trust: { pullRequests: true }'],
    },
    {
      name: 'an immutable subject',
      claims: claims.immutableSubject,
      expect: ['immutable-subject', 'ref-subject'],
      texts: ['`repo:octo-org@65/octo-repo@74:`', '`id: 74`', '`github.ownerId: 65`', 'name form of this subject: `repo:octo-org/octo-repo:ref:refs/heads/main`'],
    },
    {
      name: 'a reusable workflow with the job_workflow_ref template',
      claims: claims.reusableWithTemplate,
      expect: ['custom-template', 'environment-subject', 'reusable-workflow', 'name-subject'],
      texts: ['`repo`, `environment`, `job_workflow_ref`', 'must name exactly this workflow'],
    },
    {
      name: 'a reusable workflow without the template',
      claims: claims.reusableWithoutTemplate,
      expect: ['environment-subject', 'reusable-workflow', 'name-subject'],
      texts: [
        'runs the reusable workflow `octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main`, called by `octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main`',
        'describes the caller, not the reusable workflow',
      ],
    },
    {
      name: 'a pull request from a fork that got a token',
      claims: claims.pullRequest,
      eventName: 'pull_request',
      event: claims.forkPullRequestEvent,
      expect: ['fork-pull-request', 'pull-request-subject', 'name-subject'],
      texts: ['`stranger/octo-repo` into `octo-org/octo-repo`', 'read-only roles'],
    },
  ];

  for (const c of cases) {
    describe(c.name, () => {
      let server;
      let token;
      let result;
      before(async () => {
        token = jwt(c.claims);
        server = await startTokenServer(servesToken(token));
        result = await runAction({ server, eventName: c.eventName ?? c.claims.event_name, event: c.event });
      });
      after(() => server.close());

      it('exits 0', () => {
        assert.equal(result.code, 0, result.stderr);
      });
      it('asks the token endpoint for sts.amazonaws.com with the request token', () => {
        assert.equal(server.requests.length, 1);
        assert.equal(server.requests[0].method, 'GET');
        assert.equal(server.requests[0].audience, 'sts.amazonaws.com');
        assert.equal(server.requests[0].apiVersion, '2.0');
        assert.equal(server.requests[0].authorization, `Bearer ${REQUEST_TOKEN}`);
      });
      it('never shows the token', () => {
        assertTokenNeverShown(result, token);
      });
      it('names the likely causes, strongest first', () => {
        assert.deepEqual(causeIds(result).filter((id) => id !== 'no-clear-cause'), c.expect);
        for (const t of c.texts) assert.ok(result.summary.includes(t), `summary lacks ${t}:\n${result.summary}`);
      });
      it('lists the claims that matter', () => {
        for (const k of ['sub', 'aud', 'iss', 'repository', 'repository_id', 'repository_owner_id', 'ref', 'event_name', 'job_workflow_ref', 'workflow_ref', 'runner_environment'])
          assert.match(result.summary, new RegExp(`^\\| \`${k}\` \\| \`${String(c.claims[k]).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` \\|$`, 'm'));
        assert.match(result.summary, /^\| `environment` \| /m);
        assert.equal(result.outputs.subject, c.claims.sub);
      });
      it('writes a keyless explain command with the claims but not the per-token fields', () => {
        assert.deepEqual(tokenArgument(result.summary), withoutPerTokenClaims(c.claims));
      });
    });
  }
});

describe('keyless diagnose without a token', () => {
  it('explains a missing id-token: write permission, and does not fail the step', async () => {
    const r = await runAction({ idToken: false });
    assert.equal(r.code, 0);
    assert.deepEqual(causeIds(r), ['missing-id-token-permission']);
    assert.match(r.summary, /lacks `permissions: id-token: write`/);
    assert.match(r.summary, /`ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN` are missing/);
    assert.match(r.summary, /id-token: write {3}# lets the job request the OIDC token/);
    assert.match(r.summary, /Could not load credentials from any providers/);
    assert.ok(!r.summary.includes('keyless explain --token'), 'no command without claims');
    assert.equal(r.outputs.subject, '');
  });

  it('names the one request variable that is missing', async () => {
    const server = await startTokenServer(servesToken(jwt(claims.branchPush)));
    try {
      const r = await runAction({ server, env: { ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined } });
      assert.match(r.summary, /here `ACTIONS_ID_TOKEN_REQUEST_TOKEN` is missing/);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  it('fails the step only with fail-on-error: true', async () => {
    const r = await runAction({ idToken: false, inputs: { 'fail-on-error': 'true' } });
    assert.equal(r.code, 1);
    assert.deepEqual(causeIds(r), ['missing-id-token-permission']);
  });

  it('says a fork pull request gets no token, instead of blaming the permission', async () => {
    const r = await runAction({ idToken: false, eventName: 'pull_request', event: claims.forkPullRequestEvent });
    assert.deepEqual(causeIds(r), ['fork-pull-request']);
    assert.match(r.summary, /pull request from a fork \(`stranger\/octo-repo` into `octo-org\/octo-repo`\): GitHub gives it no OIDC token/);
  });

  it('blames the permission for a pull request from the same repository', async () => {
    const r = await runAction({ idToken: false, eventName: 'pull_request', event: claims.sameRepositoryPullRequestEvent });
    assert.deepEqual(causeIds(r), ['missing-id-token-permission']);
  });

  it('reports a refused token request with its status and the service message, not its body', async () => {
    const fake = jwt(claims.branchPush);
    const server = await startTokenServer(() => ({ status: 403, body: JSON.stringify({ message: `Forbidden for ${fake}` }) }));
    try {
      const r = await runAction({ server });
      assert.equal(r.code, 0);
      assert.deepEqual(causeIds(r), ['token-request-failed']);
      assert.match(r.summary, /The token request failed: the token service answered HTTP 403: Forbidden for \*\*\*/);
      assert.equal(server.requests.length, 1, '4xx is not retried');
      for (const text of [r.stdout, r.stderr, r.summary]) assert.ok(!text.includes(fake.split('.')[2]));
      assert.equal((await runAction({ server, inputs: { 'fail-on-error': 'true' } })).code, 1);
    } finally {
      await server.close();
    }
  });

  it('retries a 5xx answer', async () => {
    const token = jwt(claims.branchPush);
    const server = await startTokenServer((_, n) => (n === 1 ? { status: 503, body: '{}' } : servesToken(token)()));
    try {
      const r = await runAction({ server });
      assert.equal(server.requests.length, 2);
      assert.equal(r.outputs.subject, claims.branchPush.sub);
      assertTokenNeverShown(r, token);
    } finally {
      await server.close();
    }
  });

  it('does not quote an answer that is not JSON (it may hold the token)', async () => {
    const token = jwt(claims.branchPush);
    const server = await startTokenServer(() => ({ status: 200, body: `{"value":"${token}"` }));
    try {
      const r = await runAction({ server });
      assert.deepEqual(causeIds(r), ['token-unreadable']);
      // Exactly this sentence: JSON.parse's own message would quote the answer.
      assert.match(r.summary, /^- \*\*Found:\*\* The token could not be read: the token service answered with something that is not JSON$/m);
      for (const text of [r.stdout, r.stderr, r.summary, r.outputText]) assert.ok(!text.includes(token.split('.')[2]));
    } finally {
      await server.close();
    }
  });

  it('masks an answer with a line break as one command, so it cannot start another', async () => {
    const server = await startTokenServer(() => ({ status: 200, body: JSON.stringify({ value: 'abc.def\n::error::injected\r\n%' }) }));
    try {
      const r = await runAction({ server });
      assert.equal(r.stdout.split('\n')[0], '::add-mask::abc.def%0A::error::injected%0D%0A%25');
      assert.ok(!r.stdout.split('\n').some((l) => l.startsWith('::error::')));
      assert.deepEqual(causeIds(r), ['token-unreadable']);
    } finally {
      await server.close();
    }
  });

  it('reports a value that is not a JWT', async () => {
    const server = await startTokenServer(() => ({ status: 200, body: '{"value":"not-a-jwt"}' }));
    try {
      const r = await runAction({ server });
      assert.deepEqual(causeIds(r), ['token-unreadable']);
      assert.match(r.summary, /not a JWT/);
    } finally {
      await server.close();
    }
  });
});

describe('keyless diagnose inputs', () => {
  let server;
  let token;
  before(async () => {
    token = jwt(claims.branchPush);
    server = await startTokenServer(servesToken(token));
  });
  after(() => server.close());

  it('requests the audience of the audience input, and flags it as custom', async () => {
    const r = await runAction({ server, inputs: { audience: 'https://github.com/octo-org' } });
    assert.equal(server.requests.at(-1).audience, 'https://github.com/octo-org');
    assert.equal(causeIds(r)[0], 'custom-audience');
    assert.match(r.summary, /custom audience `https:\/\/github.com\/octo-org`/);
  });

  it('finds the China audience missing for an aws-cn role', async () => {
    const r = await runAction({ server, inputs: { 'role-to-assume': 'arn:aws-cn:iam::111111111111:role/gha-dev-web-app-deploy' } });
    assert.equal(causeIds(r)[0], 'audience-partition');
    assert.match(r.summary, /expects the audience `sts.amazonaws.com.cn`; this job asked for `sts.amazonaws.com`/);
  });

  it('accepts the China audience for an aws-cn role', async () => {
    const r = await runAction({ server, inputs: { audience: 'sts.amazonaws.com.cn', 'role-to-assume': 'arn:aws-cn:iam::111111111111:role/x' } });
    assert.ok(!causeIds(r).some((id) => id.includes('audience')));
  });

  it('finds a role-to-assume that is not a role ARN', async () => {
    const r = await runAction({ server, inputs: { 'role-to-assume': 'gha-dev-web-app-deploy' } });
    assert.equal(causeIds(r)[0], 'role-arn-invalid');
    assert.match(r.summary, /for the role `gha-dev-web-app-deploy`/);
  });

  it('says when no role was passed', async () => {
    const r = await runAction({ server });
    assert.match(r.summary, /No `role-to-assume` was passed to this step/);
    const withRole = await runAction({ server, inputs: { 'role-to-assume': 'arn:aws:iam::111111111111:role/gha-dev-web-app-deploy' } });
    assert.ok(!withRole.summary.includes('No `role-to-assume`'));
  });

  it('names the apps in the command and leaves out what is not an app name', async () => {
    const r = await runAction({ server, inputs: { apps: 'dev prod --json;rm' } });
    assert.match(r.summary, /^pnpm keyless explain dev prod --token '/m);
    assert.match(r.summary, /`--json;rm` is not an app directory name/);
  });

  it('notes an invalid fail-on-error and does not fail', async () => {
    const r = await runAction({ idToken: false, inputs: { 'fail-on-error': 'yes' } });
    assert.equal(r.code, 0);
    assert.match(r.summary, /`yes` is not `true` or `false`/);
  });

  it('prints the summary when the runner gives no summary file, still without the token', async () => {
    const r = await runAction({ server, summary: false });
    assert.match(r.stdout, /## keyless diagnose/);
    assert.match(r.stdout, /pnpm keyless explain --token/);
    assertTokenNeverShown({ ...r, summary: '' }, token);
  });
});

describe('keyless diagnose with hostile claim values', () => {
  it('keeps the summary, the log and the command intact', async () => {
    const nasty = {
      ...claims.environmentJob,
      environment: "prod'; rm -rf / #`x`|y\n::error::injected",
      sub: 'repo:octo-org/octo-repo:environment:prod%3Bx',
      workflow: "it's ```deploy``` | pipe\n::warning::injected\r\n$(id) ${HOME}",
    };
    const token = jwt(nasty);
    const server = await startTokenServer(servesToken(token));
    try {
      const r = await runAction({ server });
      assertTokenNeverShown(r, token);
      assert.deepEqual(tokenArgument(r.summary), withoutPerTokenClaims(nasty));
      // Workflow commands start a line; the only ones are the mask and this step's own warning.
      const commands = r.stdout.split('\n').filter((l) => l.trimStart().startsWith('::'));
      assert.deepEqual(commands.map((l) => l.split('::')[1]), ['add-mask', 'warning title=keyless diagnose']);
      // Every table row keeps its two cells: `|` inside values is escaped.
      for (const row of r.summary.split('\n').filter((l) => l.startsWith('| `'))) assert.equal(row.split(/(?<!\\)\|/).length, 4, row);
      assert.match(r.summary, /\| `environment` \| `` prod'; rm -rf \/ #`x`\\\|y ::error::injected `` \|/);
      assert.match(r.stdout.split('\n').slice(1).join('\n'), /^keyless diagnose: likely: The job names the environment prod'; rm -rf \/ #`x`\|y ::error::injected, so/m);
    } finally {
      await server.close();
    }
  });
});
