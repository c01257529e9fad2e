import { type IpAddress, isInternetAddress, parseIp } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import { PROTOCOL_ICMP, PROTOCOL_ICMPV6 } from '../network/protocol';
import type { NetworkInterface } from '../network/snapshot';

/** A source or destination as the path analysis sees it. */
export interface PathEndpoint {
  input: string;
  /** The interface in the snapshot, when the endpoint is one (by id, instance or address). */
  eni: NetworkInterface | null;
  /** Why an id names nothing in the snapshot; null when found (or when the endpoint is a plain address). */
  missing: string | null;
  /** The address the packet carries for this end; null when the interface has none of the family. */
  address: IpAddress | null;
}

/** The interface owning an address: by private address first, then by public (Elastic) IP. */
function addressOwner(model: NetworkModel, address: IpAddress): NetworkInterface | undefined {
  const owners = model.interfacesByPrivateAddress(address);
  if (owners.length) return owners[0];
  return model.interfaceWithPublicAddress(address);
}

function privateAddress(model: NetworkModel, eni: NetworkInterface, family: 4 | 6): IpAddress | null {
  const text =
    family === 4
      ? (eni.PrivateIpAddress ??
        eni.PrivateIpAddresses?.find((a) => a.Primary)?.PrivateIpAddress ??
        eni.PrivateIpAddresses?.[0]?.PrivateIpAddress)
      : eni.Ipv6Addresses?.[0]?.Ipv6Address;
  return model.address(text);
}

/** The interface's public IPv4 (its association, else its primary private address's). */
export function publicAddressOf(model: NetworkModel, eni: NetworkInterface): IpAddress | null {
  const text =
    eni.Association?.PublicIp ??
    eni.PrivateIpAddresses?.find((a) => a.Primary)?.Association?.PublicIp ??
    eni.PrivateIpAddresses?.find((a) => a.Association?.PublicIp)?.Association?.PublicIp;
  return model.address(text);
}

export function hasFamily(eni: NetworkInterface, family: 4 | 6): boolean {
  return family === 4 ? Boolean(eni.PrivateIpAddress ?? eni.PrivateIpAddresses?.length) : Boolean(eni.Ipv6Addresses?.length);
}

/** Resolves an id or address; the address of an id endpoint is chosen later (`chooseAddresses`). */
export function resolveEndpoint(model: NetworkModel, input: string): PathEndpoint {
  if (input.startsWith('eni-')) {
    const eni = model.interface(input) ?? null;
    return { input, eni, missing: eni ? null : `${input} is not in the snapshot`, address: null };
  }
  if (input.startsWith('i-')) {
    const eni = model.interfacesOfInstanceId(input)[0] ?? null;
    return { input, eni, missing: eni ? null : `no interface of instance ${input} is in the snapshot`, address: null };
  }
  const address = parseIp(input);
  return { input, eni: address ? (addressOwner(model, address) ?? null) : null, missing: null, address };
}

/**
 * Picks the addresses of endpoints given by id: the family is the other end's when it is an
 * address, IPv6 for ICMPv6, IPv4 for ICMP, else IPv4 when both ends have one. A destination given
 * by id and reached from an internet address is reached at its public IPv4 when it has one.
 */
export function chooseAddresses(model: NetworkModel, source: PathEndpoint, destination: PathEndpoint, protocol: number): void {
  const given = source.address ?? destination.address;
  let family: 4 | 6;
  if (given) family = given.family;
  else if (protocol === PROTOCOL_ICMPV6) family = 6;
  else if (protocol === PROTOCOL_ICMP) family = 4;
  else {
    const both = (f: 4 | 6): boolean => [source, destination].every((e) => !e.eni || hasFamily(e.eni, f));
    family = both(4) ? 4 : both(6) ? 6 : 4;
  }
  if (!source.address && source.eni) source.address = privateAddress(model, source.eni, family);
  if (!destination.address && destination.eni) {
    const fromInternet = source.address !== null && !source.eni && isInternetAddress(source.address);
    const pub = fromInternet && family === 4 ? publicAddressOf(model, destination.eni) : null;
    destination.address = pub ?? privateAddress(model, destination.eni, family);
  }
}

/**
 * The source address the destination sees. IPv6 and private destinations: the source's own
 * address. A public IPv4 destination reached from an interface: that interface's public IPv4 —
 * null when it has none (it leaves through a NAT gateway whose address the snapshot does not
 * give). Group references therefore never match a path to a public address.
 */
export function sourceAddressSeen(model: NetworkModel, source: PathEndpoint, destination: PathEndpoint): IpAddress | null {
  if (!source.address) return null;
  if (!source.eni || source.address.family === 6 || !destination.address || !isInternetAddress(destination.address)) return source.address;
  if (isInternetAddress(source.address)) return source.address;
  return publicAddressOf(model, source.eni);
}
