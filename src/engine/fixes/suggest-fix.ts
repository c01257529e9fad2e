import type { FindingGroup } from '../findings/finding-group';
import type { NetworkModel } from '../network/network-model';
import type { FixChange, FixRisk, SuggestedFix } from './fix';
import type { FixNaming } from './fix-naming';
import { NaclRuleNumberLedger } from './nacl-rule-number-ledger';
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

/**
 * The smallest change that lets a group's flows through, as EC2 requests and rendered for the
 * AWS CLI, Terraform and CloudFormation, verified by the given verifier. Null when no SG/NACL
 * change can help (Block Public Access) or none could be built. Pass one `ledger` to every call of
 * a run: NACL rule numbers then never collide with earlier fixes', so all fixes apply together.
 */
export function suggestFix(
  model: NetworkModel,
  group: FindingGroup,
  verify: FixVerifier,
  ledger: NaclRuleNumberLedger = new NaclRuleNumberLedger(),
): SuggestedFix | null {
  const changes = suggestChanges(model, group, ledger);
  if (!changes) return null;
  ledger.reserve(changes);
  const naming = namingFromModel(model);
  const { verified, risks } = verify(changes, group);
  return {
    changes,
    awsCli: renderAwsCli(changes),
    terraform: renderTerraform(changes, naming),
    cloudFormation: renderCloudFormation(changes),
    verified,
    risks,
  };
}
