import { describe, expect, it } from 'vitest';
import { judgeDocument, judgeManagedPolicy } from '../src/index.js';

describe('judgeDocument (administrator equivalence from @keyless/policy, breadth for review)', () => {
  it.each([
    ['every action', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, true, true],
    ['NotAction', { Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] }, true, true],
    ['an IAM write on every resource', { Statement: [{ Effect: 'Allow', Action: 'iam:AttachRolePolicy', Resource: '*' }] }, true, true],
    ['iam:PassRole on every role', { Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/*' }] }, true, true],
    ['a whole service on every resource', { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }, false, true],
    ['a whole service on one bucket', { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }] }, false, false],
    ['IAM reads', { Statement: [{ Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' }] }, false, false],
    ['a Deny of everything', { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }, false, false],
  ])('%s', (_name, document, admin, broad) => {
    const verdict = judgeDocument(document);
    expect(verdict.adminEquivalent).toBe(admin);
    expect(verdict.broad).toBe(broad);
    expect(verdict.reason === '').toBe(!broad);
  });
});

describe('judgeManagedPolicy', () => {
  it('reads AWS managed policies the input lacks from the maintained dataset', () => {
    expect(judgeManagedPolicy('arn:aws:iam::aws:policy/AdministratorAccess', undefined)).toMatchObject({ adminEquivalent: true });
    expect(judgeManagedPolicy('arn:aws:iam::aws:policy/IAMFullAccess', undefined)).toMatchObject({ adminEquivalent: true });
    expect(judgeManagedPolicy('arn:aws:iam::aws:policy/ReadOnlyAccess', undefined)).toMatchObject({ adminEquivalent: false, broad: false });
    expect(judgeManagedPolicy('arn:aws:iam::aws:policy/AmazonS3FullAccess', undefined)).toMatchObject({ adminEquivalent: false, broad: true });
  });

  it('prefers the document the input carries', () => {
    expect(judgeManagedPolicy('arn:aws:iam::aws:policy/ReadOnlyAccess', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })).toMatchObject({ adminEquivalent: true });
  });

  it('knows nothing of a customer managed policy without its document', () => {
    expect(judgeManagedPolicy('arn:aws:iam::111122223333:policy/anything', undefined)).toEqual({ adminEquivalent: false, broad: false, reason: '' });
  });
});
