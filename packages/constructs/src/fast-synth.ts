/**
 * The fast synthesizer: renders the Terraform JSON of `KeylessStack` and `BootstrapStack` straight from the
 * access model, without building a construct tree and without importing cdktf. The output is byte-identical
 * to what cdktf synthesizes from the constructs (logical ids, metadata, key order and formatting included);
 * tests compare the two on the example apps and on generated organisations. It exists for organisations
 * with thousands of repositories, where the construct tree costs tens of seconds and gigabytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrapVariableNames, buildTrustPolicy } from '@keyless/policy';
import type { AccessModel, BootstrapAccount, RepositoryModel, RoleModel } from '@keyless/policy';
import { stateBucketPolicy, stateKeyDescription, stateKeyPolicy } from './state-bucket-policy.js';
import { escapeTerraformMap, escapeTerraformTemplate as lit, terraformExpression, trustPolicyJson } from './terraform-escape.js';
import { keylessStack } from './blueprint/keyless-stack.js';
import { printStack } from './printer/print-stack.js';

/** The versions cdktf writes; the equivalence tests fail when the installed packages disagree. */
export const CDKTF_VERSION = '0.21.0';
export const AWS_PROVIDER = { source: 'aws', version: '5.100.0' } as const;
export const GITHUB_PROVIDER = { source: 'integrations/github', version: '6.9.0' } as const;

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object of a synthesized stack. */
export type Block = { [key: string]: Json };

/** cdktf's logical id: the construct path below the stack, cleaned, plus 8 hex digits of its MD5. */
export function logicalId(components: readonly string[]): string {
  const parts = components.filter((c) => c !== 'Default');
  if (parts.length === 1) {
    const only = clean(parts[0] ?? '');
    if (only.length <= 255) return only;
  }
  const hash = createHash('md5').update(parts.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human: string[] = [];
  for (const part of parts) {
    const last = human[human.length - 1];
    if (last === undefined || !last.endsWith(part)) human.push(part);
  }
  return `${human.filter((p) => p !== 'Resource').map(clean).join('_').slice(0, 240)}_${hash}`;
}

function clean(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '');
}

/** A construct id as `constructs` stores it: "/" becomes "--". */
function cid(id: string): string {
  return id.replace(/\//g, '--');
}

/** Collects the resources of one stack the way cdktf lays them out. */
class StackWriter {
  readonly resources: Record<string, Record<string, Block>> = {};
  constructor(readonly stackId: string) {}

  add(type: string, path: readonly string[], attributes: Block): string {
    const ids = path.map(cid);
    const id = logicalId(ids);
    const byType = (this.resources[type] ??= {});
    if (byType[id]) throw new Error(`two resources would share the address ${type}.${id}`);
    byType[id] = { '//': { metadata: { path: [this.stackId, ...ids].join('/'), uniqueId: id } }, ...attributes };
    return id;
  }
}

function ref(type: string, id: string, attribute: string): string {
  return `\${${type}.${id}.${attribute}}`;
}

export type BackendChoice = 'auto' | 'local' | 's3';

export interface FastStackOptions {
  /** @default 'auto' */
  readonly backend?: BackendChoice;
}

// Every string taken from the model goes through lit() (escapeTerraformTemplate): Terraform reads each as a
// template. Only ref() strings, which keyless writes, are left as they are.
function renderRole(w: StackWriter, base: readonly string[], model: AccessModel, role: RoleModel, providerArn: string): string {
  const path = [...base, `role-${role.key}`];
  const trust = buildTrustPolicy({
    providerArn,
    dangerouslyAllowGithubAudience: model.github.dangerouslyAllowGithubAudience === true,
    conditionKeyPrefix: model.github.resolvedIssuer.conditionKeyPrefix,
    subjects: role.claims,
    audiences: model.github.audiences,
    maxChars: model.aws.trustPolicyMaxChars,
    label: `role ${role.name}`,
    // buildAccessModel has checked the size of these very subjects with the provider's real ARN.
    checkSize: false,
  });
  const tags = escapeTerraformMap(role.tags);
  // The provider ARN is keyless' own reference when it creates the provider, else the config's existing ARN.
  const principal = 'create' in model.aws.oidcProvider ? terraformExpression(providerArn) : model.aws.oidcProvider.existingArn;
  const roleId = w.add('aws_iam_role', [...path, 'role'], {
    assume_role_policy: trustPolicyJson(trust, principal),
    description: lit(role.description),
    force_detach_policies: true,
    max_session_duration: role.maxSessionDurationSeconds,
    name: lit(role.name),
    path: lit(role.path),
    ...(role.permissionsBoundaryArn !== undefined ? { permissions_boundary: lit(role.permissionsBoundaryArn) } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
  });
  for (const arn of role.managedPolicyArns) {
    w.add('aws_iam_role_policy_attachment', [...path, `managed-${arn.split(':')[4]}-${arn.slice(arn.indexOf(':policy/') + 8)}`], {
      policy_arn: lit(arn),
      role: ref('aws_iam_role', roleId, 'name'),
    });
  }
  for (const policy of role.inlinePolicies) {
    w.add('aws_iam_role_policy', [...path, `inline-${policy.name}`], {
      name: lit(policy.name),
      policy: lit(policy.json),
      role: ref('aws_iam_role', roleId, 'id'),
    });
  }
  return roleId;
}

function renderRepository(w: StackWriter, model: AccessModel, repo: RepositoryModel, providerArn: string, roleArns: Record<string, string>): void {
  const base = [`repo-${repo.key}`];
  const roleIds = new Map<string, string>();
  for (const role of repo.roles) {
    const id = renderRole(w, base, model, role, providerArn);
    roleIds.set(role.key, id);
    roleArns[lit(role.name)] = ref('aws_iam_role', id, 'arn');
  }
  const environments = new Map<string, string>();
  for (const env of repo.environments) {
    const envPath = [...base, `environment-${env.name}`];
    const hasReviewers = env.reviewerUserIds.length + env.reviewerTeamIds.length > 0;
    const branches = env.deploymentBranches;
    const id = w.add('github_repository_environment', [...envPath, 'environment'], {
      can_admins_bypass: env.canAdminsBypass,
      ...(branches === 'all'
        ? {}
        : { deployment_branch_policy: { custom_branch_policies: branches !== 'protected', protected_branches: branches === 'protected' } }),
      environment: lit(env.name),
      prevent_self_review: env.preventSelfReview,
      repository: lit(repo.key),
      ...(hasReviewers ? { reviewers: [{ teams: [...env.reviewerTeamIds], users: [...env.reviewerUserIds] }] } : {}),
      ...(env.waitTimerMinutes !== undefined ? { wait_timer: env.waitTimerMinutes } : {}),
    });
    environments.set(env.name, id);
    if (Array.isArray(branches)) {
      for (const pattern of branches) {
        w.add('github_repository_environment_deployment_policy', [...envPath, `branch-${pattern}`], {
          branch_pattern: lit(pattern),
          environment: ref('github_repository_environment', id, 'environment'),
          repository: lit(repo.key),
        });
      }
    }
  }
  if (repo.subjectClaimKeys && repo.manageSubjectTemplate) {
    w.add('github_actions_repository_oidc_subject_claim_customization_template', [...base, 'subject-template', 'template'], {
      include_claim_keys: repo.subjectClaimKeys.map(lit),
      repository: lit(repo.key),
      use_default: false,
    });
  }
  for (const v of repo.variables) {
    const value = v.value.kind === 'region' ? lit(model.aws.region) : roleArns[repo.roles.find((r) => r.key === (v.value as { role: string }).role)?.name ?? ''];
    if (value === undefined) throw new Error(`variables: "${v.name}" refers to a role the repository does not declare`);
    const group = v.repository === repo.key ? 'variables' : `variables-for-${v.repository}`;
    if (v.environment === undefined) {
      w.add('github_actions_variable', [...base, group, `repository-${v.name}`], { repository: lit(v.repository), value, variable_name: lit(v.name) });
    } else {
      const env = v.repository === repo.key ? environments.get(v.environment) : undefined;
      w.add('github_actions_environment_variable', [...base, group, `environment-${v.environment}-${v.name}`], {
        ...(env ? { depends_on: [`github_repository_environment.${env}`] } : {}),
        environment: lit(v.environment),
        repository: lit(v.repository),
        value,
        variable_name: lit(v.name),
      });
    }
  }
}

interface RenderedStack {
  readonly id: string;
  readonly json: Block;
}

function renderStack(stackId: string, model: AccessModel, options: FastStackOptions, extra?: (w: StackWriter, outputs: Block) => void): RenderedStack {
  const w = new StackWriter(stackId);
  let providerArn: string;
  if ('create' in model.aws.oidcProvider) {
    const id = w.add('aws_iam_openid_connect_provider', ['github-oidc', 'provider'], {
      client_id_list: model.github.audiences.map(lit),
      url: lit(model.github.resolvedIssuer.url),
    });
    providerArn = ref('aws_iam_openid_connect_provider', id, 'arn');
  } else providerArn = lit(model.aws.oidcProvider.existingArn);
  const roleArns: Record<string, string> = {};
  for (const repo of model.repositories) renderRepository(w, model, repo, providerArn, roleArns);

  const outputs: Block = { oidc_provider_arn: { value: providerArn }, role_arns: { value: roleArns } };
  extra?.(w, outputs);

  const backendChoice = options.backend ?? 'auto';
  const s3 = backendChoice === 's3' || (backendChoice === 'auto' && model.state !== undefined);
  if (s3 && !model.state) throw new Error('backend: "s3": the config has no state entry naming the bucket');
  const backend: Block = s3 && model.state
    ? { s3: { bucket: lit(model.state.bucket), key: lit(`${model.state.keyPrefix}/${stackId}.tfstate`), region: lit(model.state.region), use_lockfile: true } }
    : { local: { path: lit(`terraform.${stackId}.tfstate`) } };
  const json: Block = {
    '//': {
      metadata: {
        backend: s3 ? 's3' : 'local',
        ...(s3 ? { overrides: { stack: ['terraform'] } } : {}),
        stackName: stackId,
        version: CDKTF_VERSION,
      },
      outputs: { [stackId]: Object.fromEntries(Object.keys(outputs).map((k) => [k, k])) },
    },
    output: outputs,
    provider: {
      aws: [
        {
          allowed_account_ids: [lit(model.aws.accountId)],
          default_tags: [{ tags: escapeTerraformMap({ 'keyless:managed-by': 'keyless', ...model.aws.tags }) }],
          region: lit(model.aws.region),
        },
      ],
      github: [{ owner: lit(model.github.owner) }],
    },
    resource: w.resources,
    terraform: { backend, required_providers: { aws: { ...AWS_PROVIDER }, github: { ...GITHUB_PROVIDER } } },
  };
  return { id: stackId, json };
}

/** The Terraform JSON that `KeylessStack` synthesizes for this model. */
export function renderKeylessStack(stackId: string, model: AccessModel, options: FastStackOptions = {}): Block {
  return printStack(keylessStack(stackId, model, options.backend ?? 'auto'));
}

/** The Terraform JSON that `BootstrapStack` synthesizes for this account. */
export function renderBootstrapStack(stackId: string, model: AccessModel, account: BootstrapAccount, infraRepository: string, options: FastStackOptions = {}): Block {
  return renderStack(stackId, model, options, (w, outputs) => {
    const roleArns = (outputs['role_arns'] as { value: Record<string, string> }).value;
    const roleArn = (key: string): string => {
      const role = model.repositories.find((r) => r.key === infraRepository)?.roles.find((r) => r.key === key);
      const arn = role ? roleArns[role.name] : undefined;
      if (arn === undefined) throw new Error(`account ${account.key}: the infra repository has no ${key} role`);
      return arn;
    };
    const keyId = w.add('aws_kms_key', ['state-key'], {
      deletion_window_in_days: 30,
      description: stateKeyDescription(account.stateBucket),
      enable_key_rotation: true,
      lifecycle: { prevent_destroy: true },
      policy: JSON.stringify(
        stateKeyPolicy({
          accountRootArn: `arn:aws:iam::${model.aws.accountId}:root`,
          region: model.aws.region,
          readerArns: [roleArn('plan'), roleArn('drift')],
          writerArns: [roleArn('apply'), roleArn('bootstrap-apply')],
          administratorArns: [account.roleArns.bootstrapApply, ...account.breakGlassPrincipalArns],
          breakGlassArns: account.breakGlassPrincipalArns,
        }),
      ),
    });
    const keyArn = ref('aws_kms_key', keyId, 'arn');
    const bucketId = w.add('aws_s3_bucket', ['state', 'bucket'], {
      bucket: lit(account.stateBucket),
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    const bucket = ref('aws_s3_bucket', bucketId, 'id');
    w.add('aws_s3_bucket_versioning', ['state', 'versioning'], { bucket, versioning_configuration: { status: 'Enabled' } });
    w.add('aws_s3_bucket_server_side_encryption_configuration', ['state', 'encryption'], {
      bucket,
      rule: [{ apply_server_side_encryption_by_default: { kms_master_key_id: keyArn, sse_algorithm: 'aws:kms' }, bucket_key_enabled: true }],
    });
    w.add('aws_s3_bucket_public_access_block', ['state', 'public-access-block'], {
      block_public_acls: true,
      block_public_policy: true,
      bucket,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    w.add('aws_s3_bucket_ownership_controls', ['state', 'ownership'], { bucket, rule: { object_ownership: 'BucketOwnerEnforced' } });
    const arn = ref('aws_s3_bucket', bucketId, 'arn');
    const r = account.roleArns;
    w.add('aws_s3_bucket_policy', ['state', 'tls-only'], {
      bucket,
      policy: JSON.stringify(stateBucketPolicy(arn, { allowedPrincipalArns: [r.plan, r.drift, r.apply, r.bootstrapApply, ...account.breakGlassPrincipalArns], kmsKeyArn: keyArn })),
    });
    const boundaryId = w.add('aws_iam_policy', ['boundary'], {
      description: 'Permissions boundary of every product role keyless manages: nothing of the pipeline, no unbounded principal',
      name: account.boundaryPolicy.name,
      path: account.boundaryPolicy.path,
      policy: JSON.stringify(account.boundaryPolicy.document),
    });
    const names = bootstrapVariableNames(account.key);
    w.add('github_actions_variable', ['pipeline-variables', `repository-${names.stateBucket}`], {
      repository: lit(infraRepository),
      value: lit(account.stateBucket),
      variable_name: lit(names.stateBucket),
    });
    const settings = account.repositorySettings;
    if (settings) {
      w.add('github_repository_ruleset', ['repository-settings', 'ruleset'], {
        conditions: { ref_name: { exclude: [], include: ['~DEFAULT_BRANCH'] } },
        enforcement: 'active',
        name: 'keyless pipeline',
        repository: settings.repository,
        rules: {
          deletion: true,
          non_fast_forward: true,
          pull_request: {
            dismiss_stale_reviews_on_push: true,
            require_code_owner_review: true,
            require_last_push_approval: true,
            required_approving_review_count: settings.requiredApprovingReviewCount,
            required_review_thread_resolution: true,
          },
          required_status_checks: {
            required_check: settings.requiredChecks.map((context) => ({ context, integration_id: settings.integrationId })),
            strict_required_status_checks_policy: true,
          },
        },
        target: 'branch',
      });
      w.add('github_workflow_repository_permissions', ['repository-settings', 'workflow-permissions'], {
        can_approve_pull_request_reviews: false,
        default_workflow_permissions: 'read',
        repository: settings.repository,
      });
      w.add('github_actions_repository_permissions', ['repository-settings', 'actions-permissions'], {
        allowed_actions: 'selected',
        allowed_actions_config: { github_owned_allowed: true, patterns_allowed: [...settings.allowedActions], verified_allowed: false },
        enabled: true,
        repository: settings.repository,
      });
    }
    outputs['state_bucket'] = { value: ref('aws_s3_bucket', bucketId, 'bucket') };
    outputs['state_key_arn'] = { value: keyArn };
    outputs['boundary_policy_arn'] = { value: ref('aws_iam_policy', boundaryId, 'arn') };
  }).json;
}

/**
 * JSON with sorted keys and two-space indentation, formatted exactly as json-stable-stringify (which cdktf
 * uses) formats it, empty arrays and objects included. It sorts a copy and lets the native JSON.stringify do
 * the writing, which is about twice as fast on a stack of tens of megabytes. Two things native JSON cannot
 * write that way are written beforehand and put in through placeholders: empty containers (native writes
 * `[]`, the library `[` newline `]`) and objects with integer-like keys (which JavaScript orders first).
 * A placeholder starts with U+0000, which no value keyless writes can contain (policy text, names and
 * descriptions are validated to printable characters).
 */
export function stableJson(value: unknown): string {
  const prewritten: string[] = [];
  return JSON.stringify(sortedCopy(value, 0, prewritten), null, 2).replace(PLACEHOLDER, (_m, index: string) => prewritten[Number(index)] ?? '');
}

const PLACEHOLDER = /"\\u0000(\d+)"/g;
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

function sortedCopy(value: unknown, level: number, prewritten: string[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return placeholder(prewritten, writeSorted(value, level));
    return value.map((item) => (item === undefined || typeof item === 'function' ? null : sortedCopy(item, level + 1, prewritten)));
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  if (keys.some((k) => INDEX_KEY.test(k))) return placeholder(prewritten, writeSorted(value, level));
  // No prototype, so that a key named __proto__ is an ordinary key.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let empty = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined || typeof item === 'function') continue;
    out[key] = sortedCopy(item, level + 1, prewritten);
    empty = false;
  }
  return empty ? placeholder(prewritten, writeSorted(value, level)) : out;
}

function placeholder(prewritten: string[], text: string): string {
  prewritten.push(text);
  return `\u0000${prewritten.length - 1}`;
}

/** The plain recursive writer, json-stable-stringify's format; used for the parts native JSON cannot write. */
function writeSorted(value: unknown, level: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = `\n${'  '.repeat(level + 1)}`;
  const close = `\n${'  '.repeat(level)}`;
  if (Array.isArray(value)) {
    const items = value.map((item) => `${inner}${item === undefined || typeof item === 'function' ? 'null' : writeSorted(item, level + 1)}`);
    return `[${items.join(',')}${close}]`;
  }
  const record = value as Record<string, unknown>;
  const items: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined || typeof item === 'function') continue;
    items.push(`${inner}${JSON.stringify(key)}: ${writeSorted(item, level + 1)}`);
  }
  return `{${items.join(',')}${close}}`;
}

/** Writes stacks the way `App.synth()` lays them out: `manifest.json` and `stacks/<id>/cdk.tf.json`. */
export function writeSynthesized(outdir: string, stacks: readonly { readonly id: string; readonly json: object }[]): void {
  const manifest = {
    stacks: Object.fromEntries(
      stacks.map((s) => [
        s.id,
        {
          annotations: [],
          constructPath: s.id,
          dependencies: [],
          name: s.id,
          stackMetadataPath: `stacks/${s.id}/metadata.json`,
          synthesizedStackPath: `stacks/${s.id}/cdk.tf.json`,
          workingDirectory: `stacks/${s.id}`,
        },
      ]),
    ),
    version: CDKTF_VERSION,
  };
  mkdirSync(outdir, { recursive: true });
  for (const s of stacks) {
    mkdirSync(join(outdir, 'stacks', s.id), { recursive: true });
    writeFileSync(join(outdir, 'stacks', s.id, 'cdk.tf.json'), stableJson(s.json));
  }
  writeFileSync(join(outdir, 'manifest.json'), stableJson(manifest));
}
