import { type Cidr, type IpAddress } from '../ip/ip-address';

/**
 * Longest-prefix lookup of values by CIDR block. One hash map per prefix length in use, probed
 * from the most specific length down: a lookup costs one map probe per distinct prefix length
 * (a VPC rarely uses more than a handful), whatever the number of blocks.
 */
export class CidrTable<T> {
  private readonly v4 = new Map<number, Map<number, T[]>>();
  private readonly v6 = new Map<number, Map<bigint, T[]>>();
  private v4Lengths: number[] = [];
  private v6Lengths: number[] = [];

  add(cidr: Cidr, value: T): void {
    if (cidr.family === 4) {
      const byBase = this.bucket4(cidr.prefix);
      const list = byBase.get(cidr.base4);
      if (list) list.push(value);
      else byBase.set(cidr.base4, [value]);
      return;
    }
    const byBase = this.bucket6(cidr.prefix);
    const list = byBase.get(cidr.base6);
    if (list) list.push(value);
    else byBase.set(cidr.base6, [value]);
  }

  /** Values of the most specific block containing `address`, or an empty list. */
  longestMatch(address: IpAddress): readonly T[] {
    if (address.family === 4) {
      for (const prefix of this.v4Lengths) {
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const hit = this.v4.get(prefix)!.get((address.v4 & mask) >>> 0);
        if (hit) return hit;
      }
      return [];
    }
    for (const prefix of this.v6Lengths) {
      const shift = BigInt(128 - prefix);
      const hit = this.v6.get(prefix)!.get((address.v6 >> shift) << shift);
      if (hit) return hit;
    }
    return [];
  }

  /** Values of every block containing `address`, most specific first. */
  allMatches(address: IpAddress): T[] {
    const found: T[] = [];
    if (address.family === 4) {
      for (const prefix of this.v4Lengths) {
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const hit = this.v4.get(prefix)!.get((address.v4 & mask) >>> 0);
        if (hit) found.push(...hit);
      }
      return found;
    }
    for (const prefix of this.v6Lengths) {
      const shift = BigInt(128 - prefix);
      const hit = this.v6.get(prefix)!.get((address.v6 >> shift) << shift);
      if (hit) found.push(...hit);
    }
    return found;
  }

  private bucket4(prefix: number): Map<number, T[]> {
    let byBase = this.v4.get(prefix);
    if (!byBase) {
      byBase = new Map();
      this.v4.set(prefix, byBase);
      this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
    }
    return byBase;
  }

  private bucket6(prefix: number): Map<bigint, T[]> {
    let byBase = this.v6.get(prefix);
    if (!byBase) {
      byBase = new Map();
      this.v6.set(prefix, byBase);
      this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
    }
    return byBase;
  }
}
