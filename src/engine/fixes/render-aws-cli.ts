import type { FixChange } from './fix';
import type { AuthorizeSecurityGroupParams, IpPermissionParam, NetworkAclEntryParams } from './fix-params';
import { ipProtocolName } from './protocol.util';

/** The AWS CLI shorthand of one IpPermission (descriptions left out: they need no review). */
function permissionShorthand(permission: IpPermissionParam): string {
  const parts = [`IpProtocol=${permission.IpProtocol}`];
  if (permission.FromPort !== undefined) parts.push(`FromPort=${permission.FromPort}`);
  if (permission.ToPort !== undefined) parts.push(`ToPort=${permission.ToPort}`);
  if (permission.IpRanges?.length) {
    parts.push(`IpRanges=[${permission.IpRanges.map((r) => `{CidrIp=${r.CidrIp}}`).join(',')}]`);
  }
  if (permission.Ipv6Ranges?.length) {
    parts.push(`Ipv6Ranges=[${permission.Ipv6Ranges.map((r) => `{CidrIpv6=${r.CidrIpv6}}`).join(',')}]`);
  }
  if (permission.UserIdGroupPairs?.length) {
    const pairs = permission.UserIdGroupPairs.map((pair) => {
      const fields = [`GroupId=${pair.GroupId}`];
      if (pair.UserId) fields.push(`UserId=${pair.UserId}`);
      if (pair.VpcId) fields.push(`VpcId=${pair.VpcId}`);
      if (pair.VpcPeeringConnectionId) fields.push(`VpcPeeringConnectionId=${pair.VpcPeeringConnectionId}`);
      return `{${fields.join(',')}}`;
    });
    parts.push(`UserIdGroupPairs=[${pairs.join(',')}]`);
  }
  return `'${parts.join(',')}'`;
}

function securityGroupCommand(verb: string, params: AuthorizeSecurityGroupParams): string {
  const permissions = params.IpPermissions.map(permissionShorthand).join(' ');
  return `aws ec2 ${verb} --group-id ${params.GroupId} --ip-permissions ${permissions}`;
}

function networkAclCommand(verb: string, params: NetworkAclEntryParams): string {
  const protocol = Number(params.Protocol);
  const args = [
    `aws ec2 ${verb}`,
    `--network-acl-id ${params.NetworkAclId}`,
    params.Egress ? '--egress' : '--ingress',
    `--rule-number ${params.RuleNumber}`,
    `--protocol ${Number.isNaN(protocol) ? params.Protocol : ipProtocolName(protocol)}`,
  ];
  if (params.PortRange) args.push(`--port-range From=${params.PortRange.From},To=${params.PortRange.To}`);
  if (params.IcmpTypeCode) args.push(`--icmp-type-code Code=${params.IcmpTypeCode.Code},Type=${params.IcmpTypeCode.Type}`);
  if (params.CidrBlock) args.push(`--cidr-block ${params.CidrBlock}`);
  if (params.Ipv6CidrBlock) args.push(`--ipv6-cidr-block ${params.Ipv6CidrBlock}`);
  args.push(`--rule-action ${params.RuleAction}`);
  return args.join(' ');
}

/** `aws ec2 …` commands, one line per change. */
export function renderAwsCli(changes: FixChange[]): string {
  return changes
    .map((change) => {
      switch (change.action) {
        case 'AuthorizeSecurityGroupIngress':
          return securityGroupCommand('authorize-security-group-ingress', change.params as unknown as AuthorizeSecurityGroupParams);
        case 'AuthorizeSecurityGroupEgress':
          return securityGroupCommand('authorize-security-group-egress', change.params as unknown as AuthorizeSecurityGroupParams);
        case 'CreateNetworkAclEntry':
          return networkAclCommand('create-network-acl-entry', change.params as unknown as NetworkAclEntryParams);
        case 'ReplaceNetworkAclEntry':
          return networkAclCommand('replace-network-acl-entry', change.params as unknown as NetworkAclEntryParams);
      }
    })
    .join('\n');
}
