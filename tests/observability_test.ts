/**
 * Metrics, the audit line and the rate limits, through the MCP surface (the official client in
 * memory against the real app), against real PostgreSQL and the scripted model.
 */
import assert from "node:assert/strict";
import { connectInMemory } from "./support/in_memory_mcp.ts";
import { checkAnswer, sqlAnswer, startNlApp } from "./support/nl_app.ts";

async function call(
  client: Awaited<ReturnType<typeof connectInMemory>>["client"],
  name: string,
  args: Record<string, unknown>,
) {
  const r = await client.callTool({ name, arguments: args });
  return { isError: r.isError === true, body: r.structuredContent as Record<string, unknown> };
}

/** The value of one series in Prometheus text, 0 when absent. */
function series(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

Deno.test("metrics: each documented series counts the call that should count it", async () => {
  await using nl = await startNlApp([
    { content: sqlAnswer("SELECT count(*) FROM cd.nosuch"), usage: { total_tokens: 100 } },
    { content: sqlAnswer("SELECT count(*) AS n FROM cd.members"), usage: { total_tokens: 120 } },
    { content: checkAnswer(90), usage: { total_tokens: 30 } },
  ]);
  await using mcp = await connectInMemory(nl.app.server);
  const m = nl.app.metrics;
  const before = await m.render();
  assert.equal(series(before, "pg_mcp_queries_total", { tool: "execute_sql", status: "ok" }), 0);

  assert.equal((await call(mcp.client, "execute_sql", { sql: "SELECT 1 AS one" })).isError, false);
  const refused = await call(mcp.client, "execute_sql", { sql: "DELETE FROM cd.members" });
  assert.equal(refused.isError, true);
  const failed = await call(mcp.client, "execute_sql", { sql: "SELECT 1/0" });
  assert.equal((failed.body.error as { code: string }).code, "DB_FAILED");
  const asked = await call(mcp.client, "query", { question: "How many members?" });
  assert.equal(asked.isError, false, JSON.stringify(asked.body));
  await call(mcp.client, "list_tables", {});

  const text = await m.render();
  assert.equal(series(text, "pg_mcp_queries_total", { tool: "execute_sql", status: "ok" }), 1);
  assert.equal(
    series(text, "pg_mcp_queries_total", { tool: "execute_sql", status: "SECURITY_VIOLATION" }),
    1,
  );
  assert.equal(series(text, "pg_mcp_queries_total", { tool: "query", status: "ok" }), 1);
  assert.equal(series(text, "pg_mcp_query_duration_seconds_count", { tool: "execute_sql" }), 3);
  assert.equal(
    series(text, "pg_mcp_sql_generation_duration_seconds_count", { stage: "generate" }),
    1,
  );
  assert.equal(
    series(text, "pg_mcp_sql_generation_duration_seconds_count", { stage: "repair" }),
    1,
  );
  assert.equal(series(text, "pg_mcp_sql_validation_failures_total", { reason: "not_select" }), 1);
  // DB_FAILED twice: the 1/0 call, and the query's first attempt (an unknown table).
  assert.equal(series(text, "pg_mcp_database_errors_total", { code: "DB_FAILED" }), 2);
  assert.equal(series(text, "pg_mcp_llm_tokens_used_total", { stage: "generate" }), 100);
  assert.equal(series(text, "pg_mcp_llm_tokens_used_total", { stage: "repair" }), 120);
  assert.equal(series(text, "pg_mcp_llm_tokens_used_total", { stage: "check" }), 30);
  assert.equal(series(text, "pg_mcp_tool_calls_total", { tool: "list_tables", outcome: "ok" }), 1);
  assert.ok(series(text, "pg_mcp_schema_cache_events_total", { event: "miss" }) >= 1);
  assert.ok(series(text, "pg_mcp_schema_cache_events_total", { event: "hit" }) >= 1);
  assert.equal(series(text, "pg_mcp_circuit_breaker_state", { dependency: "llm" }), 0);
  assert.match(text, /pg_mcp_pool_connections\{database="default",state="idle"\} \d+/);
  assert.ok(!/cd\.members|nosuch/.test(text), "no SQL in any label");
});

Deno.test("audit: one line per call with the fingerprint, refusals at WARNING, never rows", async () => {
  await using nl = await startNlApp([], { env: { OBSERVABILITY_LOG_SQL: "false" } });
  await using mcp = await connectInMemory(nl.app.server, "audit-client");
  nl.log.lines.length = 0;
  await call(mcp.client, "execute_sql", {
    sql: "SELECT firstname FROM cd.members WHERE memid = 1",
  });
  await call(mcp.client, "execute_sql", {
    sql: "SELECT firstname FROM cd.members WHERE memid = 2",
  });
  await call(mcp.client, "execute_sql", { sql: "DROP TABLE cd.members" });
  const lines = nl.log.lines.map((l) => JSON.parse(l));
  const called = lines.filter((l) => l.event === "tool.called");
  const refused = lines.filter((l) => l.event === "tool.refused");
  assert.equal(called.length, 2);
  assert.equal(refused.length, 1);
  const [a, b] = called;
  assert.equal(a.level, "INFO");
  assert.equal(a.tool, "execute_sql");
  assert.equal(a.database, "default");
  assert.equal(a.outcome, "ok");
  assert.equal(a.rows, 1);
  assert.equal(a.transport, "stdio");
  assert.deepEqual(a.client, { name: "audit-client", version: "1.0.0" });
  assert.equal(typeof a.duration_ms, "number");
  assert.match(a.sql_fingerprint, /^[0-9a-f]{16}$/);
  assert.equal(a.sql_fingerprint, b.sql_fingerprint, "constants do not change the fingerprint");
  assert.equal(a.sql, undefined, "no SQL text unless OBSERVABILITY_LOG_SQL=true");
  assert.equal(refused[0].level, "WARNING");
  assert.equal(refused[0].reason, "not_select");
  assert.equal(refused[0].outcome, "SECURITY_VIOLATION");
  const all = nl.log.lines.join("\n");
  assert.ok(!all.includes("Darren"), "the first member's name (a row value) is never logged");
});

Deno.test("audit: OBSERVABILITY_LOG_SQL=true adds the SQL text", async () => {
  await using nl = await startNlApp([], { env: { OBSERVABILITY_LOG_SQL: "true" } });
  await using mcp = await connectInMemory(nl.app.server);
  nl.log.lines.length = 0;
  await call(mcp.client, "execute_sql", { sql: "SELECT 42 AS answer" });
  const line = nl.log.lines.map((l) => JSON.parse(l)).find((l) => l.event === "tool.called");
  assert.equal(line.sql, "SELECT 42 AS answer");
});

Deno.test("rate limits: the client over its per-minute limit gets RATE_LIMITED, others go on", async () => {
  await using nl = await startNlApp([], { env: { RATE_LIMIT_REQUESTS_PER_MINUTE: "3" } });
  await using mcp = await connectInMemory(nl.app.server);
  for (let i = 0; i < 3; i++) {
    assert.equal((await call(mcp.client, "execute_sql", { sql: "SELECT 1" })).isError, false);
  }
  const limited = await call(mcp.client, "execute_sql", { sql: "SELECT 1" });
  assert.equal(limited.isError, true);
  const error = limited.body.error as { code: string; details: Record<string, unknown> };
  assert.equal(error.code, "RATE_LIMITED");
  assert.ok((error.details.retry_after_seconds as number) >= 1);
  assert.equal(
    series(await nl.app.metrics.render(), "pg_mcp_rate_limited_total", { limit: "requests" }),
    1,
  );
  // The server still serves: another client (its own identity) is not limited.
  await using other = await connectInMemory(nl.app.server, "other", "other-client");
  assert.equal((await call(other.client, "execute_sql", { sql: "SELECT 1" })).isError, false);
});

Deno.test("rate limits: the model's request limit answers RATE_LIMITED without calling it", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT 1"),
    checkAnswer(90),
  ], { env: { RATE_LIMIT_LLM_REQUESTS_PER_MINUTE: "2" } });
  await using mcp = await connectInMemory(nl.app.server);
  assert.equal((await call(mcp.client, "query", { question: "One?" })).isError, false);
  const second = await call(mcp.client, "query", { question: "One again?" });
  assert.equal(second.isError, true);
  assert.equal((second.body.error as { code: string }).code, "RATE_LIMITED");
  assert.equal(nl.llm.chatRequests().length, 2, "the third model call was never sent");
});
