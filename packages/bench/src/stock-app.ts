/**
 * The stock CDKTF app of the benchmark: the project `cdktf init --template=typescript --local` creates
 * (package.json, cdktf.json with `"app": "npx ts-node main.ts"`, the template's CommonJS tsconfig.json), with
 * a main.ts (`stock/main.ts.txt`, kept out of the type-checked sources on purpose: it imports the provider package roots, the slow path being measured) that imports the provider classes from the package roots and builds the same
 * resources as keyless from `model.json`, which is written here from keyless' own access model.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bootstrapVariableNames, loadConfigFile } from '@keyless/policy';
import type { AccessModel, RoleModel } from '@keyless/policy';

/** The bench package directory (its node_modules holds cdktf-cli, ts-node, typescript and the providers). */
export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const STOCK_MAIN = join(BENCH_DIR, 'stock', 'main.ts.txt');

export interface StockRole {
  key: string;
  name: string;
  path: string;
  description: string;
  maxSessionDuration: number;
  permissionsBoundaryArn?: string;
  tags: Record<string, string>;
  /** The model's trust policy (JSON); the app puts the provider's ARN in every statement's principal. */
  trustPolicy: string;
  managedPolicyArns: string[];
  inlinePolicies: { name: string; json: string }[];
}

export interface StockStack {
  id: string;
  accountId: string;
  region: string;
  tags: Record<string, string>;
  owner: string;
  backend: { s3: { bucket: string; key: string; region: string } } | { local: { path: string } };
  oidcProvider: { create: { url: string; audiences: string[] } } | { existingArn: string };
  conditionKeyPrefix: string;
  audiences: string[];
  repositories: {
    key: string;
    roles: StockRole[];
    environments: {
      name: string;
      canAdminsBypass: boolean;
      preventSelfReview: boolean;
      waitTimer?: number;
      reviewerUserIds: number[];
      reviewerTeamIds: number[];
      deploymentBranches: 'all' | 'protected' | string[];
    }[];
    subjectClaimKeys?: string[];
    variables: { repository: string; name: string; environment?: string; value: { role: string } | 'region' }[];
  }[];
  /** Organization roles (no repository), created as `org-<key>`. */
  organizationRoles: StockRole[];
  stateBucket?: { bucket: string; infraRepository: string; variableName: string; keyPolicy: string };
  organizationGuardrail?: { name: string; description: string; content: string; targetIds: string[] };
  boundaryPolicy?: { name: string; path: string; description: string; json: string };
  repositorySettings?: { repository: string; requiredApprovingReviewCount: number; requiredChecks: string[]; integrationId: number; allowedActions: string[] };
}

export interface StockModel {
  stacks: StockStack[];
}

function stockRole(role: RoleModel): StockRole {
  return {
    key: role.key,
    name: role.name,
    path: role.path,
    description: role.description,
    maxSessionDuration: role.maxSessionDurationSeconds,
    ...(role.permissionsBoundaryArn !== undefined ? { permissionsBoundaryArn: role.permissionsBoundaryArn } : {}),
    tags: { ...role.tags },
    trustPolicy: JSON.stringify(role.trustPolicy),
    managedPolicyArns: [...role.managedPolicyArns],
    inlinePolicies: role.inlinePolicies.map((p) => ({ name: p.name, json: p.json })),
  };
}

function stockStack(stackId: string, model: AccessModel): StockStack {
  return {
    id: stackId,
    accountId: model.aws.accountId,
    region: model.aws.region,
    tags: { ...model.aws.tags },
    owner: model.github.owner,
    backend: model.state
      ? { s3: { bucket: model.state.bucket, key: `${model.state.keyPrefix}/${stackId}.tfstate`, region: model.state.region } }
      : { local: { path: `terraform.${stackId}.tfstate` } },
    oidcProvider:
      'create' in model.aws.oidcProvider
        ? { create: { url: model.github.resolvedIssuer.url, audiences: [...model.github.audiences] } }
        : { existingArn: model.aws.oidcProvider.existingArn },
    conditionKeyPrefix: model.github.resolvedIssuer.conditionKeyPrefix,
    audiences: [...model.github.audiences],
    repositories: model.repositories.map((repo) => ({
      key: repo.key,
      roles: repo.roles.map(stockRole),
      environments: repo.environments.map((env) => ({
        name: env.name,
        canAdminsBypass: env.canAdminsBypass,
        preventSelfReview: env.preventSelfReview,
        ...(env.waitTimerMinutes !== undefined ? { waitTimer: env.waitTimerMinutes } : {}),
        reviewerUserIds: [...env.reviewerUserIds],
        reviewerTeamIds: [...env.reviewerTeamIds],
        deploymentBranches: env.deploymentBranches === 'all' || env.deploymentBranches === 'protected' ? env.deploymentBranches : [...env.deploymentBranches],
      })),
      ...(repo.subjectClaimKeys && repo.manageSubjectTemplate ? { subjectClaimKeys: [...repo.subjectClaimKeys] } : {}),
      variables: repo.variables.map((v) => ({
        repository: v.repository,
        name: v.name,
        ...(v.environment !== undefined ? { environment: v.environment } : {}),
        value: v.value.kind === 'region' ? ('region' as const) : { role: v.value.role },
      })),
    })),
    organizationRoles: (model.organizationRoles ?? []).map(stockRole),
  };
}

/**
 * The model the stock app reads, from an access config (one stack, or one per shard) or a bootstrap config
 * (one stack per account, with the state bucket).
 */
export function stockModel(configFile: string): StockModel {
  const loaded = loadConfigFile(configFile);
  if (loaded.kind === 'bootstrap') {
    const { config } = loaded;
    return {
      stacks: loaded.stacks.map(({ stackId: id, account, model }) => {
        return {
          ...stockStack(id, model),
          stateBucket: {
            bucket: account.stateBucket,
            infraRepository: config.infraRepository.name,
            variableName: bootstrapVariableNames(account.key).stateBucket,
            keyPolicy: JSON.stringify(stockKeyPolicy(model.aws.accountId)),
          },
          ...(account.organizationGuardrail
            ? {
                organizationGuardrail: {
                  name: account.organizationGuardrail.name,
                  description: account.organizationGuardrail.description,
                  content: JSON.stringify(account.organizationGuardrail.document),
                  targetIds: [...account.organizationGuardrail.targetIds],
                },
              }
            : {}),
          boundaryPolicy: {
            name: account.boundaryPolicy.name,
            path: account.boundaryPolicy.path,
            description: 'Permissions boundary of every product role keyless manages',
            json: JSON.stringify(account.boundaryPolicy.document),
          },
          ...(account.repositorySettings
            ? {
                repositorySettings: {
                  ...account.repositorySettings,
                  requiredChecks: [...account.repositorySettings.requiredChecks],
                  allowedActions: [...account.repositorySettings.allowedActions],
                },
              }
            : {}),
        };
      }),
    };
  }
  return { stacks: loaded.stacks.map(({ stackId, model }) => stockStack(stackId, model)) };
}

/**
 * A key policy of the size keyless writes for the state key (the account administers it, the pipeline uses it):
 * the stock app builds the same resources, whose exact text the comparison does not look at.
 */
function stockKeyPolicy(accountId: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'KeyAdministration', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'], Resource: '*' },
      { Sid: 'StateUse', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*' },
    ],
  };
}

/** The cdktf-cli package directory, for its bundled `typescript` template. */
export function cdktfCliDir(): string {
  const require = createRequire(join(BENCH_DIR, 'package.json'));
  return dirname(require.resolve('cdktf-cli/package.json'));
}

/** The files `cdktf init --template=typescript --local --project-name=<name>` writes (minus jest), as text. */
export function stockProjectFiles(name: string, templateDir = join(cdktfCliDir(), 'bundle', 'templates', 'typescript')): Record<string, string> {
  const versions = (pkg: string): string => {
    const require = createRequire(join(BENCH_DIR, 'package.json'));
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  };
  const packageJson = JSON.parse(readFileSync(join(templateDir, 'package.json'), 'utf8').replace('{{ $base }}', name)) as Record<string, unknown>;
  // What the template's post hook installs (`npm install cdktf constructs@10`, `-D @types/node typescript ts-node …`),
  // plus the prebuilt providers the app imports; here they resolve through the symlinked node_modules.
  packageJson['dependencies'] = {
    '@cdktf/provider-aws': versions('@cdktf/provider-aws'),
    '@cdktf/provider-github': versions('@cdktf/provider-github'),
    cdktf: versions('cdktf'),
    constructs: versions('constructs'),
  };
  packageJson['devDependencies'] = {
    '@types/node': versions('@types/node'),
    'ts-node': versions('ts-node'),
    typescript: versions('typescript'),
  };
  const cdktfJson = readFileSync(join(templateDir, 'cdktf.json'), 'utf8')
    .replace('{{projectId}}', `keyless-bench-${name}`)
    .replace('{{sendCrashReports}}', 'false')
    .replace('{{futureFlags}}\n', '');
  JSON.parse(cdktfJson); // the template must still be JSON after the substitutions
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'cdktf.json': cdktfJson,
    'tsconfig.json': readFileSync(join(templateDir, 'tsconfig.json'), 'utf8'),
  };
}

/**
 * Writes a ready-to-synth stock project to `dir`: the template files, `main.ts`, `model.json`, and a
 * `node_modules` symlink to the bench package's (nothing is installed per run).
 */
export function writeStockApp(dir: string, model: StockModel, name = 'stock'): void {
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(stockProjectFiles(name))) writeFileSync(join(dir, file), text);
  copyFileSync(STOCK_MAIN, join(dir, 'main.ts'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(BENCH_DIR, 'node_modules'), join(dir, 'node_modules'), 'dir');
}
