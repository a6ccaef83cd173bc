import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { Construct } from 'constructs';
import { checkBucketName } from '@keyless/policy';
import { stateBucketResources } from '../blueprint/state-bucket.js';
import type { StateBucketSpec } from '../blueprint/state-bucket.js';
import { preparedSpec } from './prepared.js';
import { Reader } from './reader.js';

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

/**
 * The S3 bucket that holds Terraform state: versioned (state history survives a bad apply), encrypted,
 * closed to the public, owner-enforced, and reachable only over TLS. Locking uses S3 lock files
 * (`use_lockfile`), so no DynamoDB table is needed. With `kmsKeyArn` and `allowedPrincipalArns` (the bootstrap
 * stack sets both) it is encrypted with that customer managed key and only those principals reach it.
 */
export class TerraformStateBucket extends Construct {
  /** The `aws_s3_bucket` resource. */
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: TerraformStateBucketProps) {
    super(scope, id);
    const spec = preparedSpec<StateBucketSpec>(props) ?? bucketSpec(this.node.path, props);
    const [bucket] = new Reader(this).build(this, (base) => stateBucketResources(base, spec), [
      S3Bucket,
      S3BucketVersioningA,
      S3BucketServerSideEncryptionConfigurationA,
      S3BucketPublicAccessBlock,
      S3BucketOwnershipControls,
      S3BucketPolicy,
    ]);
    this.bucket = bucket as S3Bucket;
  }

  /** The bucket's name, a Terraform reference. */
  get bucketName(): string {
    return this.bucket.bucket;
  }

  /** The bucket's ARN, a Terraform reference. */
  get bucketArn(): string {
    return this.bucket.arn;
  }

  /** @deprecated use `bucketArn` */
  get arn(): string {
    return this.bucketArn;
  }
}

function bucketSpec(at: string, props: TerraformStateBucketProps): StateBucketSpec {
  const bucketProblem = checkBucketName(props.bucketName);
  if (bucketProblem) throw new Error(`${at}: bucketName: "${props.bucketName}": ${bucketProblem}`);
  if (props.allowedPrincipalArns !== undefined && props.kmsKeyArn === undefined) {
    throw new Error(`${at}: allowedPrincipalArns: set kmsKeyArn too; the pipeline principals and the customer managed key go together`);
  }
  if (props.allowedPrincipalArns !== undefined && props.allowedPrincipalArns.length === 0) {
    throw new Error(`${at}: allowedPrincipalArns: an empty list would deny everyone, the pipeline included; name at least one principal`);
  }
  return {
    bucketName: props.bucketName,
    preventDestroyWithState: props.preventDestroyWithState ?? true,
    ...(props.tags ? { tags: props.tags } : {}),
    ...(props.kmsKeyArn !== undefined ? { kmsKeyArn: props.kmsKeyArn } : {}),
    ...(props.allowedPrincipalArns !== undefined ? { allowedPrincipalArns: props.allowedPrincipalArns } : {}),
  };
}
