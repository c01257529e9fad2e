import type { Finding } from '../../../src/engine/findings/finding';

/** The contract's example finding, with more peers and a risk, for payload tests. */
export function sampleFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    kind: 'rule',
    fingerprint: '3f6c1e0a9b2d4c7e',
    classification: 'likely-misconfiguration',
    severity: 'high',
    signals: ['internal-peer', 'peer-is-known-eni'],
    blockedBy: { control: 'security-group', direction: 'ingress', groupIds: ['sg-0web000000000000a'] },
    traffic: {
      direction: 'ingress',
      protocol: 6,
      port: 8080,
      returnTraffic: false,
      interfaces: [{ id: 'eni-0web0000000000001', owner: 'i-0web0000000000001' }],
      peers: [
        { address: '10.1.0.9', interface: 'eni-0wrk0000000000001', groupIds: ['sg-0wrk000000000000b'], records: 4 },
        { address: '10.1.0.12', records: 11 },
      ],
      records: 15,
      packets: 45,
      bytes: 2700,
      firstSeen: '2023-11-14T22:13:20Z',
      lastSeen: '2023-11-14T23:14:20Z',
    },
    suggestedFix: {
      changes: [
        {
          action: 'AuthorizeSecurityGroupIngress',
          params: {
            GroupId: 'sg-0web000000000000a',
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: 'sg-0wrk000000000000b' }] }],
          },
        },
      ],
      awsCli:
        "aws ec2 authorize-security-group-ingress --group-id sg-0web000000000000a --ip-permissions 'IpProtocol=tcp,FromPort=8080,ToPort=8080,UserIdGroupPairs=[{GroupId=sg-0wrk000000000000b}]'",
      terraform:
        'resource "aws_vpc_security_group_ingress_rule" "web_from_worker_8080" {\n  security_group_id            = "sg-0web000000000000a"\n  referenced_security_group_id = "sg-0wrk000000000000b"\n  ip_protocol                  = "tcp"\n  from_port                    = 8080\n  to_port                      = 8080\n}',
      cloudFormation: '{}',
      verified: true,
      risks: [{ kind: 'new-peers', message: 'Every instance in sg-0wrk000000000000b can reach port 8080' }],
    },
    ...overrides,
  };
}

export function naclFinding(): Finding {
  const base = sampleFinding();
  return {
    ...base,
    fingerprint: 'a1b2c3d4e5f60718',
    severity: 'medium',
    blockedBy: { control: 'network-acl', direction: 'egress', networkAclId: 'acl-0123456789abcdef0', ruleNumber: 32767 },
    traffic: { ...base.traffic, direction: 'egress', port: 443, returnTraffic: true },
    suggestedFix: {
      ...base.suggestedFix!,
      changes: [
        {
          action: 'CreateNetworkAclEntry',
          params: {
            NetworkAclId: 'acl-0123456789abcdef0',
            RuleNumber: 90,
            Protocol: '6',
            RuleAction: 'allow',
            Egress: true,
            CidrBlock: '10.1.0.0/24',
            PortRange: { From: 32768, To: 60999 },
          },
        },
      ],
      risks: [],
    },
  };
}
