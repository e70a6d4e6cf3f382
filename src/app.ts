import type { Config, NamedDatabase } from "./config/config.ts";
import { limitsFor } from "./db/session_settings.ts";
import { guardDriverFaults } from "./db/driver.ts";
import { enforceReadOnlyRole } from "./db/role_check.ts";
import { type Database, openDatabase } from "./databases/database.ts";
import { createRegistry, type DatabaseRegistry } from "./databases/registry.ts";
import { AppError, ok, type Result } from "./errors.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { createLlmClient } from "./llm/llm_client.ts";
import { isLlmOutage, withResilience } from "./llm/resilient_llm.ts";
import type { Logger } from "./log.ts";
import { withErrorBoundary } from "./mcp/middleware/error_boundary.ts";
import { withAudit } from "./mcp/middleware/audit.ts";
import { withMetrics } from "./mcp/middleware/metrics.ts";
import { withRateLimit } from "./mcp/middleware/rate_limit.ts";
import { withTracing } from "./mcp/middleware/tracing.ts";
import { trace } from "@opentelemetry/api";
import { withLlmLimits } from "./llm/rate_limited_llm.ts";
import { KeyedBuckets, TokenBucket } from "./resilience/rate_limiter.ts";
import { type ServerContext, serverParts } from "./mcp/server.ts";
import { compose } from "./mcp/tool.ts";
import { createToolCatalog } from "./mcp/tool_catalog.ts";
import { executeSqlTool } from "./mcp/tools/execute_sql_tool.ts";
import { executeWriteTool } from "./mcp/tools/execute_write_tool.ts";
import { queryTool } from "./mcp/tools/query_tool.ts";
import { schemaTools } from "./mcp/tools/schema_tools.ts";
import { loadExamplesFile } from "./pipeline/examples.ts";
import { CircuitBreaker } from "./resilience/circuit_breaker.ts";
import type { CacheEntry } from "./schema/schema_cache.ts";
import { createSnapshotStore } from "./schema/snapshot_store.ts";
import { createTokenSigner } from "./security/signed_token.ts";
import { createSqlParser } from "./sql/parse.ts";
import { createStatementMemo } from "./sql/statement_memo.ts";
import type { AskDeps } from "./usecases/ask_question.ts";
import type { SchemaDeps } from "./usecases/describe_schema.ts";
import type { RunSqlDeps } from "./usecases/run_sql.ts";
import { createNonceLedger, type WriteDeps } from "./usecases/write.ts";

/** The use cases' collaborators, as built for this process. */
export interface UseCases {
  ask: AskDeps;
  run: RunSqlDeps;
  schema: SchemaDeps;
  /** Present only with SECURITY_ALLOW_WRITE_OPERATIONS=true: then `execute_write` exists. */
  write?: WriteDeps;
}

export interface App {
  /** What each MCP server of this process is built from. */
  server: ServerContext;
  usecases: UseCases;
  databases: DatabaseRegistry;
  metrics: Metrics;
  /** The language model's circuit breaker: closed, open or half_open. */
  llmCircuit(): string;
  /**
   * Opens DATABASE_MIN_POOL_SIZE connections per database (once; warmUp() calls it), then reads
   * each schema in the background; settles with how many opened (a database down is logged).
   */
  warmPools(): Promise<number>;
  /**
   * The start-up role check of every database: warns when a role can do more than read; fails
   * (the server must not start) only with SECURITY_REQUIRE_READONLY_ROLE=true.
   */
  checkRoles(): Promise<Result<void>>;
  /**
   * Loads and opens what `initialize` and `tools/list` do not need (the SQL parser's WASM,
   * prom-client, the pools' first connections and the schemas), so the first call does not wait
   * for them; every use loads what it needs anyway. main.ts calls it in the background once
   * serving; a failure is logged (the use that needs it reports it).
   */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

export interface AppOptions {
  /** ms; the one clock of caches, breakers, tokens. */
  now?: () => number;
  /** Databases to serve instead of the configured ones (the embedded demo). */
  databases?: readonly NamedDatabase[];
}

/**
 * The composition root: builds the real collaborators from the config; only main.ts, the eval
 * harness and tests call it. Throws the AppError CONFIG_INVALID when LLM_EXAMPLES_FILE cannot
 * be loaded.
 */
export async function createApp(
  config: Config,
  log: Logger,
  version: string,
  options: AppOptions = {},
): Promise<App> {
  const now = options.now ?? Date.now;
  // The WASM parser loads on first need or in warmUp(): `initialize` and `tools/list` need no
  // parser, and every use waits for it (checkSql, checkWrite, the examples file, the audit line).
  const parser = createSqlParser();
  const metrics = createMetrics();
  const tracer = trace.getTracer("pg-mcp", version);
  const blockedFunctions = new Set(config.security.blockedFunctions);
  const snapshots = createSnapshotStore<CacheEntry>(
    config.cache.maxSize,
    () => log.debug("schema.cache.evicted", {}),
  );
  const databases = (options.databases ?? config.databases).map((named) =>
    openDatabase(named, {
      limits: limitsFor(config.security.maxExecutionTimeS),
      blockedFunctions,
      hidden: config.security.hidden,
      schema: config.schema,
      cache: { enabled: config.cache.enabled, ttlMs: config.cache.schemaTtlS * 1000 },
      allowWrites: config.security.allowWriteOperations,
    }, {
      log,
      now,
      snapshots,
      tracer,
      onSchemaEvent: (db, event) => metrics.schemaCache(db, event),
    })
  );
  const registry = createRegistry(databases);
  // Hidden data: the role's search path decides what an unqualified name is; a reachable
  // database answers at once, and an unreachable one is not waited for long.
  await Promise.all(databases.map((d) => d.prepare(3_000)));
  // postgres.js 3.4.9 can throw from a timer when a server ends a connection under a pending
  // write (DB restarts, terminated backends): contained while this app has connections open.
  const unguard = guardDriverFaults(log);
  const closeAll = async () => {
    await registry.close();
    unguard();
  };
  // A bad examples file stops the start: CONFIG_INVALID naming the line (main.ts prints it).
  const examples = config.llm.examplesFile
    ? await loadExamplesFile(config.llm.examplesFile, parser, { blockedFunctions })
    : undefined;
  if (examples && !examples.ok) {
    await closeAll();
    throw new AppError(examples.error.code, examples.error.message, examples.error.details);
  }
  // Retries and the breaker are ours (configured delays), not the client's own.
  const breaker = new CircuitBreaker({
    name: "the language model",
    threshold: config.resilience.circuitBreakerThreshold,
    openMs: config.resilience.circuitBreakerTimeoutS * 1000,
    now,
    counts: isLlmOutage,
  });
  metrics.watchCircuit("llm", () => breaker.state);
  metrics.watchPools(() => databases.map((d) => ({ database: d.name, stats: d.pool.stats() })));
  const client = createLlmClient(config.llm, log, { maxRetries: 0 });
  const llmLimits = {
    requests: new TokenBucket(config.rateLimits.llmRequestsPerMinute, now),
    tokens: new TokenBucket(config.rateLimits.llmTokensPerMinute, now),
    onLimited: (limit: string) => metrics.rateLimited(limit),
  };
  const llm = client.ok
    ? ok(withResilience(withLlmLimits(client.value, llmLimits), breaker, {
      maxRetries: config.resilience.maxRetries,
      delayMs: config.resilience.retryDelayS * 1000,
      factor: config.resilience.backoffFactor,
    }, log))
    : client;
  const tokens = await createTokenSigner(config.security.tokenSecret);
  const limits = {
    maxRows: config.security.maxRows,
    maxResultBytes: config.security.maxResultBytes,
    maxResultChars: config.server.maxResultChars,
    maxQueryCost: config.security.maxQueryCost,
  };
  const usecases: UseCases = {
    run: {
      databases: registry,
      parser,
      memo: createStatementMemo(),
      limits,
      tokens,
      observer: metrics,
    },
    ask: {
      databases: registry,
      parser,
      llm,
      ...(examples ? { examples: examples.value } : {}),
      nl: {
        maxAttempts: config.llm.maxAttempts,
        validateResults: config.llm.validateResults,
        sampleRows: config.llm.sampleRows,
        schemaTokenBudget: config.schema.promptTokenBudget,
        deadlineMs: config.llm.questionTimeoutS * 1000,
        candidates: config.llm.candidates,
      },
      limits,
      tokens,
      log,
      observer: metrics,
    },
    schema: { databases: registry, tokens, maxResultChars: config.server.maxResultChars },
    ...(config.security.allowWriteOperations
      ? {
        write: {
          databases: registry,
          parser,
          tokens,
          usedNonces: createNonceLedger(now),
          ...(config.security.writeLedgerTable
            ? { ledgerTable: config.security.writeLedgerTable }
            : {}),
          now,
          previewTtlMs: 10 * 60_000,
        },
      }
      : {}),
  };
  const tools = createToolCatalog(
    [
      queryTool(usecases.ask),
      executeSqlTool(usecases.run),
      ...(usecases.write ? [executeWriteTool(usecases.write)] : []),
      ...schemaTools(usecases.schema),
    ],
    compose(
      withTracing(tracer),
      withErrorBoundary(log),
      withMetrics(metrics, performance.now.bind(performance)),
      withAudit({
        log,
        fingerprint: async (sql) => {
          await parser.ready();
          return parser.fingerprint(sql);
        },
        logSql: config.observability.logSql,
        now: performance.now.bind(performance),
      }),
      withRateLimit(
        new KeyedBuckets(config.rateLimits.requestsPerMinute, now),
        () => metrics.rateLimited("requests"),
      ),
    ),
  );
  let pools: Promise<number> | undefined;
  // Warm the pools, then read each schema in the background: the first question then finds
  // its snapshot, profile and value index ready (or being built).
  const warmPools = () =>
    pools ??= Promise.all(databases.map(async (d) => {
      const opened = await d.warm();
      void d.schema.get();
      return opened;
    })).then((n) => n.reduce((a, b) => a + b, 0));
  return {
    server: {
      version,
      tools,
      parts: serverParts(registry, config.server.maxResultChars),
    },
    usecases,
    databases: registry,
    metrics,
    llmCircuit: () => breaker.state,
    warmPools,
    checkRoles: () => checkRoles(databases, config.security.requireReadonlyRole, log),
    warmUp: async () => {
      const started = performance.now();
      const loaded = await Promise.allSettled([parser.ready(), metrics.ready(), warmPools()]);
      const failed = loaded.find((r) => r.status === "rejected");
      if (failed) log.error("server.warm_up_failed", { error: failed.reason });
      else log.debug("server.warmed_up", { ms: Math.round(performance.now() - started) });
    },
    close: closeAll,
  };
}

/** Checks every database's role; the first one refused stops the start when required. */
async function checkRoles(
  databases: readonly Database[],
  required: boolean,
  log: Logger,
): Promise<Result<void>> {
  for (const db of databases) {
    const checked = enforceReadOnlyRole(
      await db.role(),
      required,
      log.child({ database: db.name }),
    );
    if (!checked.ok) return checked;
  }
  return ok(undefined);
}
