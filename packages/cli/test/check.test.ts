/**
 * keyless check: every mistake that used to pass synth, explain and the offline plan and fail only at apply, and
 * the conflicts between environments, each reported at the file, line and column of the value at fault; exit
 * codes 0 (clean, warnings allowed), 1 (an error) and 2 (usage); --json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsEndpointData, checkRegion } from '../src/aws-regions.js';
import type { AwsEndpointData } from '../src/aws-regions.js';
import { checkConfigs } from '../src/check.js';
import type { CheckProblem } from '../src/check.js';
import { CONDITION_OPERATORS, checkConditionOperator, policyGrammarProblems } from '../src/policy-grammar.js';
import { type KeylessRun, runKeyless, scratchPerTest } from './run-keyless.js';
import { forAll, pick, shuffle, stringOf } from './seeded.js';

const { workspace } = scratchPerTest();

/** Replaces text in an app's config; the text must be there. */
function edit(root: string, file: string, from: string, to: string): string {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  const next = text.replace(from, to);
  writeFileSync(path, next);
  return next;
}

const check = (root: string, ...argv: string[]): Promise<KeylessRun> => runKeyless(root, ['check', ...argv]);

async function problems(root: string, ...argv: string[]): Promise<{ code: number; problems: CheckProblem[] }> {
  const { code, out } = await check(root, ...argv, '--json');
  return { code, problems: (JSON.parse(out) as { problems: CheckProblem[] }).problems };
}

/** The text at a 1-based line and column of a file of the workspace. */
function textAt(root: string, file: string, line: number, column: number): string {
  return (readFileSync(join(root, file), 'utf8').split('\n')[line - 1] ?? '').slice(column - 1);
}

const DEV = 'apps/dev/access.yaml';
const PROD = 'apps/prod/access.yaml';
const BOOTSTRAP = 'apps/bootstrap/bootstrap.yaml';

describe('keyless check on clean configs', () => {
  it('passes the fixture workspace and says so', async () => {
    const root = workspace();
    const { code, out } = await check(root);
    expect(out).toBe('keyless check: 3 configs, no problems\n');
    expect(code).toBe(0);
  });

  it('prints JSON with every file checked', async () => {
    const root = workspace();
    const { code, out } = await check(root, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ ok: true, files: [BOOTSTRAP, DEV, PROD], problems: [], errors: 0, warnings: 0 });
  });
});

// Each mistake: the file, the text replaced, what it becomes, the text the problem must point at, and part of
// the message. Every one of these passed synth, explain and the offline plan before (issue 13).
const mistakes: [string, string, string, string, string, RegExp][] = [
  ['a region typo', DEV, 'region: ap-northeast-2', 'region: ap-northest-2', 'ap-northest-2', /aws\.region: "ap-northest-2": not a region of the aws partition in the AWS SDK's endpoint data \(@aws-sdk\/core [^)]+\); did you mean "ap-northeast-2"\?/],
  ['a region of another partition', DEV, 'region: ap-northeast-2', 'region: cn-north-1', 'cn-north-1', /aws\.region: "cn-north-1": cn-north-1 is a region of the aws-cn partition, and this config's partition is aws; set aws\.partition: aws-cn/],
  ['a misspelled AWS managed policy', DEV, 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAcess', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAcess', /managedPolicyArns\[0\]: "arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAcess": no AWS managed policy has this name .*did you mean arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess/],
  ['a customer policy of another account', DEV, 'arn:aws:iam::111111111111:policy/platform-deploy', 'arn:aws:iam::999999999999:policy/platform-deploy', 'arn:aws:iam::999999999999', /a customer managed policy attaches only to roles of its own account, 111111111111/],
  ['Effect: allow', DEV, '- Effect: Allow', '- Effect: allow', 'allow', /Statement\[0\]\.Effect: "allow": Effect is exactly "Allow" or "Deny"/],
  ['a trusted environment the config does not declare', DEV, 'environments: [dev-database]', 'environments: [dev-databse]', 'dev-databse', /environments\[0\]: "dev-databse": environment dev-databse of platform is not declared under repositories\.platform\.environments/],
  ['a condition operator IAM does not know', DEV, '                Resource: arn:aws:s3:::octo-org-docs-dev/*', '                Resource: arn:aws:s3:::octo-org-docs-dev/*\n                Condition:\n                  StringEqual:\n                    aws:SourceVpc: vpc-1a2b3c4d', 'StringEqual:', /Condition\.StringEqual: "StringEqual": not an IAM condition operator; did you mean "StringEquals"\?/],
  ['an unknown key', DEV, '  region: ap-northeast-2', '  regoin: ap-northeast-2', 'regoin', /aws: unknown key "regoin"; did you mean "region"\?/],
  ['a branch written under the role, not under trust', DEV, '        trust:\n          branches: [main]\n        inlinePolicies:\n          site-bucket:', '        branches: [main]\n        trust:\n          tags: [v1]\n        inlinePolicies:\n          site-bucket:', 'branches: [main]', /repositories\.web-app\.roles\.deploy: unknown key "branches"; did you mean to indent it under trust\?/],
  ['a state bucket the pipeline cannot reach', DEV, 'bucket: octo-org-keyless-tfstate-111111111111', 'bucket: octo-org-tfstate', 'octo-org-tfstate', /state\.bucket: "octo-org-tfstate": the pipeline's roles reach only the state bucket of apps\/bootstrap\/bootstrap\.yaml in this account: octo-org-keyless-tfstate-111111111111/],
  ['a permissions boundary the apply role does not create roles with', DEV, 'policy/keyless/keyless-dev-boundary', 'policy/keyless/other-boundary', 'arn:aws:iam::111111111111:policy/keyless/other-boundary', /defaults\.permissionsBoundaryArn: "arn:aws:iam::111111111111:policy\/keyless\/other-boundary": the pipeline's apply role \(apps\/bootstrap\/bootstrap\.yaml\) creates and changes roles only with the permissions boundary arn:aws:iam::111111111111:policy\/keyless\/keyless-dev-boundary/],
  ['a role path the apply role does not manage', DEV, 'defaults:\n', 'defaults:\n  rolePath: /ci/\n', '/ci/', /defaults\.rolePath: "\/ci\/": the pipeline's apply role \(apps\/bootstrap\/bootstrap\.yaml\) manages roles under the path \/github-actions\/ only/],
  ['a bootstrap region typo', BOOTSTRAP, 'region: ap-northeast-2', 'region: ap-northeast-22', 'ap-northeast-22', /accounts\.dev\.region: "ap-northeast-22": not a region of the aws partition/],
  ['two configs of one environment name', PROD, 'environment: prod', 'environment: dev', 'dev', /environment: "dev": apps\/dev\/access\.yaml is the dev environment too/],
];

describe('keyless check finds every mistake at its place', () => {
  it.each(mistakes)('%s', async (_name, file, from, to, at, message) => {
    const root = workspace();
    edit(root, file, from, to);
    const { code, problems: found } = await problems(root);
    const errors = found.filter((p) => p.severity === 'error');
    expect(errors.map((p) => p.message).join('\n')).toMatch(message);
    const problem = errors.find((p) => message.test(p.message)) as CheckProblem;
    expect(problem.file).toBe(file);
    expect(textAt(root, file, problem.line as number, problem.column as number).startsWith(at), `${problem.line}:${problem.column}`).toBe(true);
    expect(code).toBe(1);
  });

  it('prints each problem as file:line:column: path: value: rule, then a summary', async () => {
    const root = workspace();
    const text = edit(root, DEV, 'region: ap-northeast-2', 'region: ap-northest-2');
    const line = text.split('\n').findIndex((l) => l.includes('ap-northest-2')) + 1;
    const { code, out } = await check(root, 'dev');
    expect(out).toMatch(new RegExp(`^apps/dev/access\\.yaml:${line}:11: aws\\.region: "ap-northest-2": not a region`));
    expect(out).toMatch(/\nkeyless check: 1 config, 1 error, 0 warnings\n$/);
    expect(code).toBe(1);
  });

  it('finds a variable that two environments write, from either side', async () => {
    const root = workspace();
    // prod's cli-tool writes AWS_ROLE_ARN to the repository; so does dev's, once dev has such a repository.
    edit(root, DEV, 'repositories:\n', 'repositories:\n  cli-tool:\n    roles:\n      release:\n        trust:\n          tags: [v1]\n');
    const { code, problems: found } = await problems(root, 'dev');
    expect(code).toBe(1);
    const conflict = found.find((p) => p.check === 'cross-environment' && p.message.includes('AWS_ROLE_ARN'));
    // Reported in the file whose entry the path names (prod's, which sorts after dev), naming the other file.
    expect(conflict).toMatchObject({ file: PROD, path: 'repositories.cli-tool', severity: 'error' });
    expect(conflict?.message).toBe('repositories.cli-tool: variable AWS_ROLE_ARN in octo-org/cli-tool is also written by apps/dev/access.yaml; two states would overwrite each other, so rename one (variable.name) or scope it to an environment');
    expect(textAt(root, PROD, conflict?.line as number, conflict?.column as number)).toBe('cli-tool:');
    expect((await check(root, 'prod')).out).toContain(conflict?.message);
  });

  it('warns, without failing, about an account the bootstrap does not know and an old policy version', async () => {
    const root = workspace();
    edit(root, DEV, 'accountId: "111111111111"', 'accountId: "333333333333"');
    edit(root, DEV, 'arn:aws:iam::111111111111:oidc-provider', 'arn:aws:iam::333333333333:oidc-provider');
    edit(root, DEV, 'arn:aws:iam::111111111111:policy/keyless/keyless-dev-boundary', 'arn:aws:iam::333333333333:policy/keyless/keyless-dev-boundary');
    edit(root, DEV, 'bucket: octo-org-keyless-tfstate-111111111111', 'bucket: octo-org-keyless-tfstate-333333333333');
    for (const p of ['api-service-deploy', 'platform-deploy', 'payments-deploy', 'mobile-backend-deploy']) edit(root, DEV, `111111111111:policy/${p}`, `333333333333:policy/${p}`);
    edit(root, DEV, '          docs-bucket:\n', '          docs-bucket:\n            Version: "2008-10-17"\n');
    const { code, problems: found } = await problems(root, 'dev');
    expect(found.map((p) => `${p.severity} ${p.check} ${p.path}`)).toEqual([
      'warning bootstrap aws.accountId',
      'warning policy repositories.docs-site.roles.publish.inlinePolicies.docs-bucket.Version',
    ]);
    expect(code).toBe(0);
  });

  it('leaves out what it cannot know while a config is broken, and says so', async () => {
    const root = workspace();
    // dev writes mobile-backend's subject template; with dev broken, prod's roles would seem to lack one.
    edit(root, DEV, 'accountId: "111111111111"', 'accountId: "1"');
    const { problems: found } = await problems(root);
    expect(found.some((p) => p.message.includes('that no config writes'))).toBe(false);
    expect(found.filter((p) => p.file === DEV && p.severity === 'warning').map((p) => p.message)).toEqual(['the rules across environments leave this config out until its problems are fixed']);
  });

  it('reports only the named app, beside the others', async () => {
    const root = workspace();
    edit(root, PROD, 'region: ap-northeast-2', 'region: ap-northest-2');
    expect((await check(root, 'dev')).code).toBe(0);
    expect((await check(root, 'prod')).code).toBe(1);
  });

  it('fails with usage for an app that does not exist, with the closest name', async () => {
    const root = workspace();
    const { code, err } = await check(root, 'prdo');
    expect(code).toBe(2);
    expect(err).toBe('"prdo" is not an app under apps/, an app directory or a config file; did you mean "prod"?\n');
  });

  it('gives the same result whatever the order of its inputs', () => {
    const root = workspace();
    edit(root, DEV, 'region: ap-northeast-2', 'region: ap-northest-2');
    edit(root, PROD, 'environment: prod', 'environment: dev');
    const inputs = [DEV, PROD, BOOTSTRAP].map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));
    const reference = checkConfigs(inputs);
    expect(reference.errors).toBe(2);
    forAll(12, 13, (next) => {
      const result = checkConfigs(shuffle(next, inputs));
      expect(result).toEqual(reference);
    });
  });

  it('warns that regions were not checked when the endpoint data is missing', () => {
    const root = workspace();
    const text = readFileSync(join(root, DEV), 'utf8').replace('region: ap-northeast-2', 'region: ap-northest-2');
    const result = checkConfigs([{ file: DEV, text }], { endpointData: null });
    expect(result.problems.map((p) => `${p.severity}: ${p.message}`)).toEqual([
      "warning: the AWS SDK's endpoint data was not found (@aws-sdk/core, through @keyless/audit and @aws-sdk/client-iam); regions were not checked",
    ]);
  });
});

describe('regions and partitions from the AWS SDK', () => {
  const data = awsEndpointData() as AwsEndpointData;

  it('finds the endpoint data of the installed SDK', () => {
    expect(data.source).toMatch(/^@aws-sdk\/core \d+\.\d+\.\d+$/);
    expect(data.partitions.map((p) => p.id)).toEqual(expect.arrayContaining(['aws', 'aws-cn', 'aws-us-gov']));
    expect(data.partitions.flatMap((p) => p.regions).some((r) => r.endsWith('-global'))).toBe(false);
  });

  it.each([
    ['ap-northeast-2', 'aws', undefined],
    ['us-gov-west-1', 'aws-us-gov', undefined],
    ['cn-northwest-1', 'aws-cn', undefined],
    ['us-east-3', 'aws', /did you mean "us-east-1" or "us-east-2"\?$/],
    ['Seoul', 'aws', /^not a region of the aws partition/],
    ['us-east-1', 'aws-cn', /^us-east-1 is a region of the aws partition, and this config's partition is aws-cn/],
    ['aws-global', 'aws', /^not a region/],
  ])('%s in %s', (region, partition, expected) => {
    const rule = checkRegion(region, partition, data);
    if (expected === undefined) expect(rule).toBeUndefined();
    else expect(rule).toMatch(expected);
  });

  it('accepts a region exactly when the SDK lists it in the partition', () => {
    const known = data.partitions.flatMap((p) => p.regions.map((r) => [r, p.id] as const));
    forAll(300, 7, (next) => {
      const r = next() < 0.5 ? pick(next, known)[0] : `${stringOf(next, 'acegiknoprstuw', 2)}-${stringOf(next, 'aehnorstuw', 4 + Math.floor(next() * 6))}-${Math.floor(next() * 10)}`;
      const partition = pick(next, data.partitions).id;
      const listed = known.some(([name, id]) => name === r && id === partition);
      expect(checkRegion(r, partition, data) === undefined, `${r} in ${partition}`).toBe(listed);
    });
  });
});

describe('inline policy grammar', () => {
  it.each([
    ['StringEquals', undefined],
    ['StringLikeIfExists', undefined],
    ['ForAllValues:StringEquals', undefined],
    ['ForAnyValue:ArnLikeIfExists', undefined],
    ['Null', undefined],
    ['NullIfExists', /not an IAM condition operator/],
    ['StringEqual', /did you mean "StringEquals"\?/],
    ['stringequals', /did you mean "StringEquals"\?/],
    ['ForAllValue:StringEquals', /did you mean "ForAllValues:StringEquals"\?/],
    ['Equals', /not an IAM condition operator/],
  ])('%s', (operator, expected) => {
    const rule = checkConditionOperator(operator);
    if (expected === undefined) expect(rule).toBeUndefined();
    else expect(rule).toMatch(expected);
  });

  it('accepts every documented operator with and without IfExists and set prefixes', () => {
    for (const op of CONDITION_OPERATORS)
      for (const prefix of ['', 'ForAllValues:', 'ForAnyValue:'])
        for (const suffix of op === 'Null' ? [''] : ['', 'IfExists']) expect(checkConditionOperator(`${prefix}${op}${suffix}`)).toBeUndefined();
  });

  it('checks the shape of a condition block and its values', () => {
    const doc = {
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: 'x', Bool: { 'aws:SecureTransport': true }, StringLike: { prefix: 'a', 's3:prefix': [] } } },
      ],
    };
    expect(policyGrammarProblems(doc).map((p) => `${p.path.join('.')}: ${p.rule}`)).toEqual([
      'Statement.0.Condition.StringEquals: a condition operator takes a mapping of condition keys to a value or a list of values, such as aws:SourceVpc: vpc-1a2b3c4d',
      'Statement.0.Condition.StringLike.prefix: a condition key is service:name, such as aws:SourceIp or s3:prefix',
      'Statement.0.Condition.StringLike.s3:prefix: a condition value is a string, number or boolean, or a non-empty list of them',
    ]);
  });
});
