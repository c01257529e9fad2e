import type { FixChange } from './fix';
import type { AuthorizeSecurityGroupParams, NetworkAclEntryParams } from './fix-params';

/**
 * The distinct peer sources a fix's changes name: CIDRs (IPv4 and IPv6) of security-group rules
 * and NACL allow entries, and referenced security groups. A NACL entry and the SG rule for the same
 * CIDR count once; a deny entry (a deny a fix moves) opens nothing to anyone.
 */
export function peerSourcesOf(changes: readonly FixChange[]): string[] {
  const sources = new Set<string>();
  for (const change of changes) {
    if (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress') {
      for (const permission of (change.params as unknown as AuthorizeSecurityGroupParams).IpPermissions ?? []) {
        for (const range of permission.IpRanges ?? []) sources.add(range.CidrIp);
        for (const range of permission.Ipv6Ranges ?? []) sources.add(range.CidrIpv6);
        for (const pair of permission.UserIdGroupPairs ?? []) sources.add(pair.GroupId);
      }
    } else {
      const entry = change.params as unknown as NetworkAclEntryParams;
      if (entry.RuleAction === 'deny') continue;
      const cidr = entry.CidrBlock ?? entry.Ipv6CidrBlock;
      if (cidr) sources.add(cidr);
    }
  }
  return [...sources].sort();
}
