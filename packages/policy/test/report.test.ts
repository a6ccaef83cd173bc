/**
 * The report (`keyless explain`) and the token explanation (`keyless explain --token`) on their own, from a
 * fixture of this file: what each role reports, how the table reads, which roles accept a token, and the hint
 * each usual mistake gets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessReport, buildAccessModel, evaluateTrustPolicy, explainToken, parseAccessConfig, renderAccessReport, renderTokenVerdicts, roleArn } from '../src/index.js';
import type { AccessModel, TokenVerdict } from '../src/index.js';

const OWNER_ID = 123456;
const WEB_ID = 456789;
const WORKFLOW = 'octo-org/automation/.github/workflows/deploy.yml@refs/heads/main';

// web: trusted by name and by id (subjectFormat both), an administrator-equivalent deploy role with a tag
// pattern, and a read-only pull request role without a variable. api: by name only, an environment role.
// svc: by id only (immutable). Ids are not pinned beside sub here (pinIds: false), so that trust by name shows
// in the report; test/trust-v2.test.ts covers pinned ids.
const CONFIG = {
  environment: 'dev',
  aws: { accountId: '111111111111', region: 'eu-west-1' },
  github: { owner: 'octo-org', ownerId: OWNER_ID, pinIds: false },
  repositories: {
    web: {
      id: WEB_ID,
      subjectFormat: 'both',
      roles: {
        deploy: {
          dangerouslyAllowAdministratorAccess: true,
          trust: { branches: ['main'], tagPatterns: ['v*'] },
          inlinePolicies: {
            site: {
              Statement: [
                { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::site/*' },
                { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
                { Effect: 'Allow', NotAction: 's3:DeleteObject', Resource: 'arn:aws:s3:::site/*' },
              ],
            },
          },
        },
        preview: { readOnly: true, trust: { pullRequests: true }, variable: { scope: 'none' }, managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] },
      },
    },
    api: { environments: { production: { reviewers: { users: [1] } } }, roles: { release: { trust: { environments: ['production'] } } } },
    svc: { id: 111, subjectFormat: 'immutable', roles: { build: { trust: { branches: ['main'] } } } },
  },
};

const model: AccessModel = buildAccessModel(parseAccessConfig(CONFIG, 'access.yaml'), 'access.yaml');
const report = accessReport(model);
const role = (name: string) => {
  const found = report.roles.find((r) => r.name === name);
  if (!found) throw new Error(`no role ${name}`);
  return found;
};
const verdict = (verdicts: readonly TokenVerdict[], name: string): TokenVerdict => {
  const found = verdicts.find((v) => v.role === name);
  if (!found) throw new Error(`no verdict for ${name}`);
  return found;
};

describe('accessReport', () => {
  it('describes the environment: account, region, issuer, audiences and the provider', () => {
    expect(report).toMatchObject({
      environment: 'dev',
      accountId: '111111111111',
      region: 'eu-west-1',
      issuer: { url: 'https://token.actions.githubusercontent.com', label: 'github.com' },
      audiences: ['sts.amazonaws.com'],
      oidcProviderArn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
    });
  });

  it('lists every role once, sorted by name, with its ARN and where it is declared', () => {
    expect(report.roles.map((r) => [r.name, r.entry])).toEqual([
      ['gha-dev-api-release', 'repositories.api.roles.release'],
      ['gha-dev-svc-build', 'repositories.svc.roles.build'],
      ['gha-dev-web-deploy', 'repositories.web.roles.deploy'],
      ['gha-dev-web-preview', 'repositories.web.roles.preview'],
    ]);
    expect(role('gha-dev-web-deploy').arn).toBe('arn:aws:iam::111111111111:role/github-actions/gha-dev-web-deploy');
    for (const repo of model.repositories) for (const r of repo.roles) expect(role(r.name).arn).toBe(roleArn(model, r));
  });

  it('gives each subject in plain words with the sub claims GitHub puts in such a token', () => {
    expect(role('gha-dev-web-deploy').subjects).toEqual([
      {
        description: 'octo-org/web, branch main',
        repository: 'octo-org/web',
        kind: 'branch',
        value: 'main',
        pattern: false,
        claims: ['repo:octo-org/web:ref:refs/heads/main', `repo:octo-org@${OWNER_ID}/web@${WEB_ID}:ref:refs/heads/main`],
        requires: [],
      },
      {
        description: 'octo-org/web, tags matching v*',
        repository: 'octo-org/web',
        kind: 'tag',
        value: 'v*',
        pattern: true,
        claims: ['repo:octo-org/web:ref:refs/tags/v*', `repo:octo-org@${OWNER_ID}/web@${WEB_ID}:ref:refs/tags/v*`],
        requires: [],
      },
    ]);
    expect(role('gha-dev-web-preview').subjects).toEqual([
      expect.objectContaining({ kind: 'pull-request', pattern: false, claims: ['repo:octo-org/web:pull_request', `repo:octo-org@${OWNER_ID}/web@${WEB_ID}:pull_request`] }),
    ]);
    expect(role('gha-dev-web-preview').subjects[0]).not.toHaveProperty('value');
    expect(role('gha-dev-svc-build').subjects[0]?.claims).toEqual([`repo:octo-org@${OWNER_ID}/svc@111:ref:refs/heads/main`]);
  });

  it('lists what a role may do: managed policies, and the allowed actions of inline policies (NotAction spelled out, Deny left out)', () => {
    expect(role('gha-dev-web-deploy').inlinePolicies).toEqual([{ name: 'site', actions: ['everything but s3:DeleteObject', 's3:GetObject', 's3:PutObject'] }]);
    expect(role('gha-dev-web-preview').managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']);
    expect(role('gha-dev-api-release')).toMatchObject({ managedPolicyArns: [], inlinePolicies: [], maxSessionDurationSeconds: 3600 });
  });

  it("lists the variables that carry the role's ARN, with their scope, and none when the role writes none", () => {
    expect(role('gha-dev-web-deploy').variables).toEqual([{ repository: 'octo-org/web', name: 'AWS_ROLE_ARN', scope: 'repository' }]);
    expect(role('gha-dev-api-release').variables).toEqual([{ repository: 'octo-org/api', name: 'AWS_ROLE_ARN', scope: 'environment', environment: 'production' }]);
    expect(role('gha-dev-web-preview').variables).toEqual([]);
  });

  it('carries the risks of the model: opt-ins, patterns and trust by name', () => {
    expect(role('gha-dev-web-deploy').risks.map((r) => r.kind)).toEqual(['administrator-access', 'name-recycling', 'tag-pattern']);
    expect(role('gha-dev-api-release').risks.map((r) => r.kind)).toEqual(['name-recycling']);
    expect(role('gha-dev-svc-build').risks).toEqual([]);
    expect(role('gha-dev-web-deploy')).toMatchObject({ readOnly: false, subjectFormat: 'both' });
    expect(role('gha-dev-web-preview')).toMatchObject({ readOnly: true });
  });
});

describe('renderAccessReport', () => {
  const text = renderAccessReport([report]);
  const line = (name: string): string => text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';

  it('starts each environment with its account, region, issuer and audience', () => {
    expect(text.split('\n')[0]).toBe('dev: account 111111111111, eu-west-1, issuer github.com, audience sts.amazonaws.com');
    expect(text.split('\n')[1]).toMatch(/^ROLE +WHO CAN ASSUME +WHAT IT MAY DO +VARIABLES +RISKS$/);
  });

  it('writes one row per role: who, what, variables and risks, with a placeholder where there is nothing', () => {
    expect(line('gha-dev-web-deploy')).toMatch(/octo-org\/web, branch main; octo-org\/web, tags matching v\* +site \(everything but s3:DeleteObject, s3:GetObject, s3:PutObject\) +AWS_ROLE_ARN +ADMINISTRATOR ACCESS, name recycling, tag pattern$/);
    expect(line('gha-dev-api-release')).toMatch(/octo-org\/api, environment production +\(no permissions\) +AWS_ROLE_ARN@production +name recycling$/);
    expect(line('gha-dev-web-preview')).toMatch(/AmazonS3ReadOnlyAccess +- +name recycling$/);
    expect(line('gha-dev-svc-build')).toMatch(/\(no permissions\) +AWS_ROLE_ARN +-$/);
  });

  it('spells out the opted-in risky grants, but not trust by name, which it counts instead', () => {
    expect(text).toContain(
      [
        'risky grants (explicitly opted in):',
        '  ! gha-dev-web-deploy: the role is administrator-equivalent: inline policy site allows every action except those in NotAction, including every service AWS adds',
        '  ! gha-dev-web-deploy: tags matching v*',
        '3 of 4 roles trust repositories by name only: a repository that later takes the name inherits the access; set the ids (repository id and github.ownerId) to pin them beside the subject',
      ].join('\n'),
    );
  });

  it('leaves both lines out for an environment without risks', () => {
    const quiet = buildAccessModel(parseAccessConfig({ ...CONFIG, repositories: { svc: CONFIG.repositories.svc } }, 'quiet.yaml'), 'quiet.yaml');
    const out = renderAccessReport([accessReport(quiet)]);
    expect(out).not.toContain('risky grants');
    expect(out).not.toContain('by name only');
  });
});

describe('explainToken', () => {
  it('accepts a token of a trusted branch, by name or by id, with the default issuer and audience, accepted roles first', () => {
    for (const sub of ['repo:octo-org/web:ref:refs/heads/main', `repo:octo-org@${OWNER_ID}/web@${WEB_ID}:ref:refs/heads/main`]) {
      const verdicts = explainToken(model, { sub });
      expect(verdicts[0]).toMatchObject({ role: 'gha-dev-web-deploy', allowed: true, sameRepository: true, reasons: [] });
      expect(verdicts.filter((v) => v.allowed).map((v) => v.role)).toEqual(['gha-dev-web-deploy']);
      expect(verdicts.map((v) => v.role).slice(1)).toEqual(['gha-dev-api-release', 'gha-dev-svc-build', 'gha-dev-web-preview']);
    }
  });

  it('accepts a tag matching the pattern and refuses one that does not', () => {
    expect(verdict(explainToken(model, { sub: 'repo:octo-org/web:ref:refs/tags/v1.2.0' }), 'gha-dev-web-deploy').allowed).toBe(true);
    expect(verdict(explainToken(model, { sub: 'repo:octo-org/web:ref:refs/tags/release-1' }), 'gha-dev-web-deploy').allowed).toBe(false);
  });

  it("refuses a token with another audience or issuer, naming the condition", () => {
    const aud = verdict(explainToken(model, { sub: 'repo:octo-org/web:ref:refs/heads/main', aud: 'https://github.com/octo-org' }), 'gha-dev-web-deploy');
    expect(aud.allowed).toBe(false);
    expect(aud.reasons.join('\n')).toMatch(/aud/);
    const iss = verdict(explainToken(model, { sub: 'repo:octo-org/web:ref:refs/heads/main', iss: 'https://token.actions.example.com' }), 'gha-dev-web-deploy');
    expect(iss.allowed).toBe(false);
  });

  it("gives hints only for the token's own repository", () => {
    const verdicts = explainToken(model, { sub: 'repo:octo-org/web:environment:staging' });
    expect(verdict(verdicts, 'gha-dev-api-release')).toMatchObject({ sameRepository: false });
    expect(verdict(verdicts, 'gha-dev-api-release').reasons.some((r) => r.startsWith('hint:'))).toBe(false);
    expect(verdict(verdicts, 'gha-dev-web-deploy').reasons.some((r) => r.startsWith('hint:'))).toBe(true);
  });

  // [token sub (or null), role, the hint it must get]
  const hints: [string | null, string, RegExp][] = [
    ['repo:octo-org/web:environment:staging', 'gha-dev-web-deploy', /^hint: the job names an environment, so its subject is environment:NAME/],
    ['repo:octo-org/api:ref:refs/heads/main', 'gha-dev-api-release', /^hint: the role trusts environments only; add environment: NAME to the job$/],
    ['repo:octo-org/web:pull_request', 'gha-dev-web-deploy', /^hint: pull request jobs have the subject pull_request/],
    [`repo:octo-org/web:ref:refs/heads/main:job_workflow_ref:${WORKFLOW}`, 'gha-dev-web-deploy', /^hint: the subject template of the repository and the role disagree on job_workflow_ref/],
    ['repo:octo-org/svc:ref:refs/heads/main', 'gha-dev-svc-build', /^hint: the token uses the name-based subject, but the role trusts the immutable owner@id\/repo@id form/],
    [`repo:octo-org@${OWNER_ID}/api@999:environment:production`, 'gha-dev-api-release', new RegExp(`^hint: the token carries the immutable subject .*Set github.ownerId: ${OWNER_ID} and id: 999 for api`)],
    [null, 'gha-dev-web-deploy', /^the token has no sub claim$/],
  ];
  it.each(hints)('explains %s refused by %s', (sub, name, hint) => {
    const v = verdict(explainToken(model, { sub }), name);
    expect(v.allowed).toBe(false);
    expect(v.reasons.some((r) => hint.test(r)), v.reasons.join('\n')).toBe(true);
  });

  it('accepts every claim the report lists for a role, and refuses other branches (property)', () => {
    for (const r of report.roles) {
      for (const s of r.subjects.filter((x) => !x.pattern)) {
        for (const sub of s.claims) expect(verdict(explainToken(model, { sub }), r.name).allowed, `${r.name} ${sub}`).toBe(true);
      }
    }
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9._/-]{0,20}$/), (branch) => {
        fc.pre(branch !== 'main');
        expect(verdict(explainToken(model, { sub: `repo:octo-org/web:ref:refs/heads/${branch}` }), 'gha-dev-web-deploy').allowed).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('decides as the evaluator does on the trust policy IAM holds', () => {
    for (const repo of model.repositories) {
      for (const r of repo.roles) {
        const policy = r.trustPolicy;
        for (const sub of [...r.claims, 'repo:octo-org/other:ref:refs/heads/main']) {
          const token = { sub, aud: 'sts.amazonaws.com', iss: 'https://token.actions.githubusercontent.com' };
          expect(verdict(explainToken(model, token), r.name).allowed).toBe(evaluateTrustPolicy(policy, token, { providerAudiences: model.github.audiences }).allowed);
        }
      }
    }
  });
});

describe('renderTokenVerdicts', () => {
  it('lists the roles that accept the token, then the refusals of its repository with their reasons', () => {
    const claims = { sub: 'repo:octo-org/web:ref:refs/heads/main' };
    const text = renderTokenVerdicts(claims, explainToken(model, claims));
    expect(text).toBe(
      [
        'token: sub "repo:octo-org/web:ref:refs/heads/main", aud "(default)", iss "(default)"',
        'accepted by 1 role(s):',
        '  + dev/gha-dev-web-deploy (arn:aws:iam::111111111111:role/github-actions/gha-dev-web-deploy)',
        'refused by the roles of that repository:',
        '  - dev/gha-dev-web-preview',
        ...verdict(explainToken(model, claims), 'gha-dev-web-preview').reasons.map((r) => `      ${r}`),
        'refused by 2 role(s) of other repositories (use --json for their reasons)',
      ].join('\n'),
    );
  });

  it('says when no role trusts the repository of the token', () => {
    const claims = { sub: 'repo:octo-org/unknown:ref:refs/heads/main', aud: 'sts.amazonaws.com' };
    const text = renderTokenVerdicts(claims, explainToken(model, claims));
    expect(text).toContain('accepted by no role');
    expect(text).toContain('  no role of these environments trusts the repository of this token');
    expect(text).toContain('refused by 4 role(s) of other repositories');
    expect(text.split('\n')[0]).toBe('token: sub "repo:octo-org/unknown:ref:refs/heads/main", aud "sts.amazonaws.com", iss "(default)"');
  });
});
