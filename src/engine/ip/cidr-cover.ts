import * as ipaddr from 'ipaddr.js';
import { ipv4Value } from './ip-address';

/** An address block: the network address as an integer and its prefix length. */
interface Block {
  family: 4 | 6;
  base: bigint;
  length: number;
}

export interface CoverOptions {
  /** Merge blocks until at most this many remain (when merging stays within the bounds below). */
  maxPrefixes: number;
  /**
   * Blocks whose common supernet is at least this long (IPv4 / IPv6) are always merged: hosts
   * that close together are one range (one rule instead of several).
   */
  mergeWithin?: { 4: number; 6: number };
  /** Never produce a prefix shorter than this (IPv4 / IPv6): stops a merge reaching the world. */
  minPrefixLength: { 4: number; 6: number };
  /**
   * Known subnets (CIDRs). When at least `subnetThreshold` addresses fall in one, the subnet's
   * CIDR replaces them: the natural boundary of "the hosts of that tier".
   */
  subnets?: readonly string[];
  subnetThreshold?: number;
  /** CIDRs to cover whole besides the addresses (a load balancer's subnets), merged like their blocks. */
  blocks?: readonly string[];
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * Parsed addresses and CIDRs, remembered: peers and subnets repeat across every fix proposed in an
 * analysis. Each entry is about a hundred bytes, and a dotted quad parses without ipaddr.js: a
 * smaller cache costs a little time and keeps a million-record analysis's worker smaller.
 */
const PARSED_LIMIT = 50_000;
const parsedAddresses = new Map<string, Block | null>();
const parsedCidrs = new Map<string, Block | null>();

function remembered(cache: Map<string, Block | null>, text: string, parse: (text: string) => Block | null): Block | null {
  const known = cache.get(text);
  if (known !== undefined) return known;
  const block = parse(text);
  if (cache.size >= PARSED_LIMIT) cache.clear();
  cache.set(text, block);
  return block;
}

function toBlock(address: string): Block | null {
  return remembered(parsedAddresses, address, parseAddress);
}

function parseAddress(address: string): Block | null {
  // Only IPv6 text has a colon: one parser per address, not IPv6 tried first on every IPv4 one.
  if (!address.includes(':')) {
    // The form flow logs write, read by hand: the value ipaddr.js gives it.
    const quad = ipv4Value(address);
    if (quad !== null) return { family: 4, base: BigInt(quad), length: 32 };
    if (!ipaddr.IPv4.isValid(address)) return null;
    const base = ipaddr.IPv4.parse(address).octets.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
    return { family: 4, base, length: 32 };
  }
  if (!ipaddr.IPv6.isValid(address)) return null;
  const base = ipaddr.IPv6.parse(address).parts.reduce((acc, part) => (acc << 16n) | BigInt(part), 0n);
  return { family: 6, base, length: 128 };
}

function cidrToBlock(cidr: string): Block | null {
  return remembered(parsedCidrs, cidr, parseCidrBlock);
}

/** `address/length` as ipaddr.js's parseCIDR reads it, the address parsed once by its own family's parser. */
function parseCidrBlock(cidr: string): Block | null {
  const match = /^(.+)\/(\d+)$/.exec(cidr);
  if (!match) return null;
  const host = toBlock(match[1]);
  const length = Number(match[2]);
  if (!host || length > BITS[host.family]) return null;
  return { family: host.family, base: networkOf(host.base, length, host.family), length };
}

function networkOf(value: bigint, length: number, family: 4 | 6): bigint {
  const hostBits = BigInt(BITS[family] - length);
  return (value >> hostBits) << hostBits;
}

function contains(outer: Block, inner: Block): boolean {
  return outer.family === inner.family && outer.length <= inner.length && networkOf(inner.base, outer.length, outer.family) === outer.base;
}

/** The smallest block containing both (same family). */
function supernet(a: Block, b: Block): Block {
  const differing = a.base ^ b.base;
  const common = differing === 0n ? BITS[a.family] : BITS[a.family] - differing.toString(2).length;
  const length = Math.min(a.length, b.length, common);
  return { family: a.family, base: networkOf(a.base, length, a.family), length };
}

export function blockToCidr(block: Block): string {
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

/**
 * Drop blocks contained in another block of the list (and duplicates); sorted. CIDR blocks are
 * nested or disjoint, so after sorting a contained block follows the block containing it.
 */
function withoutContained(blocks: Block[]): Block[] {
  const out: Block[] = [];
  for (const block of [...blocks].sort(compareBlocks)) {
    const last = out[out.length - 1];
    if (!last || !contains(last, block)) out.push(block);
  }
  return out;
}

interface Node {
  block: Block;
  prev: Node | null;
  next: Node | null;
  alive: boolean;
}

interface Candidate {
  left: Node;
  right: Node;
  merged: Block;
}

/** Longer supernet first; between equals, the pair further left (the order of a left-to-right scan). */
function before(a: Candidate, b: Candidate): boolean {
  if (a.merged.length !== b.merged.length) return a.merged.length > b.merged.length;
  return compareBlocks(a.left.block, b.left.block) < 0;
}

/** A binary heap of candidate merges, best first. */
class CandidateHeap {
  private readonly items: Candidate[] = [];

  push(item: Candidate): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Candidate | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && before(items[l], items[best])) best = l;
        if (r < items.length && before(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
}

/**
 * Repeatedly merges the adjacent pair with the smallest common supernet (the leftmost of equals)
 * while `accept` allows it; the merged block absorbs every block it contains. `start` is sorted
 * and free of nested blocks. A pair `accept` refuses stays refused (its supernet does not change
 * and the count only falls), so it is dropped; each merge costs O(log n), the whole O(n log n).
 */
function mergeWhile(start: Block[], accept: (merged: Block, count: number) => boolean): Block[] {
  if (start.length < 2) return start;
  const nodes: Node[] = start.map((block) => ({ block, prev: null, next: null, alive: true }));
  for (let i = 0; i + 1 < nodes.length; i++) {
    nodes[i].next = nodes[i + 1];
    nodes[i + 1].prev = nodes[i];
  }
  const heap = new CandidateHeap();
  const offer = (left: Node | null, right: Node | null): void => {
    if (!left || !right || left.block.family !== right.block.family) return;
    heap.push({ left, right, merged: supernet(left.block, right.block) });
  };
  for (let i = 0; i + 1 < nodes.length; i++) offer(nodes[i], nodes[i + 1]);
  let head: Node | null = nodes[0];
  let count = nodes.length;
  for (let candidate = heap.pop(); candidate; candidate = heap.pop()) {
    const { left, right, merged } = candidate;
    if (!left.alive || !right.alive || left.next !== right) continue;
    if (!accept(merged, count)) continue;
    let first: Node = left;
    while (first.prev && contains(merged, first.prev.block)) first = first.prev;
    let last: Node = right;
    while (last.next && contains(merged, last.next.block)) last = last.next;
    const node: Node = { block: merged, prev: first.prev, next: last.next, alive: true };
    for (let n: Node | null = first; n && n !== last.next; n = n.next) {
      n.alive = false;
      count--;
    }
    count++;
    if (node.prev) node.prev.next = node;
    else head = node;
    if (node.next) node.next.prev = node;
    offer(node.prev, node);
    offer(node, node.next);
  }
  const out: Block[] = [];
  for (let n: Node | null = head; n; n = n.next) out.push(n.block);
  return out;
}

/**
 * The blocks with each known subnet, in turn, replacing the blocks it contains once they are at
 * least `threshold`. The blocks are kept sorted, so the blocks a subnet contains are found by
 * binary search among those whose network address falls inside it (a block there contains the
 * subnet instead only when it is shorter): each subnet costs O(log n), not a pass over every block.
 */
function withSubnets(start: Block[], subnets: readonly string[], threshold: number): Block[] {
  const blocks = [...start].sort(compareBlocks);
  for (const subnet of subnets) {
    const block = cidrToBlock(subnet);
    if (!block) continue;
    const from = firstAtOrAfter(blocks, block.family, block.base);
    const to = firstAtOrAfter(blocks, block.family, endOf(block));
    let inside = 0;
    for (let i = from; i < to; i++) if (blocks[i].length >= block.length) inside++;
    if (inside < threshold) continue;
    const kept = blocks.slice(from, to).filter((b) => b.length < block.length);
    blocks.splice(from, to - from, ...[...kept, block].sort(compareBlocks));
  }
  return blocks;
}

/** The first address after the block. */
function endOf(block: Block): bigint {
  return block.base + (1n << BigInt(BITS[block.family] - block.length));
}

/** The index of the first of the sorted blocks of `family` whose network address is at least `base`. */
function firstAtOrAfter(blocks: readonly Block[], family: 4 | 6, base: bigint): number {
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const b = blocks[mid];
    if (b.family < family || (b.family === family && b.base < base)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The narrowest list of CIDRs covering every address: one host prefix per address (/32, /128),
 * known subnets replacing many addresses of one subnet, blocks within `mergeWithin` of each other
 * merged, then adjacent blocks merged (the pair whose common supernet is smallest first) until at
 * most `maxPrefixes` remain. A merge that would
 * go below `minPrefixLength` is never made, so the list may exceed `maxPrefixes` rather than widen.
 * Output is sorted and independent of input order. Invalid addresses are ignored.
 */
export function coverAddresses(addresses: Iterable<string>, options: CoverOptions): string[] {
  let blocks = [...new Set(addresses)].map(toBlock).filter((b): b is Block => b !== null);
  const threshold = options.subnetThreshold ?? Number.POSITIVE_INFINITY;
  // Fewer addresses than the threshold: no subnet can hold enough of them.
  if (blocks.length >= threshold) blocks = withSubnets(blocks, options.subnets ?? [], threshold);
  for (const cidr of options.blocks ?? []) {
    const block = cidrToBlock(cidr);
    if (block) blocks.push(block);
  }
  blocks = withoutContained(blocks);
  const mergeWithin = options.mergeWithin;
  if (mergeWithin) blocks = mergeWhile(blocks, (merged) => merged.length >= mergeWithin[merged.family]);
  blocks = mergeWhile(blocks, (merged, count) => count > options.maxPrefixes && merged.length >= options.minPrefixLength[merged.family]);
  return blocks.map(blockToCidr);
}

/** True when the CIDR is the whole IPv4 or IPv6 address space. */
export function isWorld(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

/** Whether `address` lies in `cidr` (false for mismatched families or invalid input). */
export function cidrContains(cidr: string, address: string): boolean {
  const block = cidrToBlock(cidr);
  const host = toBlock(address);
  return block !== null && host !== null && contains(block, host);
}

/**
 * Addresses parsed once and sorted, to count how many lie in a CIDR by binary search: checking
 * many CIDRs against many addresses costs O((addresses + CIDRs) log addresses) instead of
 * parsing both for every pair.
 */
export class AddressSet {
  private readonly blocks: Block[];

  constructor(addresses: Iterable<string>) {
    this.blocks = [...new Set(addresses)]
      .map(toBlock)
      .filter((b): b is Block => b !== null)
      .sort(compareBlocks);
  }

  /** How many of the addresses lie in `cidr` (0 for an invalid CIDR). */
  countIn(cidr: string): number {
    const block = cidrToBlock(cidr);
    if (!block) return 0;
    return firstAtOrAfter(this.blocks, block.family, endOf(block)) - firstAtOrAfter(this.blocks, block.family, block.base);
  }
}

export function addressFamily(addressOrCidr: string): 4 | 6 {
  return addressOrCidr.includes(':') ? 6 : 4;
}
