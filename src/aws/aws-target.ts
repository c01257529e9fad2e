/**
 * How sgdoctor reaches one AWS account in one region. Only what a target states explicitly is
 * passed to the SDK: everything else (profile, endpoints, retry mode, max attempts) is resolved by
 * the SDK from the environment and shared config files, as users expect.
 */
export interface AwsTarget {
  accountId: string;
  region: string;
  /** IAM role assumed through STS; absent = the SDK's default credential chain. */
  roleArn?: string | null;
  /** External id the role's trust policy requires (confused-deputy protection). */
  externalId?: string | null;
  /** Per-service endpoint overrides, only when the target says so (VPC endpoints, emulators). */
  endpoints?: { ec2?: string; athena?: string; sts?: string; logs?: string; s3?: string; serviceQuotas?: string } | null;
}

/** A target plus the network scope an analysis covers. */
export interface AwsScopedTarget extends AwsTarget {
  vpcIds?: string[] | null;
  subnetIds?: string[] | null;
}
