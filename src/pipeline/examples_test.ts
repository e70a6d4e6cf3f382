import assert from "node:assert/strict";
import { loadSqlParser } from "../sql/parse.ts";
import { createExampleSet, loadExamplesFile, parseExamples, terms } from "./examples.ts";

const parser = await loadSqlParser();
const policy = { blockedFunctions: new Set(["pg_sleep"]) };
const line = (v: unknown) => JSON.stringify(v);

Deno.test("parseExamples() reads question/sql lines, skipping blanks, with their line numbers", () => {
  const text = [
    line({ question: "How many members?", sql: "SELECT count(*) FROM cd.members;" }),
    "",
    line({ question: "Bookings", gold_sql: "SELECT * FROM cd.bookings", db_id: "exercises" }),
  ].join("\n");
  const r = parseExamples(text, "ex.jsonl", parser, policy);
  assert.ok(r.ok);
  assert.deepEqual(r.value.examples, [
    { question: "How many members?", sql: "SELECT count(*) FROM cd.members", line: 1 },
    { question: "Bookings", sql: "SELECT * FROM cd.bookings", database: "exercises", line: 3 },
  ]);
});

Deno.test("parseExamples() fails naming the line of bad JSON, a missing field or refused SQL", () => {
  const cases: [string, RegExp][] = [
    [`${line({ question: "a", sql: "SELECT 1" })}\n{oops`, /line 2: not valid JSON/],
    [line({ question: "a" }), /line 1: "sql" must be a non-empty string/],
    [line({ sql: "SELECT 1" }), /line 1: "question" must be a non-empty string/],
    [
      `\n\n${line({ question: "a", sql: "UPDATE t SET a = 1" })}`,
      /line 3: the SQL is refused: Cannot run UPDATE/,
    ],
    [line({ question: "a", sql: "SELECT pg_sleep(1)" }), /line 1: the SQL is refused/],
    [line({ question: "a", sql: "SELEC 1" }), /line 1: the SQL is refused: Cannot parse/],
    [line(["a"]), /line 1: not a JSON object/],
  ];
  for (const [text, message] of cases) {
    const r = parseExamples(text, "ex.jsonl", parser, policy);
    assert.equal(r.ok, false, text);
    if (!r.ok) {
      assert.equal(r.error.code, "CONFIG_INVALID");
      assert.match(r.error.message, /^Cannot load the examples file "ex\.jsonl": /);
      assert.match(r.error.message, message);
    }
  }
});

Deno.test("loadExamplesFile() reports a missing file as CONFIG_INVALID", async () => {
  const r = await loadExamplesFile("/tmp/does-not-exist-pg-mcp.jsonl", parser, policy);
  assert.equal(!r.ok && r.error.code, "CONFIG_INVALID");
  assert.match(!r.ok ? r.error.message : "", /does not exist/);
});

Deno.test("terms() lower-cases, drops stopwords and stems plurals", () => {
  assert.deepEqual(terms("How many Facilities do the members' bookings use?"), [
    "facility",
    "member",
    "booking",
    "use",
  ]);
});

Deno.test("ExampleSet.select() ranks by lexical similarity, keeps k and filters by database", () => {
  const set = createExampleSet([
    { question: "How many members joined in 2012?", sql: "SELECT 1", line: 1 },
    { question: "Total slots booked per facility", sql: "SELECT 2", line: 2 },
    { question: "List facilities with a member cost", sql: "SELECT 3", line: 3 },
    {
      question: "Slots booked per facility per month",
      sql: "SELECT 4",
      line: 4,
      database: "other",
    },
    { question: "Revenue per facility", sql: "SELECT 5", line: 5 },
  ]);
  const picked = set.select("How many slots were booked for each facility?", "exercises", 2);
  // 2 shares "slot", "booked", "facility"; 3 and 5 tie on "facility": the file order decides.
  assert.deepEqual(picked.map((e) => e.line), [2, 3]);
  assert.deepEqual(
    set.select("revenue of each facility", "exercises", 3).map((e) => e.line),
    [5, 3, 2], // 3 is shorter than 2: "facility" weighs more in it
  );
  assert.deepEqual(set.select("slots booked per facility", "other", 1).map((e) => e.line), [4]);
  assert.deepEqual(set.select("weather tomorrow", "exercises"), []);
});
