import type { IamOpenidConnectProviderConfig } from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import type { ResolvedIssuer } from '@keyless/policy';
import { Ref, resource } from './values.js';
import type { ResourceBlueprint } from './values.js';

/** The OIDC provider of a stack: created, or an existing one referred to by its ARN. */
export interface OidcProviderSpec {
  readonly issuer: ResolvedIssuer;
  /** The audiences, sorted and unique. */
  readonly audiences: readonly string[];
  /** Whether GitHub's default audience may be among them (the roles' trust policies need to know). */
  readonly allowGithubAudience: boolean;
  /** The ARN of the provider that already exists in the account: nothing is created. */
  readonly existingArn?: string;
  /** Tags of a created provider. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The provider's resource, at `<base>/provider`, unless it exists already. */
export function oidcProviderResources(base: readonly string[], spec: OidcProviderSpec): ResourceBlueprint[] {
  if (spec.existingArn !== undefined) return [];
  return [
    resource<IamOpenidConnectProviderConfig>('aws_iam_openid_connect_provider', [...base, 'provider'], {
      url: spec.issuer.url,
      clientIdList: spec.audiences,
      ...(spec.tags && Object.keys(spec.tags).length > 0 ? { tags: spec.tags } : {}),
    }),
  ];
}

/** The provider's ARN: a ref to the provider created at `base`, or the existing provider's ARN. */
export function oidcProviderArn(base: readonly string[], spec: OidcProviderSpec): string | Ref {
  return spec.existingArn ?? new Ref([...base, 'provider'], 'arn');
}
