import assert from "node:assert/strict";
import { DEFAULT_BLOCKED_FUNCTIONS } from "../config/blocked_functions.ts";
import { functionCatalogFrom } from "../db/function_volatility.ts";
import { ok } from "../errors.ts";
import { createSqlParser } from "./parse.ts";
import { checkSql, type SqlPolicy, validateSql } from "./validate.ts";

const parser = await createSqlParser();
const policy: SqlPolicy = { blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS) };

function reason(sql: string, p: SqlPolicy = policy): string {
  const r = validateSql(sql, parser, p);
  if (r.ok) return "accepted";
  return r.error.code === "SECURITY_VIOLATION" ? String(r.error.details.reason) : r.error.code;
}

Deno.test("validateSql() accepts SELECT in all its forms", () => {
  for (
    const sql of [
      "SELECT 1",
      "select * from users where id = 1",
      "WITH a AS (SELECT 1 AS x) SELECT x FROM a",
      "WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT * FROM t",
      "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT SELECT 4",
      "VALUES (1, 'a'), (2, 'b')",
      "TABLE users",
      "SELECT * FROM users u, LATERAL (SELECT count(*) FROM orders o WHERE o.uid = u.id) c",
      "SELECT rank() OVER (PARTITION BY a ORDER BY b) FROM t",
      "SELECT 1 --",
      "/* hi */ SELECT 1;",
      "EXPLAIN SELECT 1",
      "EXPLAIN (ANALYZE false, VERBOSE) SELECT * FROM t",
      "EXPLAIN (ANALYZE off) SELECT 1",
      'SELECT pg_catalog.now(), random(), U&"\\0072andom"()',
    ]
  ) assert.equal(reason(sql), "accepted", sql);
});

Deno.test("validateSql() refuses every other statement with a stable reason", () => {
  const cases: [string, string][] = [
    ["", "empty"],
    ["-- only a comment", "empty"],
    ["SELECT 1; SELECT 2", "multiple_statements"],
    ["COMMIT; DROP SCHEMA public CASCADE;", "multiple_statements"],
    ["END; DROP TABLE users;", "multiple_statements"],
    ["ROLLBACK; DELETE FROM users;", "multiple_statements"],
    ["ABORT; TRUNCATE users;", "multiple_statements"],
    ["SET TRANSACTION READ WRITE; CREATE TABLE pwn(x int);", "multiple_statements"],
    ["/* hi */ COMMIT; BEGIN READ WRITE; UPDATE users SET is_admin = true;", "multiple_statements"],
    ["COMMIT", "not_select"],
    ["SET statement_timeout = 0", "not_select"],
    ["COPY (SELECT * FROM users) TO PROGRAM 'true'", "not_select"],
    ["DELETE FROM users", "not_select"],
    ["CREATE TABLE pwn(x int)", "not_select"],
    ["DO $$ BEGIN END $$", "not_select"],
    ["EXPLAIN DELETE FROM users", "not_select"],
    ["EXPLAIN ANALYZE DELETE FROM users", "explain_analyze"],
    ["EXPLAIN ANALYZE SELECT 1", "explain_analyze"],
    ["EXPLAIN (ANALYZE) SELECT 1", "explain_analyze"],
    ["EXPLAIN (ANALYZE true) SELECT 1", "explain_analyze"],
    ["WITH d AS (DELETE FROM users RETURNING *) SELECT count(*) FROM d", "data_modifying_cte"],
    [
      "SELECT * FROM (WITH x AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM x) s",
      "data_modifying_cte",
    ],
    [
      "WITH x AS (MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE) SELECT 1",
      "data_modifying_cte",
    ],
    ["SELECT * INTO pwn FROM users", "select_into"],
    ["SELECT * FROM users FOR UPDATE", "locking_clause"],
    ["SELECT * FROM users FOR KEY SHARE SKIP LOCKED", "locking_clause"],
    ["(SELECT * FROM t FOR UPDATE) UNION SELECT 1", "locking_clause"],
    ["SELECT * FROM (SELECT * FROM t FOR NO KEY UPDATE) s", "locking_clause"],
    ["SELECT pg_sleep(1)", "blocked_function"],
    ["SELECT dblink_exec('dbname=' || current_database(), 'DROP TABLE users')", "blocked_function"],
    ["SELECT pg_read_file('postgresql.conf')", "blocked_function"],
    [
      "SELECT query_to_xml('SELECT pg_read_file(''postgresql.conf'')', true, true, '')",
      "blocked_function",
    ],
    ["SELECT set_config('default_transaction_read_only','off',false)", "blocked_function"],
    ["SELECT pg_advisory_lock(1)", "blocked_function"],
    ["SELECT * FROM users WHERE id IN (SELECT pg_sleep(1))", "blocked_function"],
    ["SELECT * FROM generate_series(1, 2) g, LATERAL pg_sleep(g) s", "blocked_function"],
    ["SELECT coalesce(1, (SELECT nextval('s')))", "blocked_function"],
    ["VALUES (pg_terminate_backend(1))", "blocked_function"],
    ["SELECT 1 UNION SELECT lo_import('/tmp/x')", "blocked_function"],
    ["EXPLAIN SELECT pg_sleep(1)", "blocked_function"],
    ["SELECT * FROM pg_authid", "secret_catalog"],
    ["SELECT passwd FROM pg_catalog.pg_shadow", "secret_catalog"],
    ['SELECT * FROM "pg_user_mappings"', "secret_catalog"],
    ["SELECT * FROM information_schema.user_mapping_options", "secret_catalog"],
    ["SELECT (SELECT rolpassword FROM pg_authid LIMIT 1)", "secret_catalog"],
    ["SELECT 1 FROM", "SQL_PARSE_FAILED"],
  ];
  for (const [sql, expected] of cases) assert.equal(reason(sql), expected, sql);
});

Deno.test("validateSql() judges the names the parser decoded: quoted, U& escaped, qualified", () => {
  for (
    const sql of [
      'SELECT U&"pg_te\\0072minate_backend"(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()',
      "SELECT U&\"s\\0065tval\"('users_id_seq', 999)",
      'SELECT "pg_sleep"(1)',
      'SELECT "PG_SLEEP"(1)',
      "SELECT pg_catalog.pg_sleep(1)",
      "SELECT \"pg_catalog\".\"set_config\"('a', 'b', false)",
      "SELECT PG_CATALOG.PG_READ_FILE('x')",
      "SELECT public.dblink('x', 'y')",
    ]
  ) assert.equal(reason(sql), "blocked_function", sql);
  assert.equal(reason('SELECT * FROM "pg_catalog"."pg_authid"'), "secret_catalog");
  assert.equal(reason('SELECT * FROM U&"pg_\\0061uthid"'), "secret_catalog");
  assert.equal(reason("SELECT * FROM myschema.pg_authid"), "accepted");
});

Deno.test("validateSql() reports the operation and names in details", () => {
  const r = validateSql("WITH d AS (DELETE FROM users RETURNING *) SELECT 1", parser, policy);
  assert.ok(!r.ok);
  assert.deepEqual(r.error.details, { reason: "data_modifying_cte", operation: "DELETE" });
  const f = validateSql("SELECT pg_catalog.pg_sleep(1)", parser, policy);
  assert.ok(!f.ok);
  assert.equal(f.error.details.function, "pg_catalog.pg_sleep");
  assert.match(f.error.message, /^Cannot call "pg_sleep"/);
  const m = validateSql("SELECT 1; DROP TABLE x", parser, policy);
  assert.ok(!m.ok);
  assert.deepEqual(m.error.details.operations, ["SELECT", "DROP"]);
});

Deno.test("validateSql() returns the tables and functions it found", () => {
  const r = validateSql(
    "WITH a AS (SELECT id FROM s.users) SELECT lower(x.name) FROM a JOIN orders x USING (id)",
    parser,
    policy,
  );
  assert.ok(r.ok);
  assert.deepEqual(r.value.tables.sort(), ["a", "orders", "s.users"]);
  assert.deepEqual(r.value.functionNames, ["lower"]);
  assert.equal(r.value.kind, "select");
});

Deno.test("validateSql() refuses a statement nested too deeply instead of throwing", () => {
  const deep = "SELECT " + "(".repeat(3000) + "1" + ")".repeat(3000);
  const r = reason(deep);
  assert.ok(r === "too_complex" || r === "SQL_PARSE_FAILED" || r === "accepted", r);
});

const catalog = functionCatalogFrom([
  { kind: "f", name: "random", schema: "pg_catalog", field: false },
  { kind: "f", name: "setseed", schema: "pg_catalog", field: false },
  { kind: "f", name: "bump", schema: "public", field: false },
  { kind: "f", name: "touch", schema: "public", field: true },
  { kind: "f", name: "random", schema: "evil", field: false },
  { kind: "n", name: "lower", schema: "pg_catalog", field: false },
  { kind: "o", name: "###", schema: "public", field: false },
]);
const withCatalog: SqlPolicy = {
  ...policy,
  catalog: { load: () => Promise.resolve(ok(catalog)) },
};

async function catalogReason(sql: string): Promise<string> {
  const r = await checkSql(sql, parser, withCatalog);
  return r.ok ? "accepted" : String(r.error.details.reason ?? r.error.code);
}

Deno.test("checkSql() refuses VOLATILE functions unless harmless, per the catalog", async () => {
  assert.equal(await catalogReason("SELECT lower('A'), pg_catalog.random()"), "accepted");
  assert.equal(await catalogReason("SELECT unknown_fn(1)"), "accepted");
  assert.equal(await catalogReason("SELECT setseed(0.5)"), "volatile_function");
  assert.equal(await catalogReason("SELECT * FROM t WHERE bump(id) > 0"), "volatile_function");
  assert.equal(await catalogReason("SELECT public.bump(1)"), "volatile_function");
  // random is harmless only as pg_catalog's: an unqualified call could reach evil.random.
  assert.equal(await catalogReason("SELECT random()"), "volatile_function");
  assert.equal(await catalogReason("SELECT evil.random()"), "volatile_function");
  assert.equal(await catalogReason("SELECT 1 ### 2"), "volatile_operator");
  assert.equal(await catalogReason("SELECT 1 OPERATOR(public.###) 2"), "volatile_operator");
  assert.equal(await catalogReason("SELECT t.touch FROM t"), "volatile_function");
  assert.equal(await catalogReason("SELECT (t).touch FROM t"), "volatile_function");
  assert.equal(await catalogReason("SELECT t.bump FROM t"), "accepted");
});
