import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';

/** An IAM role name, optionally under a path (`path/to/Name`), as IAM accepts them. */
const ROLE_NAME = /^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
/** A region code: `eu-west-1`, `us-gov-west-1`, `ap-southeast-5`. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/**
 * Where the network configuration comes from: the live EC2 API, snapshot files under the data
 * root, or the EC2 API of every member account of an organisation (through a role assumed in each).
 */
export class ConfigSourceDto {
  @ApiProperty({ enum: ['ec2', 'snapshot-file', 'organization'] })
  @IsIn(['ec2', 'snapshot-file', 'organization'])
  type!: 'ec2' | 'snapshot-file' | 'organization';

  @ApiPropertyOptional({
    enum: ['aws-config'],
    nullable: true,
    description:
      'ec2: evaluate each window against the configuration AWS Config recorded as in force when the window began (security groups, network ACLs and interfaces, including interfaces deleted since), and say when a finding was fixed during the window. Needs AWS Config recording those types (config:GetResourceConfigHistory, config:ListDiscoveredResources; iam/config-history.json).',
  })
  @IsOptional()
  @IsIn(['aws-config'])
  history?: 'aws-config' | null;

  @ApiPropertyOptional({
    type: [String],
    description: 'snapshot-file: snapshot JSON files under the data root (merged).',
    example: ['snapshot.json'],
  })
  @ValidateIf((o: ConfigSourceDto) => o.type === 'snapshot-file')
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  paths?: string[];

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description:
      'organization: the member account ids. Absent or null: every ACTIVE account AWS Organizations lists (organizations:ListAccounts, asked from the target account, which must then be the management account or a delegated administrator).',
    example: ['111111111111', '222222222222'],
  })
  @ValidateIf((o: ConfigSourceDto) => o.type === 'organization' && o.accounts !== undefined && o.accounts !== null)
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @Matches(/^\d{12}$/, { each: true, message: 'each account id must be 12 digits' })
  accounts?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    description: 'organization: the regions read in every member account.',
    example: ['eu-west-1', 'us-east-1'],
  })
  @ValidateIf((o: ConfigSourceDto) => o.type === 'organization')
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(40)
  @Matches(REGION, { each: true, message: 'each region must be a region code such as eu-west-1' })
  regions?: string[];

  @ApiPropertyOptional({
    description:
      'organization: the role assumed in each member account (arn:<partition>:iam::<account>:role/<roleName>), read-only; see iam/.',
    example: 'sgdoctor-read',
  })
  @ValidateIf((o: ConfigSourceDto) => o.type === 'organization')
  @IsString()
  @Matches(ROLE_NAME, { message: 'roleName must be an IAM role name, optionally under a path' })
  roleName?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: "organization: the external id the members' trust policies require." })
  @IsOptional()
  @IsString()
  @Length(2, 1224)
  @Matches(/^[\w+=,.@:/-]+$/, { message: 'externalId may hold letters, digits and +=,.@:/-' })
  externalId?: string | null;
}
