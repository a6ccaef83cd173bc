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

/**
 * Every text a reviewer reads as a name must be what it looks like, and must reach Terraform and GitHub as
 * written. Refused:
 * - Terraform template syntax (`${`, `%{`): Terraform would evaluate it, so the value checked and reported
 *   would not be the value rendered; and cdktf's token markers (`TfToken[`), which cdktf would resolve;
 * - control characters, invisible and formatting characters (zero-width, soft hyphen, BOM, variation
 *   selectors and every other default-ignorable code point), bidirectional controls, unusual spaces, private
 *   use and unassigned code points;
 * - compatibility forms that read as other letters (fullwidth `ｍａｉｎ`, mathematical `𝐦𝐚𝐢𝐧`, ligatures) and
 *   text not in Unicode normal form, where two different byte sequences look the same;
 * - combining marks on an ASCII character (an overlay can make `/` or `-` read as something else);
 * - letters of several scripts in one name (a Cyrillic `а` in `mаin`), apart from the combinations Unicode's
 *   "highly restrictive" profile allows (Latin with Han and Japanese kana, or with Han and Hangul, or with
 *   Han and Bopomofo), and a name written entirely in Cyrillic or Greek letters that look like Latin ones.
 * Returns the rule broken, or undefined.
 */
export function checkNameText(value: string): string | undefined {
  // Printable ASCII is visible, in normal form and of one script: only template syntax can be wrong with it.
  if (PRINTABLE_ASCII.test(value)) return checkTemplateText(value);
  const text = checkTemplateText(value) ?? checkVisibleText(value);
  if (text) return text;
  if (value.normalize('NFKC') !== value)
    return 'a name has no compatibility or decomposed forms (such as fullwidth or mathematical letters) that read as other characters; write it in plain characters (Unicode NFKC)';
  if (/[\u0000-\u007F]\p{M}/u.test(value)) return 'a name has no combining mark on an ASCII character';
  const scripts = scriptsOf(value);
  if (scripts.size > 1 && !ALLOWED_SCRIPT_MIXES.some((mix) => [...scripts].every((s) => mix.includes(s))))
    return `a name mixes letters of several scripts (${[...scripts].sort().join(', ')}), so it can read as another name; write it in one script`;
  if (scripts.size === 1 && (scripts.has('Cyrillic') || scripts.has('Greek')) && [...value].filter((c) => /\p{L}/u.test(c)).every((c) => LATIN_LOOKALIKES.includes(c)))
    return `a name written only in ${[...scripts][0]} letters that look like Latin ones reads as another name; write it in Latin letters`;
  return undefined;
}

/**
 * Text that Terraform or cdktf would not take literally: `${` and `%{` start a Terraform template, and
 * `TfToken[` is how cdktf marks its own references. Returns the rule broken, or undefined.
 */
export function checkTemplateText(value: string): string | undefined {
  if (!value.includes('{') && !value.includes('TfToken')) return undefined;
  if (value.includes('${') || value.includes('%{'))
    return `"${value.includes('${') ? '${' : '%{'}" is Terraform template syntax; a name never contains it`;
  if (value.includes('TfToken[')) return '"TfToken[" is a cdktf token marker; no config value contains it';
  return undefined;
}

const PRINTABLE_ASCII = /^[\u0020-\u007E]*$/;

/** Refuses control, invisible, formatting and bidirectional characters and unusual spaces. */
export function checkVisibleText(value: string): string | undefined {
  if (PRINTABLE_ASCII.test(value)) return undefined;
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code === 0x20) continue;
    if (UNSAFE_CHAR.test(ch)) return `${codePoint(code)} is ${describeUnsafe(ch)}; a name holds only visible characters`;
  }
  return undefined;
}

// Controls (C0, DEL, C1), format and other invisible code points, separators other than the space, private use,
// surrogates and unassigned code points.
const UNSAFE_CHAR = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}\p{Zs}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/u;

function describeUnsafe(ch: string): string {
  if (/\p{Bidi_Control}/u.test(ch)) return 'a bidirectional control character, which reorders the text around it';
  if (/\p{Cc}/u.test(ch)) return 'a control character';
  if (/[\p{Zs}\p{Zl}\p{Zp}]/u.test(ch)) return 'a space or separator other than the plain space';
  if (/[\p{Cf}\p{Default_Ignorable_Code_Point}]/u.test(ch)) return 'an invisible character';
  if (/\p{Co}/u.test(ch)) return 'a private-use character';
  return 'not an assigned character';
}

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari', 'Bengali',
  'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao',
  'Tibetan', 'Myanmar', 'Georgian', 'Hangul', 'Ethiopic', 'Cherokee', 'Khmer', 'Mongolian', 'Hiragana',
  'Katakana', 'Bopomofo', 'Han', 'Coptic', 'Canadian_Aboriginal', 'Tifinagh', 'Lisu', 'Vai', 'Nko',
].map((name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')] as const);

/** The mixes of scripts Unicode's highly restrictive profile (UTS #39) accepts in one identifier. */
const ALLOWED_SCRIPT_MIXES: readonly (readonly string[])[] = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Hangul'],
  ['Latin', 'Han', 'Bopomofo'],
];

// Cyrillic and Greek letters that look like Latin ones (from Unicode's confusables data, the common subset).
const LATIN_LOOKALIKES = 'аеорсухіјѕһԁԛԝӏьАВЕКМНОРСТХІЈЅԜУοαρτνικχυεΑΒΕΖΗΙΚΜΝΟΡΤΥΧ';

/** The scripts of the letters and non-ASCII digits of a text; each letter of an unlisted script counts apart. */
function scriptsOf(value: string): Set<string> {
  const scripts = new Set<string>();
  for (const ch of value) {
    if (!/[\p{L}\p{Nd}]/u.test(ch) || /[0-9]/.test(ch)) continue;
    const found = SCRIPTS.find(([, re]) => re.test(ch));
    scripts.add(found ? found[0] : 'another script');
  }
  return scripts;
}

export function checkRoleName(name: string): string | undefined {
  if (name.length < 1 || name.length > LIMITS.roleNameMaxChars)
    return `an IAM role name has 1 to ${LIMITS.roleNameMaxChars} characters (got ${name.length})`;
  const text = checkNameText(name);
  if (text) return text;
  if (!ROLE_NAME.test(name)) return 'an IAM role name uses only letters, digits and + = , . @ _ -';
  return undefined;
}

export function checkPolicyName(name: string): string | undefined {
  if (name.length < 1 || name.length > 128) return `an IAM policy name has 1 to 128 characters (got ${name.length})`;
  const text = checkNameText(name);
  if (text) return text;
  if (!POLICY_NAME.test(name)) return 'an IAM policy name uses only letters, digits and + = , . @ _ -';
  return undefined;
}

export function checkRolePath(path: string): string | undefined {
  if (path.length > LIMITS.rolePathMaxChars)
    return `an IAM path has at most ${LIMITS.rolePathMaxChars} characters (got ${path.length})`;
  if (path === '/') return undefined;
  const text = checkNameText(path);
  if (text) return text;
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

/** An AWS region name, such as ap-northeast-2 or us-gov-west-1. */
export function checkRegionName(region: string): string | undefined {
  return /^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(region) ? undefined : 'an AWS region looks like ap-northeast-2';
}

/**
 * An S3 general purpose bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending
 * with a letter or digit, no two adjacent dots, not an IP address, and none of the prefixes and suffixes S3
 * reserves (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
export function checkBucketName(name: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..'))
    return 'an S3 bucket name has 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, without ".."';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'an S3 bucket name is never formatted as an IP address';
  const reserved = ['xn--', 'sthree-', 'amzn-s3-demo-'].find((prefix) => name.startsWith(prefix)) ??
    ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'].find((suffix) => name.endsWith(suffix));
  return reserved === undefined ? undefined : `S3 reserves bucket names with ${reserved} at the start or end`;
}

export function checkPartition(partition: string): string | undefined {
  return AWS_PARTITIONS.includes(partition) ? undefined : `the AWS partition is one of ${AWS_PARTITIONS.join(', ')}`;
}

export function checkOwnerName(owner: string): string | undefined {
  if (owner.length < 1 || owner.length > LIMITS.ownerNameMaxChars)
    return `a GitHub owner name has 1 to ${LIMITS.ownerNameMaxChars} characters (got ${owner.length})`;
  const text = checkNameText(owner);
  if (text) return text;
  if (!OWNER.test(owner) || owner.includes('--'))
    return 'a GitHub owner name uses letters, digits and single inner hyphens only (no wildcard, no leading or trailing hyphen)';
  return undefined;
}

export function checkRepositoryName(name: string): string | undefined {
  if (name.length < 1 || name.length > LIMITS.repositoryNameMaxChars)
    return `a GitHub repository name has 1 to ${LIMITS.repositoryNameMaxChars} characters (got ${name.length})`;
  const text = checkNameText(name);
  if (text) return text;
  if (name === '.' || name === '..') return 'a GitHub repository name cannot be "." or ".."';
  if (!REPOSITORY.test(name)) return 'a GitHub repository name uses letters, digits, ".", "_" and "-" only (no wildcard)';
  return undefined;
}

export function checkGithubId(id: number): string | undefined {
  return Number.isSafeInteger(id) && id > 0 ? undefined : 'a GitHub numeric id is a positive whole number (never a wildcard)';
}

export function checkVariableName(name: string): string | undefined {
  const text = checkNameText(name);
  if (text) return text;
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
  const text = checkNameText(name);
  if (text) return text;
  if (name.trim() !== name) return 'a GitHub environment name has no leading or trailing spaces';
  if (/[*?]/.test(name)) return 'a GitHub environment name has no "*" or "?"';
  // GitHub mints ":" in a claim value as "%3A", so "prod%3Aevil" would get the subject of "prod:evil".
  if (name.includes('%')) return 'a GitHub environment name has no "%": GitHub writes ":" as "%3A" in the subject, so "a%3Ab" and "a:b" get the same sub';
  return undefined;
}

export function checkTag(key: string, value: string): string | undefined {
  if (key.length < 1 || key.length > LIMITS.tagKeyMaxChars)
    return `a tag key has 1 to ${LIMITS.tagKeyMaxChars} characters (got ${key.length})`;
  const text = checkNameText(key);
  if (text) return `tag key: ${text}`;
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

const MANAGED_POLICY_ARN = /^arn:[a-z-]+:iam::(aws|[0-9]{12}):policy\/(?:[\u0021-\u007E]+\/)*[A-Za-z0-9+=,.@_-]+$/;

/** A managed policy ARN, for an attachment or a permissions boundary. */
export function checkManagedPolicyArn(arn: string): string | undefined {
  const text = checkNameText(arn);
  if (text) return text;
  if (!MANAGED_POLICY_ARN.test(arn) || arn.includes('//'))
    return 'a managed policy ARN looks like arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/name';
  const partition = arn.split(':')[1] ?? '';
  return checkPartition(partition);
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
  const text = checkNameText(name);
  if (text) return text;
  if (name.includes('?')) return '"?" is never allowed in a subject';
  if (!allowWildcard && name.includes('*'))
    return 'a "*" makes this a pattern; declare it under the patterns list to opt in';
  if (/[\u0000-\u0020\u007F~^:\\[]/.test(name)) return 'a git ref name has no spaces, control characters or ~ ^ : \\ [';
  if (name.includes('..') || name.includes('@{') || name.includes('//'))
    return 'a git ref name has no "..", "@{" or "//"';
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock') || name === '@')
    return 'a git ref name cannot start or end with "/", end with "." or ".lock", or be "@"';
  if (name.split('/').some((part) => part.startsWith('.'))) return 'no part of a git ref name starts with "."';
  if (name.split('/').some((part) => part.endsWith('.lock'))) return 'no part of a git ref name ends with ".lock"';
  if (name.startsWith('-')) return 'a branch or tag name cannot start with "-"';
  if (name === 'HEAD') return '"HEAD" is not a branch or tag name';
  if (name.startsWith('refs/'))
    return 'write the short branch or tag name without "refs/": keyless adds refs/heads/ or refs/tags/, so "refs/heads/main" would trust the ref refs/heads/refs/heads/main';
  return undefined;
}
