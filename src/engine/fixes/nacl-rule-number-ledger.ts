import type { NetworkModel } from '../network/network-model';
import type { FixChange } from './fix';

const keyOf = (networkAclId: string, egress: boolean): string => `${networkAclId} ${egress ? 'egress' : 'ingress'}`;

/**
 * The NACL rule numbers that the fixes suggested so far in one run take, per NACL and direction.
 * Fixes are meant to be applied together: a later fix must not create an entry under a number an
 * earlier one creates (EC2 refuses it: NetworkAclEntryAlreadyExists), nor replace an entry an
 * earlier one already replaced (the second would undo the first). Allocation follows the order
 * fixes are suggested in, so the same findings in the same order get the same numbers.
 */
export class NaclRuleNumberLedger {
  private readonly created = new Map<string, Set<number>>();
  private readonly replaced = new Map<string, Set<number>>();

  /**
   * Numbers in use on one side of a NACL: the snapshot's entries, those earlier fixes create, and
   * those `pending` (the fix being built) creates.
   */
  used(model: NetworkModel, networkAclId: string, egress: boolean, pending: readonly FixChange[] = []): number[] {
    const existing = (model.networkAcl(networkAclId)?.Entries ?? []).filter((e) => Boolean(e.Egress) === egress).map((e) => e.RuleNumber);
    const planned = pending
      .filter((c) => c.action === 'CreateNetworkAclEntry' && c.params.NetworkAclId === networkAclId && Boolean(c.params.Egress) === egress)
      .map((c) => Number(c.params.RuleNumber));
    return [...existing, ...(this.created.get(keyOf(networkAclId, egress)) ?? []), ...planned];
  }

  /** Whether an earlier fix already replaces this entry. */
  isReplaced(networkAclId: string, egress: boolean, ruleNumber: number): boolean {
    return this.replaced.get(keyOf(networkAclId, egress))?.has(ruleNumber) ?? false;
  }

  /** Records the NACL entries a suggested fix creates or replaces. */
  reserve(changes: readonly FixChange[]): void {
    for (const change of changes) {
      if (change.action !== 'CreateNetworkAclEntry' && change.action !== 'ReplaceNetworkAclEntry') continue;
      const book = change.action === 'CreateNetworkAclEntry' ? this.created : this.replaced;
      const key = keyOf(String(change.params.NetworkAclId), Boolean(change.params.Egress));
      const numbers = book.get(key) ?? new Set<number>();
      numbers.add(Number(change.params.RuleNumber));
      book.set(key, numbers);
    }
  }
}
