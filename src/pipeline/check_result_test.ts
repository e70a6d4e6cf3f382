import assert from "node:assert/strict";
import { startFakeLlm } from "../../tests/support/fake_llm.ts";
import type { ReadResult } from "../db/read_executor.ts";
import { JsonRows } from "../db/json_rows.ts";
import { createMemoryLogger } from "../log.ts";
import { checkResult, deterministicChecks } from "./check_result.ts";
import { testLlm } from "../../tests/support/llm_config.ts";

function rows(data: Record<string, unknown>[], extra: Partial<ReadResult> = {}): ReadResult {
  const names = data.length > 0 ? Object.keys(data[0]) : ["a"];
  const values = data.map((r) => names.map((n) => r[n]));
  return {
    columns: names.map((name) => ({ name, type: "text" })),
    rows: JsonRows.of(values),
    facts: { allNull: names.map((n) => values.length > 0 && data.every((r) => r[n] === null)) },
    rowCount: data.length,
    truncated: false,
    executionMs: 1,
    ...extra,
  };
}

Deno.test("deterministicChecks() finds an empty result", () => {
  assert.deepEqual(deterministicChecks(rows([])).map((f) => [f.check, f.penalty]), [
    ["empty_result", 40],
  ]);
});

Deno.test("deterministicChecks() names the columns that are NULL in every row", () => {
  const f = deterministicChecks(rows([{ a: 1, b: null, c: null }, { a: 2, b: null, c: null }]));
  assert.deepEqual(f.map((x) => x.check), ["all_null_columns"]);
  assert.equal(f[0].reason, 'columns "b", "c" are NULL in every row');
});

Deno.test("deterministicChecks() counts duplicate rows from a fan-out", () => {
  const f = deterministicChecks(rows([{ a: 1 }, { a: 1 }, { a: 2 }, { a: 1 }]));
  assert.deepEqual(f.map((x) => [x.check, x.reason]), [
    ["duplicate_rows", "2 of 4 rows are duplicates (a join may fan out)"],
  ]);
});

Deno.test("deterministicChecks() flags the row cap, and nothing on a clean result", () => {
  assert.deepEqual(
    deterministicChecks(rows([{ a: 1 }, { a: 2 }], { truncated: true, truncatedBy: "rows" }))
      .map((x) => x.reason),
    ["the result was cut at 2 rows by the row cap"],
  );
  assert.deepEqual(deterministicChecks(rows([{ a: 1 }, { a: 2 }])), []);
});

async function check(script: Parameters<typeof startFakeLlm>[0], r: ReadResult, sampleRows = 2) {
  await using fake = startFakeLlm(script);
  const llm = testLlm(fake.url, { maxTokens: 100, sampleRows });
  const result = await checkResult(llm, {
    question: "q",
    sql: "SELECT a FROM t",
    rows: r,
    sampleRows,
    fallbackConfidence: 65,
  }, createMemoryLogger());
  return { result, requests: fake.chatRequests() };
}

Deno.test("checkResult() takes the model's score minus every penalty, with the reasons", async () => {
  const { result, requests } = await check(
    [{ content: '{"confidence": 85, "explanation": "Plausible."}', usage: { total_tokens: 33 } }],
    rows([{ a: 1 }, { a: 1 }, { a: 2 }], { truncated: true }),
  );
  assert.equal(result.confidence, 85 - 15 - 10);
  assert.equal(result.modelConfidence, 85);
  assert.equal(
    result.reason,
    "Plausible; 1 of 3 rows are duplicates (a join may fan out) (-15); " +
      "the result was cut at 3 rows by the row cap (-10)",
  );
  assert.equal(result.usage.totalTokens, 33);
  assert.equal(requests[0].body?.response_format?.type, "json_schema");
  const shown = String(requests[0].body?.messages?.[1].content);
  assert.match(shown, /Sample rows \(2\):/);
});

Deno.test("checkResult() never goes below 0", async () => {
  const { result } = await check(['{"confidence": 30, "explanation": "x"}'], rows([]));
  assert.equal(result.confidence, 0);
});

Deno.test("checkResult() falls back to the generator's score when the check answers nonsense", async () => {
  const { result } = await check(["I think it is fine"], rows([{ a: 1 }]));
  assert.equal(result.confidence, 65);
  assert.equal(result.modelConfidence, undefined);
  assert.match(result.reason, /gave no confidence/);
});
