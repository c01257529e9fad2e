import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { multiTierRouteTables, multiTierSnapshot } from '../support/factories/multi-tier-snapshot';
import { transitGatewaySnapshot } from '../support/factories/transit-gateway-snapshot';

/** These tests run the BUILT binary, as users do. */
const root = join(__dirname, '..', '..');
const bin = join(root, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'sgdoctor-why-'));
const snapshot = join(tmp, 'snapshot.json');
const routes = join(tmp, 'routes.json');

function run(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const why = (...args: string[]) => run(['why', '--config', snapshot, ...args]);

beforeAll(() => {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node'), build.stdout).toBe(true);
  writeFileSync(snapshot, JSON.stringify(multiTierSnapshot()));
  // A second file, as `aws ec2 describe-route-tables` prints it: keys are merged.
  writeFileSync(routes, JSON.stringify({ RouteTables: multiTierRouteTables() }));
}, 600_000);

describe('sgdoctor why', () => {
  it('json: the contract members, the blocking group and a verified fix', () => {
    const result = why('--from', 'eni-web', '--to', 'eni-db', '--protocol', 'tcp', '--port', '5432');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(Object.keys(output)).toEqual(['verdict', 'hops', 'blockedBy', 'reply', 'suggestedFix', 'reason']);
    expect(output.verdict).toBe('blocked');
    expect(output.blockedBy).toEqual([{ control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] }]);
    expect(output.hops.at(-1)).toMatchObject({ hop: 'security-group', verdict: 'deny', explanationCode: 'ENI_SG_RULES_MISMATCH' });
    expect(output.reply.verdict).toBe('allowed');
    expect(output.suggestedFix).toMatchObject({ verified: true, changes: [{ action: 'AuthorizeSecurityGroupIngress' }] });
    expect(output.suggestedFix.awsCli).toContain('aws ec2 authorize-security-group-ingress --group-id sg-db');
  });

  it('--fail-on blocked exits 1 on a blocked path and 0 on an allowed one', () => {
    expect(why('--from', 'eni-web', '--to', 'eni-db', '--protocol', 'tcp', '--port', '5432', '--fail-on', 'blocked').code).toBe(1);
    const allowed = why('--from', 'i-web', '--to', 'i-app', '--protocol', 'tcp', '--port', '8080', '--fail-on', 'blocked');
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ verdict: 'allowed', blockedBy: [], suggestedFix: null });
  });

  it('the reply path for a given client port, and the route hop from a second --config file', () => {
    const result = run([
      'why',
      '--config',
      snapshot,
      routes,
      '--from',
      'eni-app',
      '--to',
      '8.8.8.8',
      '--protocol',
      'tcp',
      '--port',
      '443',
      '--source-port',
      '50000',
    ]);
    const output = JSON.parse(result.stdout);
    expect(output.verdict).toBe('allowed');
    expect(output.hops.find((h: { hop: string }) => h.hop === 'route')).toMatchObject({
      verdict: 'allow',
      rule: { targetType: 'nat-gateway', target: 'nat-1' },
    });
    const refused = JSON.parse(why('--from', 'eni-app', '--to', '8.8.8.8', '--protocol', 'tcp', '--port', '443').stdout);
    expect(refused.reply).toMatchObject({
      verdict: 'blocked',
      blockedBy: [{ control: 'network-acl', networkAclId: 'acl-app', ruleNumber: 32767 }],
    });
  });

  it('text: the verdict, numbered hops with explanation codes, the fix', () => {
    const result = why('--from', 'eni-web', '--to', 'eni-app', '--protocol', 'tcp', '--port', '7000', '--format', 'text');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^BLOCKED: /);
    expect(result.stdout).toContain('SUBNET_ACL_RESTRICTION');
    expect(result.stdout).toContain('ENI_SG_RULES_MISMATCH');
    expect(result.stdout).toContain('suggested fix (verified by simulation)');
  });

  it('an ICMP type: the fix opens that type and its reply type in JSON, the AWS CLI, Terraform and text', () => {
    const args = ['--from', 'eni-app', '--to', 'eni-db', '--protocol', 'icmp', '--port', '8'];
    const fix = JSON.parse(why(...args).stdout).suggestedFix;
    expect(fix.verified).toBe(true);
    expect(fix.changes.map((c: { params: Record<string, unknown> }) => c.params.IcmpTypeCode ?? c.params.IpPermissions)).toEqual([
      { Code: -1, Type: 8 },
      [expect.objectContaining({ IpProtocol: 'icmp', FromPort: 8, ToPort: -1 })],
      { Code: -1, Type: 0 },
    ]);
    expect(fix.awsCli).toContain('--icmp-type-code Code=-1,Type=0 ');
    expect(fix.terraform).toContain('resource "aws_vpc_security_group_ingress_rule" "db_from_app_icmp_8"');
    const text = why(...args, '--format', 'text').stdout;
    expect(text).toContain('  aws ec2 authorize-security-group-ingress --group-id sg-db --ip-permissions');
    expect(text).toContain("'IpProtocol=icmp,FromPort=8,ToPort=-1,UserIdGroupPairs=[{GroupId=sg-app}]'");
    expect(text).toContain('--icmp-type-code Code=-1,Type=8 ');
    expect(text).not.toContain('Type=-1');
    // Without a type every type is opened, and the fix says so.
    const untyped = why('--from', 'eni-app', '--to', 'eni-db', '--protocol', 'icmp', '--format', 'text').stdout;
    expect(untyped).toContain('--icmp-type-code Code=-1,Type=-1 ');
    expect(untyped).toContain('  risk: acl-db, sg-db open every icmp type: the question names no ICMP type (give one as the port)');
  });

  it('usage errors exit 2 naming the option; a bad snapshot exits 3', () => {
    const noPort = why('--from', 'eni-web', '--to', 'eni-db', '--protocol', 'tcp');
    expect(noPort.code).toBe(2);
    expect(noPort.stderr).toContain('--port');
    expect(why('--from', 'web', '--to', 'eni-db', '--protocol', 'tcp', '--port', '1').code).toBe(2);
    expect(why('--from', 'eni-web', '--to', 'eni-db', '--protocol', 'tcp', '--port', '1', '--fail-on', 'nope').code).toBe(2);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"SecurityGroups": 3}');
    expect(run(['why', '--config', bad, '--from', 'eni-web', '--to', 'eni-db', '--protocol', 'tcp', '--port', '1']).code).toBe(3);
  });

  it.each([
    [
      ['--from', 'eni-web', '--to', 'eni-db', '--protocol', 'tcp', '--port', '1', '--source-port=-5'],
      '--source-port must be an integer 1-65535, got -5',
    ],
    [['--from', 'eni-web', '--to', 'eni-db', '--protocol', 'tcp', '--port', '70000'], '--port must be an integer 0-65535, got 70000'],
    [['--from', 'eni-web', '--to', 'eni-db', '--protocol', 'tcp'], '--port: tcp needs a destination port'],
    [['--from', 'eni-web', '--to', 'eni-db', '--protocol', 'icmp', '--port', '300'], '--port: an ICMP type is 0-255, got 300'],
    [
      ['--from', 'eni-web', '--to', 'eni-db', '--protocol', 'bogus', '--port', '1'],
      '--protocol must be tcp, udp, icmp, icmpv6 or a protocol number 0-255, got "bogus"',
    ],
    [
      ['--from', 'web', '--to', 'eni-db', '--protocol', 'tcp', '--port', '1'],
      '--from must be an interface id (eni-…), an instance id (i-…) or an IP address, got "web"',
    ],
    [
      ['--from', 'eni-web', '--to', '10.0.0.256', '--protocol', 'tcp', '--port', '1'],
      '--to is not an IP address: "10.0.0.256" (IPv4 as four numbers 0-255 without leading zeros, or IPv6)',
    ],
    [
      ['--from', '10.0.1.10', '--to', '2001:db8::5', '--protocol', 'tcp', '--port', '1'],
      '--from and --to must be addresses of one IP family, got IPv4 10.0.1.10 and IPv6 2001:db8::5',
    ],
    // --who asks about --to alone.
    [
      ['--to', 'web', '--protocol', 'tcp', '--port', '22', '--who'],
      '--to must be an interface id (eni-…), an instance id (i-…) or an IP address, got "web"',
    ],
    [['--to', 'eni-web', '--protocol', 'tcp', '--port', 'x', '--who'], '--port must be an integer 0-65535, got x'],
  ])('a bad question names the flag, not the API member: why %j', (args, message) => {
    const result = why(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`sgdoctor: ${message}\n`);
  });

  it('--who lists the sources the snapshot admits, after the NACL', () => {
    const result = why('--to', 'i-app', '--protocol', 'tcp', '--port', '8080', '--who');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.destination).toMatchObject({ interfaceId: 'eni-app', networkAclId: 'acl-app' });
    expect(output.sources).toHaveLength(1);
    expect(output.sources[0]).toMatchObject({ kind: 'security-group', peer: 'sg-web', verdict: 'partly' });
    const text = why('--to', 'eni-web', '--protocol', 'tcp', '--port', '22', '--who', '--format', 'text');
    expect(text.stdout).toContain('prefix-list pl-office');
    expect(why('--to', 'eni-web', '--protocol', 'tcp', '--port', '22', '--who', '--from', 'eni-app').code).toBe(2);
    expect(why('--to', '8.8.8.8', '--protocol', 'tcp', '--port', '22', '--who').code).toBe(3);
  });

  it('a group reference across a transit gateway: decided from describe-transit-gateways and describe-transit-gateway-vpc-attachments files', () => {
    const { TransitGateways, TransitGatewayVpcAttachments, ...network } = transitGatewaySnapshot();
    const networkFile = join(tmp, 'tgw-network.json');
    const gatewaysFile = join(tmp, 'tgw-gateways.json');
    const attachmentsFile = join(tmp, 'tgw-attachments.json');
    writeFileSync(networkFile, JSON.stringify(network));
    writeFileSync(attachmentsFile, JSON.stringify({ TransitGatewayVpcAttachments }));
    const path = (...files: string[]) => {
      const result = run(['why', '--config', ...files, '--from', 'eni-a1', '--to', 'eni-c1', '--protocol', 'tcp', '--port', '5432']);
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout) as { verdict: string; reason: string };
    };
    writeFileSync(gatewaysFile, JSON.stringify({ TransitGateways }));
    expect(path(networkFile).verdict).toBe('unknown');
    expect(path(networkFile).reason).toContain('which the snapshot does not show');
    expect(path(networkFile, gatewaysFile, attachmentsFile).verdict).toBe('allowed');
    const disabled = TransitGateways!.map((g) => ({ ...g, Options: { SecurityGroupReferencingSupport: 'disable' } }));
    writeFileSync(gatewaysFile, JSON.stringify({ TransitGateways: disabled }));
    expect(path(networkFile, gatewaysFile, attachmentsFile).verdict).toBe('blocked');
  });
});
