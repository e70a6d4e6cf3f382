import { fail, ok, type Result } from "../errors.ts";
import type { Llm } from "../llm/llm_client.ts";
import { sqlPrompt } from "../llm/prompts.ts";
import type { Logger } from "../log.ts";
import { buildSchemaContext } from "../schema/context.ts";
import type { SchemaCache } from "../schema/schema_cache.ts";
import { checkInputText } from "../sql/input_text.ts";
import { type CheckFinding, checkResult } from "./check_result.ts";
import type { ExampleSet } from "./examples.ts";
import { type Attempt, generateWithRepair, type TokensByStage } from "./repair_loop.ts";
import { type ResultData, toResultData } from "./result_data.ts";
import type { RunLimits, RunSqlDeps } from "./run_sql.ts";

/** How the NL→SQL loop behaves (LLM_MAX_ATTEMPTS, LLM_VALIDATE_RESULTS, LLM_SAMPLE_ROWS). */
export interface NlOptions {
  /** Generation attempts per question, the first included. */
  maxAttempts: number;
  /** Score the result with the model and the deterministic checks. */
  validateResults: boolean;
  /** Rows of the result the checking model sees. */
  sampleRows: number;
}

export const DEFAULT_NL_OPTIONS: NlOptions = {
  maxAttempts: 3,
  validateResults: true,
  sampleRows: 10,
};

export interface AskDeps extends RunSqlDeps {
  /** The most tokens the schema part of a prompt may cost. */
  schemaTokenBudget: number;
  /** Absent when no API key is configured: `query` then answers LLM_NOT_CONFIGURED. */
  llm: Result<Llm>;
  schema: SchemaCache;
  log: Logger;
  /** Defaults: DEFAULT_NL_OPTIONS. */
  nl?: Partial<NlOptions>;
  /** Golden examples (LLM_EXAMPLES_FILE); the closest few go into the prompt. */
  examples?: ExampleSet;
}

export type ReturnType = "result" | "sql";

export interface SqlAnswer {
  success: true;
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

export interface ResultAnswer extends SqlAnswer {
  data: ResultData;
  truncated?: true;
  /** Deterministic findings that lowered the confidence. */
  checks?: CheckFinding[];
}

/** The confidence reported when the model gave none and no check ran. */
export const UNRATED_CONFIDENCE = 50;

/**
 * Question → schema context + golden examples → SQL → validation → read-only execution (repairing
 * fixable failures) → result validation → typed answer. Failures carry the attempts and the tokens
 * by stage in `details`.
 */
export async function answerQuestion(
  question: string,
  returnType: ReturnType,
  deps: AskDeps,
  limits: RunLimits,
  signal?: AbortSignal,
): Promise<Result<SqlAnswer | ResultAnswer>> {
  const unreadable = checkInputText(question, "the question");
  if (unreadable) return unreadable;
  if (!deps.llm.ok) return deps.llm;
  const llm = deps.llm.value;
  const nl = { ...DEFAULT_NL_OPTIONS, ...deps.nl };
  const schema = await deps.schema.get();
  if (!schema.ok) return schema;
  const context = buildSchemaContext(schema.value, question, deps.schemaTokenBudget);
  const examples = deps.examples?.select(question, schema.value.database) ?? [];
  const messages = sqlPrompt(context.text, question, examples);
  const loop = await generateWithRepair(
    llm,
    messages,
    returnType,
    nl.maxAttempts,
    deps,
    limits,
    signal,
  );
  const { attempts, tokens } = loop;
  const total = () => tokens.generate + tokens.repair + tokens.check;
  deps.log.info("query.generated", {
    attempts: attempts.length,
    ok: loop.result.ok,
    examples: examples.length,
    tokens: total(),
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
  const { generated, rows } = loop.result.value;
  const own = generated.confidence;
  const base = {
    success: true as const,
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
  if (returnType === "sql" || !rows) {
    return ok({ ...base, ...unchecked, tokens_used: total(), tokens_by_stage: tokens });
  }
  let rating: { confidence: number; confidence_reason: string; checks?: CheckFinding[] } = {
    ...unchecked,
    confidence_reason: `${unchecked.confidence_reason} (result validation is off)`,
  };
  if (nl.validateResults) {
    const check = await checkResult(
      llm,
      {
        question,
        sql: generated.sql,
        rows,
        sampleRows: nl.sampleRows,
        fallbackConfidence: unchecked.confidence,
      },
      deps.log,
      signal,
    );
    tokens.check += check.usage.totalTokens;
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
    ...(rows.truncated ? { truncated: true as const } : {}),
  });
}
