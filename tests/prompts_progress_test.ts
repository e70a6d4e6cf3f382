/**
 * Prompts (listed, fetched, completed), progress notifications of a long `query`, and log
 * notifications after logging/setLevel, through the official MCP client.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { connectInMemory } from "./support/in_memory_mcp.ts";
import { checkAnswer, sqlAnswer, startNlApp } from "./support/nl_app.ts";

Deno.test("prompts: listed, fetched with the database's names, and their arguments complete", async () => {
  await using nl = await startNlApp([]);
  await using mcp = await connectInMemory(nl.app.server);
  const { prompts } = await mcp.client.listPrompts();
  assert.deepEqual(prompts.map((p) => p.name).sort(), [
    "describe_table",
    "explain_query",
    "explore_database",
    "write_query",
  ]);
  const explore = await mcp.client.getPrompt({ name: "explore_database", arguments: {} });
  const link = explore.messages[0].content as { type: string; uri: string };
  assert.equal(link.type, "resource_link");
  assert.equal(link.uri, "schema://default/overview");
  const overview = await mcp.client.readResource({ uri: link.uri });
  assert.match(String((overview.contents[0] as { text: string }).text), /members/);
  const write = await mcp.client.getPrompt({
    name: "write_query",
    arguments: { question: "Who joined last?" },
  });
  assert.match((write.messages[0].content as { text: string }).text, /Who joined last\?/);
  const tables = await mcp.client.complete({
    ref: { type: "ref/prompt", name: "describe_table" },
    argument: { name: "table", value: "cd.mem" },
  });
  assert.deepEqual(tables.completion.values, ["cd.members"]);
  const dbs = await mcp.client.complete({
    ref: { type: "ref/prompt", name: "write_query" },
    argument: { name: "database", value: "def" },
  });
  assert.deepEqual(dbs.completion.values, ["default"]);
});

Deno.test("progress: query reports its stages to a client that sent a progressToken", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT count(*) AS n FROM cd.members"),
    checkAnswer(90),
  ]);
  await using mcp = await connectInMemory(nl.app.server);
  const messages: string[] = [];
  const result = await mcp.client.callTool(
    { name: "query", arguments: { question: "How many members?" } },
    undefined,
    { onprogress: (p) => messages.push(String(p.message)) },
  );
  assert.equal(result.isError, undefined);
  assert.deepEqual(messages, [
    "Reading the schema",
    "Writing SQL (attempt 1 of 3)",
    "Validating the SQL",
    "Running the SQL",
    "Checking the result",
  ]);
});

Deno.test("logging/setLevel: after it, each call sends a log notification without rows", async () => {
  await using nl = await startNlApp([]);
  await using mcp = await connectInMemory(nl.app.server);
  const seen: { level: string; data: Record<string, unknown> }[] = [];
  mcp.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    seen.push({ level: n.params.level, data: n.params.data as Record<string, unknown> });
  });
  await mcp.client.callTool({ name: "execute_sql", arguments: { sql: "SELECT 1" } });
  assert.equal(seen.length, 0, "nothing before the client asks");
  await mcp.client.setLoggingLevel("info");
  await mcp.client.callTool({
    name: "execute_sql",
    arguments: { sql: "SELECT firstname FROM cd.members ORDER BY memid LIMIT 1" },
  });
  await mcp.client.callTool({ name: "execute_sql", arguments: { sql: "DELETE FROM cd.members" } });
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(seen.map((s) => [s.level, s.data.tool, s.data.outcome]), [
    ["info", "execute_sql", "ok"],
    ["warning", "execute_sql", "SECURITY_VIOLATION"],
  ]);
  assert.ok(!JSON.stringify(seen).includes("GUEST"), "no row value in a log notification");
  await mcp.client.setLoggingLevel("error");
  await mcp.client.callTool({ name: "execute_sql", arguments: { sql: "DELETE FROM cd.members" } });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(seen.length, 2, "a warning is below the error level the client asked for");
});
