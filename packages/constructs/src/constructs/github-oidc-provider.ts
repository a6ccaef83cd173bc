import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import { DEFAULT_AUDIENCE, checkAudience, checkPartition, oidcProviderArn, resolveIssuer } from '@keyless/policy';
import type { GithubIssuer, ResolvedIssuer } from '@keyless/policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { IConstruct } from 'constructs';
import { oidcProviderArn as providerArnOf, oidcProviderResources } from '../blueprint/oidc-provider.js';
import type { OidcProviderSpec } from '../blueprint/oidc-provider.js';
import { prepared, preparedSpec } from './prepared.js';
import { Reader } from './reader.js';

/** An IAM OIDC provider for GitHub Actions tokens, created in this app or imported by its ARN. */
export interface IGithubOidcProvider extends IConstruct {
  /** ARN of the provider; a Terraform reference when the provider is created in this app. */
  readonly oidcProviderArn: string;
  /** Issuer URL, condition-key prefix and capabilities. */
  readonly issuer: ResolvedIssuer;
  /** The audiences the provider accepts, sorted. */
  readonly audiences: readonly string[];
  /** Whether GitHub's default audience may be among them (the roles' trust policies need to know). */
  readonly allowGithubAudience: boolean;
}

/** What a provider is: the issuer and the audiences, for a created provider and an imported one alike. */
export interface GithubOidcProviderOptions {
  /**
   * Which GitHub issues the tokens.
   * @default - github.com (`https://token.actions.githubusercontent.com`)
   */
  readonly issuer?: GithubIssuer;
  /**
   * The audiences (client ids) the provider accepts. Only these; the owner URL audience is never added.
   * @default ['sts.amazonaws.com']
   */
  readonly audiences?: readonly string[];
  /**
   * Accept GitHub's default audience (`https://github.com/<owner>`) among `audiences`. Every token a workflow
   * requests without naming an audience carries it, including tokens meant for other services, so whoever
   * receives one could use it here.
   * @default false
   */
  readonly dangerouslyAllowGithubAudience?: boolean;
}

export interface GithubOidcProviderProps extends GithubOidcProviderOptions {
  /**
   * Tags of the provider.
   * @default - no tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The IAM OIDC identity provider that lets AWS STS trust GitHub Actions tokens. AWS verifies GitHub's
 * certificate through its own trust store, so no thumbprint is set and none can churn. An account holds one
 * provider per issuer URL: a second stack imports it with `GithubOidcProvider.fromProviderArn`.
 */
export class GithubOidcProvider extends Construct implements IGithubOidcProvider {
  /**
   * The provider that already exists in the account, by its ARN: nothing is created.
   * @param options the issuer and audiences the provider has, which the roles' trust policies use
   */
  static fromProviderArn(scope: Construct, id: string, providerArn: string, options: GithubOidcProviderOptions = {}): IGithubOidcProvider {
    const spec = providerSpec(`${scope.node.path}/${id}`, options);
    if (!Token.isUnresolved(providerArn)) {
      const suffix = `:oidc-provider/${spec.issuer.conditionKeyPrefix}`;
      if (!/^arn:[a-z-]+:iam::[0-9]{12}:oidc-provider\//.test(providerArn) || !providerArn.endsWith(suffix)) {
        throw new Error(`${scope.node.path}/${id}: providerArn: "${providerArn}" is not the ARN of a provider for ${spec.issuer.url}; expected arn:PARTITION:iam::ACCOUNT${suffix}`);
      }
      const problem = checkPartition(providerArn.split(':')[1] ?? '');
      if (problem) throw new Error(`${scope.node.path}/${id}: providerArn: "${providerArn}": ${problem}`);
    }
    return new ImportedGithubOidcProvider(scope, id, { ...spec, existingArn: providerArn });
  }

  readonly oidcProviderArn: string;
  readonly issuer: ResolvedIssuer;
  readonly audiences: readonly string[];
  readonly allowGithubAudience: boolean;
  /** The `aws_iam_openid_connect_provider` resource. */
  readonly resource: IamOpenidConnectProvider;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps = {}) {
    super(scope, id);
    const spec = preparedSpec<OidcProviderSpec>(props) ?? { ...providerSpec(this.node.path, props), ...(props.tags ? { tags: props.tags } : {}) };
    this.issuer = spec.issuer;
    this.audiences = spec.audiences;
    this.allowGithubAudience = spec.allowGithubAudience;
    const [resource] = new Reader(this).build(this, (base) => oidcProviderResources(base, spec), [IamOpenidConnectProvider]);
    this.resource = resource as IamOpenidConnectProvider;
    this.oidcProviderArn = this.resource.arn;
  }

  /** @deprecated use `oidcProviderArn` */
  get arn(): string {
    return this.oidcProviderArn;
  }

  /** The ARN the provider will have in an account, for sizing and reports. */
  predictedArn(partition: string, accountId: string): string {
    return oidcProviderArn(partition, accountId, this.issuer.url);
  }
}

/** An existing provider, imported by its ARN. */
class ImportedGithubOidcProvider extends Construct implements IGithubOidcProvider {
  readonly oidcProviderArn: string;
  readonly issuer: ResolvedIssuer;
  readonly audiences: readonly string[];
  readonly allowGithubAudience: boolean;

  constructor(scope: Construct, id: string, spec: OidcProviderSpec & { readonly existingArn: string }) {
    super(scope, id);
    this.oidcProviderArn = spec.existingArn;
    this.issuer = spec.issuer;
    this.audiences = spec.audiences;
    this.allowGithubAudience = spec.allowGithubAudience;
  }
}

/** The provider of a blueprint spec: created, or imported when the spec names an existing ARN (the model checked it). */
export function githubOidcProviderFromSpec(scope: Construct, id: string, spec: OidcProviderSpec): IGithubOidcProvider {
  const existing = providerArnOf([], spec);
  return typeof existing === 'string' ? new ImportedGithubOidcProvider(scope, id, { ...spec, existingArn: existing }) : new GithubOidcProvider(scope, id, prepared(spec));
}

function providerSpec(path: string, options: GithubOidcProviderOptions): OidcProviderSpec {
  let issuer: ResolvedIssuer;
  try {
    issuer = resolveIssuer(options.issuer);
  } catch (error) {
    throw new Error(`${path}: issuer: ${(error as Error).message}`);
  }
  const audiences = [...new Set(options.audiences ?? [DEFAULT_AUDIENCE])].sort();
  if (audiences.length === 0) throw new Error(`${path}: audiences: at least one audience is required`);
  const allowGithubAudience = options.dangerouslyAllowGithubAudience === true;
  for (const aud of audiences) {
    const problem = checkAudience(aud, { ...(options.issuer ? { issuer: options.issuer } : {}), allowGithubAudience });
    if (problem) throw new Error(`${path}: audiences: ${JSON.stringify(aud)}: ${problem}`);
  }
  return { issuer, audiences, allowGithubAudience };
}
