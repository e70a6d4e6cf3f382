import { fail, ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import { toDbError } from "./db_error.ts";
import type { ReservedSql, SessionLimits, Sql } from "./pool.ts";
import { resetSession } from "./read_only.ts";

export interface WriteOutcome {
  /** Rows the statement changed (or, in a preview, would change). */
  affectedRows: number;
  committed: boolean;
  executionMs: number;
}

export interface WriteDb {
  /**
   * Runs one statement (extended protocol) in a READ WRITE transaction with the server-set
   * timeouts; commits only when `commit` is true, otherwise rolls back (a preview).
   */
  write(sql: string, options: { commit: boolean; signal?: AbortSignal }): Promise<
    Result<WriteOutcome>
  >;
  close(): Promise<void>;
}

/** The write path of write mode; `sql` must be a pool opened with read-write sessions. */
export function createWriteDb(
  sql: Sql,
  limits: SessionLimits,
  log: Logger,
  now: () => number = performance.now.bind(performance),
): WriteDb {
  return {
    async write(text, { commit, signal }) {
      const started = now();
      let cancelled = false;
      let conn: ReservedSql;
      try {
        conn = await sql.reserve();
      } catch (error) {
        const appError = toDbError(error);
        return fail(appError.code, appError.message, appError.details);
      }
      try {
        await conn.unsafe("BEGIN READ WRITE");
        await conn.unsafe(
          "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)," +
            " set_config('idle_in_transaction_session_timeout', $3, true)",
          [
            String(limits.statementTimeoutMs),
            String(limits.lockTimeoutMs),
            String(limits.idleInTransactionTimeoutMs),
          ],
        );
        const query = conn.unsafe(text, [], { prepare: false, simple: false } as never);
        let recancel: ReturnType<typeof setInterval> | undefined;
        const onAbort = () => {
          cancelled = true;
          // A cancel landing between two protocol messages is dropped: repeat until settled.
          const canceller = (query as unknown as { canceller?: (q: unknown) => void }).canceller;
          query.cancel();
          if (canceller) recancel = setInterval(() => canceller(query), 200);
        };
        if (signal?.aborted) onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
        let affectedRows: number;
        try {
          affectedRows = (await query).count ?? 0;
        } finally {
          signal?.removeEventListener("abort", onAbort);
          clearInterval(recancel);
        }
        await conn.unsafe(commit ? "COMMIT" : "ROLLBACK");
        const executionMs = Math.round((now() - started) * 100) / 100;
        log.info(commit ? "db.write_committed" : "db.write_previewed", {
          affectedRows,
          ms: executionMs,
        });
        return ok({ affectedRows, committed: commit, executionMs });
      } catch (error) {
        const appError = toDbError(error, cancelled);
        return fail(appError.code, appError.message, appError.details);
      } finally {
        await resetSession(conn, log);
        conn.release();
      }
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
