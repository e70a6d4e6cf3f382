import assert from "node:assert/strict";
import type { ReadResult } from "../db/read_executor.ts";
import { JsonRows } from "../db/json_rows.ts";
import { ZERO_USAGE } from "../llm/llm_client.ts";
import { type Candidate, disagreementPenalty, resultFingerprint, vote } from "./candidates.ts";

function rows(values: unknown[][]): ReadResult {
  return {
    columns: values[0]?.map((_, i) => ({ name: `c${i}`, type: "text" })) ?? [],
    rows: JsonRows.of(values),
    facts: { allNull: [] },
    rowCount: values.length,
    truncated: false,
    executionMs: 1,
  };
}

function candidate(sql: string, result?: unknown[][], confidence?: number): Candidate {
  return {
    generated: { sql, assumptions: [], usage: ZERO_USAGE, text: "", confidence },
    ...(result ? { rows: rows(result) } : { error: { code: "DB_FAILED", message: "x" } }),
  };
}

Deno.test("resultFingerprint() ignores row order and column names, not values or width", async () => {
  const a = await resultFingerprint(rows([["1", "a"], ["2", "b"]]));
  assert.equal(a, await resultFingerprint(rows([["2", "b"], ["1", "a"]])));
  assert.notEqual(a, await resultFingerprint(rows([["1", "a"], ["2", "c"]])));
  assert.notEqual(a, await resultFingerprint(rows([["1"], ["2"]])));
});

Deno.test("vote(): the largest group wins; failed candidates do not vote", async () => {
  const v = await vote([
    candidate("a", [["1"]], 50),
    candidate("b", [["2"]], 99),
    candidate("c", [["1"]], 60),
    candidate("d"),
  ], () => Promise.resolve(0));
  assert.ok(v);
  assert.equal(v.winner.generated.sql, "c", "the most confident of the winning group");
  assert.equal(v.votes, 2);
  assert.equal(v.voters, 3);
  assert.deepEqual(v.reports.map((r) => r.votes), [2, 1, 2, 0]);
});

Deno.test("vote(): a tie goes to the more confident group, then to the cheaper plan", async () => {
  const confident = await vote([
    candidate("a", [["1"]], 50),
    candidate("b", [["2"]], 80),
  ], () => Promise.resolve(0));
  assert.equal(confident?.winner.generated.sql, "b");
  const cheaper = await vote([
    candidate("expensive", [["1"]], 70),
    candidate("cheap", [["2"]], 70),
  ], (c) => Promise.resolve(c.generated.sql === "cheap" ? 10 : 1000));
  assert.equal(cheaper?.winner.generated.sql, "cheap");
  assert.equal(await vote([candidate("x")], () => Promise.resolve(0)), undefined);
});

Deno.test("disagreementPenalty(): 0 when unanimous, 10 for 2 of 3, 20 for 1 of 3", () => {
  assert.equal(disagreementPenalty(3, 3), 0);
  assert.equal(disagreementPenalty(2, 3), 10);
  assert.equal(disagreementPenalty(1, 3), 20);
  assert.equal(disagreementPenalty(1, 1), 0);
});
