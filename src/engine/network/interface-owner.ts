import type { NetworkInterface } from './snapshot';

const UUID_SUFFIX = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Names what owns an interface, for people reading findings: the instance id when attached to an
 * instance; otherwise what the description AWS writes on managed interfaces reveals — a load
 * balancer (`ELB app/NAME/ID` → `elb:app/NAME`, `ELB net/NAME/ID` → `elb:net/NAME`, classic
 * `ELB NAME` → `elb:NAME`), a NAT gateway (`nat-…`), a Lambda function (`lambda:NAME`), an
 * interface VPC endpoint (`vpce-…`), an EFS mount target (`efs:fs-…`), RDS (`rds`); else the
 * interface type or requester, or null.
 */
export function describeInterfaceOwner(eni: NetworkInterface): string | null {
  if (eni.Attachment?.InstanceId) return eni.Attachment.InstanceId;
  const description = (eni.Description ?? '').trim();
  const fromDescription = ownerFromDescription(description);
  if (fromDescription) return fromDescription;
  if (eni.InterfaceType && eni.InterfaceType !== 'interface') return eni.InterfaceType;
  return eni.RequesterId ?? null;
}

function ownerFromDescription(description: string): string | null {
  const elbV2 = /^ELB (app|net|gwy)\/([^/]+)\/[^/\s]+$/.exec(description);
  if (elbV2) return `elb:${elbV2[1]}/${elbV2[2]}`;
  const classic = /^ELB ([^\s/]+)$/.exec(description);
  if (classic) return `elb:${classic[1]}`;
  const nat = /^Interface for NAT Gateway (nat-[0-9a-z]+)/i.exec(description);
  if (nat) return nat[1];
  const lambda = /^AWS Lambda VPC ENI[- ](.+)$/.exec(description);
  if (lambda) return `lambda:${lambda[1].replace(UUID_SUFFIX, '')}`;
  const endpoint = /^VPC Endpoint Interface (vpce-[0-9a-z]+)/i.exec(description);
  if (endpoint) return endpoint[1];
  const efs = /^EFS mount target for (fs-[0-9a-z]+)/i.exec(description);
  if (efs) return `efs:${efs[1]}`;
  if (description === 'RDSNetworkInterface') return 'rds';
  return null;
}

/** `InterfaceType` values EC2 gives load balancers' interfaces that carry no `ELB …` description. */
const LOAD_BALANCER_TYPES = new Set(['load_balancer', 'network_load_balancer', 'gateway_load_balancer']);
/** `InterfaceType` of a NAT gateway's interface: `nat_gateway` as DescribeNetworkInterfaces prints it, `natGateway` as the API model spells it. */
const NAT_GATEWAY_TYPES = new Set(['nat_gateway', 'natGateway']);

/**
 * Is the owner (as `describeInterfaceOwner` names it) a load balancer: `elb:…` from the
 * description, a load balancer's interface type, or the `amazon-elb` requester?
 */
export function isLoadBalancerOwner(owner: string | null | undefined): boolean {
  if (owner === null || owner === undefined) return false;
  return owner.startsWith('elb:') || LOAD_BALANCER_TYPES.has(owner) || owner === 'amazon-elb';
}

/** Is the owner (as `describeInterfaceOwner` names it) a NAT gateway: `nat-…` from the description, or the interface type? */
export function isNatGatewayOwner(owner: string | null | undefined): boolean {
  if (owner === null || owner === undefined) return false;
  return /^nat-[0-9a-z]+$/.test(owner) || NAT_GATEWAY_TYPES.has(owner);
}

/** Is the owner (as `describeInterfaceOwner` names it) an AWS Lambda function: `lambda:NAME` from the description, or the `lambda` interface type? */
export function isLambdaOwner(owner: string | null | undefined): boolean {
  if (owner === null || owner === undefined) return false;
  return owner === 'lambda' || owner.startsWith('lambda:');
}

/**
 * Owners whose connections come from 1024–65535: load balancers, NAT gateways and AWS Lambda
 * functions (the VPC user guide's ephemeral ports; an instance's kernel picks a narrower range).
 */
export function usesFullEphemeralRange(owner: string | null | undefined): boolean {
  return isLoadBalancerOwner(owner) || isNatGatewayOwner(owner) || isLambdaOwner(owner);
}

/**
 * Is the interface a Network Load Balancer's: interface type `network_load_balancer`, or the
 * description ELB gives it (`ELB net/NAME/ID`)? Its targets receive what it forwards with the
 * client's own address as source when client IP preservation is on (see
 * `loadBalancerPathMatches`).
 */
export function isNetworkLoadBalancerInterface(eni: NetworkInterface): boolean {
  return eni.InterfaceType === 'network_load_balancer' || /^ELB net\/[^/]+\/[^/\s]+$/.test((eni.Description ?? '').trim());
}

/**
 * Is the interface a transit gateway's, in a subnet of one of its VPC attachments: interface type
 * `transit_gateway`, or the description EC2 gives it (`Network Interface for Transit Gateway
 * Attachment tgw-attach-…`)?
 */
export function isTransitGatewayInterface(eni: NetworkInterface): boolean {
  return (
    eni.InterfaceType === 'transit_gateway' || /^Network Interface for Transit Gateway Attachment tgw-attach-/.test(eni.Description ?? '')
  );
}
