import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import type { FixChange } from '../../../../src/engine/fixes/fix';
import type { AuthorizeSecurityGroupParams, IpPermissionParam, NetworkAclEntryParams } from '../../../../src/engine/fixes/fix-params';
import { renderAwsCli } from '../../../../src/engine/fixes/render-aws-cli';
import { readShorthand } from '../../../support/aws-cli-shorthand';
import { renderCloudFormation } from '../../../../src/engine/fixes/render-cloudformation';
import { renderTerraform } from '../../../../src/engine/fixes/render-terraform';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { parsePathQuery } from '../../../../src/engine/path/path-query';
import { explainPath } from '../../../../src/engine/path/suggest-path-fix';
import { multiTierSnapshot } from '../../../support/factories/multi-tier-snapshot';

/*
 * Each rendering of a fix, read back the way its tool reads it — the AWS CLI's options and
 * shorthand, the Terraform AWS provider's arguments, CloudFormation's resource properties —
 * must be the EC2 requests of `changes`, member for member, using only names those tools
 * document. Rule descriptions are the one member the renderings leave out (the contract's
 * finding.example.json renders its fix without them).
 */

type Request = { action: string; params: Record<string, unknown> };

const PROTOCOL_WORDS: Record<string, string> = { tcp: '6', udp: '17', icmp: '1', icmpv6: '58', all: '-1' };
const protocolNumber = (value: string): string => PROTOCOL_WORDS[value.toLowerCase()] ?? value;
const hasPorts = (protocol: string) => protocol === '6' || protocol === '17';
const isIcmp = (protocol: string) => protocol === '1' || protocol === '58';

/** One IpPermission per peer (the shape one Terraform or CloudFormation resource holds). */
function perPeer(change: FixChange): Request[] {
  if (change.action !== 'AuthorizeSecurityGroupIngress' && change.action !== 'AuthorizeSecurityGroupEgress') return [change];
  const params = change.params as unknown as AuthorizeSecurityGroupParams;
  return params.IpPermissions.flatMap((permission) => {
    const { IpRanges, Ipv6Ranges, UserIdGroupPairs, ...ports } = permission;
    const one = (peer: Partial<IpPermissionParam>): Request => ({
      action: change.action,
      params: { GroupId: params.GroupId, IpPermissions: [{ ...ports, ...peer }] },
    });
    return [
      ...(UserIdGroupPairs ?? []).map((pair) => one({ UserIdGroupPairs: [pair] })),
      ...(IpRanges ?? []).map((range) => one({ IpRanges: [range] })),
      ...(Ipv6Ranges ?? []).map((range) => one({ Ipv6Ranges: [range] })),
    ];
  });
}

/** `value` without its `Description` members. */
function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'Description')
        .map(([k, v]) => [k, withoutDescriptions(v)]),
    );
  return value;
}

/**
 * The request as the renderings must carry it: descriptions left out, and a NACL entry's
 * `Protocol` as its number (EC2 reads `tcp` and `6` alike).
 */
function normalised(request: Request): Request {
  if (request.action !== 'CreateNetworkAclEntry' && request.action !== 'ReplaceNetworkAclEntry')
    return withoutDescriptions(request) as Request;
  return { ...request, params: { ...request.params, Protocol: protocolNumber(String(request.params.Protocol)) } };
}

// ---- AWS CLI -------------------------------------------------------------------------------

/** The words a POSIX shell passes to `aws`, one command a line. */
function shellCommands(script: string): string[][] {
  const run = spawnSync('sh', ['-c', `aws() { for a in "$@"; do printf '%s\\0' "$a"; done; printf '\\1'; }\n${script}`], {
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout
    .split('\u0001')
    .slice(0, -1)
    .map((command) => command.split('\0').slice(0, -1));
}

const INTEGER_MEMBERS = new Set(['FromPort', 'ToPort', 'From', 'To', 'Code', 'Type']);

/** Shorthand values are text; the CLI converts the members the API types as integers. */
function typed(value: unknown, member = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => typed(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typed(v, k)]));
  if (INTEGER_MEMBERS.has(member)) {
    expect(value, member).toMatch(/^-?\d+$/);
    return Number(value);
  }
  return value;
}

/** Options of each command as the AWS CLI reference documents them. */
const CLI_OPTIONS: Record<string, { action: string; options: string[] }> = {
  'authorize-security-group-ingress': {
    action: 'AuthorizeSecurityGroupIngress',
    options: ['--group-id', '--ip-permissions'],
  },
  'authorize-security-group-egress': { action: 'AuthorizeSecurityGroupEgress', options: ['--group-id', '--ip-permissions'] },
  'create-network-acl-entry': {
    action: 'CreateNetworkAclEntry',
    options: [
      '--network-acl-id',
      '--rule-number',
      '--protocol',
      '--rule-action',
      '--egress',
      '--ingress',
      '--cidr-block',
      '--ipv6-cidr-block',
      '--icmp-type-code',
      '--port-range',
    ],
  },
};
CLI_OPTIONS['replace-network-acl-entry'] = { ...CLI_OPTIONS['create-network-acl-entry'], action: 'ReplaceNetworkAclEntry' };

function cliRequest(words: string[]): Request {
  expect(words[0]).toBe('ec2');
  const command = CLI_OPTIONS[words[1]];
  expect(command, words[1]).toBeDefined();
  const values = new Map<string, string[]>();
  let option = '';
  for (const word of words.slice(2)) {
    if (word.startsWith('--')) {
      expect(command.options, word).toContain(word);
      expect(values.has(word), `${word} given twice`).toBe(false);
      option = word;
      values.set(word, []);
    } else values.get(option)!.push(word);
  }
  const one = (name: string) => {
    const list = values.get(name);
    if (list === undefined) return undefined;
    expect(list, name).toHaveLength(1);
    return list[0];
  };
  if (command.action.startsWith('Authorize')) {
    return {
      action: command.action,
      params: { GroupId: one('--group-id'), IpPermissions: values.get('--ip-permissions')!.map((p) => typed(readShorthand(p))) },
    };
  }
  // `--egress | --ingress` (boolean, required): exactly one of them, with no value.
  expect(Number(values.has('--egress')) + Number(values.has('--ingress'))).toBe(1);
  expect(values.get('--egress') ?? values.get('--ingress')).toEqual([]);
  const params: Record<string, unknown> = {
    NetworkAclId: one('--network-acl-id'),
    RuleNumber: Number(one('--rule-number')),
    Protocol: one('--protocol'),
    RuleAction: one('--rule-action'),
    Egress: values.has('--egress'),
  };
  if (values.has('--cidr-block')) params.CidrBlock = one('--cidr-block');
  if (values.has('--ipv6-cidr-block')) params.Ipv6CidrBlock = one('--ipv6-cidr-block');
  if (values.has('--port-range')) params.PortRange = typed(readShorthand(one('--port-range')!));
  if (values.has('--icmp-type-code')) params.IcmpTypeCode = typed(readShorthand(one('--icmp-type-code')!));
  return { action: command.action, params };
}

// ---- Terraform -----------------------------------------------------------------------------

interface HclBlock {
  kind: 'resource' | 'import';
  type: string;
  name: string;
  attributes: Record<string, string | number | boolean>;
}

/** The blocks the renderer writes: `resource "T" "N" { a = v … }` and `import { to = … id = … }`; `#` comment lines skipped. */
function hclBlocks(hcl: string): HclBlock[] {
  const blocks: HclBlock[] = [];
  let current: HclBlock | null = null;
  for (const line of hcl.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const open = /^resource "(\w+)" "(\w+)" \{$/.exec(line);
    if (open) {
      current = { kind: 'resource', type: open[1], name: open[2], attributes: {} };
    } else if (line === 'import {') {
      current = { kind: 'import', type: '', name: '', attributes: {} };
    } else if (line === '}') {
      blocks.push(current!);
      current = null;
    } else {
      const attribute = /^ {2}(\w+) += (.*)$/.exec(line);
      expect(attribute, line).not.toBeNull();
      const [, key, raw] = attribute!;
      expect(key in current!.attributes, `${key} twice`).toBe(false);
      current!.attributes[key] = raw.startsWith('"')
        ? (JSON.parse(raw) as string)
        : raw === 'true' || raw === 'false'
          ? raw === 'true'
          : /^-?\d+$/.test(raw)
            ? Number(raw)
            : raw;
    }
  }
  expect(current).toBeNull();
  return blocks;
}

/** Arguments of each resource as the Terraform AWS provider documents them (required ones first). */
const TF_ARGUMENTS: Record<string, { required: string[]; optional: string[] }> = {
  aws_vpc_security_group_ingress_rule: {
    required: ['security_group_id', 'ip_protocol'],
    optional: ['cidr_ipv4', 'cidr_ipv6', 'prefix_list_id', 'referenced_security_group_id', 'from_port', 'to_port', 'description'],
  },
  aws_network_acl_rule: {
    required: ['network_acl_id', 'rule_number', 'protocol', 'rule_action'],
    optional: ['egress', 'cidr_block', 'ipv6_cidr_block', 'from_port', 'to_port', 'icmp_type', 'icmp_code'],
  },
};
TF_ARGUMENTS.aws_vpc_security_group_egress_rule = TF_ARGUMENTS.aws_vpc_security_group_ingress_rule;

/** The request the provider sends for one resource (its create: one IpPermission, one entry). */
function terraformRequest(block: HclBlock): Request {
  const a = block.attributes;
  const documented = TF_ARGUMENTS[block.type];
  expect(documented, block.type).toBeDefined();
  for (const key of documented.required) expect(a, `${block.type}.${key}`).toHaveProperty(key);
  for (const key of Object.keys(a)) expect([...documented.required, ...documented.optional], key).toContain(key);
  if (block.type === 'aws_network_acl_rule') {
    const protocol = protocolNumber(String(a.protocol));
    const params: Record<string, unknown> = {
      NetworkAclId: a.network_acl_id,
      RuleNumber: a.rule_number,
      Protocol: protocol,
      RuleAction: a.rule_action,
      Egress: a.egress ?? false,
    };
    expect(Number('cidr_block' in a) + Number('ipv6_cidr_block' in a)).toBe(1);
    if ('cidr_block' in a) params.CidrBlock = a.cidr_block;
    if ('ipv6_cidr_block' in a) params.Ipv6CidrBlock = a.ipv6_cidr_block;
    // The provider sends from_port/to_port always (EC2 reads them for TCP and UDP only) and, for
    // ICMP and ICMPv6, icmp_type/icmp_code with 0 for an absent one.
    if (hasPorts(protocol)) params.PortRange = { From: a.from_port ?? 0, To: a.to_port ?? 0 };
    else expect(a.from_port === undefined && a.to_port === undefined, 'ports on a protocol without').toBe(true);
    if (isIcmp(protocol)) params.IcmpTypeCode = { Code: a.icmp_code ?? 0, Type: a.icmp_type ?? 0 };
    else expect(a.icmp_type === undefined && a.icmp_code === undefined, 'ICMP fields on another protocol').toBe(true);
    return { action: 'CreateNetworkAclEntry', params };
  }
  const sources = ['cidr_ipv4', 'cidr_ipv6', 'prefix_list_id', 'referenced_security_group_id'].filter((k) => k in a);
  expect(sources, 'exactly one source').toHaveLength(1);
  const description = a.description === undefined ? {} : { Description: a.description };
  const permission: Record<string, unknown> = { IpProtocol: a.ip_protocol };
  if (a.ip_protocol === '-1') expect(a.from_port === undefined && a.to_port === undefined, 'ports with ip_protocol -1').toBe(true);
  if (a.from_port !== undefined) permission.FromPort = a.from_port;
  if (a.to_port !== undefined) permission.ToPort = a.to_port;
  if ('cidr_ipv4' in a) permission.IpRanges = [{ CidrIp: a.cidr_ipv4, ...description }];
  if ('cidr_ipv6' in a) permission.Ipv6Ranges = [{ CidrIpv6: a.cidr_ipv6, ...description }];
  if ('referenced_security_group_id' in a) {
    // [UserId/]GroupId, as the provider splits it.
    const parts = String(a.referenced_security_group_id).split('/');
    const pair = parts.length === 2 ? { GroupId: parts[1], UserId: parts[0] } : { GroupId: parts[0] };
    permission.UserIdGroupPairs = [{ ...pair, ...description }];
  }
  return {
    action: block.type === 'aws_vpc_security_group_ingress_rule' ? 'AuthorizeSecurityGroupIngress' : 'AuthorizeSecurityGroupEgress',
    params: { GroupId: a.security_group_id, IpPermissions: [permission] },
  };
}

// ---- CloudFormation ------------------------------------------------------------------------

/** Properties of each resource type as the CloudFormation reference documents them, with their types. */
const CFN_PROPERTIES: Record<string, { required: string[]; types: Record<string, 'String' | 'Integer' | 'Boolean' | 'Object'> }> = {
  'AWS::EC2::SecurityGroupIngress': {
    required: ['IpProtocol'],
    types: {
      CidrIp: 'String',
      CidrIpv6: 'String',
      Description: 'String',
      FromPort: 'Integer',
      GroupId: 'String',
      IpProtocol: 'String',
      SourcePrefixListId: 'String',
      SourceSecurityGroupId: 'String',
      SourceSecurityGroupOwnerId: 'String',
      ToPort: 'Integer',
    },
  },
  'AWS::EC2::SecurityGroupEgress': {
    required: ['GroupId', 'IpProtocol'],
    types: {
      CidrIp: 'String',
      CidrIpv6: 'String',
      Description: 'String',
      DestinationPrefixListId: 'String',
      DestinationSecurityGroupId: 'String',
      FromPort: 'Integer',
      GroupId: 'String',
      IpProtocol: 'String',
      ToPort: 'Integer',
    },
  },
  'AWS::EC2::NetworkAclEntry': {
    required: ['NetworkAclId', 'Protocol', 'RuleAction', 'RuleNumber'],
    types: {
      CidrBlock: 'String',
      Egress: 'Boolean',
      Icmp: 'Object',
      Ipv6CidrBlock: 'String',
      NetworkAclId: 'String',
      PortRange: 'Object',
      Protocol: 'Integer',
      RuleAction: 'String',
      RuleNumber: 'Integer',
    },
  },
};

function cloudFormationRequest(line: string): Request {
  const resource = JSON.parse(line) as { Type: string; Properties: Record<string, unknown> };
  const documented = CFN_PROPERTIES[resource.Type];
  expect(documented, resource.Type).toBeDefined();
  const p = resource.Properties;
  for (const key of documented.required) expect(p, `${resource.Type}.${key}`).toHaveProperty(key);
  for (const [key, value] of Object.entries(p)) {
    const type = documented.types[key];
    expect(type, `${resource.Type}.${key}`).toBeDefined();
    if (type === 'Integer') expect(Number.isInteger(value), `${key} integer`).toBe(true);
    else if (type === 'Boolean') expect(typeof value, key).toBe('boolean');
    else if (type === 'String') expect(typeof value, key).toBe('string');
  }
  if (resource.Type === 'AWS::EC2::NetworkAclEntry') {
    const params: Record<string, unknown> = {
      NetworkAclId: p.NetworkAclId,
      RuleNumber: p.RuleNumber,
      Protocol: String(p.Protocol),
      RuleAction: p.RuleAction,
      Egress: p.Egress ?? false,
    };
    if (p.CidrBlock !== undefined) params.CidrBlock = p.CidrBlock;
    if (p.Ipv6CidrBlock !== undefined) params.Ipv6CidrBlock = p.Ipv6CidrBlock;
    if (p.PortRange !== undefined) {
      expect(Object.keys(p.PortRange as object).sort()).toEqual(['From', 'To']);
      params.PortRange = p.PortRange;
    }
    if (p.Icmp !== undefined) {
      expect(Object.keys(p.Icmp as object).sort()).toEqual(['Code', 'Type']);
      params.IcmpTypeCode = p.Icmp;
    }
    return { action: 'CreateNetworkAclEntry', params };
  }
  const description = p.Description === undefined ? {} : { Description: p.Description };
  const permission: Record<string, unknown> = { IpProtocol: p.IpProtocol };
  if (p.FromPort !== undefined) permission.FromPort = p.FromPort;
  if (p.ToPort !== undefined) permission.ToPort = p.ToPort;
  if (p.CidrIp !== undefined) permission.IpRanges = [{ CidrIp: p.CidrIp, ...description }];
  if (p.CidrIpv6 !== undefined) permission.Ipv6Ranges = [{ CidrIpv6: p.CidrIpv6, ...description }];
  const group = p.SourceSecurityGroupId ?? p.DestinationSecurityGroupId;
  if (group !== undefined) {
    const owner = p.SourceSecurityGroupOwnerId === undefined ? {} : { UserId: p.SourceSecurityGroupOwnerId };
    permission.UserIdGroupPairs = [{ GroupId: group, ...owner, ...description }];
  }
  return {
    action: resource.Type === 'AWS::EC2::SecurityGroupIngress' ? 'AuthorizeSecurityGroupIngress' : 'AuthorizeSecurityGroupEgress',
    params: { GroupId: p.GroupId, IpPermissions: [permission] },
  };
}

// ---- EC2 request validity ------------------------------------------------------------------

/** What the EC2 API reference requires of each request the engine emits. */
function expectValidRequest(change: FixChange): void {
  if (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress') {
    const params = change.params as unknown as AuthorizeSecurityGroupParams;
    expect(typeof params.GroupId).toBe('string');
    expect(params.IpPermissions.length).toBeGreaterThan(0);
    for (const p of params.IpPermissions) {
      expect(typeof p.IpProtocol).toBe('string');
      const protocol = protocolNumber(p.IpProtocol);
      if (hasPorts(protocol)) {
        expect(Number.isInteger(p.FromPort) && Number.isInteger(p.ToPort), 'TCP/UDP ports').toBe(true);
        expect(p.FromPort! >= 0 && p.FromPort! <= p.ToPort! && p.ToPort! <= 65535).toBe(true);
      } else if (isIcmp(protocol)) {
        expect(Number.isInteger(p.FromPort) && Number.isInteger(p.ToPort), 'ICMP type and code').toBe(true);
        // Every type (-1) comes with every code (-1).
        if (p.FromPort === -1) expect(p.ToPort).toBe(-1);
      }
      const peers = (p.IpRanges?.length ?? 0) + (p.Ipv6Ranges?.length ?? 0) + (p.UserIdGroupPairs?.length ?? 0);
      expect(peers).toBeGreaterThan(0);
      // Descriptions: up to 255 of the characters each member's reference allows (a group pair's lack `&`).
      for (const range of [...(p.IpRanges ?? []), ...(p.Ipv6Ranges ?? [])])
        if (range.Description !== undefined) expect(range.Description).toMatch(/^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/);
      for (const pair of p.UserIdGroupPairs ?? [])
        if (pair.Description !== undefined) expect(pair.Description).toMatch(/^[a-zA-Z0-9. _\-:/()#,@[\]+=;{}!$*]{0,255}$/);
    }
    return;
  }
  const params = change.params as unknown as NetworkAclEntryParams;
  expect(typeof params.NetworkAclId).toBe('string');
  expect(Number.isInteger(params.RuleNumber) && params.RuleNumber >= 1 && params.RuleNumber <= 32766).toBe(true);
  expect(params.Protocol).toMatch(/^(-1|\d{1,3})$/);
  expect(['allow', 'deny']).toContain(params.RuleAction);
  expect(typeof params.Egress).toBe('boolean');
  expect(Number(params.CidrBlock !== undefined) + Number(params.Ipv6CidrBlock !== undefined)).toBe(1);
  if (hasPorts(params.Protocol)) expect(params.PortRange).toBeDefined();
  else expect(params.PortRange).toBeUndefined();
  if (isIcmp(params.Protocol)) {
    expect(params.IcmpTypeCode).toBeDefined();
    if (params.IcmpTypeCode!.Type === -1) expect(params.IcmpTypeCode!.Code).toBe(-1);
  } else expect(params.IcmpTypeCode).toBeUndefined();
}

const naming = { groupName: () => undefined, networkAclName: () => undefined };

/** Every rendering of `changes` read back as its tool reads it equals `changes`. */
function expectRenderingsAreTheChanges(changes: FixChange[]): void {
  for (const change of changes) expectValidRequest(change);
  const wanted = changes.map(normalised);

  const commands = shellCommands(renderAwsCli(changes));
  expect(commands.map(cliRequest).map(normalised)).toEqual(wanted);

  const blocks = hclBlocks(renderTerraform(changes, naming));
  const resources = blocks.filter((b) => b.kind === 'resource');
  expect(resources.map(terraformRequest).map(normalised)).toEqual(
    changes
      .flatMap(perPeer)
      .map((c) => normalised({ ...c, action: c.action === 'ReplaceNetworkAclEntry' ? 'CreateNetworkAclEntry' : c.action })),
  );
  // A replaced entry exists already: the provider refuses to create an entry whose number is
  // taken, so the configuration imports the entry into the resource, which Terraform then
  // replaces with the new definition (every argument of aws_network_acl_rule forces a new entry).
  const imports = blocks.filter((b) => b.kind === 'import');
  const replaced = changes.filter((c) => c.action === 'ReplaceNetworkAclEntry').map((c) => c.params as unknown as NetworkAclEntryParams);
  expect(imports).toHaveLength(replaced.length);
  replaced.forEach((entry, i) => {
    const resource = resources.find((r) => r.type === 'aws_network_acl_rule' && r.attributes.rule_number === entry.RuleNumber);
    expect(resource).toBeDefined();
    expect(imports[i].attributes).toEqual({
      to: `aws_network_acl_rule.${resource!.name}`,
      // NETWORK_ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS, the provider's import id.
      id: `${entry.NetworkAclId}:${entry.RuleNumber}:${protocolNumber(entry.Protocol)}:${entry.Egress}`,
    });
  });

  const lines = renderCloudFormation(changes).split('\n');
  expect(lines.map(cloudFormationRequest).map(normalised)).toEqual(
    changes
      .flatMap(perPeer)
      .map((c) => normalised({ ...c, action: c.action === 'ReplaceNetworkAclEntry' ? 'CreateNetworkAclEntry' : c.action })),
  );
}

// ---- The changes -----------------------------------------------------------------------------

const model = NetworkModel.fromSnapshot(validateSnapshot(multiTierSnapshot()));
const pathFix = (from: string, to: string, protocol: string, port?: number) => {
  const fix = explainPath(model, parsePathQuery({ from, to, protocol, ...(port === undefined ? {} : { port }) })).suggestedFix;
  expect(fix).not.toBeNull();
  return fix!.changes;
};

const described = (peer: string) => `sgdoctor: observed rejects from ${peer}`;

describe('every rendering of a fix is its EC2 requests, as the tool documents them', () => {
  it.each([
    { name: 'a referenced group, TCP', from: 'eni-web', to: 'eni-db', protocol: 'tcp', port: 5432 },
    { name: 'egress to an address', from: 'eni-app', to: '10.1.1.99', protocol: 'tcp', port: 22 },
    { name: 'a NACL and its reply on the ephemeral range', from: 'eni-app', to: '198.51.100.9', protocol: 'tcp', port: 80 },
    { name: 'a NACL and a group at once', from: 'eni-web', to: 'eni-app', protocol: 'tcp', port: 7000 },
    { name: 'an explicit deny, from the internet', from: '192.0.2.5', to: 'eni-web', protocol: 'tcp', port: 22 },
    { name: 'an IPv6 peer', from: '2001:db8::5', to: 'eni-web', protocol: 'tcp', port: 443 },
    { name: 'UDP', from: 'eni-web', to: 'eni-app', protocol: 'udp', port: 5353 },
    { name: 'an ICMP type', from: 'eni-app', to: 'eni-db', protocol: 'icmp', port: 8 },
    { name: 'every ICMP type', from: 'eni-app', to: 'eni-db', protocol: 'icmp' },
    { name: 'an ICMPv6 type', from: 'eni-web', to: 'eni-app', protocol: 'icmpv6', port: 128 },
    { name: 'ESP (50)', from: 'eni-web', to: 'eni-app', protocol: '50' },
    { name: 'GRE (47)', from: 'eni-app', to: '198.51.100.9', protocol: '47' },
  ])('fixes the engine builds for a blocked path: $name', ({ from, to, protocol, port }) => {
    expectRenderingsAreTheChanges(pathFix(from, to, protocol, port));
  });

  it('a fix the engine builds by moving an explicit deny at rule 1 and replacing it with the allow', () => {
    const snapshot = multiTierSnapshot();
    // The public subnet refuses tcp/22 from 192.0.2.0/24 at rule 1: no number is free before it.
    const acl = snapshot.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-public')!;
    acl.Entries = acl.Entries!.map((e) => (e.RuleNumber === 110 && !e.Egress ? { ...e, RuleNumber: 1 } : e));
    const on = NetworkModel.fromSnapshot(validateSnapshot(snapshot));
    const changes = explainPath(on, parsePathQuery({ from: '192.0.2.5', to: 'eni-web', protocol: 'tcp', port: 22 })).suggestedFix!.changes;
    expect(changes.map((c) => [c.action, c.params.RuleNumber])).toEqual([
      ['CreateNetworkAclEntry', 2],
      ['ReplaceNetworkAclEntry', 1],
      ['AuthorizeSecurityGroupIngress', undefined],
    ]);
    expectRenderingsAreTheChanges(changes);
  });

  it('a deny written without its port range (every port) or ICMP type, moved: the copy names them, as CreateNetworkAclEntry requires', () => {
    for (const [protocol, query] of [
      ['6', { protocol: 'tcp', port: 22 }],
      ['1', { protocol: 'icmp', port: 8 }],
    ] as const) {
      const snapshot = multiTierSnapshot();
      const acl = snapshot.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-public')!;
      acl.Entries = [
        { RuleNumber: 1, Egress: false, RuleAction: 'deny', Protocol: protocol, CidrBlock: '192.0.2.0/24' },
        ...acl.Entries!.filter((e) => e.RuleNumber !== 110 || e.Egress),
      ];
      const on = NetworkModel.fromSnapshot(validateSnapshot(snapshot));
      const changes = explainPath(on, parsePathQuery({ from: '192.0.2.5', to: 'eni-web', ...query })).suggestedFix!.changes;
      const moved = changes.find((c) => c.params.RuleAction === 'deny');
      expect(moved?.params).toMatchObject({ RuleNumber: 2, Protocol: protocol });
      expectRenderingsAreTheChanges(changes);
    }
  });

  it('a referenced group whose name holds `&` (a character group names may hold and pair descriptions may not)', () => {
    const snapshot = multiTierSnapshot();
    snapshot.SecurityGroups!.find((g) => g.GroupId === 'sg-web')!.GroupName = 'R&D web';
    const on = NetworkModel.fromSnapshot(validateSnapshot(snapshot));
    const changes = explainPath(on, parsePathQuery({ from: 'eni-web', to: 'eni-db', protocol: 'tcp', port: 5432 })).suggestedFix!.changes;
    expect(JSON.stringify(changes)).toContain('"GroupId":"sg-web"');
    expectRenderingsAreTheChanges(changes);
  });

  it('a group of another account in a peered VPC: its owner in UserId, `UserId/GroupId` in Terraform, SourceSecurityGroupOwnerId', () => {
    const change: FixChange = {
      action: 'AuthorizeSecurityGroupIngress',
      params: {
        GroupId: 'sg-0db',
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            UserIdGroupPairs: [{ GroupId: 'sg-0partner', UserId: '444455556666', Description: described('partner-app') }],
            IpRanges: [{ CidrIp: '10.8.0.0/24', Description: described('10.8.0.0/24') }],
            Ipv6Ranges: [{ CidrIpv6: '2001:db8:8::/64', Description: described('2001:db8:8::/64') }],
          },
        ],
      },
    };
    expectRenderingsAreTheChanges([change]);
    expect(renderTerraform([change], naming)).toContain('referenced_security_group_id = "444455556666/sg-0partner"');
  });

  it('an explicit deny moved past a replaced entry (the engine re-creates the deny, then replaces it with the allow)', () => {
    const changes: FixChange[] = [
      {
        action: 'CreateNetworkAclEntry',
        params: {
          NetworkAclId: 'acl-app',
          RuleNumber: 2,
          Protocol: '6',
          RuleAction: 'deny',
          Egress: false,
          CidrBlock: '0.0.0.0/0',
          PortRange: { From: 8080, To: 8080 },
        },
      },
      {
        action: 'ReplaceNetworkAclEntry',
        params: {
          NetworkAclId: 'acl-app',
          RuleNumber: 1,
          Protocol: '6',
          RuleAction: 'allow',
          Egress: false,
          CidrBlock: '10.0.1.10/32',
          PortRange: { From: 8080, To: 8080 },
        },
      },
    ];
    expectRenderingsAreTheChanges(changes);
    // Pasted into a shell, a command runs only when the one before it succeeded: a deny that
    // could not be re-created (its number taken since the snapshot) is never replaced.
    const calls = spawnSync(
      'sh',
      ['-c', `aws() { printf '%s\\n' "$2"; [ "$2" != create-network-acl-entry ]; }\n${renderAwsCli(changes)}\necho end`],
      { encoding: 'utf8' },
    );
    expect(calls.stdout.split('\n')).toEqual(['create-network-acl-entry', 'end', '']);
  });

  it('a moved all-protocol deny (-1) and a replaced ICMPv6 egress entry', () => {
    expectRenderingsAreTheChanges([
      {
        action: 'CreateNetworkAclEntry',
        params: { NetworkAclId: 'acl-x', RuleNumber: 3, Protocol: '-1', RuleAction: 'deny', Egress: true, Ipv6CidrBlock: '::/0' },
      },
      {
        action: 'ReplaceNetworkAclEntry',
        params: {
          NetworkAclId: 'acl-x',
          RuleNumber: 2,
          Protocol: '58',
          RuleAction: 'allow',
          Egress: true,
          Ipv6CidrBlock: '2001:db8::/64',
          IcmpTypeCode: { Code: -1, Type: 129 },
        },
      },
    ]);
  });
});
