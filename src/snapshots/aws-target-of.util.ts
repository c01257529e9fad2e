import type { AwsTarget } from '../aws/aws-target';
import type { TargetEntity } from '../targets/target.entity';

/** What the AWS adapters need of a target: account, region, and the role to assume if any. */
export function awsTargetOf(target: Pick<TargetEntity, 'accountId' | 'region' | 'access'>): AwsTarget {
  return {
    accountId: target.accountId,
    region: target.region,
    roleArn: target.access.type === 'assume-role' ? target.access.roleArn : null,
    externalId: target.access.type === 'assume-role' ? target.access.externalId : null,
  };
}
