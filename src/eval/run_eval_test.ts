import assert from "node:assert/strict";
import type { ResultTable } from "./compare.ts";
import { fail, ok, type Result } from "../errors.ts";
import { JsonRows } from "../db/json_rows.ts";
import type { ResultAnswer, SqlAnswer } from "../usecases/ask_question.ts";
import type { EvalQuestion } from "./questions.ts";
import { toMarkdown } from "./report.ts";
import { percentile, runEval } from "./run_eval.ts";

function q(id: string, category: string, readOnly = true): EvalQuestion {
  return { id, category, question: id, goldSql: `gold ${id}`, readOnly, orderMatters: false };
}

function table(values: number[]): ResultTable {
  return { columns: ["n"], rows: values.map((n) => [n]) };
}

function answer(values: number[], attempts: number, tokens: number): Result<ResultAnswer> {
  return ok({
    success: true,
    database: "default",
    generated_sql: "SELECT",
    data: {
      columns: ["x"],
      column_types: ["integer"],
      rows: JsonRows.of(values.map((x) => [x])),
      row_count: values.length,
      execution_time: 0.001,
    },
    confidence: 80,
    confidence_reason: "",
    tokens_used: tokens,
    tokens_by_stage: { generate: tokens, repair: 0, check: 0 },
    attempts: Array.from({ length: attempts }, () => ({ sql: "SELECT" })),
    assumptions: [],
  });
}

Deno.test("runEval() scores correct, wrong, refused, errors and failed gold, overall and per category", async () => {
  const questions = [
    q("right", "a"),
    q("wrong", "a"),
    q("repaired", "b"),
    q("refused-write", "w", false),
    q("refused-read", "b"),
    q("error", "b"),
    q("gold-broken", "a"),
  ];
  const answers: Record<string, Result<SqlAnswer | ResultAnswer>> = {
    right: answer([1, 2], 1, 100),
    wrong: answer([1], 1, 100),
    repaired: answer([3], 2, 300),
    "refused-write": fail("SECURITY_VIOLATION", "no", { attempts: [{}], tokens_used: 50 }),
    "refused-read": fail("SECURITY_VIOLATION", "no", { attempts: [{}], tokens_used: 50 }),
    error: fail("LLM_BAD_OUTPUT", "bad", { attempts: [{}, {}, {}], tokens_used: 150 }),
    "gold-broken": answer([1], 1, 100),
  };
  const gold: Record<string, Result<ResultTable>> = {
    "gold right": ok(table([2, 1])),
    "gold wrong": ok(table([2])),
    "gold repaired": ok(table([3])),
    "gold refused-read": ok(table([1])),
    "gold error": ok(table([1])),
    "gold gold-broken": fail("DB_FAILED", "syntax"),
  };
  let t = 0;
  const latencies = [10, 20, 30, 40, 50, 60, 1000];
  let i = 0;
  const progress: string[] = [];
  const report = await runEval(questions, {
    ask: (question) => {
      t += latencies[i++];
      return Promise.resolve(answers[question]);
    },
    runGold: (sql) => Promise.resolve(gold[sql] ?? fail("INTERNAL", `unexpected gold ${sql}`)),
    now: () => t,
    onProgress: (done, total, last) => progress.push(`${done}/${total} ${last.outcome}`),
  });
  assert.deepEqual(report.questions.map((r) => [r.id, r.outcome, r.right]), [
    ["right", "correct", true],
    ["wrong", "wrong", false],
    ["repaired", "correct", true],
    ["refused-write", "refused", true],
    ["refused-read", "refused", false],
    ["error", "error", false],
    ["gold-broken", "gold_failed", false],
  ]);
  assert.deepEqual(report.overall, {
    questions: 7,
    scored: 5,
    correct: 2,
    execution_accuracy: 0.4,
    wrong: 1,
    errors: 1,
    gold_failed: 1,
    write_questions: 1,
    refusals: 2,
    refusals_expected: 1,
    repaired: 1,
    avg_attempts: 1.43, // (1+1+2+1+1+3+1)/7
    tokens_total: 850,
    tokens_avg: 121.4,
    latency_ms_p50: 40,
    latency_ms_p95: 1000,
  });
  assert.equal(report.by_category.a.execution_accuracy, 0.5);
  assert.equal(report.by_category.b.execution_accuracy, 0.3333);
  assert.equal(report.by_category.w.execution_accuracy, null);
  assert.equal(progress.length, 7);
  assert.equal(progress[6], "7/7 gold_failed");
  const md = toMarkdown(report);
  assert.match(
    md,
    /\| \*\*overall\*\* \| 7 \| 5 \| 2 \| 40\.0% \| 2 \(1\/1\) \| 1 \| 1 \| 1\.43 \| 850 \| 40 \| 1000 \|/,
  );
  assert.match(md, /\| w \| 1 \| 0 \| 0 \| n\/a \|/);
  assert.match(md, /\| error \| error \| LLM_BAD_OUTPUT: bad \|/);
});

Deno.test("runEval() counts an answered write question as not refused", async () => {
  const report = await runEval([q("w", "updates", false)], {
    ask: () => Promise.resolve(answer([1], 1, 10)),
    runGold: () => Promise.reject(new Error("gold of a write question must not run")),
    now: () => 0,
  });
  assert.equal(report.questions[0].outcome, "not_refused");
  assert.equal(report.overall.execution_accuracy, null);
});

Deno.test("percentile() is nearest-rank", () => {
  assert.equal(percentile([], 0.5), 0);
  assert.equal(percentile([5], 0.95), 5);
  assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
  assert.equal(percentile([1, 2, 3, 4], 0.95), 4);
});
