import type { Config } from "./config/config.ts";
import { limitsFor, openPool, warmPool } from "./db/pool.ts";
import { createFunctionCatalogSource } from "./db/function_volatility.ts";
import { createReadOnlyDb, type ReadOnlyDb } from "./db/read_only.ts";
import { checkRole, enforceReadOnlyRole, type RoleReport } from "./db/role_check.ts";
import { createWriteDb } from "./db/write_mode.ts";
import { ok, type Result } from "./errors.ts";
import { createMetrics, type Metrics } from "./http/metrics.ts";
import { createLlmClient } from "./llm/llm_client.ts";
import { isLlmOutage, withResilience } from "./llm/resilient_llm.ts";
import type { Logger } from "./log.ts";
import type { ServerDeps } from "./mcp/server.ts";
import { loadExamplesFile } from "./pipeline/examples.ts";
import { introspectSchema } from "./schema/introspect.ts";
import { readFingerprint } from "./schema/fingerprint.ts";
import { createSchemaCache, type SchemaScope } from "./schema/schema_cache.ts";
import { createSqlParser } from "./sql/parse.ts";
import { createHiddenMatcher } from "./hidden/patterns.ts";
import { hideFromSnapshot } from "./hidden/hide_snapshot.ts";
import { readSearchPath } from "./hidden/search_path.ts";
import type { SqlPolicy } from "./sql/validate.ts";
import { CircuitBreaker } from "./resilience/circuit_breaker.ts";

export interface App {
  deps: ServerDeps;
  db: ReadOnlyDb;
  metrics: Metrics;
  /** Settles once DATABASE_MIN_POOL_SIZE connections are open (or could not be). */
  warmed: Promise<number>;
  /**
   * The start-up role check: warns when the role can do more than read; fails (the server must
   * not start) only with SECURITY_REQUIRE_READONLY_ROLE=true.
   */
  checkRole(): Promise<Result<RoleReport | undefined>>;
  close(): Promise<void>;
}

/**
 * Builds the real collaborators from the config; only main.ts and tests call it. Throws the
 * AppError CONFIG_INVALID when LLM_EXAMPLES_FILE cannot be loaded.
 */
export async function createApp(
  config: Config,
  log: Logger,
  version: string,
  now: () => number = Date.now,
): Promise<App> {
  const limits = limitsFor(config.security.maxExecutionTimeS);
  const pool = openPool(config.database, limits, log);
  const warmed = warmPool(pool, config.database.minPoolSize, log);
  const db = createReadOnlyDb(pool, limits, log);
  const parser = await createSqlParser();
  // Hidden data: the validator's matcher (unqualified names may be in any schema until the
  // session's search path is read) and the snapshot filter, so no tool or prompt shows them.
  let searchPath: readonly string[] | undefined;
  const hidden = createHiddenMatcher(config.security.hidden, () => searchPath);
  const learnSearchPath = async () => {
    const path = await readSearchPath(db);
    if (path.ok) searchPath = path.value;
  };
  // Waits a little for it at start (a reachable database answers at once), never fails on it.
  if (!hidden.empty) await settledWithin(learnSearchPath(), 3_000);
  const loadSchema = async (scope: SchemaScope) => {
    const [snapshot] = await Promise.all([
      introspectSchema(db, scope, now),
      hidden.empty ? undefined : learnSearchPath(),
    ]);
    return snapshot.ok ? ok(hideFromSnapshot(snapshot.value, hidden)) : snapshot;
  };
  const schema = createSchemaCache({
    load: loadSchema,
    fingerprint: () => readFingerprint(db),
    defaultScope: config.schema,
    enabled: config.cache.enabled,
    ttlMs: config.cache.schemaTtlS * 1000,
    maxSize: config.cache.maxSize,
    now,
    log,
  });
  const metrics = createMetrics();
  // Retries and the breaker are ours (configured delays), not the client's own.
  const breaker = new CircuitBreaker({
    name: "the language model",
    threshold: config.resilience.circuitBreakerThreshold,
    openMs: config.resilience.circuitBreakerTimeoutS * 1000,
    now,
    counts: isLlmOutage,
  });
  metrics.watchCircuit("llm", () => breaker.state === "open");
  const client = createLlmClient(config.llm, log, { maxRetries: 0 });
  const llm = client.ok
    ? ok(withResilience(client.value, breaker, {
      maxRetries: config.resilience.maxRetries,
      delayMs: config.resilience.retryDelayS * 1000,
      factor: config.resilience.backoffFactor,
    }, log))
    : client;
  const policy: SqlPolicy = {
    blockedFunctions: new Set(config.security.blockedFunctions),
    catalog: createFunctionCatalogSource(db, log, {
      ttlMs: config.cache.schemaTtlS * 1000,
      missReloadMs: 10_000,
      now,
    }),
    ...(hidden.empty ? {} : { hidden }),
  };
  // A bad examples file stops the start: CONFIG_INVALID naming the line (main.ts prints it).
  const examples = config.llm.examplesFile
    ? await loadExamplesFile(config.llm.examplesFile, parser, policy)
    : undefined;
  if (examples && !examples.ok) {
    await db.close();
    throw examples.error;
  }
  // Write mode only: a small pool of read-write sessions, with the same server-set timeouts.
  const writer = config.security.allowWriteOperations
    ? createWriteDb(
      openPool(
        { ...config.database, maxPoolSize: Math.min(2, config.database.maxPoolSize) },
        limits,
        log,
        false,
      ),
      limits,
      log,
    )
    : undefined;
  const deps: ServerDeps = {
    db,
    parser,
    policy,
    llm,
    nl: {
      maxAttempts: config.llm.maxAttempts,
      validateResults: config.llm.validateResults,
      sampleRows: config.llm.sampleRows,
    },
    ...(examples ? { examples: examples.value } : {}),
    schema,
    schemaTokenBudget: config.schema.promptTokenBudget,
    log,
    limits: {
      maxRows: config.security.maxRows,
      maxResultBytes: config.security.maxResultBytes,
    },
    version,
    metrics,
    now,
    ...(writer ? { write: { writer, parser, policy, now, previewTtlMs: 10 * 60_000 } } : {}),
  };
  return {
    deps,
    db,
    metrics,
    warmed,
    checkRole: async () =>
      enforceReadOnlyRole(await checkRole(db, log), config.security.requireReadonlyRole, log),
    close: async () => {
      await writer?.close();
      await db.close();
    },
  };
}

/** Waits for `work` at most `ms`; it keeps running past that. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}
