import assert from "node:assert/strict";
import { DEFAULT_BLOCKED_FUNCTIONS } from "../config/blocked_functions.ts";
import { type CatalogRow, functionCatalogFrom } from "../db/function_volatility.ts";
import { ok } from "../errors.ts";
import { createHiddenMatcher, parseHiddenPattern } from "../hidden/patterns.ts";
import { loadSqlParser, type SqlParser } from "./parse.ts";
import { createStatementMemo } from "./statement_memo.ts";
import { checkSql, type SqlPolicy } from "./validate.ts";

const real = await loadSqlParser();

/** The real parser, counting parses. */
function counting(): SqlParser & { parses: number } {
  const p = {
    parses: 0,
    ready: () => real.ready(),
    fingerprint: (sql: string) => real.fingerprint(sql),
    parse: (sql: string) => {
      p.parses++;
      return real.parse(sql);
    },
  };
  return p;
}

const verdict = async (
  sql: string,
  parser: SqlParser,
  policy: SqlPolicy,
  memo = createStatementMemo(),
) => {
  const r = await checkSql(sql, parser, policy, memo);
  return r.ok ? "accepted" : String(r.error.details.reason ?? r.error.code);
};

Deno.test("checkSql() with a memo parses a repeated statement once and gives the same ValidatedSql", async () => {
  const parser = counting();
  const memo = createStatementMemo();
  const policy: SqlPolicy = { blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS) };
  const sql = "SELECT lower(name) FROM s.users u JOIN orders o ON o.uid = u.id WHERE u.id = 1";
  const first = await checkSql(sql, parser, policy, memo);
  const second = await checkSql(sql, parser, policy, memo);
  assert.ok(first.ok && second.ok);
  assert.equal(parser.parses, 1, "parsed once");
  assert.deepEqual({ ...second.value }, { ...first.value });
  assert.ok(Object.isFrozen(second.value.facts.tables), "the shared verdict cannot be changed");
  // Another text, another policy: judged on their own.
  await checkSql(`${sql} `, parser, policy, memo);
  assert.equal(parser.parses, 2);
  const blocking: SqlPolicy = { blockedFunctions: new Set(["lower"]) };
  assert.equal(await verdict(sql, parser, blocking, memo), "blocked_function");
  // Refusals are not kept: judged again.
  assert.equal(await verdict(sql, parser, blocking, memo), "blocked_function");
  assert.equal(parser.parses, 4);
});

Deno.test("checkSql() with a memo applies the catalog as it is now: a function made VOLATILE is refused", async () => {
  const parser = counting();
  const memo = createStatementMemo();
  let rows: CatalogRow[] = [{ kind: "n", name: "bump", schema: "public", field: false }];
  const policy: SqlPolicy = {
    blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS),
    catalog: { load: () => Promise.resolve(ok(functionCatalogFrom(rows))) },
  };
  const sql = "SELECT bump(id) FROM t";
  assert.equal(await verdict(sql, parser, policy, memo), "accepted");
  rows = [{ kind: "f", name: "bump", schema: "public", field: false }]; // CREATE OR REPLACE ... VOLATILE
  assert.equal(await verdict(sql, parser, policy, memo), "volatile_function");
  assert.equal(parser.parses, 1, "the grammar verdict was reused, the catalog rules were not");
});

Deno.test("checkSql() with a memo forgets its verdicts when the role's search path is read again", async () => {
  const parser = counting();
  const memo = createStatementMemo();
  const pattern = parseHiddenPattern("hr.salaries", "table");
  assert.ok(pattern.ok);
  let searchPath: readonly string[] = ["public"];
  const policy: SqlPolicy = {
    blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS),
    hidden: createHiddenMatcher({ tables: [pattern.value], columns: [] }, () => searchPath),
  };
  const sql = "SELECT * FROM salaries";
  assert.equal(
    await verdict(sql, parser, policy, memo),
    "accepted",
    "public.salaries is not hidden",
  );
  assert.equal(await verdict(sql, parser, policy, memo), "accepted");
  assert.equal(parser.parses, 1);
  searchPath = ["hr", "public"]; // now `salaries` may be hr.salaries
  assert.equal(await verdict(sql, parser, policy, memo), "hidden_table");
  assert.equal(parser.parses, 2);
});

Deno.test("the memo keeps at most its entries per policy, and no long statement", async () => {
  const parser = counting();
  const memo = createStatementMemo({ entries: 2, maxChars: 40 });
  const policy: SqlPolicy = { blockedFunctions: new Set() };
  for (const sql of ["SELECT 1", "SELECT 2", "SELECT 3", "SELECT 1"]) {
    await checkSql(sql, parser, policy, memo);
  }
  assert.equal(parser.parses, 4, "SELECT 1 was forgotten when SELECT 3 came");
  const long = `SELECT ${"1 + ".repeat(20)}1`;
  await checkSql(long, parser, policy, memo);
  await checkSql(long, parser, policy, memo);
  assert.equal(parser.parses, 6, "a statement past maxChars is never kept");
});
