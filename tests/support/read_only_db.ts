import { DEFAULT_BLOCKED_FUNCTIONS } from "../../src/config/blocked_functions.ts";
import { createFunctionCatalogSource } from "../../src/db/function_volatility.ts";
import { limitsFor, openPool } from "../../src/db/pool.ts";
import { createReadOnlyDb, type ReadOnlyDb } from "../../src/db/read_only.ts";
import { createMemoryLogger, type Logger } from "../../src/log.ts";
import type { SqlPolicy } from "../../src/sql/validate.ts";

export interface TestDbOptions {
  /** SECURITY_MAX_EXECUTION_TIME, seconds. */
  timeoutS?: number;
  maxPoolSize?: number;
  log?: Logger;
}

/** The real read-only executor on a test database URL, as the server builds it. */
export function openTestDb(url: string, options: TestDbOptions = {}): ReadOnlyDb {
  const log = options.log ?? createMemoryLogger("ERROR");
  const limits = limitsFor(options.timeoutS ?? 5);
  const pool = openPool(
    {
      url,
      host: "",
      port: 0,
      minPoolSize: 0,
      maxPoolSize: options.maxPoolSize ?? 2,
      commandTimeoutS: 10,
    },
    limits,
    log,
  );
  return createReadOnlyDb(pool, limits, log);
}

/** The default policy: the blocked list and the database's own function catalog. */
export function defaultPolicy(
  db: ReadOnlyDb,
  log: Logger = createMemoryLogger("ERROR"),
): SqlPolicy {
  return {
    blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS),
    catalog: createFunctionCatalogSource(db, log),
  };
}
