/**
 * The token `keyless explain --token` reads: the claims as JSON, or a raw JWT whose payload is decoded locally
 * (base64url; the signature is never verified and the token never leaves the process or appears in output),
 * from the argument, from `@FILE`, or from standard input (`-`). Anything that is not the claims of a token is
 * a usage error naming what is wrong, never echoing the input.
 */
import type { TokenClaims } from '@keyless/policy';

/** Bad command-line input: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface TokenSources {
  /** Reads a file named by `@FILE`. */
  readonly readFile: (path: string) => string;
  /** Reads standard input, for `-`. */
  readonly readStdin: () => string;
}

/** More than any real token: GitHub's are about 1 KB, and a claims file is not a data set. */
export const TOKEN_INPUT_MAX_CHARS = 64 * 1024;

const JWT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

type Kind = 'string' | 'id' | 'time' | 'audience' | 'flag';

/** The claims of a GitHub Actions token and their JSON types. Ids may be digits in a string (GitHub sends those) or a number. */
const KNOWN_CLAIMS: Readonly<Record<string, Kind>> = {
  iss: 'string', sub: 'string', aud: 'audience', jti: 'string',
  exp: 'time', nbf: 'time', iat: 'time',
  ref: 'string', ref_type: 'string', ref_protected: 'flag', sha: 'string', head_ref: 'string', base_ref: 'string',
  repository: 'string', repository_id: 'id', repository_owner: 'string', repository_owner_id: 'id', repository_visibility: 'string',
  actor: 'string', actor_id: 'id', triggering_actor: 'string',
  workflow: 'string', workflow_ref: 'string', workflow_sha: 'string', job_workflow_ref: 'string', job_workflow_sha: 'string',
  event_name: 'string', run_id: 'id', run_number: 'id', run_attempt: 'id', check_run_id: 'id', runner_environment: 'string',
  environment: 'string', environment_node_id: 'string', enterprise: 'string', enterprise_id: 'id',
};

function kindProblem(kind: Kind, value: unknown): string | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : 'a string';
    case 'id':
      return (typeof value === 'string' && /^[0-9]+$/.test(value)) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
        ? undefined
        : 'a numeric id (digits, as a string or a number)';
    case 'time':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'a number of seconds';
    case 'flag':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : 'true or false';
    case 'audience':
      return typeof value === 'string' || (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string'))
        ? undefined
        : 'a string or a non-empty list of strings';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Checks decoded claims: a JSON object with a string `sub`, no `null` claim, and the documented type for every
 * claim GitHub defines. Returns them as the evaluator's claims.
 */
export function checkClaims(value: unknown, what = '--token'): Partial<TokenClaims> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new UsageError(`${what}: the claims are ${describe(value)}, not a JSON object such as {"sub":"repo:OWNER/REPO:ref:refs/heads/main"}`);
  const claims = value as Record<string, unknown>;
  for (const [name, claim] of Object.entries(claims)) {
    if (claim === null) throw new UsageError(`${what}: claim ${name} is null; a token never carries a null claim, so leave it out`);
    const kind = KNOWN_CLAIMS[name];
    if (kind !== undefined) {
      const expected = kindProblem(kind, claim);
      if (expected) throw new UsageError(`${what}: claim ${name} is ${describe(claim)}, but GitHub's tokens carry ${expected}`);
    } else if (!(typeof claim === 'string' || typeof claim === 'number' || typeof claim === 'boolean' || (Array.isArray(claim) && claim.every((c) => typeof c === 'string')))) {
      throw new UsageError(`${what}: claim ${name} is ${describe(claim)}; a token's claims are strings, numbers, booleans or lists of strings`);
    }
  }
  if (claims['sub'] === undefined) throw new UsageError(`${what}: the sub claim is required`);
  if (claims['sub'] === '') throw new UsageError(`${what}: the sub claim is empty`);
  return claims as Partial<TokenClaims>;
}

/** One base64url segment of a JWT, decoded to JSON. The segment is never put in a message. */
function decodeSegment(segment: string, part: 'header' | 'payload'): unknown {
  const bytes = Buffer.from(segment, 'base64url');
  // Node decodes leniently; a segment that does not round-trip is not canonical base64url.
  if (segment.length % 4 === 1 || bytes.toString('base64url') !== segment)
    throw new UsageError(`--token: the JWT ${part} is not valid base64url`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`--token: the JWT ${part} is not UTF-8 text`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`--token: the JWT ${part} is not JSON`);
  }
}

/** The claims of a `--token` argument: JSON claims, a JWT, `@FILE` or `-` (standard input). */
export function readTokenClaims(argument: string, sources: TokenSources): Partial<TokenClaims> {
  let text: string;
  let from = '--token';
  if (argument === '-') {
    from = '--token - (standard input)';
    text = sources.readStdin();
  } else if (argument.startsWith('@')) {
    const path = argument.slice(1);
    from = `--token @${path}`;
    if (path === '') throw new UsageError('--token @FILE: name the file after "@"');
    try {
      text = sources.readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`${from}: cannot read the file${code ? ` (${code})` : ''}`);
    }
  } else text = argument;
  text = text.trim();
  if (text.length === 0) throw new UsageError(`${from}: empty; pass the claims as JSON, a JWT, @FILE or - for standard input`);
  if (text.length > TOKEN_INPUT_MAX_CHARS) throw new UsageError(`${from}: ${text.length} characters, more than any token (at most ${TOKEN_INPUT_MAX_CHARS})`);
  if (text.startsWith('{') || text.startsWith('[') || text === 'null') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`${from}: not valid JSON; pass the claims object, e.g. '{"sub":"repo:o/r:ref:refs/heads/main"}'`);
    }
    return checkClaims(parsed, from);
  }
  const jwt = JWT.exec(text);
  if (!jwt) {
    throw new UsageError(
      `${from}: not JSON claims or a JWT; pass the claims object (e.g. '{"sub":"repo:o/r:ref:refs/heads/main"}'), a JWT (header.payload.signature), @FILE or - for standard input`,
    );
  }
  const header = decodeSegment(jwt[1] ?? '', 'header');
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new UsageError(`${from}: the JWT header is not a JSON object`);
  return checkClaims(decodeSegment(jwt[2] ?? '', 'payload'), `${from} (JWT payload)`);
}
