import type { Rows } from "../db/read_only.ts";
import { AppError, type ErrorDetails, fail, ok, type Result } from "../errors.ts";
import type { ChatMessage, Llm, TokenUsage } from "../llm/llm_client.ts";
import { type AttemptFailure, repairMessage } from "../llm/prompts.ts";
import type { Logger } from "../log.ts";
import { checkSql, validateSql } from "../sql/validate.ts";
import { type GeneratedSql, generateSql } from "./generate_sql.ts";
import { type RunLimits, runSql, type RunSqlDeps } from "./run_sql.ts";

/** One try at answering: the SQL the model wrote (if any) and why it failed (if it did). */
export interface Attempt {
  sql?: string;
  error?: AttemptFailure;
}

/** Tokens spent per stage: the first generation, the repairs, the result check. */
export interface TokensByStage {
  generate: number;
  repair: number;
  check: number;
}

export type AttemptMode = "result" | "sql";

export interface RepairOutcome {
  attempts: Attempt[];
  tokens: TokensByStage;
  /** The accepted SQL with its rows (mode "result") or its validated text only (mode "sql"). */
  result: Result<{ generated: GeneratedSql; rows?: Rows }>;
}

export interface RepairDeps extends RunSqlDeps {
  log: Logger;
}

/**
 * Generates SQL and tries it; a fixable failure (syntax error, unknown column or table, type
 * mismatch, ambiguous name, timeout, an answer without SQL) goes back to the model with
 * PostgreSQL's message, hint and position, up to `maxAttempts` tries in all. A security refusal
 * or an unreachable model or database ends the loop at once.
 *
 * Mode "sql" runs nothing: the SQL is validated and planned with EXPLAIN (which does not execute
 * it), so unknown names are still caught and repaired.
 */
export async function generateWithRepair(
  llm: Llm,
  messages: readonly ChatMessage[],
  mode: AttemptMode,
  maxAttempts: number,
  deps: RepairDeps,
  limits: RunLimits,
  signal?: AbortSignal,
): Promise<RepairOutcome> {
  const conversation = [...messages];
  const attempts: Attempt[] = [];
  const tokens: TokensByStage = { generate: 0, repair: 0, check: 0 };
  let last: AppError | undefined;
  for (let i = 0; i < Math.max(1, maxAttempts); i++) {
    const stage = i === 0 ? "generate" : "repair";
    const generated = await generateSql(llm, conversation, signal);
    if (!generated.ok) {
      const error = generated.error;
      tokens[stage] += usageOf(error.details).totalTokens;
      attempts.push({ error: summarize(error) });
      deps.log.info("query.attempt_failed", { attempt: i + 1, code: error.code });
      last = withoutRaw(error);
      if (error.code !== "LLM_BAD_OUTPUT") break;
      conversation.push(
        { role: "assistant", content: String(error.details.text ?? "") },
        repairMessage(undefined, summarize(error)),
      );
      continue;
    }
    const g = generated.value;
    tokens[stage] += g.usage.totalTokens;
    const tried = await trySql(g.sql, mode, deps, limits, signal);
    if (tried.ok) {
      attempts.push({ sql: g.sql });
      return { attempts, tokens, result: ok({ generated: g, rows: tried.value }) };
    }
    const failure = summarize(tried.error);
    attempts.push({ sql: g.sql, error: failure });
    deps.log.info("query.attempt_failed", {
      attempt: i + 1,
      code: tried.error.code,
      sqlstate: failure.sqlstate,
    });
    last = new AppError(
      tried.error.code,
      tried.error.message,
      { ...tried.error.details, generated_sql: g.sql },
    );
    if (!isRepairable(tried.error)) break;
    conversation.push(
      { role: "assistant", content: g.text },
      repairMessage(g.sql, failure),
    );
  }
  return {
    attempts,
    tokens,
    result: { ok: false, error: last! },
  };
}

/** Validates (and in mode "result" runs) one answer of the model. */
async function trySql(
  sql: string,
  mode: AttemptMode,
  deps: RunSqlDeps,
  limits: RunLimits,
  signal?: AbortSignal,
): Promise<Result<Rows | undefined>> {
  const several = severalStatements(sql, deps);
  if (several) return several;
  if (mode === "result") return await runSql(sql, deps, limits, signal);
  const safe = await checkSql(sql, deps.parser, deps.policy);
  if (!safe.ok) return safe;
  if (safe.value.kind === "explain") return ok(undefined);
  const plan = await runSql(`EXPLAIN ${sql}`, deps, { ...limits, maxRows: 10_000 }, signal);
  // A policy that refuses EXPLAIN must not refuse the question: the SQL itself passed.
  if (!plan.ok && plan.error.code !== "SECURITY_VIOLATION") return plan;
  return ok(undefined);
}

/**
 * Several statements in one answer: the validator's refusal when any of them is not a SELECT
 * (never repaired), otherwise LLM_BAD_OUTPUT (repaired: the model is asked for one). Nothing runs.
 */
function severalStatements(sql: string, deps: RunSqlDeps): Result<never> | undefined {
  const parsed = deps.parser.parse(sql);
  if (!parsed.ok || parsed.value.length <= 1) return undefined;
  if (parsed.value.some((s) => s.kind !== "SelectStmt")) {
    const refused = validateSql(sql, deps.parser, deps.policy);
    if (!refused.ok) return refused;
  }
  return fail(
    "LLM_BAD_OUTPUT",
    `Cannot use the language model's answer: it holds ${parsed.value.length} statements, not one`,
    { reason: "multiple_statements", statements: parsed.value.length },
  );
}

/** SQLSTATE classes a rewrite can fix: syntax and names (42, not privileges), data (22), 21, 0A. */
export function isRepairable(error: AppError): boolean {
  switch (error.code) {
    case "SQL_PARSE_FAILED":
    case "LLM_BAD_OUTPUT":
    case "DB_TIMEOUT":
      return true;
    case "DB_FAILED": {
      const state = error.details.sqlstate;
      if (typeof state !== "string") return false;
      if (state === "42501") return false;
      return ["42", "22", "21", "0A"].some((c) => state.startsWith(c));
    }
    default:
      return false;
  }
}

/** What an attempt reports: code, message, and PostgreSQL's fields when there are some. */
export function summarize(error: AppError): AttemptFailure {
  const d = error.details;
  const text = (v: unknown) => typeof v === "string" && v ? v : undefined;
  const sqlstate = text(d.sqlstate);
  const hint = text(d.hint);
  const detail = text(d.detail);
  const position = typeof d.position === "number" ? d.position : undefined;
  return {
    code: error.code,
    message: text(d.message) ?? error.message,
    ...(sqlstate ? { sqlstate } : {}),
    ...(hint ? { hint } : {}),
    ...(detail ? { detail } : {}),
    ...(position !== undefined ? { position } : {}),
  };
}

function usageOf(details: ErrorDetails): TokenUsage {
  const u = details.usage as Partial<TokenUsage> | undefined;
  return {
    promptTokens: u?.promptTokens ?? 0,
    completionTokens: u?.completionTokens ?? 0,
    totalTokens: u?.totalTokens ?? 0,
  };
}

/** The error without the model's full answer and usage (kept only for the loop). */
function withoutRaw(error: AppError): AppError {
  const { text: _text, usage: _usage, ...details } = error.details;
  return new AppError(error.code, error.message, details);
}
