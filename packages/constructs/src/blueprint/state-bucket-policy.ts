// No cdktf import here: the fast synthesizer uses it too.

/** The description of the state key. */
export function stateKeyDescription(bucket: string): string {
  return `Terraform state of the keyless pipeline (s3://${bucket})`;
}

const TLS_ONLY = (bucketArn: string) => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [bucketArn, `${bucketArn}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

/** A bucket policy that refuses every request not made over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): object {
  return { Version: '2012-10-17', Statement: [TLS_ONLY(bucketArn)] };
}

export interface StateBucketPolicyOptions {
  /**
   * The only principals that may reach the bucket at all (ArnLike patterns of `aws:PrincipalArn`): the pipeline's
   * roles and the break-glass principals. Everyone else is denied, whatever their own policies allow.
   */
  readonly allowedPrincipalArns: readonly string[];
  /** The customer managed key of the bucket: objects may be written encrypted with it, or with nothing else. */
  readonly kmsKeyArn: string;
}

/**
 * The state bucket's policy: TLS only; no principal but the pipeline's roles and the break-glass principals
 * (a read-only role of another repository holds `s3:GetObject` on `*`, and must still not read the state);
 * and no object written with any encryption but SSE-KMS under the bucket's own key (a request that names no
 * encryption gets the bucket default, which is that key).
 */
export function stateBucketPolicy(bucketArn: string, options: StateBucketPolicyOptions): object {
  const everything = [bucketArn, `${bucketArn}/*`];
  return {
    Version: '2012-10-17',
    Statement: [
      TLS_ONLY(bucketArn),
      {
        Sid: 'DenyOutsideThePipeline',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: everything,
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [...options.allowedPrincipalArns] } },
      },
      {
        Sid: 'DenyOtherEncryption',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `${bucketArn}/*`,
        Condition: { Null: { 's3:x-amz-server-side-encryption': 'false' }, StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      },
      {
        Sid: 'DenyOtherKeys',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `${bucketArn}/*`,
        Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' }, StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': options.kmsKeyArn } },
      },
    ],
  };
}

export interface StateKeyPolicyOptions {
  /** The account's root principal, `arn:aws:iam::<account>:root`. */
  readonly accountRootArn: string;
  /** The region of the bucket: the key is used through `s3.<region>.amazonaws.com` only. */
  readonly region: string;
  /** Roles that read the state: decrypt only. Role ARNs (or references to them); named as principals. */
  readonly readerArns: readonly string[];
  /** Roles that write the state: decrypt, encrypt and generate data keys. */
  readonly writerArns: readonly string[];
  /** Principals that administer the key (ArnLike patterns; through the account's IAM policies). */
  readonly administratorArns: readonly string[];
  /** Break-glass principals (ArnLike patterns): may use the key through S3 too, for the first apply and recovery. */
  readonly breakGlassArns: readonly string[];
}

const KEY_ADMINISTRATION = [
  'kms:CancelKeyDeletion', 'kms:Create*', 'kms:Delete*', 'kms:Describe*', 'kms:Disable*', 'kms:Enable*', 'kms:Get*', 'kms:List*',
  'kms:Put*', 'kms:Revoke*', 'kms:RotateKeyOnDemand', 'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource', 'kms:Update*',
];

/**
 * The key policy of the state key. The account's IAM policies do not reach the key by themselves: administering it
 * needs one of `administratorArns`, using it needs to be a pipeline role named here (or a break-glass principal),
 * and every use goes through S3.
 */
export function stateKeyPolicy(options: StateKeyPolicyOptions): object {
  const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${options.region}.amazonaws.com` } };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'KeyAdministration',
        Effect: 'Allow',
        Principal: { AWS: options.accountRootArn },
        Action: KEY_ADMINISTRATION,
        Resource: '*',
        Condition: { ArnLike: { 'aws:PrincipalArn': [...options.administratorArns] } },
      },
      { Sid: 'StateReaders', Effect: 'Allow', Principal: { AWS: [...options.readerArns] }, Action: 'kms:Decrypt', Resource: '*', Condition: viaS3 },
      {
        Sid: 'StateWriters',
        Effect: 'Allow',
        Principal: { AWS: [...options.writerArns] },
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: viaS3,
      },
      {
        Sid: 'BreakGlass',
        Effect: 'Allow',
        Principal: { AWS: options.accountRootArn },
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { ...viaS3, ArnLike: { 'aws:PrincipalArn': [...options.breakGlassArns] } },
      },
    ],
  };
}
