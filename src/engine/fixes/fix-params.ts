/**
 * The EC2 API request shapes the fixes produce (a subset of the API's own members), so renderers
 * read typed parameters rather than `Record<string, unknown>`.
 */
export interface GroupPairParam {
  GroupId: string;
  UserId?: string;
  VpcId?: string;
  VpcPeeringConnectionId?: string;
  Description?: string;
}

export interface IpPermissionParam {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp: string; Description?: string }[];
  Ipv6Ranges?: { CidrIpv6: string; Description?: string }[];
  UserIdGroupPairs?: GroupPairParam[];
}

export interface AuthorizeSecurityGroupParams {
  GroupId: string;
  IpPermissions: IpPermissionParam[];
}

export interface NetworkAclEntryParams {
  NetworkAclId: string;
  RuleNumber: number;
  /** IANA protocol number as a string, as the API takes it. */
  Protocol: string;
  RuleAction: 'allow' | 'deny';
  Egress: boolean;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
  PortRange?: { From: number; To: number };
  IcmpTypeCode?: { Code: number; Type: number };
}
