import type { NamedDatabase } from "../config/config.ts";
import type { CatalogReader } from "../db/catalog_reader.ts";
import { afterDriverLoads, loadDriver, openSession } from "../db/driver.ts";
import { createFunctionCatalogSource } from "../db/function_volatility.ts";
import { createPool, type Pool } from "../db/pool.ts";
import { createReadExecutor, type ReadExecutor } from "../db/read_executor.ts";
import { checkRole, type RoleReport } from "../db/role_check.ts";
import type { SessionLimits } from "../db/session_settings.ts";
import { createWriteExecutor, type WriteExecutor } from "../db/write_executor.ts";
import { ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import { readFingerprint } from "../schema/fingerprint.ts";
import { introspectSchema } from "../schema/introspect.ts";
import { type CacheEntry, createSchemaCache, type SchemaCache } from "../schema/schema_cache.ts";
import { createSchemaInsights, type SchemaInsights } from "../schema/schema_insights.ts";
import type { SnapshotStore } from "../schema/snapshot_store.ts";
import type { SqlPolicy } from "../sql/validate.ts";
import { hideFromSnapshot } from "../hidden/hide_snapshot.ts";
import { createHiddenMatcher, type HiddenPatterns } from "../hidden/patterns.ts";
import { readSearchPath } from "../hidden/search_path.ts";
import type { Tracer } from "../observability/tracing.ts";

/**
 * Everything pg-mcp holds for ONE database: its pool and executors, its SQL policy (bound to
 * its own function catalog), its schema cache, and its role facts. A database-level feature
 * (a cost gate, a profile, hidden columns) gets its place here and in one use case.
 */
export interface Database {
  readonly name: string;
  readonly isDefault: boolean;
  readonly reader: ReadExecutor;
  /** Present only in write mode. */
  readonly writer?: WriteExecutor;
  readonly policy: SqlPolicy;
  readonly schema: SchemaCache;
  /** Column profiles and the value index of the current snapshot (built in the background). */
  readonly insights: SchemaInsights;
  /** Reads pg-mcp's own catalog SQL (the reader's `catalog`). */
  readonly catalog: CatalogReader["catalog"];
  /** The read pool, for metrics and readiness. */
  readonly pool: Pool;
  /** The role check, run once and kept. */
  role(): Promise<Result<RoleReport>>;
  /** `server_version`, read once and kept. */
  serverVersion(): Promise<Result<string>>;
  /** Opens `minPoolSize` connections now; resolves to how many opened. */
  warm(): Promise<number>;
  /**
   * What must be known before the first call (the role's search path, when data is hidden);
   * waits at most `ms` and never fails.
   */
  prepare(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** What every database of one server shares. */
export interface DatabaseSettings {
  limits: SessionLimits;
  blockedFunctions: ReadonlySet<string>;
  /** SECURITY_HIDDEN_TABLES / _COLUMNS: never shown, never returned. */
  hidden: HiddenPatterns;
  schema: { include: readonly string[]; exclude: readonly string[] };
  cache: { enabled: boolean; ttlMs: number };
  allowWrites: boolean;
}

export interface DatabaseServices {
  log: Logger;
  /** ms; the clock of caches and catalogs. */
  now: () => number;
  /** Cached snapshots of all databases, bounded together (CACHE_MAX_SIZE). */
  snapshots: SnapshotStore<CacheEntry>;
  /** Spans for database calls (OTEL_DENO=true). */
  tracer?: Tracer;
  /** Told of every schema cache hit, miss and reload (for metrics). */
  onSchemaEvent?: (database: string, event: "hit" | "miss" | "reload") => void;
}

/** How often a down database is probed, and how long a probe may take (ms). */
const PROBE_INTERVAL_MS = 1_000;

export function openDatabase(
  named: NamedDatabase,
  settings: DatabaseSettings,
  services: DatabaseServices,
): Database {
  const log = services.log.child({ database: named.name });
  const cfg = named.connection;
  const target = {
    url: cfg.url,
    host: cfg.host,
    port: cfg.port,
    database: cfg.name,
    user: cfg.user,
    password: cfg.password,
    connectTimeoutS: cfg.commandTimeoutS,
  };
  const open = () => openSession(target, { log });
  const probe = async () => {
    await loadDriver();
    const session = openSession({ ...target, connectTimeoutS: Math.min(2, cfg.commandTimeoutS) }, {
      log,
    });
    try {
      await session.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await session.end(0).catch(() => undefined);
    }
  };
  // postgres.js is imported by the first acquire, not at start.
  const pool = afterDriverLoads(createPool({
    max: cfg.maxPoolSize,
    acquireTimeoutMs: cfg.poolTimeoutS * 1000,
    open,
    probe,
    probeIntervalMs: PROBE_INTERVAL_MS,
    log,
  }));
  const reader = createReadExecutor({
    pool,
    limits: settings.limits,
    log,
    tracer: services.tracer,
    database: named.name,
  });
  const catalog = reader.catalog.bind(reader) as CatalogReader["catalog"];
  // Hidden data: the validator's matcher (an unqualified name may be in any schema until the
  // role's search path is read) and the snapshot filter, so no tool or prompt shows them.
  let searchPath: readonly string[] | undefined;
  const hidden = createHiddenMatcher(settings.hidden, () => searchPath);
  const learnSearchPath = async () => {
    const path = await readSearchPath({ catalog });
    if (path.ok) searchPath = path.value;
  };
  const policy: SqlPolicy = {
    blockedFunctions: settings.blockedFunctions,
    catalog: createFunctionCatalogSource({ catalog }, log, {
      ttlMs: settings.cache.ttlMs,
      missReloadMs: 10_000,
      now: services.now,
    }),
    ...(hidden.empty ? {} : { hidden }),
  };
  const insights = createSchemaInsights({
    reader: { catalog },
    log,
    ...(hidden.empty ? {} : {
      skipColumn: (schema: string, table: string, column: string) =>
        hidden.hiddenColumn(schema, table, column) !== undefined ||
        hidden.hiddenTable(schema, table) !== undefined,
    }),
  });
  const schema = createSchemaCache({
    load: async (scope) => {
      const [loaded] = await Promise.all([
        introspectSchema({ catalog }, scope, services.now),
        hidden.empty ? undefined : learnSearchPath(),
      ]);
      if (!loaded.ok) return loaded;
      const snapshot = hideFromSnapshot(loaded.value, hidden);
      insights.warm(snapshot);
      return ok(snapshot);
    },
    fingerprint: () => readFingerprint({ catalog }),
    defaultScope: settings.schema,
    enabled: settings.cache.enabled,
    ttlMs: settings.cache.ttlMs,
    store: services.snapshots,
    namespace: named.name,
    onEvent: (event) => services.onSchemaEvent?.(named.name, event),
    now: services.now,
    log,
  });
  // Write mode only: a small pool of read-write sessions, with the same server-set limits.
  const writePool = settings.allowWrites
    ? afterDriverLoads(createPool({
      max: Math.min(2, cfg.maxPoolSize),
      acquireTimeoutMs: cfg.poolTimeoutS * 1000,
      open,
      probe,
      probeIntervalMs: PROBE_INTERVAL_MS,
      log,
    }))
    : undefined;
  const writer = writePool
    ? createWriteExecutor({ pool: writePool, limits: settings.limits, log })
    : undefined;
  const once = <T>(read: () => Promise<Result<T>>) => {
    let kept: Promise<Result<T>> | undefined;
    return () => {
      kept ??= read().then((r) => {
        if (!r.ok) kept = undefined; // a failure (database down) is asked again next time
        return r;
      });
      return kept;
    };
  };
  return {
    name: named.name,
    isDefault: named.isDefault,
    reader,
    ...(writer ? { writer } : {}),
    policy,
    schema,
    insights,
    catalog,
    pool,
    role: once(() => checkRole({ catalog }, log)),
    serverVersion: once(async () => {
      const rows = await catalog<{ version: string }>(
        "SELECT current_setting('server_version') AS version",
      );
      return rows.ok ? ok(rows.value[0]?.version ?? "") : rows;
    }),
    warm: () => warm(reader, cfg.minPoolSize, log),
    prepare: async (ms) => {
      if (hidden.empty) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        learnSearchPath().catch(() => undefined),
        new Promise((resolve) => timer = setTimeout(resolve, ms)),
      ]);
      clearTimeout(timer);
    },
    async close() {
      await Promise.all([pool.close(), writePool?.close()]);
    },
  };
}

/**
 * Opens `count` connections at once (each runs a trivial read), so the first calls do not pay
 * for the handshakes. A database that is down is logged, not fatal: calls report
 * DB_UNAVAILABLE until it is back.
 */
async function warm(reader: ReadExecutor, count: number, log: Logger): Promise<number> {
  if (count <= 0) return 0;
  const results = await Promise.all(
    Array.from({ length: count }, () => reader.catalog("SELECT 1")),
  );
  const opened = results.filter((r) => r.ok).length;
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) {
    log.warn("db.warm_up_failed", { opened, wanted: count, error: failed.error.message });
  } else log.debug("db.warm_up", { opened });
  return opened;
}
