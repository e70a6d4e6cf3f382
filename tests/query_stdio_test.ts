/**
 * Issue 2 end to end: main.ts spawned over stdio with the binary's permission flags, the
 * official MCP client, a real PostgreSQL (pgexercises) and the real openai client talking to a
 * scripted OpenAI-compatible server.
 */
import assert from "node:assert/strict";
import { type FakeLlm, type RecordedRequest, startFakeLlm } from "./support/fake_llm.ts";
import { rowObjects } from "./support/read_only_db.ts";
import { loadSample } from "./support/samples.ts";
import { type RunningServer, startServer } from "./support/spawn_server.ts";
import { sharedTestCluster, type TestCluster } from "./support/test_cluster.ts";

/** Answers each question with the SQL mapped to a phrase it contains. */
function sqlFor(answers: Record<string, string>) {
  return (request: RecordedRequest) => {
    const messages = request.body?.messages ?? [];
    const user = [...messages].reverse().find((m) => m.role === "user");
    const text = String(user?.content ?? "");
    const hit = Object.entries(answers).find(([phrase]) => text.includes(phrase));
    if (!hit) return { status: 500, message: `no scripted answer for: ${text.slice(0, 80)}` };
    if (hit[1].startsWith("```")) return hit[1]; // a plain-text answer, fenced, with prose
    return JSON.stringify({
      sql: hit[1],
      explanation: "scripted",
      assumptions: [],
      confidence: 90,
    });
  };
}

const ANSWERS: Record<string, string> = {
  "How many members": "SELECT count(*) AS members FROM cd.members",
  "Delete the bookings": "DELETE FROM cd.bookings",
  "Drop the members": "COMMIT; DROP TABLE cd.members",
  "Which facilities cost": "```sql\nSELECT name, membercost FROM cd.facilities\n" +
    "WHERE membercost > 0 ORDER BY facid;\n```\nThese are the facilities with a fee.",
  "Divide by zero": "SELECT 1 / (SELECT count(*) - count(*) FROM cd.members) AS boom",
  "All bookings": "SELECT bookid FROM cd.bookings ORDER BY bookid",
  "Every type": `SELECT 1::smallint AS i2, 2147483647::int AS i4, 9007199254740993::bigint AS i8,
    12345678901234567890.123456789::numeric AS num, 1.5::real AS f4, 0.1::float8 AS f8,
    'NaN'::float8 AS nan, true AS b, 'héllo'::text AS t, 'x'::varchar(3) AS vc,
    '2024-02-29'::date AS d, '2024-02-29 13:14:15.123456'::timestamp AS ts,
    '2024-02-29 13:14:15.5+02'::timestamptz AS tstz, '13:14:15'::time AS tm,
    '1 day 02:03:04'::interval AS iv, '\\x00ff10'::bytea AS by,
    ARRAY[1, 2, NULL]::int[] AS arr, ARRAY['a', 'b c']::text[] AS tarr,
    '{"k": [1, 2.50, null]}'::jsonb AS jb, '{"a":1}'::json AS js,
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, '192.168.0.1/24'::inet AS ip,
    NULL::int AS nothing, 12.34::money AS m`,
};

/** `data` of an answer: column names, their types, one array per row. */
interface Data {
  columns: string[];
  column_types: string[];
  rows: unknown[][];
  row_count: number;
}

interface Ctx {
  cluster: TestCluster;
  dbUrl: string;
  llm: FakeLlm;
}

async function setup(): Promise<Ctx> {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  const llm = startFakeLlm([], { fallback: sqlFor(ANSWERS) });
  return { cluster, dbUrl, llm };
}

function serverEnv(ctx: Ctx, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: ctx.dbUrl,
    OPENAI_API_KEY: "sk-test-secret-key",
    OPENAI_BASE_URL: ctx.llm.url,
    OPENAI_MODEL: "scripted-model",
    LLM_VALIDATE_RESULTS: "false",
    LLM_MAX_ATTEMPTS: "1",
    RESILIENCE_MAX_RETRIES: "0",
    OBSERVABILITY_LOG_LEVEL: "DEBUG",
    ...extra,
  };
}

async function ask(server: RunningServer, question: string, returnType?: "result" | "sql") {
  const result = await server.client.callTool({
    name: "query",
    arguments: { question, ...(returnType ? { return_type: returnType } : {}) },
  });
  const content = result.content as { type: string; text: string }[];
  const structured = result.structuredContent as Record<string, unknown>;
  return { result, content, structured };
}

/** The JSON object inside the text content (which may be fenced by a boundary line). */
function textJson(content: { type: string; text: string }[]): unknown {
  const text = content.map((c) => c.text).join("\n");
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  return JSON.parse(text.slice(start, end + 1));
}

async function count(ctx: Ctx, sql: string): Promise<number> {
  return Number((await ctx.cluster.psql(ctx.dbUrl, sql)).trim());
}

Deno.test("query over stdio: answers, refuses writes, sql-only, types, stderr-only logs", async (t) => {
  const ctx = await setup();
  await using server = await startServer(serverEnv(ctx));
  try {
    await t.step("lists the query tool with its annotations and output schema", async () => {
      const { tools } = await server.client.listTools();
      const query = tools.find((tool) => tool.name === "query");
      assert.ok(query, "query tool listed");
      assert.equal(query.annotations?.readOnlyHint, true);
      assert.equal(query.annotations?.destructiveHint, false);
      assert.equal(query.outputSchema?.type, "object");
      assert.ok(Object.keys(query.outputSchema?.properties ?? {}).includes("generated_sql"));
    });

    await t.step("answers a question with rows that match the database", async () => {
      const { result, content, structured } = await ask(server, "How many members are there?");
      assert.notEqual(result.isError, true);
      assert.equal(structured.success, true);
      assert.equal(structured.generated_sql, ANSWERS["How many members"]);
      const data = structured.data as Data;
      assert.equal(data.row_count, 1);
      assert.deepEqual(data.columns, ["members"]);
      assert.deepEqual(data.column_types, ["bigint"]);
      assert.equal(
        data.rows[0][0],
        String(await count(ctx, "SELECT count(*) FROM cd.members")),
      );
      assert.equal(typeof structured.confidence, "number");
      assert.ok((structured.tokens_used as number) > 0);
      assert.deepEqual(textJson(content), structured, "text content carries the same JSON");
    });

    await t.step("pulls SQL out of a fenced answer with prose and a semicolon", async () => {
      const { structured } = await ask(server, "Which facilities cost members money?");
      assert.equal(structured.success, true);
      const data = structured.data as Data;
      const rows = rowObjects(data);
      const expected = await ctx.cluster.psql(
        ctx.dbUrl,
        "SELECT string_agg(name, '|' ORDER BY facid) FROM cd.facilities WHERE membercost > 0",
      );
      assert.equal(rows.map((r) => r.name).join("|"), expected.trim());
      assert.equal(typeof rows[0].membercost, "string", "numeric stays exact, as a string");
    });

    await t.step("a DELETE from the model never reaches the database", async () => {
      const before = await count(ctx, "SELECT count(*) FROM cd.bookings");
      const { result, structured, content } = await ask(server, "Delete the bookings please");
      assert.equal(result.isError, true);
      const error = structured.error as { code: string; details: { reason: string } };
      assert.equal(error.code, "SECURITY_VIOLATION");
      assert.equal(error.details.reason, "not_select");
      assert.deepEqual(textJson(content), structured);
      assert.equal(await count(ctx, "SELECT count(*) FROM cd.bookings"), before);
      assert.ok(before > 0);
    });

    await t.step("COMMIT; DROP TABLE from the model never reaches the database", async () => {
      const { result, structured } = await ask(server, "Drop the members table");
      assert.equal(result.isError, true);
      const error = structured.error as { code: string; details: { reason: string } };
      assert.equal(error.code, "SECURITY_VIOLATION");
      assert.equal(error.details.reason, "multiple_statements");
      assert.equal(await count(ctx, "SELECT count(*) FROM cd.members"), 31);
    });

    await t.step("return_type sql writes the SQL and runs nothing", async () => {
      // Running it fails with division by zero (planning does not: the divisor is a subquery),
      // so success proves it did not run.
      const { result, structured } = await ask(server, "Divide by zero", "sql");
      assert.notEqual(result.isError, true);
      assert.deepEqual(
        Object.keys(structured).sort(),
        [
          ...Object.keys(structured).filter((k) =>
            !["success", "generated_sql", "confidence", "tokens_used"].includes(k)
          ),
          "confidence",
          "generated_sql",
          "success",
          "tokens_used",
        ].sort(),
      );
      assert.equal(structured.data, undefined);
      assert.equal(structured.generated_sql, ANSWERS["Divide by zero"]);
      const ran = await ask(server, "Divide by zero");
      assert.equal(ran.result.isError, true);
      assert.equal((ran.structured.error as { code: string }).code, "DB_FAILED");
    });

    await t.step("converts every common column type to exact JSON", async () => {
      const { structured } = await ask(server, "Every type of column");
      assert.equal(structured.success, true, JSON.stringify(structured));
      const data = structured.data as Data;
      assert.ok(Array.isArray(data.rows[0]), "each row is an array of values in column order");
      const row = rowObjects(data)[0];
      assert.deepEqual(row, {
        i2: 1,
        i4: 2147483647,
        i8: "9007199254740993",
        num: "12345678901234567890.123456789",
        f4: 1.5,
        f8: 0.1,
        nan: "NaN",
        b: true,
        t: "héllo",
        vc: "x",
        d: "2024-02-29",
        ts: "2024-02-29T13:14:15.123456",
        tstz: "2024-02-29T11:14:15.5+00:00",
        tm: "13:14:15",
        iv: "P1DT2H3M4S",
        by: "\\x00ff10",
        arr: [1, 2, null],
        tarr: ["a", "b c"],
        jb: { k: [1, 2.5, null] },
        js: { a: 1 },
        u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        ip: "192.168.0.1/24",
        nothing: null,
        m: "$12.34",
      });
      const types = Object.fromEntries(data.columns.map((c, i) => [c, data.column_types[i]]));
      assert.equal(types.i8, "bigint");
      assert.equal(types.tstz, "timestamp with time zone");
      assert.equal(types.arr, "integer[]");
      assert.equal(types.jb, "jsonb");
    });

    await t.step("sends the schema and the question to the model with the configured model", () => {
      const chat = ctx.llm.chatRequests();
      assert.ok(chat.length >= 6);
      const body = chat[0].body!;
      assert.equal(body.model, "scripted-model");
      assert.equal(body.temperature, 0);
      assert.equal(chat[0].headers.authorization, "Bearer sk-test-secret-key");
      const prompt = JSON.stringify(body.messages);
      assert.match(prompt, /members/);
      assert.match(prompt, /bookings/);
    });

    await t.step("stderr carries only JSON log lines, without the API key or rows", () => {
      assert.ok(server.stderr.length > 0);
      for (const line of server.stderr) {
        const record = JSON.parse(line);
        assert.equal(typeof record.level, "string");
        assert.equal(typeof record.event, "string");
      }
      const all = server.stderr.join("\n");
      assert.ok(!all.includes("sk-test-secret-key"), "API key never logged");
      assert.ok(!all.includes("héllo"), "rows never logged");
    });
  } finally {
    await ctx.llm.close();
  }
});

Deno.test("query over stdio: the row cap truncates and says so", async () => {
  const ctx = await setup();
  try {
    await using server = await startServer(serverEnv(ctx, { SECURITY_MAX_ROWS: "5" }));
    const { structured } = await ask(server, "All bookings in order");
    assert.equal(structured.success, true);
    const data = structured.data as Data;
    assert.equal(structured.truncated, true);
    assert.equal(structured.truncated_reason, "rows");
    assert.equal(typeof structured.next_cursor, "string");
    assert.equal(data.row_count, 5);
    const first = await ctx.cluster.psql(
      ctx.dbUrl,
      "SELECT string_agg(bookid::text, ',') FROM (SELECT bookid FROM cd.bookings ORDER BY bookid LIMIT 5) b",
    );
    assert.equal(data.rows.map((r) => r[0]).join(","), first.trim());

    // The cursor continues the generated SQL through execute_sql, with the next rows.
    const next = await server.client.callTool({
      name: "execute_sql",
      arguments: { sql: structured.generated_sql, cursor: structured.next_cursor },
    });
    const page = next.structuredContent as { success: boolean; data: Data };
    assert.equal(page.success, true, JSON.stringify(page));
    const second = await ctx.cluster.psql(
      ctx.dbUrl,
      "SELECT string_agg(bookid::text, ',') FROM (SELECT bookid FROM cd.bookings ORDER BY bookid OFFSET 5 LIMIT 5) b",
    );
    assert.equal(page.data.rows.map((r) => r[0]).join(","), second.trim());

    const small = await ask(server, "How many members are there?");
    assert.equal(small.structured.truncated, undefined, "no flag when under the cap");
  } finally {
    await ctx.llm.close();
  }
});

Deno.test("query without OPENAI_API_KEY answers LLM_NOT_CONFIGURED and the server goes on", async () => {
  const ctx = await setup();
  try {
    await using server = await startServer(serverEnv(ctx, { OPENAI_API_KEY: "" }));
    for (let i = 0; i < 2; i++) {
      const { result, structured } = await ask(server, "How many members are there?");
      assert.equal(result.isError, true);
      assert.equal((structured.error as { code: string }).code, "LLM_NOT_CONFIGURED");
    }
    assert.equal(ctx.llm.requests.length, 0);
  } finally {
    await ctx.llm.close();
  }
});
