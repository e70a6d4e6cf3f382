import assert from "node:assert/strict";
import { z } from "zod";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ok } from "../errors.ts";
import { type JSONRPCMessage, McpServer } from "./sdk.ts";
import { defineTool } from "./tool.ts";
import { createToolCatalog, serveTools } from "./tool_catalog.ts";

/** A server with one tool, spoken to in raw JSON-RPC messages. */
async function rawServer() {
  const calls: unknown[] = [];
  const echo = defineTool({
    name: "echo",
    title: "Echo",
    description: "Echoes",
    input: { text: z.string() },
    output: { success: z.boolean(), text: z.string() },
    annotations: {},
    run: (args) => {
      calls.push(args);
      return Promise.resolve(ok({ success: true, text: args.text }));
    },
  });
  const server = new McpServer({ name: "t", version: "1" });
  serveTools(server, createToolCatalog([echo]), { transport: "stdio", identity: "t" });
  const [client, serverSide] = InMemoryTransport.createLinkedPair();
  const replies = new Map<unknown, JSONRPCMessage>();
  client.onmessage = (m) => replies.set((m as { id?: unknown }).id, m);
  await server.connect(serverSide);
  await client.start();
  const request = async (id: number, method: string, params: unknown) => {
    await client.send({ jsonrpc: "2.0", id, method, params } as JSONRPCMessage);
    for (let i = 0; i < 50 && !replies.has(id); i++) await new Promise((r) => setTimeout(r, 2));
    return replies.get(id) as Record<string, unknown> | undefined;
  };
  await request(0, "initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "c", version: "1" },
  });
  return { request, calls, close: () => server.close() };
}

Deno.test("tools/call: the request is still checked against the SDK's schema, a task refused", async () => {
  const s = await rawServer();
  try {
    const good = await s.request(1, "tools/call", { name: "echo", arguments: { text: "hi" } });
    const result = good?.result as { structuredContent?: unknown; content?: unknown[] };
    assert.deepEqual(result.structuredContent, { success: true, text: "hi" });
    assert.equal(result.content?.length, 1);

    const noName = await s.request(2, "tools/call", { arguments: { text: "hi" } });
    // Refused by the SDK's parse of the request, as before (a JSON-RPC error, no tool run).
    assert.match(String((noName?.error as { message?: string })?.message), /"name"/);

    const task = await s.request(3, "tools/call", {
      name: "echo",
      arguments: { text: "hi" },
      task: { ttl: 1000 },
    });
    assert.ok(task?.error, `a task-augmented call is refused: ${JSON.stringify(task)}`);
    assert.equal(s.calls.length, 1, "only the good call ran the tool");
  } finally {
    await s.close();
  }
});
