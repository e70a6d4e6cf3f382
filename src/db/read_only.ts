import { fail, ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import { toDbError } from "./db_error.ts";
import { type JsonValue, textToJson } from "./pg_text.ts";
import type { ReservedSql, SessionLimits, Sql } from "./pool.ts";
import { TypeRegistry } from "./type_registry.ts";

export interface Column {
  name: string;
  type: string;
}

export type Row = Record<string, JsonValue>;

export interface Rows {
  columns: Column[];
  rows: Row[];
  rowCount: number;
  truncated: boolean;
  /** Which cap cut the rows short, when one did. */
  truncatedBy?: "max_rows" | "max_bytes";
  executionMs: number;
}

export interface RunOptions {
  maxRows: number;
  /** The most bytes the rows may take as JSON; later rows are dropped. */
  maxBytes: number;
  signal?: AbortSignal;
  params?: readonly unknown[];
}

export interface ReadOnlyDb {
  /** Runs exactly one statement in a READ ONLY transaction that is always rolled back. */
  run(sql: string, options: RunOptions): Promise<Result<Rows>>;
  /** Our own catalog queries: read-only, parameters bound, never user text. */
  catalog<T>(sql: string, params?: readonly unknown[]): Promise<Result<T[]>>;
  close(): Promise<void>;
}

interface DriverColumn {
  name: string;
  type: number;
}

const BATCH = 500;

export function createReadOnlyDb(
  sql: Sql,
  limits: SessionLimits,
  log: Logger,
  now: () => number = performance.now.bind(performance),
): ReadOnlyDb {
  const types = new TypeRegistry();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();

  /** `jit: false` for our catalog queries: compiling them costs more than running them. */
  async function inReadOnlyTransaction<T>(
    work: (conn: ReservedSql) => Promise<T>,
    jit = true,
  ): Promise<T> {
    const conn = await sql.reserve();
    try {
      // One round trip: BEGIN and this transaction's server-side limits (SQL cannot lift them for
      // the next call). Our own text with integer values, so the simple protocol is safe here.
      await conn.unsafe(
        "BEGIN READ ONLY; SELECT " +
          `set_config('statement_timeout', '${Math.trunc(limits.statementTimeoutMs)}', true), ` +
          `set_config('lock_timeout', '${Math.trunc(limits.lockTimeoutMs)}', true), ` +
          "set_config('idle_in_transaction_session_timeout', " +
          `'${Math.trunc(limits.idleInTransactionTimeoutMs)}', true), ` +
          "set_config('transaction_read_only', 'on', true)" +
          (jit ? "" : ", set_config('jit', 'off', true)"),
        [],
        { simple: true } as never,
      );
      return await work(conn);
    } finally {
      await resetSession(conn, log);
      conn.release();
    }
  }

  return {
    async run(text, options) {
      const started = now();
      let cancelled = false;
      try {
        return await inReadOnlyTransaction(async (conn) => {
          // Extended protocol (never `simple`): the server accepts exactly one statement.
          const query = conn.unsafe(text, [...(options.params ?? [])], {
            prepare: false,
            simple: false,
          } as never).raw();
          let recancel: ReturnType<typeof setInterval> | undefined;
          const onAbort = () => {
            cancelled = true;
            // PostgreSQL drops a cancel that lands between two protocol messages: repeat it
            // until the query settles (the interval ends before ROLLBACK is sent).
            const canceller = (query as unknown as { canceller?: (q: unknown) => void })
              .canceller;
            query.cancel();
            if (canceller) recancel = setInterval(() => canceller(query), 200);
          };
          if (options.signal?.aborted) onAbort();
          options.signal?.addEventListener("abort", onAbort, { once: true });
          const raw: (Uint8Array | null)[][] = [];
          let columns: DriverColumn[] = [];
          let bytes = 2;
          let truncatedBy: Rows["truncatedBy"];
          try {
            outer: for await (
              const batch of query.cursor(Math.min(BATCH, options.maxRows + 1))
            ) {
              columns = (batch as unknown as { columns?: DriverColumn[] }).columns ??
                columns;
              for (const row of batch as unknown as (Uint8Array | null)[][]) {
                if (raw.length === options.maxRows) {
                  truncatedBy = "max_rows";
                  break outer;
                }
                bytes += row.reduce((n, v) => n + (v?.length ?? 4) + 3, 1);
                if (bytes > options.maxBytes) {
                  truncatedBy = "max_bytes";
                  break outer;
                }
                raw.push(row);
              }
            }
          } finally {
            options.signal?.removeEventListener("abort", onAbort);
            clearInterval(recancel);
          }
          if (columns.length === 0) {
            columns = ((query as unknown as {
              statement?: { columns?: DriverColumn[] };
            })
              .statement?.columns) ?? [];
          }
          await types.resolve(conn, columns.map((c) => c.type));
          const lookup = (oid: number) => types.info(oid);
          const names = uniqueNames(columns.map((c) => c.name));
          const rows: Row[] = [];
          let jsonBytes = 2;
          for (const values of raw) {
            const row = Object.fromEntries(names.map((n, i) => {
              const v = values[i];
              const type = lookup(columns[i].type);
              return [n, textToJson(v === null ? null : decoder.decode(v), type, lookup)];
            }));
            // The exact cap on the JSON the client receives (escapes and UTF-8 counted).
            jsonBytes += encoder.encode(JSON.stringify(row)).length + 1;
            if (jsonBytes > options.maxBytes) {
              truncatedBy = "max_bytes";
              break;
            }
            rows.push(row);
          }
          const executionMs = Math.round((now() - started) * 100) / 100;
          log.debug("db.run", {
            rows: rows.length,
            truncatedBy,
            ms: executionMs,
          });
          return ok<Rows>({
            columns: names.map((name, i) => ({
              name,
              type: types.info(columns[i].type).name,
            })),
            rows,
            rowCount: rows.length,
            truncated: truncatedBy !== undefined,
            ...(truncatedBy ? { truncatedBy } : {}),
            executionMs,
          });
        });
      } catch (error) {
        const appError = toDbError(error, cancelled);
        return fail(appError.code, appError.message, appError.details);
      }
    },

    async catalog<T>(text: string, params: readonly unknown[] = []) {
      try {
        return ok(
          await inReadOnlyTransaction(async (conn) =>
            (await conn.unsafe(
              text,
              [...params],
              { prepare: false } as never,
            )) as unknown as T[], false),
        );
      } catch (error) {
        const appError = toDbError(error);
        return fail(appError.code, appError.message, appError.details);
      }
    },

    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

/**
 * Ends the transaction and drops every session state a statement could leave behind (advisory
 * locks, prepared statements, settings, temporary tables, LISTEN): the next call on this pooled
 * connection starts clean. DISCARD ALL keeps the startup parameters (read-only default,
 * timeouts) and costs about 0.1 ms. A session that cannot be reset is ended, never reused.
 */
export async function resetSession(conn: ReservedSql, log: Logger): Promise<void> {
  await conn.unsafe("ROLLBACK").catch(() => undefined);
  try {
    await conn.unsafe("DISCARD ALL");
  } catch (error) {
    log.warn("db.reset_failed", { error: (error as Error).message });
    await conn.unsafe("SELECT pg_terminate_backend(pg_backend_pid())").catch(() => undefined);
  }
}

/** Duplicate result names ("a", "a") become "a", "a_2" so no value is lost in an object row. */
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
