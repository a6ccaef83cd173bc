/**
 * The limits of IAM and GitHub that keyless checks before synthesis. Each check returns the rule that a
 * value breaks, or undefined; callers prefix the config entry so that every message names entry, value and rule.
 * Numbers that AWS lets an account raise are defaults here, and configurable where they are used.
 */

export const LIMITS = {
  /** Trust policy size in characters, whitespace not counted. Raisable by quota to 4096 or 8192. */
  trustPolicyMaxChars: 2048,
  roleNameMaxChars: 64,
  rolePathMaxChars: 512,
  roleDescriptionMaxChars: 1000,
  sessionDurationMinSeconds: 3600,
  sessionDurationMaxSeconds: 43200,
  /** Managed policies per role. Raisable by quota to 20 or 25. */
  managedPoliciesPerRole: 10,
  tagsPerRole: 50,
  tagKeyMaxChars: 128,
  tagValueMaxChars: 256,
  /** Inline policies per role have no count limit, but their total size does (10,240 characters). */
  inlinePoliciesTotalMaxChars: 10240,
  oidcProvidersPerAccount: 100,
  variableValueMaxBytes: 48 * 1024,
  variablesPerRepository: 500,
  variablesPerEnvironment: 100,
  environmentNameMaxChars: 255,
  ownerNameMaxChars: 39,
  repositoryNameMaxChars: 100,
} as const;

const ROLE_NAME = /^[A-Za-z0-9+=,.@_-]+$/;
const POLICY_NAME = /^[A-Za-z0-9+=,.@_-]+$/;
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const REPOSITORY = /^[A-Za-z0-9._-]+$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ACCOUNT_ID = /^[0-9]{12}$/;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
// Tab, LF, CR and U+0020–U+00FF: what IAM accepts in policy text.
const POLICY_TEXT = /^[\t\n\r\u0020-\u00FF]*$/;
const AWS_PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'];

export function checkRoleName(name: string): string | undefined {
  if (name.length < 1 || name.length > LIMITS.roleNameMaxChars)
    return `an IAM role name has 1 to ${LIMITS.roleNameMaxChars} characters (got ${name.length})`;
  if (!ROLE_NAME.test(name)) return 'an IAM role name uses only letters, digits and + = , . @ _ -';
  return undefined;
}

export function checkPolicyName(name: string): string | undefined {
  if (name.length < 1 || name.length > 128) return `an IAM policy name has 1 to 128 characters (got ${name.length})`;
  if (!POLICY_NAME.test(name)) return 'an IAM policy name uses only letters, digits and + = , . @ _ -';
  return undefined;
}

export function checkRolePath(path: string): string | undefined {
  if (path.length > LIMITS.rolePathMaxChars)
    return `an IAM path has at most ${LIMITS.rolePathMaxChars} characters (got ${path.length})`;
  if (path === '/') return undefined;
  if (!/^\/(?:[\u0021-\u007E]+\/)+$/.test(path) || path.includes('//'))
    return 'an IAM path is "/" or starts and ends with "/" with printable ASCII between, such as /ci/github/';
  return undefined;
}

export function checkSessionDuration(seconds: number): string | undefined {
  if (!Number.isInteger(seconds) || seconds < LIMITS.sessionDurationMinSeconds || seconds > LIMITS.sessionDurationMaxSeconds)
    return `the maximum session duration is a whole number of seconds from ${LIMITS.sessionDurationMinSeconds} to ${LIMITS.sessionDurationMaxSeconds}`;
  return undefined;
}

export function checkAccountId(id: string): string | undefined {
  return ACCOUNT_ID.test(id) ? undefined : 'an AWS account id is exactly 12 digits, written as a string';
}

export function checkPartition(partition: string): string | undefined {
  return AWS_PARTITIONS.includes(partition) ? undefined : `the AWS partition is one of ${AWS_PARTITIONS.join(', ')}`;
}

export function checkOwnerName(owner: string): string | undefined {
  if (owner.length < 1 || owner.length > LIMITS.ownerNameMaxChars)
    return `a GitHub owner name has 1 to ${LIMITS.ownerNameMaxChars} characters (got ${owner.length})`;
  if (!OWNER.test(owner) || owner.includes('--'))
    return 'a GitHub owner name uses letters, digits and single inner hyphens only (no wildcard, no leading or trailing hyphen)';
  return undefined;
}

export function checkRepositoryName(name: string): string | undefined {
  if (name.length < 1 || name.length > LIMITS.repositoryNameMaxChars)
    return `a GitHub repository name has 1 to ${LIMITS.repositoryNameMaxChars} characters (got ${name.length})`;
  if (name === '.' || name === '..') return 'a GitHub repository name cannot be "." or ".."';
  if (!REPOSITORY.test(name)) return 'a GitHub repository name uses letters, digits, ".", "_" and "-" only (no wildcard)';
  return undefined;
}

export function checkGithubId(id: number): string | undefined {
  return Number.isSafeInteger(id) && id > 0 ? undefined : 'a GitHub numeric id is a positive whole number (never a wildcard)';
}

export function checkVariableName(name: string): string | undefined {
  if (!VARIABLE_NAME.test(name))
    return 'a GitHub variable name starts with a letter or "_" and has only letters, digits and "_"';
  if (name.toUpperCase().startsWith('GITHUB_')) return 'a GitHub variable name cannot start with GITHUB_';
  return undefined;
}

export function checkVariableValue(value: string): string | undefined {
  const bytes = Buffer.byteLength(value, 'utf8');
  return bytes <= LIMITS.variableValueMaxBytes
    ? undefined
    : `a GitHub variable value has at most ${LIMITS.variableValueMaxBytes} bytes (got ${bytes})`;
}

export function checkEnvironmentName(name: string): string | undefined {
  if (name.length < 1 || name.length > LIMITS.environmentNameMaxChars)
    return `a GitHub environment name has 1 to ${LIMITS.environmentNameMaxChars} characters (got ${name.length})`;
  if (name.trim() !== name) return 'a GitHub environment name has no leading or trailing spaces';
  if (/[*?]/.test(name)) return 'a GitHub environment name has no "*" or "?"';
  if (/[\u0000-\u001F\u007F]/.test(name)) return 'a GitHub environment name has no control characters';
  return undefined;
}

export function checkTag(key: string, value: string): string | undefined {
  if (key.length < 1 || key.length > LIMITS.tagKeyMaxChars)
    return `a tag key has 1 to ${LIMITS.tagKeyMaxChars} characters (got ${key.length})`;
  if (key.toLowerCase().startsWith('aws:')) return 'a tag key cannot start with "aws:"';
  if (value.length > LIMITS.tagValueMaxChars)
    return `a tag value has at most ${LIMITS.tagValueMaxChars} characters (got ${value.length})`;
  if (!TAG_CHARS.test(key) || !TAG_CHARS.test(value))
    return 'tags use letters, digits, spaces and _ . : / = + - @ only';
  return undefined;
}

export function checkPolicyText(text: string): string | undefined {
  if (POLICY_TEXT.test(text)) return undefined;
  const bad = [...text].find((ch) => !POLICY_TEXT.test(ch)) ?? '';
  const code = bad.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
  return `policy text may hold only tab, LF, CR and U+0020 to U+00FF (found U+${code})`;
}

/**
 * The size IAM counts for a policy: the characters of its JSON text without whitespace. Whitespace
 * inside string values counts too, but generated policies have none outside of strings that matter.
 */
export function policySize(json: string): number {
  return json.replace(/\s+/g, '').length;
}

/**
 * Git's rules for a ref name (git check-ref-format), which GitHub applies to branches and tags.
 * `*` is allowed here only when the caller has opted in to a pattern; it is never part of a real ref.
 */
export function checkRefName(name: string, allowWildcard: boolean): string | undefined {
  if (name.length === 0) return 'a branch or tag name cannot be empty';
  if (name.includes('?')) return '"?" is never allowed in a subject';
  if (!allowWildcard && name.includes('*'))
    return 'a "*" makes this a pattern; declare it under the patterns list to opt in';
  if (/[\u0000-\u0020\u007F~^:\\[]/.test(name)) return 'a git ref name has no spaces, control characters or ~ ^ : \\ [';
  if (name.includes('..') || name.includes('@{') || name.includes('//'))
    return 'a git ref name has no "..", "@{" or "//"';
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock') || name === '@')
    return 'a git ref name cannot start or end with "/", end with "." or ".lock", or be "@"';
  if (name.split('/').some((part) => part.startsWith('.'))) return 'no part of a git ref name starts with "."';
  return undefined;
}
