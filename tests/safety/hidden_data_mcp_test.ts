/**
 * Issue 12, hidden data, end to end: main.ts spawned over stdio (the binary's permission flags),
 * the official MCP client, a real PostgreSQL as a superuser (the server is the only guard), and
 * sentinel values in the hidden columns (users.ssn, users.password_hash) and tables (vault,
 * hr.payroll). Every form that could read them is refused with its reason, and no response
 * carries a sentinel, while the same statement run directly as the superuser does return one
 * (so each refusal is what stops a leak). Ordinary analytics on the same tables still work, and
 * the schema tools, resources and the `query` prompt never show the hidden objects.
 */
import assert from "node:assert/strict";
import { rowObjects } from "../support/read_only_db.ts";
import { type FakeLlm, type RecordedRequest, startFakeLlm } from "../support/fake_llm.ts";
import { type RunningServer, startServer } from "../support/spawn_server.ts";
import { sharedTestCluster, type TestCluster, uniqueName } from "../support/test_cluster.ts";
import { HIDDEN_ENV, HIDDEN_TARGET_SQL, SENTINEL } from "./hidden_target.ts";

/** [sql, expected reason, whether the superuser's direct run returns a sentinel]. */
const ATTACKS: readonly [string, string, boolean][] = [
  ["SELECT ssn FROM users", "hidden_column", true],
  ["SELECT u.ssn FROM users u", "hidden_column", true],
  ["SELECT public.users.password_hash FROM users", "hidden_column", true],
  ["SELECT (SELECT password_hash FROM users LIMIT 1)", "hidden_column", true],
  ["SELECT xmlelement(name x, u.password_hash) FROM users u", "hidden_column", true],
  ["SELECT * FROM users", "hidden_column", true],
  ["TABLE users", "hidden_column", true],
  ["SELECT u.* FROM users u", "hidden_column", true],
  ["SELECT u FROM users u", "hidden_column", true],
  ["SELECT row_to_json(u) FROM users u", "hidden_column", true],
  ["SELECT to_jsonb(u) FROM users u", "hidden_column", true],
  ["SELECT u::text FROM users u", "hidden_column", true],
  ["SELECT format('%s', u) FROM users u", "hidden_column", true],
  ["SELECT json_agg(u) FROM users u", "hidden_column", true],
  ["SELECT ROW(u.*)::text FROM users u", "hidden_column", true],
  ["SELECT (u).ssn FROM users u", "hidden_column", true],
  ["SELECT ssn(u) FROM users u", "hidden_column", true],
  ["SELECT s.x FROM (SELECT ssn AS x FROM users) s", "hidden_column", true],
  ["WITH s AS (SELECT * FROM users) SELECT * FROM s", "hidden_column", true],
  ["SELECT * FROM orders o JOIN users u ON u.id = o.user_id", "hidden_column", true],
  [
    "SELECT * FROM orders o, LATERAL (SELECT u FROM users u WHERE u.id = o.user_id) x",
    "hidden_column",
    true,
  ],
  [
    "SELECT j.ssn FROM (users JOIN orders ON orders.user_id = users.id) AS j",
    "hidden_column",
    true,
  ],
  ["SELECT d FROM users AS x(a, b, c, d)", "hidden_column", true],
  ["SELECT count(*) FROM users WHERE ssn LIKE 'SSN%'", "hidden_column", false],
  ["SELECT name FROM users ORDER BY ssn LIMIT 1", "hidden_column", false],
  ["SELECT u1.id FROM users u1 JOIN users u2 USING (ssn)", "hidden_column", false],
  ["SELECT 1 FROM users NATURAL JOIN users AS u2", "hidden_column", false],
  ["SELECT * FROM vault", "hidden_table", true],
  ["SELECT count(*) FROM vault", "hidden_table", false],
  ["SELECT (SELECT v FROM vault v)::text", "hidden_table", true],
  ["SELECT * FROM hr.payroll", "hidden_table", true],
  ["EXPLAIN SELECT * FROM vault", "hidden_table", false],
  [
    "SELECT histogram_bounds::text FROM pg_stats WHERE tablename = 'users'",
    "hidden_statistics",
    true,
  ],
  ["SELECT database_to_xml(true, true, '')", "table_dump_function", true],
  ["SELECT schema_to_xml('public', true, true, '')", "table_dump_function", true],
  ["SELECT table_to_xml('users', true, true, '')", "table_dump_function", true],
  ["SELECT table_to_xml('vault', true, true, '')", "table_dump_function", true],
  ["SELECT query_to_xml('SELECT ssn FROM users', true, true, '')", "sql_text_function", true],
  [
    "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', ssn) FROM users')",
    "sql_text_function",
    true,
  ],
  [
    "SELECT ts_rewrite('a'::tsquery, 'SELECT plainto_tsquery(''simple'', ''a''), " +
    "plainto_tsquery(''simple'', ssn) FROM users LIMIT 1')::text",
    "sql_text_function",
    true,
  ],
  ["SELECT cursor_to_xml('c', 1, true, true, '')", "sql_text_function", false],
];

/** What the superuser gets running `sql` directly ("" when it fails). */
async function rawRun(cluster: TestCluster, db: string, sql: string): Promise<string> {
  try {
    return await cluster.psql(db, sql);
  } catch {
    return "";
  }
}

interface Call {
  isError: boolean;
  structured: Record<string, unknown>;
  text: string;
}

async function call(server: RunningServer, name: string, args: Record<string, unknown>) {
  const r = await server.client.callTool({ name, arguments: args });
  const text = (r.content as { type: string; text: string }[]).map((c) => c.text).join("\n");
  return {
    isError: r.isError === true,
    structured: (r.structuredContent ?? {}) as Record<string, unknown>,
    text,
  } satisfies Call;
}

function errorOf(r: Call): { code: string; message: string; details: Record<string, unknown> } {
  return r.structured.error as { code: string; message: string; details: Record<string, unknown> };
}

async function setup(): Promise<{ cluster: TestCluster; db: string; url: string }> {
  const cluster = await sharedTestCluster();
  const db = uniqueName("hidden");
  const url = await cluster.createDatabase(db, { sql: [HIDDEN_TARGET_SQL] });
  return { cluster, db, url };
}

Deno.test("execute_sql: no form reads a hidden column or table, as superuser, and analytics still work", async () => {
  const { cluster, db, url } = await setup();
  await using server = await startServer({ DATABASE_URL: url, ...HIDDEN_ENV });
  const toast = (await cluster.psql(
    db,
    "SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 'users'",
  )).trim();
  const attacks: [string, string, boolean][] = [
    ...ATTACKS,
    [
      `SELECT convert_from(string_agg(chunk_data, ''::bytea ORDER BY chunk_seq), 'UTF8') ` +
      `FROM ${toast}`,
      "hidden_table",
      true,
    ],
  ];
  const wrong: string[] = [];
  for (const [sql, reason, leaksRaw] of attacks) {
    const raw = await rawRun(cluster, db, sql);
    if (SENTINEL.test(raw) !== leaksRaw) wrong.push(`direct run of ${sql}: leaks=${!leaksRaw}`);
    const r = await call(server, "execute_sql", { sql });
    if (SENTINEL.test(r.text) || SENTINEL.test(JSON.stringify(r.structured))) {
      wrong.push(`LEAKED: ${sql}`);
    }
    const error = r.isError ? errorOf(r) : undefined;
    const got = error?.code === "SECURITY_VIOLATION" ? error.details.reason : error?.code ?? "ran";
    if (got !== reason) wrong.push(`${sql}: ${got}, expected ${reason}`);
    else if (!/^Cannot /.test(error?.message ?? "")) wrong.push(`${sql}: ${error?.message}`);
  }
  assert.deepEqual(wrong, []);

  const rows = async (sql: string) => {
    const r = await call(server, "execute_sql", { sql });
    assert.equal(r.isError, false, `${sql}: ${r.text}`);
    return rowObjects(r.structured.data as { columns: string[]; rows: unknown[][] });
  };
  assert.deepEqual(await rows("SELECT count(*) AS n FROM users"), [{ n: "50" }]);
  assert.deepEqual(await rows("SELECT id, name, email FROM users ORDER BY id LIMIT 1"), [
    { id: 1, name: "user1", email: "u1@example.test" },
  ]);
  assert.deepEqual(
    await rows(
      "SELECT u.name, count(o.id) AS orders, sum(o.total) AS total FROM users u " +
        "JOIN orders o ON o.user_id = u.id GROUP BY u.name ORDER BY u.name LIMIT 1",
    ),
    [{ name: "user1", orders: "4", total: "5000" }],
  );
  assert.deepEqual(await rows("SELECT * FROM orders ORDER BY id LIMIT 1"), [
    { id: 1, user_id: 2, total: "10", note: "order 1" },
  ]);
  assert.deepEqual(
    await rows("SELECT row_to_json(s) AS r FROM (SELECT id, name FROM users WHERE id = 2) s"),
    [{ r: { id: 2, name: "user2" } }],
  );
  assert.deepEqual(
    await rows(
      "SELECT count(*) AS n FROM orders o WHERE EXISTS (SELECT 1 FROM users u " +
        "WHERE u.id = o.user_id AND u.email LIKE 'u1%')",
    ),
    [{ n: "44" }],
  );
});

Deno.test("schema tools, resources and the query prompt never show hidden objects", async () => {
  const { url } = await setup();
  const prompts: string[] = [];
  const llm: FakeLlm = startFakeLlm([], {
    fallback: (request: RecordedRequest) => {
      prompts.push(JSON.stringify(request.body?.messages ?? []));
      const asksSsn = prompts[prompts.length - 1].includes("social security");
      return JSON.stringify({
        sql: asksSsn ? "SELECT ssn FROM users" : "SELECT count(*) AS n FROM users",
        explanation: "scripted",
        assumptions: [],
        confidence: 90,
      });
    },
  });
  try {
    await using server = await startServer({
      DATABASE_URL: url,
      ...HIDDEN_ENV,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: llm.url,
      OPENAI_MODEL: "scripted-model",
      LLM_VALIDATE_RESULTS: "false",
      LLM_MAX_ATTEMPTS: "1",
      RESILIENCE_MAX_RETRIES: "0",
    });
    const shown: string[] = [];
    const tables = await call(server, "list_tables", {});
    assert.equal(tables.isError, false, tables.text);
    assert.deepEqual(
      (tables.structured.tables as { schema: string; name: string }[])
        .map((t) => `${t.schema}.${t.name}`).sort(),
      ["public.orders", "public.users"],
    );
    shown.push(tables.text);
    const users = await call(server, "describe_table", { table: "users" });
    assert.equal(users.isError, false, users.text);
    assert.deepEqual(
      (users.structured.columns as { name: string }[]).map((c) => c.name),
      ["id", "name", "email"],
    );
    shown.push(users.text);
    const orders = await call(server, "describe_table", { table: "orders" });
    shown.push(orders.text);
    for (const table of ["vault", "payroll"]) {
      const hidden = await call(server, "describe_table", { table });
      assert.equal(errorOf(hidden).code, "NOT_FOUND", hidden.text);
    }
    const search = await call(server, "search_schema", { query: "ssn password vault payroll" });
    shown.push(search.text);
    const schemas = await call(server, "list_schemas", {});
    assert.deepEqual((schemas.structured.schemas as { name: string }[]).map((x) => x.name), [
      "public",
    ]);
    shown.push(schemas.text);
    const overview = await server.client.readResource({ uri: "schema://default/overview" });
    shown.push(JSON.stringify(overview));
    const listed = await server.client.listResources();
    shown.push(JSON.stringify(listed));
    const resource = await server.client.readResource({
      uri: "schema://default/table/public/users",
    });
    shown.push(JSON.stringify(resource));

    const answer = await call(server, "query", { question: "How many users are there?" });
    assert.equal(answer.isError, false, answer.text);
    const refused = await call(server, "query", { question: "List the social security numbers" });
    assert.equal(errorOf(refused).details.reason, "hidden_column", refused.text);
    assert.equal(SENTINEL.test(refused.text), false);
    assert.equal(prompts.length, 2);
    shown.push(...prompts);

    for (const text of shown) {
      for (const name of ["ssn", "password_hash", "vault", "payroll", "users_ssn"]) {
        assert.equal(new RegExp(`\\b${name}\\b`, "i").test(text), false, `${name} in ${text}`);
      }
    }
  } finally {
    await llm.close();
  }
});

Deno.test("tools refuse text PostgreSQL cannot take as INVALID_INPUT before asking anyone", async () => {
  const { url } = await setup();
  const llm = startFakeLlm([]);
  try {
    await using server = await startServer({
      DATABASE_URL: url,
      ...HIDDEN_ENV,
      SECURITY_ALLOW_WRITE_OPERATIONS: "true",
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: llm.url,
      OPENAI_MODEL: "scripted-model",
    });
    const inputs: [string, Record<string, unknown>, string][] = [
      ["execute_sql", { sql: "SELECT 1\u0000; DROP TABLE users" }, "nul_character"],
      ["execute_sql", { sql: "SELECT 'a\uD800'" }, "invalid_unicode"],
      ["execute_write", { sql: "DELETE FROM orders WHERE id = 1\u0000" }, "nul_character"],
      ["query", { question: "How many users?\u0000" }, "nul_character"],
      ["query", { question: "How many \uDFFF users?" }, "invalid_unicode"],
    ];
    for (const [tool, args, reason] of inputs) {
      const r = await call(server, tool, args);
      const error = errorOf(r);
      assert.equal(error?.code, "INVALID_INPUT", `${tool}: ${r.text}`);
      assert.equal(error.details.reason, reason, tool);
      assert.match(error.message, /^Cannot read the (SQL|question): /);
    }
    assert.equal(llm.requests.length, 0, "the model was asked");
    const sleep = await call(server, "execute_sql", { sql: "SELECT pg_sleep(5)" });
    assert.equal(
      errorOf(sleep).message,
      'Cannot call "pg_sleep": it holds a database connection idle for as long as it sleeps',
    );
  } finally {
    await llm.close();
  }
});

Deno.test("execute_write: no write to a table with hidden columns or to a hidden table", async () => {
  const { cluster, db, url } = await setup();
  // Directly, a failed write reports the whole row, hidden values included.
  const direct = await cluster.psql(db, "BEGIN; UPDATE users SET name = NULL WHERE id = 1;")
    .then(() => "", (e: Error) => e.message);
  assert.match(direct, /Failing row contains .*SSN-SENTINEL-1/);
  await using server = await startServer({
    DATABASE_URL: url,
    ...HIDDEN_ENV,
    SECURITY_ALLOW_WRITE_OPERATIONS: "true",
  });
  const cases: [string, string][] = [
    ["UPDATE users SET name = NULL WHERE id = 1", "hidden_column"],
    ["INSERT INTO users (id, name) VALUES (1, 'dup')", "hidden_column"],
    ["DELETE FROM vault WHERE id = 1", "hidden_table"],
    [
      "UPDATE orders SET note = u.ssn FROM users u WHERE u.id = orders.user_id AND orders.id = 1",
      "hidden_column",
    ],
    ["INSERT INTO orders (id, note) SELECT 999, secret FROM vault", "hidden_table"],
  ];
  for (const [sql, reason] of cases) {
    const r = await call(server, "execute_write", { sql });
    assert.equal(errorOf(r)?.details.reason, reason, `${sql}: ${r.text}`);
    assert.equal(SENTINEL.test(r.text), false, sql);
  }
  const ok = await call(server, "execute_write", {
    sql: "UPDATE orders SET note = 'x' WHERE id = 1",
  });
  assert.equal(ok.isError, false, ok.text);
});
