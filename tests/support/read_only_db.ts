import postgres from "postgres";
import { DEFAULT_BLOCKED_FUNCTIONS } from "../../src/config/blocked_functions.ts";
import { afterDriverLoads, openSession } from "../../src/db/driver.ts";
import { createFunctionCatalogSource } from "../../src/db/function_volatility.ts";
import { createPool } from "../../src/db/pool.ts";
import {
  createReadExecutor,
  type ReadExecutor,
  type ReadRequest,
  type ReadResult,
} from "../../src/db/read_executor.ts";
import { limitsFor } from "../../src/db/session_settings.ts";
import type { Result } from "../../src/errors.ts";
import { createMemoryLogger, type Logger } from "../../src/log.ts";
import type { SqlPolicy, ValidatedSql } from "../../src/sql/validate.ts";

export interface TestDbOptions {
  /** SECURITY_MAX_EXECUTION_TIME, seconds. */
  timeoutS?: number;
  maxPoolSize?: number;
  /** Seconds to connect (the demo database accepts at once and answers once loaded). */
  connectTimeoutS?: number;
  log?: Logger;
}

/** The executor as a database handle builds it, plus a way around the validator. */
export interface TestDb {
  reader: ReadExecutor;
  catalog: ReadExecutor["catalog"];
  /**
   * Runs SQL the validator never saw: for tests of the executor's own guarantees (and for a
   * test's own reads), never for product code.
   */
  run(sql: string, options?: Partial<ReadRequest>): Promise<Result<ReadResult>>;
  /** Settles once every call's transaction end and session reset are done. */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a statement looks like to the executor when nobody validated it: nothing is known, and it
 * is not session-safe unless a test says so (every read the validator accepts is).
 */
export function unvalidated(text: string, sessionSafe = false): ValidatedSql {
  return {
    text,
    kind: /^\s*explain\b/i.test(text) ? "explain" : "select",
    facts: { tables: [], functionNames: [], functions: [], operators: [], fieldNames: [] },
    sessionSafe,
  } as unknown as ValidatedSql;
}

const RUN: Omit<ReadRequest, "signal"> = {
  maxRows: 1000,
  maxChars: 1_000_000,
  maxBytes: 1_000_000,
};

/** The real read-only executor on a test database URL, as a database handle builds it. */
export function openTestDb(url: string, options: TestDbOptions = {}): TestDb {
  const log = options.log ?? createMemoryLogger("ERROR");
  const target = { url, host: "", port: 0, connectTimeoutS: options.connectTimeoutS ?? 10 };
  const pool = afterDriverLoads(createPool({
    max: options.maxPoolSize ?? 2,
    acquireTimeoutMs: 5_000,
    open: () => openSession(target, { log }),
    probe: () => Promise.resolve(true),
    log,
  }));
  const reader = createReadExecutor({ pool, limits: limitsFor(options.timeoutS ?? 5), log });
  return {
    reader,
    catalog: (sql, params) => reader.catalog(sql, params),
    run: (sql, request = {}) => reader.run(unvalidated(sql), { ...RUN, ...request }),
    whenIdle: () => pool.whenIdle(),
    close: () => pool.close(),
  };
}

/** Rows as objects keyed by column name, for assertions (rows as arrays or as JSON pieces). */
export function rowObjects(result: {
  columns: readonly (string | { name: string })[];
  rows: { values(): unknown[][] } | readonly (readonly unknown[])[];
}): Record<string, unknown>[] {
  const names = result.columns.map((c) => typeof c === "string" ? c : c.name);
  const rows = Array.isArray(result.rows)
    ? result.rows as readonly (readonly unknown[])[]
    : (result.rows as { values(): unknown[][] }).values();
  return rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
}

/** The default policy: the blocked list and the database's own function catalog. */
export function defaultPolicy(
  db: Pick<TestDb, "catalog">,
  log: Logger = createMemoryLogger("ERROR"),
): SqlPolicy {
  return {
    blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS),
    catalog: createFunctionCatalogSource({ catalog: db.catalog }, log),
  };
}

/** A plain superuser connection of the test itself (read-write), not pg-mcp's. */
export function openObserver(url: string): postgres.Sql {
  return postgres(url, { max: 1, onnotice: () => undefined });
}
