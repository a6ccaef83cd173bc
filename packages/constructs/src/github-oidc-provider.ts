import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import { DEFAULT_AUDIENCE, checkAudience, checkPartition, oidcProviderArn, resolveIssuer } from '@keyless/policy';
import type { GithubIssuer, ResolvedIssuer } from '@keyless/policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { literal, literalMap } from './terraform-literal.js';

export interface GithubOidcProviderProps {
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
  /**
   * Refer to the provider that already exists in the account instead of creating one. An account holds one
   * provider per issuer URL, so a second stack must use this.
   * @default - a new provider is created
   */
  readonly existingProviderArn?: string;
  /**
   * Tags of a created provider.
   * @default - no tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The IAM OIDC identity provider that lets AWS STS trust GitHub Actions tokens. AWS verifies GitHub's
 * certificate through its own trust store, so no thumbprint is set and none can churn.
 */
export class GithubOidcProvider extends Construct {
  /** ARN of the provider; a Terraform reference when the provider is created here. */
  readonly arn: string;
  /** Issuer URL, condition-key prefix and capabilities. */
  readonly issuer: ResolvedIssuer;
  /** The audiences the provider accepts. */
  readonly audiences: readonly string[];
  /** Whether GitHub's default audience may be among them (the roles' trust policies need to know). */
  readonly allowGithubAudience: boolean;
  /** The created resource, when this construct creates the provider. */
  readonly resource?: IamOpenidConnectProvider;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps = {}) {
    super(scope, id);
    this.issuer = resolveIssuer(props.issuer);
    const audiences = [...new Set(props.audiences ?? [DEFAULT_AUDIENCE])].sort();
    if (audiences.length === 0) throw new Error('audiences: at least one audience is required');
    this.allowGithubAudience = props.dangerouslyAllowGithubAudience === true;
    for (const aud of audiences) {
      const problem = checkAudience(aud, { ...(props.issuer ? { issuer: props.issuer } : {}), allowGithubAudience: this.allowGithubAudience });
      if (problem) throw new Error(`audiences: ${JSON.stringify(aud)}: ${problem}`);
    }
    this.audiences = audiences;
    const existing = props.existingProviderArn;
    if (existing !== undefined) {
      if (!Token.isUnresolved(existing)) {
        const suffix = `:oidc-provider/${this.issuer.conditionKeyPrefix}`;
        if (!/^arn:[a-z-]+:iam::[0-9]{12}:oidc-provider\//.test(existing) || !existing.endsWith(suffix)) {
          throw new Error(`existingProviderArn: "${existing}" is not the ARN of a provider for ${this.issuer.url}; expected arn:PARTITION:iam::ACCOUNT${suffix}`);
        }
        const partition = existing.split(':')[1] ?? '';
        const problem = checkPartition(partition);
        if (problem) throw new Error(`existingProviderArn: "${existing}": ${problem}`);
      }
      this.arn = existing;
      return;
    }
    this.resource = new IamOpenidConnectProvider(this, 'provider', {
      url: literal(this.issuer.url),
      clientIdList: audiences.map(literal),
      ...(props.tags && Object.keys(props.tags).length > 0 ? { tags: literalMap(props.tags) } : {}),
    });
    this.arn = this.resource.arn;
  }

  /** The ARN the provider has or will have in an account, for sizing and reports. */
  predictedArn(partition: string, accountId: string): string {
    return Token.isUnresolved(this.arn) ? oidcProviderArn(partition, accountId, this.issuer.url) : this.arn;
  }
}
