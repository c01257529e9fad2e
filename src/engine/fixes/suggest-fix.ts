import type { BlockingControl } from '../evaluate/verdict';
import type { FindingGroup } from '../findings/finding-group';
import type { NetworkModel } from '../network/network-model';
import type { FixChange, FixRisk, SuggestedFix } from './fix';
import type { AuthorizeSecurityGroupParams } from './fix-params';
import type { FixNaming } from './fix-naming';
import { type FarEndPlan, planFarEnd } from './far-end';
import { NaclRuleNumberLedger } from './nacl-rule-number-ledger';
import { peerSourcesOf } from './peer-sources.util';
import { renderAwsCli } from './render-aws-cli';
import { renderCloudFormation } from './render-cloudformation';
import { renderTerraform } from './render-terraform';
import { type PeerNaming, suggestChanges } from './suggest-changes';

export interface FixVerification {
  /** Every flow allowed once the changes are applied. */
  verified: boolean;
  risks: FixRisk[];
}

/**
 * The interfaces (ids) and peers (addresses) of flows beyond a group's own that a fix answers too,
 * which its risks count as observed; and a port range the fix opens for them on purpose, with how
 * its `port-range` risk names the range.
 */
export interface ObservedEnds {
  interfaceIds: ReadonlySet<string>;
  peers: ReadonlySet<string>;
  portRange?: { from: number; to: number; label: string };
}

/**
 * Applies changes to a copy of the snapshot and re-evaluates the group's flows (see
 * `createFixVerifier`). `farEnd`, when the fix opens the far end of the path too: which of the
 * changes do, and the far end's requests they are for (their risks are told for those). `seen`,
 * when the changes answer other findings too (a dynamic-host-port set's one rule): their
 * interfaces and peers, which the risks count as observed, as the group's own.
 */
export type FixVerifier = (changes: FixChange[], group: FindingGroup, farEnd?: FarEndPlan, seen?: ObservedEnds) => FixVerification;

/** Names from the model: security-group names, NACL `Name` tags. */
export function namingFromModel(model: NetworkModel): FixNaming {
  return {
    groupName: (groupId) => model.securityGroup(groupId)?.GroupName,
    networkAclName: (aclId) => model.networkAcl(aclId)?.Tags?.find((t) => t.Key === 'Name')?.Value,
  };
}

/** The changes as a fix: EC2 requests rendered for the AWS CLI, Terraform and CloudFormation, with their verification. */
export function renderedFix(model: NetworkModel, changes: FixChange[], verification: FixVerification): SuggestedFix {
  return {
    changes,
    awsCli: renderAwsCli(changes),
    terraform: renderTerraform(changes, namingFromModel(model)),
    cloudFormation: renderCloudFormation(changes),
    verified: verification.verified,
    risks: verification.risks,
  };
}

/** What `proposeFix` made of a group: a fix (and the far-end controls it opens too), or why there is none. */
export type FixProposal =
  | { fix: SuggestedFix; peerSources: number; farEndBlockedBy: BlockingControl[] }
  | { fix: null; reason: 'no-change' }
  | { fix: null; reason: 'too-many-peers'; peerSources: number };

/**
 * The smallest change that lets a group's flows through, as EC2 requests and rendered for the
 * AWS CLI, Terraform and CloudFormation, verified by the given verifier. No fix when no SG/NACL
 * change can help (Block Public Access) or none could be built (`no-change`), or when the changes
 * would name more than `maxPeerSources` distinct peer CIDRs or groups, even with every peer
 * covered by address rather than by its group (`too-many-peers`; nothing is reserved in the
 * ledger then). Pass one `ledger` to every call of a run: NACL rule numbers then
 * never collide with earlier fixes', so all fixes apply together.
 *
 * When the peers are interfaces of the snapshot, the changes also open the far end of the path
 * (`planFarEnd`: the peer's subnet NACL and groups, or the client's subnet NACL for the reply),
 * named the way the logged side's peers are; those changes name the finding's own interfaces,
 * so they do not count towards `maxPeerSources`. `farEnd: false` leaves the far end alone (a
 * path question, whose records stand at both ends already).
 */
export function proposeFix(
  model: NetworkModel,
  group: FindingGroup,
  verify: FixVerifier,
  ledger: NaclRuleNumberLedger = new NaclRuleNumberLedger(),
  maxPeerSources = Number.POSITIVE_INFINITY,
  options: FixOptions = {},
): FixProposal {
  let changes = suggestChanges(model, group, ledger);
  if (!changes) return { fix: null, reason: 'no-change' };
  let peerSources = peerSourcesOf(changes).length;
  let naming: PeerNaming = { referenceGroups: true };
  if (peerSources > maxPeerSources) {
    // Too many groups to reference one by one: the same peers covered by address (many hosts of
    // one subnet by its block) may fit. Changes that reference no group cover by address already.
    naming = { referenceGroups: false };
    const byAddress = referencesGroups(changes) ? suggestChanges(model, group, ledger, naming) : null;
    const byAddressSources = byAddress ? peerSourcesOf(byAddress).length : Number.POSITIVE_INFINITY;
    if (!byAddress || byAddressSources > maxPeerSources) return { fix: null, reason: 'too-many-peers', peerSources };
    changes = byAddress;
    peerSources = byAddressSources;
  }
  const farEnd = options.farEnd === false ? null : planFarEnd(model, group, changes, ledger, naming);
  if (farEnd) changes = [...changes, ...farEnd.changes];
  ledger.reserve(changes);
  const { verified, risks } = verify(changes, group, farEnd ?? undefined);
  return {
    fix: renderedFix(model, changes, { verified, risks }),
    peerSources,
    farEndBlockedBy: farEnd?.blockedBy ?? [],
  };
}

/** How `proposeFix` builds a fix. */
export interface FixOptions {
  /** Open the far end of the path too (`planFarEnd`); true unless false. */
  farEnd?: boolean;
}

/** `proposeFix` without a bound on peers: the fix, or null. */
export function suggestFix(
  model: NetworkModel,
  group: FindingGroup,
  verify: FixVerifier,
  ledger: NaclRuleNumberLedger = new NaclRuleNumberLedger(),
  options: FixOptions = {},
): SuggestedFix | null {
  return proposeFix(model, group, verify, ledger, Number.POSITIVE_INFINITY, options).fix;
}

/** Whether a security-group change names a peer by a reference to its group. */
function referencesGroups(changes: readonly FixChange[]): boolean {
  return changes.some(
    (change) =>
      (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress') &&
      (change.params as unknown as AuthorizeSecurityGroupParams).IpPermissions?.some((p) => (p.UserIdGroupPairs?.length ?? 0) > 0),
  );
}
