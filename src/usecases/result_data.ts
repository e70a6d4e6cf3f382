import type { JsonRows } from "../db/json_rows.ts";
import type { ReadResult } from "../db/read_executor.ts";

/** The `data` of an answer: what `query` and `execute_sql` both return for rows. */
export interface ResultData {
  /** Column names, in order. */
  columns: string[];
  /** PostgreSQL's type of each column, in the same order. */
  column_types: string[];
  /** One array of values per row, in column order (serialized once, as JSON text pieces). */
  rows: JsonRows;
  row_count: number;
  /** Seconds the database took, including fetching the rows (millisecond precision). */
  execution_time: number;
}

export function toResultData(r: ReadResult): ResultData {
  const data: ResultData = {
    columns: r.columns.map((c) => c.name),
    column_types: r.columns.map((c) => c.type),
    rows: r.rows,
    row_count: r.rowCount,
    execution_time: Math.round(r.executionMs) / 1000,
  };
  return data;
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
