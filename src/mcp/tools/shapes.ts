import { z } from "zod";

/*
 * Output schemas declare what every value is (the MCP Inspector's `--strict` warns about a schema
 * that accepts anything, `{}`): a free-form object is `{"type": "object", "additionalProperties":
 * true}`, any array `{"type": "array"}`, and a value of a row one of the six JSON types, as
 * `anyOf` branches of one type each (a `type` array is less portable).
 */

/** Any JSON object, its members unconstrained. */
const freeObject = () => z.record(z.string(), z.unknown()).meta({ additionalProperties: true });

/** Any JSON array (no `items`: its members are unconstrained). */
const freeArray = () => z.array(z.unknown()).meta({ items: undefined });

/**
 * One value of a row: a string (text, int8, numeric, money, dates, NaN and ±Infinity, ...), a
 * number, a boolean, null, an object (json, jsonb) or an array (arrays of values, json arrays).
 */
export const rowValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  freeObject(),
  freeArray(),
]);

/** The error body every failing tool returns (as structuredContent and text). */
export const errorShape = z.object({
  code: z.string(),
  message: z.string(),
  details: freeObject().describe("What the code is about: reason, limits, PostgreSQL's fields"),
});

/** Every body carries `success`; failures carry `error` (clients validate both). */
export const baseShape = { success: z.boolean(), error: errorShape.optional() };

export const dataShape = z.object({
  columns: z.array(z.string()).describe("Column names, in order"),
  column_types: z.array(z.string()).describe("PostgreSQL type of each column, in order"),
  rows: z.array(z.array(rowValue)).describe(
    "One array per row, values in column order; int8, numeric and money as strings",
  ),
  row_count: z.number().int(),
  execution_time: z.number().describe("Seconds, millisecond precision"),
});

/** How a cut result says so, and how to continue it. */
export const truncationShape = {
  truncated: z.boolean().optional(),
  truncated_reason: z.enum(["rows", "bytes"]).optional().describe(
    "rows: the row cap (max_rows or SECURITY_MAX_ROWS); bytes: the size budget",
  ),
  next_cursor: z.string().optional().describe(
    "Pass it to execute_sql as `cursor` with the same `sql` for the next rows",
  ),
};

/** The `database` argument of every database tool. */
export const databaseArg = z.string().min(1).max(63).optional().describe(
  "Which configured database (see list_databases); default: the default database",
);

/** The `max_rows` argument of `query` and `execute_sql`. */
export const maxRowsArg = z.number().int().min(1).optional().describe(
  "Return at most this many rows (capped by the server's SECURITY_MAX_ROWS)",
);

/** One output schema for every shape `query` returns: result, sql only, failure. */
export const answerShape = {
  ...baseShape,
  database: z.string().optional(),
  generated_sql: z.string().optional(),
  data: dataShape.optional(),
  confidence: z.number().min(0).max(100).optional(),
  tokens_used: z.number().int().optional(),
  ...truncationShape,
  tokens_by_stage: z.object({ generate: z.number(), repair: z.number(), check: z.number() })
    .optional().describe("Tokens per LLM stage; they sum to tokens_used"),
  attempts: z.array(z.object({
    sql: z.string().optional(),
    error: z.looseObject({
      code: z.string(),
      message: z.string(),
      sqlstate: z.string().optional(),
      hint: z.string().optional(),
      detail: z.string().optional(),
      position: z.number().int().optional().describe("1-based character in `sql`"),
    }).meta({ additionalProperties: true }).optional(),
  })).optional().describe("Every try in order; failed ones carry PostgreSQL's error"),
  confidence_reason: z.string().optional(),
  checks: z.array(z.object({ check: z.string(), penalty: z.number(), reason: z.string() }))
    .optional().describe("Deterministic findings that lowered the confidence"),
  explanation: z.string().optional(),
  assumptions: z.array(z.string()).optional(),
  candidates: z.array(z.object({
    sql: z.string(),
    result_fingerprint: z.string().optional(),
    votes: z.number().int(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })).optional().describe("With LLM_CANDIDATES > 1: each candidate and the votes for its result"),
  needs_clarification: z.boolean().optional().describe(
    "true: the question is ambiguous and nothing ran; pick one of interpretations",
  ),
  message: z.string().optional(),
  interpretations: z.array(z.object({ meaning: z.string(), sql: z.string() })).optional(),
};

/** `query`'s result shape without the LLM fields. */
export const executeShape = {
  ...baseShape,
  database: z.string().optional(),
  data: dataShape.optional(),
  ...truncationShape,
};

export const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
