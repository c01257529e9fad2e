import type { WindowHistory } from '../../aws/config-history';
import type { ExplainContext } from '../../engine/evaluate/explain-flow';
import type { BlockingControl } from '../../engine/evaluate/verdict';
import { isoSeconds } from '../../engine/findings/iso-time.util';
import { NetworkModel } from '../../engine/network/network-model';
import type { NetworkSnapshot } from '../../engine/network/snapshot';
import type { ObservedFinding } from '../../findings/observed-finding';
import { changeTimesByControl, snapshotAt } from '../../snapshots/snapshot-at';
import { flowsNowAllowed } from './correlate';

function controlIds(control: BlockingControl): string[] {
  if (control.control === 'security-group') return control.groupIds;
  if (control.control === 'network-acl') return [control.networkAclId];
  return [];
}

/**
 * Marks a rule finding whose blocking control was changed during the window, as AWS Config
 * recorded it, so that its flows are allowed: `fixedAt` is the first such change. The findings
 * were diagnosed against the configuration in force when the window began (`snapshot`); each
 * later state is rebuilt from the recorded history, once per change time. The returned function
 * marks one finding and says whether it did.
 */
export function fixedDuringMarker(
  snapshot: NetworkSnapshot,
  history: WindowHistory,
  window: { from: Date; to: Date },
  context: ExplainContext,
): (item: ObservedFinding) => boolean {
  const models = new Map<number, NetworkModel>();
  const modelAt = (t: Date): NetworkModel => {
    let model = models.get(t.getTime());
    if (!model) models.set(t.getTime(), (model = NetworkModel.fromSnapshot(snapshotAt(snapshot, history, t))));
    return model;
  };
  const changes = changeTimesByControl(history, window);
  return (item) => {
    const finding = item.finding;
    if (finding.kind !== 'rule') return false;
    const times = new Set(controlIds(finding.blockedBy).flatMap((id) => changes.get(id) ?? []));
    for (const at of [...times].sort((a, b) => a - b).map((t) => new Date(t))) {
      if (!flowsNowAllowed(modelAt(at), item.flows, context)) continue;
      finding.fixedAt = isoSeconds(at.getTime() / 1000);
      return true;
    }
    return false;
  };
}
