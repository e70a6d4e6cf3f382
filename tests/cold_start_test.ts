/**
 * Cold start: what `initialize` and `tools/list` do not need (the SQL parser's WASM, prom-client,
 * openai) loads after the start or on first need. Through the real entry point with the binary's
 * flags: the first calls right after the handshake behave as they always did, and the metrics
 * of calls made before prom-client loaded are in the first scrape.
 */
import assert from "node:assert/strict";
import { startFakeLlm } from "./support/fake_llm.ts";
import { sqlAnswer } from "./support/nl_app.ts";
import { loadSample } from "./support/samples.ts";
import { startServer } from "./support/spawn_server.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

/** The value of one sample line of a Prometheus scrape, 0 when absent. */
function sample(text: string, line: string): number {
  const found = text.split("\n").find((l) => l.startsWith(line + " "));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

/** The parsed JSON log lines with this event. */
function events(stderr: string[], event: string): Record<string, unknown>[] {
  return stderr.filter((l) => l.includes(`"${event}"`)).map((l) => JSON.parse(l));
}

Deno.test("cold start: the first calls after the handshake work, are audited and counted, then the warm-up loads the rest", async () => {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  await using llm = startFakeLlm([sqlAnswer("SELECT count(*) AS n FROM cd.members")]);
  await using server = await startServer({
    DATABASE_URL: dbUrl,
    OPENAI_API_KEY: "sk-test-secret-key",
    OPENAI_BASE_URL: llm.url,
    OPENAI_MODEL: "scripted-model",
    LLM_VALIDATE_RESULTS: "false",
    LLM_MAX_ATTEMPTS: "1",
    RESILIENCE_MAX_RETRIES: "0",
    OBSERVABILITY_LOG_LEVEL: "DEBUG",
  });
  // Straight after initialize: the parser may still be loading; the call waits for it.
  const first = await server.client.callTool({
    name: "execute_sql",
    arguments: { sql: "SELECT count(*) AS n FROM cd.facilities" },
  });
  assert.equal(first.isError, undefined, JSON.stringify(first.structuredContent));
  const data = (first.structuredContent as { data: { rows: unknown[][] } }).data;
  assert.deepEqual(data.rows, [["9"]], "bigint count as text");
  const refused = await server.client.callTool({
    name: "execute_sql",
    arguments: { sql: "DELETE FROM cd.bookings" },
  });
  assert.equal(refused.isError, true);
  const asked = await server.client.callTool({
    name: "query",
    arguments: { question: "How many members?" },
  });
  assert.equal(asked.isError, undefined, JSON.stringify(asked.structuredContent));

  const audit = events(server.stderr, "tool.called");
  assert.match(String(audit[0]?.sql_fingerprint), /^[0-9a-f]{16}$/, "fingerprinted");
  const refusal = events(server.stderr, "tool.refused");
  assert.match(String(refusal[0]?.sql_fingerprint), /^[0-9a-f]{16}$/);

  const started = events(server.stderr, "metrics.started")[0];
  assert.ok(started, "metrics are served");
  const scrape = await (await fetch(String(started.url))).text();
  assert.equal(sample(scrape, 'pg_mcp_queries_total{tool="execute_sql",status="ok"}'), 1);
  assert.equal(
    sample(scrape, 'pg_mcp_queries_total{tool="execute_sql",status="SECURITY_VIOLATION"}'),
    1,
  );
  assert.equal(sample(scrape, 'pg_mcp_queries_total{tool="query",status="ok"}'), 1);

  // The warm-up runs once the handshake is over, and succeeds.
  const deadline = Date.now() + 10_000;
  while (events(server.stderr, "server.warmed_up").length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(events(server.stderr, "server.warmed_up").length, 1);
  assert.equal(events(server.stderr, "server.warm_up_failed").length, 0);
});
