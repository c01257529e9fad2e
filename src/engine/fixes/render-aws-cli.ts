import type { FixChange } from './fix';
import type { AuthorizeSecurityGroupParams, IpPermissionParam, NetworkAclEntryParams } from './fix-params';
import { networkAclProtocolWord } from './protocol.util';

/** Characters a POSIX shell reads as themselves in a word (Python's shlex.quote leaves these bare). */
const SHELL_PLAIN = /^[A-Za-z0-9@%+=:,./_-]+$/;

/** `text` as a single-quoted POSIX shell word: nothing in it is expanded or run. */
function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `value` as one shell word: as it is when plain (ids, CIDRs, numbers), else single-quoted. */
function shellWord(value: string | number): string {
  const text = String(value);
  return SHELL_PLAIN.test(text) ? text : singleQuoted(text);
}

/** Characters the AWS CLI shorthand reads as a plain value (no separators, quotes or brackets). */
const SHORTHAND_PLAIN = /^[A-Za-z0-9._:/-]+$/;

/** `value` as a shorthand value: as it is when plain, else double-quoted with `\\` and `\"` escaped. */
function shorthandValue(value: string | number): string {
  const text = String(value);
  return SHORTHAND_PLAIN.test(text) ? text : `"${text.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

/** The AWS CLI shorthand of one IpPermission (descriptions left out: they need no review), as one shell word. */
function permissionShorthand(permission: IpPermissionParam): string {
  const v = shorthandValue;
  const parts = [`IpProtocol=${v(permission.IpProtocol)}`];
  if (permission.FromPort !== undefined) parts.push(`FromPort=${v(permission.FromPort)}`);
  if (permission.ToPort !== undefined) parts.push(`ToPort=${v(permission.ToPort)}`);
  if (permission.IpRanges?.length) {
    parts.push(`IpRanges=[${permission.IpRanges.map((r) => `{CidrIp=${v(r.CidrIp)}}`).join(',')}]`);
  }
  if (permission.Ipv6Ranges?.length) {
    parts.push(`Ipv6Ranges=[${permission.Ipv6Ranges.map((r) => `{CidrIpv6=${v(r.CidrIpv6)}}`).join(',')}]`);
  }
  if (permission.UserIdGroupPairs?.length) {
    const pairs = permission.UserIdGroupPairs.map((pair) => {
      const fields = [`GroupId=${v(pair.GroupId)}`];
      if (pair.UserId) fields.push(`UserId=${v(pair.UserId)}`);
      if (pair.VpcId) fields.push(`VpcId=${v(pair.VpcId)}`);
      if (pair.VpcPeeringConnectionId) fields.push(`VpcPeeringConnectionId=${v(pair.VpcPeeringConnectionId)}`);
      return `{${fields.join(',')}}`;
    });
    parts.push(`UserIdGroupPairs=[${pairs.join(',')}]`);
  }
  return singleQuoted(parts.join(','));
}

function securityGroupCommand(verb: string, params: AuthorizeSecurityGroupParams): string {
  const permissions = params.IpPermissions.map(permissionShorthand).join(' ');
  return `aws ec2 ${verb} --group-id ${shellWord(params.GroupId)} --ip-permissions ${permissions}`;
}

function networkAclCommand(verb: string, params: NetworkAclEntryParams): string {
  const protocol = Number(params.Protocol);
  const args = [
    `aws ec2 ${verb}`,
    `--network-acl-id ${shellWord(params.NetworkAclId)}`,
    params.Egress ? '--egress' : '--ingress',
    `--rule-number ${shellWord(params.RuleNumber)}`,
    `--protocol ${shellWord(Number.isNaN(protocol) ? params.Protocol : networkAclProtocolWord(protocol))}`,
  ];
  if (params.PortRange) args.push(`--port-range ${shellWord(`From=${params.PortRange.From},To=${params.PortRange.To}`)}`);
  if (params.IcmpTypeCode) {
    args.push(`--icmp-type-code ${shellWord(`Code=${params.IcmpTypeCode.Code},Type=${params.IcmpTypeCode.Type}`)}`);
  }
  if (params.CidrBlock) args.push(`--cidr-block ${shellWord(params.CidrBlock)}`);
  if (params.Ipv6CidrBlock) args.push(`--ipv6-cidr-block ${shellWord(params.Ipv6CidrBlock)}`);
  args.push(`--rule-action ${shellWord(params.RuleAction)}`);
  return args.join(' ');
}

/**
 * `aws ec2 …` commands, one line per change, each but the last ending in `&&`: pasted into a shell,
 * a command runs only when the one before it succeeded (a deny that could not be re-created under
 * its new number is never replaced). Every value is one shell word (quoted unless plain) and,
 * inside `--ip-permissions`, one shorthand value: pasted, a command runs nothing else.
 */
export function renderAwsCli(changes: FixChange[]): string {
  return changes
    .map((change) => {
      switch (change.action) {
        case 'AuthorizeSecurityGroupIngress':
          return securityGroupCommand('authorize-security-group-ingress', change.params as unknown as AuthorizeSecurityGroupParams);
        case 'AuthorizeSecurityGroupEgress':
          return securityGroupCommand('authorize-security-group-egress', change.params as unknown as AuthorizeSecurityGroupParams);
        case 'CreateNetworkAclEntry':
          return networkAclCommand('create-network-acl-entry', change.params as unknown as NetworkAclEntryParams);
        case 'ReplaceNetworkAclEntry':
          return networkAclCommand('replace-network-acl-entry', change.params as unknown as NetworkAclEntryParams);
      }
    })
    .join(' &&\n');
}
