import type { FlowLog, NetworkSnapshot } from '../network/snapshot';

export type CoverageResourceType = 'vpc' | 'subnet' | 'network-interface';

export interface CoverageGap {
  resourceType: CoverageResourceType;
  resourceId: string;
  reason: string;
}

export interface FlowLogCoverage {
  /** Resources (VPC, subnet and ENI ids) whose REJECT traffic some active flow log captures. */
  covered: string[];
  gaps: CoverageGap[];
}

export interface CoverageScope {
  vpcIds?: readonly string[] | null;
  subnetIds?: readonly string[] | null;
}

/** True for a flow log that records rejected traffic right now. */
function capturesRejects(log: FlowLog): boolean {
  return log.FlowLogStatus === 'ACTIVE' && keepsRejects(log) && log.DeliverLogsStatus !== 'FAILED';
}

function keepsRejects(log: FlowLog): boolean {
  return log.TrafficType === 'REJECT' || log.TrafficType === 'ALL';
}

/**
 * Which VPCs, subnets and network interfaces in scope have no active flow log capturing REJECT
 * traffic — what is not logged cannot be diagnosed. A log whose delivery fails (DescribeFlowLogs'
 * `DeliverLogsStatus` FAILED, with `DeliverLogsErrorMessage`) captures nothing that arrives. A VPC's log covers all its subnets and
 * interfaces, a subnet's log covers its interfaces; an interface's log covers only itself. A VPC
 * without a log of its own is covered when every one of its subnets has one (a VPC whose only
 * subnet is logged is no gap); with only some subnets logged it stays a gap, beside the others.
 * Logs of other resources (transit gateways and their attachments) never cover a VPC resource.
 */
export function flowLogCoverage(snapshot: NetworkSnapshot, scope: CoverageScope = {}): FlowLogCoverage {
  const logsByResource = new Map<string, FlowLog[]>();
  for (const log of snapshot.FlowLogs ?? []) {
    if (!log.ResourceId) continue;
    const list = logsByResource.get(log.ResourceId) ?? [];
    list.push(log);
    logsByResource.set(log.ResourceId, list);
  }
  const logged = (id: string | undefined) => id !== undefined && (logsByResource.get(id) ?? []).some(capturesRejects);

  const vpcScope = scope.vpcIds?.length ? new Set(scope.vpcIds) : null;
  const subnetScope = scope.subnetIds?.length ? new Set(scope.subnetIds) : null;
  const subnets = (snapshot.Subnets ?? []).filter(
    (s) => (!vpcScope || vpcScope.has(s.VpcId ?? '')) && (!subnetScope || subnetScope.has(s.SubnetId)),
  );
  const subnetIds = new Set(subnets.map((s) => s.SubnetId));
  const subnetVpc = new Map((snapshot.Subnets ?? []).map((s) => [s.SubnetId, s.VpcId]));
  // With subnets in scope, the VPCs in scope are theirs.
  const vpcInScope = (vpcId: string) => (!vpcScope || vpcScope.has(vpcId)) && (!subnetScope || subnets.some((s) => s.VpcId === vpcId));
  const vpcs = (snapshot.Vpcs ?? []).filter((v) => vpcInScope(v.VpcId));
  const enis = (snapshot.NetworkInterfaces ?? []).filter((n) =>
    subnetScope ? subnetIds.has(n.SubnetId ?? '') : !vpcScope || vpcScope.has(n.VpcId ?? subnetVpc.get(n.SubnetId ?? '') ?? ''),
  );

  const covered: string[] = [];
  const gaps: CoverageGap[] = [];
  const check = (resourceType: CoverageResourceType, resourceId: string, chain: (string | undefined)[]) => {
    if (chain.some(logged)) covered.push(resourceId);
    else gaps.push({ resourceType, resourceId, reason: gapReason(resourceType, resourceId, logsByResource) });
  };

  const subnetsOfVpc = new Map<string, string[]>();
  for (const subnet of snapshot.Subnets ?? []) {
    if (!subnet.VpcId) continue;
    subnetsOfVpc.set(subnet.VpcId, [...(subnetsOfVpc.get(subnet.VpcId) ?? []), subnet.SubnetId]);
  }
  for (const vpc of vpcs) {
    const own = subnetsOfVpc.get(vpc.VpcId) ?? [];
    if (!logged(vpc.VpcId) && own.length > 0 && own.every(logged)) covered.push(vpc.VpcId);
    else check('vpc', vpc.VpcId, [vpc.VpcId]);
  }
  for (const subnet of subnets) check('subnet', subnet.SubnetId, [subnet.SubnetId, subnet.VpcId]);
  for (const eni of enis) {
    const vpcId = eni.VpcId ?? subnetVpc.get(eni.SubnetId ?? '');
    check('network-interface', eni.NetworkInterfaceId, [eni.NetworkInterfaceId, eni.SubnetId, vpcId]);
  }
  return { covered, gaps };
}

/** Explains a gap by the resource's own logs: none at all, not active, or not capturing REJECT. */
function gapReason(type: CoverageResourceType, id: string, logsByResource: Map<string, FlowLog[]>): string {
  const own = logsByResource.get(id) ?? [];
  const scopeText =
    type === 'vpc'
      ? 'no active flow log on the VPC captures REJECT traffic'
      : type === 'subnet'
        ? 'no active flow log on the subnet or its VPC captures REJECT traffic'
        : 'no active flow log on the interface, its subnet or its VPC captures REJECT traffic';
  if (own.length === 0) return scopeText;
  const details = own.map((log) => {
    const id = log.FlowLogId ?? 'flow log';
    if (log.FlowLogStatus !== 'ACTIVE') return `${id} is ${log.FlowLogStatus ?? 'not active'}`;
    if (!keepsRejects(log)) return `${id} captures ${log.TrafficType ?? 'unknown'} traffic only`;
    // ACTIVE, yet its records do not arrive: the role cannot publish ("Access error"), or CloudWatch Logs throttles it.
    return `${id} fails to deliver its records: DeliverLogsStatus FAILED${log.DeliverLogsErrorMessage ? `, ${log.DeliverLogsErrorMessage}` : ''}`;
  });
  return `${scopeText} (${details.join('; ')})`;
}
