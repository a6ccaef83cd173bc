import { describe, expect, it } from 'vitest';
import { buildAccessModel, iamDataVersion, parseAccessConfig, parseAccessConfigYaml } from '../src/index.js';
import { problems as problemsOf } from './support.js';

type Config = Record<string, any>;

/** A valid config; every case below breaks exactly one rule of it. */
function baseConfig(): Config {
  return {
    environment: 'dev',
    aws: { accountId: '111111111111', region: 'ap-northeast-2' },
    github: { owner: 'octo-org', ownerId: 123456 },
    repositories: {
      'web-app': {
        roles: {
          deploy: {
            trust: { branches: ['main'] },
            managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
          },
        },
      },
      api: {
        id: 456789,
        environments: { production: { reviewers: { teams: [4001] } } },
        roles: {
          deploy: { trust: { environments: ['production'] } },
          plan: { readOnly: true, trust: { pullRequests: true }, variable: { name: 'AWS_PLAN_ROLE_ARN' } },
        },
      },
    },
  };
}

const deploy = (c: Config): Config => c.repositories['web-app'].roles.deploy;
const api = (c: Config): Config => c.repositories.api;


const W = 'repositories.web-app.roles.deploy';

const cases: [string, (c: Config) => void, string][] = [
  ['unknown top-level key', (c) => { c.repositorys = {}; }, '(top level): unknown key "repositorys"; did you mean "repositories"?'],
  ['unknown role key', (c) => { deploy(c).managedPolicies = []; }, `${W}: unknown key "managedPolicies"; did you mean "managedPolicyArns"?`],
  ['unknown trust key', (c) => { deploy(c).trust.branch = ['main']; }, `${W}.trust: unknown key "branch"; did you mean "branches"?`],
  ['missing environment', (c) => { delete c.environment; }, 'environment: required, expected a string'],
  ['missing roles', (c) => { delete c.repositories['web-app'].roles; }, 'repositories.web-app.roles: required, expected a mapping'],
  ['account id as a number', (c) => { c.aws.accountId = 111111111111; }, 'aws.accountId: 111111111111 is a number; write it in quotes, as a string'],
  ['account id too short', (c) => { c.aws.accountId = '1234'; }, 'aws.accountId: "1234": an AWS account id is exactly 12 digits, written as a string'],
  ['account id with letters', (c) => { c.aws.accountId = '11111111111a'; }, 'aws.accountId: "11111111111a": an AWS account id is exactly 12 digits, written as a string'],
  ['bad region', (c) => { c.aws.region = 'Seoul'; }, 'aws.region: "Seoul": an AWS region looks like ap-northeast-2'],
  ['bad partition', (c) => { c.aws.partition = 'aws-mars'; }, 'aws.partition: "aws-mars": the AWS partition is one of aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc'],
  ['trust policy quota not a real quota', (c) => { c.aws.trustPolicyMaxChars = 3000; }, 'aws.trustPolicyMaxChars: 3000: the trust policy length quota is 2048 (default), 4096 or 8192; set it only after AWS raised the quota'],
  ['managed policy quota too high', (c) => { c.aws.managedPoliciesPerRole = 30; }, 'aws.managedPoliciesPerRole: 30: the managed policies per role quota is 10 (default) and can be raised to at most 25'],
  ['existing provider for another issuer', (c) => { c.aws.oidcProvider = { existingArn: 'arn:aws:iam::111111111111:oidc-provider/gitlab.com' }; }, 'aws.oidcProvider.existingArn: "arn:aws:iam::111111111111:oidc-provider/gitlab.com": an existing provider ARN is arn:PARTITION:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com in this partition and account: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com'],
  ['existing provider of another account', (c) => { c.aws.oidcProvider = { existingArn: 'arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com' }; }, 'aws.oidcProvider.existingArn: "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com": an existing provider ARN is arn:PARTITION:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com in this partition and account: arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com'],
  ['environment name with capitals', (c) => { c.environment = 'Dev'; }, 'environment: "Dev": an environment name has 1 to 32 lowercase letters, digits and inner hyphens'],
  ['owner with wildcard', (c) => { c.github.owner = 'octo-*'; }, 'github.owner: "octo-*": a GitHub owner name uses letters, digits and single inner hyphens only (no wildcard, no leading or trailing hyphen)'],
  ['owner with leading hyphen', (c) => { c.github.owner = '-octo'; }, 'github.owner: "-octo": a GitHub owner name uses letters, digits and single inner hyphens only (no wildcard, no leading or trailing hyphen)'],
  ['owner too long', (c) => { c.github.owner = 'o'.repeat(40); }, `github.owner: "${'o'.repeat(40)}": a GitHub owner name has 1 to 39 characters (got 40)`],
  ['owner id negative', (c) => { c.github.ownerId = -1; }, 'github.ownerId: -1: a GitHub numeric id is a positive whole number (never a wildcard)'],
  ['audience with wildcard', (c) => { c.github.audiences = ['sts.*']; }, 'github.audiences[0]: "sts.*": an audience is an exact value without wildcards or spaces, such as sts.amazonaws.com'],
  ['bad enterprise slug', (c) => { c.github.issuer = { enterpriseSlug: 'Octo Inc' }; }, 'github.issuer: a mapping: enterprise slug "Octo Inc" is not valid: lowercase letters, digits and inner hyphens only'],
  ['repository name with space', (c) => { c.repositories['web app'] = c.repositories['web-app']; delete c.repositories['web-app']; }, 'repositories["web app"]: "web app": a GitHub repository name uses letters, digits, ".", "_" and "-" only (no wildcard)'],
  ['repository name with wildcard', (c) => { c.repositories['web-*'] = c.repositories['web-app']; delete c.repositories['web-app']; }, 'repositories["web-*"]: "web-*": a GitHub repository name uses letters, digits, ".", "_" and "-" only (no wildcard)'],
  ['repository name ..', (c) => { c.repositories['..'] = c.repositories['web-app']; delete c.repositories['web-app']; }, 'repositories[".."]: "..": a GitHub repository name cannot be "." or ".."'],
  ['repositories differing only in case', (c) => { c.repositories['Web-App'] = { roles: { other: { trust: { branches: ['main'] } } } }; }, 'repositories.web-app: "web-app": repository names are unique ignoring case; "Web-App" is the same repository'],
  ['immutable without repository id', (c) => { c.repositories['web-app'].subjectFormat = 'immutable'; }, 'repositories.web-app.subjectFormat: "immutable": the immutable subject format needs the repository id here and github.ownerId (numeric ids; never wildcards)'],
  ['immutable on GHES', (c) => { c.github.issuer = { ghesHost: 'github.example.com' }; c.repositories.api.subjectFormat = 'immutable'; }, 'repositories.api.subjectFormat: "immutable": immutable subjects exist only on github.com; GitHub Enterprise Server (github.example.com) issues name-based subjects'],
  ['role without subject', (c) => { deploy(c).trust = {}; }, `${W}.trust: a mapping: a role needs at least one subject: branches, branchPatterns, tags, tagPatterns, environments or pullRequests`],
  ['role name too long', (c) => { deploy(c).name = 'r'.repeat(65); }, `${W}.name: "${'r'.repeat(65)}": an IAM role name has 1 to 64 characters (got 65)`],
  ['role name with slash', (c) => { deploy(c).name = 'team/deploy'; }, `${W}.name: "team/deploy": an IAM role name uses only letters, digits and + = , . @ _ -`],
  ['default role name too long', (c) => { c.defaults = { roleNamePrefix: 'p'.repeat(51) }; }, `${W}: "${'p'.repeat(51)}web-app-deploy": an IAM role name has 1 to 64 characters (got 65); the default name <roleNamePrefix><repository>-<role> is too long or invalid here, so set name explicitly`],
  ['duplicate role name ignoring case', (c) => { api(c).roles.deploy.name = 'GHA-DEV-WEB-APP-DEPLOY'; }, `${W}.name: "gha-dev-web-app-deploy": IAM role names are unique ignoring case within an account; repositories.api.roles.deploy already uses it`],
  ['bad role path', (c) => { deploy(c).path = 'ci'; }, `${W}.path: "ci": an IAM path is "/" or starts and ends with "/" with printable ASCII between, such as /ci/github/`],
  ['session too short', (c) => { deploy(c).maxSessionDurationSeconds = 3599; }, `${W}.maxSessionDurationSeconds: 3599: the maximum session duration is a whole number of seconds from 3600 to 43200`],
  ['session too long', (c) => { deploy(c).maxSessionDurationSeconds = 43201; }, `${W}.maxSessionDurationSeconds: 43201: the maximum session duration is a whole number of seconds from 3600 to 43200`],
  ['eleven managed policies', (c) => { deploy(c).managedPolicyArns = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::111111111111:policy/p${i}`); }, `${W}.managedPolicyArns: 11: a role has at most 10 managed policies (aws.managedPoliciesPerRole, raisable by quota to 25)`],
  ['malformed managed policy ARN', (c) => { deploy(c).managedPolicyArns = ['ReadOnlyAccess']; }, `${W}.managedPolicyArns[0]: "ReadOnlyAccess": a managed policy ARN looks like arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/name`],
  ['administrator access without opt-in', (c) => { deploy(c).managedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess']; }, `${W}.managedPolicyArns[0]: "arn:aws:iam::aws:policy/AdministratorAccess": administrator-equivalent: it allows every action ("*") on every resource; this needs dangerouslyAllowAdministratorAccess: true; prefer a narrower policy`],
  ['inline star-star without opt-in', (c) => { deploy(c).inlinePolicies = { all: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }; }, `${W}.inlinePolicies.all.Statement[0].Action: "*": administrator-equivalent: it allows every action ("*") on every resource; this needs dangerouslyAllowAdministratorAccess: true; prefer a narrower policy`],
  ['administrator opt-in without administrator access', (c) => { deploy(c).dangerouslyAllowAdministratorAccess = true; }, `${W}.dangerouslyAllowAdministratorAccess: true: this opt-in has no effect without administrator access; remove it`],
  ['inline policy with bad name', (c) => { deploy(c).inlinePolicies = { 'my policy': { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } }; }, `${W}.inlinePolicies["my policy"]: "my policy": an IAM policy name uses only letters, digits and + = , . @ _ -`],
  ['inline policy with characters IAM refuses', (c) => { deploy(c).inlinePolicies = { p: { Statement: [{ Sid: 'Ω', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } }; }, `${W}.inlinePolicies.p: "p": policy text may hold only tab, LF, CR and U+0020 to U+00FF (found U+03A9)`],
  ['inline policy without statements', (c) => { deploy(c).inlinePolicies = { p: { Statement: [] } }; }, `${W}.inlinePolicies.p.Statement: a list: a policy needs at least one statement`],
  ['branch with wildcard outside patterns', (c) => { deploy(c).trust.branches = ['main*']; }, `${W}.trust.branches[0]: "main*": a "*" makes this a pattern; declare it under the patterns list to opt in`],
  ['branch with question mark', (c) => { deploy(c).trust.branchPatterns = ['release-?']; }, `${W}.trust.branchPatterns[0]: "release-?": "?" is never allowed in a subject`],
  ['branch with colon', (c) => { deploy(c).trust.branches = ['a:b']; }, `${W}.trust.branches[0]: "a:b": a git ref name has no spaces, control characters or ~ ^ : \\ [`],
  ['branch with double dot', (c) => { deploy(c).trust.branches = ['a..b']; }, `${W}.trust.branches[0]: "a..b": a git ref name has no "..", "@{" or "//"`],
  ['pattern without wildcard', (c) => { deploy(c).trust.branchPatterns = ['release']; }, `${W}.trust.branchPatterns[0]: "release": a pattern has a "*"; list exact names under branches`],
  ['any branch without opt-in', (c) => { deploy(c).trust.branchPatterns = ['*']; }, `${W}.trust.branchPatterns[0]: "*": this trusts every branch, so anyone who can push a branch can assume the role; set dangerouslyAllowAnyBranch: true to opt in`],
  ['any-branch opt-in without any branch', (c) => { deploy(c).dangerouslyAllowAnyBranch = true; }, `${W}.dangerouslyAllowAnyBranch: true: this opt-in has no effect without the branch pattern "*" or an environment that admits any branch; remove it`],
  ['bare tag wildcard', (c) => { deploy(c).trust.tagPatterns = ['*']; }, `${W}.trust.tagPatterns[0]: "*": a bare "*" trusts every tag anyone with push access can create; give a prefix such as v*`],
  ['pull requests on a writing role', (c) => { deploy(c).trust.pullRequests = true; }, `${W}.trust.pullRequests: true: pull request jobs run code from the pull request; only a role with readOnly: true may trust them, or set dangerouslyAllowPullRequestsWithWriteAccess: true`],
  ['read-only role with a writing policy', (c) => { api(c).roles.plan.inlinePolicies = { pass: { Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::111111111111:role/app' }] } }; }, `repositories.api.roles.plan.inlinePolicies.pass.Statement[0].Action: "iam:PassRole": it allows iam:PassRole (Write) beyond List and Read; a readOnly role may hold only List and Read actions (AWS access levels, ${iamDataVersion()})`],
  ['environment name with wildcard', (c) => { api(c).roles.deploy.trust.environments = ['prod*']; }, 'repositories.api.roles.deploy.trust.environments[0]: "prod*": a GitHub environment name has no "*" or "?"'],
  ['environment name too long', (c) => { api(c).roles.deploy.trust.environments = ['e'.repeat(256)]; }, `repositories.api.roles.deploy.trust.environments[0]: "${'e'.repeat(75)}...": a GitHub environment name has 1 to 255 characters (got 256)`],
  ['environments differing only in case', (c) => { api(c).environments.PRODUCTION = {}; }, 'repositories.api.environments.production: "production": environment names are unique ignoring case; "PRODUCTION" is the same environment'],
  ['seven reviewers', (c) => { api(c).environments.production.reviewers = { users: [1, 2, 3, 4], teams: [5, 6, 7] }; }, 'repositories.api.environments.production.reviewers: 7: an environment has at most 6 required reviewers (users and teams together)'],
  ['wait timer too long', (c) => { api(c).environments.production.waitTimerMinutes = 50000; }, 'repositories.api.environments.production.waitTimerMinutes: 50000: the wait timer is a whole number of minutes from 0 to 43200'],
  ['variable name starting with GITHUB_', (c) => { deploy(c).variable = { name: 'github_role' }; }, `${W}.variable.name: "github_role": a GitHub variable name cannot start with GITHUB_`],
  ['variable name starting with a digit', (c) => { deploy(c).variable = { name: '1ROLE' }; }, `${W}.variable.name: "1ROLE": a GitHub variable name starts with a letter or "_" and has only letters, digits and "_"`],
  ['variable name with a hyphen', (c) => { deploy(c).variable = { name: 'AWS-ROLE' }; }, `${W}.variable.name: "AWS-ROLE": a GitHub variable name starts with a letter or "_" and has only letters, digits and "_"`],
  ['two roles writing one variable', (c) => { api(c).roles.plan.variable = { name: 'aws_role_arn' }; api(c).roles.deploy.variable = { scope: 'repository' }; }, 'repositories.api.roles.plan.variable.name: "aws_role_arn": role deploy already writes this variable in the repository; names are unique ignoring case per scope, so set variable.name on one of them'],
  ['environment scope without environments', (c) => { deploy(c).variable = { scope: 'environment' }; }, `${W}.variable.scope: "environment": environment scope needs trust.environments; jobs in other contexts cannot read environment variables`],
  ['bad workflow ref', (c) => { api(c).roles.deploy.trust.workflows = ['octo-org/automation/deploy.yml@main']; api(c).roles.plan.trust.workflows = ['octo-org/automation/.github/workflows/plan.yml@refs/heads/main']; }, 'repositories.api.roles.deploy.trust.workflows[0]: "octo-org/automation/deploy.yml@main": a reusable workflow is OWNER/REPO/.github/workflows/FILE.yml@REF'],
  ['workflow at any ref without opt-in', (c) => { api(c).roles.deploy.trust.workflows = ['octo-org/automation/.github/workflows/deploy.yml@*']; api(c).roles.plan.trust.workflows = ['octo-org/automation/.github/workflows/plan.yml@refs/heads/main']; }, 'repositories.api.roles.deploy.trust.workflows[0]: "octo-org/automation/.github/workflows/deploy.yml@*": a workflow ref of "@*" lets any branch of the workflow repository in; set dangerouslyAllowAnyWorkflowRef to opt in'],
  ['workflow pinned on one role only', (c) => { api(c).roles.deploy.trust.workflows = ['octo-org/automation/.github/workflows/deploy.yml@refs/heads/main']; }, 'repositories.api.roles.plan.trust.workflows: nothing: another role of this repository pins reusable workflows, so the repository uses the subject template repo, context, job_workflow_ref and every role of it must list its workflows'],
  ['subject template flag without workflows', (c) => { api(c).manageSubjectTemplate = false; }, 'repositories.api.manageSubjectTemplate: false: only a repository whose roles pin workflows has a subject template; remove it'],
  ['tag with reserved prefix', (c) => { deploy(c).tags = { 'aws:team': 'x' }; }, `${W}.tags["aws:team"]: "x": a tag key cannot start with "aws:"`],
  ['tag value too long', (c) => { deploy(c).tags = { team: 'v'.repeat(257) }; }, `${W}.tags.team: "${'v'.repeat(75)}...": a tag value has at most 256 characters (got 257)`],
  ['trust policy too large', (c) => { deploy(c).trust.branches = Array.from({ length: 25 }, (_, i) => `feature/very-long-branch-name-number-${i}`); }, `${W}.trust: "25 subjects": the trust policy has 2331 characters (25 subjects), over the limit of 2048; split these subjects across several roles, or raise the account quota for role trust policy length (up to 8192) and set trustPolicyMaxChars to match`],
];

describe('access config errors', () => {
  it('accepts the base config', () => {
    expect(problemsOf(baseConfig())).toEqual([]);
  });

  it('has at least 40 malformed configs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('fails when %s', (_name, mutate, expected) => {
    const config = baseConfig();
    mutate(config);
    expect(problemsOf(config)).toEqual([expected]);
  });

  it('reports every problem of a config at once', () => {
    const config = baseConfig();
    config.aws.accountId = '1';
    deploy(config).name = 'a b';
    expect(problemsOf(config)).toHaveLength(2);
  });

  it('accepts a large trust policy once the quota is raised', () => {
    const config = baseConfig();
    config.aws.trustPolicyMaxChars = 4096;
    deploy(config).trust.branches = Array.from({ length: 25 }, (_, i) => `feature/very-long-branch-name-number-${i}`);
    expect(problemsOf(config)).toEqual([]);
  });

  it('fails when YAML repeats a key', () => {
    const yaml = 'environment: dev\nenvironment: prod\n';
    expect(() => parseAccessConfigYaml(yaml, 'access.yaml')).toThrow(/line 2, column 1: duplicated mapping key/);
  });

  it('names the source file in the message', () => {
    const config = baseConfig();
    config.aws.accountId = '1';
    expect(() => buildAccessModel(parseAccessConfig(config, 'apps/dev/access.yaml'), 'apps/dev/access.yaml')).toThrow(
      /^apps\/dev\/access\.yaml: invalid access config\n {2}- aws\.accountId: "1": /,
    );
  });
});
