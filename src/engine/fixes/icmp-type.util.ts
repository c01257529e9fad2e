import type { FindingGroup } from '../findings/finding-group';
import { isIcmp, protocolName, ruleProtocolNumber } from '../network/protocol';
import type { FixChange, FixRisk } from './fix';
import type { AuthorizeSecurityGroupParams, NetworkAclEntryParams } from './fix-params';

/**
 * The ICMP/ICMPv6 type of every flow of the group, or null: the group is not ICMP, its flows are
 * flow-log records (which carry no type), or their types differ. A fix for a known type opens that
 * type alone; without one it opens every type.
 */
export function icmpTypeOfGroup(group: FindingGroup): number | null {
  if (!isIcmp(group.protocol) || group.flows.length === 0) return null;
  const type = group.flows[0].flow.icmpType;
  if (type === undefined) return null;
  return group.flows.every((item) => item.flow.icmpType === type) ? type : null;
}

/** The ICMP protocol an allow change opens to every type (a permission's FromPort -1, an entry's IcmpTypeCode Type -1), or null. */
function allTypesOpenedBy(change: FixChange): number | null {
  if (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress') {
    const params = change.params as unknown as AuthorizeSecurityGroupParams;
    for (const permission of params.IpPermissions) {
      const protocol = ruleProtocolNumber(permission.IpProtocol);
      if (protocol !== null && isIcmp(protocol) && (permission.FromPort === undefined || permission.FromPort === -1)) return protocol;
    }
    return null;
  }
  const params = change.params as unknown as NetworkAclEntryParams;
  const protocol = ruleProtocolNumber(params.Protocol);
  if (params.RuleAction !== 'allow' || protocol === null || !isIcmp(protocol)) return null;
  const type = params.IcmpTypeCode?.Type;
  return type === undefined || type === -1 ? protocol : null;
}

/**
 * A risk naming the groups and network ACLs whose new rules open every ICMP type, and `because`
 * (why no type could be named: flow logs do not record it, the question named none); null when
 * every ICMP rule of the changes names its type.
 */
export function allIcmpTypesRisk(changes: FixChange[], because: string): FixRisk | null {
  const where: string[] = [];
  let protocol: number | null = null;
  for (const change of changes) {
    const opened = allTypesOpenedBy(change);
    if (opened === null) continue;
    protocol ??= opened;
    const id = String(change.params.GroupId ?? change.params.NetworkAclId);
    if (!where.includes(id)) where.push(id);
  }
  if (protocol === null) return null;
  return {
    kind: 'all-icmp-types',
    message: `${where.join(', ')} open${where.length === 1 ? 's' : ''} every ${protocolName(protocol)} type: ${because}`,
    where,
  };
}
