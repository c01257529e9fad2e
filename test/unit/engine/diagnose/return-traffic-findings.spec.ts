import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import type { Finding } from '../../../../src/engine/findings/finding';
import { FlowAggregator } from '../../../../src/engine/flow-log/flow-aggregator';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { createLineParser } from '../../../../src/engine/flow-log/flow-log-parser';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { returnTrafficSnapshot } from '../../../support/factories/return-traffic-snapshot';

/*
 * Return traffic found without tcp-flags (version 2 records), through the aggregator and the whole
 * diagnosis: one finding per answering service, NACL fixes on the clients' ephemeral range, never a
 * security-group change.
 */

/** Version 2 records, `eni src:port dst:port action` each, repeated 10 minutes apart. */
function aggregates(lines: string[], repeats = 2): FlowAggregate[] {
  const parse = createLineParser();
  const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  for (let i = 0; i < repeats; i++) {
    const start = 1_700_000_000 + i * 600;
    for (const line of lines) {
      const [eni, src, dst, action] = line.split(' ');
      const [srcaddr, srcport] = src.split(':');
      const [dstaddr, dstport] = dst.split(':');
      const text = `2 111122223333 ${eni} ${srcaddr} ${dstaddr} ${srcport} ${dstport} 6 3 180 ${start} ${start + 60} ${action} OK`;
      const parsed = parse(text);
      if (!parsed.ok) throw new Error(parsed.error);
      aggregator.add(parsed.record);
    }
  }
  return aggregator.aggregates();
}

function findingsOf(lines: string[], snapshot: NetworkSnapshot = returnTrafficSnapshot): Finding[] {
  return diagnose(snapshot, aggregates(lines)).findings;
}

const actions = (finding: Finding): string[] => finding.suggestedFix?.changes.map((c) => c.action) ?? [];
const portRanges = (finding: Finding) => finding.suggestedFix?.changes.map((c) => c.params.PortRange);

describe("replies to a load balancer's client ports", () => {
  it('below and above the service port are one return-traffic finding of the service that answered, fixed on 1024–65535', () => {
    const findings = findingsOf(['eni-app 10.0.2.20:8080 10.0.1.10:1500 REJECT', 'eni-app 10.0.2.20:8080 10.0.1.10:9000 REJECT']);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.traffic).toMatchObject({ direction: 'egress', port: 8080, records: 4 });
    expect(finding.blockedBy).toEqual({ control: 'network-acl', direction: 'egress', networkAclId: 'acl-app', ruleNumber: 32767 });
    expect(finding.signals).toContain('return-traffic');
    // acl-app's entry for the replies, then acl-pub's: the load balancer's subnet admits only 443 and 32768-65535 inbound.
    expect(finding.suggestedFix!.changes.map((c) => [c.action, c.params.NetworkAclId, c.params.Egress])).toEqual([
      ['CreateNetworkAclEntry', 'acl-app', true],
      ['CreateNetworkAclEntry', 'acl-pub', false],
    ]);
    expect(portRanges(finding)).toEqual([
      { From: 1024, To: 65535 },
      { From: 1024, To: 65535 },
    ]);
    expect(finding.suggestedFix!.verified).toBe(true);
  });
});

describe('an inbound reply to a request the interface sent out', () => {
  it('is a finding of the answering service (50051), its NACL fix covering the client port, no security-group change', () => {
    const findings = findingsOf(['eni-app 10.0.2.20:40000 10.0.3.30:50051 ACCEPT', 'eni-app 10.0.3.30:50051 10.0.2.20:40000 REJECT']);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.traffic).toMatchObject({ direction: 'ingress', port: 50051 });
    expect(actions(finding)).toEqual(['CreateNetworkAclEntry']);
    expect(portRanges(finding)).toEqual([{ From: 32768, To: 60999 }]);
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it('a client port outside the Linux range gets a range that holds it (chosen from the client port, not the service port)', () => {
    const findings = findingsOf(['eni-app 10.0.2.20:30000 10.0.3.30:50051 ACCEPT', 'eni-app 10.0.3.30:50051 10.0.2.20:30000 REJECT']);
    expect(findings).toHaveLength(1);
    expect(portRanges(findings[0])).toEqual([{ From: 1024, To: 65535 }]);
    expect(findings[0].suggestedFix!.verified).toBe(true);
  });
});

describe('requests whose service port is not the lower port', () => {
  // sg-db serves 50051 to the whole VPC and lets everything out; acl-db admits 50051 from the app subnet only.
  const served: NetworkSnapshot = {
    ...returnTrafficSnapshot,
    SecurityGroups: returnTrafficSnapshot.SecurityGroups!.map((g) =>
      g.GroupId === 'sg-db'
        ? {
            ...g,
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: 50051, ToPort: 50051, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }],
            IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
          }
        : g,
    ),
  };

  it('from client ports below 50051 are one finding of 50051: its NACL entry, the reply on the client range, verified', () => {
    const clients = [40000, 40003, 40006].map((port) => `eni-db 10.0.1.40:${port} 10.0.3.30:50051 REJECT`);
    const findings = findingsOf(clients, served);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.traffic).toMatchObject({ direction: 'ingress', port: 50051, returnTraffic: false });
    expect(finding.suggestedFix!.changes.map((c) => [c.params.Egress, c.params.PortRange])).toEqual([
      [false, { From: 50051, To: 50051 }],
      [true, { From: 32768, To: 60999 }],
    ]);
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it('from a low fixed port to a port the interface does not serve (it cannot be a reply): the finding and its fix are about the port asked for', () => {
    // sg-app reaches nothing on port 20 of 10.0.3.30, so its own request cannot have gone out to it.
    const findings = findingsOf(['eni-app 10.0.3.30:20 10.0.2.20:45000 REJECT']);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.traffic).toMatchObject({ direction: 'ingress', port: 45000, returnTraffic: false });
    const opened = finding.suggestedFix!.changes.map((c) => c.params.PortRange ?? c.params.IpPermissions);
    expect(JSON.stringify(opened)).toContain('45000');
    expect(finding.suggestedFix!.verified).toBe(true);
  });
});

describe('replies to a NAT gateway', () => {
  it('from 443 to its ports are return traffic: a NACL entry for 1024–65535, verified', () => {
    const ports = [5000, 12000, 20000, 1500, 28000, 9000];
    const findings = findingsOf(ports.map((port) => `eni-nat 198.51.100.80:443 10.0.1.50:${port} REJECT`));
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.traffic).toMatchObject({ direction: 'ingress', port: 443 });
    expect(finding.signals).toContain('return-traffic');
    expect(actions(finding)).toEqual(['CreateNetworkAclEntry']);
    expect(portRanges(finding)).toEqual([{ From: 1024, To: 65535 }]);
    expect(finding.suggestedFix!.verified).toBe(true);
  });
});

describe('replies to a NAT gateway from a port above its own', () => {
  it('are a finding of the port that answered (8443) once the logs hold what the NAT gateway sent there', () => {
    const findings = findingsOf(['eni-nat 10.0.1.50:1500 198.51.100.80:8443 ACCEPT', 'eni-nat 198.51.100.80:8443 10.0.1.50:1500 REJECT']);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.traffic).toMatchObject({ direction: 'ingress', port: 8443 });
    expect(finding.signals).toContain('return-traffic');
    expect(actions(finding)).toEqual(['CreateNetworkAclEntry']);
    expect(portRanges(finding)).toEqual([{ From: 1024, To: 65535 }]);
    expect(finding.suggestedFix!.verified).toBe(true);
  });
});

describe('a reply whose request rule the snapshot cannot decide', () => {
  it('is no finding: it is counted as undecided', () => {
    const result = diagnose(returnTrafficSnapshot, aggregates(['eni-app 52.95.1.1:443 10.0.2.20:50000 REJECT']));
    expect(result.findings).toEqual([]);
    expect(result.stats.rejected.unknown).toEqual({ flows: 1, records: 2 });
  });
});
