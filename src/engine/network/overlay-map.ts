/** What the model's indexes need of a map: a plain `Map`, or an `OverlayMap` over one. */
export interface IndexMap<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): unknown;
  keys(): IterableIterator<K>;
}

/**
 * A map read through to a base map that it never writes: an entry set here hides the base's
 * entry of the same key. A what-if replaces a handful of entries of indexes with hundreds, so
 * it keeps only those instead of copying the whole index.
 */
export class OverlayMap<K, V> implements IndexMap<K, V> {
  private readonly own = new Map<K, V>();

  constructor(private readonly base: IndexMap<K, V>) {}

  get(key: K): V | undefined {
    return this.own.has(key) ? this.own.get(key) : this.base.get(key);
  }

  has(key: K): boolean {
    return this.own.has(key) || this.base.has(key);
  }

  set(key: K, value: V): this {
    this.own.set(key, value);
    return this;
  }

  *keys(): IterableIterator<K> {
    yield* this.base.keys();
    for (const key of this.own.keys()) if (!this.base.has(key)) yield key;
  }
}
