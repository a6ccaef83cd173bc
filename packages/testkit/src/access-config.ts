/**
 * fast-check arbitraries of valid access configs that exercise every field of the config schema: issuer forms,
 * audiences, existing and created providers, tags, defaults, sharding, state, repositories with ids and every
 * subject format, environments with reviewers, branch policies and wait timers, roles with every trust kind,
 * managed and inline policies, boundaries, paths, tags, variable settings and the opt-ins.
 *
 * The arbitraries draw raw choices and then build the config so that it follows the rules that span entries
 * (role names unique in the account, variables unique per scope, trusted environments protected, workflows
 * pinned for every role of a repository or none, ids wherever a subject format needs them). Generated configs
 * stay on the safe side of the guardrails: read-only roles hold only reading policies, administrator access
 * always comes with its opt-in, trusted environments have reviewers or a deployment branch policy.
 *
 * `schema-coverage.ts` checks that the samples reach every field of `accessConfigSchema`, so a new config
 * field without a generator here fails a test.
 */
import fc from 'fast-check';
import { ConfigError, accessConfigSchema, buildAccessModel, oidcProviderArn, parseAccessConfig, resolveIssuer } from '@keyless/policy';
import type { AccessConfig, GithubIssuer, IssuerConfig, RoleConfig } from '@keyless/policy';

/** Text that Terraform would read as template syntax if it were written unescaped, for free-text fields. */
export const TEMPLATE_TEXT: readonly string[] = [
  'deploys ${aws:username} artefacts',
  'literal %{if true}x%{endif} text',
  'ends with a dollar-brace ${',
  'a percent-brace %{ alone',
  'already escaped-looking $${x} and %%{y}',
  '%{ for x in ["a"] }${x}%{ endfor }',
];

const PLAIN_TEXT: readonly string[] = [
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
const opt = <T>(arb: fc.Arbitrary<T>, absent = 1, present = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: arb, weight: present });

/** Drops keys whose value is undefined, so that the config holds only what was chosen. */
function compact<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

function toIssuer(config: IssuerConfig | undefined): GithubIssuer {
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

const environmentKey = fc.constantFrom('dev', 'prod', 'staging', 'gen', 'e2e-1', 'qa');
const accountId = fc.stringMatching(/^[0-9]{12}$/);
const region = fc.constantFrom('us-east-1', 'ap-northeast-2', 'eu-west-1', 'us-gov-west-1', 'cn-north-1');
const partition = fc.constantFrom('aws', 'aws-us-gov', 'aws-cn');
export const ownerName = fc.constantFrom('octo-org', 'acme', 'Octo-Corp2', 'a1');
const githubId = fc.integer({ min: 1, max: 2_000_000_000 });
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
const tagKey = fc.constantFrom('team', 'cost-center', 'owner', 'app:tier', 'x_y.z', 'env/name', 'Name', 'k+v=1@x');
const tagValue = fc.constantFrom('platform', 'a b', 'x@y.z', 'k=v+1', 'caf\u00e9', '', 'data-team/eu');
export const tagMap = fc.dictionary(tagKey, tagValue, { minKeys: 0, maxKeys: 4 });
const repositoryName = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,6}(?:[-_.][a-z0-9]{1,5})?$/), fc.boolean())
  .map(([name, upper]) => (upper ? name.charAt(0).toUpperCase() + name.slice(1) : name))
  .filter((name) => !name.toLowerCase().endsWith('.git'));
const roleKey = fc.constantFrom('deploy', 'plan', 'release', 'ops', 'read', 'publish', 'migrate', 'ci.build', 'a_b');
const branchName = fc.constantFrom('main', 'develop', 'release/1.0', 'feature/x_y', 'hotfix-2', 'v2/main', 'team.a/b');
const branchPattern = fc.constantFrom('release/*', 'feature-*', 'v*/main');
const tagName = fc.constantFrom('v1.0.0', '2024.01', 'rel-1');
const tagPattern = fc.constantFrom('v*', 'release-*');
const environmentName = fc.constantFrom('production', 'staging', 'dev', 'prod-eu', 'qa_1', 'release.v2');
const deploymentBranchPattern = fc.constantFrom('main', 'release/*', 'v*');
const sessionSeconds = fc.oneof(fc.constantFrom(3600, 7200, 43200), fc.integer({ min: 3600, max: 43200 }));
const rolePath = fc.constantFrom('/', '/ci/', '/github-actions/teams/', '/a.b/c_d/');
const roleNamePrefix = fc.constantFrom('gha-', 'ci.', 'x_', '');
const arnVariable = fc.constantFrom('AWS_ROLE_ARN', 'ROLE_ARN', 'DEPLOY_ROLE');
/** Region variable names never collide with role ARN variable names. */
const regionVariable = fc.constantFrom('AWS_REGION', 'AWS_DEFAULT_REGION', 'KEYLESS_REGION');
const inlinePolicyName = fc.constantFrom('site-bucket', 'logs', 'queue.send', 'a_b@c', 'x=y,z+1');

/**
 * A minimal config with one role, to ask keyless whether it accepts a permission: the pools below keep only the
 * managed policies and actions that the current rules accept for the kind of role that gets them, so that the
 * generator follows the permission rules as they tighten (a pool that empties shows up in the coverage test).
 */
function acceptsRole(role: Record<string, unknown>): boolean {
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

const managedArn = (name: string): string => `arn:aws:iam::aws:policy/${name}`;
const inlineAllow = (action: string): Record<string, unknown> => ({
  inlinePolicies: { probe: { Statement: [{ Effect: 'Allow', Action: action, Resource: 'arn:aws:s3:::octo-probe/*' }] } },
});

const READ_ONLY_MANAGED = ['ReadOnlyAccess', 'AmazonS3ReadOnlyAccess', 'IAMReadOnlyAccess', 'AmazonDynamoDBReadOnlyAccess', 'CloudWatchReadOnlyAccess'].filter(
  (name) => acceptsRole({ readOnly: true, managedPolicyArns: [managedArn(name)] }),
);
const WRITE_MANAGED = ['AmazonS3FullAccess', 'AmazonSQSFullAccess', 'CloudWatchLogsFullAccess', 'AmazonSNSFullAccess'].filter((name) =>
  acceptsRole({ managedPolicyArns: [managedArn(name)] }),
);
const ADMIN_ACCEPTED = acceptsRole({ managedPolicyArns: [managedArn('AdministratorAccess')], dangerouslyAllowAdministratorAccess: true });
const READ_ACTIONS = ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation', 'dynamodb:GetItem'].filter((a) => acceptsRole({ readOnly: true, ...inlineAllow(a) }));
const WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject', 'sqs:SendMessage', 'logs:PutLogEvents', 'dynamodb:PutItem'].filter((a) => acceptsRole(inlineAllow(a)));

// ---- raw choices ----------------------------------------------------------------------------------------

type RoleKind = 'read-only' | 'write' | 'admin' | 'pull-request-write';

interface RawStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly singleAction: boolean;
  readonly resourceForm: number;
  readonly condition: number;
  readonly sid: boolean;
}

interface RawPolicy {
  readonly name: string;
  readonly version: boolean;
  readonly singleStatement: boolean;
  readonly statements: readonly RawStatement[];
}

interface RawRole {
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

interface RawEnvironment {
  readonly name: string;
  readonly users: readonly number[] | undefined;
  readonly teams: readonly number[] | undefined;
  readonly reviewersEmpty: boolean;
  readonly preventSelfReview: boolean | undefined;
  readonly waitTimerMinutes: number | undefined;
  readonly canAdminsBypass: boolean | undefined;
  readonly deploymentBranches: 'all' | 'protected' | readonly string[] | undefined;
}

interface RawRepository {
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

const rawStatement: fc.Arbitrary<RawStatement> = fc.record({
  effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Deny'),
  actions: fc.uniqueArray(fc.nat({ max: 4 }).map(String), { minLength: 1, maxLength: 3 }),
  singleAction: fc.boolean(),
  resourceForm: fc.nat({ max: 4 }),
  condition: fc.nat({ max: 3 }),
  sid: fc.boolean(),
});

const rawPolicy: fc.Arbitrary<RawPolicy> = fc.record({
  name: inlinePolicyName,
  version: fc.boolean(),
  singleStatement: fc.boolean(),
  statements: fc.array(rawStatement, { minLength: 1, maxLength: 3 }),
});

function rawRole(): fc.Arbitrary<RawRole> {
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

const rawEnvironment: fc.Arbitrary<RawEnvironment> = fc.record({
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

function rawRepository(options: Required<AccessConfigOptions>): fc.Arbitrary<RawRepository> {
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

interface RawConfig {
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

function rawConfig(options: Required<AccessConfigOptions>): fc.Arbitrary<RawConfig> {
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

// ---- building a valid config from raw choices -----------------------------------------------------------

/** The ARN of an AWS managed policy in a partition. */
function awsManaged(partitionName: string, name: string): string {
  return `arn:${partitionName}:iam::aws:policy/${name}`;
}

function variableSuffix(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function resourceOf(form: number, readOnly: boolean, templateText: boolean, repo: string): string | string[] {
  const bucket = `arn:aws:s3:::octo-${repo.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  switch (form) {
    case 0:
      return `${bucket}/*`;
    case 1:
      // An IAM policy variable: it must reach IAM literally.
      return `${bucket}/home/\${aws:username}/*`;
    case 2:
      return [bucket, `${bucket}/\${aws:PrincipalTag/team}/*`];
    case 3:
      return templateText ? `${bucket}/literal-%{not-a-directive}/*` : `${bucket}/logs/*`;
    default:
      return readOnly ? '*' : `${bucket}/deploy/*`;
  }
}

function conditionOf(form: number, templateText: boolean): Record<string, unknown> | undefined {
  switch (form) {
    case 0:
      return undefined;
    case 1:
      return { StringLike: { 's3:prefix': ['home/${aws:username}/*', 'shared/*'] } };
    case 2:
      return { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } };
    default:
      return templateText
        ? { StringEquals: { 'aws:PrincipalTag/note': '%{if true}literal%{endif} and ${aws:PrincipalTag/team}' } }
        : { Bool: { 'aws:SecureTransport': 'true' } };
  }
}

function inlinePolicy(raw: RawPolicy, readOnly: boolean, templateText: boolean, repo: string): Record<string, unknown> {
  const statements = raw.statements.map((st, i) => {
    // Deny statements are always fine; Allow statements stay within what the role may do.
    const pool = st.effect === 'Deny' ? ['s3:DeleteObject', 's3:PutObject'] : readOnly ? READ_ACTIONS : [...WRITE_ACTIONS, ...READ_ACTIONS];
    const actions = pool.length === 0 ? ['s3:GetObject'] : [...new Set(st.actions.map((a) => pool[Number(a) % pool.length] as string))];
    const condition = conditionOf(st.condition, templateText);
    return compact({
      Sid: st.sid ? `Statement${i}` : undefined,
      Effect: st.effect,
      Action: st.singleAction ? actions[0] : actions,
      Resource: resourceOf(st.resourceForm, readOnly, templateText, repo),
      Condition: condition,
    });
  });
  return compact({
    Version: raw.version ? '2012-10-17' : undefined,
    Statement: raw.singleStatement ? statements[0] : statements,
  });
}

/** Builds a config from raw choices; the result follows every rule the generator knows. */
function buildConfig(raw: RawConfig): AccessConfig {
  const partitionName = raw.partition ?? 'aws';
  const issuer = toIssuer(raw.issuer);
  const resolved = resolveIssuer(issuer);
  const sharded = raw.sharding !== undefined;
  const providerKind = sharded ? 'existing' : raw.provider;
  const oidcProvider =
    providerKind === 'existing'
      ? { existingArn: oidcProviderArn(partitionName, raw.accountId, resolved.url) }
      : providerKind === 'create'
        ? { create: true as const }
        : undefined;

  const repos = raw.repositories;
  const pinsIds = raw.pinIds ?? issuer.kind === 'github.com';
  const pinning = new Set(repos.filter((r) => r.pinsWorkflows).map((r) => r.name));
  const repositories: Record<string, AccessConfig['repositories'][string]> = {};
  const textPool = raw.templateText ? [...TEMPLATE_TEXT, ...PLAIN_TEXT] : PLAIN_TEXT;

  repos.forEach((repo, repoIndex) => {
    // Environments: the ones roles trust get protection (reviewers or a branch policy).
    const environments: Record<string, NonNullable<AccessConfig['repositories'][string]['environments']>[string]> = {};
    for (const env of repo.environments) {
      const users = env.users ?? [];
      const teams = env.teams ?? [];
      environments[env.name] = compact({
        reviewers:
          env.users !== undefined || env.teams !== undefined
            ? compact({ users: env.users ? [...users] : undefined, teams: env.teams ? [...teams] : undefined })
            : env.reviewersEmpty
              ? {}
              : undefined,
        preventSelfReview: env.preventSelfReview,
        waitTimerMinutes: env.waitTimerMinutes,
        canAdminsBypass: env.canAdminsBypass,
        deploymentBranches: typeof env.deploymentBranches === 'string' || env.deploymentBranches === undefined ? env.deploymentBranches : [...env.deploymentBranches],
      });
    }
    const protectedEnvironments = (): string[] =>
      Object.entries(environments)
        .filter(([, e]) => (e.reviewers?.users?.length ?? 0) + (e.reviewers?.teams?.length ?? 0) > 0 || (e.deploymentBranches !== undefined && e.deploymentBranches !== 'all'))
        .map(([name]) => name);

    const ownerId = raw.ownerId;
    let subjectFormat = repo.subjectFormat;
    const immutable = (f: typeof subjectFormat): boolean => f === 'immutable' || f === 'both';
    if (immutable(subjectFormat) && (!resolved.supportsImmutableSubjects || ownerId === undefined)) subjectFormat = 'name';
    const id = repo.id || immutable(subjectFormat) ? 100_000 + repoIndex * 7 : undefined;
    // Both ids without a format mean immutable, which only github.com issues: say name explicitly elsewhere.
    if (!resolved.supportsImmutableSubjects && id !== undefined && ownerId !== undefined) subjectFormat = 'name';

    const roles: Record<string, AccessConfig['repositories'][string]['roles'][string]> = {};
    let defaultVariableTaken = false;
    repo.roles.forEach((drawn, roleIndex) => {
      // Administrator access only where the rules accept it with its opt-in.
      const r = drawn.kind === 'admin' && !ADMIN_ACCEPTED ? { ...drawn, kind: 'write' as const } : drawn;
      const readOnly = r.kind === 'read-only';
      const pins = pinning.has(repo.name);
      const trust: AccessConfig['repositories'][string]['roles'][string]['trust'] = {};
      if (r.branches) trust.branches = [...r.branches];
      // Beside environments, branches narrow them: "*" would narrow nothing, and the rules refuse it there.
      const patterns = [...(r.branchPatterns ?? []), ...(r.anyBranch && r.useEnvironments === 0 ? ['*'] : [])];
      if (patterns.length > 0) trust.branchPatterns = patterns;
      if (r.tags) trust.tags = [...r.tags];
      if (r.tagPatterns) trust.tagPatterns = [...r.tagPatterns];
      if (r.useEnvironments > 0) {
        if (protectedEnvironments().length === 0) {
          const name = repo.environments.length === 0 ? 'production' : Object.keys(environments)[0] as string;
          environments[name] = { ...(environments[name] ?? {}), deploymentBranches: ['main'] };
        }
        trust.environments = protectedEnvironments().slice(0, r.useEnvironments);
      }
      const prAllowed = readOnly || r.kind === 'pull-request-write';
      if (r.kind === 'pull-request-write') trust.pullRequests = true;
      else if (r.pullRequests !== undefined) trust.pullRequests = prAllowed ? r.pullRequests : false;
      const ownSubjects =
        (trust.branches?.length ?? 0) + (trust.branchPatterns?.length ?? 0) + (trust.tags?.length ?? 0) +
        (trust.tagPatterns?.length ?? 0) + (trust.environments?.length ?? 0) + (trust.pullRequests ? 1 : 0);
      if (ownSubjects === 0) trust.branches = ['main'];

      // Other repositories: declared ones that do not pin workflows, or undeclared names.
      if (!pins && r.others > 0) {
        const candidates = [
          ...repos.filter((o) => o.name !== repo.name && !pinning.has(o.name)).map((o) => o.name),
          ...['handbook', 'shared-docs'].filter((n) => !repos.some((o) => o.name.toLowerCase() === n)),
        ];
        const chosen = [...new Set(Array.from({ length: r.others }, (_, i) => candidates[(r.otherChoice + i * 3) % candidates.length] as string))];
        const others: NonNullable<typeof trust.repositories> = {};
        for (const [i, other] of chosen.entries()) {
          const declared = repos.find((o) => o.name === other);
          const block: NonNullable<typeof trust.repositories>[string] = {};
          const form = (r.otherChoice + i) % 6;
          if (form === 0) block.branches = ['main'];
          else if (form === 1) block.tags = ['v1.0.0'];
          else if (form === 2) block.tagPatterns = ['v*'];
          else if (form === 3) block.branchPatterns = ['release/*'];
          else if (form === 4 && prAllowed) block.pullRequests = true;
          else block.branches = ['develop'];
          if (declared && r.otherChoice % 2 === 0) {
            // Environments of another repository: only ones that repository declares with protection.
            const envs = repositories[other]?.environments ?? Object.fromEntries(declared.environments.map((e) => [e.name, e]));
            const protectedOther = Object.entries(envs)
              .filter(([, e]) => {
                const env = e as { reviewers?: { users?: readonly number[]; teams?: readonly number[] }; users?: readonly number[]; teams?: readonly number[]; deploymentBranches?: unknown };
                const reviewers = (env.reviewers?.users?.length ?? env.users?.length ?? 0) + (env.reviewers?.teams?.length ?? env.teams?.length ?? 0);
                return reviewers > 0 || (env.deploymentBranches !== undefined && env.deploymentBranches !== 'all');
              })
              .map(([name]) => name);
            if (protectedOther.length > 0) block.environments = [protectedOther[0] as string];
          }
          if (r.falseOptIns && block.pullRequests === undefined) block.pullRequests = false;
          others[other] = block;
        }
        if (Object.keys(others).length > 0) trust.repositories = others;
      }
      if (pins) {
        const refs = [
          `${raw.owner}/shared-workflows/.github/workflows/deploy.yml@refs/heads/main`,
          `octo-automation/ci/.github/workflows/release.yaml@refs/tags/v1`,
          `${raw.owner}/shared-workflows/.github/workflows/build.yml@0123456789abcdef0123456789abcdef01234567`,
          `${raw.owner}/shared-workflows/.github/workflows/any.yml@*`,
          `octo-automation/ci/.github/workflows/plan.yml@refs/heads/release/1.0`,
        ];
        trust.workflows = r.workflowRefs.map((i) => refs[i] as string);
      }

      const permissions = permissionsOf(r, raw, repo.name);

      // Variables: explicit names are unique in the whole environment; one role per repository may use the default.
      const crossRepository = trust.repositories !== undefined;
      const useDefaultName = !r.variableName && !crossRepository && !defaultVariableTaken;
      if (useDefaultName) defaultVariableTaken = true;
      const explicitName = `ARN_${repoIndex}_${roleIndex}_${variableSuffix(r.key)}`;
      let scope = r.variableScope;
      if (scope === 'environment' && (crossRepository || (trust.environments?.length ?? 0) === 0)) scope = 'repository';
      const variable = compact({
        name: useDefaultName ? undefined : explicitName,
        scope,
        regionName: r.regionName,
      });

      const anyWorkflowRef = (trust.workflows ?? []).some((w) => w.endsWith('@*'));
      const description = r.description === undefined ? undefined : (textPool[r.description % textPool.length] as string);
      const optIn = (on: boolean): true | false | undefined => (on ? true : r.falseOptIns ? false : undefined);
      roles[r.key] = compact({
        name: r.explicitName ? `r${repoIndex}.${r.key}-${repo.name.toLowerCase()}`.slice(0, 64) : undefined,
        description,
        readOnly: readOnly ? true : r.readOnlyExplicit ? false : undefined,
        trust,
        ...permissions,
        maxSessionDurationSeconds: r.maxSessionDurationSeconds,
        path: r.path,
        tags: r.roleTags,
        variable: Object.keys(variable).length > 0 ? variable : undefined,
        dangerouslyAllowAnyBranch: optIn(patterns.includes('*')),
        dangerouslyAllowPullRequestsWithWriteAccess: optIn(r.kind === 'pull-request-write'),
        dangerouslyAllowAdministratorAccess: optIn(r.kind === 'admin'),
        dangerouslyAllowAnyWorkflowRef: optIn(anyWorkflowRef),
      });
    });

    const pins = pinning.has(repo.name);
    const team = raw.sharding?.by === 'team' && repo.stack === undefined ? (repo.team ?? 'core') : repo.team;
    repositories[repo.name] = compact({
      id,
      team,
      stack: sharded ? repo.stack : undefined,
      subjectFormat,
      environments: repo.environments.length > 0 || Object.keys(environments).length > 0 ? environments : undefined,
      manageSubjectTemplate: pins ? repo.manageSubjectTemplate : undefined,
      roles,
    });
  });

  const defaults = raw.defaults
    ? compact({
        roleNamePrefix: raw.defaults.roleNamePrefix,
        rolePath: raw.defaults.rolePath,
        maxSessionDurationSeconds: raw.defaults.maxSessionDurationSeconds,
        permissionsBoundaryArn: raw.defaults.permissionsBoundary ? `arn:${partitionName}:iam::${raw.accountId}:policy/default-boundary` : undefined,
        roleArnVariable: raw.defaults.roleArnVariable,
        regionVariable: raw.defaults.regionVariable,
      })
    : undefined;

  return compact({
    environment: raw.environment,
    aws: compact({
      accountId: raw.accountId,
      region: raw.region,
      partition: raw.partition,
      trustPolicyMaxChars: raw.trustPolicyMaxChars,
      managedPoliciesPerRole: raw.managedPoliciesPerRole,
      oidcProvider,
      tags: raw.awsTags,
    }),
    github: compact({
      owner: raw.owner,
      ownerId: raw.ownerId,
      issuer: raw.issuer,
      ...githubAudienceFields(raw.owner, raw.audiences, raw.githubAudience),
      // Pinning on an issuer other than github.com is an opt-in; it needs the owner id.
      pinIds: raw.ownerId === undefined && raw.pinIds === true ? undefined : raw.pinIds,
    }),
    sharding: raw.sharding,
    state: raw.state,
    defaults,
    repositories,
    organization: organizationOf(raw, pinsIds ? raw.ownerId : undefined, repos.map((r) => r.name)),
  }) as AccessConfig;
}

/** A role's permissions from raw choices: managed policies of its kind, inline policies, a boundary. */
function permissionsOf(r: RawRole, raw: RawConfig, repoName: string): Pick<RoleConfig, 'managedPolicyArns' | 'inlinePolicies' | 'permissionsBoundaryArn'> {
  const partitionName = raw.partition ?? 'aws';
  const readOnly = r.kind === 'read-only';
  const managedPool = readOnly ? READ_ONLY_MANAGED : WRITE_MANAGED;
  const managedPolicyArns = managedPool.length === 0 ? [] : [...new Set(r.managed.map((i) => awsManaged(partitionName, managedPool[i % managedPool.length] as string)))];
  if (r.kind === 'admin') managedPolicyArns.push(awsManaged(partitionName, 'AdministratorAccess'));
  if (r.customerManaged && !readOnly) managedPolicyArns.push(`arn:${partitionName}:iam::${raw.accountId}:policy/team/${repoName.toLowerCase()}-deploy`);
  const inlinePolicies = Object.fromEntries(r.policies.map((p) => [p.name, inlinePolicy(p, readOnly, raw.templateText, repoName)]));
  const boundaries = [
    `arn:${partitionName}:iam::${raw.accountId}:policy/boundaries/ci-boundary`,
    `arn:${partitionName}:iam::${raw.accountId}:policy/keyless-boundary`,
    awsManaged(partitionName, 'PowerUserAccess'),
  ];
  return compact({
    managedPolicyArns: managedPolicyArns.length > 0 || r.falseOptIns ? managedPolicyArns : undefined,
    inlinePolicies: Object.keys(inlinePolicies).length > 0 ? (inlinePolicies as RoleConfig['inlinePolicies']) : undefined,
    permissionsBoundaryArn: r.boundary === undefined ? undefined : boundaries[r.boundary],
  });
}

/** Organization roles from raw choices, when the owner's id is known and pinned; each through workflows of the owner. */
function organizationOf(raw: RawConfig, ownerId: number | undefined, repositoryNames: readonly string[]): AccessConfig['organization'] {
  if (ownerId === undefined || raw.organizationRoles.length === 0) return undefined;
  const workflows = [
    `${raw.owner}/shared-workflows/.github/workflows/deploy.yml@refs/heads/main`,
    `${raw.owner}/shared-workflows/.github/workflows/build.yml@0123456789abcdef0123456789abcdef01234567`,
    `${raw.owner}/shared-workflows/.github/workflows/release.yml@refs/tags/v1`,
    `${raw.owner}/shared-workflows/.github/workflows/any.yml@*`,
  ];
  // A default name <prefix>org-<key> could meet a repository named org-...'s role: name them explicitly then.
  const clash = repositoryNames.some((n) => n.toLowerCase().startsWith('org'));
  const roles: NonNullable<AccessConfig['organization']>['roles'] = {};
  raw.organizationRoles.forEach((drawn, i) => {
    const r = (drawn.kind === 'admin' && !ADMIN_ACCEPTED) || drawn.kind === 'pull-request-write' ? { ...drawn, kind: 'write' as const } : drawn;
    const chosen = [...new Set(r.workflowRefs.map((n) => workflows[n % workflows.length] as string))];
    const anyRef = chosen.some((w) => w.endsWith('@*'));
    const optIn = (on: boolean): true | false | undefined => (on ? true : r.falseOptIns ? false : undefined);
    roles[r.key] = compact({
      name: r.explicitName || clash ? `o${i}.${r.key}` : undefined,
      description: r.description === undefined ? undefined : PLAIN_TEXT[r.description % PLAIN_TEXT.length],
      readOnly: r.kind === 'read-only' ? true : r.readOnlyExplicit ? false : undefined,
      trust: { workflows: chosen },
      ...permissionsOf(r, raw, 'org'),
      maxSessionDurationSeconds: r.maxSessionDurationSeconds,
      path: r.path,
      tags: r.roleTags,
      dangerouslyAllowAdministratorAccess: optIn(r.kind === 'admin'),
      dangerouslyAllowAnyWorkflowRef: optIn(anyRef),
    }) as NonNullable<AccessConfig['organization']>['roles'][string];
  });
  return { roles };
}

/** Whether keyless accepts the config; the ConfigError problems otherwise. */
export function accessConfigProblems(config: unknown): readonly string[] {
  try {
    buildAccessModel(parseAccessConfig(JSON.parse(JSON.stringify(config))));
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    return [`not a ConfigError: ${(error as Error).stack ?? String(error)}`];
  }
}

function withDefaults(options: AccessConfigOptions): Required<AccessConfigOptions> {
  return { maxRepositories: options.maxRepositories ?? 4, maxRolesPerRepository: options.maxRolesPerRepository ?? 3, templateText: options.templateText ?? true };
}

/**
 * Access configs built to be valid, before any filter. Use `validAccessConfig` in properties; this one is for
 * measuring how many of them the current rules accept.
 */
export function candidateAccessConfig(options: AccessConfigOptions = {}): fc.Arbitrary<AccessConfig> {
  return rawConfig(withDefaults(options)).map(buildConfig);
}

/** Valid access configs (buildAccessModel accepts every sample), covering every field of the schema. */
export function validAccessConfig(options: AccessConfigOptions = {}): fc.Arbitrary<AccessConfig> {
  return candidateAccessConfig(options).filter((config) => accessConfigProblems(config).length === 0);
}
