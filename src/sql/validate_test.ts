import assert from "node:assert/strict";
import { DEFAULT_BLOCKED_FUNCTIONS } from "../config/blocked_functions.ts";
import { functionCatalogFrom } from "../db/function_volatility.ts";
import { ok } from "../errors.ts";
import { loadSqlParser } from "./parse.ts";
import { checkSql, type SqlPolicy, validateSql } from "./validate.ts";

const parser = await loadSqlParser();
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
    [
      "SELECT dblink_exec('dbname=' || current_database(), 'DROP TABLE users')",
      "sql_text_function",
    ],
    ["SELECT pg_read_file('postgresql.conf')", "blocked_function"],
    [
      "SELECT query_to_xml('SELECT pg_read_file(''postgresql.conf'')', true, true, '')",
      "sql_text_function",
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
      "SELECT public.dblink_connect('x')",
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

Deno.test("validateSql() refuses SQL-text and table-dump functions whatever the blocked list", () => {
  const none: SqlPolicy = { blockedFunctions: new Set() };
  const cases: [string, string][] = [
    ["select database_to_xml(true,true,'')", "table_dump_function"],
    ["SELECT pg_catalog.database_to_xmlschema(true, true, '')", "table_dump_function"],
    ["SELECT database_to_xml_and_xmlschema(false, false, '')", "table_dump_function"],
    ["SELECT schema_to_xml('public', true, true, '')", "table_dump_function"],
    ["SELECT schema_to_xmlschema('public', true, true, '')", "table_dump_function"],
    ["SELECT schema_to_xml_and_xmlschema('public', true, true, '')", "table_dump_function"],
    ["SELECT table_to_xml('users', true, true, '')", "table_dump_function"],
    ["SELECT table_to_xmlschema('users'::regclass, true, true, '')", "table_dump_function"],
    ["SELECT table_to_xml_and_xmlschema('users', true, true, '')", "table_dump_function"],
    ["SELECT * FROM connectby('users', 'id', 'role', '1', 0)", "table_dump_function"],
    ["SELECT * FROM xpath_table('id', 'data', 'users', '/a', 'true')", "table_dump_function"],
    ["SELECT dblink_build_sql_insert('users', '1', 1, '{1}', '{2}')", "table_dump_function"],
    ["SELECT get_raw_page('users', 0)", "table_dump_function"],
    ["SELECT query_to_xml('SELECT 1', true, true, '')", "sql_text_function"],
    ["SELECT query_to_xmlschema('SELECT 1', true, true, '')", "sql_text_function"],
    ["SELECT query_to_xml_and_xmlschema('SELECT 1', true, true, '')", "sql_text_function"],
    ["SELECT cursor_to_xml('c', 1, true, true, '')", "sql_text_function"],
    ["SELECT cursor_to_xmlschema('c', true, true, '')", "sql_text_function"],
    ["SELECT * FROM ts_stat('SELECT to_tsvector(data) FROM users')", "sql_text_function"],
    ["SELECT ts_rewrite('a'::tsquery, 'SELECT t, s FROM aliases')", "sql_text_function"],
    ["SELECT * FROM crosstab('SELECT 1, 2, 3')", "sql_text_function"],
    ["SELECT * FROM public.crosstab2('SELECT 1, 2, 3')", "sql_text_function"],
    ["SELECT * FROM dblink('dbname=x', 'SELECT 1') AS t(x int)", "sql_text_function"],
    [
      "SELECT 1 WHERE EXISTS (SELECT U&\"query_to_\\0078ml\"('x', true, true, ''))",
      "sql_text_function",
    ],
    ["SELECT ts_rewrite('a'::tsquery, 'a'::tsquery, 'b'::tsquery)", "accepted"],
    ["SELECT pg_get_viewdef('pg_tables'::regclass)", "accepted"],
  ];
  for (const [sql, expected] of cases) assert.equal(reason(sql, none), expected, sql);
  const r = validateSql("SELECT database_to_xml(true, true, '')", parser, none);
  assert.ok(!r.ok);
  assert.match(r.error.message, /^Cannot call "database_to_xml": it reads every table/);
  assert.equal(r.error.details.function, "database_to_xml");
});

Deno.test("validateSql() gives each blocked family its own honest reason", async () => {
  const { BLOCKED_FAMILIES } = await import("./blocked_families.ts");
  const sleep = validateSql("SELECT pg_sleep(1)", parser, policy);
  assert.ok(!sleep.ok);
  assert.equal(
    sleep.error.message,
    'Cannot call "pg_sleep": it holds a database connection idle for as long as it sleeps',
  );
  assert.deepEqual(sleep.error.details, {
    reason: "blocked_function",
    function: "pg_sleep",
    family: "sleep",
  });
  const whys = new Set<string>();
  for (const family of BLOCKED_FAMILIES) {
    assert.ok(!/side effect/i.test(family.why), family.family);
    whys.add(family.why);
    for (const name of family.names) {
      const r = validateSql(`SELECT ${name}()`, parser, {
        blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS),
      });
      assert.ok(!r.ok, name);
      assert.ok(
        r.error.details.family === family.family || r.error.details.reason !== "blocked_function",
        name,
      );
    }
  }
  assert.equal(whys.size, BLOCKED_FAMILIES.length, "two families share a reason");
  const custom = validateSql("SELECT my_fn()", parser, { blockedFunctions: new Set(["my_fn"]) });
  assert.ok(!custom.ok);
  assert.equal(custom.error.message, 'Cannot call "my_fn": SECURITY_BLOCKED_FUNCTIONS lists it');
});

Deno.test("validateSql() refuses text PostgreSQL cannot take, naming the position", () => {
  const nul = validateSql("SELECT 1\u0000; DROP TABLE users", parser, policy);
  assert.ok(!nul.ok);
  assert.equal(nul.error.code, "INVALID_INPUT");
  assert.deepEqual(nul.error.details, { reason: "nul_character", position: 9 });
  assert.match(nul.error.message, /NUL character/);
  const lone = validateSql("SELECT 'a\uD800b'", parser, policy);
  assert.ok(!lone.ok);
  assert.equal(lone.error.code, "INVALID_INPUT");
  assert.deepEqual(lone.error.details, { reason: "invalid_unicode", position: 10 });
  const trailing = validateSql("SELECT 'x' -- \uDC00", parser, policy);
  assert.ok(!trailing.ok && trailing.error.code === "INVALID_INPUT");
  assert.equal(reason("SELECT '😀 ü \uFFFF'"), "accepted");
});

Deno.test("validateSql() says why it refuses secret catalogs and row locks", () => {
  const stats = validateSql("SELECT * FROM pg_statistic", parser, policy);
  assert.ok(!stats.ok);
  assert.match(stats.error.message, /sample values of every column/);
  const lock = validateSql("SELECT 1 FROM users FOR UPDATE", parser, policy);
  assert.ok(!lock.ok);
  assert.match(lock.error.message, /block other sessions' writes/);
});
