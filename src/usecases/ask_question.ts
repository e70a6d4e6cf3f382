import type { ReadResult } from "../db/read_executor.ts";
import type { Database } from "../databases/database.ts";
import type { DatabaseRegistry } from "../databases/registry.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { Llm } from "../llm/llm_client.ts";
import { sqlPrompt } from "../llm/prompts.ts";
import type { Logger } from "../log.ts";
import { type CheckFinding, checkResult } from "../pipeline/check_result.ts";
import type { ExampleSet } from "../pipeline/examples.ts";
import {
  asBadOutput,
  type Attempt,
  generateWithRepair,
  type TokensByStage,
} from "../pipeline/repair_loop.ts";
import { buildSchemaContext } from "../schema/context.ts";
import { profileHints } from "../schema/profile.ts";
import { matchValues, renderValueMatches, valueHints } from "../schema/value_index.ts";
import type { TokenSigner } from "../security/signed_token.ts";
import type { SqlParser } from "../sql/parse.ts";
import { checkSql } from "../sql/validate.ts";
import { observeFailure, type PipelineObserver } from "./observer.ts";
import { namesMissing } from "./schema_freshness.ts";
import { type ResultData, toResultData } from "./result_data.ts";
import {
  clampRows,
  emptyData,
  type OutputLimits,
  readRows,
  type Truncation,
  truncation,
} from "./run_sql.ts";

/** How the NL→SQL loop behaves (LLM_MAX_ATTEMPTS, LLM_VALIDATE_RESULTS, LLM_SAMPLE_ROWS, ...). */
export interface NlOptions {
  /** Generation attempts per question, the first included. */
  maxAttempts: number;
  /** Score the result with the model and the deterministic checks. */
  validateResults: boolean;
  /** Rows of the result the checking model sees. */
  sampleRows: number;
  /** The most tokens the schema part of a prompt may cost. */
  schemaTokenBudget: number;
  /** One question's deadline, end to end (ms); 0: none. */
  deadlineMs: number;
}

export const DEFAULT_NL_OPTIONS: NlOptions = {
  maxAttempts: 3,
  validateResults: true,
  sampleRows: 10,
  schemaTokenBudget: 4000,
  deadlineMs: 120_000,
};

export interface AskDeps {
  databases: DatabaseRegistry;
  parser: SqlParser;
  /** Absent when no API key is configured: `query` then answers LLM_NOT_CONFIGURED. */
  llm: Result<Llm>;
  /** Golden examples (LLM_EXAMPLES_FILE); the closest few go into the prompt. */
  examples?: ExampleSet;
  nl: NlOptions;
  limits: OutputLimits;
  tokens: TokenSigner;
  log: Logger;
  /** Told of generations, tokens, refusals and database errors (metrics). */
  observer: PipelineObserver;
}

export type AnswerMode = "result" | "sql";

export interface AskInput {
  question: string;
  returnType: AnswerMode;
  database?: string;
  /** At most this many rows (capped by SECURITY_MAX_ROWS). */
  maxRows?: number;
}

/** What a long call tells its client while it works (MCP progress notifications). */
export interface CallEvents {
  signal?: AbortSignal;
  progress?: (message: string) => void;
  /** Epoch ms the question must be answered by (set from LLM_QUESTION_TIMEOUT). */
  deadline?: number;
}

export interface SqlAnswer {
  success: true;
  database: string;
  generated_sql: string;
  confidence: number;
  /** Every LLM call for the question, summed. */
  tokens_used: number;
  tokens_by_stage: TokensByStage;
  /** Every try, in order; the last one is the answer. */
  attempts: Attempt[];
  /** Why the confidence is what it is. */
  confidence_reason: string;
  explanation?: string;
  assumptions: string[];
}

export interface ResultAnswer extends SqlAnswer, Truncation {
  data: ResultData;
  /** Deterministic findings that lowered the confidence. */
  checks?: CheckFinding[];
}

/** The confidence reported when the model gave none and no check ran. */
export const UNRATED_CONFIDENCE = 50;

/** Room for the fields added after the rows are read (confidence reason, checks). */
const ANSWER_SLACK_CHARS = 2_000;

/**
 * Question → schema context + golden examples → SQL → validation → read-only execution (repairing
 * fixable failures) → result validation → typed answer, within the question's deadline. Failures
 * carry the attempts and the tokens by stage in `details`.
 */
export async function askQuestion(
  input: AskInput,
  deps: AskDeps,
  events: CallEvents = {},
): Promise<Result<SqlAnswer | ResultAnswer>> {
  const question = input.question.trim();
  if (question === "") {
    return fail("INVALID_INPUT", "Cannot answer a blank question: ask something", {
      reason: "blank_question",
    });
  }
  if (!deps.llm.ok) return deps.llm;
  const db = deps.databases.resolve(input.database);
  if (!db.ok) return db;
  const deadline = deps.nl.deadlineMs > 0 ? AbortSignal.timeout(deps.nl.deadlineMs) : undefined;
  const signal = deadline && events.signal
    ? AbortSignal.any([events.signal, deadline])
    : deadline ?? events.signal;
  const result = await answer(
    { ...input, question },
    db.value,
    deps.llm.value,
    deps,
    {
      ...events,
      signal,
      deadline: deps.nl.deadlineMs > 0 ? Date.now() + deps.nl.deadlineMs : undefined,
    },
  );
  if (!result.ok && deadline?.aborted && !events.signal?.aborted) {
    const seconds = deps.nl.deadlineMs / 1000;
    return fail(
      "QUESTION_TIMEOUT",
      `Cannot answer within ${seconds} s (LLM_QUESTION_TIMEOUT): everything in flight was ` +
        "cancelled",
      { ...result.error.details, cause: result.error.code, deadline_s: seconds },
    );
  }
  return result;
}

async function answer(
  input: AskInput,
  db: Database,
  llm: Llm,
  deps: AskDeps,
  events: CallEvents,
): Promise<Result<SqlAnswer | ResultAnswer>> {
  const { question } = input;
  events.progress?.("Reading the schema");
  const schema = await db.schema.get();
  if (!schema.ok) return schema;
  const snapshot = schema.value;
  const [profile, values] = await Promise.all([
    settledWithin(db.insights.profile(snapshot), INSIGHTS_WAIT_MS),
    settledWithin(db.insights.values(snapshot), INSIGHTS_WAIT_MS),
  ]);
  const matches = values?.ok ? matchValues(values.value, question) : [];
  const context = buildSchemaContext(snapshot, question, deps.nl.schemaTokenBudget, {
    ...(profile?.ok ? { columnHint: profileHints(profile.value) } : {}),
    rank: { values: valueHints(matches) },
  });
  const examples = deps.examples?.select(question, [snapshot.database, db.name]) ?? [];
  const maxRows = clampRows(input.maxRows, deps.limits);
  const loop = await generateWithRepair<ReadResult | undefined>({
    llm,
    messages: sqlPrompt(context.text, question, examples, renderValueMatches(matches)),
    maxAttempts: deps.nl.maxAttempts,
    log: deps.log,
    signal: events.signal,
    deadline: events.deadline,
    onGenerated: (stage, seconds, tokens) => deps.observer.generated(stage, seconds, tokens),
    onAttempt: (n) => events.progress?.(`Writing SQL (attempt ${n} of ${deps.nl.maxAttempts})`),
    tryAnswer: async (sql) => {
      events.progress?.("Validating the SQL");
      const safe = await checkSql(sql, deps.parser, db.policy);
      if (!safe.ok) {
        observeFailure(deps.observer, safe.error);
        return { ok: false, error: asBadOutput(safe.error) };
      }
      if (input.returnType === "sql") {
        // Planned, never run: unknown names are still caught and repaired.
        if (safe.value.kind === "explain") return ok(undefined);
        const plan = await db.reader.plan(safe.value, events.signal);
        return plan.ok ? ok(undefined) : plan;
      }
      events.progress?.("Running the SQL");
      const rows = await readRows(db, safe.value, {
        maxRows,
        limits: deps.limits,
        skeleton: (columns) => ({
          ...skeletonOf(db.name, sql, question),
          data: { ...emptyData(columns), row_count: 0, execution_time: 0 },
        }),
        signal: events.signal,
      });
      if (!rows.ok) {
        observeFailure(deps.observer, rows.error);
        if (namesMissing(rows.error)) await db.schema.recheck(); // fresh DDL for the repair
      }
      return rows;
    },
  });
  const { attempts, tokens } = loop;
  const total = () => tokens.generate + tokens.repair + tokens.check;
  deps.log.info("query.generated", {
    attempts: attempts.length,
    ok: loop.result.ok,
    examples: examples.length,
    tokens_used: total(),
  });
  if (!loop.result.ok) {
    const { code, message, details } = loop.result.error;
    return fail(code, message, {
      ...details,
      attempts,
      tokens_used: total(),
      tokens_by_stage: tokens,
    });
  }
  const { generated, tried: rows } = loop.result.value;
  const own = generated.confidence;
  const base = {
    success: true as const,
    database: db.name,
    generated_sql: generated.sql,
    ...(generated.explanation ? { explanation: generated.explanation } : {}),
    assumptions: generated.assumptions,
    attempts,
  };
  const unchecked = {
    confidence: own ?? UNRATED_CONFIDENCE,
    confidence_reason: own !== undefined
      ? "the generator's own estimate"
      : "the generator gave no estimate",
  };
  if (input.returnType === "sql" || !rows) {
    return ok({ ...base, ...unchecked, tokens_used: total(), tokens_by_stage: tokens });
  }
  let rating: { confidence: number; confidence_reason: string; checks?: CheckFinding[] } = {
    ...unchecked,
    confidence_reason: `${unchecked.confidence_reason} (result validation is off)`,
  };
  if (deps.nl.validateResults) {
    events.progress?.("Checking the result");
    const check = await checkResult(
      llm,
      {
        question,
        sql: generated.sql,
        rows,
        sampleRows: deps.nl.sampleRows,
        fallbackConfidence: unchecked.confidence,
      },
      deps.log,
      { signal: events.signal, deadline: events.deadline },
    );
    tokens.check += check.usage.totalTokens;
    deps.observer.tokensUsed("check", check.usage.totalTokens);
    rating = {
      confidence: check.confidence,
      confidence_reason: check.reason,
      ...(check.findings.length > 0 ? { checks: check.findings } : {}),
    };
  }
  return ok({
    ...base,
    data: toResultData(rows),
    ...rating,
    tokens_used: total(),
    tokens_by_stage: tokens,
    ...await truncation(rows, {
      sql: generated.sql,
      database: db.name,
      offset: 0,
      maxRows: input.maxRows,
    }, deps.tokens),
  });
}

/** How long a question waits for the profile and value index being built (ms). */
const INSIGHTS_WAIT_MS = 2_000;

/** The value, or undefined when it takes longer than `ms` (it goes on in the background). */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), ms));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The answer's fields besides its rows, as far as they are known before the rows. */
function skeletonOf(database: string, sql: string, question: string) {
  return {
    success: true,
    database,
    generated_sql: sql,
    // The explanation, assumptions and attempts are about as long as the question and SQL.
    explanation: question,
    assumptions: [question],
    attempts: [{ sql }, { sql }],
    confidence: 100,
    confidence_reason: "x".repeat(ANSWER_SLACK_CHARS),
    tokens_used: 0,
    tokens_by_stage: { generate: 0, repair: 0, check: 0 },
    truncated: true,
    truncated_reason: "bytes",
    next_cursor: "x".repeat(160),
  };
}
