import type { FixAction } from '../fixes/fix';
import { formatJsonPath } from '../network/snapshot-loader';

/** The members an object of an EC2 request may have, and the shape of those that hold objects. */
interface Shape {
  members: ReadonlySet<string>;
  /** Members holding one object (`PortRange`) or a list of them (`IpPermissions`). */
  nested?: Readonly<Record<string, Shape>>;
}

const shape = (members: string[], nested?: Record<string, Shape>): Shape => ({ members: new Set(members), nested });

const described = (member: string) => shape([member, 'Description']);

const IP_PERMISSION = shape(['IpProtocol', 'FromPort', 'ToPort', 'IpRanges', 'Ipv6Ranges', 'PrefixListIds', 'UserIdGroupPairs'], {
  IpRanges: described('CidrIp'),
  Ipv6Ranges: described('CidrIpv6'),
  PrefixListIds: described('PrefixListId'),
  UserIdGroupPairs: shape(['Description', 'GroupId', 'GroupName', 'PeeringStatus', 'UserId', 'VpcId', 'VpcPeeringConnectionId']),
});

/**
 * AuthorizeSecurityGroupIngress/Egress as the EC2 API reference names their parameters, with the
 * legacy single-rule members (`IpProtocol`, `FromPort`, `ToPort`, `CidrIp`, source group) and
 * `SourceSecurityGroupId`, which the simulator reads as the legacy form's source group.
 */
const AUTHORIZE = shape(
  [
    'DryRun',
    'GroupId',
    'GroupName',
    'IpPermissions',
    'TagSpecifications',
    'IpProtocol',
    'FromPort',
    'ToPort',
    'CidrIp',
    'SourceSecurityGroupName',
    'SourceSecurityGroupOwnerId',
    'SourceSecurityGroupId',
  ],
  { IpPermissions: IP_PERMISSION },
);

/** CreateNetworkAclEntry and ReplaceNetworkAclEntry take the same parameters. */
const NACL_ENTRY = shape(
  ['DryRun', 'NetworkAclId', 'RuleNumber', 'Protocol', 'RuleAction', 'Egress', 'CidrBlock', 'Ipv6CidrBlock', 'PortRange', 'IcmpTypeCode'],
  { PortRange: shape(['From', 'To']), IcmpTypeCode: shape(['Code', 'Type']) },
);

const REQUEST_SHAPES: Readonly<Record<FixAction, Shape>> = {
  AuthorizeSecurityGroupIngress: AUTHORIZE,
  AuthorizeSecurityGroupEgress: AUTHORIZE,
  CreateNetworkAclEntry: NACL_ENTRY,
  ReplaceNetworkAclEntry: NACL_ENTRY,
};

/**
 * The parameters of an EC2 request that its action does not take, as paths within the request
 * (`Bogus`, `IpPermissions[0].Ports`), in the order they appear. EC2 refuses such a request
 * (`UnknownParameter`), so a simulation must not pass over them as if they said nothing. The
 * shape of known members (a list that is no list) is left to the request's own schema.
 */
export function unknownParametersOf(action: FixAction, params: Record<string, unknown>): string[] {
  const unknown: string[] = [];
  collectUnknown(REQUEST_SHAPES[action], params, [], unknown);
  return unknown;
}

function collectUnknown(expected: Shape, value: unknown, path: PropertyKey[], unknown: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, member] of Object.entries(value)) {
    if (!expected.members.has(key)) {
      unknown.push(formatJsonPath([...path, key]));
      continue;
    }
    const nested = expected.nested?.[key];
    if (!nested) continue;
    if (Array.isArray(member)) member.forEach((item, index) => collectUnknown(nested, item, [...path, key, index], unknown));
    else collectUnknown(nested, member, [...path, key], unknown);
  }
}
