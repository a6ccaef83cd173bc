/**
 * The declarative access config of one environment: which repositories get which roles, who may assume
 * each, and what each may do. Parsing is strict: an unknown key is an error, never ignored.
 */
import { z } from 'zod';
import { withLocations } from './locate.js';
import { ConfigError, zodIssues } from './problems.js';
import { inputProblems, loadYaml } from './yaml-input.js';

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

/** Checks the shape of a config object. Throws ConfigError listing every problem. */
export function parseAccessConfig(input: unknown, source = 'access config'): AccessConfig {
  const unsafe = inputProblems(input);
  if (unsafe.length > 0) throw new ConfigError(source, unsafe);
  const result = accessConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(source, zodIssues(result.error, input, accessConfigSchema));
  return result.data;
}

/**
 * Parses YAML text (duplicate keys are errors) and checks its shape. A ConfigError points at the line and column
 * of each problem (found only when there is one: the text is parsed again, keeping positions, on that path alone).
 */
export function parseAccessConfigYaml(text: string, source = 'access config'): AccessConfig {
  return withLocations(text, () => parseAccessConfig(loadYaml(text, source), source));
}
