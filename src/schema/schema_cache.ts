import { ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import { createSnapshotStore, type SnapshotStore } from "./snapshot_store.ts";
import type { SchemaSnapshot } from "./types.ts";

/** Which schemas a snapshot covers: SCHEMA_INCLUDE (empty = every user schema) and _EXCLUDE. */
export interface SchemaScope {
  include: readonly string[];
  exclude: readonly string[];
}

export interface SchemaCache {
  /**
   * The cached snapshot of `scope` (default: the configured one), loading it when absent,
   * expired (TTL) or changed (catalog fingerprint); concurrent callers share one load.
   */
  get(scope?: SchemaScope): Promise<Result<SchemaSnapshot>>;
  /** Forgets the snapshot of `scope` and loads it again. */
  refresh(scope?: SchemaScope): Promise<Result<SchemaSnapshot>>;
  /**
   * Like `get`, but compares the catalog fingerprint now rather than after the check interval
   * (throttled): for a name the snapshot does not know, which may have just been created.
   */
  recheck(scope?: SchemaScope): Promise<Result<SchemaSnapshot>>;
}

export interface SchemaCacheOptions {
  load: (scope: SchemaScope) => Promise<Result<SchemaSnapshot>>;
  /**
   * Reads the catalog fingerprint (cheap). When given, a cached snapshot older than
   * `checkIntervalMs` is compared with it and reloaded if the catalog changed.
   */
  fingerprint?: () => Promise<Result<string>>;
  enabled: boolean;
  ttlMs: number;
  /** Entries kept (one per schema scope of this database); the least recently used goes. */
  maxSize?: number;
  /**
   * Where entries live: shared by the databases of one server so that CACHE_MAX_SIZE bounds
   * them together (keys are prefixed with `namespace`). Default: a store of `maxSize` entries.
   */
  store?: SnapshotStore<CacheEntry>;
  /** This database's prefix in a shared store. */
  namespace?: string;
  /** Told of each lookup served from the cache (hit), needing a load (miss), and each reload. */
  onEvent?: (event: "hit" | "miss" | "reload") => void;
  /** How long a snapshot is served without asking for the fingerprint. Default 1 s. */
  checkIntervalMs?: number;
  defaultScope?: SchemaScope;
  now: () => number;
  log?: Logger;
}

export const DEFAULT_CHECK_INTERVAL_MS = 1_000;
/** The least time between two fingerprint checks prompted by a miss (ms). */
export const RECHECK_INTERVAL_MS = 100;

export interface CacheEntry {
  snapshot: SchemaSnapshot;
  loadedAt: number;
  checkedAt: number;
}

/**
 * The cache key: one entry per schema scope. A cache belongs to one database (one pool), so
 * "per database and schema set" is this key inside the cache of that database.
 */
export function scopeKey(scope: SchemaScope): string {
  const norm = (names: readonly string[]) => [...new Set(names)].sort();
  return JSON.stringify([norm(scope.include), norm(scope.exclude)]);
}

export function createSchemaCache(options: SchemaCacheOptions): SchemaCache {
  const checkIntervalMs = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  const defaultScope = options.defaultScope ?? { include: [], exclude: [] };
  const entries = options.store ??
    createSnapshotStore<CacheEntry>(
      options.maxSize ?? 100,
      () => options.log?.debug("schema.cache.evicted", {}),
    );
  const prefix = options.namespace === undefined ? "" : `${options.namespace}\u0000`;
  const loading = new Map<
    string,
    { generation: number; promise: Promise<Result<SchemaSnapshot>> }
  >();
  let generation = 0;
  let checking: Promise<Result<string>> | undefined;
  let lastRecheck = -Infinity;

  const store = (key: string, entry: CacheEntry) => entries.set(key, entry);

  const load = (key: string, scope: SchemaScope, force: boolean) => {
    const pending = loading.get(key);
    if (pending && !force) return pending.promise;
    const mine = ++generation;
    const started = options.now();
    const promise = options.load(scope).then((result) => {
      const latest = loading.get(key)?.generation === mine;
      if (latest) loading.delete(key);
      if (result.ok && options.enabled && latest) {
        const at = options.now();
        store(key, { snapshot: result.value, loadedAt: at, checkedAt: at });
      }
      options.log?.debug("schema.loaded", {
        ok: result.ok,
        tables: result.ok ? result.value.tables.length : undefined,
        ms: options.now() - started,
      });
      return result;
    }, (error) => {
      if (loading.get(key)?.generation === mine) loading.delete(key);
      throw error;
    });
    loading.set(key, { generation: mine, promise });
    return promise;
  };

  /** One fingerprint query at a time, shared by every caller and entry. */
  const readFingerprint = (read: () => Promise<Result<string>>) => {
    checking ??= read().finally(() => {
      checking = undefined;
    });
    return checking;
  };

  const read = async (scope: SchemaScope, interval: number) => {
    const key = prefix + scopeKey(scope);
    const entry = entries.get(key);
    const now = options.now();
    if (!entry || now - entry.loadedAt >= options.ttlMs) {
      if (entry) entries.delete(key);
      options.onEvent?.("miss");
      return load(key, scope, false);
    }
    options.onEvent?.("hit");
    store(key, entry); // most recently used
    const known = entry.snapshot.fingerprint;
    if (!options.fingerprint || known === undefined || now - entry.checkedAt < interval) {
      return ok(entry.snapshot);
    }
    const current = await readFingerprint(options.fingerprint);
    if (!current.ok) {
      options.log?.warn("schema.fingerprint_failed", { code: current.error.code });
      return ok(entry.snapshot);
    }
    if (current.value === known) {
      entry.checkedAt = options.now();
      return ok(entry.snapshot);
    }
    options.log?.info("schema.changed", {});
    options.onEvent?.("reload");
    if (entries.get(key) === entry) entries.delete(key);
    return load(key, scope, false);
  };

  return {
    get: (scope = defaultScope) => read(scope, checkIntervalMs),
    recheck(scope = defaultScope) {
      // At most one forced fingerprint check per RECHECK_INTERVAL_MS, whatever asks for it.
      const now = options.now();
      if (now - lastRecheck < RECHECK_INTERVAL_MS) return read(scope, checkIntervalMs);
      lastRecheck = now;
      return read(scope, 0);
    },
    refresh(scope = defaultScope) {
      const key = prefix + scopeKey(scope);
      entries.delete(key);
      return load(key, scope, true);
    },
  };
}
