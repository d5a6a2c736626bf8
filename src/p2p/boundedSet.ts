// Insertion-ordered sets and maps with a size cap: the oldest entry goes first (dedup caches).

export class BoundedSet<T> {
  private readonly max: number;
  private readonly items = new Set<T>();
  constructor(max: number) {
    this.max = Math.max(1, max);
  }
  has(item: T): boolean {
    return this.items.has(item);
  }
  add(item: T): void {
    if (this.items.has(item)) return;
    this.items.add(item);
    if (this.items.size > this.max) {
      const oldest = this.items.values().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
  }
  get size(): number {
    return this.items.size;
  }
}

export class BoundedMap<K, V> {
  private readonly max: number;
  private readonly items = new Map<K, V>();
  constructor(max: number) {
    this.max = Math.max(1, max);
  }
  get(key: K): V | undefined {
    return this.items.get(key);
  }
  set(key: K, value: V): void {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.max) {
      const oldest = this.items.keys().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
  }
  delete(key: K): void {
    this.items.delete(key);
  }
}
