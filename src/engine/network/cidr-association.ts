/**
 * Whether a CIDR block of a VPC or subnet (`CidrBlockState` / `Ipv6CidrBlockState` of its
 * association) holds addresses: only an `associated` block does. A `failed` or `failing`
 * association never took, an `associating` block holds no subnet yet, and a `disassociating` or
 * `disassociated` one no longer does (EC2 takes a block away only once no subnet or address uses
 * it). A block without a state (a snapshot written by hand) counts as associated.
 */
export function cidrBlockInEffect(state: { State?: string } | undefined): boolean {
  return state?.State === undefined || state.State === 'associated';
}
