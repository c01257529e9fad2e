import type { FindingGroup } from '../findings/finding-group';
import type { NetworkModel } from '../network/network-model';
import type { FixChange, FixRisk, SuggestedFix } from './fix';
import type { AuthorizeSecurityGroupParams } from './fix-params';
import type { FixNaming } from './fix-naming';
import { NaclRuleNumberLedger } from './nacl-rule-number-ledger';
import { peerSourcesOf } from './peer-sources.util';
import { renderAwsCli } from './render-aws-cli';
import { renderCloudFormation } from './render-cloudformation';
import { renderTerraform } from './render-terraform';
import { suggestChanges } from './suggest-changes';

export interface FixVerification {
  /** Every flow allowed once the changes are applied. */
  verified: boolean;
  risks: FixRisk[];
}

/** Applies changes to a copy of the snapshot and re-evaluates the group's flows (see `createFixVerifier`). */
export type FixVerifier = (changes: FixChange[], group: FindingGroup) => FixVerification;

/** Names from the model: security-group names, NACL `Name` tags. */
export function namingFromModel(model: NetworkModel): FixNaming {
  return {
    groupName: (groupId) => model.securityGroup(groupId)?.GroupName,
    networkAclName: (aclId) => model.networkAcl(aclId)?.Tags?.find((t) => t.Key === 'Name')?.Value,
  };
}

/** What `proposeFix` made of a group: a fix, or why there is none. */
export type FixProposal =
  | { fix: SuggestedFix; peerSources: number }
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
 */
export function proposeFix(
  model: NetworkModel,
  group: FindingGroup,
  verify: FixVerifier,
  ledger: NaclRuleNumberLedger = new NaclRuleNumberLedger(),
  maxPeerSources = Number.POSITIVE_INFINITY,
): FixProposal {
  let changes = suggestChanges(model, group, ledger);
  if (!changes) return { fix: null, reason: 'no-change' };
  let peerSources = peerSourcesOf(changes).length;
  if (peerSources > maxPeerSources) {
    // Too many groups to reference one by one: the same peers covered by address (many hosts of
    // one subnet by its block) may fit. Changes that reference no group cover by address already.
    const byAddress = referencesGroups(changes) ? suggestChanges(model, group, ledger, { referenceGroups: false }) : null;
    const byAddressSources = byAddress ? peerSourcesOf(byAddress).length : Number.POSITIVE_INFINITY;
    if (!byAddress || byAddressSources > maxPeerSources) return { fix: null, reason: 'too-many-peers', peerSources };
    changes = byAddress;
    peerSources = byAddressSources;
  }
  ledger.reserve(changes);
  const naming = namingFromModel(model);
  const { verified, risks } = verify(changes, group);
  return {
    fix: {
      changes,
      awsCli: renderAwsCli(changes),
      terraform: renderTerraform(changes, naming),
      cloudFormation: renderCloudFormation(changes),
      verified,
      risks,
    },
    peerSources,
  };
}

/** `proposeFix` without a bound on peers: the fix, or null. */
export function suggestFix(
  model: NetworkModel,
  group: FindingGroup,
  verify: FixVerifier,
  ledger: NaclRuleNumberLedger = new NaclRuleNumberLedger(),
): SuggestedFix | null {
  return proposeFix(model, group, verify, ledger).fix;
}

/** Whether a security-group change names a peer by a reference to its group. */
function referencesGroups(changes: readonly FixChange[]): boolean {
  return changes.some(
    (change) =>
      (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress') &&
      (change.params as unknown as AuthorizeSecurityGroupParams).IpPermissions?.some((p) => (p.UserIdGroupPairs?.length ?? 0) > 0),
  );
}
