import { z } from 'zod';
import type { FixChange } from '../fixes/fix';
import { ruleProtocolNumber } from '../network/protocol';
import { groupHasPermissions } from '../network/security-group-rules';
import { formatJsonPath } from '../network/snapshot-loader';
import { ipPermissionSchema, networkAclEntrySchema } from '../network/snapshot-schema';
import type { IpPermission, NetworkAclEntry, NetworkSnapshot, SecurityGroupRule } from '../network/snapshot';
import { SimulationError } from './simulation.error';

const authorizeParams = z.looseObject({
  GroupId: z.string().min(1),
  IpPermissions: z.array(ipPermissionSchema).min(1),
});

const naclEntryParams = z.looseObject({ NetworkAclId: z.string().min(1) }).and(networkAclEntrySchema);

function parse<T>(schema: z.ZodType<T>, params: unknown, index: number, action: string): T {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = formatJsonPath(issue.path as PropertyKey[]);
  throw new SimulationError('InvalidParameterValue', `${action}: ${at ? `${at}: ` : ''}${issue.message}`, index);
}

/**
 * The legacy single-rule form (`IpProtocol`, `FromPort`, `ToPort`, `CidrIp` at the top level) as
 * an `IpPermissions` list, so either request shape is accepted.
 */
function normaliseAuthorize(params: Record<string, unknown>): Record<string, unknown> {
  if (params.IpPermissions !== undefined || params.IpProtocol === undefined) return params;
  const permission: Record<string, unknown> = { IpProtocol: params.IpProtocol, FromPort: params.FromPort, ToPort: params.ToPort };
  if (params.CidrIp) permission.IpRanges = [{ CidrIp: params.CidrIp }];
  if (params.SourceSecurityGroupId) permission.UserIdGroupPairs = [{ GroupId: params.SourceSecurityGroupId }];
  return { GroupId: params.GroupId, IpPermissions: [permission] };
}

/** Splits permissions into DescribeSecurityGroupRules entries (one per peer), for groups described that way. */
function permissionsToRules(groupId: string, egress: boolean, permissions: IpPermission[], start: number): SecurityGroupRule[] {
  const rules: SecurityGroupRule[] = [];
  const base = (p: IpPermission): SecurityGroupRule => ({
    SecurityGroupRuleId: `sgr-simulated${String(start + rules.length).padStart(6, '0')}`,
    GroupId: groupId,
    IsEgress: egress,
    IpProtocol: p.IpProtocol,
    FromPort: p.FromPort ?? -1,
    ToPort: p.ToPort ?? -1,
  });
  for (const p of permissions) {
    for (const r of p.IpRanges ?? []) rules.push({ ...base(p), CidrIpv4: r.CidrIp, Description: r.Description });
    for (const r of p.Ipv6Ranges ?? []) rules.push({ ...base(p), CidrIpv6: r.CidrIpv6, Description: r.Description });
    for (const r of p.PrefixListIds ?? []) rules.push({ ...base(p), PrefixListId: r.PrefixListId, Description: r.Description });
    for (const r of p.UserIdGroupPairs ?? []) {
      rules.push({ ...base(p), ReferencedGroupInfo: { GroupId: r.GroupId, UserId: r.UserId, VpcId: r.VpcId }, Description: r.Description });
    }
  }
  return rules;
}

function authorize(snapshot: NetworkSnapshot, change: FixChange, index: number): void {
  const egress = change.action === 'AuthorizeSecurityGroupEgress';
  const params = parse(authorizeParams, normaliseAuthorize(change.params), index, change.action);
  const permissions = params.IpPermissions as IpPermission[];
  for (const permission of permissions) {
    const peers =
      (permission.IpRanges?.length ?? 0) +
      (permission.Ipv6Ranges?.length ?? 0) +
      (permission.PrefixListIds?.length ?? 0) +
      (permission.UserIdGroupPairs?.length ?? 0);
    if (peers === 0)
      throw new SimulationError(
        'InvalidParameterValue',
        `${change.action}: a permission names no peer (IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs)`,
        index,
      );
    const protocol = ruleProtocolNumber(permission.IpProtocol)!;
    if (
      (protocol === 6 || protocol === 17) &&
      (permission.FromPort === undefined || permission.ToPort === undefined || permission.FromPort > permission.ToPort)
    ) {
      throw new SimulationError('InvalidParameterValue', `${change.action}: tcp/udp permissions need FromPort <= ToPort`, index);
    }
  }
  const at = snapshot.SecurityGroups?.findIndex((g) => g.GroupId === params.GroupId) ?? -1;
  const group = at >= 0 ? snapshot.SecurityGroups![at] : undefined;
  const hasRules = snapshot.SecurityGroupRules?.some((r) => r.GroupId === params.GroupId) ?? false;
  if (!group && !hasRules)
    throw new SimulationError('InvalidGroup.NotFound', `security group ${params.GroupId} is not in the snapshot`, index);
  if (group && (groupHasPermissions(group) || !hasRules)) {
    const key = egress ? 'IpPermissionsEgress' : 'IpPermissions';
    snapshot.SecurityGroups![at] = { ...group, [key]: [...(group[key] ?? []), ...permissions] };
    return;
  }
  // The group's rules come from DescribeSecurityGroupRules: add them in that shape.
  const rules = snapshot.SecurityGroupRules ?? [];
  snapshot.SecurityGroupRules = [...rules, ...permissionsToRules(params.GroupId, egress, permissions, rules.length)];
}

function naclEntry(snapshot: NetworkSnapshot, change: FixChange, index: number): void {
  const params = parse(naclEntryParams, change.params, index, change.action) as NetworkAclEntry & { NetworkAclId: string };
  const aclAt = snapshot.NetworkAcls?.findIndex((a) => a.NetworkAclId === params.NetworkAclId) ?? -1;
  const acl = aclAt >= 0 ? snapshot.NetworkAcls![aclAt] : undefined;
  if (!acl) throw new SimulationError('InvalidNetworkAclID.NotFound', `network ACL ${params.NetworkAclId} is not in the snapshot`, index);
  if (params.RuleNumber > 32766) {
    throw new SimulationError(
      'InvalidParameterValue',
      `${change.action}: RuleNumber must be 1-32766 (32767 and above are reserved)`,
      index,
    );
  }
  const protocol = ruleProtocolNumber(params.Protocol)!;
  if (
    (protocol === 6 || protocol === 17) &&
    (params.PortRange?.From === undefined || params.PortRange?.To === undefined || params.PortRange.From > params.PortRange.To)
  ) {
    throw new SimulationError('InvalidParameterValue', `${change.action}: tcp/udp entries need PortRange {From <= To}`, index);
  }
  const entries = acl.Entries ?? [];
  const at = entries.findIndex((e) => e.RuleNumber === params.RuleNumber && Boolean(e.Egress) === params.Egress);
  const way = params.Egress ? 'egress' : 'ingress';
  if (change.action === 'CreateNetworkAclEntry' && at >= 0) {
    throw new SimulationError('NetworkAclEntryAlreadyExists', `${params.NetworkAclId} already has ${way} rule ${params.RuleNumber}`, index);
  }
  if (change.action === 'ReplaceNetworkAclEntry' && at < 0) {
    throw new SimulationError(
      'InvalidNetworkAclEntry.NotFound',
      `${params.NetworkAclId} has no ${way} rule ${params.RuleNumber} to replace`,
      index,
    );
  }
  const entry: NetworkAclEntry = {
    RuleNumber: params.RuleNumber,
    Protocol: String(protocol),
    RuleAction: params.RuleAction,
    Egress: params.Egress,
  };
  if (params.CidrBlock) entry.CidrBlock = params.CidrBlock;
  if (params.Ipv6CidrBlock) entry.Ipv6CidrBlock = params.Ipv6CidrBlock;
  if (params.PortRange && (protocol === 6 || protocol === 17)) entry.PortRange = { From: params.PortRange.From, To: params.PortRange.To };
  if (params.IcmpTypeCode && (protocol === 1 || protocol === 58)) entry.IcmpTypeCode = { ...params.IcmpTypeCode };
  snapshot.NetworkAcls![aclAt] = { ...acl, Entries: at >= 0 ? entries.map((e, i) => (i === at ? entry : e)) : [...entries, entry] };
}

/**
 * Applies EC2 API requests to a copy of the snapshot (sharing what the changes do not replace), as EC2 would: security-group
 * authorisations append permissions (`{GroupId, IpPermissions}`); `CreateNetworkAclEntry` adds an
 * entry and fails like EC2 when the rule number is taken in that direction;
 * `ReplaceNetworkAclEntry` needs the entry to exist. Throws `SimulationError` for a change EC2
 * would refuse. The input snapshot is not modified.
 */
export function applyChanges(snapshot: NetworkSnapshot, changes: FixChange[]): NetworkSnapshot {
  // Copy on write: a change replaces the group or ACL it touches (and the snapshot's rule list) by
  // a changed copy in copied lists; every other group and ACL is shared with the input, so a fix
  // costs the size of what it changes, not the size of the estate.
  const copy: NetworkSnapshot = {
    ...snapshot,
    ...(snapshot.SecurityGroups ? { SecurityGroups: [...snapshot.SecurityGroups] } : {}),
    ...(snapshot.NetworkAcls ? { NetworkAcls: [...snapshot.NetworkAcls] } : {}),
  };
  changes.forEach((change, index) => {
    switch (change.action) {
      case 'AuthorizeSecurityGroupIngress':
      case 'AuthorizeSecurityGroupEgress':
        authorize(copy, change, index);
        break;
      case 'CreateNetworkAclEntry':
      case 'ReplaceNetworkAclEntry':
        naclEntry(copy, change, index);
        break;
      default:
        throw new SimulationError('InvalidAction', `unsupported action ${String((change as FixChange).action)}`, index);
    }
  });
  return copy;
}
