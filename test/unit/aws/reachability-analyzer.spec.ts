import {
  CreateNetworkInsightsPathCommand,
  DeleteNetworkInsightsAnalysisCommand,
  DeleteNetworkInsightsPathCommand,
  DescribeNetworkInsightsAnalysesCommand,
  EC2Client,
  StartNetworkInsightsAnalysisCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReachabilityAnalyzer } from '../../../src/aws/reachability-analyzer';
import { NetworkModel } from '../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../src/engine/network/snapshot-loader';
import { analyzePath } from '../../../src/engine/path/analyze-path';
import { type AnalyzerPathInput, analyzerPathFor, compareWithAnalyzer } from '../../../src/engine/path/analyzer-comparison';
import { parsePathQuery } from '../../../src/engine/path/path-query';
import { multiTierSnapshot } from '../../support/factories/multi-tier-snapshot';
import { analyzerResponses } from '../../support/aws/reachability-analyzer-responses';

const target = { accountId: '123456789012', region: 'us-east-1' };
const model = NetworkModel.fromSnapshot(validateSnapshot(multiTierSnapshot()));
const webToDb = analyzePath(model, parsePathQuery({ from: 'eni-web', to: 'eni-db', protocol: 'tcp', port: 5432 }));

const aws = analyzerResponses(
  { accountId: target.accountId, region: target.region },
  { pathId: 'nip-0b26f224f1d131fa8', analysisId: 'nia-02207aa13eb480c7a', createdAt: '2026-12-04T10:00:00.000Z' },
);
const createdPath = aws.createdPath({ Source: 'eni-web', Destination: 'eni-db', Protocol: 'tcp', DestinationPort: 5432 });
const { started: startedAnalysis, running } = aws;
const notReachable = aws.blocked({ interfaceId: 'eni-db', securityGroupIds: ['sg-db'], subnetId: 'subnet-db', vpcId: 'vpc-a' });
const failed = aws.failed('eni-db');

describe('ReachabilityAnalyzer through the EC2 client', () => {
  const ec2Mock = mockClient(EC2Client);
  const client = new EC2Client({ region: 'us-east-1' });
  const sleeps: number[] = [];
  let clock = 0;
  const analyzer = new ReachabilityAnalyzer(
    { ec2: () => client },
    {
      pollIntervalMs: 5_000,
      timeoutMs: 60_000,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      now: () => clock,
    },
  );
  const path = analyzerPathFor(webToDb) as AnalyzerPathInput;

  beforeEach(() => {
    ec2Mock.reset();
    sleeps.length = 0;
    clock = 0;
    ec2Mock.on(CreateNetworkInsightsPathCommand).resolves(createdPath);
    ec2Mock.on(StartNetworkInsightsAnalysisCommand).resolves(startedAnalysis);
    ec2Mock.on(DeleteNetworkInsightsAnalysisCommand).resolves({ NetworkInsightsAnalysisId: 'nia-02207aa13eb480c7a' });
    ec2Mock.on(DeleteNetworkInsightsPathCommand).resolves({ NetworkInsightsPathId: 'nip-0b26f224f1d131fa8' });
  });

  afterEach(() => ec2Mock.reset());

  it('asks for the pair, polls until the analysis finishes, deletes analysis then path, and agrees with sgdoctor', async () => {
    ec2Mock.on(DescribeNetworkInsightsAnalysesCommand).resolvesOnce(running).resolvesOnce(running).resolves(notReachable);
    const startedBeforePolling: Array<{ ids: unknown; describeCalls: number }> = [];
    const run = await analyzer.analyze(target, path, 'sgdoctor-path-1', undefined, async (ids) => {
      startedBeforePolling.push({ ids, describeCalls: ec2Mock.commandCalls(DescribeNetworkInsightsAnalysesCommand).length });
    });
    expect(startedBeforePolling).toEqual([
      { ids: { networkInsightsPathId: 'nip-0b26f224f1d131fa8', networkInsightsAnalysisId: 'nia-02207aa13eb480c7a' }, describeCalls: 0 },
    ]);

    expect(ec2Mock.commandCalls(CreateNetworkInsightsPathCommand)[0].args[0].input).toMatchObject({
      Source: 'eni-web',
      Destination: 'eni-db',
      SourceIp: '10.0.1.10',
      DestinationIp: '10.0.3.30',
      Protocol: 'tcp',
      DestinationPort: 5432,
      ClientToken: 'sgdoctor-path-1',
    });
    expect(ec2Mock.commandCalls(StartNetworkInsightsAnalysisCommand)[0].args[0].input).toMatchObject({
      NetworkInsightsPathId: 'nip-0b26f224f1d131fa8',
    });
    expect(ec2Mock.commandCalls(DescribeNetworkInsightsAnalysesCommand)).toHaveLength(3);
    expect(sleeps).toEqual([5_000, 5_000]);
    const order = ec2Mock.calls().map((c) => c.args[0].constructor.name);
    expect(order.slice(-2)).toEqual(['DeleteNetworkInsightsAnalysisCommand', 'DeleteNetworkInsightsPathCommand']);
    expect(run).toMatchObject({
      status: 'succeeded',
      networkInsightsAnalysisId: 'nia-02207aa13eb480c7a',
      cleanup: { deleted: true, error: null },
    });

    const comparison = compareWithAnalyzer(webToDb, run.analysis!);
    expect(comparison.agree).toBe(true);
    expect(comparison.analyzer).toEqual({ reachable: false, codes: ['ENI_SG_RULES_MISMATCH'] });
    const blamed = comparison.hops.find((h) => h.sgdoctor === 'deny')!;
    expect(blamed).toMatchObject({
      hop: 'security-group',
      direction: 'ingress',
      component: 'sg-db',
      sgdoctorCode: 'ENI_SG_RULES_MISMATCH',
      agree: true,
    });
    expect(blamed.analyzer).toHaveLength(1);
    expect(comparison.unmatched).toEqual([]);
  });

  it('reports a failed analysis with its message and still cleans up', async () => {
    ec2Mock.on(DescribeNetworkInsightsAnalysesCommand).resolves(failed);
    const run = await analyzer.analyze(target, path, 'sgdoctor-path-2');
    expect(run).toMatchObject({
      status: 'failed',
      statusMessage: 'The request failed due to missing component eni-db',
      cleanup: { deleted: true },
    });
    expect(ec2Mock.commandCalls(DeleteNetworkInsightsPathCommand)).toHaveLength(1);
  });

  it('gives up at the deadline, deleting what it created', async () => {
    ec2Mock.on(DescribeNetworkInsightsAnalysesCommand).resolves(running);
    const run = await analyzer.analyze(target, path, 'sgdoctor-path-3');
    expect(run.status).toBe('timed-out');
    expect(run.analysis).toBeNull();
    expect(ec2Mock.commandCalls(DeleteNetworkInsightsAnalysisCommand)).toHaveLength(1);
    expect(ec2Mock.commandCalls(DeleteNetworkInsightsPathCommand)).toHaveLength(1);
  });

  it('deletes the path when starting the analysis fails, and rethrows', async () => {
    ec2Mock.on(StartNetworkInsightsAnalysisCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' }));
    await expect(analyzer.analyze(target, path, 'sgdoctor-path-4')).rejects.toThrow('Rate exceeded');
    expect(ec2Mock.commandCalls(DeleteNetworkInsightsAnalysisCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(DeleteNetworkInsightsPathCommand)).toHaveLength(1);
    // Nothing started, nothing billed: the caller is never told of a start.
    let told = false;
    await expect(
      analyzer.analyze(target, path, 'sgdoctor-path-4b', undefined, async () => {
        told = true;
      }),
    ).rejects.toThrow('Rate exceeded');
    expect(told).toBe(false);
  });

  it.each([
    [
      'CreateNetworkInsightsPath',
      CreateNetworkInsightsPathCommand,
      'UnauthorizedOperation',
      'You are not authorized to perform this operation.',
    ],
    ['StartNetworkInsightsAnalysis', StartNetworkInsightsAnalysisCommand, 'RequestLimitExceeded', 'Request limit exceeded.'],
    ['DescribeNetworkInsightsAnalyses', DescribeNetworkInsightsAnalysesCommand, 'InternalError', 'An internal error has occurred'],
  ] as const)(
    'a failed %s names the call, the account and the region (EC2’s message names none)',
    async (action, command, name, message) => {
      ec2Mock
        .on(command as never)
        .rejects(Object.assign(new Error(message), { name, $fault: name === 'UnauthorizedOperation' ? 'client' : 'server' }));
      const failure = await analyzer.analyze(target, path, `sgdoctor-path-${action}`).catch((e: unknown) => e);
      expect(failure).toMatchObject({ name, message: `ec2:${action} (account 123456789012, us-east-1): ${message}` });
    },
  );

  it('says when the clean-up failed instead of hiding it', async () => {
    ec2Mock.on(DescribeNetworkInsightsAnalysesCommand).resolves(notReachable);
    ec2Mock.on(DeleteNetworkInsightsPathCommand).rejects(Object.assign(new Error('in use'), { name: 'DependencyViolation' }));
    const run = await analyzer.analyze(target, path, 'sgdoctor-path-5');
    expect(run.status).toBe('succeeded');
    expect(run.cleanup).toEqual({ deleted: false, error: 'DependencyViolation: in use' });
  });
});

describe('comparing a path with Reachability Analyzer', () => {
  it('disagrees, hop by hop, when the analyzer finds a path sgdoctor blocks', () => {
    const comparison = compareWithAnalyzer(webToDb, { Status: 'succeeded', NetworkPathFound: true, Explanations: [] });
    expect(comparison.agree).toBe(false);
    expect(comparison.hops.filter((h) => !h.agree).map((h) => `${h.hop} ${h.direction} ${h.component}`)).toEqual([
      'security-group ingress sg-db',
    ]);
  });

  it('matches NACL explanations by ACL and direction, and keeps the ones naming no hop', () => {
    const twoControls = analyzePath(model, parsePathQuery({ from: 'eni-web', to: 'eni-app', protocol: 'tcp', port: 7000 }));
    const comparison = compareWithAnalyzer(twoControls, {
      Status: 'succeeded',
      NetworkPathFound: false,
      Explanations: [
        {
          ExplanationCode: 'SUBNET_ACL_RESTRICTION',
          Direction: 'ingress',
          Acl: { Id: 'acl-app' },
          AclRule: { RuleNumber: 32767, RuleAction: 'deny', Egress: false },
        },
        {
          ExplanationCode: 'ENI_SG_RULES_MISMATCH',
          Direction: 'ingress',
          NetworkInterface: { Id: 'eni-app' },
          SecurityGroups: [{ Id: 'sg-app' }],
        },
        { ExplanationCode: 'IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS', Component: { Id: 'igw-1' } },
      ],
    });
    expect(comparison.agree).toBe(true);
    expect(comparison.unmatched.map((e) => e.ExplanationCode)).toEqual(['IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS']);
    // An explanation about the other direction of the same ACL does not blame the inbound hop.
    const wrongWay = compareWithAnalyzer(twoControls, {
      NetworkPathFound: false,
      Explanations: [{ ExplanationCode: 'SUBNET_ACL_RESTRICTION', Acl: { Id: 'acl-app' }, AclRule: { RuleNumber: 100, Egress: true } }],
    });
    expect(wrongWay.agree).toBe(false);
  });

  it('asks the analyzer only what it can answer: TCP/UDP, IPv4, a source resource', () => {
    const ask = (from: string, to: string, protocol: string, port?: number) =>
      analyzerPathFor(analyzePath(model, parsePathQuery({ from, to, protocol, port })));
    expect(ask('eni-web', 'eni-app', 'icmp', 8)).toEqual({ unsupported: 'Reachability Analyzer analyses TCP and UDP only' });
    expect(ask('2001:db8::5', 'eni-web', 'tcp', 443)).toEqual({ unsupported: 'Reachability Analyzer analyses IPv4 only' });
    expect(ask('198.51.100.9', 'eni-web', 'tcp', 22)).toMatchObject({ unsupported: expect.stringContaining('needs a source resource') });
    expect(ask('eni-app', '8.8.8.8', 'udp', 53)).toEqual({
      Source: 'eni-app',
      Protocol: 'udp',
      DestinationPort: 53,
      DestinationIp: '8.8.8.8',
      SourceIp: '10.0.2.20',
    });
  });
});
