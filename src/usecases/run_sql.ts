import type { ReadResult } from "../db/read_executor.ts";
import type { Database } from "../databases/database.ts";
import type { DatabaseRegistry } from "../databases/registry.ts";
import { fail, ok, type Result } from "../errors.ts";
import { digest, type TokenSigner } from "../security/signed_token.ts";
import type { SqlParser } from "../sql/parse.ts";
import type { StatementMemo } from "../sql/statement_memo.ts";
import { checkSql, type ValidatedSql } from "../sql/validate.ts";
import { observeFailure, type PipelineObserver } from "./observer.ts";
import { namesMissing } from "./schema_freshness.ts";
import { overheadChars, type ResultData, toResultData } from "./result_data.ts";

/** The caps on one answer's rows (SECURITY_MAX_ROWS, ..._BYTES, MCP_MAX_RESULT_CHARS). */
export interface OutputLimits {
  maxRows: number;
  maxResultBytes: number;
  /** The most characters each copy of a tool result may take. */
  maxResultChars: number;
  /** SECURITY_MAX_QUERY_COST; 0: no cost gate. */
  maxQueryCost: number;
}

export interface RunSqlInput {
  sql: string;
  database?: string;
  /** At most this many rows (capped by SECURITY_MAX_ROWS). */
  maxRows?: number;
  /** `next_cursor` of an earlier page of the same SQL. */
  cursor?: string;
}

export interface RunSqlDeps {
  databases: DatabaseRegistry;
  parser: SqlParser;
  /** The grammar rules' verdicts on statements seen before (clients repeat their SQL). */
  memo?: StatementMemo;
  limits: OutputLimits;
  tokens: TokenSigner;
  /** Told of refusals and database errors (metrics). */
  observer: PipelineObserver;
}

/** Where a cut result stops, so `cursor` can continue it. */
export interface Truncation {
  truncated?: true;
  truncated_reason?: "rows" | "bytes";
  /** Pass it back as `cursor`, with the same `sql`, for the rows that follow. */
  next_cursor?: string;
}

export interface ExecuteAnswer extends Truncation {
  success: true;
  database: string;
  data: ResultData;
}

const CURSOR_PURPOSE = "cursor";

/** Validates and runs SQL written by the client's own model: the path `query` takes too. */
export async function runSql(
  input: RunSqlInput,
  deps: RunSqlDeps,
  signal?: AbortSignal,
): Promise<Result<ExecuteAnswer>> {
  if (input.sql.trim() === "") return blankSql("SELECT");
  const db = deps.databases.resolve(input.database);
  if (!db.ok) return db;
  const page = input.cursor
    ? await readCursor(input.cursor, input.sql, db.value.name, deps.tokens)
    : ok({ offset: 0, maxRows: undefined });
  if (!page.ok) return page;
  const safe = await checkSql(input.sql, deps.parser, db.value.policy, deps.memo);
  if (!safe.ok) {
    observeFailure(deps.observer, safe.error);
    return safe;
  }
  const maxRows = clampRows(input.maxRows ?? page.value.maxRows, deps.limits);
  const rows = await readRows(db.value, safe.value, {
    maxRows,
    offset: page.value.offset,
    limits: deps.limits,
    skeleton: (columns) => ({
      success: true,
      database: db.value.name,
      data: { ...emptyData(columns), row_count: 0, execution_time: 0 },
      truncated: true,
      truncated_reason: "bytes",
      next_cursor: "x".repeat(CURSOR_CHARS),
    }),
    signal,
  });
  if (!rows.ok) {
    observeFailure(deps.observer, rows.error);
    if (namesMissing(rows.error)) void db.value.schema.recheck(); // DDL the snapshot missed
    return rows;
  }
  return ok({
    success: true,
    database: db.value.name,
    data: toResultData(rows.value),
    ...await truncation(rows.value, {
      sql: input.sql,
      database: db.value.name,
      offset: page.value.offset,
      maxRows: input.maxRows ?? page.value.maxRows,
    }, deps.tokens),
  });
}

/** Reading options shared by `execute_sql` and `query`. */
export interface ReadRowsOptions {
  maxRows: number;
  offset?: number;
  limits: OutputLimits;
  /** The answer without its rows, to size what the rows may take. */
  skeleton: (columns: readonly { name: string; type: string }[]) => unknown;
  signal?: AbortSignal;
}

/** Runs a validated statement within the caps, the cost gate and the answer's budget. */
export function readRows(
  db: Database,
  sql: ValidatedSql,
  options: ReadRowsOptions,
): Promise<Result<ReadResult>> {
  return db.reader.run(sql, {
    maxRows: options.maxRows,
    maxBytes: options.limits.maxResultBytes,
    maxChars: options.limits.maxResultChars,
    maxCost: options.limits.maxQueryCost,
    offset: options.offset,
    overhead: (columns) => overheadChars(options.skeleton(columns)),
    signal: options.signal,
  });
}

export function clampRows(wanted: number | undefined, limits: OutputLimits): number {
  if (wanted === undefined) return limits.maxRows;
  return Math.max(1, Math.min(Math.trunc(wanted), limits.maxRows));
}

/** `truncated`, why, and a cursor for the rest, when the rows were cut. */
export async function truncation(
  rows: ReadResult,
  next: { sql: string; database: string; offset: number; maxRows?: number },
  tokens: TokenSigner,
): Promise<Truncation> {
  if (!rows.truncated) return {};
  return {
    truncated: true,
    truncated_reason: rows.truncatedBy ?? "rows",
    next_cursor: await tokens.sign(CURSOR_PURPOSE, {
      d: next.database,
      h: await digest(next.sql),
      o: next.offset + rows.rowCount,
      ...(next.maxRows !== undefined ? { n: next.maxRows } : {}),
    }),
  };
}

/** Upper bound of a cursor's length, for the budget (a cursor is about 100 characters). */
const CURSOR_CHARS = 160;

async function readCursor(
  cursor: string,
  sql: string,
  database: string,
  tokens: TokenSigner,
): Promise<Result<{ offset: number; maxRows?: number }>> {
  const payload = await tokens.verify(CURSOR_PURPOSE, cursor);
  if (!payload.ok) return payload;
  const { d, h, o, n } = payload.value;
  if (d !== database || h !== await digest(sql)) {
    return fail(
      "INVALID_INPUT",
      "Cannot continue from this cursor: it belongs to another SQL text or database; send " +
        "the exact SQL and database of the page that gave it",
      { reason: "cursor_mismatch" },
    );
  }
  if (typeof o !== "number" || o < 0) {
    return fail("INVALID_INPUT", "Cannot use the cursor: it is malformed", { reason: "bad_token" });
  }
  return ok({ offset: o, ...(typeof n === "number" ? { maxRows: n } : {}) });
}

function emptyData(columns: readonly { name: string; type: string }[]) {
  return {
    columns: columns.map((c) => c.name),
    column_types: columns.map((c) => c.type),
    rows: [],
  };
}

export { emptyData };

/** Whitespace-only SQL is a bad argument (INVALID_INPUT), like a blank question. */
export function blankSql(expected: string): Result<never> {
  return fail("INVALID_INPUT", `Cannot run blank SQL: send one ${expected}`, {
    reason: "blank_sql",
  });
}
