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
import type fc from 'fast-check';
import { ConfigError, buildAccessModel, oidcProviderArn, parseAccessConfig, resolveIssuer } from '@keyless/policy';
import type { AccessConfig } from '@keyless/policy';
import { ADMIN_ACCEPTED, PLAIN_TEXT, TEMPLATE_TEXT, compact, githubAudienceFields, rawConfig, toIssuer } from './access-config-raw.js';
import type { AccessConfigOptions, RawConfig } from './access-config-raw.js';
import { organizationOf, permissionsOf, variableSuffix } from './access-config-policies.js';

export { SCHEMA_HAS_GITHUB_AUDIENCE_OPT_IN, TEMPLATE_TEXT, audienceList, githubAudienceFields, issuerConfig, ownerName, tagMap } from './access-config-raw.js';
export type { AccessConfigOptions } from './access-config-raw.js';

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
