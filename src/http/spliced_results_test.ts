import assert from "node:assert/strict";
import { JsonRows } from "../db/json_rows.ts";
import {
  CallToolRequestSchema,
  McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "../mcp/sdk.ts";
import { toToolResult } from "../mcp/tool_result.ts";
import { spliceResults } from "./spliced_results.ts";

const VALUES = [[1, 'é "quoted" 😀 \\ \n'], [2, null]];

/** One stateless JSON POST of `body`, as an MCP client sends it, handled by `transport`. */
function post(transport: WebStandardStreamableHTTPServerTransport, body: unknown) {
  const req = new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify(body),
  });
  return transport.handleRequest(req, { parsedBody: body });
}

/** A stateless transport that answers in JSON (no event stream). */
function jsonTransport() {
  return new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
}

/** One stateless request to an SDK server whose tool answers with `rows`, through the splice. */
async function call(
  body: unknown,
  rows: () => JsonRows,
  splice = true,
  told: number[] = [],
) {
  const server = new McpServer({ name: "t", version: "1" });
  server.server.registerCapabilities({ tools: {} });
  server.server.setRequestHandler(CallToolRequestSchema, () =>
    toToolResult({
      ok: true,
      value: { success: true, data: { columns: ["n", "t"], rows: rows(), row_count: 2 } },
    }));
  const transport = jsonTransport();
  const spliced = splice ? spliceResults(transport, (n) => told.push(n)) : undefined;
  await server.connect(transport);
  const res = await post(transport, body);
  const out = spliced ? await spliced.response(res) : res;
  const text = await out.text();
  await transport.close();
  return { status: out.status, type: out.headers.get("content-type"), text };
}

const toolCall = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "x", arguments: {} },
});

Deno.test("spliceResults(): the SDK's JSON response, with the rows written from their own JSON text", async () => {
  const rows = JsonRows.of(VALUES);
  const told: number[] = [];
  const spliced = await call(toolCall(3), () => rows, true, told);
  assert.deepEqual(
    told,
    [new TextEncoder().encode(spliced.text).length],
    "told the size once sent",
  );
  assert.equal(spliced.status, 200);
  assert.equal(spliced.type, "application/json");
  assert.ok(!spliced.text.includes("pg-mcp-spliced"), "no stand-in is left");
  assert.ok(spliced.text.includes(`"rows":${rows.json()}`), "the rows as they were made");
  // What the SDK alone sends (rows through toJSON), parsed, is the same message.
  const plain = await call(toolCall(3), () => JsonRows.of(VALUES), false);
  const a = JSON.parse(spliced.text);
  const b = JSON.parse(plain.text);
  assert.equal(a.id, 3);
  assert.deepEqual(a.result.structuredContent, b.result.structuredContent);
  assert.deepEqual(a.result.structuredContent.data.rows, VALUES);
  // The text copies differ only by their random boundary.
  const boundary = (t: string) => t.split("\n")[1];
  const ta = a.result.content[0].text as string;
  const tb = b.result.content[0].text as string;
  assert.equal(ta.replaceAll(boundary(ta), "B"), tb.replaceAll(boundary(tb), "B"));
});

Deno.test("spliceResults(): a batch of requests gets every answer spliced in place", async () => {
  const batch = await call([toolCall(1), toolCall(2)], () => JsonRows.of(VALUES));
  const answers = JSON.parse(batch.text);
  assert.ok(Array.isArray(answers));
  assert.deepEqual(answers.map((m: { id: number }) => m.id).sort(), [1, 2]);
  for (const m of answers) assert.deepEqual(m.result.structuredContent.data.rows, VALUES);
});

Deno.test("spliceResults(): other answers pass through untouched", async () => {
  const server = new McpServer({ name: "t", version: "1" });
  const transport = jsonTransport();
  const spliced = spliceResults(transport);
  await server.connect(transport);
  const res = await post(transport, { jsonrpc: "2.0", id: 9, method: "ping" });
  assert.equal(await spliced.response(res), res);
  assert.deepEqual(await res.json(), { jsonrpc: "2.0", id: 9, result: {} });
  await transport.close();
});

Deno.test("spliceResults(): a body without its stand-in is a clear 500, never a stand-in sent", async () => {
  const sent: unknown[] = [];
  const transport = {
    start: () => Promise.resolve(),
    close: () => Promise.resolve(),
    send: (message: unknown) => {
      sent.push(message);
      return Promise.resolve();
    },
  };
  const spliced = spliceResults(transport);
  const result = toToolResult({
    ok: true,
    value: { success: true, data: { rows: JsonRows.of(VALUES) } },
  });
  await transport.send({ jsonrpc: "2.0", id: 1, result });
  assert.ok(JSON.stringify(sent[0]).includes("pg-mcp-spliced"), "the SDK got a stand-in");
  const res = await spliced.response(new Response('{"jsonrpc":"2.0","id":1,"result":{}}'));
  assert.equal(res.status, 500);
  assert.equal((await res.json()).error.code, -32603);
});

Deno.test("spliceResults(): small rows and large (streamed) ones make the answer the SDK makes", async () => {
  const many = Array.from({ length: 2_000 }, (_, i) => [i, `row ${i} é "q" 😀`]);
  for (const values of [VALUES, many]) {
    const rows = JsonRows.of(values);
    const told: number[] = [];
    const spliced = await call(toolCall(4), () => rows, true, told);
    const plain = await call(toolCall(4), () => JsonRows.of(values), false);
    assert.equal(told[0], new TextEncoder().encode(spliced.text).length, `${values.length} rows`);
    const a = JSON.parse(spliced.text);
    const b = JSON.parse(plain.text);
    assert.deepEqual(a.result.structuredContent, b.result.structuredContent);
    assert.deepEqual(a.result.structuredContent.data.rows, values);
  }
});
