import assert from "node:assert/strict";
import { selectQuestions } from "./main.ts";
import { parseQuestions } from "./questions.ts";

Deno.test("parseQuestions() reads the shared nl2sql format with its defaults", () => {
  const text = [
    JSON.stringify({
      id: "q1",
      db_id: "exercises",
      category: "basic",
      question: "All facilities?",
      gold_sql: "select * from cd.facilities",
      read_only: true,
      order_matters: false,
    }),
    "",
    JSON.stringify({ id: 7, question: "Ordered?", gold_sql: "SELECT a FROM t ORDER BY a" }),
    JSON.stringify({ question: "Write", sql: "DELETE FROM t", read_only: false }),
  ].join("\n");
  const r = parseQuestions(text, "q.jsonl");
  assert.ok(r.ok);
  assert.deepEqual(r.value, [
    {
      id: "q1",
      database: "exercises",
      category: "basic",
      question: "All facilities?",
      goldSql: "select * from cd.facilities",
      readOnly: true,
      orderMatters: false,
    },
    {
      id: "7",
      category: "uncategorized",
      question: "Ordered?",
      goldSql: "SELECT a FROM t ORDER BY a",
      readOnly: true,
      orderMatters: true,
    },
    {
      id: "line-4",
      category: "uncategorized",
      question: "Write",
      goldSql: "DELETE FROM t",
      readOnly: false,
      orderMatters: false,
    },
  ]);
});

Deno.test("parseQuestions() names the bad line", () => {
  const r = parseQuestions(
    '{"question": "a", "gold_sql": "SELECT 1"}\n{"question": "b"}',
    "q.jsonl",
  );
  assert.equal(
    !r.ok && r.error.message,
    'Cannot read the questions file "q.jsonl": line 2: "gold_sql" must be a non-empty string',
  );
});

Deno.test("selectQuestions() filters by database and category, then limits", async () => {
  const text = await Deno.readTextFile(
    new URL("../../tests/fixtures/nl2sql/pgexercises/questions.jsonl", import.meta.url),
  );
  const all = parseQuestions(text, "pgexercises");
  assert.ok(all.ok);
  assert.equal(all.value.length, 71);
  assert.equal(all.value.filter((q) => !q.readOnly).length, 9);
  assert.equal(selectQuestions(all.value, "exercises").length, 71);
  assert.equal(selectQuestions(all.value, "other").length, 0);
  const joins = selectQuestions(all.value, undefined, ["joins", "recursive"]);
  assert.equal(joins.length, 11);
  assert.equal(selectQuestions(all.value, undefined, ["joins"], 3).length, 3);
});
