import { type StaleSecurityGroupRule, staleRuleOf } from '../evaluate/security-group-evaluator';
import type { BlockingControl } from '../evaluate/verdict';
import type { NetworkModel } from '../network/network-model';
import { rulesHavePorts } from '../network/protocol';
import { candidateRules } from '../network/security-group-rules';

/**
 * The stale rules (see `StaleReference`) of the security groups among `controls` that are for the
 * finding's protocol and port: the rules meant to let its private peers through, which let no one
 * through. Empty when every peer is on the internet (a group reference never matched those).
 */
export function staleRulesFor(
  model: NetworkModel,
  controls: readonly BlockingControl[],
  protocol: number,
  port: number | null,
  peers: Iterable<string>,
): StaleSecurityGroupRule[] {
  let privatePeer = false;
  for (const peer of peers) {
    const address = model.address(peer);
    if (address && !model.isInternetPeer(address)) {
      privatePeer = true;
      break;
    }
  }
  if (!privatePeer) return [];
  const out: StaleSecurityGroupRule[] = [];
  for (const control of controls) {
    if (control.control !== 'security-group') continue;
    for (const groupId of control.groupIds) {
      const set = model.groupRules(groupId, control.direction);
      if (!set) continue;
      candidateRules(set, protocol, port, (rule) => {
        const covers = !rulesHavePorts(rule.protocol) || port === null || (port >= rule.fromPort && port <= rule.toPort);
        const stale = covers ? staleRuleOf(rule) : null;
        if (stale) out.push(stale);
        return false;
      });
    }
  }
  return out;
}
