import { fail, ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import { toDbError } from "./db_error.ts";
import { type JsonValue, toJsonValue } from "./json_values.ts";
import type { ReservedSql, SessionLimits, Sql } from "./pool.ts";
import { BUILTIN_TYPE_NAMES } from "./type_names.ts";

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
  const typeNames = new Map<number, string>(
    Object.entries(BUILTIN_TYPE_NAMES).map(([k, v]) => [Number(k), v]),
  );

  async function inReadOnlyTransaction<T>(
    work: (conn: ReservedSql) => Promise<T>,
  ): Promise<T> {
    const conn = await sql.reserve();
    try {
      await conn.unsafe("BEGIN READ ONLY");
      // Server-side limits for this transaction only; SQL cannot lift them for the next call.
      await conn.unsafe(
        "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)," +
          " set_config('idle_in_transaction_session_timeout', $3, true)," +
          " set_config('transaction_read_only', 'on', true)",
        [
          String(limits.statementTimeoutMs),
          String(limits.lockTimeoutMs),
          String(limits.idleInTransactionTimeoutMs),
        ],
      );
      return await work(conn);
    } finally {
      await conn.unsafe("ROLLBACK").catch(() => undefined);
      conn.release();
    }
  }

  async function resolveTypes(
    conn: ReservedSql,
    oids: number[],
  ): Promise<void> {
    const missing = [...new Set(oids)].filter((o) => !typeNames.has(o));
    if (missing.length === 0) return;
    const found = await conn.unsafe(
      "SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1::oid[])",
      [missing],
    );
    for (const r of found) typeNames.set(Number(r.oid), String(r.name));
  }

  return {
    async run(text, options) {
      const started = now();
      let cancelled = false;
      try {
        return await inReadOnlyTransaction(async (conn) => {
          const query = conn.unsafe(text, [...(options.params ?? [])], {
            prepare: false,
          } as never).values();
          const onAbort = () => {
            cancelled = true;
            query.cancel();
          };
          if (options.signal?.aborted) onAbort();
          options.signal?.addEventListener("abort", onAbort, { once: true });
          const raw: unknown[][] = [];
          let columns: DriverColumn[] = [];
          let bytes = 2;
          let truncatedBy: Rows["truncatedBy"];
          try {
            outer: for await (
              const batch of query.cursor(Math.min(BATCH, options.maxRows + 1))
            ) {
              columns = (batch as unknown as { columns?: DriverColumn[] }).columns ??
                columns;
              for (const row of batch as unknown as unknown[][]) {
                if (raw.length === options.maxRows) {
                  truncatedBy = "max_rows";
                  break outer;
                }
                bytes += JSON.stringify(row).length + 1;
                if (bytes > options.maxBytes) {
                  truncatedBy = "max_bytes";
                  break outer;
                }
                raw.push(row);
              }
            }
          } finally {
            options.signal?.removeEventListener("abort", onAbort);
          }
          if (columns.length === 0) {
            columns = ((query as unknown as {
              statement?: { columns?: DriverColumn[] };
            })
              .statement?.columns) ?? [];
          }
          await resolveTypes(conn, columns.map((c) => c.type));
          const names = uniqueNames(columns.map((c) => c.name));
          const rows = raw.map((values) =>
            Object.fromEntries(
              names.map((n, i) => [n, toJsonValue(values[i], columns[i].type)]),
            )
          );
          const executionMs = Math.round((now() - started) * 100) / 100;
          log.debug("db.run", {
            rows: rows.length,
            truncatedBy,
            ms: executionMs,
          });
          return ok<Rows>({
            columns: names.map((name, i) => ({
              name,
              type: typeNames.get(columns[i].type) ?? `oid:${columns[i].type}`,
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
            )) as unknown as T[]
          ),
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
