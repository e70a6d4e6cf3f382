import assert from "node:assert/strict";
import { compareResults, normalize, type ResultTable } from "./compare.ts";

function rows(columns: string[], data: unknown[][]): ResultTable {
  return {
    columns,
    rows: data,
  };
}

Deno.test("compareResults() ignores row order unless it matters", () => {
  const gold = rows(["a"], [[1], [2], [3]]);
  const got = rows(["a"], [[3], [1], [2]]);
  assert.equal(compareResults(gold, got, false).match, true);
  assert.deepEqual(compareResults(gold, got, true), {
    match: false,
    reason: "different rows or order",
  });
});

Deno.test("compareResults() ignores column names and accepts columns in another order", () => {
  const gold = rows(["name", "cost"], [["Tennis", "5"], ["Squash", "3.5"]]);
  const got = rows(["c", "facility"], [["3.50", "Squash"], [5, "Tennis"]]);
  assert.equal(compareResults(gold, got, false).match, true);
});

Deno.test("compareResults() counts duplicates: a multiset, not a set", () => {
  const gold = rows(["a"], [[1], [1], [2]]);
  assert.equal(compareResults(gold, rows(["a"], [[1], [2], [2]]), false).match, false);
});

Deno.test("compareResults() says why: column count, row count or values", () => {
  const gold = rows(["a"], [[1]]);
  assert.equal(
    compareResults(gold, rows(["a", "b"], [[1, 2]]), false).reason,
    "2 columns instead of 1",
  );
  assert.equal(compareResults(gold, rows(["a"], [[1], [2]]), false).reason, "2 rows instead of 1");
  assert.equal(compareResults(gold, rows(["a"], [[2]]), false).reason, "different rows");
});

Deno.test("normalize() compares numbers by value, keeps types apart otherwise", () => {
  assert.equal(normalize("9"), normalize(9));
  assert.equal(normalize("2.50"), normalize(2.5));
  assert.equal(normalize(0.1 + 0.2), normalize("0.3"));
  assert.notEqual(normalize("abc"), normalize(null));
  assert.notEqual(normalize(true), normalize("true"));
  assert.equal(normalize({ b: 1, a: [2] }), normalize({ a: [2], b: 1 }));
});
