/**
 * Secrets never leave the process: with every secret pg-mcp takes set (database passwords, the
 * API key, the HTTP tokens, the confirmation secret), the most verbose logs and every answer,
 * error, health report and metric of a session that hits each failure path carry none of them,
 * even when the model's error message echoes the key back.
 */
import assert from "node:assert/strict";
import { startFakeLlm } from "./support/fake_llm.ts";
import { rpc } from "./support/http_rpc.ts";
import { loadSample } from "./support/samples.ts";
import { startHttpServer } from "./support/spawn_server.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

const SECRETS = {
  dbPassword: "db-pass-7c1e9a",
  deadPassword: "dead-pass-42bb0d",
  apiKey: "sk-live-key-93f2a6c1",
  token: "http-token-5d8e2b7f91",
  oldToken: "http-token-old-0a4c6e",
  confirm: "confirm-secret-0123456789abcdef0123456789",
};

Deno.test("no secret in logs (DEBUG, SQL logged), answers, errors, /readyz or /metrics", async () => {
  const url = new URL(await loadSample(await sharedTestCluster(), "pgexercises"));
  url.password = SECRETS.dbPassword; // trust authentication on loopback: accepted, never checked
  // The model answers 401 with the key in its message, as some OpenAI-compatible servers do.
  await using llm = startFakeLlm([], {
    fallback: { status: 401, message: `Incorrect API key provided: ${SECRETS.apiKey}` },
  });
  await using server = await startHttpServer({
    DATABASE_URL: url.href,
    DATABASE_URL_DEAD: `postgres://someone:${SECRETS.deadPassword}@127.0.0.1:1/none`,
    DATABASE_COMMAND_TIMEOUT: "2",
    OPENAI_API_KEY: SECRETS.apiKey,
    OPENAI_BASE_URL: llm.url,
    RESILIENCE_MAX_RETRIES: "0",
    MCP_HTTP_AUTH_TOKEN: `${SECRETS.oldToken},${SECRETS.token}`,
    SECURITY_WRITE_CONFIRM_SECRET: SECRETS.confirm,
    SECURITY_ALLOW_WRITE_OPERATIONS: "true",
    OBSERVABILITY_LOG_LEVEL: "DEBUG",
    OBSERVABILITY_LOG_SQL: "true",
  });
  const seen: string[] = [];
  const call = async (name: string, args: Record<string, unknown>, token = SECRETS.token) => {
    const r = await rpc(server.baseUrl, "tools/call", { name, arguments: args }, { token });
    seen.push(JSON.stringify(r.body));
    return r.body?.result as {
      isError?: boolean;
      structuredContent?: { error?: { code: string } };
    };
  };
  const codes = [
    await call("execute_sql", { sql: "SELECT count(*) FROM cd.members" }),
    await call("execute_sql", { sql: "SELECT 1", database: "dead" }),
    await call("execute_sql", { sql: "SELECT * FROM no_such_table" }),
    await call("execute_sql", { sql: "DROP TABLE cd.members" }),
    await call("query", { question: "How many members are there?" }),
    await call("list_databases", {}),
    await call("execute_write", { sql: "DELETE FROM cd.bookings WHERE bookid = -1" }),
  ].map((r) => r?.structuredContent?.error?.code ?? "ok");
  assert.deepEqual(codes, [
    "ok",
    "DB_UNAVAILABLE",
    "DB_FAILED",
    "SECURITY_VIOLATION",
    "LLM_UNAVAILABLE",
    "ok",
    "ok",
  ]);
  const refused = await rpc(server.baseUrl, "tools/list", {}, { token: "wrong-token" });
  assert.equal(refused.status, 401);
  seen.push(JSON.stringify(refused.body));
  for (const path of ["/readyz", "/metrics", "/healthz"]) {
    const res = await fetch(`${server.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${SECRETS.token}` },
    });
    seen.push(await res.text());
  }
  await server.stop();
  const everything = [...seen, ...server.stderr].join("\n");
  assert.ok(everything.includes("db.unreachable"), "the failure paths were logged");
  assert.ok(everything.includes("pg_mcp_tool_calls_total"), "the scrape was read");
  for (const [name, secret] of Object.entries(SECRETS)) {
    assert.ok(!everything.includes(secret), `${name} appears in the output`);
  }
  // Nor a recognisable part of the key (masked or cut forms).
  assert.ok(!everything.includes(SECRETS.apiKey.slice(0, 12)), "a prefix of the API key appears");
});
