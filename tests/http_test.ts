/** The Streamable HTTP transport, end to end: main.ts as a service on a loopback port. */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startFakeLlm } from "./support/fake_llm.ts";
import { loadSample } from "./support/samples.ts";
import { startHttpServer } from "./support/spawn_server.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

async function connect(baseUrl: string, token?: string): Promise<Client> {
  const client = new Client({ name: "pg-mcp-http-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
    }),
  );
  return client;
}

Deno.test("HTTP transport: MCP at /mcp, health, auth token, Host check, stops on SIGTERM", async (t) => {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  await using llm = startFakeLlm([], {
    fallback: JSON.stringify({
      sql: "SELECT count(*) AS n FROM cd.facilities",
      explanation: "",
      assumptions: [],
      confidence: 80,
    }),
  });
  const token = "http-test-token-123";
  await using server = await startHttpServer({
    DATABASE_URL: dbUrl,
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: llm.url,
    LLM_VALIDATE_RESULTS: "false",
    RESILIENCE_MAX_RETRIES: "0",
    MCP_HTTP_AUTH_TOKEN: token,
  });

  await t.step("GET /health reports the database as ok", async () => {
    const res = await fetch(`${server.baseUrl}/health`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, "ok");
  });

  await t.step("an unknown path is a JSON 404", async () => {
    const res = await fetch(`${server.baseUrl}/nope`);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, "NOT_FOUND");
  });

  await t.step("/mcp without the bearer token is refused", async () => {
    const res = await fetch(`${server.baseUrl}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  });

  await t.step("a foreign Host header is refused (DNS rebinding)", async () => {
    // fetch() keeps its own Host header, so this request is written by hand.
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const port = Number(new URL(server.baseUrl).port);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode(
      "POST /mcp HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\n" +
        `Accept: application/json, text/event-stream\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    ));
    const response = await new Response(conn.readable).text();
    assert.match(response, /^HTTP\/1\.1 403/);
  });

  await t.step("the official client lists tools and gets an answer", async () => {
    const client = await connect(server.baseUrl, token);
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((tool) => tool.name === "query"));
      const result = await client.callTool({
        name: "query",
        arguments: { question: "How many facilities?" },
      });
      const body = result.structuredContent as {
        success: boolean;
        data: { rows: { n: string }[] };
      };
      assert.equal(body.success, true, JSON.stringify(body));
      const expected = (await cluster.psql(dbUrl, "SELECT count(*) FROM cd.facilities")).trim();
      assert.equal(body.data.rows[0].n, expected);
    } finally {
      await client.close();
    }
  });

  await t.step("GET /metrics counts the tool calls by outcome", async () => {
    const res = await fetch(`${server.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /pgmcp_tool_calls_total\{tool="query",outcome="ok"\} 1/);
    assert.match(text, /pgmcp_tool_duration_seconds_count\{tool="query"\} 1/);
    assert.match(text, /pgmcp_circuit_open\{dependency="llm"\} 0/);
  });

  await t.step("SIGTERM stops the service cleanly", async () => {
    assert.equal(await server.stop(), 0);
    assert.ok(server.stderr.some((l) => l.includes('"server.stopping"')));
  });
});
