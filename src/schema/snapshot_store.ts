/**
 * The cached schema snapshots of every database, bounded together (CACHE_MAX_SIZE): the least
 * recently used entry goes first, whichever database it belongs to.
 */
export interface SnapshotStore<T> {
  get(key: string): T | undefined;
  /** Stores (or refreshes) `key` as the most recently used entry. */
  set(key: string, value: T): void;
  delete(key: string): void;
  readonly size: number;
}

export function createSnapshotStore<T>(
  maxSize: number,
  onEvict?: (key: string) => void,
): SnapshotStore<T> {
  const entries = new Map<string, T>();
  const limit = Math.max(1, maxSize);
  return {
    get: (key) => entries.get(key),
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      while (entries.size > limit) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
        onEvict?.(oldest);
      }
    },
    delete: (key) => void entries.delete(key),
    get size() {
      return entries.size;
    },
  };
}
