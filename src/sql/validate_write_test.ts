import assert from "node:assert/strict";
import { DEFAULT_BLOCKED_FUNCTIONS } from "../config/blocked_functions.ts";
import { loadSqlParser } from "./parse.ts";
import { validateWrite } from "./validate_write.ts";

const parser = await loadSqlParser();
const policy = { blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS) };

function reason(sql: string): string {
  const r = validateWrite(sql, parser, policy);
  return r.ok ? `accepted:${r.value.operation}` : String(r.error.details.reason ?? r.error.code);
}

Deno.test("validateWrite() accepts one INSERT, UPDATE or DELETE", () => {
  assert.equal(reason("INSERT INTO users (username) VALUES ('dave')"), "accepted:INSERT");
  assert.equal(reason("INSERT INTO users (username) SELECT name FROM other"), "accepted:INSERT");
  assert.equal(reason("UPDATE users SET name = 'x' WHERE id = 1"), "accepted:UPDATE");
  assert.equal(reason("DELETE FROM users WHERE id = 1 RETURNING *"), "accepted:DELETE");
  assert.equal(
    reason("WITH s AS (SELECT 1 AS id) DELETE FROM users WHERE id IN (SELECT id FROM s)"),
    "accepted:DELETE",
  );
  const r = validateWrite("UPDATE s.users SET name = lower(name) WHERE id = 1", parser, policy);
  assert.ok(r.ok);
  assert.equal(r.value.target, "s.users");
});

Deno.test("validateWrite() refuses DDL, TRUNCATE, COPY, GRANT, SET and transaction control", () => {
  const cases: [string, string][] = [
    ["DROP TABLE users", "not_write"],
    ["CREATE TABLE pwn (x int)", "not_write"],
    ["ALTER TABLE users ADD COLUMN x int", "not_write"],
    ["TRUNCATE users", "not_write"],
    ["COPY users FROM '/tmp/x'", "not_write"],
    ["GRANT ALL ON users TO public", "not_write"],
    ["SET statement_timeout = 0", "not_write"],
    ["COMMIT", "not_write"],
    ["SELECT 1", "not_write"],
    ["MERGE INTO users u USING other o ON u.id = o.id WHEN MATCHED THEN DELETE", "not_write"],
    ["DELETE FROM users", "missing_where"],
    ["UPDATE users SET is_admin = true", "missing_where"],
    ["DELETE FROM users WHERE id = 1; DROP TABLE users", "multiple_statements"],
    [
      "WITH d AS (DELETE FROM logs RETURNING *) INSERT INTO users (username) SELECT 'x' FROM d",
      "data_modifying_cte",
    ],
    ["UPDATE pg_authid SET rolsuper = true WHERE rolname = 'x'", "system_catalog_write"],
    ["DELETE FROM pg_catalog.pg_class WHERE oid = 1", "system_catalog_write"],
    ["INSERT INTO users (username) VALUES (pg_read_file('x'))", "blocked_function"],
    [
      "UPDATE users SET name = (SELECT passwd FROM pg_shadow LIMIT 1) WHERE id = 1",
      "secret_catalog",
    ],
    ["", "empty"],
  ];
  for (const [sql, expected] of cases) assert.equal(reason(sql), expected, sql);
});
