import type { S3BucketConfig } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import type { S3BucketOwnershipControlsConfig } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import type { S3BucketPolicyConfig } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import type { S3BucketPublicAccessBlockConfig } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import type { S3BucketServerSideEncryptionConfigurationAConfig } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import type { S3BucketVersioningAConfig } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { stateBucketPolicy, tlsOnlyBucketPolicy } from './state-bucket-policy.js';
import { Ref, documentWithRefs, resource } from './values.js';
import type { ResourceBlueprint } from './values.js';

/** The bucket that holds Terraform state. */
export interface StateBucketSpec {
  readonly bucketName: string;
  /** Keep the bucket when the stack is destroyed with objects inside. */
  readonly preventDestroyWithState: boolean;
  readonly tags?: Readonly<Record<string, string>>;
  /** The customer managed key of the bucket: a ref to the stack's key, or an ARN. */
  readonly kmsKeyArn?: string | Ref;
  /** The only principals that may reach the bucket; requires `kmsKeyArn`. */
  readonly allowedPrincipalArns?: readonly string[];
}

/**
 * The bucket (`<base>/bucket`), versioned, encrypted with SSE-KMS, closed to the public, owner-enforced, and its
 * policy (`<base>/tls-only`): TLS only, and with a key and principals, only those principals and that key.
 */
export function stateBucketResources(base: readonly string[], spec: StateBucketSpec): ResourceBlueprint[] {
  const path = [...base, 'bucket'];
  const bucket = new Ref(path, 'id');
  const kmsKeyArn = spec.kmsKeyArn;
  const allowed = spec.allowedPrincipalArns;
  return [
    resource<S3BucketConfig>('aws_s3_bucket', path, {
      bucket: spec.bucketName,
      forceDestroy: !spec.preventDestroyWithState,
      ...(spec.tags ? { tags: spec.tags } : {}),
      lifecycle: { preventDestroy: spec.preventDestroyWithState },
    }),
    resource<S3BucketVersioningAConfig>('aws_s3_bucket_versioning', [...base, 'versioning'], { bucket, versioningConfiguration: { status: 'Enabled' } }),
    resource<S3BucketServerSideEncryptionConfigurationAConfig>('aws_s3_bucket_server_side_encryption_configuration', [...base, 'encryption'], {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', ...(kmsKeyArn !== undefined ? { kmsMasterKeyId: kmsKeyArn } : {}) }, bucketKeyEnabled: true }],
    }),
    resource<S3BucketPublicAccessBlockConfig>('aws_s3_bucket_public_access_block', [...base, 'public-access-block'], {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    resource<S3BucketOwnershipControlsConfig>('aws_s3_bucket_ownership_controls', [...base, 'ownership'], { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } }),
    // The id predates the pipeline statements; kept so that an existing policy is updated in place.
    resource<S3BucketPolicyConfig>('aws_s3_bucket_policy', [...base, 'tls-only'], {
      bucket,
      policy: documentWithRefs((ref) => {
        const arn = ref(new Ref(path, 'arn'));
        if (allowed === undefined || kmsKeyArn === undefined) return tlsOnlyBucketPolicy(arn);
        return stateBucketPolicy(arn, { allowedPrincipalArns: allowed, kmsKeyArn: typeof kmsKeyArn === 'string' ? kmsKeyArn : ref(kmsKeyArn) });
      }),
    }),
  ];
}
