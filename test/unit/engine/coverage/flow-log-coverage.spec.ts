import { describe, expect, it } from 'vitest';
import { flowLogCoverage } from '../../../../src/engine/coverage/flow-log-coverage';
import type { FlowLog, NetworkSnapshot } from '../../../../src/engine/network/snapshot';

const network = (flowLogs: FlowLog[]): NetworkSnapshot => ({
  Vpcs: [{ VpcId: 'vpc-a' }, { VpcId: 'vpc-b' }],
  Subnets: [
    { SubnetId: 'subnet-a1', VpcId: 'vpc-a' },
    { SubnetId: 'subnet-a2', VpcId: 'vpc-a' },
    { SubnetId: 'subnet-b1', VpcId: 'vpc-b' },
  ],
  NetworkInterfaces: [
    { NetworkInterfaceId: 'eni-a1', SubnetId: 'subnet-a1', VpcId: 'vpc-a' },
    { NetworkInterfaceId: 'eni-a2', SubnetId: 'subnet-a2', VpcId: 'vpc-a' },
    { NetworkInterfaceId: 'eni-b1', SubnetId: 'subnet-b1' },
  ],
  FlowLogs: flowLogs,
});
const log = (ResourceId: string, TrafficType: FlowLog['TrafficType'], FlowLogStatus = 'ACTIVE'): FlowLog => ({
  FlowLogId: `fl-${ResourceId}`,
  ResourceId,
  TrafficType,
  FlowLogStatus,
});

describe('flowLogCoverage', () => {
  it('a VPC log covers its subnets and interfaces', () => {
    const result = flowLogCoverage(network([log('vpc-a', 'ALL')]));
    expect(result.covered).toEqual(['vpc-a', 'subnet-a1', 'subnet-a2', 'eni-a1', 'eni-a2']);
    expect(result.gaps.map((g) => [g.resourceType, g.resourceId])).toEqual([
      ['vpc', 'vpc-b'],
      ['subnet', 'subnet-b1'],
      ['network-interface', 'eni-b1'],
    ]);
  });

  it('a subnet log covers its interfaces, not the VPC or its other subnets', () => {
    const result = flowLogCoverage(network([log('subnet-a1', 'REJECT')]), { vpcIds: ['vpc-a'] });
    expect(result.covered).toEqual(['subnet-a1', 'eni-a1']);
    expect(result.gaps.map((g) => g.resourceId)).toEqual(['vpc-a', 'subnet-a2', 'eni-a2']);
  });

  it('a VPC whose every subnet has a log is covered, even without a log of its own', () => {
    const only = flowLogCoverage(network([log('subnet-b1', 'REJECT')]), { vpcIds: ['vpc-b'] });
    expect(only.gaps.map((g) => g.resourceId)).not.toContain('vpc-b');
    expect(only.covered).toContain('vpc-b');
    const both = flowLogCoverage(network([log('subnet-a1', 'REJECT'), log('subnet-a2', 'ALL')]), { vpcIds: ['vpc-a'] });
    expect(both.gaps).toEqual([]);
    const inactive = flowLogCoverage(network([log('subnet-a1', 'REJECT'), log('subnet-a2', 'ALL', 'INACTIVE')]), { vpcIds: ['vpc-a'] });
    expect(inactive.gaps.map((g) => g.resourceId)).toEqual(['vpc-a', 'subnet-a2', 'eni-a2']);
  });

  it('an interface log covers only that interface (VPC found through its subnet)', () => {
    const result = flowLogCoverage(network([log('eni-b1', 'ALL')]), { vpcIds: ['vpc-b'] });
    expect(result.covered).toEqual(['eni-b1']);
  });

  it.each([
    ['ACCEPT-only', log('vpc-a', 'ACCEPT'), /fl-vpc-a captures ACCEPT traffic only/],
    ['inactive', log('vpc-a', 'ALL', 'INACTIVE'), /fl-vpc-a is INACTIVE/],
    // DescribeFlowLogs: ACTIVE, but its role may not publish (DeliverLogsStatus FAILED, "Access error").
    [
      'undelivered',
      { ...log('vpc-a', 'ALL'), DeliverLogsStatus: 'FAILED', DeliverLogsErrorMessage: 'Access error' },
      /\(fl-vpc-a fails to deliver its records: DeliverLogsStatus FAILED, Access error\)$/,
    ],
  ])('an %s log covers nothing and the gap says why', (_, flowLog, reason) => {
    const result = flowLogCoverage(network([flowLog]), { vpcIds: ['vpc-a'] });
    expect(result.covered).toEqual([]);
    expect(result.gaps[0]).toMatchObject({ resourceType: 'vpc', resourceId: 'vpc-a' });
    expect(result.gaps[0].reason).toMatch(reason);
  });

  it('transit gateway logs do not count', () => {
    const result = flowLogCoverage(network([log('tgw-0abc', 'ALL'), log('tgw-attach-0abc', 'ALL')]), { vpcIds: ['vpc-a'] });
    expect(result.covered).toEqual([]);
    expect(result.gaps).toHaveLength(5);
  });

  it('a subnet scope limits subnets and interfaces and keeps their VPC', () => {
    const result = flowLogCoverage(network([]), { subnetIds: ['subnet-a2'] });
    expect(result.gaps.map((g) => g.resourceId)).toEqual(['vpc-a', 'subnet-a2', 'eni-a2']);
    expect(result.gaps[2].reason).toBe('no active flow log on the interface, its subnet or its VPC captures REJECT traffic');
  });

  it('a snapshot without flow logs is all gaps; without resources it is empty', () => {
    expect(flowLogCoverage(network([])).covered).toEqual([]);
    expect(flowLogCoverage({})).toEqual({ covered: [], gaps: [] });
  });
});
