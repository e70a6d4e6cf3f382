import type { Column, Row, Rows } from "../db/read_only.ts";

/** The `data` of an answer: what `query` and `execute_sql` both return for rows. */
export interface ResultData {
  columns: Column[];
  rows: Row[];
  row_count: number;
  /** Seconds the database took, including fetching the rows. */
  execution_time: number;
}

export function toResultData(r: Rows): ResultData {
  return {
    columns: r.columns,
    rows: r.rows,
    row_count: r.rowCount,
    execution_time: r.executionMs / 1000,
  };
}
