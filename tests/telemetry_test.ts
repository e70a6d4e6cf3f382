/**
 * With OTEL_DENO=true, a span per tool call named after the MCP method and tool, with the
 * model call and the database calls as children: received by an OTLP/HTTP (JSON) collector on
 * 127.0.0.1 from main.ts over stdio.
 */
import assert from "node:assert/strict";
import { checkAnswer, sqlAnswer } from "./support/nl_app.ts";
import { startFakeLlm } from "./support/fake_llm.ts";
import { loadSample } from "./support/samples.ts";
import { startServer } from "./support/spawn_server.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

function attribute(span: OtlpSpan, key: string): unknown {
  const a = span.attributes?.find((x) => x.key === key);
  return a ? Object.values(a.value)[0] : undefined;
}

Deno.test("telemetry: tools/call spans with the model and database calls as children", async () => {
  const spans: OtlpSpan[] = [];
  const collector = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      if (new URL(req.url).pathname === "/v1/traces") {
        const body = await req.json();
        for (const rs of body.resourceSpans ?? []) {
          for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
        }
      } else await req.body?.cancel();
      return new Response("{}", { headers: { "content-type": "application/json" } });
    },
  );
  await using llm = startFakeLlm([sqlAnswer("SELECT count(*) FROM cd.members"), checkAnswer(90)]);
  try {
    const url = await loadSample(await sharedTestCluster(), "pgexercises");
    const server = await startServer({
      DATABASE_URL: url,
      OPENAI_API_KEY: "test-key",
      OPENAI_BASE_URL: llm.url,
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.addr.port}`,
      OTEL_DENO_CONSOLE: "ignore",
    });
    const r = await server.client.callTool({
      name: "query",
      arguments: { question: "How many members?" },
    });
    assert.equal(r.isError, undefined);
    await server.close(); // stdin closes: the process exits and flushes its spans
    for (let i = 0; i < 50 && !spans.some((s) => s.name === "tools/call query"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const call = spans.find((s) => s.name === "tools/call query");
    assert.ok(call, `no tools/call span among ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(attribute(call, "mcp.method.name"), "tools/call");
    assert.equal(attribute(call, "gen_ai.tool.name"), "query");
    assert.equal(attribute(call, "network.transport"), "pipe");
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const underCall = (s: OtlpSpan) => {
      for (let p = s.parentSpanId; p; p = byId.get(p)?.parentSpanId) {
        if (p === call.spanId) return true;
      }
      return false;
    };
    const children = spans.filter(underCall);
    assert.ok(children.some((s) => s.name === "SELECT default"), "a database span under the call");
    assert.ok(
      children.some((s) => /^POST/.test(s.name) || attribute(s, "http.request.method") === "POST"),
      `a model call (fetch) under the call: ${children.map((s) => s.name).join(", ")}`,
    );
    assert.ok(!JSON.stringify(spans).includes("cd.members"), "no SQL in any span");
  } finally {
    await collector.shutdown();
  }
});
