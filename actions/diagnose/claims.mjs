// keyless diagnose: the token's claims. The payload decoded (never verified: STS did the verifying, and the
// claims are what the trust policy compares), the claims that matter and the keys STS exposes, the subject read
// as GitHub writes it, and the claims handed to `keyless explain`.
import { DiagnoseError } from './oidc.mjs';

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

/**
 * The claims for `keyless explain --token`: the payload without the per-token fields, the claims of the summary
 * first (in its order), then the others in the token's order.
 */
export function explainClaims(claims) {
  const keys = [...CLAIMS_SHOWN.filter((k) => k in claims), ...Object.keys(claims).filter((k) => !CLAIMS_SHOWN.includes(k))];
  return Object.fromEntries(keys.filter((k) => !PER_TOKEN_CLAIMS.includes(k)).map((k) => [k, claims[k]]));
}
