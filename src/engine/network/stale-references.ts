import type { Direction } from '../flow-log/flow-record';
import type { NetworkSnapshot, StaleIpPermission, UserIdGroupPair } from './snapshot';

/**
 * The states a VPC peering connection never leaves (DescribeVpcPeeringConnections `Status.Code`):
 * across one of them a group reference resolves to nothing. `deleting`, `pending-acceptance`,
 * `provisioning` and `initiating-request` are on their way somewhere and say nothing for sure.
 */
const ENDED_PEERING_STATES: ReadonlySet<string> = new Set(['deleted', 'rejected', 'failed', 'expired']);

/** Why a rule's group reference is stale: it matches no address. */
export interface StaleReference {
  /** The cause as a clause after the rule: `references sg-… across peering connection pcx-…, which is deleted`. */
  reason: string;
  /**
   * EC2 lists the rule itself (DescribeStaleSecurityGroups): stale whatever the rest of the
   * snapshot shows. False when the snapshot's peering states say so: the reference then matches
   * nothing unless the snapshot shows another way it would resolve (see `peerMatches`).
   */
  reportedByEc2: boolean;
}

const referenceKey = (groupId: string, direction: Direction, referencedGroupId: string) => `${groupId}|${direction}|${referencedGroupId}`;

/**
 * The stale group references of a snapshot (AWS: a rule is stale when the group it references is
 * deleted, or when the peering connection to the referenced group's VPC is deleted; a stale rule
 * stays in its group and allows nothing, DescribeStaleSecurityGroups lists it):
 *
 * - a rule `StaleSecurityGroupSet` lists, by its group, direction and referenced group;
 * - a reference across a peering connection (the pair's `VpcPeeringConnectionId`) that ended —
 *   `deleted`, `rejected`, `failed` or `expired` — by the pair's `PeeringStatus` or the
 *   connection's `Status.Code` in `VpcPeeringConnections`, provided neither says otherwise.
 *
 * A reference to a group of the same VPC that is missing from the snapshot is not taken as stale:
 * EC2 refuses to delete a group another group of its VPC references (DeleteSecurityGroup,
 * DependencyViolation), so the snapshot is missing it rather than EC2.
 */
export class StaleReferences {
  private readonly reported = new Map<string, UserIdGroupPair>();
  private readonly peeringStates = new Map<string, string>();

  constructor(snapshot: NetworkSnapshot) {
    for (const peering of snapshot.VpcPeeringConnections ?? []) {
      const code = peering.Status?.Code;
      if (code) this.peeringStates.set(peering.VpcPeeringConnectionId, code);
    }
    for (const group of snapshot.StaleSecurityGroupSet ?? []) {
      const add = (direction: Direction, permissions: StaleIpPermission[] | undefined) => {
        for (const permission of permissions ?? [])
          for (const pair of permission.UserIdGroupPairs ?? [])
            if (pair.GroupId) this.reported.set(referenceKey(group.GroupId, direction, pair.GroupId), pair);
      };
      add('ingress', group.StaleIpPermissions);
      add('egress', group.StaleIpPermissionsEgress);
    }
  }

  /** True when EC2 lists a rule of `groupId` in `direction` referencing `referencedGroupId` as stale. */
  reportedStale(groupId: string, direction: Direction, referencedGroupId: string): boolean {
    return this.reported.has(referenceKey(groupId, direction, referencedGroupId));
  }

  /** Whether the reference `pair` of a rule of `groupId` in `direction` is stale, and why; null when it is not known to be. */
  of(groupId: string, direction: Direction, pair: UserIdGroupPair): StaleReference | null {
    if (!pair.GroupId) return null;
    const reported = this.reported.get(referenceKey(groupId, direction, pair.GroupId));
    if (reported) {
      const peering = reported.VpcPeeringConnectionId ?? pair.VpcPeeringConnectionId;
      const across = peering ? ` across peering connection ${peering}` : '';
      return {
        reason: `references ${pair.GroupId}${across}, and EC2 lists the rule as stale (DescribeStaleSecurityGroups: the group, or the way to it, is gone)`,
        reportedByEc2: true,
      };
    }
    const peeringId = pair.VpcPeeringConnectionId;
    const listed = peeringId ? this.peeringStates.get(peeringId) : undefined;
    const states = [listed, pair.PeeringStatus].filter((s): s is string => Boolean(s));
    if (states.length === 0 || states.some((state) => !ENDED_PEERING_STATES.has(state))) return null;
    const account = pair.UserId ? ` of account ${pair.UserId}` : '';
    const where = pair.VpcId ? ` in ${pair.VpcId}` : '';
    const across = peeringId
      ? `across peering connection ${peeringId}, which is ${states[0]}`
      : `across a peering connection that is ${states[0]}`;
    return { reason: `references ${pair.GroupId}${account}${where} ${across}`, reportedByEc2: false };
  }
}
