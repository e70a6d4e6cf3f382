import assert from "node:assert/strict";
import { checkPrompt, cut, repairMessage, sqlPrompt } from "./prompts.ts";

Deno.test("sqlPrompt() gives the rules, the schema, the examples and the question", () => {
  const [system, user] = sqlPrompt("TABLE t (a int);", "How many?", [
    { question: "Count t", sql: "SELECT count(*) FROM t" },
  ]);
  assert.equal(system.role, "system");
  assert.match(system.content, /read-only/);
  assert.match(system.content, /Quote identifiers/);
  assert.match(system.content, /LIMIT/);
  assert.match(system.content, /Schema:\nTABLE t \(a int\);/);
  assert.match(system.content, /Question: Count t\nSQL: SELECT count\(\*\) FROM t/);
  assert.deepEqual(user, { role: "user", content: "How many?" });
});

Deno.test("sqlPrompt() has no examples section without examples", () => {
  assert.doesNotMatch(sqlPrompt("s", "q")[0].content, /Examples/);
});

Deno.test("repairMessage() carries PostgreSQL's message, hint, detail and a marker at the position", () => {
  const sql = "SELECT a,\n  nam FROM t";
  const m = repairMessage(sql, {
    code: "DB_FAILED",
    message: 'column "nam" does not exist',
    sqlstate: "42703",
    hint: 'Perhaps you meant to reference the column "t.name".',
    detail: "some detail",
    position: 13,
  });
  assert.equal(m.role, "user");
  assert.match(m.content, /PostgreSQL rejected that query \(SQLSTATE 42703\): column "nam"/);
  assert.match(m.content, /DETAIL: some detail/);
  assert.match(m.content, /HINT: Perhaps you meant/);
  assert.match(m.content, /At character 13:\n {2}nam FROM t\n {2}\^/);
});

Deno.test("repairMessage() asks for a cheaper query after a timeout and explains an unusable answer", () => {
  assert.match(
    repairMessage("SELECT 1", { code: "DB_TIMEOUT", message: "canceling statement" }).content,
    /ran out of time/,
  );
  assert.match(
    repairMessage(undefined, { code: "LLM_BAD_OUTPUT", message: "Cannot find SQL" }).content,
    /could not be used: Cannot find SQL/,
  );
});

Deno.test("checkPrompt() shows columns, row count, the sample and cuts long values", () => {
  const [, user] = checkPrompt({
    question: "Q?",
    sql: "SELECT a, b FROM t",
    columns: [{ name: "a", type: "text" }, { name: "b", type: "int4" }],
    rowCount: 500,
    truncated: true,
    sampleRows: [{ a: "x".repeat(300), b: 1 }],
    maxValueChars: 10,
  });
  assert.match(user.content, /Columns: a \(text\), b \(int4\)/);
  assert.match(user.content, /Row count: 500 \(cut at the row cap\)/);
  assert.match(user.content, /Sample rows \(1\):\n\{"a":"xxxxxxxxxx…","b":1\}/);
});

Deno.test("cut() shortens long strings and JSON but keeps numbers, booleans and null", () => {
  assert.equal(cut("abcdef", 3), "abc…");
  assert.equal(cut("abc", 3), "abc");
  assert.equal(cut({ k: "long value" }, 5), '{"k":…');
  assert.equal(cut(12345678, 2), 12345678);
  assert.equal(cut(null, 2), null);
});
