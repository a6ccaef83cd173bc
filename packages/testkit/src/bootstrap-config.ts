/**
 * fast-check arbitraries of valid bootstrap configs (`bootstrap.yaml`), covering every field of
 * `bootstrapConfigSchema`: the GitHub block with every issuer form, the infra repository with ids and subject
 * formats, reviewers at the top and per account, accounts with tags, and the organisation guardrail with every
 * target id form (root, organizational unit, account), owned by a named account or by the only one.
 */
import fc from 'fast-check';
import { ConfigError, bootstrapAccounts, bootstrapConfigSchema, buildAccessModel, resolveIssuer, zodProblems } from '@keyless/policy';
import type { BootstrapConfig, GithubIssuer, IssuerConfig } from '@keyless/policy';
import { audienceList, githubAudienceFields, issuerConfig, ownerName, tagMap } from './access-config.js';

/** The value or nothing; `absent` to `present` is the odds of nothing. */
const opt = <T>(arb: fc.Arbitrary<T>, absent = 1, present = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: arb, weight: present });

function compact<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

function supportsImmutable(config: IssuerConfig | undefined): boolean {
  const issuer: GithubIssuer =
    config === undefined || config === 'github.com'
      ? { kind: 'github.com' }
      : 'enterpriseSlug' in config
        ? { kind: 'enterprise-slug', slug: config.enterpriseSlug }
        : 'gheSubdomain' in config
          ? { kind: 'ghe.com', subdomain: config.gheSubdomain }
          : { kind: 'ghes', host: config.ghesHost };
  return resolveIssuer(issuer).supportsImmutableSubjects;
}

// Fields the schema may have gained: generated only when it has them, so that configs stay valid meanwhile.
const infraShape = bootstrapConfigSchema.shape.infraRepository.shape as Record<string, unknown>;
const accountShape = (bootstrapConfigSchema.shape.accounts as unknown as { valueType: { shape: Record<string, unknown> } }).valueType.shape;
const HAS_SETTINGS_ACCOUNT = 'settingsAccount' in infraShape;
const HAS_BREAK_GLASS = 'breakGlassPrincipalArns' in accountShape;
const HAS_GUARDRAIL = 'organizationGuardrail' in bootstrapConfigSchema.shape;

/** Organizations target ids of every form: the root, organizational units and member accounts. */
const targetIds = fc.uniqueArray(fc.constantFrom('r-ab12', 'ou-ab12-34cd56ef', 'ou-9z8y-abcdefgh12', '123456789012', '210987654321'), { minLength: 1, maxLength: 3 });

const reviewers = fc.record(
  {
    users: fc.uniqueArray(fc.integer({ min: 1, max: 2_000_000_000 }), { maxLength: 3 }),
    teams: fc.uniqueArray(fc.integer({ min: 1, max: 2_000_000_000 }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

const account = fc.record(
  {
    accountId: fc.stringMatching(/^[0-9]{12}$/),
    region: fc.constantFrom('us-east-1', 'ap-northeast-2', 'eu-west-1'),
    reviewers,
    tags: tagMap,
  },
  { requiredKeys: ['accountId', 'region'] },
);

/** Bootstrap configs built to be valid, before any filter. */
export function candidateBootstrapConfig(): fc.Arbitrary<BootstrapConfig> {
  return fc
    .record({
      owner: ownerName,
      ownerId: opt(fc.integer({ min: 1, max: 2_000_000_000 }), 1, 2),
      issuer: opt(issuerConfig),
      audiences: opt(audienceList),
      githubAudience: fc.nat({ max: 5 }),
      pinIds: opt(fc.boolean()),
      infraName: fc.constantFrom('octo-infra', 'infra', 'Platform.Infra'),
      infraId: opt(fc.integer({ min: 1, max: 2_000_000_000 })),
      subjectFormat: opt(fc.constantFrom<'name' | 'immutable' | 'both'>('name', 'immutable', 'both')),
      stateBucketPrefix: fc.constantFrom('octo-org-keyless-tfstate', 'tf', 'a-b-c'),
      reviewers: opt(reviewers),
      accounts: fc.dictionary(fc.constantFrom('dev', 'prod', 'staging', 'e2e-1'), account, { minKeys: 1, maxKeys: 3 }),
      settingsAccount: fc.nat({ max: 5 }),
      breakGlass: fc.array(fc.nat({ max: 2 }), { maxLength: 2 }),
      guardrail: opt(fc.record({ account: fc.nat({ max: 5 }), targetIds })),
    })
    .map((raw) => {
      const immutableOk = supportsImmutable(raw.issuer);
      let subjectFormat = raw.subjectFormat;
      let id = raw.infraId;
      if (subjectFormat === 'immutable' || subjectFormat === 'both') {
        if (!immutableOk || raw.ownerId === undefined) subjectFormat = 'name';
        else id ??= 700_001;
      }
      if (!immutableOk && id !== undefined && raw.ownerId !== undefined) subjectFormat = 'name';
      const accountKeys = Object.keys(raw.accounts).sort();
      const accounts = Object.fromEntries(
        Object.entries(raw.accounts).map(([key, a], i) => {
          const forms = [`arn:aws:iam::${a.accountId}:role/break-glass`, `arn:aws:iam::${a.accountId}:root`, `arn:aws:iam::${a.accountId}:role/admin/*`];
          const chosen = HAS_BREAK_GLASS && (i + raw.breakGlass.length) % 2 === 0 ? [...new Set(raw.breakGlass.map((n) => forms[n] as string))] : undefined;
          return [key, chosen ? { ...a, breakGlassPrincipalArns: chosen } : a];
        }),
      );
      const settingsAccount = HAS_SETTINGS_ACCOUNT && raw.settingsAccount < accountKeys.length ? accountKeys[raw.settingsAccount] : undefined;
      // The guardrail needs the owner id and an issuer AWS documents repository_owner_id for; its account may be
      // left out only when there is one account.
      const guardrailIssuer = raw.issuer === undefined || raw.issuer === 'github.com' || 'enterpriseSlug' in raw.issuer;
      const guardrail =
        HAS_GUARDRAIL && raw.guardrail && raw.ownerId !== undefined && guardrailIssuer
          ? compact({
              account: accountKeys.length === 1 && raw.guardrail.account % 2 === 1 ? undefined : accountKeys[raw.guardrail.account % accountKeys.length],
              targetIds: raw.guardrail.targetIds,
            })
          : undefined;
      return compact({
        github: compact({
          owner: raw.owner,
          ownerId: raw.ownerId,
          issuer: raw.issuer,
          ...githubAudienceFields(raw.owner, raw.audiences, raw.githubAudience),
          // Pinning needs the owner id; on an issuer other than github.com it is an opt-in.
          pinIds: raw.ownerId === undefined && raw.pinIds === true ? undefined : raw.pinIds,
        }),
        infraRepository: compact({ name: raw.infraName, id, subjectFormat, settingsAccount }),
        stateBucketPrefix: raw.stateBucketPrefix,
        reviewers: raw.reviewers,
        accounts,
        organizationGuardrail: guardrail,
      }) as BootstrapConfig;
    });
}

/** Whether keyless accepts the bootstrap config (every account); the problems otherwise. */
export function bootstrapConfigProblems(config: unknown): readonly string[] {
  const input = JSON.parse(JSON.stringify(config)) as unknown;
  const parsed = bootstrapConfigSchema.safeParse(input);
  if (!parsed.success) return zodProblems(parsed.error, input);
  try {
    for (const a of bootstrapAccounts(parsed.data)) buildAccessModel(a.access, `accounts.${a.key}`);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    return [`not a ConfigError: ${(error as Error).stack ?? String(error)}`];
  }
}

/** Valid bootstrap configs: every account builds an access model. */
export function validBootstrapConfig(): fc.Arbitrary<BootstrapConfig> {
  return candidateBootstrapConfig().filter((config) => bootstrapConfigProblems(config).length === 0);
}
