/**
 * `keyless explain --token`: the claims as JSON, a raw JWT (decoded, never verified, never printed back),
 * @FILE, or - for standard input; anything else is a usage error (exit 2) that names what is wrong. And no
 * error of any kind reaches the user as a stack trace.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { UsageError, checkClaims, readTokenClaims } from '../src/token-input.js';
import { type KeylessRun, runKeyless } from './run-keyless.js';
import { forAll as seededForAll, pick } from './seeded.js';

const dir = mkdtempSync(join(tmpdir(), 'keyless-token-'));
const CONFIG = join(dir, 'access.yaml');
writeFileSync(
  CONFIG,
  [
    'environment: sandbox',
    'aws: { accountId: "333333333333", region: ap-northeast-2 }',
    'github: { owner: octo-org }',
    'repositories:',
    '  web:',
    '    roles:',
    '      deploy:',
    '        trust: { branches: [main] }',
    '        inlinePolicies: { site: { Statement: [{ Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::site/*" }] } }',
  ].join('\n'),
);

const run = (argv: string[], stdin = ''): Promise<KeylessRun> => runKeyless(dir, argv, { stdin });

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A JWT as GitHub shapes it; the signature is made up, since keyless never verifies it. */
const jwt = (claims: unknown, header: unknown = { alg: 'RS256', typ: 'JWT', kid: 'x' }): string => `${b64(header)}.${b64(claims)}.${b64('not-a-real-signature-0123456789')}`;

const MAIN = { sub: 'repo:octo-org/web:ref:refs/heads/main', aud: 'sts.amazonaws.com', iss: 'https://token.actions.githubusercontent.com', repository_id: '456789', exp: 1767225600 };
const OTHER = { sub: 'repo:octo-org/web:ref:refs/heads/dev' };

describe('keyless explain --token input', () => {
  it.each([
    ['JSON claims', () => JSON.stringify(MAIN), ''],
    ['a raw JWT', () => jwt(MAIN), ''],
    ['a JWT with an empty signature', () => `${b64({ alg: 'none' })}.${b64(MAIN)}.`, ''],
    ['JSON claims from @FILE', () => { writeFileSync(join(dir, 'claims.json'), `${JSON.stringify(MAIN)}\n`); return '@claims.json'; }, ''],
    ['a JWT from @FILE', () => { writeFileSync(join(dir, 'token.jwt'), `${jwt(MAIN)}\n`); return '@token.jwt'; }, ''],
    ['JSON claims from standard input', () => '-', JSON.stringify(MAIN)],
    ['a JWT from standard input', () => '-', `  ${jwt(MAIN)}\n`],
  ])('reads %s', async (_what, arg, stdin) => {
    const { code, out, err } = await run(['explain', CONFIG, '--token', arg()], stdin);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('  + sandbox/gha-sandbox-web-deploy');
  });

  it('never prints a JWT back, in text or JSON output', async () => {
    const token = jwt(MAIN);
    for (const extra of [[], ['--json']]) {
      const { out, err } = await run(['explain', CONFIG, '--token', token, ...extra]);
      expect(out + err).not.toContain(token);
      expect(out + err).not.toContain(token.split('.')[2]);
      expect(out + err).not.toContain(token.split('.')[1]);
    }
  });

  it('never prints the input back when it refuses it', async () => {
    const secret = `${b64({ alg: 'RS256' })}.${b64('{"sub": not json')}.c2lnbmF0dXJl`;
    const { code, err } = await run(['explain', CONFIG, '--token', secret]);
    expect(code).toBe(2);
    expect(err).toBe('--token: the JWT payload is not JSON\n');
  });

  it('lets --sub, --aud and --iss override the claims of --token', async () => {
    const { code, out } = await run(['explain', CONFIG, '--token', jwt(OTHER), '--sub', MAIN.sub]);
    expect(code).toBe(0);
    expect(out).toContain(`token: sub ${JSON.stringify(MAIN.sub)}`);
  });

  it('exits 3 when no role accepts the token', async () => {
    expect((await run(['explain', CONFIG, '--token', jwt(OTHER)])).code).toBe(3);
  });

  const refusals: [string, string, string][] = [
    ['not JSON or a JWT', 'sub=x', '--token: not JSON claims or a JWT; pass the claims object'],
    ['a JSON list', '[{"sub":"repo:o/r:ref:refs/heads/main"}]', '--token: the claims are a list, not a JSON object'],
    ['JSON null', 'null', '--token: the claims are null, not a JSON object'],
    ['broken JSON', '{"sub": "x",}', '--token: not valid JSON'],
    ['an empty object', '{}', '--token: the sub claim is required'],
    ['a null sub', '{"sub":null}', '--token: claim sub is null; a token never carries a null claim, so leave it out'],
    ['a null claim', '{"sub":"repo:o/r:pull_request","environment":null}', '--token: claim environment is null'],
    ['a numeric sub', '{"sub":1}', "--token: claim sub is a number, but GitHub's tokens carry a string"],
    ['an empty sub', '{"sub":""}', '--token: the sub claim is empty'],
    ['a numeric aud', '{"sub":"s","aud":1}', "--token: claim aud is a number, but GitHub's tokens carry a string or a non-empty list of strings"],
    ['an empty aud list', '{"sub":"s","aud":[]}', '--token: claim aud is a list, but'],
    ['an aud list of numbers', '{"sub":"s","aud":[1]}', '--token: claim aud is a list, but'],
    ['a boolean iss', '{"sub":"s","iss":true}', "--token: claim iss is a boolean, but GitHub's tokens carry a string"],
    ['a repository_id that is not digits', '{"sub":"s","repository_id":"12a"}', "--token: claim repository_id is a string, but GitHub's tokens carry a numeric id"],
    ['a negative repository_owner_id', '{"sub":"s","repository_owner_id":-1}', '--token: claim repository_owner_id is a number, but'],
    ['an exp that is text', '{"sub":"s","exp":"soon"}', "--token: claim exp is a string, but GitHub's tokens carry a number of seconds"],
    ['an object claim', '{"sub":"s","extra":{"a":1}}', '--token: claim extra is an object'],
    // The last character of a base64url segment has unused low bits; "B" sets one, which no encoder writes.
    ['a JWT payload that is not canonical base64url', `${b64({ alg: 'x' })}.${b64(MAIN).slice(0, -1)}B.sig`, '--token: the JWT payload is not valid base64url'],
    ['a JWT payload of impossible length', `${b64({ alg: 'x' })}.abcde.sig`, '--token: the JWT payload is not valid base64url'],
    ['a JWT payload that is not UTF-8', `${b64({ alg: 'x' })}.${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.sig`, '--token: the JWT payload is not UTF-8 text'],
    ['a JWT payload that is a list', `${b64({ alg: 'x' })}.${b64([MAIN])}.sig`, '--token (JWT payload): the claims are a list'],
    ['a JWT header that is not JSON', `${b64('nope')}.${b64(MAIN)}.sig`, '--token: the JWT header is not JSON'],
    ['a JWT with a null sub', jwt({ sub: null }), '--token (JWT payload): claim sub is null'],
    ['a JWT with two parts', `${b64({ alg: 'x' })}.${b64(MAIN)}`, '--token: not JSON claims or a JWT'],
    ['a JWT with a character outside base64url', `${b64({ alg: 'x' })}.${b64(MAIN)}+.sig`, '--token: not JSON claims or a JWT'],
    ['a file that does not exist', '@missing.json', '--token @missing.json: cannot read the file (ENOENT)'],
    ['"@" alone', '@', '--token @FILE: name the file after "@"'],
    ['an empty token', '  ', '--token: empty'],
    ['a huge token', `{"sub":"${'x'.repeat(70_000)}"}`, '--token: 70010 characters, more than any token'],
  ];

  it.each(refusals)('refuses %s with a usage error', async (_what, arg, message) => {
    const { code, out, err } = await run(['explain', CONFIG, '--token', arg]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.startsWith(message)).toBe(true);
    expect(err.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('refuses an empty standard input', async () => {
    const { code, err } = await run(['explain', CONFIG, '--token', '-'], '\n');
    expect(code).toBe(2);
    expect(err).toMatch(/^--token - \(standard input\): empty/);
  });

  it('refuses an empty --sub', async () => {
    const { code, err } = await run(['explain', CONFIG, '--sub', '']);
    expect(code).toBe(2);
    expect(err).toBe("--sub: empty; give the sub claim's value\n");
  });

  it('documents the input forms and the exit codes in --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('--token JWT|@FILE|-');
    expect(out).toContain('its signature is not verified');
    for (const line of [/^ {2}0 {2}done/m, /^ {2}1 {2}a config breaks a rule/m, /^ {2}2 {2}usage/m, /^ {2}3 {2}explain with a token: no role accepts it/m]) expect(out).toMatch(line);
  });
});

// @keyless/cli has no fast-check dependency; these properties run on testkit's seeded generator instead (no shrinking).
const RUNS = 150;
const forAll = (seed: number, check: (r: () => number, i: number) => void): void => seededForAll(RUNS, seed, check);
const text = (r: () => number, max = 12): string =>
  Array.from({ length: Math.floor(r() * max) }, () => pick(r, [...'aZ09:/._-*?@{}$% "\\é한', '\u0000', '\u200b', '\ud83d\ude00'])).join('');

describe('token claims (property)', () => {
  const sources = (t: string) => ({ readFile: () => t, readStdin: () => t });

  it('reads the same claims from JSON, a JWT, a file and standard input', () => {
    forAll(1, (r) => {
      const claims: Record<string, unknown> = { sub: `repo:${text(r)}x`, aud: pick(r, ['sts.amazonaws.com', ['a', 'b']]), repository_id: String(Math.floor(r() * 1e9)), run_attempt: Math.floor(r() * 9) };
      for (let k = 0; k < Math.floor(r() * 3); k++) claims[`x_${k}`] = pick(r, [text(r), Math.floor(r() * 100), r() < 0.5, [text(r)]]);
      const json = JSON.stringify(claims);
      const expected = JSON.parse(json) as unknown;
      for (const [arg, t] of [[json, ''], [jwt(claims), ''], ['@f', json], ['@f', jwt(claims)], ['-', json], ['-', jwt(claims)]] as const)
        expect(readTokenClaims(arg, sources(t))).toEqual(expected);
    });
  });

  it('refuses any JSON value that is not an object', () => {
    forAll(2, (r) => {
      const value = pick(r, [null, r() < 0.5, r() * 1e6 - 5e5, text(r), [text(r)], [], [{ sub: text(r) }]]);
      expect(() => checkClaims(value)).toThrow(UsageError);
      expect(() => readTokenClaims(jwt(value), sources(''))).toThrow(UsageError);
    });
  });

  it('refuses a known claim of the wrong type, and a null anywhere', () => {
    const wrong: Record<string, (r: () => number) => unknown> = {
      sub: (r) => pick(r, [Math.floor(r() * 100), r() < 0.5, null, [text(r)], {}]),
      aud: (r) => pick(r, [Math.floor(r() * 100), true, null, [], [1], { a: 'b' }]),
      iss: (r) => pick(r, [1, false, null, ['x'], {}]),
      repository_id: (r) => pick(r, [`${Math.floor(r() * 100)}x`, '', -1 - Math.floor(r() * 100), 1.5, true, null, ['1']]),
      repository_owner_id: (r) => pick(r, ['abc', ' 1', -7, 0.25, false]),
      exp: (r) => pick(r, ['1', true, null, [1]]),
      environment: (r) => pick(r, [1, true, null, {}]),
      anything_else: (r) => pick(r, [null, { a: text(r) }, [1, 2]]),
    };
    forAll(3, (r) => {
      const name = pick(r, Object.keys(wrong));
      const claims = { sub: 'repo:o/r:pull_request', [name]: wrong[name]!(r) };
      expect(() => readTokenClaims(jwt(claims), sources(''))).toThrow(UsageError);
      expect(() => readTokenClaims(JSON.stringify(claims), sources(''))).toThrow(UsageError);
    });
  });

  it('refuses every JWT whose payload segment is altered to non-canonical base64url', () => {
    forAll(4, (r) => {
      const [h, p, sig] = jwt({ sub: `repo:o/r:${text(r)}` }).split('.') as [string, string, string];
      // Append one character: a length of 4n+1 is never base64; or flip the last character's unused bits.
      const bad = r() < 0.5 ? `${p}A` : `${p.slice(0, -1)}${p.length % 4 === 0 ? '' : pick(r, ['B', 'R', 'f'])}`;
      if (bad === p || Buffer.from(bad, 'base64url').toString('base64url') === bad) return;
      expect(() => readTokenClaims(`${h}.${bad}.${sig}`, sources(''))).toThrow('--token: the JWT payload is not valid base64url');
    });
  });
});

describe('errors', () => {
  it('prints an unexpected error as one line and exits 1', async () => {
    vi.resetModules();
    vi.doMock('../src/discover.js', async (original) => ({
      ...(await original<typeof import('../src/discover.js')>()),
      loadEnvironments: () => {
        throw new TypeError('boom\n    at somewhere (file.ts:1:1)');
      },
    }));
    try {
      const { main: fresh } = await import('../src/main.js');
      let err = '';
      const code = await fresh(['explain', CONFIG], { cwd: dir, stdout: () => undefined, stderr: (t) => (err += t) });
      expect(code).toBe(1);
      expect(err).toBe('keyless: boom; at somewhere (file.ts:1:1) (KEYLESS_DEBUG=1 prints the stack trace)\n');
    } finally {
      vi.doUnmock('../src/discover.js');
      vi.resetModules();
    }
  });

  it('reports a config error with every problem and exit 1, for explain and synth', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'environment: dev\naws: { accountId: "1", region: ap-northeast-2 }\ngithub: { owner: octo-org }\nrepositories: { __proto__: { roles: {} } }\n');
    for (const command of ['explain', 'synth']) {
      const { code, err } = await run([command, bad]);
      expect(code).toBe(1);
      expect(err).toContain('repositories.__proto__: the key "__proto__" is reserved in JavaScript');
      expect(err).not.toMatch(/\n\s+at /);
    }
  });
});
