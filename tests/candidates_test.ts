/**
 * Several candidates that vote, and ambiguous questions answered with their readings (or asked
 * of the user through MCP elicitation), through the `query` tool against real PostgreSQL.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { createMcpServer } from "../src/mcp/server.ts";
import { connectInMemory } from "./support/in_memory_mcp.ts";
import { checkAnswer, type NlApp, sqlAnswer, startNlApp } from "./support/nl_app.ts";

async function query(nl: NlApp, question: string) {
  await using mcp = await connectInMemory(nl.app.server);
  const r = await mcp.client.callTool({ name: "query", arguments: { question } });
  return { isError: r.isError === true, body: r.structuredContent as Record<string, unknown> };
}

const MEMBERS = "SELECT count(*) AS n FROM cd.members";
const MEMBERS_TOO = "SELECT count(memid) AS members FROM cd.members";
const FACILITIES = "SELECT count(*) AS n FROM cd.facilities";

Deno.test("candidates: two of three agree and win, less confident than a unanimous vote", async () => {
  const split = await (async () => {
    await using nl = await startNlApp([
      sqlAnswer(MEMBERS, 70),
      sqlAnswer(MEMBERS_TOO, 60),
      sqlAnswer(FACILITIES, 95),
      checkAnswer(90),
    ], { env: { LLM_CANDIDATES: "3" } });
    const r = await query(nl, "How many members are there?");
    assert.equal(r.isError, false, JSON.stringify(r.body));
    return r.body;
  })();
  const unanimous = await (async () => {
    await using nl = await startNlApp([
      sqlAnswer(MEMBERS, 70),
      sqlAnswer(MEMBERS_TOO, 60),
      sqlAnswer(MEMBERS, 65),
      checkAnswer(90),
    ], { env: { LLM_CANDIDATES: "3" } });
    return (await query(nl, "How many members are there?")).body;
  })();
  const data = split.data as { rows: unknown[][] };
  assert.deepEqual(data.rows, [["31"]], "the majority's result, not the lone 9");
  assert.notEqual(split.generated_sql, FACILITIES);
  const candidates = split.candidates as {
    sql: string;
    votes: number;
    result_fingerprint: string;
  }[];
  assert.equal(candidates.length, 3);
  assert.deepEqual(candidates.map((c) => c.votes).sort(), [1, 2, 2]);
  const lone = candidates.find((c) => c.sql === FACILITIES)!;
  assert.equal(lone.votes, 1);
  assert.notEqual(
    lone.result_fingerprint,
    candidates.find((c) => c.sql === MEMBERS)!.result_fingerprint,
  );
  assert.equal(split.confidence, 80, "90 from the check, -10 for a 2-of-3 vote");
  assert.match(String(split.confidence_reason), /2 of 3 candidates agree/);
  assert.equal(unanimous.confidence, 90);
  assert.ok((split.confidence as number) < (unanimous.confidence as number));
  assert.deepEqual((unanimous.candidates as { votes: number }[]).map((c) => c.votes), [3, 3, 3]);
});

function ambiguous(): string {
  return JSON.stringify({
    sql: "SELECT count(*) FROM cd.bookings",
    explanation: "guess",
    assumptions: [],
    confidence: 40,
    ambiguous: true,
    interpretations: [
      { meaning: "number of booking records", sql: "SELECT count(*) AS n FROM cd.bookings" },
      { meaning: "number of slots booked", sql: "SELECT sum(slots) AS n FROM cd.bookings" },
    ],
  });
}

Deno.test("ambiguity: the readings come back with their SQL and nothing runs", async () => {
  await using nl = await startNlApp([ambiguous()]);
  const r = await query(nl, "How many bookings are there?");
  assert.equal(r.isError, false);
  assert.equal(r.body.needs_clarification, true);
  assert.equal(r.body.data, undefined, "no guess was run");
  const readings = r.body.interpretations as { meaning: string; sql: string }[];
  assert.deepEqual(readings.map((i) => i.meaning), [
    "number of booking records",
    "number of slots booked",
  ]);
  assert.equal(nl.llm.chatRequests().length, 1, "no result check of a guess");
});

Deno.test("ambiguity: a client that supports elicitation is asked, and its choice runs", async () => {
  await using nl = await startNlApp([ambiguous(), checkAnswer(85)]);
  const server = createMcpServer(nl.app.server, { transport: "stdio", identity: "elicit" });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client(
    { name: "asks", version: "1.0.0" },
    { capabilities: { elicitation: {} } },
  );
  const asked: string[] = [];
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(request.params.message);
    return { action: "accept", content: { meaning: "number of slots booked" } };
  });
  await client.connect(clientSide);
  try {
    const r = await client.callTool({
      name: "query",
      arguments: { question: "How many bookings are there?" },
    });
    // Messages cross as JSON on a real transport: this in-memory pair hands objects over.
    const body = JSON.parse(JSON.stringify(r.structuredContent)) as Record<string, unknown>;
    assert.equal(r.isError, undefined, JSON.stringify(body));
    assert.equal(asked.length, 1);
    assert.match(asked[0], /can mean different things/);
    assert.equal(body.generated_sql, "SELECT sum(slots) AS n FROM cd.bookings");
    const sum = await nl.db.run("SELECT sum(slots) FROM cd.bookings");
    assert.ok(sum.ok);
    assert.deepEqual((body.data as { rows: unknown[][] }).rows, [[sum.value.rows.values()[0][0]]]);
    assert.ok(
      (body.assumptions as string[]).includes("the question means: number of slots booked"),
    );
  } finally {
    await client.close();
    await server.close();
  }
});
