// No cdktf import here: the fast synthesizer uses it too.
/** A bucket policy that refuses every request not made over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}
