/** The Streamable HTTP transport, end to end: main.ts as a service on a loopback port. */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startFakeLlm } from "./support/fake_llm.ts";
import { jsonOrUndefined, rpc } from "./support/http_rpc.ts";
import { callTool } from "./support/mcp_call.ts";
import { loadSample } from "./support/samples.ts";
import { runServerToExit, startHttpServer } from "./support/spawn_server.ts";
import { startTcpProxy } from "./support/tcp_proxy.ts";
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

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: jsonOrUndefined(text) };
}

/** A request written by hand on a socket: fetch() keeps its own Host header. */
async function rawPost(port: number, host: string, token: string): Promise<string> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(
    `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
      `Accept: application/json, text/event-stream\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  ));
  return await new Response(conn.readable).text();
}

const CHALLENGE = 'Bearer realm="pg-mcp"';

Deno.test("HTTP transport: MCP at /mcp, health, auth tokens, Host and Origin checks, stops on SIGTERM", async (t) => {
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
  const rotated = "http-test-token-456";
  await using server = await startHttpServer({
    DATABASE_URL: dbUrl,
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: llm.url,
    LLM_VALIDATE_RESULTS: "false",
    RESILIENCE_MAX_RETRIES: "0",
    MCP_HTTP_AUTH_TOKEN: `${token}, ${rotated}`,
  });
  const auth = { authorization: `Bearer ${token}` };

  await t.step("GET /healthz answers without the token", async () => {
    const res = await get(`${server.baseUrl}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.body?.status, "ok");
  });

  await t.step("GET /health and /readyz need the token and report the database as ok", async () => {
    for (const path of ["/health", "/readyz"]) {
      const refused = await get(`${server.baseUrl}${path}`);
      assert.equal(refused.status, 401, path);
      assert.equal(refused.headers.get("www-authenticate"), CHALLENGE);
      const res = await get(`${server.baseUrl}${path}`, auth);
      assert.equal(res.status, 200, path);
      assert.equal(res.body?.status, "ok");
      assert.deepEqual(res.body?.databases, [{ name: "default", status: "ok" }]);
    }
  });

  await t.step("an unknown path is a JSON 404", async () => {
    const res = await get(`${server.baseUrl}/nope`, auth);
    assert.equal(res.status, 404);
    assert.equal((res.body?.error as { code: string }).code, "NOT_FOUND");
  });

  await t.step("/mcp without a valid bearer token is 401 with the challenge", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token" },
      { authorization: token },
    ];
    for (const headers of attempts) {
      const res = await rpc(server.baseUrl, "tools/list", {}, { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.headers.get("www-authenticate"), CHALLENGE);
      assert.equal((res.body?.error as { code: string }).code, "UNAUTHORIZED");
    }
  });

  await t.step("both configured tokens are accepted, and the scheme in any case", async () => {
    for (const [scheme, tok] of [["Bearer", token], ["Bearer", rotated], ["bearer", token]]) {
      const res = await rpc(server.baseUrl, "tools/list", {}, { token: tok, scheme });
      assert.equal(res.status, 200, `${scheme} ${tok}`);
      const tools = (res.body?.result as { tools: { name: string }[] }).tools;
      assert.ok(tools.some((tool) => tool.name === "execute_sql"));
    }
  });

  await t.step("GET and DELETE on /mcp are 405 with Allow: POST", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(`${server.baseUrl}/mcp`, {
        method,
        headers: { ...auth, accept: "application/json, text/event-stream" },
      });
      await res.body?.cancel();
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get("allow"), "POST");
    }
  });

  await t.step("a foreign Origin is 403; none, or a loopback one, is served", async () => {
    const foreign = await rpc(server.baseUrl, "tools/list", {}, {
      token,
      headers: { origin: "https://evil.example" },
    });
    assert.equal(foreign.status, 403);
    const none = await rpc(server.baseUrl, "tools/list", {}, { token });
    assert.equal(none.status, 200);
    const local = await rpc(server.baseUrl, "tools/list", {}, {
      token,
      headers: { origin: "http://localhost:6274" },
    });
    assert.equal(local.status, 200);
  });

  await t.step("a foreign Host header is refused (DNS rebinding)", async () => {
    const port = Number(new URL(server.baseUrl).port);
    assert.match(await rawPost(port, "evil.example", token), /^HTTP\/1\.1 403/);
    assert.match(await rawPost(port, `127.0.0.1:${port}`, token), /^HTTP\/1\.1 200/);
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
        database: string;
        data: { columns: string[]; rows: unknown[][] };
      };
      assert.equal(body.success, true, JSON.stringify(body));
      assert.equal(body.database, "default");
      const expected = (await cluster.psql(dbUrl, "SELECT count(*) FROM cd.facilities")).trim();
      assert.deepEqual(body.data.columns, ["n"]);
      assert.deepEqual(body.data.rows, [[expected]]);
    } finally {
      await client.close();
    }
  });

  await t.step("execute_sql rows come back whole and exact; the text copy agrees", async () => {
    const client = await connect(server.baseUrl, token);
    try {
      // Spliced from the rows' own JSON text (src/http/spliced_results.ts), never re-serialized.
      const answer = await callTool(client, "execute_sql", {
        sql: `SELECT g AS n, 'é "q" 😀 \\ ' || g AS t, 9007199254740993::bigint AS big, ` +
          `jsonb_build_object('g', g) AS doc FROM generate_series(1, 1000) AS g ORDER BY g`,
      });
      assert.equal(answer.isError, false, answer.text.slice(0, 300));
      const rows = answer.body.data.rows as unknown[][];
      assert.equal(rows.length, 1000);
      assert.equal(answer.body.truncated, undefined);
      assert.deepEqual(rows[999], [1000, 'é "q" 😀 \\ 1000', "9007199254740993", { g: 1000 }]);
    } finally {
      await client.close();
    }
  });

  await t.step("GET /metrics needs the token and counts the tool calls by outcome", async () => {
    const refused = await get(`${server.baseUrl}/metrics`);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("www-authenticate"), CHALLENGE);
    const res = await get(`${server.baseUrl}/metrics`, auth);
    assert.equal(res.status, 200);
    assert.match(res.text, /pg_mcp_tool_calls_total\{tool="query",outcome="ok"\} 1/);
    assert.match(res.text, /pg_mcp_tool_duration_seconds_count\{tool="query"\} 1/);
    assert.match(res.text, /pg_mcp_circuit_breaker_state\{dependency="llm"\} 0/);
    // OBSERVABILITY_METRICS_PORT serves them too, behind the same token.
    const started = server.stderr.find((l) => l.includes('"metrics.started"'));
    assert.ok(started, "the metrics port is served in HTTP mode too");
    const url = String(JSON.parse(started).url);
    const open = await get(url);
    assert.equal(open.status, 401, "the metrics port needs the token");
    assert.equal(open.headers.get("www-authenticate"), CHALLENGE);
    const allowed = await get(url, auth);
    assert.equal(allowed.status, 200);
    assert.match(allowed.text, /pg_mcp_tool_calls_total\{tool="query",outcome="ok"\} 1/);
  });

  await t.step("SIGTERM stops the service cleanly", async () => {
    assert.equal(await server.stop(), 0);
    assert.ok(server.stderr.some((l) => l.includes('"server.stopping"')));
    const all = server.stderr.join("\n");
    assert.ok(!all.includes(token) && !all.includes(rotated), "tokens never logged");
  });
});

Deno.test("HTTP /readyz: 200 while every database answers, 503 naming the one that stops", async () => {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  const musicUrl = new URL(await loadSample(cluster, "chinook"));
  await using proxy = startTcpProxy(Number(musicUrl.port), musicUrl.hostname);
  musicUrl.port = String(proxy.port);
  await using server = await startHttpServer({
    DATABASE_URL: dbUrl,
    DATABASE_URL_MUSIC: musicUrl.href,
    DATABASE_MIN_POOL_SIZE: "0",
  });
  const ready = await get(`${server.baseUrl}/readyz`);
  assert.equal(ready.status, 200, ready.text);
  assert.deepEqual(ready.body?.databases, [
    { name: "default", status: "ok" },
    { name: "music", status: "ok" },
  ]);

  await proxy.close(); // the music database's port is closed now
  const down = await get(`${server.baseUrl}/readyz`);
  assert.equal(down.status, 503, down.text);
  assert.equal(down.body?.status, "unavailable");
  const [first, second] = down.body?.databases as { name: string; status: string }[];
  assert.deepEqual(first, { name: "default", status: "ok" });
  assert.equal(second.name, "music");
  assert.equal(second.status, "unavailable");
  assert.equal((await get(`${server.baseUrl}/health`)).status, 503);
  assert.equal((await get(`${server.baseUrl}/healthz`)).status, 200, "liveness does no I/O");
});

Deno.test("HTTP start-up refusals: a public bind without a token, a port in use (exit 2, one line)", async (t) => {
  await t.step("MCP_HTTP_HOST=0.0.0.0 without a token", async () => {
    const run = await runServerToExit(
      {
        MCP_TRANSPORT: "http",
        MCP_HTTP_HOST: "0.0.0.0",
        MCP_HTTP_PORT: "0",
        OBSERVABILITY_METRICS_ENABLED: "false",
        DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      },
      [],
      { timeoutMs: 20_000 },
    );
    assert.equal(run.code, 2, run.stderr);
    const lines = run.stderr.trim().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^pg-mcp: Cannot serve HTTP on 0\.0\.0\.0 without a token/);
    assert.match(lines[0], /MCP_HTTP_AUTH_TOKEN/);
    assert.match(lines[0], /MCP_HTTP_ALLOW_UNAUTHENTICATED/);
  });

  await t.step("a port another process holds", async () => {
    using holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (holder.addr as Deno.NetAddr).port;
    const run = await runServerToExit(
      {
        MCP_TRANSPORT: "http",
        MCP_HTTP_HOST: "127.0.0.1",
        MCP_HTTP_PORT: String(port),
        OBSERVABILITY_METRICS_ENABLED: "false",
        DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
        DATABASE_MIN_POOL_SIZE: "0",
      },
      [],
      { timeoutMs: 20_000 },
    );
    assert.equal(run.code, 2, run.stderr);
    // Log lines are JSON; the refusal is the one line that is not, and it comes last.
    const plain = run.stderr.trim().split("\n").filter((l) => !l.startsWith("{"));
    assert.equal(plain.length, 1, run.stderr);
    assert.match(plain[0], new RegExp(`^pg-mcp: Cannot listen on 127\\.0\\.0\\.1:${port}: `));
    assert.ok(run.stderr.trim().endsWith(plain[0]));
    assert.ok(!/\n\s+at /.test(run.stderr), "no stack trace");
  });
});
