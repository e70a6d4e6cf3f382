import type { PoolStats } from "../db/pool.ts";
import type { PipelineObserver } from "../usecases/observer.ts";

/**
 * What pg-mcp counts, in Prometheus's text format (prom-client, the field's standard). Every
 * label is bounded: tool names, outcomes and codes are fixed sets, database names come from the
 * configuration; never SQL or user input.
 */
export interface Metrics extends PipelineObserver {
  toolCall(tool: string, outcome: string, seconds: number): void;
  rateLimited(limit: string): void;
  schemaCache(database: string, event: "hit" | "miss" | "reload"): void;
  /** Reports a circuit breaker's state at every scrape. */
  watchCircuit(dependency: string, state: () => string): void;
  /** Reports pools' connections at every scrape. */
  watchPools(pools: () => { database: string; stats: PoolStats }[]): void;
  render(): Promise<string>;
  readonly contentType: string;
  /**
   * Loads prom-client and builds the registry (the app's warm-up calls it in the background after
   * the start; a scrape waits for it); records made before are kept and applied in order.
   */
  ready(): Promise<void>;
}

type PromClient = typeof import("prom-client");

/** Prometheus text format 0.0.4, what prom-client's Series serves (checked by a test). */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Records kept until the registry is built: this many start the load themselves (when neither a
 * scrape nor `ready()` has); past 10 times as many (a load that keeps failing), new ones are
 * dropped rather than held without bound.
 */
const LOAD_AT_PENDING = 1_000;
const MAX_PENDING = 10 * LOAD_AT_PENDING;

/** Tools whose calls are "queries" (pg_mcp_queries_total, pg_mcp_query_duration_seconds). */
const QUERY_TOOLS = new Set(["query", "execute_sql"]);
const DURATIONS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const BREAKER_STATES: Record<string, number> = { closed: 0, half_open: 1, open: 2 };

/** What is watched at every scrape: set before or after the registry exists. */
interface Watched {
  circuits: Map<string, () => string>;
  pools: () => { database: string; stats: PoolStats }[];
}

/**
 * The metrics facade, at once: prom-client (~30 ms of imports at a cold start) loads on the first
 * scrape or `ready()` (the app's warm-up after the start), whichever comes first. Records made
 * before are kept and applied in order when it is there, so none is lost and a scrape sees them
 * all. `load` is for tests (a gated import).
 */
export function createMetrics(
  load: () => Promise<PromClient> = () => import("prom-client"),
): Metrics {
  const watched: Watched = { circuits: new Map(), pools: () => [] };
  let series: Series | undefined;
  let loading: Promise<Series> | undefined;
  let pending: ((r: Series) => void)[] = [];
  const start = () => {
    loading ??= load().then((prom) => {
      const built = buildSeries(prom, watched);
      for (const apply of pending) apply(built);
      pending = [];
      return series = built;
    }, (error) => {
      loading = undefined; // tried again by the next scrape or ready()
      throw error;
    });
    return loading;
  };
  /** Applies a record now, or once the registry is there (in the order they were made). */
  const record = (apply: (r: Series) => void) => {
    if (series) return apply(series);
    if (pending.length < MAX_PENDING) pending.push(apply);
    if (pending.length >= LOAD_AT_PENDING) void start().catch(() => undefined);
  };
  return {
    toolCall(tool, outcome, seconds) {
      record((r) => {
        r.calls.inc({ tool, outcome });
        r.callDuration.observe({ tool }, seconds);
        if (QUERY_TOOLS.has(tool)) {
          r.queries.inc({ tool, status: outcome });
          r.queryDuration.observe({ tool }, seconds);
        }
      });
    },
    generated(stage, seconds, n) {
      record((r) => {
        r.generation.observe({ stage }, seconds);
        if (n > 0) r.tokens.inc({ stage }, n);
      });
    },
    tokensUsed(stage, n) {
      if (n > 0) record((r) => r.tokens.inc({ stage }, n));
    },
    refused: (reason) => record((r) => r.refusals.inc({ reason })),
    databaseError: (code) => record((r) => r.dbErrors.inc({ code })),
    rateLimited: (limit) => record((r) => r.limited.inc({ limit })),
    schemaCache: (database, event) => record((r) => r.cache.inc({ database, event })),
    watchCircuit(dependency, state) {
      watched.circuits.set(dependency, state);
    },
    watchPools(read) {
      watched.pools = read;
    },
    render: async () => await (await start()).registry.metrics(),
    contentType: METRICS_CONTENT_TYPE,
    ready: async () => {
      await start();
    },
  };
}

/** The series, registered in their own registry (never prom-client's global one). */
interface Series {
  registry: InstanceType<PromClient["Registry"]>;
  queries: InstanceType<PromClient["Counter"]>;
  queryDuration: InstanceType<PromClient["Histogram"]>;
  generation: InstanceType<PromClient["Histogram"]>;
  refusals: InstanceType<PromClient["Counter"]>;
  dbErrors: InstanceType<PromClient["Counter"]>;
  tokens: InstanceType<PromClient["Counter"]>;
  calls: InstanceType<PromClient["Counter"]>;
  callDuration: InstanceType<PromClient["Histogram"]>;
  limited: InstanceType<PromClient["Counter"]>;
  cache: InstanceType<PromClient["Counter"]>;
}

function buildSeries(prom: PromClient, watched: Watched): Series {
  const { Counter, Gauge, Histogram } = prom;
  const registry = new prom.Registry();
  const registers = [registry];
  const queries = new Counter({
    name: "pg_mcp_queries_total",
    help: "query and execute_sql calls by tool and status (ok or the error code)",
    labelNames: ["tool", "status"],
    registers,
  });
  const queryDuration = new Histogram({
    name: "pg_mcp_query_duration_seconds",
    help: "Duration of query and execute_sql calls, end to end",
    labelNames: ["tool"],
    buckets: DURATIONS,
    registers,
  });
  const generation = new Histogram({
    name: "pg_mcp_sql_generation_duration_seconds",
    help: "Duration of each language model call that writes SQL, by stage",
    labelNames: ["stage"],
    buckets: DURATIONS,
    registers,
  });
  const refusals = new Counter({
    name: "pg_mcp_sql_validation_failures_total",
    help: "Statements the validator refused, by reason (parse_error for a syntax error)",
    labelNames: ["reason"],
    registers,
  });
  const dbErrors = new Counter({
    name: "pg_mcp_database_errors_total",
    help: "Database failures by error code",
    labelNames: ["code"],
    registers,
  });
  const tokens = new Counter({
    name: "pg_mcp_llm_tokens_used_total",
    help: "Language model tokens used, by pipeline stage",
    labelNames: ["stage"],
    registers,
  });
  const calls = new Counter({
    name: "pg_mcp_tool_calls_total",
    help: "MCP tool calls by tool and outcome (ok or the error code)",
    labelNames: ["tool", "outcome"],
    registers,
  });
  const callDuration = new Histogram({
    name: "pg_mcp_tool_duration_seconds",
    help: "MCP tool call duration",
    labelNames: ["tool"],
    buckets: DURATIONS,
    registers,
  });
  const limited = new Counter({
    name: "pg_mcp_rate_limited_total",
    help: "Calls refused by a rate limit, by limit",
    labelNames: ["limit"],
    registers,
  });
  const cache = new Counter({
    name: "pg_mcp_schema_cache_events_total",
    help: "Schema cache lookups and reloads, by database and event (hit, miss, reload)",
    labelNames: ["database", "event"],
    registers,
  });
  new Gauge({
    name: "pg_mcp_circuit_breaker_state",
    help: "Circuit breaker state by dependency: 0 closed, 1 half-open, 2 open",
    labelNames: ["dependency"],
    registers,
    collect() {
      for (const [dependency, state] of watched.circuits) {
        this.set({ dependency }, BREAKER_STATES[state()] ?? 0);
      }
    },
  });
  new Gauge({
    name: "pg_mcp_pool_connections",
    help: "Database pool connections by database and state (in_use, idle, waiting calls)",
    labelNames: ["database", "state"],
    registers,
    collect() {
      for (const { database, stats } of watched.pools()) {
        this.set({ database, state: "in_use" }, stats.inUse);
        this.set({ database, state: "idle" }, stats.idle);
        this.set({ database, state: "waiting" }, stats.waiting);
      }
    },
  });
  return {
    registry,
    queries,
    queryDuration,
    generation,
    refusals,
    dbErrors,
    tokens,
    calls,
    callDuration,
    limited,
    cache,
  };
}
