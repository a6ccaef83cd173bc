/** Raw choices for the access config arbitraries (./access-config.ts): pools of valid values and the records drawn from them. */
import fc from 'fast-check';
import { ConfigError, accessConfigSchema, buildAccessModel, parseAccessConfig } from '@keyless/policy';
import type { GithubIssuer, IssuerConfig } from '@keyless/policy';

/** Text that Terraform would read as template syntax if it were written unescaped, for free-text fields. */
export const TEMPLATE_TEXT: readonly string[] = [
  'deploys ${aws:username} artefacts',
  'literal %{if true}x%{endif} text',
  'ends with a dollar-brace ${',
  'a percent-brace %{ alone',
  'already escaped-looking $${x} and %%{y}',
  '%{ for x in ["a"] }${x}%{ endfor }',
];

export const PLAIN_TEXT: readonly string[] = [
  'Deploys the site',
  'line one\nline two',
  'tab\there',
  'caf\u00e9 Latin-1 \u00a9',
  'quotes " and \\ backslash',
  'dollar $ and percent % and braces { }',
];

export interface AccessConfigOptions {
  /** Most repositories in one config. @default 4 */
  readonly maxRepositories?: number;
  /** Most roles in one repository. @default 3 */
  readonly maxRolesPerRepository?: number;
  /**
   * Put text that looks like Terraform template syntax (`${…}`, `%{…}`) and IAM policy variables into the
   * free-text fields: role descriptions and inline policy strings. Name-like fields never get it.
   * @default true
   */
  readonly templateText?: boolean;
}

/** The value or nothing; `absent` to `present` is the odds of nothing. */
export const opt = <T>(arb: fc.Arbitrary<T>, absent = 1, present = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: arb, weight: present });

/** Drops keys whose value is undefined, so that the config holds only what was chosen. */
export function compact<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

export function toIssuer(config: IssuerConfig | undefined): GithubIssuer {
  if (config === undefined || config === 'github.com') return { kind: 'github.com' };
  if ('enterpriseSlug' in config) return { kind: 'enterprise-slug', slug: config.enterpriseSlug };
  if ('gheSubdomain' in config) return { kind: 'ghe.com', subdomain: config.gheSubdomain };
  return { kind: 'ghes', host: config.ghesHost };
}

/**
 * Whether the GitHub block of the schema has the opt-in for GitHub's default audience. The generator sets a
 * field only when the schema has it, so that it builds valid configs while the schema is being extended.
 */
export const SCHEMA_HAS_GITHUB_AUDIENCE_OPT_IN = 'dangerouslyAllowGithubAudience' in accessConfigSchema.shape.github.shape;

/**
 * The audiences and GitHub audience opt-in of a generated `github` block: sometimes GitHub's default audience
 * `https://<host>/<owner>` with its opt-in, sometimes the opt-in set to false.
 */
export function githubAudienceFields(owner: string, audiences: readonly string[] | undefined, choice: number): { audiences?: string[]; dangerouslyAllowGithubAudience?: boolean } {
  const list = audiences ? [...audiences] : undefined;
  if (!SCHEMA_HAS_GITHUB_AUDIENCE_OPT_IN || choice > 1) return list ? { audiences: list } : {};
  if (choice === 0) return { audiences: [...(list ?? ['sts.amazonaws.com']), `https://github.com/${owner}`], dangerouslyAllowGithubAudience: true };
  return { ...(list ? { audiences: list } : {}), dangerouslyAllowGithubAudience: false };
}

// ---- pools of valid values ------------------------------------------------------------------------------

export const environmentKey = fc.constantFrom('dev', 'prod', 'staging', 'gen', 'e2e-1', 'qa');
export const accountId = fc.stringMatching(/^[0-9]{12}$/);
export const region = fc.constantFrom('us-east-1', 'ap-northeast-2', 'eu-west-1', 'us-gov-west-1', 'cn-north-1');
export const partition = fc.constantFrom('aws', 'aws-us-gov', 'aws-cn');
export const ownerName = fc.constantFrom('octo-org', 'acme', 'Octo-Corp2', 'a1');
export const githubId = fc.integer({ min: 1, max: 2_000_000_000 });
export const issuerConfig: fc.Arbitrary<IssuerConfig> = fc.oneof(
  fc.constant('github.com' as const),
  fc.record({ enterpriseSlug: fc.constantFrom('octo-enterprise', 'e1') }),
  fc.record({ gheSubdomain: fc.constantFrom('octo', 'acme-eu') }),
  fc.record({ ghesHost: fc.constantFrom('github.example.com', 'git.corp.example') }),
);
export const audienceList = fc.uniqueArray(fc.constantFrom('sts.amazonaws.com', 'sts.amazonaws.com.cn', 'keyless-e2e', 'urn:example:aud'), {
  minLength: 1,
  maxLength: 3,
});
export const tagKey = fc.constantFrom('team', 'cost-center', 'owner', 'app:tier', 'x_y.z', 'env/name', 'Name', 'k+v=1@x');
export const tagValue = fc.constantFrom('platform', 'a b', 'x@y.z', 'k=v+1', 'caf\u00e9', '', 'data-team/eu');
export const tagMap = fc.dictionary(tagKey, tagValue, { minKeys: 0, maxKeys: 4 });
export const repositoryName = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,6}(?:[-_.][a-z0-9]{1,5})?$/), fc.boolean())
  .map(([name, upper]) => (upper ? name.charAt(0).toUpperCase() + name.slice(1) : name))
  .filter((name) => !name.toLowerCase().endsWith('.git'));
export const roleKey = fc.constantFrom('deploy', 'plan', 'release', 'ops', 'read', 'publish', 'migrate', 'ci.build', 'a_b');
export const branchName = fc.constantFrom('main', 'develop', 'release/1.0', 'feature/x_y', 'hotfix-2', 'v2/main', 'team.a/b');
export const branchPattern = fc.constantFrom('release/*', 'feature-*', 'v*/main');
export const tagName = fc.constantFrom('v1.0.0', '2024.01', 'rel-1');
export const tagPattern = fc.constantFrom('v*', 'release-*');
export const environmentName = fc.constantFrom('production', 'staging', 'dev', 'prod-eu', 'qa_1', 'release.v2');
export const deploymentBranchPattern = fc.constantFrom('main', 'release/*', 'v*');
export const sessionSeconds = fc.oneof(fc.constantFrom(3600, 7200, 43200), fc.integer({ min: 3600, max: 43200 }));
export const rolePath = fc.constantFrom('/', '/ci/', '/github-actions/teams/', '/a.b/c_d/');
export const roleNamePrefix = fc.constantFrom('gha-', 'ci.', 'x_', '');
export const arnVariable = fc.constantFrom('AWS_ROLE_ARN', 'ROLE_ARN', 'DEPLOY_ROLE');
/** Region variable names never collide with role ARN variable names. */
export const regionVariable = fc.constantFrom('AWS_REGION', 'AWS_DEFAULT_REGION', 'KEYLESS_REGION');
export const inlinePolicyName = fc.constantFrom('site-bucket', 'logs', 'queue.send', 'a_b@c', 'x=y,z+1');

/**
 * A minimal config with one role, to ask keyless whether it accepts a permission: the pools below keep only the
 * managed policies and actions that the current rules accept for the kind of role that gets them, so that the
 * generator follows the permission rules as they tighten (a pool that empties shows up in the coverage test).
 */
export function acceptsRole(role: Record<string, unknown>): boolean {
  const config = {
    environment: 'gen',
    aws: { accountId: '123456789012', region: 'us-east-1' },
    github: { owner: 'octo-org' },
    repositories: { probe: { roles: { probe: { trust: { branches: ['main'] }, ...role } } } },
  };
  try {
    buildAccessModel(parseAccessConfig(config));
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

export const managedArn = (name: string): string => `arn:aws:iam::aws:policy/${name}`;
export const inlineAllow = (action: string): Record<string, unknown> => ({
  inlinePolicies: { probe: { Statement: [{ Effect: 'Allow', Action: action, Resource: 'arn:aws:s3:::octo-probe/*' }] } },
});

export const READ_ONLY_MANAGED = ['ReadOnlyAccess', 'AmazonS3ReadOnlyAccess', 'IAMReadOnlyAccess', 'AmazonDynamoDBReadOnlyAccess', 'CloudWatchReadOnlyAccess'].filter(
  (name) => acceptsRole({ readOnly: true, managedPolicyArns: [managedArn(name)] }),
);
export const WRITE_MANAGED = ['AmazonS3FullAccess', 'AmazonSQSFullAccess', 'CloudWatchLogsFullAccess', 'AmazonSNSFullAccess'].filter((name) =>
  acceptsRole({ managedPolicyArns: [managedArn(name)] }),
);
export const ADMIN_ACCEPTED = acceptsRole({ managedPolicyArns: [managedArn('AdministratorAccess')], dangerouslyAllowAdministratorAccess: true });
export const READ_ACTIONS = ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation', 'dynamodb:GetItem'].filter((a) => acceptsRole({ readOnly: true, ...inlineAllow(a) }));
export const WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject', 'sqs:SendMessage', 'logs:PutLogEvents', 'dynamodb:PutItem'].filter((a) => acceptsRole(inlineAllow(a)));

// ---- raw choices ----------------------------------------------------------------------------------------

export type RoleKind = 'read-only' | 'write' | 'admin' | 'pull-request-write';

export interface RawStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly singleAction: boolean;
  readonly resourceForm: number;
  readonly condition: number;
  readonly sid: boolean;
}

export interface RawPolicy {
  readonly name: string;
  readonly version: boolean;
  readonly singleStatement: boolean;
  readonly statements: readonly RawStatement[];
}

export interface RawRole {
  readonly key: string;
  readonly kind: RoleKind;
  readonly readOnlyExplicit: boolean;
  readonly explicitName: boolean;
  readonly description: number | undefined;
  readonly branches: readonly string[] | undefined;
  readonly branchPatterns: readonly string[] | undefined;
  readonly anyBranch: boolean;
  readonly tags: readonly string[] | undefined;
  readonly tagPatterns: readonly string[] | undefined;
  readonly useEnvironments: number;
  readonly pullRequests: boolean | undefined;
  readonly others: number;
  readonly otherChoice: number;
  readonly workflowRefs: readonly number[];
  readonly managed: readonly number[];
  readonly customerManaged: boolean;
  readonly policies: readonly RawPolicy[];
  readonly maxSessionDurationSeconds: number | undefined;
  readonly boundary: number | undefined;
  readonly path: string | undefined;
  readonly roleTags: Record<string, string> | undefined;
  readonly variableName: boolean;
  readonly variableScope: 'repository' | 'environment' | 'none' | undefined;
  readonly regionName: string | undefined;
  readonly falseOptIns: boolean;
}

export interface RawEnvironment {
  readonly name: string;
  readonly users: readonly number[] | undefined;
  readonly teams: readonly number[] | undefined;
  readonly reviewersEmpty: boolean;
  readonly preventSelfReview: boolean | undefined;
  readonly waitTimerMinutes: number | undefined;
  readonly canAdminsBypass: boolean | undefined;
  readonly deploymentBranches: 'all' | 'protected' | readonly string[] | undefined;
}

export interface RawRepository {
  readonly name: string;
  readonly id: boolean;
  readonly team: string | undefined;
  readonly stack: string | undefined;
  readonly subjectFormat: 'name' | 'immutable' | 'both' | undefined;
  readonly environments: readonly RawEnvironment[];
  readonly pinsWorkflows: boolean;
  readonly manageSubjectTemplate: boolean | undefined;
  readonly roles: readonly RawRole[];
}

export const rawStatement: fc.Arbitrary<RawStatement> = fc.record({
  effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Deny'),
  actions: fc.uniqueArray(fc.nat({ max: 4 }).map(String), { minLength: 1, maxLength: 3 }),
  singleAction: fc.boolean(),
  resourceForm: fc.nat({ max: 4 }),
  condition: fc.nat({ max: 3 }),
  sid: fc.boolean(),
});

export const rawPolicy: fc.Arbitrary<RawPolicy> = fc.record({
  name: inlinePolicyName,
  version: fc.boolean(),
  singleStatement: fc.boolean(),
  statements: fc.array(rawStatement, { minLength: 1, maxLength: 3 }),
});

export function rawRole(): fc.Arbitrary<RawRole> {
  return fc.record({
    key: roleKey,
    kind: fc.constantFrom<RoleKind>('read-only', 'read-only', 'write', 'write', 'write', 'admin', 'pull-request-write'),
    readOnlyExplicit: fc.boolean(),
    explicitName: fc.boolean(),
    description: opt(fc.nat({ max: 99 })),
    branches: opt(fc.uniqueArray(branchName, { minLength: 1, maxLength: 2 })),
    branchPatterns: opt(fc.uniqueArray(branchPattern, { minLength: 1, maxLength: 2 }), 4),
    anyBranch: fc.nat({ max: 7 }).map((n) => n === 0),
    tags: opt(fc.uniqueArray(tagName, { minLength: 1, maxLength: 2 }), 4),
    tagPatterns: opt(fc.uniqueArray(tagPattern, { minLength: 1, maxLength: 1 }), 4),
    useEnvironments: fc.nat({ max: 2 }),
    pullRequests: opt(fc.boolean()),
    others: fc.nat({ max: 2 }),
    otherChoice: fc.nat({ max: 1000 }),
    workflowRefs: fc.uniqueArray(fc.nat({ max: 4 }), { minLength: 1, maxLength: 2 }),
    managed: fc.uniqueArray(fc.nat({ max: 2 }), { maxLength: 2 }),
    customerManaged: fc.boolean(),
    policies: fc.uniqueArray(rawPolicy, { maxLength: 2, selector: (p) => p.name }),
    maxSessionDurationSeconds: opt(sessionSeconds),
    boundary: opt(fc.nat({ max: 2 })),
    path: opt(rolePath),
    roleTags: opt(tagMap),
    variableName: fc.boolean(),
    variableScope: opt(fc.constantFrom<'repository' | 'environment' | 'none'>('repository', 'environment', 'none')),
    regionName: opt(regionVariable, 3),
    falseOptIns: fc.boolean(),
  });
}

export const rawEnvironment: fc.Arbitrary<RawEnvironment> = fc.record({
  name: environmentName,
  users: opt(fc.uniqueArray(githubId, { minLength: 1, maxLength: 3 })),
  teams: opt(fc.uniqueArray(githubId, { minLength: 1, maxLength: 3 })),
  reviewersEmpty: fc.boolean(),
  preventSelfReview: opt(fc.boolean()),
  waitTimerMinutes: opt(fc.oneof(fc.constantFrom(0, 43200), fc.integer({ min: 0, max: 43200 }))),
  canAdminsBypass: opt(fc.boolean()),
  deploymentBranches: opt(
    fc.oneof(
      fc.constant('all' as const),
      fc.constant('protected' as const),
      fc.uniqueArray(deploymentBranchPattern, { minLength: 1, maxLength: 3 }),
    ),
  ),
});

export function rawRepository(options: Required<AccessConfigOptions>): fc.Arbitrary<RawRepository> {
  return fc.record({
    name: repositoryName,
    id: fc.boolean(),
    team: opt(fc.constantFrom('core', 'data', 'web-1')),
    stack: opt(fc.constantFrom('pinned', 'alpha'), 4),
    subjectFormat: opt(fc.constantFrom<'name' | 'immutable' | 'both'>('name', 'immutable', 'both')),
    environments: fc.uniqueArray(rawEnvironment, { maxLength: 2, selector: (e) => e.name.toLowerCase() }),
    pinsWorkflows: fc.nat({ max: 4 }).map((n) => n === 0),
    manageSubjectTemplate: opt(fc.boolean()),
    roles: fc.uniqueArray(rawRole(), { minLength: 1, maxLength: options.maxRolesPerRepository, selector: (r) => r.key }),
  });
}

export interface RawConfig {
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string | undefined;
  readonly trustPolicyMaxChars: number | undefined;
  readonly managedPoliciesPerRole: number | undefined;
  readonly provider: 'default' | 'create' | 'existing';
  readonly awsTags: Record<string, string> | undefined;
  readonly owner: string;
  readonly ownerId: number | undefined;
  readonly issuer: IssuerConfig | undefined;
  readonly audiences: readonly string[] | undefined;
  readonly githubAudience: number;
  readonly sharding: { by: 'hash'; shards: number } | { by: 'team' } | undefined;
  readonly state: { bucket: string; region?: string; keyPrefix?: string } | undefined;
  readonly defaults:
    | {
        roleNamePrefix?: string;
        rolePath?: string;
        maxSessionDurationSeconds?: number;
        permissionsBoundary?: boolean;
        roleArnVariable?: string;
        regionVariable?: string;
      }
    | undefined;
  readonly repositories: readonly RawRepository[];
  readonly templateText: boolean;
  readonly pinIds: boolean | undefined;
  readonly organizationRoles: readonly RawRole[];
}

export function rawConfig(options: Required<AccessConfigOptions>): fc.Arbitrary<RawConfig> {
  return fc.record({
    environment: environmentKey,
    accountId,
    region,
    partition: opt(partition),
    trustPolicyMaxChars: opt(fc.constantFrom(2048, 4096, 8192)),
    managedPoliciesPerRole: opt(fc.integer({ min: 10, max: 25 })),
    provider: fc.constantFrom<'default' | 'create' | 'existing'>('default', 'create', 'existing'),
    awsTags: opt(tagMap),
    owner: ownerName,
    ownerId: opt(githubId, 1, 2),
    issuer: opt(issuerConfig),
    audiences: opt(audienceList),
    githubAudience: fc.nat({ max: 5 }),
    sharding: opt(fc.oneof(fc.record({ by: fc.constant('hash' as const), shards: fc.integer({ min: 2, max: 6 }) }), fc.constant({ by: 'team' as const }))),
    state: opt(
      fc.record(
        { bucket: fc.constantFrom('octo-keyless-tfstate', 'my.bucket-1'), region: region, keyPrefix: fc.constantFrom('keyless', 'env/dev', 'a_b.c') },
        { requiredKeys: ['bucket'] },
      ),
    ),
    defaults: opt(
      fc.record(
        {
          roleNamePrefix,
          rolePath,
          maxSessionDurationSeconds: sessionSeconds,
          permissionsBoundary: fc.boolean(),
          roleArnVariable: arnVariable,
          regionVariable,
        },
        { requiredKeys: [] },
      ),
    ),
    repositories: fc.uniqueArray(rawRepository(options), {
      minLength: 1,
      maxLength: options.maxRepositories,
      selector: (r) => r.name.toLowerCase(),
    }),
    templateText: fc.constant(options.templateText),
    pinIds: opt(fc.boolean()),
    organizationRoles: fc.uniqueArray(rawRole(), { maxLength: 2, selector: (r) => r.key }),
  });
}
