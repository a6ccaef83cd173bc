import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { GithubProvider } from '@cdktf/provider-github/lib/provider/index.js';
import { buildAccessModel } from '@keyless/policy';
import type { AccessConfig, AccessModel } from '@keyless/policy';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { GithubOidcProvider } from './github-oidc-provider.js';
import { RepositoryAccess } from './repository-access.js';
import { literal, literalMap } from './terraform-literal.js';

export interface KeylessStackProps {
  /** The environment's access declaration, or a model already built from it. */
  readonly access: AccessConfig | AccessModel;
  /**
   * Where the config came from, for messages.
   * @default 'access config'
   */
  readonly source?: string;
  /**
   * Configure the Terraform backend yourself (called with the stack); overrides `backend`.
   * @default - see `backend`
   */
  readonly configureBackend?: (stack: TerraformStack) => void;
  /**
   * `s3`: the config's `state` bucket, key `<keyPrefix>/<stack id>.tfstate`, S3 lock files (`use_lockfile`),
   * encryption; `local`: a state file beside the stack (the bootstrap's first apply); `auto`: `s3` when the
   * config has `state`, else `local`.
   * @default 'auto'
   */
  readonly backend?: 'auto' | 'local' | 's3';
}

/**
 * One environment's keyless access as a Terraform stack: the AWS and GitHub providers, the OIDC provider,
 * and every repository's roles, environments and variables.
 */
export class KeylessStack extends TerraformStack {
  readonly model: AccessModel;
  readonly oidcProvider: GithubOidcProvider;
  readonly repositories: ReadonlyMap<string, RepositoryAccess>;

  constructor(scope: Construct, id: string, props: KeylessStackProps) {
    super(scope, id);
    const model = isModel(props.access) ? props.access : buildAccessModel(props.access, props.source);
    this.model = model;

    // Every string from the model reaches Terraform through literal() (see terraform-escape.ts).
    new AwsProvider(this, 'aws', {
      region: literal(model.aws.region),
      // Refuse to run against any other account: a dev config applied with prod credentials does nothing.
      allowedAccountIds: [literal(model.aws.accountId)],
      defaultTags: [{ tags: literalMap({ 'keyless:managed-by': 'keyless', ...model.aws.tags }) }],
    });
    new GithubProvider(this, 'github', { owner: literal(model.github.owner) });
    const backend = props.backend ?? 'auto';
    if (props.configureBackend) props.configureBackend(this);
    else if (backend === 's3' || (backend === 'auto' && model.state)) {
      if (!model.state) throw new Error(`backend: "s3": the config has no state entry naming the bucket`);
      new S3Backend(this, {
        bucket: literal(model.state.bucket),
        key: literal(`${model.state.keyPrefix}/${id}.tfstate`),
        region: literal(model.state.region),
        // No `encrypt`: with it terraform asks for SSE-S3 (AES256) on every write, overriding the bucket's
        // default encryption with its customer managed KMS key, which the bootstrap's bucket policy requires.
      });
      // S3 lock files replace the deprecated DynamoDB table; cdktf 0.21 has no typed option for it yet.
      this.addOverride('terraform.backend.s3.use_lockfile', true);
    } else new LocalBackend(this, { path: literal(`terraform.${id}.tfstate`) });

    this.oidcProvider = new GithubOidcProvider(this, 'github-oidc', {
      issuer: model.github.issuer,
      audiences: model.github.audiences,
      ...(model.github.dangerouslyAllowGithubAudience ? { dangerouslyAllowGithubAudience: true } : {}),
      ...('existingArn' in model.aws.oidcProvider ? { existingProviderArn: model.aws.oidcProvider.existingArn } : {}),
    });

    const repositories = new Map<string, RepositoryAccess>();
    for (const repo of model.repositories) {
      repositories.set(
        repo.key,
        new RepositoryAccess(this, `repo-${repo.key}`, {
          repository: repo,
          provider: this.oidcProvider,
          region: model.aws.region,
          trustPolicyMaxChars: model.aws.trustPolicyMaxChars,
          managedPoliciesPerRole: model.aws.managedPoliciesPerRole,
        }),
      );
    }
    this.repositories = repositories;

    new TerraformOutput(this, 'oidc_provider_arn', { value: literal(this.oidcProvider.arn) });
    new TerraformOutput(this, 'role_arns', {
      value: Object.fromEntries(
        [...repositories.values()].flatMap((r) => [...r.roles.values()]).map((role) => [role.role.nameInput ?? '', role.arn]),
      ),
    });
  }
}

function isModel(access: AccessConfig | AccessModel): access is AccessModel {
  return 'aws' in access && 'oidcProviderArn' in access.aws;
}
