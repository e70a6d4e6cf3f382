import type { JsonValue } from "../db/pg_text.ts";
import type { ReadResult } from "../db/read_executor.ts";

/** The `data` of an answer: what `query` and `execute_sql` both return for rows. */
export interface ResultData {
  /** Column names, in order. */
  columns: string[];
  /** PostgreSQL's type of each column, in the same order. */
  column_types: string[];
  /** One array of values per row, in column order. */
  rows: JsonValue[][];
  row_count: number;
  /** Seconds the database took, including fetching the rows (millisecond precision). */
  execution_time: number;
}

/** The rows as JSON text, kept beside `data` (not serialized) so they are serialized once. */
export const ROWS_JSON: unique symbol = Symbol("rowsJson");

export function toResultData(r: ReadResult): ResultData {
  const data: ResultData = {
    columns: r.columns.map((c) => c.name),
    column_types: r.columns.map((c) => c.type),
    rows: r.rows,
    row_count: r.rowCount,
    execution_time: Math.round(r.executionMs) / 1000,
  };
  Object.defineProperty(data, ROWS_JSON, { value: r.rowsJson, enumerable: false });
  return data;
}

/** The rows' JSON text when `data` came from `toResultData`. */
export function rowsJsonOf(data: unknown): string | undefined {
  if (data === null || typeof data !== "object") return undefined;
  const json = (data as { [ROWS_JSON]?: unknown })[ROWS_JSON];
  return typeof json === "string" ? json : undefined;
}

/**
 * Characters an answer takes besides its rows, so the rows get the rest of the budget: the body
 * with empty rows, the text copy's fence, and `slack` for fields added after the rows are read.
 */
export function overheadChars(skeleton: unknown, slack = 0): number {
  return JSON.stringify(skeleton).length + FENCE_CHARS + slack;
}

/** The text copy's fence: a sentence and two boundary lines around the JSON. */
export const FENCE_CHARS = 260;
