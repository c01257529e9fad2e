import type { BlockingControl } from '../src/engine/evaluate/verdict';
import type { FixAction } from '../src/engine/fixes/fix';
import type { Classification } from '../src/engine/findings/finding';
import type { Direction } from '../src/engine/flow-log/flow-record';

/**
 * The sample scenario: one shop VPC (eu-west-1, account 111122223333) with a public tier behind an
 * internet-facing ALB, an app tier, a database tier, a batch tier, and a peered shared-services
 * VPC running the monitoring host. Every id and address used by the generator and by tests that
 * check the engine against the samples lives here, so the two cannot drift apart.
 *
 * Internet peers use the documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24; RFC 3849: 2001:db8::/32). They are outside every VPC and outside RFC 1918.
 */
export const ACCOUNT_ID = '111122223333';
export const REGION = 'eu-west-1';
/** 2026-11-24T00:00:00Z: the one day the sample flow logs cover. */
export const DAY_START = Date.UTC(2026, 10, 24) / 1000;
export const SEED = 0x5d0c70;

export const VPC = {
  shop: { id: 'vpc-0a3f5c7e9b1d24680', cidr: '10.20.0.0/16', ipv6: '2a05:d018:1234:5600::/56' },
  shared: { id: 'vpc-0b7d2e4f6a8c13579', cidr: '10.50.0.0/16' },
} as const;

export const PEERING_ID = 'pcx-0a1b2c3d4e5f67890';

export interface SubnetSpec {
  id: string;
  name: string;
  vpcId: string;
  cidr: string;
  ipv6?: string;
  az: string;
  azId: string;
  public: boolean;
}

export const SUBNETS = {
  publicA: {
    id: 'subnet-0e1a2b3c4d5e6f701',
    name: 'shop-public-a',
    vpcId: VPC.shop.id,
    cidr: '10.20.0.0/24',
    ipv6: '2a05:d018:1234:5600::/64',
    az: 'eu-west-1a',
    azId: 'euw1-az1',
    public: true,
  },
  publicB: {
    id: 'subnet-0e1a2b3c4d5e6f702',
    name: 'shop-public-b',
    vpcId: VPC.shop.id,
    cidr: '10.20.1.0/24',
    ipv6: '2a05:d018:1234:5601::/64',
    az: 'eu-west-1b',
    azId: 'euw1-az2',
    public: true,
  },
  appA: {
    id: 'subnet-0e1a2b3c4d5e6f711',
    name: 'shop-app-a',
    vpcId: VPC.shop.id,
    cidr: '10.20.10.0/24',
    ipv6: '2a05:d018:1234:5610::/64',
    az: 'eu-west-1a',
    azId: 'euw1-az1',
    public: false,
  },
  appB: {
    id: 'subnet-0e1a2b3c4d5e6f712',
    name: 'shop-app-b',
    vpcId: VPC.shop.id,
    cidr: '10.20.11.0/24',
    ipv6: '2a05:d018:1234:5611::/64',
    az: 'eu-west-1b',
    azId: 'euw1-az2',
    public: false,
  },
  dbA: {
    id: 'subnet-0e1a2b3c4d5e6f721',
    name: 'shop-db-a',
    vpcId: VPC.shop.id,
    cidr: '10.20.20.0/24',
    az: 'eu-west-1a',
    azId: 'euw1-az1',
    public: false,
  },
  dbB: {
    id: 'subnet-0e1a2b3c4d5e6f722',
    name: 'shop-db-b',
    vpcId: VPC.shop.id,
    cidr: '10.20.21.0/24',
    az: 'eu-west-1b',
    azId: 'euw1-az2',
    public: false,
  },
  batchA: {
    id: 'subnet-0e1a2b3c4d5e6f731',
    name: 'shop-batch-a',
    vpcId: VPC.shop.id,
    cidr: '10.20.30.0/24',
    az: 'eu-west-1a',
    azId: 'euw1-az1',
    public: false,
  },
  sharedA: {
    id: 'subnet-0f9e8d7c6b5a4f301',
    name: 'shared-monitoring-a',
    vpcId: VPC.shared.id,
    cidr: '10.50.1.0/24',
    az: 'eu-west-1a',
    azId: 'euw1-az1',
    public: false,
  },
} as const satisfies Record<string, SubnetSpec>;

export const ACL = {
  shopDefault: 'acl-0c1d2e3f4a5b6c700',
  public: 'acl-0c1d2e3f4a5b6c701',
  app: 'acl-0c1d2e3f4a5b6c702',
  db: 'acl-0c1d2e3f4a5b6c703',
  batch: 'acl-0c1d2e3f4a5b6c704',
  sharedDefault: 'acl-0f9e8d7c6b5a4f300',
} as const;

export const SG = {
  shopDefault: 'sg-0a1b2c3d4e5f60000',
  alb: 'sg-0a1b2c3d4e5f60001',
  app: 'sg-0a1b2c3d4e5f60002',
  nodeExporter: 'sg-0a1b2c3d4e5f60003',
  batch: 'sg-0a1b2c3d4e5f60004',
  db: 'sg-0a1b2c3d4e5f60005',
  redis: 'sg-0a1b2c3d4e5f60006',
  bastion: 'sg-0a1b2c3d4e5f60007',
  lambda: 'sg-0a1b2c3d4e5f60008',
  endpoints: 'sg-0a1b2c3d4e5f60009',
  sharedDefault: 'sg-0f1e2d3c4b5a60000',
  monitoring: 'sg-0f1e2d3c4b5a60010',
} as const;

export const PREFIX_LIST_CORP = 'pl-0a1b2c3d4e5f67890';
export const CORP_IPV4 = '198.51.100.0/26';
export const CORP_IPV6 = '2001:db8:c0de::/48';
export const NAT_GATEWAY_ID = 'nat-0a1b2c3d4e5f67890';
export const VPC_ENDPOINT_ID = 'vpce-0b2c3d4e5f6a78901';
export const ALB_DESCRIPTION = 'ELB app/shop-web/50dc6c495c0c9188';
export const LAMBDA_DESCRIPTION = 'AWS Lambda VPC ENI-orders-worker-6f1c2e3a-8b4d-4e5f-9a0b-1c2d3e4f5a6b';

export const FLOW_LOG = {
  /** The shop VPC's flow log: every ENI of the VPC, ACCEPT and REJECT, custom v5 format. */
  shop: {
    id: 'fl-0a1b2c3d4e5f67890',
    resourceId: VPC.shop.id,
    trafficType: 'ALL',
    fields: [
      'version',
      'account-id',
      'interface-id',
      'srcaddr',
      'dstaddr',
      'srcport',
      'dstport',
      'protocol',
      'packets',
      'bytes',
      'start',
      'end',
      'action',
      'log-status',
      'vpc-id',
      'subnet-id',
      'tcp-flags',
      'flow-direction',
      'traffic-path',
    ],
  },
  /** The shared-services subnet's flow log: default (version 2) format, REJECT only. */
  shared: {
    id: 'fl-0f9e8d7c6b5a43210',
    resourceId: SUBNETS.sharedA.id,
    trafficType: 'REJECT',
    fields: [
      'version',
      'account-id',
      'interface-id',
      'srcaddr',
      'dstaddr',
      'srcport',
      'dstport',
      'protocol',
      'packets',
      'bytes',
      'start',
      'end',
      'action',
      'log-status',
    ],
  },
} as const;

export type InterfaceKind = 'instance' | 'alb' | 'nat' | 'lambda' | 'rds' | 'elasticache' | 'endpoint';

export interface EniSpec {
  id: string;
  kind: InterfaceKind;
  subnet: SubnetSpec;
  ip: string;
  ipv6?: string;
  publicIp?: string;
  groups: string[];
  instanceId?: string;
  name: string;
}

const eni = (spec: EniSpec): EniSpec => spec;

export const ENI = {
  albA: eni({
    id: 'eni-0a10b1c2d3e4f5a01',
    kind: 'alb',
    subnet: SUBNETS.publicA,
    ip: '10.20.0.20',
    ipv6: '2a05:d018:1234:5600::20',
    publicIp: '198.51.100.200',
    groups: [SG.alb],
    name: 'shop-web ALB (a)',
  }),
  albB: eni({
    id: 'eni-0a10b1c2d3e4f5a02',
    kind: 'alb',
    subnet: SUBNETS.publicB,
    ip: '10.20.1.20',
    ipv6: '2a05:d018:1234:5601::20',
    publicIp: '198.51.100.201',
    groups: [SG.alb],
    name: 'shop-web ALB (b)',
  }),
  nat: eni({
    id: 'eni-0a10b1c2d3e4f5a03',
    kind: 'nat',
    subnet: SUBNETS.publicA,
    ip: '10.20.0.100',
    publicIp: '198.51.100.210',
    groups: [],
    name: 'NAT gateway',
  }),
  bastion: eni({
    id: 'eni-0a10b1c2d3e4f5a04',
    kind: 'instance',
    subnet: SUBNETS.publicA,
    ip: '10.20.0.10',
    ipv6: '2a05:d018:1234:5600::10',
    publicIp: '198.51.100.220',
    groups: [SG.bastion],
    instanceId: 'i-0b1a2c3d4e5f60004',
    name: 'bastion',
  }),
  app1: eni({
    id: 'eni-0a10b1c2d3e4f5a11',
    kind: 'instance',
    subnet: SUBNETS.appA,
    ip: '10.20.10.11',
    ipv6: '2a05:d018:1234:5610::11',
    groups: [SG.app, SG.nodeExporter],
    instanceId: 'i-0b1a2c3d4e5f60011',
    name: 'app-1',
  }),
  app2: eni({
    id: 'eni-0a10b1c2d3e4f5a12',
    kind: 'instance',
    subnet: SUBNETS.appA,
    ip: '10.20.10.12',
    ipv6: '2a05:d018:1234:5610::12',
    groups: [SG.app, SG.nodeExporter],
    instanceId: 'i-0b1a2c3d4e5f60012',
    name: 'app-2',
  }),
  app3: eni({
    id: 'eni-0a10b1c2d3e4f5a13',
    kind: 'instance',
    subnet: SUBNETS.appB,
    ip: '10.20.11.11',
    ipv6: '2a05:d018:1234:5611::11',
    groups: [SG.app, SG.nodeExporter],
    instanceId: 'i-0b1a2c3d4e5f60013',
    name: 'app-3',
  }),
  app4: eni({
    id: 'eni-0a10b1c2d3e4f5a14',
    kind: 'instance',
    subnet: SUBNETS.appB,
    ip: '10.20.11.12',
    ipv6: '2a05:d018:1234:5611::12',
    groups: [SG.app, SG.nodeExporter],
    instanceId: 'i-0b1a2c3d4e5f60014',
    name: 'app-4',
  }),
  lambdaA: eni({
    id: 'eni-0a10b1c2d3e4f5a21',
    kind: 'lambda',
    subnet: SUBNETS.appA,
    ip: '10.20.10.200',
    groups: [SG.lambda],
    name: 'Lambda orders-worker (a)',
  }),
  lambdaB: eni({
    id: 'eni-0a10b1c2d3e4f5a22',
    kind: 'lambda',
    subnet: SUBNETS.appB,
    ip: '10.20.11.200',
    groups: [SG.lambda],
    name: 'Lambda orders-worker (b)',
  }),
  endpointA: eni({
    id: 'eni-0a10b1c2d3e4f5a23',
    kind: 'endpoint',
    subnet: SUBNETS.appA,
    ip: '10.20.10.250',
    groups: [SG.endpoints],
    name: 'SQS interface endpoint (a)',
  }),
  endpointB: eni({
    id: 'eni-0a10b1c2d3e4f5a24',
    kind: 'endpoint',
    subnet: SUBNETS.appB,
    ip: '10.20.11.250',
    groups: [SG.endpoints],
    name: 'SQS interface endpoint (b)',
  }),
  rdsPrimary: eni({
    id: 'eni-0a10b1c2d3e4f5a31',
    kind: 'rds',
    subnet: SUBNETS.dbA,
    ip: '10.20.20.10',
    groups: [SG.db],
    name: 'RDS shop-orders (primary)',
  }),
  rdsStandby: eni({
    id: 'eni-0a10b1c2d3e4f5a32',
    kind: 'rds',
    subnet: SUBNETS.dbB,
    ip: '10.20.21.10',
    groups: [SG.db],
    name: 'RDS shop-orders (standby)',
  }),
  redisPrimary: eni({
    id: 'eni-0a10b1c2d3e4f5a33',
    kind: 'elasticache',
    subnet: SUBNETS.dbA,
    ip: '10.20.20.50',
    groups: [SG.redis],
    name: 'ElastiCache shop-sessions-0001-001',
  }),
  redisReplica: eni({
    id: 'eni-0a10b1c2d3e4f5a34',
    kind: 'elasticache',
    subnet: SUBNETS.dbB,
    ip: '10.20.21.50',
    groups: [SG.redis],
    name: 'ElastiCache shop-sessions-0001-002',
  }),
  batch1: eni({
    id: 'eni-0a10b1c2d3e4f5a41',
    kind: 'instance',
    subnet: SUBNETS.batchA,
    ip: '10.20.30.11',
    groups: [SG.batch, SG.nodeExporter],
    instanceId: 'i-0b1a2c3d4e5f60041',
    name: 'batch-1',
  }),
  batch2: eni({
    id: 'eni-0a10b1c2d3e4f5a42',
    kind: 'instance',
    subnet: SUBNETS.batchA,
    ip: '10.20.30.12',
    groups: [SG.batch, SG.nodeExporter],
    instanceId: 'i-0b1a2c3d4e5f60042',
    name: 'batch-2',
  }),
  monitoring: eni({
    id: 'eni-0f10e1d2c3b4a5f01',
    kind: 'instance',
    subnet: SUBNETS.sharedA,
    ip: '10.50.1.10',
    groups: [SG.monitoring],
    instanceId: 'i-0f1e2d3c4b5a60001',
    name: 'prometheus',
  }),
} as const;

export const APP_ENIS = [ENI.app1, ENI.app2, ENI.app3, ENI.app4] as const;
export const BATCH_ENIS = [ENI.batch1, ENI.batch2] as const;
export const LAMBDA_ENIS = [ENI.lambdaA, ENI.lambdaB] as const;
export const ALB_ENIS = [ENI.albA, ENI.albB] as const;

/** Outside peers the legitimate traffic talks to. */
export const PEERS = {
  /** HTTPS APIs the app tier calls through the NAT gateway (payments, e-mail, tax). */
  externalApis: ['198.51.100.70', '198.51.100.71', '198.51.100.77', '198.51.100.83', '198.51.100.90'],
  externalApisIpv6: ['2001:db8:4000::70', '2001:db8:4000::71'],
  /** The fulfilment partner's API (tcp/8443) the Lambda function calls. */
  partnerApi: ['198.51.100.240', '198.51.100.241'],
  /** Administrators' workstations on the corporate VPN. */
  corpAdmins: ['198.51.100.5', '198.51.100.17', '198.51.100.42'],
  corpAdminsIpv6: ['2001:db8:c0de:1::a1', '2001:db8:c0de:1::a7', '2001:db8:c0de:1::b2'],
  /** Port scanner, bastion scanner, host sweeper, IPv6 scanner. */
  albScanner: '203.0.113.45',
  bastionScanner: '203.0.113.66',
  sweeper: '203.0.113.91',
  ipv6Scanner: '2001:db8:bad:1::66',
} as const;

/** Ports probed by the single-packet SYN noise (each from a different source). */
export const NOISE_PROBE_PORTS = [22, 23, 445, 1433, 3389, 5900, 6379, 9200] as const;

/** Linux clients pick source ports here (net.ipv4.ip_local_port_range). */
export const LINUX_EPHEMERAL = { from: 32768, to: 60999 } as const;
/** The app NACL's rule 120 only lets replies in on this range (the Windows/IANA range). */
export const APP_NACL_EPHEMERAL = { from: 49152, to: 65535 } as const;

// ---------------------------------------------------------------------------------------------
// Expected diagnosis
// ---------------------------------------------------------------------------------------------

export interface ExpectedChange {
  action: FixAction;
  /** The key parameters of the EC2 request (others, e.g. descriptions and rule numbers, free). */
  params: Record<string, unknown>;
}

export interface ExpectedFix extends ExpectedChange {
  /**
   * Further requests the fix cannot do without, in the order the engine lists them after the first
   * (e.g. the entry a stateless NACL needs for the replies of a request the first one lets out).
   */
  also?: ExpectedChange[];
  /** Equivalent requests that are just as acceptable, in words. */
  alternatives?: string;
  words: string;
}

export interface ExpectedFinding {
  /** Scenario key, also the README row label. */
  key: string;
  title: string;
  classification: Classification;
  /** The control a finding reports (the first that denies on the path). */
  blockedBy: BlockingControl | null;
  /** Every control that denies, in path order, as `explain` reports each record. */
  explainBlockedBy: BlockingControl[];
  /** `explain` verdict of every REJECT record of the scenario. */
  verdict: 'blocked' | 'allowed' | 'unknown';
  direction: Direction;
  protocol: number;
  /** The service port (the lower port; for return traffic the remote server's port). */
  port: number | null;
  returnTraffic: boolean;
  /** True when the engine may report no finding at all (verdict `unknown`); if it reports one, it must match. */
  findingOptional?: boolean;
  /** Which flow log carries the records. */
  flowLog: keyof typeof FLOW_LOG;
  interfaceIds: string[];
  peerAddresses: string[];
  fix: ExpectedFix | null;
}

const sgBlock = (direction: Direction, groupIds: string[]): BlockingControl => ({ control: 'security-group', direction, groupIds });
const aclBlock = (direction: Direction, networkAclId: string, ruleNumber: number): BlockingControl => ({
  control: 'network-acl',
  direction,
  networkAclId,
  ruleNumber,
});

const ids = (enis: readonly EniSpec[]): string[] => enis.map((e) => e.id);
const ips = (enis: readonly EniSpec[]): string[] => enis.map((e) => e.ip);

/** The overly restrictive rules injected into the sample, one finding each. */
export const EXPECTED_FINDINGS: ExpectedFinding[] = [
  {
    key: 'A',
    title: 'batch tier cannot reach the app tier admin API (tcp/8443): app SG lacks the batch SG',
    classification: 'likely-misconfiguration',
    blockedBy: sgBlock('ingress', [SG.app, SG.nodeExporter]),
    explainBlockedBy: [sgBlock('ingress', [SG.app, SG.nodeExporter])],
    verdict: 'blocked',
    direction: 'ingress',
    protocol: 6,
    port: 8443,
    returnTraffic: false,
    flowLog: 'shop',
    interfaceIds: ids(APP_ENIS),
    peerAddresses: ips(BATCH_ENIS),
    fix: {
      action: 'AuthorizeSecurityGroupIngress',
      params: {
        GroupId: SG.app,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, UserIdGroupPairs: [{ GroupId: SG.batch }] }],
      },
      words: `allow tcp/8443 into ${SG.app} (shop-app) from the batch security group ${SG.batch}`,
    },
  },
  {
    key: 'B',
    title: 'app tier cannot reach Redis (tcp/6379) across subnets: the db NACL has no rule for it',
    classification: 'likely-misconfiguration',
    blockedBy: aclBlock('ingress', ACL.db, 32767),
    explainBlockedBy: [aclBlock('ingress', ACL.db, 32767)],
    verdict: 'blocked',
    direction: 'ingress',
    protocol: 6,
    port: 6379,
    returnTraffic: false,
    flowLog: 'shop',
    interfaceIds: [ENI.redisPrimary.id],
    peerAddresses: ips(APP_ENIS),
    fix: {
      action: 'CreateNetworkAclEntry',
      params: {
        NetworkAclId: ACL.db,
        Egress: false,
        RuleAction: 'allow',
        Protocol: '6',
        PortRange: { From: 6379, To: 6379 },
        CidrBlock: '10.20.10.0/23',
      },
      alternatives:
        'two entries, one per app subnet (10.20.10.0/24 and 10.20.11.0/24); any free rule number below 32767 (in use inbound: 100, 110, 120)',
      words: `add an inbound allow to ${ACL.db} for tcp/6379 from 10.20.10.0/23 (exactly the two app subnets), e.g. rule 130; replies already leave by outbound rule 100`,
    },
  },
  {
    key: 'C',
    title: "replies to the app tier's outbound HTTPS calls are dropped: the app NACL only lets 49152-65535 in, Linux uses 32768-60999",
    classification: 'likely-misconfiguration',
    blockedBy: aclBlock('ingress', ACL.app, 32767),
    explainBlockedBy: [aclBlock('ingress', ACL.app, 32767)],
    verdict: 'blocked',
    direction: 'ingress',
    protocol: 6,
    port: 443,
    returnTraffic: true,
    flowLog: 'shop',
    interfaceIds: ids(APP_ENIS),
    peerAddresses: [...PEERS.externalApis],
    fix: {
      action: 'CreateNetworkAclEntry',
      params: {
        NetworkAclId: ACL.app,
        Egress: false,
        RuleAction: 'allow',
        Protocol: '6',
        PortRange: { From: 32768, To: 60999 },
        CidrBlock: '0.0.0.0/0',
      },
      alternatives:
        'ReplaceNetworkAclEntry of rule 120 with PortRange 32768-65535; any port range starting at 32768 and reaching at least 49151 (32768-49151 is the part rule 120 misses); a rule number that is free and below 32767 (in use inbound: 100, 105, 110, 115, 120, 121); a CidrBlock covering every observed server (198.51.100.64/27) instead of 0.0.0.0/0, since replies come from internet servers',
      words: `let replies in on the Linux ephemeral range: an inbound allow to ${ACL.app} for tcp 32768-60999 from 0.0.0.0/0 with a free rule number below 32767, e.g. 130`,
    },
  },
  {
    key: 'D',
    title: 'the orders-worker Lambda cannot call the fulfilment partner (tcp/8443): its SG egress lacks the port',
    classification: 'likely-misconfiguration',
    blockedBy: sgBlock('egress', [SG.lambda]),
    explainBlockedBy: [sgBlock('egress', [SG.lambda])],
    verdict: 'blocked',
    direction: 'egress',
    protocol: 6,
    port: 8443,
    returnTraffic: false,
    flowLog: 'shop',
    interfaceIds: ids(LAMBDA_ENIS),
    peerAddresses: [...PEERS.partnerApi],
    fix: {
      action: 'AuthorizeSecurityGroupEgress',
      params: {
        GroupId: SG.lambda,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, IpRanges: [{ CidrIp: '198.51.100.240/31' }] }],
      },
      also: [
        {
          action: 'CreateNetworkAclEntry',
          params: {
            NetworkAclId: ACL.app,
            Egress: false,
            RuleAction: 'allow',
            Protocol: '6',
            PortRange: { From: 1024, To: 65535 },
            CidrBlock: '198.51.100.240/31',
          },
        },
      ],
      words: `allow tcp/8443 out of ${SG.lambda} (orders-worker) to 198.51.100.240/31, the two partner addresses; and let the replies back in: an inbound allow to ${ACL.app} for tcp 1024-65535 (the ports AWS Lambda connects from; rule 120 only admits 49152-65535) from 198.51.100.240/31 with a free rule number below 32767, e.g. 140 (130 goes to C's entry when both fixes are applied; replacing rule 120 with 1024-65535 would serve both)`,
    },
  },
  {
    key: 'E',
    title: 'administrators cannot SSH to the bastion over IPv6: the bastion SG only allows the IPv4 corporate prefix list',
    classification: 'likely-misconfiguration',
    blockedBy: sgBlock('ingress', [SG.bastion]),
    explainBlockedBy: [sgBlock('ingress', [SG.bastion])],
    verdict: 'blocked',
    direction: 'ingress',
    protocol: 6,
    port: 22,
    returnTraffic: false,
    flowLog: 'shop',
    interfaceIds: [ENI.bastion.id],
    peerAddresses: [...PEERS.corpAdminsIpv6],
    fix: {
      action: 'AuthorizeSecurityGroupIngress',
      params: {
        GroupId: SG.bastion,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '2001:db8:c0de:1::a0/123' }] }],
      },
      alternatives: 'one /128 range per observed address',
      words: `allow tcp/22 into ${SG.bastion} from 2001:db8:c0de:1::a0/123, the narrowest CIDR covering the three admin addresses (the corporate /48 is what an operator would likely choose)`,
    },
  },
  {
    key: 'F',
    title: 'ICMP from the monitoring host to the app tier: the only ICMP rule is type-specific (echo request), so the verdict is uncertain',
    classification: 'uncertain',
    findingOptional: true,
    blockedBy: null,
    explainBlockedBy: [],
    verdict: 'unknown',
    direction: 'ingress',
    protocol: 1,
    port: null,
    returnTraffic: false,
    flowLog: 'shop',
    interfaceIds: ids(APP_ENIS),
    peerAddresses: [ENI.monitoring.ip],
    fix: null,
  },
  {
    key: 'G',
    title: 'the monitoring host cannot scrape the batch exporter (tcp/9102) across the peering: its SG egress only allows 9100',
    classification: 'likely-misconfiguration',
    blockedBy: sgBlock('egress', [SG.monitoring]),
    explainBlockedBy: [sgBlock('egress', [SG.monitoring])],
    verdict: 'blocked',
    direction: 'egress',
    protocol: 6,
    port: 9102,
    returnTraffic: false,
    flowLog: 'shared',
    interfaceIds: [ENI.monitoring.id],
    peerAddresses: ips(BATCH_ENIS),
    fix: {
      action: 'AuthorizeSecurityGroupEgress',
      params: {
        GroupId: SG.monitoring,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 9102, ToPort: 9102, UserIdGroupPairs: [{ GroupId: SG.batch }] }],
      },
      alternatives: `the CIDR 10.20.30.0/24 (batch subnet) or 10.20.30.11/32 + 10.20.30.12/32 (the reference needs UserId ${ACCOUNT_ID} and, across the peering, VpcId/VpcPeeringConnectionId)`,
      words: `allow tcp/9102 out of ${SG.monitoring} to the batch security group ${SG.batch} (peered VPC reference); ${SG.nodeExporter} already allows 9100-9102 in`,
    },
  },
];

export interface NoiseScenario {
  key: string;
  title: string;
  sources: string[];
  interfaceIds: string[];
  /** `explain` blockedBy for each class of port the scenario probes. */
  controlsByPort: { ports: string; explainBlockedBy: BlockingControl[] }[];
  /** `allowed` for late FIN/RST: the current configuration allows those flows. */
  verdict: 'blocked' | 'allowed';
}

const publicNaclFirst = (sg: string, ipv6 = false): BlockingControl[] => [
  aclBlock('ingress', ACL.public, ipv6 ? 32768 : 32767),
  sgBlock('ingress', [sg]),
];

/** Rejected traffic that must come out classified `likely-noise`, with no suggested fix. */
export const NOISE_SCENARIOS: NoiseScenario[] = [
  {
    key: 'N1',
    title: 'port scan of the ALB (one source, ~400 ports, one SYN each)',
    sources: [PEERS.albScanner],
    interfaceIds: [ENI.albA.id],
    verdict: 'blocked',
    controlsByPort: [
      { ports: 'below 1024 except 80 and 443', explainBlockedBy: publicNaclFirst(SG.alb) },
      { ports: '1024-65535', explainBlockedBy: [sgBlock('ingress', [SG.alb])] },
    ],
  },
  {
    key: 'N2',
    title: 'port scan of the bastion (one source, ~250 ports, one SYN each, incl. 22)',
    sources: [PEERS.bastionScanner],
    interfaceIds: [ENI.bastion.id],
    verdict: 'blocked',
    controlsByPort: [
      {
        ports: 'below 1024 except 80 and 443 (22 included: the NACL allows 22 only from the corporate range)',
        explainBlockedBy: publicNaclFirst(SG.bastion),
      },
      { ports: '80, 443 and 1024-65535', explainBlockedBy: [sgBlock('ingress', [SG.bastion])] },
    ],
  },
  {
    key: 'N3',
    title: 'single-packet SYNs from many internet sources to 22/23/445/1433/3389/5900/6379/9200 on the ALB and bastion',
    sources: ['203.0.113.0/24 (about 40 addresses)'],
    interfaceIds: [ENI.albA.id, ENI.albB.id, ENI.bastion.id],
    verdict: 'blocked',
    controlsByPort: [
      { ports: '22, 23, 445 on the ALB ENIs', explainBlockedBy: publicNaclFirst(SG.alb) },
      { ports: '22, 23, 445 on the bastion', explainBlockedBy: publicNaclFirst(SG.bastion) },
      { ports: '1433, 3389, 5900, 6379, 9200 on the ALB ENIs', explainBlockedBy: [sgBlock('ingress', [SG.alb])] },
      { ports: '1433, 3389, 5900, 6379, 9200 on the bastion', explainBlockedBy: [sgBlock('ingress', [SG.bastion])] },
    ],
  },
  {
    key: 'N4',
    title: 'host sweep: one source tries tcp/23 and tcp/3389 on every public address (both ALB ENIs and the bastion)',
    sources: [PEERS.sweeper],
    interfaceIds: [ENI.albA.id, ENI.albB.id, ENI.bastion.id],
    verdict: 'blocked',
    controlsByPort: [
      { ports: '23 on the ALB ENIs', explainBlockedBy: publicNaclFirst(SG.alb) },
      { ports: '23 on the bastion', explainBlockedBy: publicNaclFirst(SG.bastion) },
      { ports: '3389 on the ALB ENIs', explainBlockedBy: [sgBlock('ingress', [SG.alb])] },
      { ports: '3389 on the bastion', explainBlockedBy: [sgBlock('ingress', [SG.bastion])] },
    ],
  },
  {
    key: 'N5',
    title: 'IPv6 scan of the ALB (one source, 22/23/445/3389/8080/8443)',
    sources: [PEERS.ipv6Scanner],
    interfaceIds: [ENI.albA.id, ENI.albB.id],
    verdict: 'blocked',
    controlsByPort: [
      { ports: '22, 23, 445', explainBlockedBy: publicNaclFirst(SG.alb, true) },
      { ports: '3389, 8080, 8443', explainBlockedBy: [sgBlock('ingress', [SG.alb])] },
    ],
  },
  {
    key: 'N6',
    title:
      'late FIN/RST after close (tcp-flags 1 or 4) on flows the configuration allows (customers to the ALB on 443, ALB to app on 8080)',
    sources: ['192.0.2.0/24 customers', 'ALB ENIs'],
    interfaceIds: [ENI.albA.id, ENI.albB.id, ...ids(APP_ENIS)],
    verdict: 'allowed',
    controlsByPort: [{ ports: '443 on the ALB ENIs, 8080 on the app ENIs', explainBlockedBy: [] }],
  },
];
