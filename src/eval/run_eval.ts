import type { ResultTable } from "./compare.ts";
import type { Result } from "../errors.ts";
import type { QueryAnswer } from "../usecases/ask_question.ts";
import type { Attempt } from "../pipeline/repair_loop.ts";
import { compareResults } from "./compare.ts";
import type { EvalQuestion } from "./questions.ts";

/**
 * What happened to one question:
 * - correct / wrong: the pipeline answered a read-only question; its rows match the gold's or not;
 * - refused: the pipeline refused (SECURITY_VIOLATION), right for a question that asks to change
 *   data (`read_only: false`), wrong otherwise;
 * - not_refused: a question that asks to change data got an answer instead of a refusal;
 * - error: the pipeline failed otherwise (LLM_BAD_OUTPUT, DB_FAILED after every repair...);
 * - gold_failed: the gold SQL itself failed; the question is not scored.
 */
export type Outcome = "correct" | "wrong" | "refused" | "not_refused" | "error" | "gold_failed";

export interface QuestionResult {
  id: string;
  category: string;
  outcome: Outcome;
  /** True when the outcome is the right one (correct, or refused for a write question). */
  right: boolean;
  readOnly: boolean;
  attempts: number;
  /** The answer came after at least one repair. */
  repaired: boolean;
  tokens: number;
  latencyMs: number;
  sql?: string;
  error?: { code: string; message: string };
  reason?: string;
}

export interface Summary {
  questions: number;
  /** Read-only questions whose gold SQL ran: the denominator of execution accuracy. */
  scored: number;
  correct: number;
  /** correct / scored, 0-1, rounded to 4 places; null when nothing was scored. */
  execution_accuracy: number | null;
  wrong: number;
  errors: number;
  gold_failed: number;
  /** Questions that ask to change data (read_only: false). */
  write_questions: number;
  /** Every refusal, and those that were right (write questions refused). */
  refusals: number;
  refusals_expected: number;
  /** Answers that needed more than one attempt. */
  repaired: number;
  avg_attempts: number;
  tokens_total: number;
  tokens_avg: number;
  latency_ms_p50: number;
  latency_ms_p95: number;
}

export interface EvalReport {
  overall: Summary;
  by_category: Record<string, Summary>;
  questions: QuestionResult[];
}

export interface EvalDeps {
  /** The pipeline: question → answer (mode "result"). */
  ask(question: string): Promise<Result<QueryAnswer>>;
  /** Runs a gold statement read-only. */
  runGold(sql: string): Promise<Result<ResultTable>>;
  /** ms; the only clock. */
  now(): number;
  /** Called after each question. */
  onProgress?(done: number, total: number, last: QuestionResult): void;
}

/** Runs every question through the pipeline and the gold SQL, one at a time, and scores them. */
export async function runEval(
  questions: readonly EvalQuestion[],
  deps: EvalDeps,
): Promise<EvalReport> {
  const results: QuestionResult[] = [];
  for (const q of questions) {
    const result = await evalOne(q, deps);
    results.push(result);
    deps.onProgress?.(results.length, questions.length, result);
  }
  const categories = [...new Set(results.map((r) => r.category))].sort();
  return {
    overall: summarize(results),
    by_category: Object.fromEntries(
      categories.map((c) => [c, summarize(results.filter((r) => r.category === c))]),
    ),
    questions: results,
  };
}

async function evalOne(q: EvalQuestion, deps: EvalDeps): Promise<QuestionResult> {
  const started = deps.now();
  const answer = await deps.ask(q.question);
  const latencyMs = deps.now() - started;
  const base = { id: q.id, category: q.category, readOnly: q.readOnly, latencyMs };
  if (!answer.ok) {
    const { code, message, details } = answer.error;
    const attempts = Array.isArray(details.attempts) ? details.attempts as Attempt[] : [];
    const refused = code === "SECURITY_VIOLATION";
    const outcome: Outcome = refused ? "refused" : "error";
    return {
      ...base,
      outcome,
      right: refused && !q.readOnly,
      attempts: attempts.length,
      repaired: false,
      tokens: typeof details.tokens_used === "number" ? details.tokens_used : 0,
      ...(typeof details.generated_sql === "string" ? { sql: details.generated_sql } : {}),
      error: { code, message },
    };
  }
  const a = answer.value;
  if ("needs_clarification" in a) {
    return {
      ...base,
      attempts: a.attempts.length,
      repaired: false,
      tokens: a.tokens_used,
      outcome: "wrong",
      right: false,
      reason: "asked for a clarification",
    };
  }
  const ran = {
    ...base,
    attempts: a.attempts.length,
    repaired: a.attempts.length > 1,
    tokens: a.tokens_used,
    sql: a.generated_sql,
  };
  if (!q.readOnly) {
    return { ...ran, outcome: "not_refused", right: false };
  }
  const gold = await deps.runGold(q.goldSql);
  if (!gold.ok) {
    return {
      ...ran,
      outcome: "gold_failed",
      right: false,
      error: { code: gold.error.code, message: gold.error.message },
    };
  }
  if (!("data" in a)) return { ...ran, outcome: "wrong", right: false, reason: "no rows" };
  const cmp = compareResults(gold.value, {
    columns: a.data.columns,
    rows: a.data.rows.values(),
  }, q.orderMatters);
  return cmp.match
    ? { ...ran, outcome: "correct", right: true }
    : { ...ran, outcome: "wrong", right: false, reason: cmp.reason };
}

export function summarize(results: readonly QuestionResult[]): Summary {
  const count = (f: (r: QuestionResult) => boolean) => results.filter(f).length;
  const scored = count((r) => r.readOnly && r.outcome !== "gold_failed");
  const correct = count((r) => r.outcome === "correct");
  const tokens = results.reduce((s, r) => s + r.tokens, 0);
  const latencies = results.map((r) => r.latencyMs).sort((a, b) => a - b);
  const n = results.length;
  return {
    questions: n,
    scored,
    correct,
    execution_accuracy: scored > 0 ? round(correct / scored, 4) : null,
    wrong: count((r) => r.outcome === "wrong"),
    errors: count((r) => r.outcome === "error"),
    gold_failed: count((r) => r.outcome === "gold_failed"),
    write_questions: count((r) => !r.readOnly),
    refusals: count((r) => r.outcome === "refused"),
    refusals_expected: count((r) => r.outcome === "refused" && !r.readOnly),
    repaired: count((r) => r.repaired),
    avg_attempts: n > 0 ? round(results.reduce((s, r) => s + r.attempts, 0) / n, 2) : 0,
    tokens_total: tokens,
    tokens_avg: n > 0 ? round(tokens / n, 1) : 0,
    latency_ms_p50: percentile(latencies, 0.5),
    latency_ms_p95: percentile(latencies, 0.95),
  };
}

/** Nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return round(sorted[rank - 1], 1);
}

function round(x: number, places: number): number {
  const f = 10 ** places;
  return Math.round(x * f) / f;
}
