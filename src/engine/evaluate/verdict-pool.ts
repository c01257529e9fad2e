import type { BlockingControl, FlowVerdict } from './verdict';

/**
 * One verdict object for all the flows a diagnosis judged alike: same kind, direction,
 * return-ness and blocking controls (and, behind Block Public Access, the same controls refusing;
 * of a reply, whether a request was seen; the load balancer a refused flow bypassed). A blocked or allowed flow's reason names its own peer and
 * port and nothing after the explanation reads it, so the shared verdict leaves it out. Unknown
 * flows share one verdict per group of the coverage report (`undecidedGroup`, given by the
 * caller), with the first one's reason: the report shows one reason of each group, word for word,
 * and a day's tens of thousands of undecided flows no longer each hold a sentence of their own.
 */
export class VerdictPool {
  private readonly verdicts = new Map<string, FlowVerdict>();

  shared(verdict: FlowVerdict, undecidedGroup?: string): FlowVerdict {
    if (verdict.verdict === 'unknown') return this.sharedUnknown(verdict, undecidedGroup);
    const behind = verdict.behindBlockPublicAccess ? `|behind ${verdict.behindBlockPublicAccess.map(controlKey).join(';')}` : '';
    const unrequested = verdict.unrequested ? '|unrequested' : '';
    const bypassed = verdict.bypassedLoadBalancer ? `|bypassed ${verdict.bypassedLoadBalancer}` : '';
    const key = `${verdict.verdict}|${verdict.direction}|${verdict.returnTraffic ? 'return' : ''}|${verdict.blockedBy.map(controlKey).join(';')}${behind}${unrequested}${bypassed}`;
    let shared = this.verdicts.get(key);
    if (!shared) {
      const { reason: _reason, ...rest } = verdict;
      this.verdicts.set(key, (shared = rest));
    }
    return shared;
  }

  private sharedUnknown(verdict: FlowVerdict, group: string | undefined): FlowVerdict {
    if (group === undefined) return verdict;
    const key = `unknown|${group}|${verdict.direction}|${verdict.returnTraffic ? 'return' : ''}|${verdict.unrequested ? 'unrequested' : ''}`;
    let shared = this.verdicts.get(key);
    if (!shared) this.verdicts.set(key, (shared = verdict));
    return shared;
  }
}

function controlKey(control: BlockingControl): string {
  switch (control.control) {
    case 'security-group':
      return `sg ${control.direction} ${control.groupIds.join(',')}`;
    case 'network-acl':
      return `acl ${control.direction} ${control.networkAclId} ${control.ruleNumber}`;
    case 'block-public-access':
      return `bpa ${control.direction}`;
  }
}
