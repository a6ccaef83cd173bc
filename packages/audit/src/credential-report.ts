/**
 * The IAM credential report: one CSV row per user (and one for the root account), with each access key's
 * status, last rotation and last use. Accepted as the CSV itself, or as the JSON the AWS CLI prints for
 * `aws iam get-credential-report` (the CSV base64-encoded in `Content`).
 */
import { AuditInputError, isRecord } from './errors.js';

export interface AccessKeySlot {
  /** `access_key_1` or `access_key_2`: the report names keys by slot, not by id. */
  readonly slot: 'access_key_1' | 'access_key_2';
  readonly active: boolean;
  /** ISO 8601; the key's creation when it was never rotated. Undefined when the slot holds no key. */
  readonly lastRotated?: string;
  /** ISO 8601, or undefined when never used. */
  readonly lastUsed?: string;
}

export interface CredentialReportRow {
  readonly user: string;
  readonly arn: string;
  readonly keys: readonly AccessKeySlot[];
}

export interface CredentialReport {
  readonly rows: readonly CredentialReportRow[];
  /** When the report was generated, when the input says (the CLI's JSON, or the API). */
  readonly generatedTime?: string;
}

const REQUIRED = [
  'user',
  'arn',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
] as const;

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.length === 0) quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

function date(value: string | undefined, where: string, source: string): string | undefined {
  if (value === undefined || value === '' || value === 'N/A' || value === 'no_information' || value === 'not_supported') return undefined;
  if (Number.isNaN(Date.parse(value))) throw new AuditInputError(source, `${where}: ${JSON.stringify(value)} is not a date (ISO 8601, N/A or no_information)`);
  return value;
}

function bool(value: string | undefined, where: string, source: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new AuditInputError(source, `${where}: ${JSON.stringify(value ?? '')} is not true or false`);
}

/** Parses the CSV text of a credential report. */
export function parseCredentialReportCsv(text: string, source: string, generatedTime?: string): CredentialReport {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = rows[0];
  if (!header) throw new AuditInputError(source, 'empty: expected the IAM credential report CSV with a header row');
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new AuditInputError(source, `not an IAM credential report: the header lacks ${missing.join(', ')} (get it with \`aws iam get-credential-report\`)`);
  }
  const col = (name: string): number => header.indexOf(name);
  const out: CredentialReportRow[] = rows.slice(1).map((r, i) => {
    const line = `line ${i + 2}`;
    if (r.length !== header.length) throw new AuditInputError(source, `${line}: ${r.length} fields, but the header has ${header.length}`);
    const get = (name: string): string => r[col(name)] as string;
    const keys: AccessKeySlot[] = (['access_key_1', 'access_key_2'] as const).map((slot) => {
      const lastRotated = date(get(`${slot}_last_rotated`), `${line} (${get('user')}), ${slot}_last_rotated`, source);
      const lastUsed = date(get(`${slot}_last_used_date`), `${line} (${get('user')}), ${slot}_last_used_date`, source);
      return {
        slot,
        active: bool(get(`${slot}_active`), `${line} (${get('user')}), ${slot}_active`, source),
        ...(lastRotated ? { lastRotated } : {}),
        ...(lastUsed ? { lastUsed } : {}),
      };
    });
    return { user: get('user'), arn: get('arn'), keys };
  });
  return { rows: out, ...(generatedTime ? { generatedTime } : {}) };
}

/** Parses the CSV, or the AWS CLI's JSON with the CSV base64-encoded in `Content`. */
export function parseCredentialReport(text: string, source: string): CredentialReport {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw new AuditInputError(source, `not valid JSON: ${(error as Error).message}`);
    }
    if (!isRecord(json) || typeof json['Content'] !== 'string') {
      throw new AuditInputError(source, 'a JSON credential report is the output of `aws iam get-credential-report`, with the CSV base64-encoded in Content');
    }
    const generated = typeof json['GeneratedTime'] === 'string' ? json['GeneratedTime'] : undefined;
    return parseCredentialReportCsv(Buffer.from(json['Content'], 'base64').toString('utf8'), source, generated);
  }
  return parseCredentialReportCsv(text, source);
}
