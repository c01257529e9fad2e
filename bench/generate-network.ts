import type { FlowAggregate } from '../src/engine/flow-log/flow-record';
import type {
  IpPermission,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  NetworkSnapshot,
  SecurityGroup,
  Subnet,
  Vpc,
  VpcPeeringConnection,
} from '../src/engine/network/snapshot';
import { SeededRandom } from '../samples/seeded-random';

export interface GeneratedNetwork {
  snapshot: NetworkSnapshot;
  /** REJECT-like flows to explain. */
  flows: FlowAggregate[];
  /** ACCEPT flows, for the reverse-record return-traffic signal. */
  accepted: FlowAggregate[];
  counts: {
    vpcs: number;
    subnets: number;
    enis: number;
    groups: number;
    rules: number;
    nacls: number;
    naclEntries: number;
    prefixLists: number;
  };
}

export interface NetworkSize {
  vpcs: number;
  subnetsPerVpc: number;
  enis: number;
  groups: number;
  rulesPerGroup: number;
  nacls: number;
  flows: number;
  accepted: number;
}

export const DEFAULT_SIZE: NetworkSize = {
  vpcs: 10,
  subnetsPerVpc: 10,
  enis: 2400,
  groups: 500,
  rulesPerGroup: 20,
  nacls: 100,
  flows: 200_000,
  accepted: 2_000,
};

const SERVICE_PORTS = [22, 53, 80, 443, 3306, 5432, 6379, 8080, 8443, 9200];

/**
 * A large, realistic-looking VPC estate for the evaluation benchmark: VPCs `10.V.0.0/16` with
 * some active peerings, /24 subnets (IPv4) with IPv6 blocks, security groups mixing CIDR,
 * IPv6, prefix-list, group-reference and ICMP rules, one NACL per subnet (ephemeral-port allows,
 * denies, catch-alls), interfaces with one to four groups, and flows between interfaces, to and
 * from the internet, in both directions, with and without tcp-flags.
 */
export function generateNetwork(seed = 42, size: NetworkSize = DEFAULT_SIZE): GeneratedNetwork {
  const seeded = new SeededRandom(seed);
  const rnd = (): number => seeded.next();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

  const vpcs: Vpc[] = [];
  const subnets: Subnet[] = [];
  for (let v = 0; v < size.vpcs; v++) {
    vpcs.push({
      VpcId: `vpc-bench${String(v).padStart(8, '0')}`,
      CidrBlock: `10.${v}.0.0/16`,
      OwnerId: '111122223333',
      Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: `2600:1f00:${v.toString(16)}::/56`, Ipv6CidrBlockState: { State: 'associated' } }],
    });
    for (let s = 0; s < size.subnetsPerVpc; s++) {
      subnets.push({
        SubnetId: `subnet-bench${String(v * 100 + s).padStart(6, '0')}`,
        VpcId: vpcs[v].VpcId,
        CidrBlock: `10.${v}.${s}.0/24`,
        Ipv6CidrBlockAssociationSet: [
          { Ipv6CidrBlock: `2600:1f00:${v.toString(16)}:${s.toString(16)}::/64`, Ipv6CidrBlockState: { State: 'associated' } },
        ],
      });
    }
  }
  const peerings: VpcPeeringConnection[] = [];
  for (let v = 0; v + 1 < size.vpcs; v += 2) {
    peerings.push({
      VpcPeeringConnectionId: `pcx-bench${v}`,
      Status: { Code: 'active' },
      RequesterVpcInfo: { VpcId: vpcs[v].VpcId },
      AccepterVpcInfo: { VpcId: vpcs[v + 1].VpcId },
    });
  }

  const prefixLists: Record<string, { Cidr: string }[]> = {};
  for (let p = 0; p < 20; p++) {
    prefixLists[`pl-bench${p}`] = Array.from({ length: int(3, 30) }, () => ({ Cidr: `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.0/24` }));
  }
  const prefixIds = Object.keys(prefixLists);

  const groupsByVpc = new Map<string, string[]>();
  const groups: SecurityGroup[] = [];
  for (let g = 0; g < size.groups; g++) {
    const vpc = vpcs[g % size.vpcs];
    const GroupId = `sg-bench${String(g).padStart(9, '0')}`;
    groups.push({ GroupId, GroupName: `g${g}`, VpcId: vpc.VpcId, OwnerId: '111122223333', IpPermissions: [], IpPermissionsEgress: [] });
    groupsByVpc.set(vpc.VpcId, [...(groupsByVpc.get(vpc.VpcId) ?? []), GroupId]);
  }
  let rules = 0;
  for (const group of groups) {
    const sameVpc = groupsByVpc.get(group.VpcId!)!;
    for (let r = 0; r < size.rulesPerGroup; r++) {
      const egress = r >= size.rulesPerGroup - 3;
      const kind = rnd();
      const port = pick(SERVICE_PORTS);
      const p: IpPermission = { IpProtocol: rnd() < 0.85 ? 'tcp' : 'udp', FromPort: port, ToPort: rnd() < 0.1 ? port + int(1, 100) : port };
      if (egress && r === size.rulesPerGroup - 1) {
        p.IpProtocol = '-1';
        delete p.FromPort;
        delete p.ToPort;
        p.IpRanges = [{ CidrIp: rnd() < 0.7 ? '0.0.0.0/0' : `10.${int(0, size.vpcs - 1)}.0.0/16` }];
      } else if (kind < 0.55)
        p.IpRanges = [{ CidrIp: rnd() < 0.2 ? '0.0.0.0/0' : `10.${int(0, size.vpcs - 1)}.${int(0, size.subnetsPerVpc - 1)}.0/24` }];
      else if (kind < 0.6) p.Ipv6Ranges = [{ CidrIpv6: '::/0' }];
      else if (kind < 0.7) p.PrefixListIds = [{ PrefixListId: pick(prefixIds) }];
      else if (kind < 0.95) p.UserIdGroupPairs = [{ GroupId: pick(sameVpc), UserId: '111122223333' }];
      else {
        p.IpProtocol = 'icmp';
        p.FromPort = rnd() < 0.5 ? -1 : 8;
        p.ToPort = -1;
        p.IpRanges = [{ CidrIp: '10.0.0.0/8' }];
      }
      (egress ? group.IpPermissionsEgress! : group.IpPermissions!).push(p);
      rules++;
    }
  }

  const nacls: NetworkAcl[] = [];
  let naclEntries = 0;
  const entriesFor = (): NetworkAclEntry[] => {
    const list: NetworkAclEntry[] = [];
    const n = int(4, 16);
    for (let i = 0; i < n; i++) {
      const egress = i % 2 === 1;
      const deny = rnd() < 0.2;
      const cidr = rnd() < 0.5 ? '0.0.0.0/0' : `${rnd() < 0.5 ? 10 : int(1, 223)}.${int(0, 255)}.0.0/16`;
      const ephemeral = rnd() < 0.4;
      const from = ephemeral ? pick([1024, 32768, 49152]) : pick(SERVICE_PORTS);
      list.push({
        RuleNumber: (i + 1) * 10,
        Protocol: rnd() < 0.9 ? '6' : '-1',
        RuleAction: deny ? 'deny' : 'allow',
        Egress: egress,
        CidrBlock: cidr,
        PortRange: { From: from, To: ephemeral ? 65535 : from },
      });
    }
    list.push({ RuleNumber: 200, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.0.0/8' });
    list.push({ RuleNumber: 200, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '10.0.0.0/8' });
    list.push({ RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, Ipv6CidrBlock: '::/0' });
    for (const egress of [false, true]) {
      list.push({ RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: egress, CidrBlock: '0.0.0.0/0' });
      list.push({ RuleNumber: 32768, Protocol: '-1', RuleAction: 'deny', Egress: egress, Ipv6CidrBlock: '::/0' });
    }
    naclEntries += list.length;
    return list;
  };
  for (let v = 0; v < size.vpcs; v++) {
    nacls.push({
      NetworkAclId: `acl-bench${String(v).padStart(9, '0')}`,
      VpcId: vpcs[v].VpcId,
      IsDefault: true,
      Associations: [],
      Entries: entriesFor(),
    });
  }
  for (let i = 0; nacls.length < size.nacls; i++) {
    const subnet = subnets[i % subnets.length];
    nacls.push({
      NetworkAclId: `acl-bench${String(size.vpcs + i).padStart(9, '0')}`,
      VpcId: subnet.VpcId,
      IsDefault: false,
      Associations: [{ SubnetId: subnet.SubnetId, NetworkAclId: `acl-bench${String(size.vpcs + i).padStart(9, '0')}` }],
      Entries: entriesFor(),
    });
  }

  const enis: NetworkInterface[] = [];
  const used = new Set<string>();
  for (let e = 0; e < size.enis; e++) {
    const subnet = subnets[e % subnets.length];
    const [, v, s] = subnet.CidrBlock!.split('.').map(Number);
    let address = '';
    do address = `10.${v}.${s}.${int(4, 254)}`;
    while (used.has(address));
    used.add(address);
    const pool = groupsByVpc.get(subnet.VpcId!)!;
    const carried = [...new Set(Array.from({ length: int(1, 4) }, () => pick(pool)))];
    enis.push({
      NetworkInterfaceId: `eni-bench${String(e).padStart(9, '0')}`,
      SubnetId: subnet.SubnetId,
      VpcId: subnet.VpcId,
      InterfaceType: 'interface',
      PrivateIpAddress: address,
      PrivateIpAddresses: [{ PrivateIpAddress: address, Primary: true }],
      Ipv6Addresses: rnd() < 0.1 ? [{ Ipv6Address: `2600:1f00:${v.toString(16)}:${s.toString(16)}::${e.toString(16)}` }] : [],
      Attachment: { InstanceId: `i-bench${String(e).padStart(9, '0')}` },
      Groups: carried.map((GroupId) => ({ GroupId })),
    });
  }

  const makeFlow = (action: 'ACCEPT' | 'REJECT'): FlowAggregate => {
    const eni = pick(enis);
    const own = eni.PrivateIpAddress!;
    const r = rnd();
    const peer =
      r < 0.5
        ? pick(enis).PrivateIpAddress!
        : r < 0.9
          ? `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`
          : `192.168.${int(0, 255)}.${int(1, 254)}`;
    const ingress = rnd() < 0.7;
    const service = pick(SERVICE_PORTS);
    const ephemeral = int(1024, 65535);
    const response = rnd() < 0.2;
    const [srcport, dstport] = response ? [service, ephemeral] : [ephemeral, service];
    const protocol = rnd() < 0.9 ? 6 : 17;
    return {
      interfaceId: eni.NetworkInterfaceId,
      accountId: '111122223333',
      vpcId: eni.VpcId!,
      subnetId: eni.SubnetId!,
      flowDirection: null,
      srcaddr: ingress ? peer : own,
      dstaddr: ingress ? own : peer,
      srcport,
      dstport,
      protocol,
      action,
      tcpFlags: protocol === 6 && rnd() < 0.5 ? pick([2, 18, 0, 1, 4]) : null,
      rejectReason: null,
      servicePortSide: response ? 'src' : 'dst',
      ephemeralPortMin: ephemeral,
      ephemeralPortMax: ephemeral,
      records: 1,
      packets: int(1, 10),
      bytes: int(40, 4000),
      firstSeen: 1700000000,
      lastSeen: 1700000060,
    };
  };
  const flows = Array.from({ length: size.flows }, () => makeFlow('REJECT'));
  const accepted = Array.from({ length: size.accepted }, () => makeFlow('ACCEPT'));

  return {
    snapshot: {
      Vpcs: vpcs,
      Subnets: subnets,
      SecurityGroups: groups,
      NetworkAcls: nacls,
      NetworkInterfaces: enis,
      VpcPeeringConnections: peerings,
      PrefixListEntries: prefixLists,
    },
    flows,
    accepted,
    counts: {
      vpcs: vpcs.length,
      subnets: subnets.length,
      enis: enis.length,
      groups: groups.length,
      rules,
      nacls: nacls.length,
      naclEntries,
      prefixLists: prefixIds.length,
    },
  };
}
