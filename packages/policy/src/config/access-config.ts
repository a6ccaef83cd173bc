/**
 * The declarative access config of one environment: which repositories get which roles, who may assume
 * each, and what each may do. Parsing is strict: an unknown key is an error, never ignored.
 */
import { YAMLException, load } from 'js-yaml';
import { z } from 'zod';
import { unknownKeyHint, withLocations } from './locate.js';

const stringList = z.array(z.string());

const subjectFields = {
  branches: stringList.optional().describe('Exact branch names, such as main'),
  branchPatterns: stringList.optional().describe('Branch patterns with "*", such as release/*; an explicit opt-in'),
  tags: stringList.optional().describe('Exact tag names'),
  tagPatterns: stringList.optional().describe('Tag patterns with "*", such as v*'),
  environments: stringList
    .optional()
    .describe('GitHub environment names; with branches, branchPatterns, tags or tagPatterns beside them, the job must name the environment AND run on one of those refs'),
  pullRequests: z.boolean().optional().describe('Trust jobs of pull requests (without environment); read-only roles only'),
};

const trustSchema = z.strictObject({
  ...subjectFields,
  repositories: z
    .record(z.string(), z.strictObject(subjectFields))
    .optional()
    .describe('Other repositories of the same owner that may assume this role too, each with its own subjects'),
  workflows: stringList
    .optional()
    .describe('Reusable workflows the job must run: OWNER/REPO/.github/workflows/FILE.yml@REF'),
});

const variableSchema = z.strictObject({
  name: z.string().optional().describe('Name of the variable that carries the role ARN'),
  scope: z
    .enum(['repository', 'environment', 'none'])
    .optional()
    .describe('Where the ARN is written; default: environment when the role trusts only environments'),
  regionName: z
    .string()
    .optional()
    .describe('Name of the region variable written beside the ARN; default: defaults.regionVariable'),
});

const policyDocumentSchema = z.looseObject({
  Version: z.string().optional(),
  Statement: z.union([z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.unknown())]),
});

const roleSchema = z.strictObject({
  name: z.string().optional().describe('IAM role name; default: <roleNamePrefix><repository>-<role key>'),
  description: z.string().optional(),
  readOnly: z.boolean().optional().describe('Declares that the role only reads; required for pull request trust'),
  trust: trustSchema,
  managedPolicyArns: stringList.optional(),
  inlinePolicies: z.record(z.string(), policyDocumentSchema).optional(),
  maxSessionDurationSeconds: z.number().optional(),
  permissionsBoundaryArn: z.string().optional(),
  path: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  variable: variableSchema.optional(),
  dangerouslyAllowAnyBranch: z.boolean().optional(),
  dangerouslyAllowPullRequestsWithWriteAccess: z.boolean().optional(),
  dangerouslyAllowAdministratorAccess: z.boolean().optional(),
  dangerouslyAllowAnyWorkflowRef: z.boolean().optional(),
});

const organizationRoleSchema = roleSchema
  .omit({ trust: true, variable: true, dangerouslyAllowAnyBranch: true, dangerouslyAllowPullRequestsWithWriteAccess: true })
  .extend({
    trust: z.strictObject({
      workflows: stringList.describe(
        'The reviewed reusable workflows (OWNER/REPO/.github/workflows/FILE.yml@REF, in a repository of the owner) every job must run; the ref is pinned unless dangerouslyAllowAnyWorkflowRef',
      ),
    }),
  });

const environmentSchema = z.strictObject({
  reviewers: z
    .strictObject({
      users: z.array(z.number()).optional().describe('Numeric GitHub user ids'),
      teams: z.array(z.number()).optional().describe('Numeric GitHub team ids'),
    })
    .optional(),
  preventSelfReview: z.boolean().optional(),
  waitTimerMinutes: z.number().optional(),
  canAdminsBypass: z.boolean().optional(),
  deploymentBranches: z
    .union([z.literal('all'), z.literal('protected'), z.array(z.string())])
    .optional()
    .describe('"all", "protected", or a list of branch name patterns'),
});

const repositorySchema = z.strictObject({
  id: z.number().optional().describe('Numeric repository id, for immutable subjects'),
  team: z.string().optional().describe('Owning team; names the stack when sharding.by is team'),
  stack: z.string().optional().describe('Pins the repository to this stack (suffix), overriding the sharding rule'),
  subjectFormat: z.enum(['name', 'immutable', 'both']).optional(),
  environments: z.record(z.string(), environmentSchema).optional().describe('GitHub environments this app manages'),
  manageSubjectTemplate: z
    .boolean()
    .optional()
    .describe('Write the repository subject template when a role pins workflows; false when another app writes it'),
  roles: z.record(z.string(), roleSchema),
});

const issuerSchema = z.union([
  z.literal('github.com'),
  z.strictObject({ enterpriseSlug: z.string() }),
  z.strictObject({ gheSubdomain: z.string() }),
  z.strictObject({ ghesHost: z.string() }),
]);

export const accessConfigSchema = z.strictObject({
  environment: z.string().describe('Name of the environment this app deploys, such as dev or prod'),
  aws: z.strictObject({
    accountId: z.string(),
    region: z.string(),
    partition: z.string().optional(),
    trustPolicyMaxChars: z.number().optional().describe('Raised quota for trust policy length; default 2048'),
    managedPoliciesPerRole: z.number().optional().describe('Raised quota for managed policies per role; default 10'),
    oidcProvider: z
      .union([z.strictObject({ create: z.literal(true) }), z.strictObject({ existingArn: z.string() })])
      .optional()
      .describe('Create the GitHub OIDC provider (default) or use an existing one; one per issuer per account'),
    tags: z.record(z.string(), z.string()).optional(),
  }),
  github: z.strictObject({
    owner: z.string(),
    ownerId: z.number().optional(),
    issuer: issuerSchema.optional(),
    audiences: stringList.optional().describe('Token audiences the provider and every trust policy accept; default sts.amazonaws.com'),
    dangerouslyAllowGithubAudience: z
      .boolean()
      .optional()
      .describe("Accept GitHub's default audience https://github.com/OWNER in audiences; every token requested without an audience carries it"),
    pinIds: z
      .boolean()
      .optional()
      .describe(
        'Require repository_id and repository_owner_id beside sub for every repository whose ids are known; default true on github.com, false on other issuers (AWS documents these keys for github.com)',
      ),
  }),
  organization: z
    .strictObject({
      roles: z
        .record(z.string(), organizationRoleSchema)
        .describe('Roles every repository of the owner may assume, only through the pinned reusable workflows; needs github.ownerId'),
    })
    .optional()
    .describe('Organization-wide roles: trusted by repository_owner_id and job_workflow_ref, not by repository'),
  sharding: z
    .strictObject({
      by: z.enum(['hash', 'team']).describe('hash: a stable hash of the repository name; team: the repository team'),
      shards: z.number().optional().describe('Number of hash shards (2 to 256); changing it moves repositories'),
    })
    .optional()
    .describe('Split the environment into several stacks, each with its own state, planned and applied in parallel'),
  state: z
    .strictObject({
      bucket: z.string().describe('S3 bucket of the Terraform state (created by the bootstrap app)'),
      region: z.string().optional().describe('Region of the bucket; default: aws.region'),
      keyPrefix: z.string().optional().describe('State key prefix; the key is <keyPrefix>/<stack>.tfstate; default keyless'),
    })
    .optional()
    .describe('Remote state: the S3 backend with lock files; local state when omitted'),
  defaults: z
    .strictObject({
      roleNamePrefix: z.string().optional(),
      rolePath: z.string().optional(),
      maxSessionDurationSeconds: z.number().optional(),
      permissionsBoundaryArn: z.string().optional(),
      roleArnVariable: z.string().optional(),
      regionVariable: z.string().optional(),
    })
    .optional(),
  repositories: z.record(z.string(), repositorySchema),
});

export type AccessConfig = z.infer<typeof accessConfigSchema>;
export type RepositoryConfig = z.infer<typeof repositorySchema>;
export type RoleConfig = z.infer<typeof roleSchema>;
export type OrganizationRoleConfig = z.infer<typeof organizationRoleSchema>;
export type TrustConfig = z.infer<typeof trustSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type IssuerConfig = z.infer<typeof issuerSchema>;

/**
 * One problem of a config: where (the config path, and the line and column once the file's text is at hand), the
 * value found there, and the rule it breaks. `text` is the problem as one line, `path: value: rule`.
 */
export interface ConfigProblem {
  /** The config path, such as `['repositories', 'web', 'roles', 'deploy', 'trust', 'branches', 0]`; empty when none. */
  readonly path: readonly (string | number)[];
  /** The value found at the path (absent when the entry is missing or the problem is not about one value). */
  readonly value?: unknown;
  /** What is allowed, or what is wrong. */
  readonly rule: string;
  /** The whole problem as one line: `repositories.web.roles.deploy.trust.branches[0]: "main*": rule`. */
  readonly text: string;
  /** Point at the entry's key (an unknown or misplaced key) rather than its value. @default - the value of a scalar, else the key */
  readonly at?: 'key' | 'value';
  /** 1-based line and column in the file, when its text was at hand (see locate.ts). */
  readonly line?: number;
  readonly column?: number;
}

/** A problem from its path, value and rule, with the text `path: value: rule`. */
export function configProblem(path: readonly PropertyKey[], value: unknown, rule: string): ConfigProblem {
  return { path: path.map((p) => (typeof p === 'number' ? p : String(p))), value, rule, text: `${formatPath(path)}: ${describeValue(value)}: ${rule}` };
}

/**
 * A problem from its text alone (`path: rest`): the path is read back from the text when it starts with one
 * (formatPath's output), so that it can still be located in the file.
 */
export function problemFromText(text: string): ConfigProblem {
  const parsed = parsePathPrefix(text);
  return parsed ? { path: parsed.path, rule: parsed.rest, text } : { path: [], rule: text, text };
}

/** A config that breaks one or more rules. `problems` holds one line per problem, `issues` the same with their paths. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  readonly issues: readonly ConfigProblem[];
  constructor(
    readonly source: string,
    problems: readonly (string | ConfigProblem)[],
  ) {
    const issues = problems.map((p) => (typeof p === 'string' ? problemFromText(p) : p));
    super(formatConfigError(source, issues));
    this.name = 'ConfigError';
    this.issues = issues;
    this.problems = issues.map((i) => i.text);
  }
}

/**
 * The message of a ConfigError: a heading naming the source, then one line per problem. Once the problems carry
 * lines, each is `source:line:column: text`, the form editors and CI annotations link to the place.
 */
export function formatConfigError(source: string, issues: readonly ConfigProblem[]): string {
  const located = issues.some((i) => i.line !== undefined);
  const lines = issues.map((i) => (located ? `${source}${i.line !== undefined ? `:${i.line}:${i.column ?? 1}` : ''}: ${i.text}` : `  - ${i.text}`));
  return `${source}: invalid access config\n${lines.join('\n')}`;
}

/**
 * Reads a config path back from the start of a problem's text (the inverse of formatPath): plain keys joined by
 * ".", list indexes as `[0]`, other keys as `["a b"]`, followed by ": ". Undefined when the text does not start
 * with a path.
 */
export function parsePathPrefix(text: string): { path: (string | number)[]; rest: string } | undefined {
  if (text.startsWith('(top level): ')) return { path: [], rest: text.slice('(top level): '.length) };
  const path: (string | number)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '[') {
      const close = text.indexOf(']', i);
      if (/^\[[0-9]+\]/.test(text.slice(i))) {
        path.push(Number(text.slice(i + 1, close)));
        i = close + 1;
      } else if (text[i + 1] === '"') {
        // A JSON string: find its closing quote, skipping escapes.
        let j = i + 2;
        while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
        if (text[j + 1] !== ']') return undefined;
        try {
          path.push(JSON.parse(text.slice(i + 1, j + 1)) as string);
        } catch {
          return undefined;
        }
        i = j + 2;
      } else return undefined;
    } else {
      if (path.length > 0) {
        if (text[i] !== '.') break;
        i++;
      }
      const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i));
      if (!m) return undefined;
      path.push(m[0]);
      i += m[0].length;
    }
    if (text.startsWith(': ', i)) return { path, rest: text.slice(i + 2) };
  }
  return undefined;
}

/** Formats a config path like `repositories.web.roles.deploy.trust.branches[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      const plain = /^[A-Za-z0-9_-]+$/.test(key);
      out += plain ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out || '(top level)';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string' && value.length > 78) return JSON.stringify(`${value.slice(0, 75)}...`);
  return JSON.stringify(value);
}

/**
 * One problem per zod issue (per key, for unknown keys): the config path, the value received, and what is
 * allowed. With the schema, an unknown key gets a "did you mean" from the keys allowed at its level, or a hint
 * when it is a key of the level above or below (a wrong indentation).
 */
export function zodIssues(error: z.ZodError, input: unknown, schema?: z.ZodType): ConfigProblem[] {
  return error.issues.flatMap((issue): ConfigProblem[] => {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const where = formatPath(path);
    const value = valueAt(input, issue.path);
    const problem = (rule: string, at?: 'key'): ConfigProblem => ({ path, value, rule, text: `${where}: ${rule}`, ...(at ? { at } : {}) });
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => {
          const hint = schema ? unknownKeyHint(schema, path, key, input) : undefined;
          const rule = `unknown key "${key}"; ${hint ?? 'check the spelling against the documented keys'}`;
          return { path: [...path, key], value: valueAt(input, [...issue.path, key]), rule, text: `${where}: ${rule}`, at: 'key' as const };
        });
      case 'invalid_type': {
        const expected = ['object', 'record', 'map'].includes(issue.expected) ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
        if (value === undefined) return [problem(`required, expected ${expected}`)];
        if (issue.expected === 'string' && typeof value === 'number')
          return [problem(`${describeValue(value)} is a number; write it in quotes, as a string`)];
        if (value === null && expected === 'a mapping')
          return [problem(`null is not a mapping: the entry is empty; if its keys are written on the lines below, indent them further than "${String(path[path.length - 1] ?? '')}"`)];
        return [problem(`${describeValue(value)} is not ${expected}`)];
      }
      case 'invalid_value':
        return [problem(`${describeValue(value)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`)];
      case 'invalid_union':
        return [problem(`${describeValue(value)} does not match any accepted form`)];
      default:
        return [problem(`${describeValue(value)}: ${issue.message}`)];
    }
  });
}

/** One line per zod issue: the config path, the value received, and what is allowed. */
export function zodProblems(error: z.ZodError, input: unknown, schema?: z.ZodType): string[] {
  return zodIssues(error, input, schema).map((p) => p.text);
}

/** Bounds on what a config may expand to, so that a hostile file cannot exhaust memory or the stack. */
export const INPUT_LIMITS = {
  /** Nesting depth, counted through YAML aliases. A config nests about a dozen levels deep. */
  maxDepth: 64,
  /**
   * Values the document may expand to through YAML aliases: this many, or the length of the text when that is
   * larger. A document without aliases has fewer values than characters, so only alias expansion reaches it.
   */
  minNodeBudget: 1_000_000,
  /** Aliases (`*name`) per document. */
  maxAliases: 100_000,
} as const;

/** Keys that a JavaScript object cannot hold as plain data: `__proto__` would be dropped without a word. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks loaded data before anything copies it: the expanded size and depth (a YAML alias bomb is a few
 * hundred bytes that expand to billions of values), keys JavaScript treats specially, and text that cdktf
 * would read as one of its tokens. Returns one line per problem, naming the config path.
 */
export function inputProblems(input: unknown, maxNodes: number = INPUT_LIMITS.minNodeBudget): string[] {
  const problems: string[] = [];
  const path: PropertyKey[] = [];
  let nodes = 0;
  const tokenRule = '"TfToken[" is how cdktf marks its own references, so it would not be read as text; no config value contains it';
  const visit = (value: unknown, depth: number): boolean => {
    if (++nodes > maxNodes) {
      problems.push(`${formatPath(path)}: the document expands to more than ${maxNodes} values through YAML aliases; write the repeated parts out or use fewer aliases`);
      return false;
    }
    if (typeof value === 'string') {
      if (value.includes('TfToken[')) problems.push(`${formatPath(path)}: ${describeValue(value)}: ${tokenRule}`);
      return true;
    }
    if (value === null || typeof value !== 'object') return true;
    if (depth >= INPUT_LIMITS.maxDepth) {
      problems.push(`${formatPath(path)}: nests deeper than ${INPUT_LIMITS.maxDepth} levels (counting YAML aliases); a config nests about a dozen`);
      return false;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const ok = visit(value[i], depth + 1);
        path.pop();
        if (!ok) return false;
      }
      return true;
    }
    for (const key of Object.keys(value)) {
      path.push(key);
      if (RESERVED_KEYS.has(key))
        problems.push(`${formatPath(path)}: the key "${key}" is reserved in JavaScript and cannot be a name here (it would be dropped or misread); rename it`);
      else if (key.includes('TfToken[')) problems.push(`${formatPath(path)}: the key ${describeValue(key)}: ${tokenRule}`);
      const ok = visit((value as Record<string, unknown>)[key], depth + 1);
      path.pop();
      if (!ok) return false;
    }
    return true;
  };
  visit(input, 0);
  return problems;
}

/** Checks the shape of a config object. Throws ConfigError listing every problem. */
export function parseAccessConfig(input: unknown, source = 'access config'): AccessConfig {
  const unsafe = inputProblems(input);
  if (unsafe.length > 0) throw new ConfigError(source, unsafe);
  const result = accessConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(source, zodIssues(result.error, input, accessConfigSchema));
  return result.data;
}

/**
 * Parses YAML text into plain data. Duplicate keys are errors, and so is anything but plain data (no custom
 * tags). js-yaml keeps a 10,000-repository config to a fraction of a second. Aliases are shared, not copied,
 * while loading; `inputProblems` then bounds what they expand to before anything copies the data.
 */
export function loadYaml(text: string, source: string): unknown {
  let data: unknown;
  try {
    data = load(text, { filename: source, json: false, maxDepth: INPUT_LIMITS.maxDepth, maxAliases: INPUT_LIMITS.maxAliases });
  } catch (error) {
    if (error instanceof YAMLException) {
      const where = error.mark ? `line ${error.mark.line + 1}, column ${error.mark.column + 1}` : 'the file';
      const text = `${where}: ${error.reason}`;
      throw new ConfigError(source, [error.mark ? { path: [], rule: error.reason, text, line: error.mark.line + 1, column: error.mark.column + 1 } : text]);
    }
    throw new ConfigError(source, [`the file: cannot be read as YAML (${(error as Error).message})`]);
  }
  const unsafe = inputProblems(data, Math.max(INPUT_LIMITS.minNodeBudget, text.length));
  if (unsafe.length > 0) throw new ConfigError(source, unsafe);
  return data;
}

/**
 * Parses YAML text (duplicate keys are errors) and checks its shape. A ConfigError points at the line and column
 * of each problem (found only when there is one: the text is parsed again, keeping positions, on that path alone).
 */
export function parseAccessConfigYaml(text: string, source = 'access config'): AccessConfig {
  return withLocations(text, () => parseAccessConfig(loadYaml(text, source), source));
}
