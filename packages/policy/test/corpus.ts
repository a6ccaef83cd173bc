/**
 * The adversarial token corpus: loading the project's copy of the public cases (and the shared corpus as an
 * extra when the machine has one) and turning each case's neutral intent into what keyless builds from it
 * (subject specs, issuer, audiences, trust policy), so that several packages can run the same cases against
 * their own output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildTrustPolicy,
  evaluateTrustPolicy,
  oidcProviderArn,
  resolveIssuer,
  subjectClaims,
  type Evaluation,
  type GithubIssuer,
  type PolicyDocument,
  type SubjectContext,
  type SubjectFormat,
  type SubjectSpec,
  type TokenClaims,
} from '../src/index.js';

/** The values a case does not spell out. */
export interface CorpusDefaults {
  readonly iss: string;
  readonly aud: string;
  readonly owner: string;
  readonly ownerId: number;
  readonly repo: string;
  readonly repoId: number;
}

/**
 * The access a role is generated for, in neutral form. Each of `branch`, `tag`, `environment` and
 * `pullRequest` adds subjects; the other keys qualify them.
 */
export interface CorpusIntent {
  readonly branch?: string | readonly string[];
  readonly tag?: string | readonly string[];
  readonly environment?: string | readonly string[];
  readonly pullRequest?: boolean;
  /** `true`: immutable `owner@id/repo@id` subjects; `"both"`: the transition mode; absent or `false`: names. */
  readonly immutable?: boolean | 'both';
  /** The branch and tag values are declared patterns (`release/*`). */
  readonly pattern?: boolean;
  /** The reusable workflow the job must run (`OWNER/REPO/.github/workflows/FILE@REF`). */
  readonly workflow?: string;
  /** GitHub Enterprise Cloud with `include_enterprise_slug`. */
  readonly enterpriseSlug?: string;
  /** GitHub Enterprise Server host. */
  readonly ghesHost?: string;
  /** GHE.com data-residency subdomain. */
  readonly gheSubdomain?: string;
  /** The audiences the role accepts. @default - the defaults' aud */
  readonly audiences?: readonly string[];
}

export interface CorpusCase {
  readonly id: string;
  readonly intent: CorpusIntent;
  /** Claims that differ from the defaults; `null` means the claim is absent from the token. */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly expect: 'allow' | 'deny';
}

export interface Corpus {
  readonly about?: string;
  readonly defaults: CorpusDefaults;
  readonly cases: readonly CorpusCase[];
}

/** The account every corpus role lives in. */
export const CORPUS_ACCOUNT_ID = '123456789012';

const CORPUS_FILE = join('fixtures', 'adversarial-public.json');
const INTENT_KEYS = new Set([
  'branch',
  'tag',
  'environment',
  'pullRequest',
  'immutable',
  'pattern',
  'workflow',
  'enterpriseSlug',
  'ghesHost',
  'gheSubdomain',
  'audiences',
]);

/**
 * The project's own corpus: the public cases, copied into the repository so that a clone without the shared
 * directory runs them. Cases the project adds itself live in adversarial-extra.test.ts.
 */
export const PROJECT_CORPUS_FILE = fileURLToPath(new URL('./fixtures/adversarial-public.json', import.meta.url));

/**
 * Where the shared corpus is, when this machine has one: `$KEYLESS_SHARED_DIR/fixtures/adversarial-public.json`
 * when that variable is set (then it must exist), otherwise `shared/fixtures/adversarial-public.json` in the
 * nearest directory, walking up from this file, that has one (CI clones the repository next to `shared/`).
 * `undefined` when there is none: the shared corpus is extra material, never a requirement.
 */
export function sharedCorpusPath(start: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  const explicit = process.env['KEYLESS_SHARED_DIR'];
  if (explicit !== undefined && explicit !== '') {
    const file = resolve(explicit, CORPUS_FILE);
    if (existsSync(file)) return file;
    throw new Error(`KEYLESS_SHARED_DIR is "${explicit}", but ${file} does not exist; unset it to run the project's own corpus only`);
  }
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const file = join(dir, 'shared', CORPUS_FILE);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Loads and checks a corpus file. */
export function loadCorpusFile(file: string): Corpus {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`the adversarial corpus ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return checkCorpus(parsed, file);
}

/** The project's own corpus (test/fixtures/adversarial-public.json). */
export function loadProjectCorpus(): Corpus {
  return loadCorpusFile(PROJECT_CORPUS_FILE);
}

/** The shared corpus with its path, or `undefined` when this machine has none. */
export function loadSharedCorpus(start?: string): { file: string; corpus: Corpus } | undefined {
  const file = sharedCorpusPath(start);
  return file === undefined ? undefined : { file, corpus: loadCorpusFile(file) };
}

/** Checks the shape of a corpus, so that a case this helper does not understand fails instead of passing. */
export function checkCorpus(value: unknown, source: string): Corpus {
  const corpus = value as Corpus;
  if (typeof corpus !== 'object' || corpus === null || !Array.isArray(corpus.cases) || typeof corpus.defaults !== 'object')
    throw new Error(`the adversarial corpus ${source} has no defaults or no cases list`);
  const d = corpus.defaults;
  if (![d.iss, d.aud, d.owner, d.repo].every((v) => typeof v === 'string') || ![d.ownerId, d.repoId].every(Number.isSafeInteger))
    throw new Error(`the adversarial corpus ${source} has incomplete defaults: ${JSON.stringify(d)}`);
  const ids = new Set<string>();
  for (const c of corpus.cases) {
    if (typeof c.id !== 'string' || ids.has(c.id)) throw new Error(`corpus case id ${JSON.stringify(c.id)} is missing or repeated`);
    ids.add(c.id);
    if (c.expect !== 'allow' && c.expect !== 'deny')
      throw new Error(`corpus case ${c.id}: expect ${JSON.stringify(c.expect)} is not "allow" or "deny"`);
    if (typeof c.claims !== 'object' || c.claims === null) throw new Error(`corpus case ${c.id}: claims is not an object`);
    for (const key of Object.keys(c.intent ?? {})) {
      if (!INTENT_KEYS.has(key))
        throw new Error(`corpus case ${c.id}: intent key "${key}" is not understood; teach test/corpus.ts about it`);
    }
  }
  return corpus;
}

/** The subject specs keyless generates for an intent: one per branch, tag, environment or pull request. */
export function intentToSpecs(intent: CorpusIntent, defaults: CorpusDefaults): SubjectSpec[] {
  for (const key of Object.keys(intent)) {
    if (!INTENT_KEYS.has(key)) throw new Error(`intent key "${key}" is not understood`);
  }
  const subjectFormat: SubjectFormat =
    intent.immutable === 'both' ? 'both' : intent.immutable === true ? 'immutable' : 'name';
  const repository = {
    owner: defaults.owner,
    name: defaults.repo,
    ownerId: defaults.ownerId,
    id: defaults.repoId,
    subjectFormat,
  };
  const pattern = intent.pattern === true;
  const contexts: SubjectContext[] = [
    ...list(intent.branch).map((name): SubjectContext => ({ kind: 'branch', name, pattern })),
    ...list(intent.tag).map((name): SubjectContext => ({ kind: 'tag', name, pattern })),
    ...list(intent.environment).map((name): SubjectContext => ({ kind: 'environment', name })),
    ...(intent.pullRequest === true ? [{ kind: 'pull-request' } as const] : []),
  ];
  if (contexts.length === 0) throw new Error(`intent ${JSON.stringify(intent)} names no branch, tag, environment or pull request`);
  return contexts.map((context) => (intent.workflow === undefined ? { repository, context } : { repository, context, workflow: intent.workflow }));
}

/** The issuer an intent is for. */
export function intentToIssuer(intent: CorpusIntent): GithubIssuer {
  const declared = [intent.enterpriseSlug, intent.ghesHost, intent.gheSubdomain].filter((v) => v !== undefined);
  if (declared.length > 1) throw new Error(`intent ${JSON.stringify(intent)} names more than one issuer`);
  if (intent.enterpriseSlug !== undefined) return { kind: 'enterprise-slug', slug: intent.enterpriseSlug };
  if (intent.ghesHost !== undefined) return { kind: 'ghes', host: intent.ghesHost };
  if (intent.gheSubdomain !== undefined) return { kind: 'ghe.com', subdomain: intent.gheSubdomain };
  return { kind: 'github.com' };
}

/** The audiences the role generated for an intent accepts. */
export function intentAudiences(intent: CorpusIntent, defaults: CorpusDefaults): string[] {
  return [...(intent.audiences ?? [defaults.aud])];
}

/** The trust policy keyless builds for an intent, with a literal provider ARN in the corpus account. */
export function intentToPolicy(intent: CorpusIntent, defaults: CorpusDefaults): PolicyDocument {
  const issuer = resolveIssuer(intentToIssuer(intent));
  return buildTrustPolicy({
    providerArn: oidcProviderArn('aws', CORPUS_ACCOUNT_ID, issuer.url),
    conditionKeyPrefix: issuer.conditionKeyPrefix,
    subjects: intentToSpecs(intent, defaults).flatMap((spec) => subjectClaims(spec)),
    audiences: intentAudiences(intent, defaults),
    dangerouslyAllowOrganizationWide: false,
  });
}

/** The token of a case: the defaults' iss and aud, overridden by the case; `null` stays (absent claim). */
export function caseClaims(c: Pick<CorpusCase, 'claims'>, defaults: CorpusDefaults): TokenClaims {
  const claims = { iss: defaults.iss, aud: defaults.aud, sub: null, ...c.claims };
  if (typeof claims.iss !== 'string') throw new Error(`a corpus token needs a string iss, got ${JSON.stringify(claims.iss)}`);
  return claims as TokenClaims;
}

/** Builds the case's role and evaluates its token against it, as STS would. */
export function evaluateCase(c: CorpusCase, defaults: CorpusDefaults): Evaluation {
  return evaluateTrustPolicy(intentToPolicy(c.intent, defaults), caseClaims(c, defaults));
}

function list(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}
