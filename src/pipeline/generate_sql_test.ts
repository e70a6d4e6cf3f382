import assert from "node:assert/strict";
import { startFakeLlm } from "../../tests/support/fake_llm.ts";
import { generateSql, parseJsonObject, toConfidence } from "./generate_sql.ts";
import { testLlm } from "../../tests/support/llm_config.ts";

async function generate(answer: string) {
  await using fake = startFakeLlm([{ content: answer, usage: { total_tokens: 12 } }]);
  const llm = testLlm(fake.url, { maxTokens: 100 });
  return await generateSql(llm, [{ role: "user", content: "q" }]);
}

Deno.test("generateSql() reads sql, explanation, assumptions and confidence from structured output", async () => {
  const r = await generate(
    '{"sql": "SELECT 1", "explanation": "one", "assumptions": ["a"], "confidence": 72}',
  );
  assert.ok(r.ok);
  assert.equal(r.value.sql, "SELECT 1");
  assert.equal(r.value.explanation, "one");
  assert.deepEqual(r.value.assumptions, ["a"]);
  assert.equal(r.value.confidence, 72);
  assert.equal(r.value.usage.totalTokens, 12);
});

Deno.test("generateSql() accepts plain text with a fence, without a confidence", async () => {
  const r = await generate("Sure:\n```sql\nSELECT 2;\n```");
  assert.ok(r.ok);
  assert.equal(r.value.sql, "SELECT 2");
  assert.equal(r.value.confidence, undefined);
});

Deno.test("generateSql() is LLM_BAD_OUTPUT for prose only, keeping the answer and the tokens", async () => {
  const r = await generate("Sorry, I have no idea.");
  assert.ok(!r.ok);
  assert.equal(r.error.code, "LLM_BAD_OUTPUT");
  assert.equal(r.error.details.answer, "Sorry, I have no idea.");
  assert.equal((r.error.details.usage as { totalTokens: number }).totalTokens, 12);
});

Deno.test("toConfidence() clamps, scales fractions and rejects non-numbers", () => {
  assert.equal(toConfidence(150), 100);
  assert.equal(toConfidence(-3), 0);
  assert.equal(toConfidence(0.85), 85);
  assert.equal(toConfidence("70"), 70);
  assert.equal(toConfidence("high"), undefined);
  assert.equal(toConfidence(undefined), undefined);
});

Deno.test("parseJsonObject() finds the object in surrounding text, or nothing", () => {
  assert.deepEqual(parseJsonObject('Here: {"a": 1} done'), { a: 1 });
  assert.equal(parseJsonObject("[1, 2]"), undefined);
  assert.equal(parseJsonObject("{broken"), undefined);
});
