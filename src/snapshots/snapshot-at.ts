import type { ResourceHistory, ResourceVersion, WindowHistory } from '../aws/config-history';
import { HISTORY_TYPES } from '../aws/config-history';
import type { NetworkAcl, NetworkInterface, NetworkSnapshot, SecurityGroup } from '../engine/network/snapshot';

/**
 * The state of one resource at `at`: the newest recorded configuration captured at or before it,
 * else (a resource created during the window) its first recorded one. Deleted states are passed
 * over: an interface deleted later in the window carried its flows until then.
 */
function inForce(versions: readonly ResourceVersion[], at: Date): ResourceVersion | null {
  let chosen: ResourceVersion | null = null;
  for (const version of versions) {
    if (!version.configuration) continue;
    if (version.capturedAt.getTime() <= at.getTime() || chosen === null) chosen = version;
    if (version.capturedAt.getTime() > at.getTime()) break;
  }
  return chosen;
}

/**
 * The snapshot as AWS Config recorded it at `at`: each security group, network ACL and interface
 * with a recorded history replaced by its configuration then (a group's DescribeSecurityGroupRules
 * entries dropped with it, since its permissions now say everything), interfaces deleted since
 * added back; VPCs, subnets, prefix lists and everything without history stay as they are now.
 */
export function snapshotAt(current: NetworkSnapshot, history: Pick<WindowHistory, 'histories'>, at: Date): NetworkSnapshot {
  const snapshot: NetworkSnapshot = { ...current };
  const replaced = {
    groups: new Map<string, SecurityGroup>(),
    acls: new Map<string, NetworkAcl>(),
    interfaces: new Map<string, NetworkInterface>(),
  };
  for (const resource of history.histories) {
    const version = inForce(resource.versions, at);
    if (!version?.configuration) continue;
    if (resource.type === HISTORY_TYPES.securityGroup)
      replaced.groups.set(resource.id, { ...(version.configuration as SecurityGroup), GroupId: resource.id });
    else if (resource.type === HISTORY_TYPES.networkAcl)
      replaced.acls.set(resource.id, { ...(version.configuration as NetworkAcl), NetworkAclId: resource.id });
    else replaced.interfaces.set(resource.id, { ...(version.configuration as NetworkInterface), NetworkInterfaceId: resource.id });
  }
  snapshot.SecurityGroups = merge(current.SecurityGroups ?? [], (g) => g.GroupId, replaced.groups);
  snapshot.NetworkAcls = merge(current.NetworkAcls ?? [], (a) => a.NetworkAclId, replaced.acls);
  snapshot.NetworkInterfaces = merge(current.NetworkInterfaces ?? [], (i) => i.NetworkInterfaceId, replaced.interfaces);
  if (current.SecurityGroupRules)
    snapshot.SecurityGroupRules = current.SecurityGroupRules.filter((rule) => !rule.GroupId || !replaced.groups.has(rule.GroupId));
  return snapshot;
}

function merge<T>(items: readonly T[], idOf: (item: T) => string, replacements: ReadonlyMap<string, T>): T[] {
  const out = items.map((item) => replacements.get(idOf(item)) ?? item);
  const present = new Set(items.map(idOf));
  for (const [id, item] of replacements) if (!present.has(id)) out.push(item);
  return out;
}

/** For each recorded security group and network ACL, the instants inside the window at which it changed. */
export function changeTimesByControl(history: Pick<WindowHistory, 'histories'>, window: { from: Date; to: Date }): Map<string, number[]> {
  const byControl = new Map<string, number[]>();
  for (const resource of history.histories as ResourceHistory[]) {
    if (resource.type === HISTORY_TYPES.networkInterface) continue;
    const times = resource.versions.map((v) => v.capturedAt.getTime()).filter((t) => t > window.from.getTime() && t < window.to.getTime());
    if (times.length) byControl.set(resource.id, times);
  }
  return byControl;
}
