/**
 * What a set of IAM policies lets a principal do, as far as the audit needs it: is it administrator-equivalent,
 * and is it broad enough that a reviewer should narrow it before a role inherits it.
 *
 * This is a deliberately small model (the project's full permission analysis, with every action's access
 * level, lives in @keyless/policy once it lands): a principal is administrator-equivalent when it may do every
 * action, or may change IAM permissions (its own or anyone's), which is the same thing one call later. Deny
 * statements and conditions are not evaluated, so the answer errs towards "admin": an audit that warns too
 * much is reviewed, one that warns too little is trusted.
 */
import { stringLike } from '@keyless/policy';
import { asList, isRecord, stringsOf } from './errors.js';
import type { PolicyDocument } from './iam.js';

/**
 * Actions that let a principal grant itself (or a principal it controls) any permission. Sources: the IAM
 * privilege-escalation paths documented by Rhino Security Labs and AWS's own "IAM full access" guidance.
 */
export const ESCALATION_ACTIONS: readonly string[] = [
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:AttachUserPolicy',
  'iam:PutGroupPolicy',
  'iam:PutRolePolicy',
  'iam:PutUserPolicy',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:UpdateAssumeRolePolicy',
  'iam:AddUserToGroup',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
];

/** AWS managed policies that are administrator-equivalent by name, for inputs without their documents. */
const ADMIN_MANAGED = /^arn:[a-z-]+:iam::aws:policy\/(AdministratorAccess|IAMFullAccess)$/;
/** AWS managed policies a reviewer should narrow: full access to a service, or to almost everything. */
const BROAD_MANAGED = /^arn:[a-z-]+:iam::aws:policy\/(?:.*\/)?(PowerUserAccess|[A-Za-z0-9]*FullAccess[A-Za-z0-9_]*|AdministratorAccess[A-Za-z0-9-]*)$/;

export interface PermissionVerdict {
  readonly adminEquivalent: boolean;
  readonly broad: boolean;
  /** Why, in words; empty when neither. */
  readonly reason: string;
}

function actionMatches(pattern: string, action: string): boolean {
  return stringLike(pattern.toLowerCase(), action.toLowerCase());
}

/** A Resource element that covers IAM principals and policies (everything, or every IAM resource). */
function coversIam(resources: readonly string[]): boolean {
  return resources.some((r) => r === '*' || /^arn:(\*|[a-z-]+):iam::[^:]*:\*?$/.test(r) || /^arn:(\*|[a-z-]+):iam::(\*|[0-9]{12}):\*$/.test(r) || r === 'arn:*:*');
}

function allowStatements(document: PolicyDocument): Record<string, unknown>[] {
  return asList(document['Statement']).filter(isRecord).filter((s) => s['Effect'] === 'Allow');
}

/** Judges one policy document. */
export function judgeDocument(document: PolicyDocument): PermissionVerdict {
  let broad = '';
  for (const st of allowStatements(document)) {
    const resources = st['Resource'] !== undefined ? stringsOf(st['Resource']) : st['NotResource'] !== undefined ? ['*'] : [];
    if (!coversIam(resources)) {
      if (!broad && stringsOf(st['Action']).some((a) => /^([a-z0-9-]+:)?\*$/i.test(a))) broad = `allows ${stringsOf(st['Action']).join(', ')}`;
      continue;
    }
    if (st['Action'] !== undefined) {
      const actions = stringsOf(st['Action']);
      if (actions.some((a) => a === '*' || a === '*:*')) return { adminEquivalent: true, broad: true, reason: 'allows every action on every resource' };
      const escalation = ESCALATION_ACTIONS.find((e) => actions.some((a) => actionMatches(a, e)));
      if (escalation) return { adminEquivalent: true, broad: true, reason: `allows ${escalation} on every resource, so it can grant itself anything` };
      if (!broad && actions.some((a) => /^[a-z0-9-]+:\*$/i.test(a))) broad = `allows ${actions.filter((a) => a.endsWith(':*')).join(', ')} on every resource`;
    } else if (st['NotAction'] !== undefined) {
      const excluded = stringsOf(st['NotAction']);
      const escalation = ESCALATION_ACTIONS.find((e) => !excluded.some((a) => actionMatches(a, e)));
      if (escalation) return { adminEquivalent: true, broad: true, reason: `allows everything but ${excluded.join(', ')}, including ${escalation}` };
      if (!broad) broad = `allows everything but ${excluded.join(', ')}`;
    }
  }
  return broad ? { adminEquivalent: false, broad: true, reason: broad } : { adminEquivalent: false, broad: false, reason: '' };
}

/** Judges a managed policy by its document when known, else by its AWS managed name. */
export function judgeManagedPolicy(arn: string, document: PolicyDocument | undefined): PermissionVerdict {
  if (document) return judgeDocument(document);
  if (ADMIN_MANAGED.test(arn)) return { adminEquivalent: true, broad: true, reason: `${arn.slice(arn.lastIndexOf('/') + 1)} is administrator-equivalent` };
  if (BROAD_MANAGED.test(arn)) return { adminEquivalent: false, broad: true, reason: `${arn.slice(arn.lastIndexOf('/') + 1)} grants full access` };
  return { adminEquivalent: false, broad: false, reason: '' };
}
