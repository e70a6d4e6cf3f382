import type { ReadResult } from "../db/read_executor.ts";
import type { Llm, TokenUsage } from "../llm/llm_client.ts";
import { ZERO_USAGE } from "../llm/llm_client.ts";
import { checkPrompt } from "../llm/prompts.ts";
import type { Logger } from "../log.ts";
import { type CallBounds, parseJsonObject, toConfidence } from "./generate_sql.ts";

/** A deterministic finding that lowers the confidence, with the reason stated. */
export interface CheckFinding {
  check: "empty_result" | "all_null_columns" | "duplicate_rows" | "row_cap_hit" | "split_vote";
  /** Points taken off the confidence. */
  penalty: number;
  reason: string;
}

/** The penalties of the deterministic checks, in confidence points (split_vote: by its share). */
export const PENALTIES: Readonly<Record<Exclude<CheckFinding["check"], "split_vote">, number>> = {
  empty_result: 40,
  all_null_columns: 20,
  duplicate_rows: 15,
  row_cap_hit: 10,
};

/** Checks that need no model: they look only at the rows. */
export function deterministicChecks(rows: ReadResult): CheckFinding[] {
  const findings: CheckFinding[] = [];
  if (rows.rowCount === 0) {
    findings.push({
      check: "empty_result",
      penalty: PENALTIES.empty_result,
      reason: "the query returned no rows",
    });
    return findings;
  }
  const allNull = rows.columns.filter((_, i) => rows.facts.allNull[i]);
  if (allNull.length > 0) {
    findings.push({
      check: "all_null_columns",
      penalty: PENALTIES.all_null_columns,
      reason: `column${allNull.length > 1 ? "s" : ""} ${
        allNull.map((c) => `"${c.name}"`).join(", ")
      } ${allNull.length > 1 ? "are" : "is"} NULL in every row`,
    });
  }
  // Equal rows have equal JSON: the pieces compare as they are.
  const duplicates = rows.rows.length - new Set(rows.rows.pieces()).size;
  if (duplicates > 0) {
    findings.push({
      check: "duplicate_rows",
      penalty: PENALTIES.duplicate_rows,
      reason: `${duplicates} of ${rows.rows.length} rows are duplicates (a join may fan out)`,
    });
  }
  if (rows.truncated) {
    const cap = rows.truncatedBy === "bytes" ? "the size cap" : "the row cap";
    findings.push({
      check: "row_cap_hit",
      penalty: PENALTIES.row_cap_hit,
      reason: `the result was cut at ${rows.rowCount} rows by ${cap}`,
    });
  }
  return findings;
}

export interface ResultCheck {
  /** 0-100, after the penalties. */
  confidence: number;
  /** The model's explanation and every finding, as one sentence list. */
  reason: string;
  findings: CheckFinding[];
  /** The model's score before the penalties; absent when the model check could not run. */
  modelConfidence?: number;
  usage: TokenUsage;
}

export interface CheckResultInput {
  question: string;
  sql: string;
  rows: ReadResult;
  /** Rows shown to the model. */
  sampleRows: number;
  /** Used when the model check cannot run. */
  fallbackConfidence: number;
}

export const CHECK_SCHEMA = {
  name: "result_check",
  schema: {
    type: "object",
    properties: {
      confidence: { type: "number", minimum: 0, maximum: 100 },
      explanation: { type: "string" },
    },
    required: ["confidence", "explanation"],
    additionalProperties: false,
  },
};

/**
 * Result validation: the model scores the result from a sample, then each deterministic finding
 * takes its penalty off. confidence = clamp(model score − Σ penalties, 0, 100). When the model
 * check fails (timeout, bad answer) the fallback score is used and the reason says so; the answer
 * itself is not lost.
 */
export async function checkResult(
  llm: Llm,
  input: CheckResultInput,
  log: Logger,
  call: CallBounds = {},
): Promise<ResultCheck> {
  const findings = deterministicChecks(input.rows);
  const completion = await llm.complete(
    checkPrompt({
      question: input.question,
      sql: input.sql,
      columns: input.rows.columns,
      rowCount: input.rows.rowCount,
      truncated: input.rows.truncated,
      sampleRows: input.rows.rows.head(input.sampleRows).map((row) =>
        Object.fromEntries(input.rows.columns.map((c, i) => [c.name, row[i]]))
      ),
    }),
    { jsonSchema: CHECK_SCHEMA, ...call },
  );
  let base = input.fallbackConfidence;
  let said: string;
  let modelConfidence: number | undefined;
  let usage = ZERO_USAGE;
  if (!completion.ok) {
    said = `the result check could not run (${completion.error.code})`;
  } else {
    usage = completion.value.usage;
    const answer = parseJsonObject(completion.value.text);
    modelConfidence = toConfidence(answer?.confidence);
    if (modelConfidence === undefined) {
      said = "the result check gave no confidence";
    } else {
      base = modelConfidence;
      said = typeof answer?.explanation === "string" && answer.explanation.trim()
        ? answer.explanation.trim()
        : "the result check gave no explanation";
    }
  }
  if (modelConfidence === undefined) {
    log.warn("query.check_unavailable", { reason: said });
  }
  const penalty = findings.reduce((sum, f) => sum + f.penalty, 0);
  const confidence = Math.max(0, Math.min(100, base - penalty));
  const reason = [said, ...findings.map((f) => `${f.reason} (-${f.penalty})`)]
    .map((s) => s.replace(/[.\s]+$/, ""))
    .join("; ");
  return {
    confidence,
    reason,
    findings,
    ...(modelConfidence !== undefined ? { modelConfidence } : {}),
    usage,
  };
}
