// The stock CDKTF TypeScript app the benchmark compares keyless with: what `cdktf init --template=typescript`
// gives you, plus the resources keyless generates, written the way the provider packages' READMEs show:
// provider classes imported from the package roots. It reads the access model from model.json (written by
// @keyless/bench from keyless' own model, so both sides generate the same roles, trust policies and variables).
// Run by `cdktf synth` (cdktf.json: "app": "npx ts-node main.ts"), type-checked by ts-node like any stock app.
import { readFileSync } from "fs";
import { Construct } from "constructs";
import { App, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import {
  iamOpenidConnectProvider,
  iamRole,
  iamRolePolicy,
  iamRolePolicyAttachment,
  provider as awsProvider,
  s3Bucket,
  s3BucketOwnershipControls,
  s3BucketPolicy,
  s3BucketPublicAccessBlock,
  s3BucketServerSideEncryptionConfiguration,
  s3BucketVersioning,
} from "@cdktf/provider-aws";
import {
  actionsEnvironmentVariable,
  actionsRepositoryOidcSubjectClaimCustomizationTemplate,
  actionsVariable,
  provider as githubProvider,
  repositoryEnvironment,
  repositoryEnvironmentDeploymentPolicy,
} from "@cdktf/provider-github";

interface RoleSpec {
  key: string;
  name: string;
  path: string;
  description: string;
  maxSessionDuration: number;
  permissionsBoundaryArn?: string;
  tags: Record<string, string>;
  claims: string[];
  managedPolicyArns: string[];
  inlinePolicies: { name: string; json: string }[];
}

interface EnvironmentSpec {
  name: string;
  canAdminsBypass: boolean;
  preventSelfReview: boolean;
  waitTimer?: number;
  reviewerUserIds: number[];
  reviewerTeamIds: number[];
  deploymentBranches: "all" | "protected" | string[];
}

interface VariableSpec {
  /** The repository the variable is written to: the role's own, or another one the role trusts. */
  repository: string;
  name: string;
  environment?: string;
  /** A role key of the repository, or "region". */
  value: { role: string } | "region";
}

interface RepositorySpec {
  key: string;
  roles: RoleSpec[];
  environments: EnvironmentSpec[];
  subjectClaimKeys?: string[];
  variables: VariableSpec[];
}

interface StackSpec {
  id: string;
  accountId: string;
  region: string;
  tags: Record<string, string>;
  owner: string;
  backend: { s3: { bucket: string; key: string; region: string } } | { local: { path: string } };
  oidcProvider: { create: { url: string; audiences: string[] } } | { existingArn: string };
  conditionKeyPrefix: string;
  audiences: string[];
  repositories: RepositorySpec[];
  /** The bootstrap's state bucket and the variable that names it. */
  stateBucket?: { bucket: string; infraRepository: string; variableName: string };
}

/** Terraform reads "${" as interpolation; the IAM policy variables in policy text must reach IAM literally. */
function escape(text: string): string {
  return text.replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

function one(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}

function trustPolicy(stack: StackSpec, providerArn: string, claims: string[]): string {
  const aud = { [`${stack.conditionKeyPrefix}:aud`]: one([...stack.audiences].sort()) };
  const subjects = [...new Set(claims)].sort();
  const exact = subjects.filter((s) => !s.includes("*") && !s.includes("?"));
  const patterns = subjects.filter((s) => s.includes("*") || s.includes("?"));
  const base = { Effect: "Allow", Principal: { Federated: providerArn }, Action: "sts:AssumeRoleWithWebIdentity" };
  const statements: object[] = [];
  if (exact.length > 0) {
    statements.push({ Sid: "GithubActionsExact", ...base, Condition: { StringEquals: { ...aud, [`${stack.conditionKeyPrefix}:sub`]: one(exact) } } });
  }
  if (patterns.length > 0) {
    statements.push({ Sid: "GithubActionsPatterns", ...base, Condition: { StringEquals: aud, StringLike: { [`${stack.conditionKeyPrefix}:sub`]: one(patterns) } } });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

class AccessStack extends TerraformStack {
  constructor(scope: Construct, spec: StackSpec) {
    super(scope, spec.id);
    if ("s3" in spec.backend) {
      new S3Backend(this, { ...spec.backend.s3, encrypt: true });
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    } else new LocalBackend(this, spec.backend.local);

    new awsProvider.AwsProvider(this, "aws", {
      region: spec.region,
      allowedAccountIds: [spec.accountId],
      defaultTags: [{ tags: { "keyless:managed-by": "keyless", ...spec.tags } }],
    });
    new githubProvider.GithubProvider(this, "github", { owner: spec.owner });

    let providerArn: string;
    if ("create" in spec.oidcProvider) {
      providerArn = new iamOpenidConnectProvider.IamOpenidConnectProvider(this, "github-oidc", {
        url: spec.oidcProvider.create.url,
        clientIdList: spec.oidcProvider.create.audiences,
      }).arn;
    } else providerArn = spec.oidcProvider.existingArn;

    const roleArns: Record<string, string> = {};
    for (const repo of spec.repositories) {
      const roles = new Map<string, iamRole.IamRole>();
      for (const r of repo.roles) {
        const role = new iamRole.IamRole(this, `${repo.key}-${r.key}`, {
          name: r.name,
          path: r.path,
          description: escape(r.description),
          assumeRolePolicy: trustPolicy(spec, providerArn, r.claims),
          maxSessionDuration: r.maxSessionDuration,
          forceDetachPolicies: true,
          permissionsBoundary: r.permissionsBoundaryArn,
          tags: Object.keys(r.tags).length > 0 ? r.tags : undefined,
        });
        roles.set(r.key, role);
        roleArns[r.name] = role.arn;
        for (const arn of r.managedPolicyArns) {
          new iamRolePolicyAttachment.IamRolePolicyAttachment(this, `${repo.key}-${r.key}-${arn}`, { role: role.name, policyArn: arn });
        }
        for (const p of r.inlinePolicies) {
          new iamRolePolicy.IamRolePolicy(this, `${repo.key}-${r.key}-inline-${p.name}`, { role: role.id, name: p.name, policy: escape(p.json) });
        }
      }
      const environments = new Map<string, repositoryEnvironment.RepositoryEnvironment>();
      for (const e of repo.environments) {
        const branches = e.deploymentBranches;
        const environment = new repositoryEnvironment.RepositoryEnvironment(this, `${repo.key}-env-${e.name}`, {
          repository: repo.key,
          environment: e.name,
          canAdminsBypass: e.canAdminsBypass,
          preventSelfReview: e.preventSelfReview,
          waitTimer: e.waitTimer,
          reviewers: e.reviewerUserIds.length + e.reviewerTeamIds.length > 0 ? [{ users: e.reviewerUserIds, teams: e.reviewerTeamIds }] : undefined,
          deploymentBranchPolicy:
            branches === "all" ? undefined : { protectedBranches: branches === "protected", customBranchPolicies: branches !== "protected" },
        });
        environments.set(e.name, environment);
        if (Array.isArray(branches)) {
          for (const pattern of branches) {
            new repositoryEnvironmentDeploymentPolicy.RepositoryEnvironmentDeploymentPolicy(this, `${repo.key}-env-${e.name}-branch-${pattern}`, {
              repository: repo.key,
              environment: environment.environment,
              branchPattern: pattern,
            });
          }
        }
      }
      if (repo.subjectClaimKeys) {
        new actionsRepositoryOidcSubjectClaimCustomizationTemplate.ActionsRepositoryOidcSubjectClaimCustomizationTemplate(this, `${repo.key}-subject-template`, {
          repository: repo.key,
          useDefault: false,
          includeClaimKeys: repo.subjectClaimKeys,
        });
      }
      for (const v of repo.variables) {
        const value = v.value === "region" ? spec.region : roles.get(v.value.role)!.arn;
        if (v.environment === undefined) {
          new actionsVariable.ActionsVariable(this, `${repo.key}-var-${v.repository}-${v.name}`, { repository: v.repository, variableName: v.name, value });
        } else {
          const environment = v.repository === repo.key ? environments.get(v.environment) : undefined;
          new actionsEnvironmentVariable.ActionsEnvironmentVariable(this, `${repo.key}-var-${v.repository}-${v.environment}-${v.name}`, {
            repository: v.repository,
            environment: v.environment,
            variableName: v.name,
            value,
            dependsOn: environment ? [environment] : undefined,
          });
        }
      }
    }

    if (spec.stateBucket) {
      const bucket = new s3Bucket.S3Bucket(this, "state-bucket", {
        bucket: spec.stateBucket.bucket,
        forceDestroy: false,
        lifecycle: { preventDestroy: true },
      });
      new s3BucketVersioning.S3BucketVersioningA(this, "state-versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
      new s3BucketServerSideEncryptionConfiguration.S3BucketServerSideEncryptionConfigurationA(this, "state-encryption", {
        bucket: bucket.id,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
      });
      new s3BucketPublicAccessBlock.S3BucketPublicAccessBlock(this, "state-public-access-block", {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      new s3BucketOwnershipControls.S3BucketOwnershipControls(this, "state-ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
      new s3BucketPolicy.S3BucketPolicy(this, "state-tls-only", {
        bucket: bucket.id,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [bucket.arn, `${bucket.arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      });
      new actionsVariable.ActionsVariable(this, "state-bucket-variable", {
        repository: spec.stateBucket.infraRepository,
        variableName: spec.stateBucket.variableName,
        value: spec.stateBucket.bucket,
      });
      new TerraformOutput(this, "state_bucket", { value: bucket.bucket });
    }

    new TerraformOutput(this, "oidc_provider_arn", { value: providerArn });
    new TerraformOutput(this, "role_arns", { value: roleArns });
  }
}

const model = JSON.parse(readFileSync("model.json", "utf8")) as { stacks: StackSpec[] };
const app = new App();
for (const spec of model.stacks) new AccessStack(app, spec);
app.synth();
