import type { Column, Row } from "../db/read_only.ts";
import { type ErrorDetails, fail, ok, type Result } from "../errors.ts";
import type { Llm } from "../llm/llm_client.ts";
import { sqlPrompt } from "../llm/prompts.ts";
import type { Logger } from "../log.ts";
import { buildSchemaContext } from "../schema/context.ts";
import type { SchemaCache } from "../schema/schema_cache.ts";
import { validateSql } from "../sql/validate.ts";
import { generateSql } from "./generate_sql.ts";
import { type RunLimits, runSql, type RunSqlDeps } from "./run_sql.ts";

export interface AskDeps extends RunSqlDeps {
  /** The most tokens the schema part of a prompt may cost. */
  schemaTokenBudget: number;
  /** Absent when no API key is configured: `query` then answers LLM_NOT_CONFIGURED. */
  llm: Result<Llm>;
  schema: SchemaCache;
  log: Logger;
}

export type ReturnType = "result" | "sql";

export interface ResultData {
  columns: Column[];
  rows: Row[];
  row_count: number;
  /** Seconds the database took, including fetching the rows. */
  execution_time: number;
}

export interface SqlAnswer {
  success: true;
  generated_sql: string;
  confidence: number;
  tokens_used: number;
}

export interface ResultAnswer extends SqlAnswer {
  data: ResultData;
  truncated?: true;
}

/** The confidence reported when the model gave none and no check ran. */
export const UNRATED_CONFIDENCE = 50;

/** Question → schema context → SQL → validation → read-only execution → typed answer. */
export async function answerQuestion(
  question: string,
  returnType: ReturnType,
  deps: AskDeps,
  limits: RunLimits,
  signal?: AbortSignal,
): Promise<Result<SqlAnswer | ResultAnswer>> {
  if (!deps.llm.ok) return deps.llm;
  const schema = await deps.schema.get();
  if (!schema.ok) return schema;
  const generated = await generateSql(
    deps.llm.value,
    sqlPrompt(buildSchemaContext(schema.value, question, deps.schemaTokenBudget).text, question),
    signal,
  );
  if (!generated.ok) return generated;
  const { sql, usage } = generated.value;
  const confidence = generated.value.confidence ?? UNRATED_CONFIDENCE;
  const withSql = (details: ErrorDetails) => ({
    ...details,
    generated_sql: sql,
    tokens_used: usage.totalTokens,
  });
  deps.log.info("query.generated", { tokens: usage.totalTokens });
  if (returnType === "sql") {
    const safe = validateSql(sql, deps.parser, deps.policy);
    if (!safe.ok) {
      return fail(
        safe.error.code,
        safe.error.message,
        withSql(safe.error.details),
      );
    }
    return ok({
      success: true,
      generated_sql: sql,
      confidence,
      tokens_used: usage.totalTokens,
    });
  }
  const rows = await runSql(sql, deps, limits, signal);
  if (!rows.ok) {
    return fail(
      rows.error.code,
      rows.error.message,
      withSql(rows.error.details),
    );
  }
  const r = rows.value;
  return ok({
    success: true,
    generated_sql: sql,
    data: {
      columns: r.columns,
      rows: r.rows,
      row_count: r.rowCount,
      execution_time: r.executionMs / 1000,
    },
    confidence,
    tokens_used: usage.totalTokens,
    ...(r.truncated ? { truncated: true as const } : {}),
  });
}
