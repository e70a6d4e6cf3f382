import { Counter, Gauge, Histogram, Registry } from "prom-client";
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
}

/** Tools whose calls are "queries" (pg_mcp_queries_total, pg_mcp_query_duration_seconds). */
const QUERY_TOOLS = new Set(["query", "execute_sql"]);
const DURATIONS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const BREAKER_STATES: Record<string, number> = { closed: 0, half_open: 1, open: 2 };

export function createMetrics(): Metrics {
  const registry = new Registry();
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
  const circuits = new Map<string, () => string>();
  new Gauge({
    name: "pg_mcp_circuit_breaker_state",
    help: "Circuit breaker state by dependency: 0 closed, 1 half-open, 2 open",
    labelNames: ["dependency"],
    registers,
    collect() {
      for (const [dependency, state] of circuits) {
        this.set({ dependency }, BREAKER_STATES[state()] ?? 0);
      }
    },
  });
  let pools: () => { database: string; stats: PoolStats }[] = () => [];
  new Gauge({
    name: "pg_mcp_pool_connections",
    help: "Database pool connections by database and state (in_use, idle, waiting calls)",
    labelNames: ["database", "state"],
    registers,
    collect() {
      for (const { database, stats } of pools()) {
        this.set({ database, state: "in_use" }, stats.inUse);
        this.set({ database, state: "idle" }, stats.idle);
        this.set({ database, state: "waiting" }, stats.waiting);
      }
    },
  });
  return {
    toolCall(tool, outcome, seconds) {
      calls.inc({ tool, outcome });
      callDuration.observe({ tool }, seconds);
      if (QUERY_TOOLS.has(tool)) {
        queries.inc({ tool, status: outcome });
        queryDuration.observe({ tool }, seconds);
      }
    },
    generated(stage, seconds, n) {
      generation.observe({ stage }, seconds);
      if (n > 0) tokens.inc({ stage }, n);
    },
    tokensUsed(stage, n) {
      if (n > 0) tokens.inc({ stage }, n);
    },
    refused: (reason) => refusals.inc({ reason }),
    databaseError: (code) => dbErrors.inc({ code }),
    rateLimited: (limit) => limited.inc({ limit }),
    schemaCache: (database, event) => cache.inc({ database, event }),
    watchCircuit(dependency, state) {
      circuits.set(dependency, state);
    },
    watchPools(read) {
      pools = read;
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
