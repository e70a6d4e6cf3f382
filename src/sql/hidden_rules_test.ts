import assert from "node:assert/strict";
import { DEFAULT_BLOCKED_FUNCTIONS } from "../config/blocked_functions.ts";
import {
  createHiddenMatcher,
  type HiddenPatterns,
  parseHiddenPattern,
} from "../hidden/patterns.ts";
import { loadSqlParser } from "./parse.ts";
import { type SqlPolicy, validateSql } from "./validate.ts";
import { validateWrite } from "./validate_write.ts";

const parser = await loadSqlParser();

function patterns(tables: string[], columns: string[]): HiddenPatterns {
  const parse = (items: string[], kind: "table" | "column") =>
    items.map((i) => {
      const p = parseHiddenPattern(i, kind);
      if (!p.ok) throw p.error;
      return p.value;
    });
  return { tables: parse(tables, "table"), columns: parse(columns, "column") };
}

/** `searchPath`: the session's schemas; null = unknown (any schema). */
function policyHiding(
  tables: string[],
  columns: string[],
  searchPath: readonly string[] | null = ["pg_catalog", "public"],
): SqlPolicy {
  return {
    blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS),
    hidden: createHiddenMatcher(patterns(tables, columns), () => searchPath ?? undefined),
  };
}

const hiding = policyHiding(["vault", "hr.*"], ["users.ssn", "public.users.salary"]);

function reason(sql: string, p: SqlPolicy = hiding): string {
  const r = validateSql(sql, parser, p);
  if (r.ok) return "accepted";
  return r.error.code === "SECURITY_VIOLATION" ? String(r.error.details.reason) : r.error.code;
}

Deno.test("hidden rules: every form that could read a hidden column or table is refused", () => {
  const cases: [string, string][] = [
    // direct references, qualified or not, through aliases, in any clause
    ["SELECT ssn FROM users", "hidden_column"],
    ["SELECT SSN FROM Users", "hidden_column"],
    ['SELECT "ssn" FROM "users"', "hidden_column"],
    ["SELECT users.ssn FROM users", "hidden_column"],
    ["SELECT public.users.ssn FROM users", "hidden_column"],
    ["SELECT mydb.public.users.ssn FROM public.users", "hidden_column"],
    ["SELECT u.ssn FROM users u", "hidden_column"],
    ["SELECT id FROM users WHERE ssn = '123'", "hidden_column"],
    ["SELECT id FROM users u ORDER BY u.ssn", "hidden_column"],
    ["SELECT count(*) FROM users GROUP BY ssn", "hidden_column"],
    ["SELECT string_agg(name, ',' ORDER BY ssn) FROM users", "hidden_column"],
    ["SELECT count(*) FILTER (WHERE ssn LIKE '1%') FROM users", "hidden_column"],
    ["SELECT rank() OVER (ORDER BY salary) FROM public.users", "hidden_column"],
    ["SELECT (SELECT ssn) FROM users", "hidden_column"],
    [
      "SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM users u WHERE u.ssn = o.ref)",
      "hidden_column",
    ],
    // star and t.*
    ["SELECT * FROM users", "hidden_column"],
    ["TABLE users", "hidden_column"],
    ["SELECT u.* FROM users u", "hidden_column"],
    ["SELECT * FROM orders JOIN users ON users.id = orders.user_id", "hidden_column"],
    [
      "SELECT * FROM orders o, LATERAL (SELECT * FROM users u WHERE u.id = o.user_id) x",
      "hidden_column",
    ],
    ["SELECT id FROM orders UNION ALL SELECT * FROM users", "hidden_column"],
    ["SELECT * FROM users TABLESAMPLE SYSTEM (50)", "hidden_column"],
    // whole-row references
    ["SELECT u FROM users u", "hidden_column"],
    ["SELECT users FROM users", "hidden_column"],
    ["SELECT row_to_json(u) FROM users u", "hidden_column"],
    ["SELECT to_jsonb(u) FROM users u", "hidden_column"],
    ["SELECT u::text FROM users u", "hidden_column"],
    ["SELECT format('%s', u) FROM users u", "hidden_column"],
    ["SELECT json_agg(u) FROM users u", "hidden_column"],
    ["SELECT ROW(u.*) FROM users u", "hidden_column"],
    ["SELECT (u).ssn FROM users u", "hidden_column"],
    ["SELECT (u.*).ssn FROM users u", "hidden_column"],
    ["SELECT ssn(u) FROM users u", "hidden_column"],
    ["SELECT count(*) FROM users u WHERE u > ROW(1)", "hidden_column"],
    [
      "SELECT x FROM orders o, LATERAL jsonb_each(to_jsonb((SELECT u FROM users u LIMIT 1))) x",
      "hidden_column",
    ],
    // subqueries, CTEs and joins over them
    ["SELECT s.x FROM (SELECT ssn AS x FROM users) s", "hidden_column"],
    ["WITH s AS (SELECT * FROM users) SELECT id FROM s", "hidden_column"],
    ["WITH s AS (SELECT u FROM users u) SELECT 1 FROM s", "hidden_column"],
    ["SELECT j.ssn FROM (users JOIN orders USING (id)) AS j", "hidden_column"],
    ["SELECT j FROM (users JOIN orders USING (id)) AS j", "hidden_column"],
    ["SELECT 1 FROM users JOIN orders USING (ssn)", "hidden_column"],
    ["SELECT 1 FROM users NATURAL JOIN orders", "hidden_column"],
    ["SELECT c FROM users AS u(a, b, c)", "hidden_column"],
    ["SELECT c FROM (users JOIN orders USING (id)) AS j(a, b, c)", "hidden_column"],
    // hidden tables, anywhere
    ["SELECT 1 FROM vault", "hidden_table"],
    ["SELECT count(*) FROM public.vault", "hidden_table"],
    ["SELECT 1 WHERE EXISTS (SELECT 1 FROM VAULT)", "hidden_table"],
    ["WITH v AS (SELECT * FROM vault) SELECT 1", "hidden_table"],
    ["SELECT * FROM hr.salaries", "hidden_table"],
    ["SELECT id FROM orders JOIN hr.people p ON p.id = orders.id", "hidden_table"],
    ["EXPLAIN SELECT * FROM vault", "hidden_table"],
    ["SELECT chunk_data FROM pg_toast.pg_toast_16517", "hidden_table"],
    ["SELECT 1 FROM pg_toast_16517", "hidden_table"],
    // statistics, and functions that read by name or run SQL text
    ["SELECT most_common_vals FROM pg_stats WHERE tablename = 'users'", "hidden_statistics"],
    ["SELECT * FROM pg_catalog.pg_stats_ext", "hidden_statistics"],
    ["SELECT * FROM pg_stats_ext_exprs", "hidden_statistics"],
    ["SELECT * FROM pg_statistic", "secret_catalog"],
    ["SELECT table_to_xml('users', true, true, '')", "table_dump_function"],
    ["SELECT query_to_xml('SELECT ssn FROM users', true, true, '')", "sql_text_function"],
  ];
  for (const [sql, expected] of cases) assert.equal(reason(sql), expected, sql);
});

Deno.test("hidden rules: ordinary analytics on the same tables still pass", () => {
  for (
    const sql of [
      "SELECT id, name FROM users",
      "SELECT count(*) FROM users",
      "SELECT count(*), avg(o.total) FROM users u JOIN orders o ON o.user_id = u.id",
      "SELECT u.name, sum(o.total) FROM users u JOIN orders o USING (id) GROUP BY u.name",
      "SELECT * FROM orders",
      "SELECT o.* FROM orders o JOIN users u ON u.id = o.user_id",
      "SELECT * FROM (SELECT id, name FROM users) s",
      "WITH s AS (SELECT id, name FROM users) SELECT * FROM s",
      "SELECT s FROM (SELECT id, name FROM users) s",
      "SELECT row_to_json(s) FROM (SELECT id, name FROM users) s",
      "SELECT ssn FROM other_table",
      "SELECT salary FROM users_archive",
      "SELECT salary FROM finance.users",
      "SELECT 1 FROM orders NATURAL JOIN items",
      "SELECT * FROM pg_tables",
      "SELECT count(*) FROM users WHERE EXISTS (SELECT 1 FROM orders)",
    ]
  ) assert.equal(reason(sql), "accepted", sql);
});

Deno.test("hidden rules: a wildcard table part makes * and whole rows ambiguous everywhere", () => {
  const p = policyHiding([], ["*.password"]);
  assert.equal(reason("SELECT * FROM orders", p), "hidden_column");
  assert.equal(reason("SELECT o FROM orders o", p), "hidden_column");
  assert.equal(reason("SELECT password FROM accounts", p), "hidden_column");
  assert.equal(reason("SELECT a.password FROM accounts a", p), "hidden_column");
  assert.equal(reason("SELECT id, name FROM accounts", p), "accepted");
  const star = validateSql("SELECT * FROM orders", parser, p);
  assert.ok(!star.ok);
  assert.equal(
    star.error.message,
    'Cannot expand "*": "orders" may have hidden columns; name the columns you need',
  );
  assert.deepEqual(star.error.details, { reason: "hidden_column", relation: "orders" });
  const whole = validateSql("SELECT to_jsonb(u) FROM users u", parser, hiding);
  assert.ok(!whole.ok);
  assert.equal(
    whole.error.message,
    'Cannot use the whole row of "u": "users" has hidden columns; name the columns you need',
  );
  assert.equal(reason("SELECT * FROM (SELECT 'x' AS password) s", p), "accepted");
});

Deno.test("hidden rules: refusals name the object", () => {
  const direct = validateSql("SELECT u.ssn FROM users u", parser, hiding);
  assert.ok(!direct.ok);
  assert.equal(direct.error.message, 'Cannot read "u.ssn": it is a hidden column of "users"');
  assert.deepEqual(direct.error.details, {
    reason: "hidden_column",
    relation: "users",
    column: "ssn",
    pattern: "users.ssn",
  });
  const bare = validateSql("SELECT ssn FROM orders JOIN users USING (id)", parser, hiding);
  assert.ok(!bare.ok);
  assert.equal(bare.error.message, 'Cannot read "ssn": "users" has a hidden column of that name');
  const table = validateSql("SELECT 1 FROM hr.people", parser, hiding);
  assert.ok(!table.ok);
  assert.equal(table.error.message, 'Cannot read "hr.people": the table is hidden');
  assert.deepEqual(table.error.details, {
    reason: "hidden_table",
    relation: "hr.people",
    pattern: "hr.*",
  });
});

Deno.test("hidden rules: an unqualified name may be in any schema of the search path", () => {
  const known = policyHiding(["hr.*"], ["hr.people.ssn"]);
  assert.equal(reason("SELECT * FROM salaries", known), "accepted");
  assert.equal(reason("SELECT ssn FROM people", known), "accepted");
  const onPath = policyHiding(["hr.*"], [], ["pg_catalog", "hr", "public"]);
  assert.equal(reason("SELECT * FROM salaries", onPath), "hidden_table");
  const unknown = policyHiding(["hr.*"], ["hr.people.ssn"], null);
  assert.equal(reason("SELECT 1 FROM salaries", unknown), "hidden_table");
  assert.equal(
    reason("SELECT ssn FROM people", policyHiding([], ["hr.people.ssn"], null)),
    "hidden_column",
  );
  assert.equal(reason("SELECT 1 FROM public.salaries", unknown), "accepted");
});

Deno.test("hidden rules: cost nothing and change nothing when nothing is hidden", () => {
  const none = policyHiding([], []);
  for (const sql of ["SELECT * FROM users", "SELECT u FROM users u", "SELECT * FROM pg_stats"]) {
    assert.equal(reason(sql, none), "accepted", sql);
  }
});

Deno.test("hidden rules: write mode reads nothing hidden and writes no table with hidden columns", () => {
  const write = (sql: string) => {
    const r = validateWrite(sql, parser, hiding);
    return r.ok ? "accepted" : String(r.error.details.reason ?? r.error.code);
  };
  assert.equal(write("UPDATE users SET name = 'x' WHERE id = 1"), "hidden_column");
  assert.equal(write("INSERT INTO users (name) VALUES ('x')"), "hidden_column");
  assert.equal(write("DELETE FROM vault WHERE id = 1"), "hidden_table");
  assert.equal(write("INSERT INTO orders (note) SELECT ssn FROM users"), "hidden_column");
  assert.equal(
    write("UPDATE orders SET note = u.ssn FROM users u WHERE u.id = 1"),
    "hidden_column",
  );
  assert.equal(write("DELETE FROM orders USING vault WHERE orders.id = 1"), "hidden_table");
  assert.equal(
    write("UPDATE orders SET note = 'x' FROM users WHERE orders.id = 1 RETURNING *"),
    "hidden_column",
  );
  assert.equal(write("UPDATE orders SET note = 'x' WHERE id = 1 RETURNING *"), "accepted");
});
