/**
 * The IAM side of an account, read from `aws iam get-account-authorization-details` (the AWS CLI's output, or
 * the API's pages merged): users, groups, roles and managed policies with their documents.
 *
 * The API returns every policy document URL-encoded; the AWS CLI decodes them into JSON objects. Both are
 * accepted, and so is a document given as plain JSON text.
 */
import { AuditInputError, isRecord, type Obj } from './errors.js';

export type PolicyDocument = Obj;

export interface AttachedPolicy {
  readonly name: string;
  readonly arn: string;
}

export interface InlinePolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

/** What users, groups and roles have alike: a name, an ARN, and the policies attached to or embedded in them. */
export interface IamIdentity {
  readonly name: string;
  readonly arn: string;
  readonly attached: readonly AttachedPolicy[];
  readonly inline: readonly InlinePolicy[];
}

export interface IamUser extends IamIdentity {
  readonly groups: readonly string[];
}

export type IamGroup = IamIdentity;

export interface IamRole extends IamIdentity {
  readonly path: string;
  readonly trustPolicy: PolicyDocument;
}

export interface ManagedPolicy {
  readonly arn: string;
  readonly name: string;
  /** The default version's document, when the input has it. */
  readonly document?: PolicyDocument;
}

export interface IamInventory {
  readonly users: readonly IamUser[];
  readonly groups: readonly IamGroup[];
  readonly roles: readonly IamRole[];
  /** Managed policies by ARN. */
  readonly policies: ReadonlyMap<string, ManagedPolicy>;
}

const LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

/**
 * Decodes one policy document: an object as the AWS CLI prints it, or text that is JSON or URL-encoded JSON
 * as the API returns it.
 */
export function decodePolicyDocument(value: unknown, where: string, source: string): PolicyDocument {
  if (isRecord(value)) return value;
  if (typeof value !== 'string') throw new AuditInputError(source, `${where}: expected a policy document (an object or its JSON text), got ${describe(value)}`);
  // URL-encoded JSON never parses as JSON (it starts with %7B), so the text is tried as it is first.
  const attempts: string[] = [value];
  if (/%[0-9A-Fa-f]{2}/.test(value)) {
    try {
      attempts.push(decodeURIComponent(value));
    } catch {
      throw new AuditInputError(source, `${where}: the policy document is neither JSON nor valid URL-encoded JSON`);
    }
  }
  for (const text of attempts) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (isRecord(parsed)) return parsed;
    } catch {
      // try the next reading
    }
  }
  throw new AuditInputError(source, `${where}: the policy document is neither JSON nor URL-encoded JSON`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}

function requireString(entry: Obj, key: string, where: string, source: string): string {
  const value = entry[key];
  if (typeof value !== 'string' || value.length === 0) throw new AuditInputError(source, `${where}.${key}: expected a non-empty string, got ${describe(value)}`);
  return value;
}

function list(entry: Obj, key: string, where: string, source: string): unknown[] {
  const value = entry[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new AuditInputError(source, `${where}.${key}: expected a list, got ${describe(value)}`);
  return value;
}

function attachedOf(entry: Obj, where: string, source: string): AttachedPolicy[] {
  return list(entry, 'AttachedManagedPolicies', where, source).map((p, i) => {
    const at = `${where}.AttachedManagedPolicies[${i}]`;
    if (!isRecord(p)) throw new AuditInputError(source, `${at}: expected an object with PolicyName and PolicyArn`);
    return { name: requireString(p, 'PolicyName', at, source), arn: requireString(p, 'PolicyArn', at, source) };
  });
}

function inlineOf(entry: Obj, key: string, where: string, source: string): InlinePolicy[] {
  return list(entry, key, where, source).map((p, i) => {
    const at = `${where}.${key}[${i}]`;
    if (!isRecord(p)) throw new AuditInputError(source, `${at}: expected an object with PolicyName and PolicyDocument`);
    const name = requireString(p, 'PolicyName', at, source);
    return { name, document: decodePolicyDocument(p['PolicyDocument'], `${at} (${name}).PolicyDocument`, source) };
  });
}

/** Reads an authorization-details document; throws AuditInputError naming the entry that is wrong. */
export function parseAuthorizationDetails(input: unknown, source: string): IamInventory {
  if (!isRecord(input) || !LISTS.some((k) => k in input)) {
    throw new AuditInputError(
      source,
      'not the output of `aws iam get-account-authorization-details`: expected an object with UserDetailList, GroupDetailList, RoleDetailList and Policies',
    );
  }
  const users = list(input, 'UserDetailList', 'UserDetailList', source).map((u, i): IamUser => {
    const at = `UserDetailList[${i}]`;
    if (!isRecord(u)) throw new AuditInputError(source, `${at}: expected a user object`);
    const name = requireString(u, 'UserName', at, source);
    const where = `${at} (${name})`;
    const groups = list(u, 'GroupList', where, source).map((g, j) => {
      if (typeof g !== 'string') throw new AuditInputError(source, `${where}.GroupList[${j}]: expected a group name`);
      return g;
    });
    return { name, arn: requireString(u, 'Arn', where, source), groups, attached: attachedOf(u, where, source), inline: inlineOf(u, 'UserPolicyList', where, source) };
  });
  const groups = list(input, 'GroupDetailList', 'GroupDetailList', source).map((g, i): IamGroup => {
    const at = `GroupDetailList[${i}]`;
    if (!isRecord(g)) throw new AuditInputError(source, `${at}: expected a group object`);
    const name = requireString(g, 'GroupName', at, source);
    const where = `${at} (${name})`;
    return { name, arn: requireString(g, 'Arn', where, source), attached: attachedOf(g, where, source), inline: inlineOf(g, 'GroupPolicyList', where, source) };
  });
  const roles = list(input, 'RoleDetailList', 'RoleDetailList', source).map((r, i): IamRole => {
    const at = `RoleDetailList[${i}]`;
    if (!isRecord(r)) throw new AuditInputError(source, `${at}: expected a role object`);
    const name = requireString(r, 'RoleName', at, source);
    const where = `${at} (${name})`;
    return {
      name,
      arn: requireString(r, 'Arn', where, source),
      path: typeof r['Path'] === 'string' ? r['Path'] : '/',
      trustPolicy: decodePolicyDocument(r['AssumeRolePolicyDocument'], `${where}.AssumeRolePolicyDocument`, source),
      attached: attachedOf(r, where, source),
      inline: inlineOf(r, 'RolePolicyList', where, source),
    };
  });
  const policies = new Map<string, ManagedPolicy>();
  list(input, 'Policies', 'Policies', source).forEach((p, i) => {
    const at = `Policies[${i}]`;
    if (!isRecord(p)) throw new AuditInputError(source, `${at}: expected a policy object`);
    const name = requireString(p, 'PolicyName', at, source);
    const where = `${at} (${name})`;
    const arn = requireString(p, 'Arn', where, source);
    const versions = list(p, 'PolicyVersionList', where, source);
    const defaultId = p['DefaultVersionId'];
    const index = versions.findIndex((v) => isRecord(v) && (v['IsDefaultVersion'] === true || (defaultId !== undefined && v['VersionId'] === defaultId)));
    const version = versions[index];
    const document = isRecord(version) && version['Document'] !== undefined
      ? decodePolicyDocument(version['Document'], `${where}.PolicyVersionList[${index}].Document`, source)
      : undefined;
    policies.set(arn, { arn, name, ...(document ? { document } : {}) });
  });
  return { users, groups, roles, policies };
}

/** The account id in an IAM ARN (`arn:aws:iam::123456789012:user/x`), or undefined. */
export function accountOf(arn: string): string | undefined {
  return /^arn:[a-z-]+:iam::([0-9]{12}):/.exec(arn)?.[1];
}
