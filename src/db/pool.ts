import postgres from "postgres";
import type { DatabaseConfig } from "../config/config.ts";
import type { Logger } from "../log.ts";

/** The driver's client; only src/db/ touches it. */
export type Sql = postgres.Sql<Record<string, unknown>>;
export type ReservedSql = postgres.ReservedSql<Record<string, unknown>>;
export type PgError = postgres.PostgresError;
export const PostgresError = postgres.PostgresError;

export interface SessionLimits {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/**
 * Opens the pool. Every session starts read-only with server-side timeouts, in UTC with ISO
 * dates and intervals, so values serialize the same whatever the server's defaults.
 */
export function openPool(
  cfg: DatabaseConfig,
  limits: SessionLimits,
  log: Logger,
  readOnlySessions = true,
): Sql {
  // With a URL, the URL alone names the server; the separate fields would override it.
  const target = cfg.url ? {} : {
    host: cfg.host,
    port: cfg.port,
    database: cfg.name,
    username: cfg.user,
    password: cfg.password ?? "",
  };
  const options = {
    ...target,
    // Every option the driver would otherwise read from PG* variables is set here.
    max: cfg.maxPoolSize,
    idle_timeout: 300,
    connect_timeout: Math.max(1, Math.ceil(cfg.commandTimeoutS)),
    max_lifetime: 60 * 30,
    backoff: (attempt: number) => Math.min(0.1 * 2 ** attempt, 5),
    keep_alive: 60,
    debug: false,
    publications: "alltables",
    prepare: false,
    fetch_types: true,
    onnotice: (notice) => log.debug("db.notice", { message: notice.message }),
    connection: {
      application_name: "pg-mcp",
      default_transaction_read_only: readOnlySessions,
      statement_timeout: limits.statementTimeoutMs,
      lock_timeout: limits.lockTimeoutMs,
      idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
      TimeZone: "UTC",
      DateStyle: "ISO, YMD",
      IntervalStyle: "iso_8601",
      extra_float_digits: "1",
    },
  } as postgres.Options<Record<string, postgres.PostgresType>>;
  // deno-lint-ignore no-explicit-any -- the driver's overloads cannot type a URL plus options
  return cfg.url ? postgres(cfg.url, options as any) : postgres(options);
}

export function limitsFor(maxExecutionTimeS: number): SessionLimits {
  const statementTimeoutMs = Math.max(1, Math.round(maxExecutionTimeS * 1000));
  return {
    statementTimeoutMs,
    lockTimeoutMs: statementTimeoutMs,
    idleInTransactionTimeoutMs: statementTimeoutMs + 5_000,
  };
}

/**
 * Opens `count` connections now (DATABASE_MIN_POOL_SIZE) so the first calls do not pay for the
 * handshakes; the driver opens more on demand up to the maximum. A database that is down is
 * logged, not fatal: calls report DB_UNAVAILABLE until it is back.
 */
export async function warmPool(sql: Sql, count: number, log: Logger): Promise<number> {
  if (count <= 0) return 0;
  const reserved = await Promise.allSettled(
    Array.from({ length: count }, () => sql.reserve()),
  );
  const opened = reserved.filter((r) => r.status === "fulfilled").length;
  for (const r of reserved) if (r.status === "fulfilled") r.value.release();
  const failed = reserved.find((r) => r.status === "rejected");
  if (failed) {
    log.warn("db.warm_up_failed", { opened, wanted: count, error: failed.reason });
  } else log.debug("db.warm_up", { opened });
  return opened;
}
