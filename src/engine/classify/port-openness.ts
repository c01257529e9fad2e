import type { BlockingControl } from '../evaluate/verdict';
import type { NetworkModel } from '../network/network-model';
import { rulesHavePorts } from '../network/protocol';
import { candidateRules } from '../network/security-group-rules';

/** How the blocking control treats this protocol/port for peers other than the blocked ones. */
export interface PortOpenness {
  /** An allow rule names this protocol and a port range narrower than "all ports" that covers the port: a deliberate opening. */
  specificallyOpen: boolean;
  /** Some allow rule (any protocol, any range) admits internet addresses on this port (a VPC's own block is none). */
  openToInternet: boolean;
}

const covers = (protocol: number, port: number | null, from: number, to: number): boolean =>
  port === null || !rulesHavePorts(protocol) || (port >= from && port <= to);
const isAllPorts = (protocol: number, from: number, to: number): boolean => rulesHavePorts(protocol) && from <= 0 && to >= 65535;

/** Reads the control's own rules: the SG's rules of that direction, or the NACL's allow entries. */
export function portOpenness(model: NetworkModel, control: BlockingControl, protocol: number, port: number | null): PortOpenness {
  const result: PortOpenness = { specificallyOpen: false, openToInternet: false };
  if (control.control === 'security-group') {
    for (const groupId of control.groupIds) {
      const set = model.groupRules(groupId, control.direction);
      if (!set) continue;
      candidateRules(set, protocol, port, (rule) => {
        if (rule.protocol !== -1 && rule.protocol !== protocol) return false;
        if (!covers(protocol, port, rule.fromPort, rule.toPort)) return false;
        if (rule.protocol !== -1 && !isAllPorts(protocol, rule.fromPort, rule.toPort)) result.specificallyOpen = true;
        if (rule.peer.kind === 'prefix-list' || (rule.peer.kind === 'cidr' && model.cidrIncludesInternetPeers(rule.peer.cidr)))
          result.openToInternet = true;
        return false;
      });
    }
  } else if (control.control === 'network-acl') {
    for (const entry of model.networkAclEntries(control.networkAclId, control.direction) ?? []) {
      if (!entry.allow || (entry.protocol !== -1 && entry.protocol !== protocol)) continue;
      if (!covers(protocol, port, entry.fromPort, entry.toPort)) continue;
      if (entry.protocol !== -1 && !isAllPorts(protocol, entry.fromPort, entry.toPort)) result.specificallyOpen = true;
      if (model.cidrIncludesInternetPeers(entry.cidr)) result.openToInternet = true;
    }
  }
  return result;
}
