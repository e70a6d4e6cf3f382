import assert from "node:assert/strict";
import { createMetrics, METRICS_CONTENT_TYPE } from "./metrics.ts";

type PromClient = typeof import("prom-client");

/** prom-client, held until `open()`; counts the imports. */
function gatedImport() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => open = resolve);
  const loader = {
    calls: 0,
    open,
    load: async (): Promise<PromClient> => {
      loader.calls++;
      await gate;
      return await import("prom-client");
    },
  };
  return loader;
}

/** The value of one sample line, or undefined. */
function sample(text: string, line: string): number | undefined {
  const found = text.split("\n").find((l) => l.startsWith(line + " "));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

Deno.test("createMetrics() imports nothing until a scrape or ready(), and the first scrape has every earlier record", async () => {
  const prom = gatedImport();
  const metrics = createMetrics(prom.load);
  metrics.toolCall("execute_sql", "ok", 0.01);
  metrics.toolCall("execute_sql", "ok", 0.02);
  metrics.refused("not_select");
  metrics.schemaCache("main", "miss");
  metrics.generated("generate", 0.5, 120);
  metrics.watchCircuit("llm", () => "open");
  assert.equal(prom.calls, 0, "records alone do not import prom-client");

  const scrape = metrics.render();
  metrics.rateLimited("requests"); // while it loads
  prom.open();
  const text = await scrape;
  assert.equal(prom.calls, 1);
  assert.equal(sample(text, 'pg_mcp_tool_calls_total{tool="execute_sql",outcome="ok"}'), 2);
  assert.equal(sample(text, 'pg_mcp_queries_total{tool="execute_sql",status="ok"}'), 2);
  assert.equal(sample(text, 'pg_mcp_query_duration_seconds_count{tool="execute_sql"}'), 2);
  assert.equal(sample(text, 'pg_mcp_sql_validation_failures_total{reason="not_select"}'), 1);
  assert.equal(sample(text, 'pg_mcp_schema_cache_events_total{database="main",event="miss"}'), 1);
  assert.equal(sample(text, 'pg_mcp_llm_tokens_used_total{stage="generate"}'), 120);
  assert.equal(sample(text, 'pg_mcp_rate_limited_total{limit="requests"}'), 1);
  assert.equal(sample(text, 'pg_mcp_circuit_breaker_state{dependency="llm"}'), 2);

  metrics.toolCall("execute_sql", "ok", 0.03); // straight into the registry now
  const again = await metrics.render();
  assert.equal(sample(again, 'pg_mcp_tool_calls_total{tool="execute_sql",outcome="ok"}'), 3);
  assert.equal(prom.calls, 1, "imported once");
});

Deno.test("Metrics.ready() builds the registry in the background; records before it are kept", async () => {
  const prom = gatedImport();
  const metrics = createMetrics(prom.load);
  const ready = metrics.ready();
  metrics.databaseError("DB_TIMEOUT");
  prom.open();
  await ready;
  metrics.databaseError("DB_TIMEOUT");
  const text = await metrics.render();
  assert.equal(sample(text, 'pg_mcp_database_errors_total{code="DB_TIMEOUT"}'), 2);
  assert.equal(prom.calls, 1);
});

Deno.test("Metrics records pile up to a bound, then load prom-client themselves", async () => {
  const prom = gatedImport();
  const metrics = createMetrics(prom.load);
  for (let i = 0; i < 999; i++) metrics.refused("parse_error");
  assert.equal(prom.calls, 0);
  metrics.refused("parse_error");
  assert.equal(prom.calls, 1, "the 1,000th record starts the load");
  prom.open();
  const text = await metrics.render();
  assert.equal(sample(text, 'pg_mcp_sql_validation_failures_total{reason="parse_error"}'), 1000);
});

Deno.test("Metrics: a failed import fails the scrape, and the next scrape tries again", async () => {
  let calls = 0;
  const metrics = createMetrics(() => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("cannot import")) : import("prom-client");
  });
  metrics.toolCall("list_tables", "ok", 0.001);
  await assert.rejects(metrics.render(), /cannot import/);
  const text = await metrics.render();
  assert.equal(sample(text, 'pg_mcp_tool_calls_total{tool="list_tables",outcome="ok"}'), 1);
});

Deno.test("Metrics.contentType is the one prom-client's registry serves", async () => {
  const { Registry } = await import("prom-client");
  assert.equal(METRICS_CONTENT_TYPE, new Registry().contentType);
  assert.equal(createMetrics().contentType, METRICS_CONTENT_TYPE);
});
