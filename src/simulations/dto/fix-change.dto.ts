import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsObject } from 'class-validator';
import type { FixAction } from '../../engine/fixes/fix';

export const FIX_ACTIONS: readonly FixAction[] = [
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'CreateNetworkAclEntry',
  'ReplaceNetworkAclEntry',
];

/** One EC2 API request, as in a finding's fix (`changes[]`). */
export class FixChangeDto {
  @ApiProperty({ enum: FIX_ACTIONS })
  @IsIn(FIX_ACTIONS)
  action!: FixAction;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The EC2 request parameters, with the API's own names.",
    example: {
      GroupId: 'sg-0a1b2c3d4e5f60002',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, UserIdGroupPairs: [{ GroupId: 'sg-0a1b2c3d4e5f60004' }] }],
    },
  })
  @IsObject()
  params!: Record<string, unknown>;
}
