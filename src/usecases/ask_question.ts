import type { ReadResult } from "../db/read_executor.ts";
import type { Database } from "../databases/database.ts";
import type { DatabaseRegistry } from "../databases/registry.ts";
import { fail, ok, type Result } from "../errors.ts";
import type { ChatMessage, Llm } from "../llm/llm_client.ts";
import { sqlPrompt } from "../llm/prompts.ts";
import type { Logger } from "../log.ts";
import { type CheckFinding, checkResult } from "../pipeline/check_result.ts";
import type { ExampleSet } from "../pipeline/examples.ts";
import {
  asBadOutput,
  type Attempt,
  generateWithRepair,
  summarize,
  type TokensByStage,
} from "../pipeline/repair_loop.ts";
import { type GeneratedSql, generateSql, type Interpretation } from "../pipeline/generate_sql.ts";
import {
  type Candidate,
  type CandidateReport,
  disagreementPenalty,
  type Vote,
  vote,
} from "./candidates.ts";
import { buildSchemaContext } from "../schema/context.ts";
import { profileHints } from "../schema/profile.ts";
import { matchValues, renderValueMatches, valueHints } from "../schema/value_index.ts";
import type { TokenSigner } from "../security/signed_token.ts";
import type { SqlParser } from "../sql/parse.ts";
import { checkInputText } from "../sql/input_text.ts";
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
  /** SQL candidates per question (LLM_CANDIDATES); above 1 their results vote. */
  candidates: number;
}

export const DEFAULT_NL_OPTIONS: NlOptions = {
  maxAttempts: 3,
  validateResults: true,
  sampleRows: 10,
  schemaTokenBudget: 4000,
  deadlineMs: 120_000,
  candidates: 1,
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
  /**
   * Asks the user to pick one of `choices` (MCP elicitation); the index picked, or undefined
   * when declined. Absent when the client cannot be asked.
   */
  elicit?: (message: string, choices: string[]) => Promise<number | undefined>;
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
  /** With LLM_CANDIDATES > 1: every candidate, its result's fingerprint and its votes. */
  candidates?: CandidateReport[];
}

/** The question can mean different things: nothing ran; the readings, each with its SQL. */
export interface ClarificationAnswer {
  success: true;
  database: string;
  needs_clarification: true;
  message: string;
  interpretations: Interpretation[];
  attempts: Attempt[];
  tokens_used: number;
  tokens_by_stage: TokensByStage;
}

export type QueryAnswer = SqlAnswer | ResultAnswer | ClarificationAnswer;

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
): Promise<Result<QueryAnswer>> {
  const unreadable = checkInputText(input.question, "the question");
  if (unreadable) return unreadable;
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

/** What one question needs while it is answered: its database, model, caps and events. */
interface Asking {
  input: AskInput;
  db: Database;
  llm: Llm;
  deps: AskDeps;
  events: CallEvents;
  maxRows: number;
}

/** A candidate's SQL validated and, in mode "result", run (undefined rows: planned only). */
async function trySql(a: Asking, sql: string): Promise<Result<ReadResult | undefined>> {
  const { db, deps, events } = a;
  events.progress?.("Validating the SQL");
  const safe = await checkSql(sql, deps.parser, db.policy);
  if (!safe.ok) {
    observeFailure(deps.observer, safe.error);
    return { ok: false, error: asBadOutput(safe.error) };
  }
  if (a.input.returnType === "sql") {
    // Planned, never run: unknown names are still caught and repaired.
    if (safe.value.kind === "explain") return ok(undefined);
    const plan = await db.reader.plan(safe.value, events.signal);
    return plan.ok ? ok(undefined) : plan;
  }
  events.progress?.("Running the SQL");
  const rows = await readRows(db, safe.value, {
    maxRows: a.maxRows,
    limits: deps.limits,
    skeleton: (columns) => ({
      ...skeletonOf(db.name, sql, a.input.question),
      data: { ...emptyData(columns), row_count: 0, execution_time: 0 },
    }),
    signal: events.signal,
  });
  if (!rows.ok) {
    observeFailure(deps.observer, rows.error);
    if (namesMissing(rows.error)) await db.schema.recheck(); // fresh DDL for the repair
  }
  return rows;
}

/** The generator found the question ambiguous: nothing ran; the first try's marker. */
const AMBIGUOUS = Symbol("ambiguous");
type Tried = ReadResult | undefined | typeof AMBIGUOUS;

async function answer(
  input: AskInput,
  db: Database,
  llm: Llm,
  deps: AskDeps,
  events: CallEvents,
): Promise<Result<QueryAnswer>> {
  const { question } = input;
  const a: Asking = {
    input,
    db,
    llm,
    deps,
    events,
    maxRows: clampRows(input.maxRows, deps.limits),
  };
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
  const messages = sqlPrompt(context.text, question, examples, renderValueMatches(matches));
  const loop = await generateWithRepair<Tried>({
    llm,
    messages,
    maxAttempts: deps.nl.maxAttempts,
    log: deps.log,
    signal: events.signal,
    deadline: events.deadline,
    onGenerated: (stage, seconds, tokens) => deps.observer.generated(stage, seconds, tokens),
    onAttempt: (n) => events.progress?.(`Writing SQL (attempt ${n} of ${deps.nl.maxAttempts})`),
    // An ambiguous question is not answered with a guess: its readings are checked first.
    tryAnswer: (g) => g.interpretations ? Promise.resolve(ok(AMBIGUOUS)) : trySql(a, g.sql),
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
  let { generated, tried } = loop.result.value;
  if (tried === AMBIGUOUS) {
    const readings = generated.interpretations!;
    const chosen = await choose(events, question, readings);
    if (chosen === undefined) {
      return ok({
        success: true,
        database: db.name,
        needs_clarification: true,
        message: "The question can mean different things that give different answers: ask " +
          "again naming the one meant, or run one of these with execute_sql",
        interpretations: readings,
        attempts,
        tokens_used: total(),
        tokens_by_stage: tokens,
      });
    }
    const run = await trySql(a, chosen.sql);
    attempts.push({ sql: chosen.sql, ...(run.ok ? {} : { error: summarize(run.error) }) });
    if (!run.ok) {
      return fail(run.error.code, run.error.message, {
        ...run.error.details,
        attempts,
        tokens_used: total(),
        tokens_by_stage: tokens,
      });
    }
    generated = {
      ...generated,
      sql: chosen.sql,
      assumptions: [...generated.assumptions, `the question means: ${chosen.meaning}`],
    };
    tried = run.value;
  }
  let rows = tried;
  let voting: Vote | undefined;
  if (rows && deps.nl.candidates > 1) {
    voting = await voteOnCandidates(a, messages, { generated, rows }, tokens);
    if (voting) {
      generated = voting.winner.generated;
      rows = voting.winner.rows;
    }
  }
  const own = generated.confidence;
  const base = {
    success: true as const,
    database: db.name,
    generated_sql: generated.sql,
    ...(generated.explanation ? { explanation: generated.explanation } : {}),
    assumptions: generated.assumptions,
    attempts,
    ...(voting ? { candidates: voting.reports } : {}),
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
  let rating: Rating = {
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
  const split = voting ? voteFinding(voting) : undefined;
  if (split) rating = withFinding(rating, split);
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

/**
 * LLM_CANDIDATES > 1: more candidates (a warmer temperature for variety), each validated and
 * run like the first, then a vote on their results. Their tokens count as generation.
 */
async function voteOnCandidates(
  a: Asking,
  messages: ChatMessage[],
  first: { generated: GeneratedSql; rows: ReadResult },
  tokens: TokensByStage,
): Promise<Vote | undefined> {
  a.events.progress?.(`Writing ${a.deps.nl.candidates - 1} more candidates`);
  const extra = await Promise.all(
    Array.from({ length: a.deps.nl.candidates - 1 }, async (): Promise<Candidate | undefined> => {
      const started = performance.now();
      const g = await generateSql(a.llm, messages, {
        signal: a.events.signal,
        deadline: a.events.deadline,
        temperature: CANDIDATE_TEMPERATURE,
      });
      const used = g.ok ? g.value.usage.totalTokens : 0;
      tokens.generate += used;
      a.deps.observer.generated("generate", (performance.now() - started) / 1000, used);
      if (!g.ok) return undefined; // no SQL: nothing to report or vote
      const run = await trySql(a, g.value.sql);
      return run.ok && run.value ? { generated: g.value, rows: run.value } : {
        generated: g.value,
        error: run.ok
          ? { code: "INTERNAL", message: "no rows" }
          : { code: run.error.code, message: run.error.message },
      };
    }),
  );
  return await vote([first, ...extra.filter((c) => c !== undefined)], async (c) => {
    const safe = await checkSql(c.generated.sql, a.deps.parser, a.db.policy);
    if (!safe.ok) return Infinity;
    const plan = await a.db.reader.plan(safe.value, a.events.signal);
    return plan.ok ? plan.value.totalCost : Infinity;
  });
}

/** The temperature of candidates after the first: varied, still on topic. */
const CANDIDATE_TEMPERATURE = 0.7;

function voteFinding(v: Vote): CheckFinding | undefined {
  const penalty = disagreementPenalty(v.votes, v.voters);
  if (penalty === 0) return undefined;
  return {
    check: "split_vote",
    penalty,
    reason: `${v.votes} of ${v.voters} candidates agree on this result`,
  };
}

/** An answer's confidence, why, and the findings that lowered it. */
interface Rating {
  confidence: number;
  confidence_reason: string;
  checks?: CheckFinding[];
}

function withFinding(rating: Rating, finding: CheckFinding): Rating {
  return {
    confidence: Math.max(0, rating.confidence - finding.penalty),
    confidence_reason: `${rating.confidence_reason}; ${finding.reason} (-${finding.penalty})`,
    checks: [...(rating.checks ?? []), finding],
  };
}

/**
 * Asks the client's user which reading was meant (MCP elicitation), when the client supports
 * it; undefined when it does not, or the user declined.
 */
async function choose(
  events: CallEvents,
  question: string,
  readings: readonly Interpretation[],
): Promise<Interpretation | undefined> {
  if (!events.elicit) return undefined;
  const picked = await events.elicit(
    `"${question}" can mean different things. Which one did you mean?`,
    readings.map((r) => r.meaning),
  );
  return picked === undefined ? undefined : readings[picked];
}

/**
 * How long a question waits for the profile and value index being built (ms): they start when
 * the schema is first read (at start-up), so this is paid only by a question asked at once.
 */
const INSIGHTS_WAIT_MS = 1_000;

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
