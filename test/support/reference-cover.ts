// The simple (quadratic) cover the engine's coverAddresses replaced: the oracle its property test compares with.
import * as ipaddr from 'ipaddr.js';

import type { CoverOptions } from '../../src/engine/ip/cidr-cover';

/** An address block: the network address as an integer and its prefix length. */
interface Block {
  family: 4 | 6;
  base: bigint;
  length: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function toBlock(address: string): Block | null {
  if (!ipaddr.isValid(address)) return null;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') {
    const base = (parsed as ipaddr.IPv4).octets.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
    return { family: 4, base, length: 32 };
  }
  const base = (parsed as ipaddr.IPv6).parts.reduce((acc, part) => (acc << 16n) | BigInt(part), 0n);
  return { family: 6, base, length: 128 };
}

function cidrToBlock(cidr: string): Block | null {
  if (!ipaddr.isValidCIDR(cidr)) return null;
  const [address, length] = ipaddr.parseCIDR(cidr);
  const block = toBlock(address.toString());
  if (!block) return null;
  return { family: block.family, base: networkOf(block.base, length, block.family), length };
}

function networkOf(value: bigint, length: number, family: 4 | 6): bigint {
  const hostBits = BigInt(BITS[family] - length);
  return (value >> hostBits) << hostBits;
}

function contains(outer: Block, inner: Block): boolean {
  return outer.family === inner.family && outer.length <= inner.length && networkOf(inner.base, outer.length, outer.family) === outer.base;
}

/** The smallest block containing both. */
function supernet(a: Block, b: Block): Block {
  let length = Math.min(a.length, b.length);
  while (length > 0 && networkOf(a.base, length, a.family) !== networkOf(b.base, length, a.family)) length--;
  return { family: a.family, base: networkOf(a.base, length, a.family), length };
}

function blockToCidr(block: Block): string {
  if (block.family === 4) {
    const octets = [24n, 16n, 8n, 0n].map((shift) => Number((block.base >> shift) & 0xffn));
    return `${octets.join('.')}/${block.length}`;
  }
  const parts: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(Number((block.base >> shift) & 0xffffn));
  return `${new ipaddr.IPv6(parts).toString()}/${block.length}`;
}

function compareBlocks(a: Block, b: Block): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.base !== b.base) return a.base < b.base ? -1 : 1;
  return a.length - b.length;
}

/** Drop blocks contained in another block of the list. */
function withoutContained(blocks: Block[]): Block[] {
  return blocks.filter(
    (block, i) => !blocks.some((other, j) => j !== i && contains(other, block) && (other.length < block.length || j < i)),
  );
}

/** Repeatedly merges the adjacent pair with the smallest common supernet while `accept` allows it. */
function mergeWhile(start: Block[], accept: (merged: Block, count: number) => boolean): Block[] {
  let blocks = start;
  for (;;) {
    let best: Block | null = null;
    for (let i = 0; i + 1 < blocks.length; i++) {
      const [a, b] = [blocks[i], blocks[i + 1]];
      if (a.family !== b.family) continue;
      const merged = supernet(a, b);
      if (accept(merged, blocks.length) && (!best || merged.length > best.length)) best = merged;
    }
    if (!best) return blocks;
    const merged = best;
    blocks = [...blocks.filter((b) => !contains(merged, b)), merged].sort(compareBlocks);
  }
}

/**
 * The narrowest list of CIDRs covering every address: one host prefix per address (/32, /128),
 * known subnets replacing many addresses of one subnet, blocks within `mergeWithin` of each other
 * merged, then adjacent blocks merged (the pair whose common supernet is smallest first) until at
 * most `maxPrefixes` remain. A merge that would
 * go below `minPrefixLength` is never made, so the list may exceed `maxPrefixes` rather than widen.
 * Output is sorted and independent of input order. Invalid addresses are ignored.
 */
export function referenceCoverAddresses(addresses: Iterable<string>, options: CoverOptions): string[] {
  let blocks = [...new Set(addresses)].map(toBlock).filter((b): b is Block => b !== null);
  const threshold = options.subnetThreshold ?? Number.POSITIVE_INFINITY;
  for (const subnet of options.subnets ?? []) {
    const block = cidrToBlock(subnet);
    if (!block) continue;
    const inside = blocks.filter((b) => contains(block, b));
    if (inside.length >= threshold) blocks = [...blocks.filter((b) => !contains(block, b)), block];
  }
  blocks = withoutContained(blocks).sort(compareBlocks);
  const mergeWithin = options.mergeWithin;
  if (mergeWithin) blocks = mergeWhile(blocks, (merged) => merged.length >= mergeWithin[merged.family]);
  blocks = mergeWhile(blocks, (merged, count) => count > options.maxPrefixes && merged.length >= options.minPrefixLength[merged.family]);
  return blocks.map(blockToCidr);
}
