import type { FlowAggregate } from '../../engine/flow-log/flow-record';
import type { NetworkSnapshot } from '../../engine/network/snapshot';

const ACCOUNT_ID = /^\d{12}$/;

/**
 * The account a flow belongs to: the OwnerId of its interface in the snapshot (an organisation
 * target's snapshot holds every member's interfaces), else the records' `account-id` — the
 * account of the interface's owner, as the flow log writes it.
 */
export function interfaceAccounts(snapshot: NetworkSnapshot): (flow: FlowAggregate) => string | null {
  const owners = new Map<string, string>();
  for (const eni of snapshot.NetworkInterfaces ?? [])
    if (eni.OwnerId && ACCOUNT_ID.test(eni.OwnerId)) owners.set(eni.NetworkInterfaceId, eni.OwnerId);
  return (flow) => owners.get(flow.interfaceId) ?? (flow.accountId && ACCOUNT_ID.test(flow.accountId) ? flow.accountId : null);
}
