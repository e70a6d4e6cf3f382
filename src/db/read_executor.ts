import { fail, ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ValidatedSql } from "../sql/validated.ts";
import type { DriverColumn, RawRow } from "./driver.ts";
import type { JsonRows } from "./json_rows.ts";
import type { Pool } from "./pool.ts";
import {
  type CollectLimits,
  columnTypes,
  RowCollector,
  type RowFacts,
  type TruncatedBy,
} from "./row_collector.ts";
import type { SessionLimits } from "./session_settings.ts";
import { inTransaction, type Transaction } from "./transaction.ts";
import { inSpan, type Tracer } from "../observability/tracing.ts";
import { TypeRegistry } from "./type_registry.ts";
import { EXPLAIN_JSON, type PlanSummary, planSummary, positionInStatement } from "./plan.ts";

export interface Column {
  name: string;
  type: string;
}

/** A read's rows, converted straight to JSON text once. */
export interface ReadResult {
  columns: Column[];
  rows: JsonRows;
  /** Noted while the rows came: columns NULL in every row. */
  facts: RowFacts;
  rowCount: number;
  truncated: boolean;
  truncatedBy?: TruncatedBy;
  executionMs: number;
}

export interface ReadRequest extends CollectLimits {
  signal?: AbortSignal;
  /** Planner cost units above which the statement is refused before it runs; 0: no gate. */
  maxCost?: number;
  /** Rows to skip first (the next page of a result): skipped on the server, never sent. */
  offset?: number;
  /** Characters the answer needs besides its rows, once the columns are known. */
  overhead?: (columns: readonly Column[]) => number;
}

export interface ReadExecutor {
  /**
   * Runs one validated statement in a READ ONLY transaction that is always rolled back, with
   * the server-side limits, fetching at most `maxRows` rows within the size budget.
   */
  run(sql: ValidatedSql, request: ReadRequest): Promise<Result<ReadResult>>;
  /** The plan of a validated SELECT (EXPLAIN without ANALYZE: nothing runs). */
  plan(sql: ValidatedSql, signal?: AbortSignal): Promise<Result<PlanSummary>>;
  /** Our own catalog SQL: read-only, parameters bound, never user text. */
  catalog<T>(sql: string, params?: readonly unknown[]): Promise<Result<T[]>>;
}

/** The longest our own catalog reads wait for a lock (ms). */
const CATALOG_LOCK_MS = 1_000;

/**
 * Rows fetched per round trip (an Execute row limit): bounds memory and what a cap wastes. The
 * driver keeps a whole batch (an array and a buffer view per value) until it hands it over: with
 * 10,000 rows a batch lived through several young-generation collections and was copied to the
 * old one (~10 MB a batch, 100,000 rows: +250 MB RSS and 100 ms of GC); 2,000 rows die young.
 */
const BATCH_ROWS = 2_000;
export interface ReadExecutorOptions {
  pool: Pool;
  limits: SessionLimits;
  log: Logger;
  now?: () => number;
  /** Spans for each statement (OTEL_DENO=true); attributes never carry SQL or rows. */
  tracer?: Tracer;
  /** The database's name, for spans. */
  database?: string;
}

export function createReadExecutor(options: ReadExecutorOptions): ReadExecutor {
  const { pool, limits, log } = options;
  const now = options.now ?? performance.now.bind(performance);
  const types = new TypeRegistry();
  const catalogLimits = {
    ...limits,
    lockTimeoutMs: Math.min(limits.lockTimeoutMs, CATALOG_LOCK_MS),
  };

  const read = <T>(
    sql: ValidatedSql | undefined,
    signal: AbortSignal | undefined,
    work: (tx: Transaction) => Promise<Result<T>>,
  ) =>
    inTransaction(
      pool,
      {
        readOnly: true,
        // Our own catalog reads (schema, profile, value index) never queue behind a lock.
        limits: sql ? limits : catalogLimits,
        signal,
        jit: sql !== undefined,
        reset: !sql ? "none" : sql.sessionSafe ? "advisory_locks" : "all",
        retryDeadSession: true,
      },
      log,
      work,
    );

  const traced = <T>(operation: string, work: () => Promise<T>) =>
    options.tracer
      ? inSpan(options.tracer, `${operation} ${options.database ?? ""}`.trim(), {
        "db.system.name": "postgresql",
        "db.operation.name": operation,
        ...(options.database ? { "db.namespace": options.database } : {}),
      }, work)
      : work();

  return {
    run(sql, request) {
      const operation = sql.kind === "explain" ? "EXPLAIN" : "SELECT";
      return traced(operation, () =>
        read(sql, request.signal, async (tx) => {
          const started = now();
          if (request.maxCost && request.maxCost > 0 && sql.kind === "select") {
            const gate = await costGate(tx, sql.text, request.maxCost);
            if (!gate.ok) return gate;
          }
          const source = pageOf(sql, request.offset ?? 0, request.maxRows);
          const rows = await streamRows(tx, source, request, types);
          if (!rows.ok) return rows;
          const executionMs = Math.round((now() - started) * 1000) / 1000;
          log.debug("db.run", { rows: rows.value.rowCount, truncatedBy: rows.value.truncatedBy });
          return ok({ ...rows.value, executionMs });
        }));
    },
    plan(sql, signal) {
      return read(sql, signal, async (tx) => ok(await explain(tx, planTarget(sql))));
    },
    catalog<T>(text: string, params: readonly unknown[] = []) {
      return read(undefined, undefined, async (tx) => ok(await tx.session.query<T>(text, params)));
    },
  };
}

/** Where the rows come from: the statement, or past `offset` of it through a cursor. */
interface RowSource {
  /** Statements that prepare the source (our own text around the validated one). */
  before: string[];
  /** The statement whose rows are streamed. */
  text: string;
  /** Rows to drop on our side (EXPLAIN output, which a cursor cannot hold). */
  drop: number;
}

/**
 * A later page: `DECLARE ... CURSOR FOR <statement>` and `MOVE` skip the rows on the server,
 * then the rows stream from `FETCH`. Each is one statement over the extended protocol. The FETCH
 * asks for one row more than the page can hold (to tell whether more follow), never ALL: the
 * server runs a FETCH to completion before the first row is sent, so ALL would compute every
 * remaining row of the statement (a 1,000,000-row result's second page, or a timeout).
 */
function pageOf(sql: ValidatedSql, offset: number, maxRows: number): RowSource {
  if (offset <= 0) return { before: [], text: sql.text, drop: 0 };
  if (sql.kind === "explain") return { before: [], text: sql.text, drop: offset };
  return {
    before: [
      `DECLARE pg_mcp_page NO SCROLL CURSOR FOR ${sql.text}`,
      `MOVE FORWARD ${Math.trunc(offset)} IN pg_mcp_page`,
    ],
    text: `FETCH FORWARD ${Math.max(1, Math.trunc(maxRows)) + 1} FROM pg_mcp_page`,
    drop: 0,
  };
}

/** Plans `statement` without running it; an error's position is the statement's own. */
async function explain(tx: Transaction, statement: string): Promise<PlanSummary> {
  const rows = await tx.session.query<{ "QUERY PLAN": unknown }>(`${EXPLAIN_JSON}${statement}`)
    .catch((error) => Promise.reject(positionInStatement(error)));
  return planSummary(rows[0]?.["QUERY PLAN"]);
}

/** The SELECT an EXPLAIN describes is planned as itself: `EXPLAIN (FORMAT JSON) SELECT ...`. */
function planTarget(sql: ValidatedSql): string {
  return sql.kind === "explain" ? sql.text.replace(/^\s*explain\b/i, "").trimStart() : sql.text;
}

/**
 * Plans the statement in the same transaction before it runs; above `maxCost` it is refused
 * with QUERY_TOO_EXPENSIVE and never runs.
 */
async function costGate(tx: Transaction, text: string, maxCost: number): Promise<Result<void>> {
  const plan = await explain(tx, text);
  if (plan.totalCost <= maxCost) return ok(undefined);
  return fail(
    "QUERY_TOO_EXPENSIVE",
    `Cannot run the query: the planner estimates a cost of ${Math.round(plan.totalCost)}, ` +
      `above the limit of ${maxCost} (SECURITY_MAX_QUERY_COST); narrow it with filters or a LIMIT`,
    {
      estimated_cost: plan.totalCost,
      estimated_rows: plan.planRows,
      max_cost: maxCost,
      plan: plan.nodes,
    },
  );
}

/**
 * Streams the statement's rows through a collector. Values are converted as batches arrive
 * when every column type is known; otherwise the raw rows wait while the types are read (in the
 * same transaction, after the statement). The answer comes as soon as the last batch is in:
 * a batch shorter than the Execute limit is the last one.
 */
async function streamRows(
  tx: Transaction,
  source: RowSource,
  request: ReadRequest,
  types: TypeRegistry,
): Promise<Result<Omit<ReadResult, "executionMs">>> {
  const before = source.before.map((text) => tx.session.query(text));
  for (const p of before) p.catch(() => undefined); // their errors fail the FETCH too
  let toDrop = source.drop;
  const batchRows = Math.max(1, Math.min(BATCH_ROWS, request.maxRows + 1 + toDrop));
  const lookup = (oid: number) => types.info(oid);
  let columns: readonly DriverColumn[] | undefined;
  let collector: RowCollector | undefined;
  let waiting: RawRow[][] | undefined;
  let waitingRows = 0;
  let waitingBytes = 0;
  let lastBatch!: () => void;
  const last = new Promise<void>((resolve) => lastBatch = resolve);
  const newCollector = (cols: readonly DriverColumn[]) => {
    const names = uniqueNames(cols.map((c) => c.name));
    const overhead = request.overhead?.(
      names.map((name, i) => ({ name, type: types.info(cols[i].type).name })),
    ) ?? 0;
    return new RowCollector(columnTypes(cols, lookup), lookup, {
      ...request,
      maxChars: Math.max(2, request.maxChars - overhead),
    });
  };
  const statement = tx.session.stream(source.text, [], batchRows, (whole, cols) => {
    if (tx.cancelled) return false;
    columns ??= cols;
    const batch = toDrop > 0 ? whole.slice(toDrop) : whole;
    toDrop = Math.max(0, toDrop - whole.length);
    if (!collector && !waiting && types.knows(cols.map((c) => c.type))) {
      collector = newCollector(cols);
    }
    let more = true;
    if (collector) more = collector.add(batch);
    else {
      // Raw text is never longer than its JSON: past the budget, later rows would be cut anyway.
      (waiting ??= []).push([...batch]);
      waitingRows += batch.length;
      for (const row of batch) for (const v of row) waitingBytes += v?.length ?? 0;
      more = waitingRows <= request.maxRows && waitingBytes <= request.maxBytes;
    }
    if (whole.length < batchRows) lastBatch();
    return more;
  });
  tx.track(statement);
  statement.done.catch(() => undefined); // errors are read below, or after the early answer
  let end: Awaited<typeof statement.done> | undefined;
  try {
    end = await Promise.race([statement.done, last.then(() => undefined)]);
  } catch (error) {
    for (const p of before) await p; // the DECLARE's own error says more than the FETCH's
    throw error;
  }
  if (tx.cancelled) {
    await statement.done; // throws the server's cancel error when it stopped the statement
    return fail("DB_CANCELLED", "Cannot finish the query: the caller cancelled it");
  }
  columns ??= end?.columns ?? [];
  const oids = columns.map((c) => c.type);
  for (const p of before) await p;
  if (!collector) {
    await types.resolve((t, p) => tx.session.query(t, p), oids);
    collector = newCollector(columns);
    for (const batch of waiting ?? []) if (!collector.add(batch)) break;
  }
  if (!collector.full && waitingRows > request.maxRows) collector.sawMoreRows();
  const collected = collector.finish();
  const names = uniqueNames(columns.map((c) => c.name));
  return ok({
    columns: names.map((name, i) => ({ name, type: types.info(oids[i]).name })),
    rows: collected.rows,
    facts: collected.facts,
    rowCount: collected.rows.length,
    truncated: collected.truncatedBy !== undefined,
    ...(collected.truncatedBy ? { truncatedBy: collected.truncatedBy } : {}),
  });
}

/** Duplicate result names ("a", "a") become "a", "a_2" so no column is ambiguous. */
export function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(names);
  return names.map((name) => {
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    if (n === 0) return name;
    let k = n + 1;
    while (taken.has(`${name}_${k}`)) k++;
    const alias = `${name}_${k}`;
    taken.add(alias);
    return alias;
  });
}
