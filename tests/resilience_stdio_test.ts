/** LLM outages through the query tool: configured retries, then the circuit breaker. */
import assert from "node:assert/strict";
import { startFakeLlm } from "./support/fake_llm.ts";
import { loadSample } from "./support/samples.ts";
import { startServer } from "./support/spawn_server.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

Deno.test("query: a 503-ing model is retried, then the breaker answers CIRCUIT_OPEN without calling it", async () => {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  await using llm = startFakeLlm([], { fallback: { status: 503, message: "overloaded" } });
  await using server = await startServer({
    DATABASE_URL: dbUrl,
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: llm.url,
    LLM_VALIDATE_RESULTS: "false",
    RESILIENCE_MAX_RETRIES: "1",
    RESILIENCE_RETRY_DELAY: "0.01",
    RESILIENCE_CIRCUIT_BREAKER_THRESHOLD: "2",
    RESILIENCE_CIRCUIT_BREAKER_TIMEOUT: "60",
  });
  const ask = async () => {
    const r = await server.client.callTool({
      name: "query",
      arguments: { question: "How many members?" },
    });
    assert.equal(r.isError, true);
    return (r.structuredContent as { error: { code: string } }).error.code;
  };
  assert.equal(await ask(), "LLM_UNAVAILABLE");
  assert.equal(llm.chatRequests().length, 2, "one call and one retry");
  assert.equal(await ask(), "LLM_UNAVAILABLE");
  assert.equal(llm.chatRequests().length, 4);
  assert.equal(await ask(), "CIRCUIT_OPEN");
  assert.equal(llm.chatRequests().length, 4, "no call while the circuit is open");

  // The database side keeps serving while the model is down.
  const sql = await server.client.callTool({
    name: "execute_sql",
    arguments: { sql: "SELECT count(*) AS n FROM cd.members" },
  });
  assert.notEqual(sql.isError, true);
  const data = (sql.structuredContent as { data: { columns: string[]; rows: unknown[][] } }).data;
  assert.deepEqual(data.columns, ["n"]);
  assert.deepEqual(data.rows, [["31"]]);
});
