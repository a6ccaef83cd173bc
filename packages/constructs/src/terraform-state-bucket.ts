import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { Construct } from 'constructs';
import { stateBucketPolicy, tlsOnlyBucketPolicy } from './state-bucket-policy.js';

export interface TerraformStateBucketProps {
  /** Globally unique bucket name: 3 to 63 lowercase letters, digits, dots and hyphens. */
  readonly bucketName: string;
  /**
   * Keep the bucket when the stack is destroyed with objects inside.
   * @default true
   */
  readonly preventDestroyWithState?: boolean;
  /**
   * Tags of the bucket.
   * @default - no tags
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Encrypt with this customer managed KMS key (bucket default, and the only key a write may name) instead of
   * the AWS managed `aws/s3` key.
   * @default - SSE-KMS with the AWS managed key
   */
  readonly kmsKeyArn?: string;
  /**
   * The only principals that may reach the bucket (ArnLike patterns of `aws:PrincipalArn`); everyone else is
   * denied by the bucket policy, whatever their own policies allow. Requires `kmsKeyArn`.
   * @default - no principal restriction beyond IAM
   */
  readonly allowedPrincipalArns?: readonly string[];
}

const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The S3 bucket that holds Terraform state: versioned (state history survives a bad apply), encrypted,
 * closed to the public, owner-enforced, and reachable only over TLS. Locking uses S3 lock files
 * (`use_lockfile`), so no DynamoDB table is needed. With `kmsKeyArn` and `allowedPrincipalArns` (the bootstrap
 * stack sets both) it is encrypted with that customer managed key and only those principals reach it.
 */
export class TerraformStateBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: TerraformStateBucketProps) {
    super(scope, id);
    if (!BUCKET_NAME.test(props.bucketName) || props.bucketName.includes('..')) {
      throw new Error(`bucketName: "${props.bucketName}": an S3 bucket name has 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit`);
    }
    if (props.allowedPrincipalArns !== undefined && props.kmsKeyArn === undefined) {
      throw new Error('allowedPrincipalArns: set kmsKeyArn too; the pipeline principals and the customer managed key go together');
    }
    if (props.allowedPrincipalArns !== undefined && props.allowedPrincipalArns.length === 0) {
      throw new Error('allowedPrincipalArns: an empty list would deny everyone, the pipeline included; name at least one principal');
    }
    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      forceDestroy: !(props.preventDestroyWithState ?? true),
      ...(props.tags ? { tags: { ...props.tags } } : {}),
      lifecycle: { preventDestroy: props.preventDestroyWithState ?? true },
    });
    new S3BucketVersioningA(this, 'versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', ...(props.kmsKeyArn !== undefined ? { kmsMasterKeyId: props.kmsKeyArn } : {}) },
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    // The id predates the pipeline statements; kept so that an existing policy is updated in place.
    new S3BucketPolicy(this, 'tls-only', {
      bucket: this.bucket.id,
      policy: JSON.stringify(
        props.allowedPrincipalArns !== undefined && props.kmsKeyArn !== undefined
          ? stateBucketPolicy(this.bucket.arn, { allowedPrincipalArns: props.allowedPrincipalArns, kmsKeyArn: props.kmsKeyArn })
          : tlsOnlyBucketPolicy(this.bucket.arn),
      ),
    });
  }

  get bucketName(): string {
    return this.bucket.bucket;
  }

  get arn(): string {
    return this.bucket.arn;
  }
}

