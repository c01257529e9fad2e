import type { FixChange } from './fix';
import { terraformIdentifier, type FixNaming } from './fix-naming';
import type { AuthorizeSecurityGroupParams, IpPermissionParam, NetworkAclEntryParams } from './fix-params';
import { isIcmp, ruleProtocolNumber } from '../network/protocol';
import { networkAclProtocolWord } from './protocol.util';

type HclValue = string | number | boolean;

const HCL_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

// eslint-disable-next-line no-control-regex -- escaping control characters is the point
const HCL_ESCAPED = /["\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * An HCL quoted string holding `text` as it is: quotes, backslashes and control characters
 * escaped, and `${` / `%{` doubled (`$${`, `%%{`) so Terraform interpolates and runs nothing.
 */
function hclString(text: string): string {
  const escaped = text
    .replace(HCL_ESCAPED, (ch) => HCL_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/([$%])\{/g, '$1$1{');
  return `"${escaped}"`;
}

/** One resource block, `=` aligned the way `terraform fmt` aligns consecutive attributes. */
function resourceBlock(type: string, name: string, attributes: [string, HclValue][]): string {
  const width = Math.max(...attributes.map(([key]) => key.length));
  const lines = attributes.map(
    ([key, value]) => `  ${key.padEnd(width)} = ${typeof value === 'string' ? hclString(value) : String(value)}`,
  );
  return `resource "${type}" "${name}" {\n${lines.join('\n')}\n}`;
}

/** The rule's traffic in its resource name: `443`, `1024_65535`, `icmp_8` (an ICMP type, every code), `icmp_3_4`, `icmp`. */
function portLabel(permission: IpPermissionParam): string {
  if (permission.FromPort === undefined || permission.FromPort === -1) return permission.IpProtocol;
  const protocol = ruleProtocolNumber(permission.IpProtocol);
  if (protocol !== null && isIcmp(protocol)) {
    const code = permission.ToPort === undefined || permission.ToPort === -1 ? '' : `_${permission.ToPort}`;
    return `${permission.IpProtocol}_${permission.FromPort}${code}`;
  }
  return permission.FromPort === permission.ToPort ? String(permission.FromPort) : `${permission.FromPort}_${permission.ToPort}`;
}

function portAttributes(permission: IpPermissionParam): [string, HclValue][] {
  const attributes: [string, HclValue][] = [['ip_protocol', permission.IpProtocol]];
  if (permission.FromPort !== undefined) attributes.push(['from_port', permission.FromPort]);
  if (permission.ToPort !== undefined) attributes.push(['to_port', permission.ToPort]);
  return attributes;
}

function securityGroupRules(
  egress: boolean,
  params: AuthorizeSecurityGroupParams,
  naming: FixNaming,
): { name: string; body: (name: string) => string }[] {
  const type = egress ? 'aws_vpc_security_group_egress_rule' : 'aws_vpc_security_group_ingress_rule';
  const groupLabel = naming.groupName(params.GroupId) ?? params.GroupId;
  const joiner = egress ? 'to' : 'from';
  const rules: { name: string; body: (name: string) => string }[] = [];
  for (const permission of params.IpPermissions) {
    const peers: { label: string; attribute: [string, HclValue] }[] = [
      ...(permission.UserIdGroupPairs ?? []).map((pair) => ({
        label: naming.groupName(pair.GroupId) ?? pair.GroupId,
        attribute: ['referenced_security_group_id', pair.UserId ? `${pair.UserId}/${pair.GroupId}` : pair.GroupId] as [string, HclValue],
      })),
      ...(permission.IpRanges ?? []).map((range) => ({
        label: range.CidrIp,
        attribute: ['cidr_ipv4', range.CidrIp] as [string, HclValue],
      })),
      ...(permission.Ipv6Ranges ?? []).map((range) => ({
        label: range.CidrIpv6,
        attribute: ['cidr_ipv6', range.CidrIpv6] as [string, HclValue],
      })),
    ];
    for (const peer of peers) {
      const attributes: [string, HclValue][] = [['security_group_id', params.GroupId], peer.attribute, ...portAttributes(permission)];
      rules.push({
        name: terraformIdentifier(`${groupLabel}_${joiner}_${peer.label}_${portLabel(permission)}`),
        body: (name) => resourceBlock(type, name, attributes),
      });
    }
  }
  return rules;
}

/**
 * An `import` block (Terraform 1.5+) taking the existing entry `params` names into the resource
 * `name`: the provider refuses to create an entry whose number is taken, and every argument of
 * `aws_network_acl_rule` forces a new entry, so the plan imports the entry and replaces it with the
 * new definition. Import ids are `NETWORK_ACL_ID:RULE_NUMBER:PROTOCOL:EGRESS`.
 */
function importBlock(params: NetworkAclEntryParams, name: string): string {
  const id = `${params.NetworkAclId}:${params.RuleNumber}:${params.Protocol}:${params.Egress}`;
  return [
    `# Rule ${params.RuleNumber} exists: imported, then replaced by the definition below. Where your configuration`,
    `# manages rule ${params.RuleNumber} already, change that resource to this definition instead.`,
    'import {',
    `  to = aws_network_acl_rule.${name}`,
    `  id = ${hclString(id)}`,
    '}',
  ].join('\n');
}

function networkAclRule(
  params: NetworkAclEntryParams,
  naming: FixNaming,
  replaces: boolean,
): { name: string; body: (name: string) => string } {
  const protocol = Number(params.Protocol);
  const attributes: [string, HclValue][] = [
    ['network_acl_id', params.NetworkAclId],
    ['rule_number', params.RuleNumber],
    ['egress', params.Egress],
    ['protocol', Number.isNaN(protocol) ? params.Protocol : networkAclProtocolWord(protocol)],
    ['rule_action', params.RuleAction],
  ];
  if (params.CidrBlock) attributes.push(['cidr_block', params.CidrBlock]);
  if (params.Ipv6CidrBlock) attributes.push(['ipv6_cidr_block', params.Ipv6CidrBlock]);
  if (params.PortRange) attributes.push(['from_port', params.PortRange.From], ['to_port', params.PortRange.To]);
  if (params.IcmpTypeCode) attributes.push(['icmp_type', params.IcmpTypeCode.Type], ['icmp_code', params.IcmpTypeCode.Code]);
  const label = naming.networkAclName(params.NetworkAclId) ?? params.NetworkAclId;
  return {
    name: terraformIdentifier(`${label}_${params.Egress ? 'egress' : 'ingress'}_${params.RuleNumber}`),
    body: (name) => {
      const resource = resourceBlock('aws_network_acl_rule', name, attributes);
      return replaces ? `${importBlock(params, name)}\n${resource}` : resource;
    },
  };
}

/**
 * Terraform (AWS provider v5+) resources: one `aws_vpc_security_group_ingress_rule` /
 * `_egress_rule` per peer (those resources take a single peer each), one `aws_network_acl_rule`
 * per NACL entry. A `ReplaceNetworkAclEntry` renders as the rule's new definition with an
 * `import` block for the entry it replaces (see `importBlock`).
 */
export function renderTerraform(changes: FixChange[], naming: FixNaming): string {
  const rules = changes.flatMap((change) => {
    switch (change.action) {
      case 'AuthorizeSecurityGroupIngress':
        return securityGroupRules(false, change.params as unknown as AuthorizeSecurityGroupParams, naming);
      case 'AuthorizeSecurityGroupEgress':
        return securityGroupRules(true, change.params as unknown as AuthorizeSecurityGroupParams, naming);
      case 'CreateNetworkAclEntry':
        return [networkAclRule(change.params as unknown as NetworkAclEntryParams, naming, false)];
      case 'ReplaceNetworkAclEntry':
        return [networkAclRule(change.params as unknown as NetworkAclEntryParams, naming, true)];
    }
  });
  const used = new Map<string, number>();
  return rules
    .map((rule) => {
      const seen = used.get(rule.name) ?? 0;
      used.set(rule.name, seen + 1);
      return rule.body(seen === 0 ? rule.name : `${rule.name}_${seen + 1}`);
    })
    .join('\n\n');
}
