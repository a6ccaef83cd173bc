/**
 * Name-like fields refuse template syntax and deceptive characters, and follow GitHub's and git's own naming
 * rules; GitHub's default audience needs a named opt-in. Every rule has a table case, and the forbidden
 * characters a property over every name-like field of the config.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accessReport,
  buildAccessModel,
  buildTrustPolicy,
  checkAudience,
  checkBucketName,
  checkEnvironmentName,
  checkNameText,
  checkRefName,
  checkSubjectValue,
  checkWorkflowRef,
  explainToken,
  parseAccessConfig,
  renderAccessReport,
} from '../src/index.js';
import { problems as problemsOf } from './support.js';

type Config = Record<string, any>;

function baseConfig(): Config {
  return {
    environment: 'dev',
    aws: { accountId: '111111111111', region: 'ap-northeast-2', tags: { team: 'platform' } },
    github: { owner: 'octo-org', ownerId: 123456 },
    defaults: { roleNamePrefix: 'gha-dev-' },
    repositories: {
      web: {
        id: 456789,
        environments: { production: { reviewers: { teams: [7] }, deploymentBranches: ['main'] } },
        roles: {
          deploy: {
            trust: { branches: ['main'], tags: ['v1'], environments: ['production'], repositories: { api: { branches: ['main'] } } },
            managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
            permissionsBoundaryArn: 'arn:aws:iam::111111111111:policy/boundary',
            path: '/ci/',
            tags: { owner: 'web' },
            variable: { name: 'WEB_DEPLOY_ROLE_ARN', regionName: 'AWS_REGION', scope: 'none' },
          },
          release: { trust: { branchPatterns: ['release/*'], tagPatterns: ['v*'] }, name: 'web-release' },
        },
      },
      api: { id: 456790, roles: { deploy: { trust: { branches: ['main'] } } } },
      tools: {
        id: 456791,
        roles: { build: { trust: { branches: ['main'], workflows: ['octo-org/shared/.github/workflows/build.yml@refs/heads/main'] } } },
      },
    },
  };
}


const W = 'repositories.web.roles.deploy';

/** Every name-like field of the config: its path in messages, and how to put a value there. */
const NAME_FIELDS: readonly { path: string; valid: string; set: (c: Config, v: string) => void; exact?: true }[] = [
  { path: 'github.owner', valid: 'octo-org', set: (c, v) => { c.github.owner = v; } },
  { path: `${W}.trust.branches[0]`, valid: 'main', set: (c, v) => { c.repositories.web.roles.deploy.trust.branches = [v]; } },
  { path: 'repositories.web.roles.release.trust.branchPatterns[0]', valid: 'release/*', set: (c, v) => { c.repositories.web.roles.release.trust.branchPatterns = [v]; } },
  { path: `${W}.trust.tags[0]`, valid: 'v1', set: (c, v) => { c.repositories.web.roles.deploy.trust.tags = [v]; } },
  { path: 'repositories.web.roles.release.trust.tagPatterns[0]', valid: 'v*', set: (c, v) => { c.repositories.web.roles.release.trust.tagPatterns = [v]; } },
  { path: `${W}.trust.environments[0]`, valid: 'production', set: (c, v) => { c.repositories.web.roles.deploy.trust.environments = [v]; } },
  { path: `${W}.trust.repositories.api.branches[0]`, valid: 'main', set: (c, v) => { c.repositories.web.roles.deploy.trust.repositories.api.branches = [v]; } },
  { path: 'repositories.web.environments.production.deploymentBranches[0]', valid: 'main', set: (c, v) => { c.repositories.web.environments.production.deploymentBranches = [v]; } },
  { path: 'repositories.tools.roles.build.trust.workflows[0]', valid: 'octo-org/shared/.github/workflows/build.yml@refs/heads/main', set: (c, v) => { c.repositories.tools.roles.build.trust.workflows = [v]; } },
  { path: 'github.audiences[0]', valid: 'sts.amazonaws.com', set: (c, v) => { c.github.audiences = [v]; } },
  { path: 'repositories.web.roles.release.name', valid: 'web-release', set: (c, v) => { c.repositories.web.roles.release.name = v; } },
  { path: `${W}.path`, valid: '/ci/', set: (c, v) => { c.repositories.web.roles.deploy.path = v; } },
  { path: 'defaults.rolePath', valid: '/github-actions/', set: (c, v) => { c.defaults.rolePath = v; } },
  { path: `${W}.variable.name`, valid: 'WEB_DEPLOY_ROLE_ARN', set: (c, v) => { c.repositories.web.roles.deploy.variable.name = v; } },
  { path: `${W}.variable.regionName`, valid: 'AWS_REGION', set: (c, v) => { c.repositories.web.roles.deploy.variable.regionName = v; } },
  { path: 'defaults.roleArnVariable', valid: 'AWS_ROLE_ARN', set: (c, v) => { c.defaults.roleArnVariable = v; } },
  { path: `${W}.managedPolicyArns[0]`, valid: 'arn:aws:iam::aws:policy/ReadOnlyAccess', set: (c, v) => { c.repositories.web.roles.deploy.managedPolicyArns = [v]; } },
  { path: `${W}.permissionsBoundaryArn`, valid: 'arn:aws:iam::111111111111:policy/boundary', set: (c, v) => { c.repositories.web.roles.deploy.permissionsBoundaryArn = v; } },
  { path: 'defaults.permissionsBoundaryArn', valid: 'arn:aws:iam::111111111111:policy/boundary', set: (c, v) => { c.defaults.permissionsBoundaryArn = v; } },
  { path: 'aws.oidcProvider.existingArn', valid: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com', set: (c, v) => { c.aws.oidcProvider = { existingArn: v }; }, exact: true },
];

/** Name-like fields that are mapping keys: the path of the key, and how to rename it. */
const NAME_KEYS: readonly { path: (v: string) => string; set: (c: Config, v: string) => void }[] = [
  { path: (v) => `repositories[${JSON.stringify(v)}]`, set: (c, v) => { c.repositories[v] = c.repositories.api; delete c.repositories.api; delete c.repositories.web.roles.deploy.trust.repositories; } },
  { path: (v) => `repositories.web.environments[${JSON.stringify(v)}]`, set: (c, v) => { c.repositories.web.environments = { [v]: {} }; } },
  { path: (v) => `${W}.tags[${JSON.stringify(v)}]`, set: (c, v) => { c.repositories.web.roles.deploy.tags = { [v]: 'x' }; } },
  { path: (v) => `aws.tags[${JSON.stringify(v)}]`, set: (c, v) => { c.aws.tags = { [v]: 'x' }; } },
  { path: (v) => `${W}.trust.repositories[${JSON.stringify(v)}]`, set: (c, v) => { c.repositories.web.roles.deploy.trust.repositories = { [v]: { branches: ['main'] } }; } },
];

describe('checkNameText', () => {
  it.each([
    ['${', 'ma${x}in', '"${" is Terraform template syntax'],
    ['%{', 'ma%{if true}in', '"%{" is Terraform template syntax'],
    ['a cdktf token marker', 'x#{TfToken[TOKEN.1]}', '"TfToken[" is a cdktf token marker'],
    ['a C0 control character', 'ma\u0007in', 'U+0007 is a control character'],
    ['DEL', 'ma\u007Fin', 'U+007F is a control character'],
    ['a C1 control character', 'ma\u0085in', 'U+0085 is a control character'],
    ['a zero-width space', 'ma\u200Bin', 'U+200B is an invisible character'],
    ['a zero-width joiner', 'ma\u200Din', 'U+200D is an invisible character'],
    ['a soft hyphen', 'ma\u00ADin', 'U+00AD is an invisible character'],
    ['a byte order mark', '\uFEFFmain', 'U+FEFF is an invisible character'],
    ['a word joiner', 'ma\u2060in', 'U+2060 is an invisible character'],
    ['a Hangul filler', 'ma\u3164in', 'U+3164 is an invisible character'],
    ['a variation selector', 'ma\uFE0Fin', 'U+FE0F is an invisible character'],
    ['a tag character', 'main\u{E0041}', 'U+E0041 is an invisible character'],
    ['a right-to-left override', 'ma\u202Ein', 'U+202E is a bidirectional control character'],
    ['a right-to-left isolate', 'ma\u2067in', 'U+2067 is a bidirectional control character'],
    ['a left-to-right mark', 'ma\u200Ein', 'U+200E is a bidirectional control character'],
    ['an Arabic letter mark', 'ma\u061Cin', 'U+061C is a bidirectional control character'],
    ['a no-break space', 'ma\u00A0in', 'U+00A0 is a space or separator other than the plain space'],
    ['an ideographic space', 'ma\u3000in', 'U+3000 is a space or separator other than the plain space'],
    ['a line separator', 'ma\u2028in', 'U+2028 is a space or separator other than the plain space'],
    ['a private-use character', 'ma\uE000in', 'U+E000 is a private-use character'],
    ['a supplementary private-use character', 'ma\u{10FFFD}in', 'U+10FFFD is a private-use character'],
    ['an unassigned code point', 'ma\u0378in', 'U+0378 is not an assigned character'],
    ['fullwidth letters', 'ｍａｉｎ', 'compatibility or decomposed forms'],
    ['mathematical letters', '𝐦𝐚𝐢𝐧', 'compatibility or decomposed forms'],
    ['a ligature', 'conﬁg', 'compatibility or decomposed forms'],
    ['a decomposed accent', 'cafe\u0301', 'compatibility or decomposed forms'],
    ['a combining overlay on ASCII', 'main\u0338', 'combining mark on an ASCII character'],
    ['a Cyrillic a among Latin letters', 'mаin', 'mixes letters of several scripts (Cyrillic, Latin)'],
    ['a Greek omicron among Latin letters', 'prοd', 'mixes letters of several scripts (Greek, Latin)'],
    ['Latin and Arabic', 'prodم', 'mixes letters of several scripts (Arabic, Latin)'],
    ['only Cyrillic letters that look Latin', 'рор', 'only in Cyrillic letters that look like Latin ones'],
    ['only Greek letters that look Latin', 'ΤΟΡ', 'only in Greek letters that look like Latin ones'],
  ])('refuses %s', (_what, value, rule) => {
    expect(checkNameText(value)).toContain(rule);
  });

  it.each([
    ['ASCII', 'release/1.0_rc-2'],
    ['a plain space', 'Production EU'],
    ['a precomposed accent', 'café'],
    ['Hangul', '운영'],
    ['Latin with Hangul', 'prod-운영'],
    ['Japanese', '本番-プロダクション'],
    ['Cyrillic that does not read as Latin', 'Производство'],
    ['Greek that does not read as Latin', 'παραγωγή'],
    ['digits and punctuation only', '2024.01'],
  ])('accepts %s', (_what, value) => {
    expect(checkNameText(value)).toBeUndefined();
  });
});

describe('checkRefName (git check-ref-format, as GitHub applies it)', () => {
  it.each([
    ['refs/heads/main', 'without "refs/"'],
    ['refs/tags/v1', 'without "refs/"'],
    ['-main', 'cannot start with "-"'],
    ['a..b', 'no "..", "@{" or "//"'],
    ['main@{1}', 'no "..", "@{" or "//"'],
    ['a//b', 'no "..", "@{" or "//"'],
    ['main.lock', 'end with "." or ".lock"'],
    ['a.lock/b', 'no part of a git ref name ends with ".lock"'],
    ['HEAD', '"HEAD" is not a branch or tag name'],
    ['.hidden', 'no part of a git ref name starts with "."'],
    ['a/.b', 'no part of a git ref name starts with "."'],
    ['main/', 'cannot start or end with "/"'],
    ['/main', 'cannot start or end with "/"'],
    ['main.', 'end with "." or ".lock"'],
    ['@', 'or be "@"'],
    ['a b', 'no spaces, control characters'],
    ['a~1', 'no spaces, control characters'],
    ['a^1', 'no spaces, control characters'],
    ['a:b', 'no spaces, control characters'],
    ['a\\b', 'no spaces, control characters'],
    ['a[b', 'no spaces, control characters'],
    ['ma?n', '"?" is never allowed'],
    ['%{endif}', 'Terraform template syntax'],
    ['ma\u200Bin', 'U+200B is an invisible character'],
  ])('refuses %j', (name, rule) => {
    expect(checkRefName(name, false)).toContain(rule);
  });

  it.each(['main', 'release/1.0', 'feature/JIRA-1_x', 'v1.0.0', 'a@b', 'héllo', 'refs', 'heads/x'])('accepts %j', (name) => {
    expect(checkRefName(name, false)).toBeUndefined();
  });
});

describe('checkSubjectValue (the last line of defence, whatever built the subject)', () => {
  it.each([
    ['repo:o/r:ref:refs/heads/%{endif}', '"%{" is Terraform template syntax'],
    ['repo:o/r:ref:refs/heads/x#{TfToken[TOKEN.1]}', '"TfToken[" is a cdktf token marker'],
    ['repo:o/r:ref:refs/heads/ma\u200Bin', 'U+200B is an invisible character'],
    ['repo:o/r:environment:prod\u202E', 'U+202E is a bidirectional control character'],
  ])('refuses %j', (sub, rule) => {
    expect(checkSubjectValue(sub)).toContain(rule);
  });

  it('accepts a subject whose parts are in different scripts, each a valid name', () => {
    expect(checkSubjectValue('repo:octo-org/web:environment:Производство')).toBeUndefined();
  });
});

describe('checkBucketName (S3 general purpose bucket naming rules)', () => {
  it.each([
    ['keyless-state-111111111111', undefined],
    ['a.b-c', undefined],
    ['ab', /3 to 63/],
    ['a'.repeat(64), /3 to 63/],
    ['Upper-case', /3 to 63/],
    ['-starts-with-hyphen', /3 to 63/],
    ['ends-with-dot.', /3 to 63/],
    ['two..dots', /"\.\."/],
    ['under_score', /3 to 63/],
    ['192.168.5.4', /IP address/],
    ['xn--punycode', /reserves .* xn--/],
    ['sthree-bucket', /reserves .* sthree-/],
    ['my-bucket-s3alias', /reserves .* -s3alias/],
    ['my-bucket--ol-s3', /reserves .* --ol-s3/],
    ['my-bucket.mrap', /reserves .* \.mrap/],
    ['my-bucket--x-s3', /reserves .* --x-s3/],
  ] as const)('%s', (name, rule) => {
    const problem = checkBucketName(name);
    if (rule === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(rule);
  });

  it('is the rule of the access config state bucket', () => {
    expect(problemsOf({ ...baseConfig(), state: { bucket: 'xn--state' } })).toEqual([`state.bucket: "xn--state": ${checkBucketName('xn--state')}`]);
  });
});

describe('checkEnvironmentName', () => {
  it.each([
    ['prod%3Aevil', 'no "%": GitHub writes ":" as "%3A"'],
    ['100%', 'no "%"'],
    [' prod', 'no leading or trailing spaces'],
    ['prod*', 'no "*" or "?"'],
    ['pr\u200Bod', 'U+200B is an invisible character'],
    ['prod${x}', 'Terraform template syntax'],
    ['x'.repeat(256), 'has 1 to 255 characters'],
  ])('refuses %j', (name, rule) => {
    expect(checkEnvironmentName(name)).toContain(rule);
  });

  it.each(['production', 'prod:v1', 'Production EU', '운영'])('accepts %j', (name) => {
    expect(checkEnvironmentName(name)).toBeUndefined();
  });
});

describe('checkWorkflowRef', () => {
  it.each([
    ['o/r/.github/workflows/../evil.yml@refs/heads/main', 'no "..", "." or empty segments'],
    ['o/r/.github/workflows/./x.yml@refs/heads/main', 'no "..", "." or empty segments'],
    ['o/r/.github/workflows//x.yml@refs/heads/main', 'no "..", "." or empty segments'],
    ['o/r/.github/workflows/sub/x.yml@refs/heads/main', 'directly in .github/workflows'],
    ['o/r/.github/workflows/x.yml@refs/heads/refs/heads/main', 'without "refs/"'],
    ['o/r/.github/workflows/x.yml@refs/heads/ma\u202Ein', 'bidirectional control character'],
    ['o/r/.github/workflows/x.yml@refs/heads/%{endif}', 'Terraform template syntax'],
  ])('refuses %j', (ref, rule) => {
    expect(checkWorkflowRef(ref, false)).toContain(rule);
  });

  it('accepts a workflow directly in .github/workflows at a branch, a tag or a commit', () => {
    for (const at of ['refs/heads/main', 'refs/tags/v1', 'a'.repeat(40)])
      expect(checkWorkflowRef(`octo-org/shared/.github/workflows/build.yml@${at}`, false)).toBeUndefined();
  });
});

describe('name-like fields of the access config', () => {
  it('accepts the base config', () => {
    expect(problemsOf(baseConfig())).toEqual([]);
  });

  // The example: an audience and a branch that together would render a trust policy without a sub condition.
  it('refuses the audience and branch that would render a trust policy without a sub condition', () => {
    const c = baseConfig();
    c.github.audiences = ['sts.amazonaws.com%{if(false)}'];
    c.repositories.web.roles.deploy.trust.branches = ['%{endif}'];
    const problems = problemsOf(c);
    expect(problems).toContain('github.audiences[0]: "sts.amazonaws.com%{if(false)}": "%{" is Terraform template syntax; a name never contains it');
    expect(problems).toContain(`${W}.trust.branches[0]: "%{endif}": "%{" is Terraform template syntax; a name never contains it`);
  });

  it.each(NAME_FIELDS.map((f) => [f.path, f] as const))('refuses template syntax in %s with config path, value and rule', (path, field) => {
    const c = baseConfig();
    field.set(c, field.valid.replace(/^(.)/, '$1${x}'));
    const problems = problemsOf(c);
    // The existing provider ARN must equal the one ARN it can be, so any other text is refused by that rule.
    expect(problems.some((p) => p.startsWith(`${path}: `) && (field.exact || p.includes('Terraform template syntax')))).toBe(true);
  });

  it.each(NAME_KEYS.map((k) => [k.path('x'), k] as const))('refuses a deceptive character in the key %s', (_path, key) => {
    const c = baseConfig();
    const name = 'w\u200Beb';
    key.set(c, name);
    const problems = problemsOf(c);
    expect(problems.some((p) => p.startsWith(`${key.path(name)}: `) && p.includes('U+200B is an invisible character'))).toBe(true);
  });

  it('refuses a branch given with its refs/heads/ prefix, which would trust refs/heads/refs/heads/main', () => {
    const c = baseConfig();
    c.repositories.web.roles.deploy.trust.branches = ['refs/heads/main'];
    expect(problemsOf(c)).toContain(
      `${W}.trust.branches[0]: "refs/heads/main": write the short branch or tag name without "refs/": keyless adds refs/heads/ or refs/tags/, so "refs/heads/main" would trust the ref refs/heads/refs/heads/main`,
    );
  });

  it('refuses an environment that GitHub would give the same subject as another', () => {
    const c = baseConfig();
    c.repositories.web.roles.deploy.trust.environments = ['prod%3Aevil'];
    expect(problemsOf(c).some((p) => p.startsWith(`${W}.trust.environments[0]: "prod%3Aevil": a GitHub environment name has no "%"`))).toBe(true);
  });

  it('refuses a permissions boundary in a partition AWS does not have', () => {
    const c = baseConfig();
    c.repositories.web.roles.deploy.permissionsBoundaryArn = 'arn:aws-mars:iam::111111111111:policy/boundary';
    expect(problemsOf(c).some((p) => p.startsWith(`${W}.permissionsBoundaryArn: `) && p.includes('the AWS partition is one of'))).toBe(true);
  });

  // Forbidden text anywhere in any name-like field is refused, and the message names that field.
  const forbidden = fc.constantFrom('${', '%{', '\u0000', '\u0007', '\u0085', '\u200B', '\u200C', '\u00AD', '\uFEFF', '\u2060', '\u202E', '\u2066', '\u200F', '\u061C', '\u00A0', '\u3000', '\uFE0F', '\u{E0001}', 'а', 'ο');
  it('refuses every forbidden character or sequence at any position of any name-like field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAME_FIELDS), forbidden, fc.nat(), (field, bad, at) => {
        const i = at % (field.valid.length + 1);
        const value = `${field.valid.slice(0, i)}${bad}${field.valid.slice(i)}`;
        const c = baseConfig();
        field.set(c, value);
        const problems = problemsOf(c);
        return problems.some((p) => p.startsWith(`${field.path}: `));
      }),
      { numRuns: 200 },
    );
  });

  it('builds a model only from names that pass checkNameText', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAME_FIELDS), fc.string({ unit: 'binary', maxLength: 3 }), (field, extra) => {
        const c = baseConfig();
        field.set(c, `${field.valid}${extra}`);
        if (problemsOf(c).length === 0) expect(checkNameText(`${field.valid}${extra}`)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

describe("GitHub's default audience", () => {
  it.each([
    ['https://github.com/octo-org'],
    ['https://GitHub.com/octo-org'],
    ['http://github.com/octo-org'],
    ['https://github.com'],
    ['https://www.github.com/octo-org'],
  ])('is refused without the opt-in: %s', (aud) => {
    const c = baseConfig();
    c.github.audiences = [aud];
    expect(problemsOf(c)).toEqual([
      `github.audiences[0]: ${JSON.stringify(aud)}: this is GitHub's default audience, which every token requested without an audience carries (tokens meant for other services too); use sts.amazonaws.com, or set github.dangerouslyAllowGithubAudience: true to opt in`,
    ]);
  });

  it("is refused for a GitHub Enterprise Server issuer's own host", () => {
    expect(checkAudience('https://github.example.com/octo-org', { issuer: { kind: 'ghes', host: 'github.example.com' } })).toContain("GitHub's default audience");
    expect(checkAudience('https://octo.ghe.com/octo-org', { issuer: { kind: 'ghe.com', subdomain: 'octo' } })).toContain("GitHub's default audience");
    expect(checkAudience('https://github.example.com/octo-org')).toBeUndefined();
  });

  it('is refused by buildTrustPolicy without the opt-in', () => {
    const options = { providerArn: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com', conditionKeyPrefix: 'token.actions.githubusercontent.com', subjects: ['repo:octo-org/web:ref:refs/heads/main'], audiences: ['https://github.com/octo-org'] };
    expect(() => buildTrustPolicy(options)).toThrow("GitHub's default audience");
    expect(buildTrustPolicy({ ...options, dangerouslyAllowGithubAudience: true }).Statement).toHaveLength(1);
  });

  it('is accepted with the opt-in and flagged on every role in reports', () => {
    const c = baseConfig();
    c.github.audiences = ['sts.amazonaws.com', 'https://github.com/octo-org'];
    c.github.dangerouslyAllowGithubAudience = true;
    const model = buildAccessModel(parseAccessConfig(c));
    const report = accessReport(model);
    expect(report.roles.length).toBeGreaterThan(0);
    for (const role of report.roles) expect(role.risks.map((r) => r.kind)).toContain('github-audience');
    const text = renderAccessReport([report]);
    expect(text).toMatch(/^gha-dev-web-deploy .*GITHUB AUDIENCE/m);
    expect(text).toContain("  ! gha-dev-web-deploy: tokens with GitHub's default audience https://github.com/octo-org are accepted");
    // explain reasons with the same trust policy: such a token is accepted.
    const verdicts = explainToken(model, {
      sub: 'repo:octo-org@123456/web@456789:environment:production',
      ref: 'refs/heads/main',
      repository_id: '456789',
      repository_owner_id: '123456',
      aud: 'https://github.com/octo-org',
    });
    expect(verdicts.some((v) => v.allowed && v.role === 'gha-dev-web-deploy')).toBe(true);
  });

  it('fails when the opt-in is set without such an audience', () => {
    const c = baseConfig();
    c.github.dangerouslyAllowGithubAudience = true;
    expect(problemsOf(c)).toEqual([
      "github.dangerouslyAllowGithubAudience: true: this opt-in has no effect without GitHub's default audience in github.audiences; remove it",
    ]);
  });

  it('has no risk flag by default', () => {
    const model = buildAccessModel(parseAccessConfig(baseConfig()));
    expect(model.repositories.flatMap((r) => r.roles).flatMap((r) => r.risks).map((r) => r.kind)).not.toContain('github-audience');
  });
});
