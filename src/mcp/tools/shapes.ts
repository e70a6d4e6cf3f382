import { z } from "zod";

/** The error body every failing tool returns (as structuredContent and text). */
export const errorShape = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const columnShape = z.object({ name: z.string(), type: z.string() });

export const dataShape = z.object({
  columns: z.array(columnShape),
  rows: z.array(z.record(z.string(), z.unknown())),
  row_count: z.number().int(),
  execution_time: z.number().describe("Seconds"),
});

/** One output schema for every shape `query` returns: result, sql only, failure. */
export const answerShape = {
  success: z.boolean(),
  generated_sql: z.string().optional(),
  data: dataShape.optional(),
  confidence: z.number().min(0).max(100).optional(),
  tokens_used: z.number().int().optional(),
  truncated: z.boolean().optional(),
  tokens_by_stage: z.object({ generate: z.number(), repair: z.number(), check: z.number() })
    .optional().describe("Tokens per LLM stage; they sum to tokens_used"),
  attempts: z.array(z.object({
    sql: z.string().optional(),
    error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  })).optional().describe("Every try in order; failed ones carry PostgreSQL's error"),
  confidence_reason: z.string().optional(),
  checks: z.array(z.object({ check: z.string(), penalty: z.number(), reason: z.string() }))
    .optional().describe("Deterministic findings that lowered the confidence"),
  explanation: z.string().optional(),
  assumptions: z.array(z.string()).optional(),
  error: errorShape.optional(),
};
