import type { FixChange } from './fix';
import type { AuthorizeSecurityGroupParams, IpPermissionParam, NetworkAclEntryParams } from './fix-params';

type Json = string | number | boolean | Json[] | { [key: string]: Json };

/** Compact one-line JSON with spaces inside braces: `{ "Type": "…", "Properties": { … } }`. */
function oneLine(value: Json): string {
  if (Array.isArray(value)) return `[ ${value.map(oneLine).join(', ')} ]`;
  if (typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([key, v]) => `${JSON.stringify(key)}: ${oneLine(v)}`)
      .join(', ')} }`;
  }
  return JSON.stringify(value);
}

function ports(permission: IpPermissionParam): Record<string, Json> {
  const result: Record<string, Json> = { IpProtocol: permission.IpProtocol };
  if (permission.FromPort !== undefined) result.FromPort = permission.FromPort;
  if (permission.ToPort !== undefined) result.ToPort = permission.ToPort;
  return result;
}

function securityGroupResources(egress: boolean, params: AuthorizeSecurityGroupParams): Json[] {
  const type = egress ? 'AWS::EC2::SecurityGroupEgress' : 'AWS::EC2::SecurityGroupIngress';
  return params.IpPermissions.flatMap((permission) => {
    const peers: Record<string, Json>[] = [
      ...(permission.UserIdGroupPairs ?? []).map((pair) => {
        if (egress) return { DestinationSecurityGroupId: pair.GroupId };
        const peer: Record<string, Json> = { SourceSecurityGroupId: pair.GroupId };
        if (pair.UserId) peer.SourceSecurityGroupOwnerId = pair.UserId;
        return peer;
      }),
      ...(permission.IpRanges ?? []).map((range) => ({ CidrIp: range.CidrIp })),
      ...(permission.Ipv6Ranges ?? []).map((range) => ({ CidrIpv6: range.CidrIpv6 })),
    ];
    return peers.map((peer) => ({ Type: type, Properties: { GroupId: params.GroupId, ...peer, ...ports(permission) } }));
  });
}

function networkAclResource(params: NetworkAclEntryParams): Json {
  const properties: Record<string, Json> = {
    NetworkAclId: params.NetworkAclId,
    RuleNumber: params.RuleNumber,
    Protocol: Number(params.Protocol),
    RuleAction: params.RuleAction,
    Egress: params.Egress,
  };
  if (params.CidrBlock) properties.CidrBlock = params.CidrBlock;
  if (params.Ipv6CidrBlock) properties.Ipv6CidrBlock = params.Ipv6CidrBlock;
  if (params.PortRange) properties.PortRange = { From: params.PortRange.From, To: params.PortRange.To };
  if (params.IcmpTypeCode) properties.Icmp = { Code: params.IcmpTypeCode.Code, Type: params.IcmpTypeCode.Type };
  return { Type: 'AWS::EC2::NetworkAclEntry', Properties: properties };
}

/**
 * CloudFormation resources, one JSON object a line. A replaced NACL entry renders as the
 * `AWS::EC2::NetworkAclEntry` with the new definition (update the stack's existing entry).
 */
export function renderCloudFormation(changes: FixChange[]): string {
  return changes
    .flatMap((change) => {
      switch (change.action) {
        case 'AuthorizeSecurityGroupIngress':
          return securityGroupResources(false, change.params as unknown as AuthorizeSecurityGroupParams);
        case 'AuthorizeSecurityGroupEgress':
          return securityGroupResources(true, change.params as unknown as AuthorizeSecurityGroupParams);
        case 'CreateNetworkAclEntry':
        case 'ReplaceNetworkAclEntry':
          return [networkAclResource(change.params as unknown as NetworkAclEntryParams)];
      }
    })
    .map(oneLine)
    .join('\n');
}
