import { AppError, type ErrorDetails, type Result } from "../errors.ts";
import type { ChatMessage, Llm, TokenUsage } from "../llm/llm_client.ts";
import { type AttemptFailure, repairMessage } from "../llm/prompts.ts";
import type { Logger } from "../log.ts";
import { type GeneratedSql, generateSql } from "./generate_sql.ts";

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

export interface RepairOutcome<T> {
  attempts: Attempt[];
  tokens: TokensByStage;
  /** The accepted SQL with what trying it gave. */
  result: Result<{ generated: GeneratedSql; tried: T }>;
}

export interface RepairLoop<T> {
  llm: Llm;
  messages: readonly ChatMessage[];
  /** Generation attempts, the first included. */
  maxAttempts: number;
  /** Validates (and runs, or plans) one answer of the model. */
  tryAnswer: (generated: GeneratedSql) => Promise<Result<T>>;
  log: Logger;
  signal?: AbortSignal;
  /** Epoch ms the question must be answered by. */
  deadline?: number;
  /** Told before each generation (1-based), for progress reports. */
  onAttempt?: (attempt: number) => void;
  /** Told after each generation: its stage, seconds and tokens (metrics). */
  onGenerated?: (stage: "generate" | "repair", seconds: number, tokens: number) => void;
}

/**
 * Generates SQL and tries it; a fixable failure (syntax error, unknown column or table, type
 * mismatch, ambiguous name, timeout, a plan over the cost limit, an answer without SQL) goes back
 * to the model with PostgreSQL's message, hint and position, up to `maxAttempts` tries in all. A
 * security refusal or an unreachable model or database ends the loop at once.
 */
export async function generateWithRepair<T>(loop: RepairLoop<T>): Promise<RepairOutcome<T>> {
  const conversation = [...loop.messages];
  const attempts: Attempt[] = [];
  const tokens: TokensByStage = { generate: 0, repair: 0, check: 0 };
  let last: AppError | undefined;
  for (let i = 0; i < Math.max(1, loop.maxAttempts); i++) {
    if (loop.signal?.aborted) break;
    const stage = i === 0 ? "generate" : "repair";
    loop.onAttempt?.(i + 1);
    const started = performance.now();
    const generated = await generateSql(loop.llm, conversation, {
      signal: loop.signal,
      deadline: loop.deadline,
    });
    loop.onGenerated?.(
      stage,
      (performance.now() - started) / 1000,
      generated.ok
        ? generated.value.usage.totalTokens
        : usageOf(generated.error.details).totalTokens,
    );
    if (!generated.ok) {
      const error = generated.error;
      tokens[stage] += usageOf(error.details).totalTokens;
      attempts.push({ error: summarize(error) });
      loop.log.info("query.attempt_failed", { attempt: i + 1, code: error.code });
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
    const tried = await loop.tryAnswer(g);
    if (tried.ok) {
      attempts.push({ sql: g.sql });
      return {
        attempts,
        tokens,
        result: { ok: true, value: { generated: g, tried: tried.value } },
      };
    }
    const failure = summarize(tried.error);
    attempts.push({ sql: g.sql, error: failure });
    loop.log.info("query.attempt_failed", {
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
    result: {
      ok: false,
      error: last ??
        new AppError("QUESTION_TIMEOUT", "Cannot answer: the question ran out of time"),
    },
  };
}

/**
 * Several statements in one answer are a bad answer (repaired: the model is asked for one) when
 * all are SELECTs; when any is not, the refusal stands (never repaired).
 */
export function asBadOutput(error: AppError): AppError {
  const operations = error.details.operations;
  if (
    error.code === "SECURITY_VIOLATION" && error.details.reason === "multiple_statements" &&
    Array.isArray(operations) && operations.every((o) => o === "SELECT")
  ) {
    return new AppError(
      "LLM_BAD_OUTPUT",
      `Cannot use the language model's answer: it holds ${operations.length} statements, not one`,
      { reason: "multiple_statements", statements: operations.length },
    );
  }
  return error;
}

/** SQLSTATE classes a rewrite can fix: syntax and names (42, not privileges), data (22), 21, 0A. */
export function isRepairable(error: AppError): boolean {
  switch (error.code) {
    case "SQL_PARSE_FAILED":
    case "LLM_BAD_OUTPUT":
    case "DB_TIMEOUT":
    case "QUERY_TOO_EXPENSIVE":
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
