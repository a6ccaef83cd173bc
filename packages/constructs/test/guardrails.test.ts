import { describe, expect, it } from 'vitest';
import { escapeTerraformTemplate } from '../src/blueprint/text.js';
import { GithubActionsRole, GithubOidcProvider } from '../src/index.js';
import type { SubjectSpec } from '@keyless/policy';
import { onlyResource, synthScope } from './helpers.js';

const repository = { owner: 'octo-org', name: 'web-app' };

function role(subjects: SubjectSpec[], extra: Record<string, unknown> = {}): void {
  synthScope((scope) => {
    const provider = new GithubOidcProvider(scope, 'oidc');
    new GithubActionsRole(scope, 'role', { provider, subjects, roleName: 'r', ...extra });
  });
}

describe('GithubActionsRole guardrails', () => {
  it('fails when a branch pattern "*" has no opt-in', () => {
    expect(() => role([{ repository, context: { kind: 'branch', name: '*', pattern: true } }])).toThrow(
      'subjects: "*": the branch pattern "*" trusts every branch; set dangerouslyAllowAnyBranch to opt in',
    );
  });

  it('accepts a branch pattern "*" with dangerouslyAllowAnyBranch', () => {
    expect(() => role([{ repository, context: { kind: 'branch', name: '*', pattern: true } }], { dangerouslyAllowAnyBranch: true })).not.toThrow();
  });

  it('fails when a bare tag pattern "*" is given', () => {
    expect(() => role([{ repository, context: { kind: 'tag', name: '*', pattern: true } }], { dangerouslyAllowAnyBranch: true })).toThrow(
      'subjects: "*": a bare "*" tag pattern trusts every tag; give a prefix such as v*',
    );
  });

  it('fails when pull requests may assume a role that is not read-only', () => {
    expect(() => role([{ repository, context: { kind: 'pull-request' } }])).toThrow(
      'subjects: "pull requests": pull request jobs run code from the pull request; set readOnly for a role that only reads, or dangerouslyAllowPullRequestsWithWriteAccess',
    );
  });

  it('accepts pull requests on a read-only role', () => {
    expect(() => role([{ repository, context: { kind: 'pull-request' } }], { readOnly: true })).not.toThrow();
  });

  it('accepts pull requests on a writing role with the opt-in', () => {
    expect(() => role([{ repository, context: { kind: 'pull-request' } }], { dangerouslyAllowPullRequestsWithWriteAccess: true })).not.toThrow();
  });
});

describe('escapeTerraformTemplate', () => {
  it.each([
    ['arn:aws:s3:::b/${aws:username}/*', 'arn:aws:s3:::b/$${aws:username}/*'],
    ['%{if x}', '%%{if x}'],
    // Text that looks like a cdktf token is text too: the config refuses it, and a real token never comes here.
    ['${TfToken[TOKEN.1]}', '$${TfToken[TOKEN.1]}'],
    ['plain', 'plain'],
  ])('escapes %s', (input, expected) => {
    expect(escapeTerraformTemplate(input)).toBe(expected);
  });

  it('keeps IAM policy variables literal in an inline policy', () => {
    const synth = synthScope((scope) => {
      const provider = new GithubOidcProvider(scope, 'oidc');
      new GithubActionsRole(scope, 'role', {
        provider,
        roleName: 'r',
        subjects: [{ repository, context: { kind: 'branch', name: 'main' } }],
        inlinePolicies: { logs: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/${aws:username}/*' }] } },
      });
    });
    expect(onlyResource(synth, 'aws_iam_role_policy').policy).toContain('arn:aws:s3:::b/$${aws:username}/*');
  });
});
