/**
 * Results that fit the clients (issue 14): every copy of an answer (text content and
 * structuredContent) within MCP_MAX_RESULT_CHARS, cut results continued with a tamper-proof
 * cursor, `max_rows`, the row shape, EXPLAIN rows, and every bad argument as one INVALID_INPUT
 * shape. Over stdio (main.ts with the binary's flags) and in memory (createApp), against real
 * PostgreSQL.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { connectInMemory } from "./support/in_memory_mcp.ts";
import { type Body, callTool } from "./support/mcp_call.ts";
import { sqlAnswer, startNlApp } from "./support/nl_app.ts";
import { loadSample } from "./support/samples.ts";
import { startServer } from "./support/spawn_server.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

const DEFAULT_BUDGET = 100_000;

interface Sized {
  isError: boolean;
  body: Body;
  /** Characters of the text content. */
  textChars: number;
  /** Characters of JSON.stringify(structuredContent). */
  structuredChars: number;
}

async function sized(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Sized> {
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join("");
  return {
    isError: result.isError === true,
    body: result.structuredContent,
    textChars: text.length,
    structuredChars: JSON.stringify(result.structuredContent).length,
  };
}

function assertWithin(r: Sized, budget: number, label: string) {
  assert.ok(r.textChars <= budget, `${label}: text content has ${r.textChars} > ${budget}`);
  assert.ok(
    r.structuredChars <= budget,
    `${label}: structuredContent has ${r.structuredChars} > ${budget}`,
  );
}

/** The token with the first character of its signature changed. */
function tamper(token: string): string {
  const at = token.indexOf(".") + 1;
  return token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
}

Deno.test("execute_sql over stdio: a 1,000,000-row result fits the default budget and pages on exactly", async () => {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  await using server = await startServer({ DATABASE_URL: dbUrl });
  const sql = "SELECT g AS n, md5(g::text) AS h FROM generate_series(1, 1000000) AS g ORDER BY g";
  const first = await sized(server.client, "execute_sql", { sql });
  assert.equal(first.isError, false, JSON.stringify(first.body).slice(0, 500));
  assertWithin(first, DEFAULT_BUDGET, "page 1");
  assert.equal(first.body.truncated, true);
  assert.equal(first.body.truncated_reason, "bytes");
  const rows1 = first.body.data.rows as [number, string][];
  assert.ok(rows1.length > 500, `only ${rows1.length} rows: the budget is barely used`);
  assert.ok(first.structuredChars > DEFAULT_BUDGET * 0.8, "most of the budget is used");
  assert.deepEqual(rows1.map((r) => r[0]), rows1.map((_, i) => i + 1));
  assert.equal(rows1[0][1], await md5(cluster, dbUrl, 1));

  const second = await sized(server.client, "execute_sql", { sql, cursor: first.body.next_cursor });
  assert.equal(second.isError, false, JSON.stringify(second.body).slice(0, 500));
  assertWithin(second, DEFAULT_BUDGET, "page 2");
  assert.equal(second.body.truncated_reason, "bytes");
  const rows2 = second.body.data.rows as [number, string][];
  const start = rows1.length + 1;
  assert.deepEqual(rows2.map((r) => r[0]), rows2.map((_, i) => start + i), "the very next rows");
  assert.equal(rows2[0][1], await md5(cluster, dbUrl, start));
  assert.notEqual(second.body.next_cursor, first.body.next_cursor);
});

async function md5(
  cluster: { psql(db: string, sql: string): Promise<string> },
  url: string,
  n: number,
) {
  return (await cluster.psql(url, `SELECT md5('${n}')`)).trim();
}

Deno.test("results: max_rows, cursors, the row shape and EXPLAIN rows through execute_sql", async (t) => {
  await using nl = await startNlApp([], { env: { SECURITY_MAX_ROWS: "20" } });
  await using mcp = await connectInMemory(nl.app.server);
  const call = (args: Record<string, unknown>) => callTool(mcp.client, "execute_sql", args);
  const expected = await allMemids(nl.dbUrl);

  await t.step(
    "max_rows cuts with truncated_reason rows; the cursor pages on with it",
    async () => {
      const sql = "SELECT memid FROM cd.members ORDER BY memid";
      const seen: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const r = await call({ sql, ...(cursor ? { cursor } : { max_rows: 7 }) });
        assert.equal(r.isError, false, r.text);
        const rows = r.body.data.rows.map((row: unknown[]) => row[0] as number);
        seen.push(...rows);
        cursor = r.body.next_cursor;
        if (!cursor) {
          assert.equal(r.body.truncated, undefined, "the last page is not cut");
          break;
        }
        assert.equal(rows.length, 7, "the cursor keeps max_rows");
        assert.equal(r.body.truncated, true);
        assert.equal(r.body.truncated_reason, "rows");
      }
      assert.deepEqual(seen, expected);
    },
  );

  await t.step("max_rows is capped by SECURITY_MAX_ROWS", async () => {
    const r = await call({ sql: "SELECT g FROM generate_series(1, 100) g", max_rows: 1000 });
    assert.equal(r.body.data.row_count, 20);
    assert.equal(r.body.truncated_reason, "rows");
    const all = await call({ sql: "SELECT g FROM generate_series(1, 100) g" });
    assert.equal(all.body.data.row_count, 20);
    const exact = await call({ sql: "SELECT g FROM generate_series(1, 20) g" });
    assert.equal(exact.body.data.row_count, 20);
    assert.equal(exact.body.truncated, undefined, "exactly the cap is not a cut result");
    assert.equal(exact.body.next_cursor, undefined);
  });

  await t.step("a tampered cursor, or one of other SQL, is refused", async () => {
    const sql = "SELECT memid FROM cd.members ORDER BY memid";
    const page = await call({ sql, max_rows: 2 });
    const cursor = page.body.next_cursor as string;
    for (const bad of [tamper(cursor), "not-a-cursor", `${cursor}.x`]) {
      const r = await call({ sql, cursor: bad });
      assert.equal(r.isError, true);
      assert.equal(r.body.error.code, "INVALID_INPUT");
      assert.equal(r.body.error.details.reason, "bad_token", bad);
    }
    const other = await call({ sql: "SELECT memid FROM cd.members ORDER BY memid DESC", cursor });
    assert.equal(other.body.error.code, "INVALID_INPUT");
    assert.equal(other.body.error.details.reason, "cursor_mismatch");
    const good = await call({ sql, cursor });
    assert.deepEqual(good.body.data.rows, [[expected[2]], [expected[3]]]);
  });

  await t.step("rows are arrays in column order, with names and types beside them", async () => {
    const r = await call({
      sql: "SELECT 9007199254740993::bigint AS big, 12345678901234567890.5::numeric AS num, " +
        "42 AS i, 'é'::text AS t, NULL::int AS nothing, ARRAY[1, NULL]::int[] AS arr, " +
        "'{\"a\": 1}'::jsonb AS doc, '2024-02-29 13:14:15+02'::timestamptz AS at",
    });
    assert.equal(r.isError, false, r.text);
    const { data } = r.body;
    assert.deepEqual(data.columns, ["big", "num", "i", "t", "nothing", "arr", "doc", "at"]);
    assert.deepEqual(data.column_types, [
      "bigint",
      "numeric",
      "integer",
      "text",
      "integer",
      "integer[]",
      "jsonb",
      "timestamp with time zone",
    ]);
    assert.deepEqual(data.rows, [[
      "9007199254740993",
      "12345678901234567890.5",
      42,
      "é",
      null,
      [1, null],
      { a: 1 },
      "2024-02-29T11:14:15+00:00",
    ]]);
    assert.equal(data.row_count, 1);
    assert.equal(typeof data.execution_time, "number");
    assert.equal(
      Math.round(data.execution_time * 1000) / 1000,
      data.execution_time,
      "ms precision",
    );
    assert.ok(!/\d\.\d{4,}/.test(JSON.stringify(data.execution_time)));
  });

  await t.step("EXPLAIN and EXPLAIN (FORMAT JSON) return their plan rows", async () => {
    const text = await call({ sql: "EXPLAIN SELECT 1" });
    assert.equal(text.isError, false, text.text);
    assert.deepEqual(text.body.data.columns, ["QUERY PLAN"]);
    assert.deepEqual(text.body.data.column_types, ["text"]);
    assert.ok(text.body.data.row_count >= 1);
    assert.match(text.body.data.rows[0][0], /^Result {2}\(cost=/);

    const json = await call({ sql: "EXPLAIN (FORMAT JSON) SELECT 1" });
    assert.equal(json.isError, false, json.text);
    assert.deepEqual(json.body.data.column_types, ["json"]);
    assert.equal(json.body.data.row_count, 1);
    assert.equal(json.body.data.rows[0][0][0].Plan["Node Type"], "Result");

    const table = await call({ sql: "EXPLAIN SELECT * FROM cd.members WHERE memid = 1" });
    assert.ok(table.body.data.rows.some((r: string[]) => /members/.test(r[0])), text.text);
    const analyze = await call({ sql: "EXPLAIN ANALYZE SELECT 1" });
    assert.equal(analyze.body.error.code, "SECURITY_VIOLATION");
  });
});

async function allMemids(url: string): Promise<number[]> {
  const cluster = await sharedTestCluster();
  const text = await cluster.psql(
    url,
    "SELECT string_agg(memid::text, ',' ORDER BY memid) FROM cd.members",
  );
  return text.trim().split(",").map(Number);
}

Deno.test("results: a smaller MCP_MAX_RESULT_CHARS bounds execute_sql and query, both copies", async () => {
  const budget = 5_000;
  const wide =
    "SELECT g AS n, repeat('é', 40) AS pad FROM generate_series(1, 5000) AS g ORDER BY g";
  await using nl = await startNlApp([sqlAnswer(wide)], {
    env: { MCP_MAX_RESULT_CHARS: String(budget), LLM_VALIDATE_RESULTS: "false" },
  });
  await using mcp = await connectInMemory(nl.app.server);
  const sqlPage = await sized(mcp.client, "execute_sql", { sql: wide });
  assertWithin(sqlPage, budget, "execute_sql");
  assert.equal(sqlPage.body.truncated_reason, "bytes");
  assert.ok(sqlPage.body.data.row_count > 10);

  const answer = await sized(mcp.client, "query", { question: "Number every row with padding" });
  assert.equal(answer.isError, false, JSON.stringify(answer.body).slice(0, 500));
  assertWithin(answer, budget, "query");
  assert.equal(answer.body.truncated_reason, "bytes");
  const shown = answer.body.data.row_count as number;
  assert.ok(shown > 5);
  // query's cursor continues its generated SQL through execute_sql.
  const next = await sized(mcp.client, "execute_sql", {
    sql: answer.body.generated_sql,
    cursor: answer.body.next_cursor,
  });
  assertWithin(next, budget, "execute_sql after query");
  assert.equal(next.body.data.rows[0][0], shown + 1);
});

Deno.test("results: query on a 1,000,000-row answer stays within the default budget", async () => {
  const sql = "SELECT g AS n FROM generate_series(1, 1000000) AS g ORDER BY g";
  await using nl = await startNlApp([sqlAnswer(sql)], { env: { LLM_VALIDATE_RESULTS: "false" } });
  await using mcp = await connectInMemory(nl.app.server);
  const r = await sized(mcp.client, "query", { question: "Count to a million" });
  assert.equal(r.isError, false, JSON.stringify(r.body).slice(0, 500));
  assertWithin(r, DEFAULT_BUDGET, "query");
  assert.equal(r.body.truncated, true);
  assert.ok(["rows", "bytes"].includes(r.body.truncated_reason));
  assert.equal(typeof r.body.next_cursor, "string");
});

Deno.test("results: every bad argument is one INVALID_INPUT shape; a blank question never reaches the model", async () => {
  await using nl = await startNlApp([], { env: { SECURITY_ALLOW_WRITE_OPERATIONS: "true" } });
  await using mcp = await connectInMemory(nl.app.server);
  const cases: [string, Record<string, unknown>, string, string?][] = [
    ["execute_sql", { sql: 42 }, "invalid_arguments", "sql"],
    ["execute_sql", {}, "invalid_arguments", "sql"],
    ["execute_sql", { sql: `SELECT '${"x".repeat(100_000)}'` }, "invalid_arguments", "sql"],
    ["execute_sql", { sql: "SELECT 1", max_rows: 0 }, "invalid_arguments", "max_rows"],
    ["execute_sql", { sql: "SELECT 1", max_rows: 2.5 }, "invalid_arguments", "max_rows"],
    ["execute_sql", { sql: "SELECT 1", max_rows: "5" }, "invalid_arguments", "max_rows"],
    ["execute_sql", { sql: "SELECT 1", database: "" }, "invalid_arguments", "database"],
    ["execute_sql", { sql: " \n\t  " }, "blank_sql"],
    ["execute_write", { sql: "   " }, "blank_sql"],
    [
      "execute_write",
      { sql: "DELETE FROM cd.bookings WHERE bookid = 1", confirm_token: 1 },
      "invalid_arguments",
      "confirm_token",
    ],
    ["query", { question: "   \n " }, "blank_question"],
    ["query", { question: "" }, "blank_question"],
    ["query", { question: "x".repeat(10_001) }, "invalid_arguments", "question"],
    ["query", { question: 7 }, "invalid_arguments", "question"],
    ["query", { question: "hi", return_type: "csv" }, "invalid_arguments", "return_type"],
    ["describe_table", { table: "" }, "invalid_arguments", "table"],
    ["describe_table", { table: ["members"] }, "invalid_arguments", "table"],
    ["search_schema", { query: "members", limit: 100_000 }, "invalid_arguments", "limit"],
    ["list_tables", { schema: "x".repeat(201) }, "invalid_arguments", "schema"],
    ["no_such_tool", {}, "unknown_tool"],
  ];
  for (const [tool, args, reason, argument] of cases) {
    const label = `${tool} ${JSON.stringify(args).slice(0, 60)}`;
    const r = await callTool(mcp.client, tool, args);
    assert.equal(r.isError, true, label);
    assert.deepEqual(Object.keys(r.body).sort(), ["error", "success"], label);
    assert.equal(r.body.success, false, label);
    assert.deepEqual(Object.keys(r.body.error).sort(), ["code", "details", "message"], label);
    assert.equal(r.body.error.code, "INVALID_INPUT", label);
    assert.equal(r.body.error.details.reason, reason, label);
    assert.match(r.body.error.message, /^Cannot /, label);
    if (argument) {
      const problems = r.body.error.details.problems as { argument: string; problem: string }[];
      assert.ok(problems.some((p) => p.argument === argument), `${label}: ${r.text}`);
    }
  }
  assert.equal(nl.llm.requests.length, 0, "no bad argument reached the model");
  // The server goes on answering.
  const ok = await callTool(mcp.client, "execute_sql", { sql: "SELECT 1 AS one" });
  assert.deepEqual(ok.body.data.rows, [[1]]);
});

Deno.test("results: a later page computes only its own rows, so it is as cheap as the first", async () => {
  // Each row costs a correlated subquery: all 200,000 would take far longer than the 3 s
  // statement timeout, a page of 5 takes milliseconds.
  await using nl = await startNlApp([], { env: { SECURITY_MAX_EXECUTION_TIME: "3" } });
  await using mcp = await connectInMemory(nl.app.server);
  const sql = "SELECT g AS n, (SELECT count(*) FROM generate_series(1, 5000 + g % 7)) AS c " +
    "FROM generate_series(1, 200000) AS g";
  const seen: number[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 3; page++) {
    const r = await callTool(mcp.client, "execute_sql", {
      sql,
      ...(cursor ? { cursor } : { max_rows: 5 }),
    });
    assert.equal(r.isError, false, `page ${page + 1}: ${r.text}`);
    seen.push(...r.body.data.rows.map((row: unknown[]) => row[0]));
    cursor = r.body.next_cursor;
  }
  assert.deepEqual(seen, Array.from({ length: 15 }, (_, i) => i + 1));
});
