import type { NetworkModel } from '../network/network-model';
import type { NetworkInterface } from '../network/snapshot';

/**
 * The interface in the snapshot whose private address is `address`, looked up in the VPC of the
 * capturing interface and the VPCs peered with it (where a private address means the same host).
 * Falls back to any VPC of the snapshot when the capturing interface's VPC is unknown.
 */
export function findPeerInterface(model: NetworkModel, capturingEniId: string, address: string): NetworkInterface | undefined {
  const ip = model.address(address);
  if (!ip) return undefined;
  const eni = model.interface(capturingEniId);
  const vpcId = eni?.VpcId ?? (eni?.SubnetId ? model.subnet(eni.SubnetId)?.VpcId : undefined);
  if (!vpcId) return model.interfacesByPrivateAddress(ip)[0];
  const vpcs = new Set([vpcId, ...model.peeredVpcs(vpcId)]);
  return model.interfacesByPrivateAddress(ip, vpcs).find((candidate) => candidate.NetworkInterfaceId !== capturingEniId);
}

/** The VPC of an interface (its own `VpcId`, else its subnet's). */
export function vpcOfInterface(model: NetworkModel, eniId: string): string | undefined {
  const eni = model.interface(eniId);
  return eni?.VpcId ?? (eni?.SubnetId ? model.subnet(eni.SubnetId)?.VpcId : undefined);
}
