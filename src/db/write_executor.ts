import { ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ValidatedWrite } from "../sql/validated.ts";
import type { Pool } from "./pool.ts";
import type { SessionLimits } from "./session_settings.ts";
import { inTransaction } from "./transaction.ts";

export interface WriteOutcome {
  /** Rows the statement changed (or, in a preview, would change). */
  affectedRows: number;
  committed: boolean;
  executionMs: number;
}

export interface WriteExecutor {
  /**
   * Runs one validated write (extended protocol) in a READ WRITE transaction with the
   * server-side limits; commits only when `commit` is true, otherwise rolls back (a preview).
   */
  write(sql: ValidatedWrite, options: WriteOptions): Promise<Result<WriteOutcome>>;
}

export interface WriteOptions {
  commit: boolean;
  signal?: AbortSignal;
  /**
   * Records the confirmation in the same transaction, before the write: a row in the ledger
   * table (SECURITY_WRITE_LEDGER_TABLE). A second commit of the same nonce, from any instance,
   * violates its primary key and nothing is written.
   */
  ledger?: { table: string; nonce: string; expiresAt: number };
}

/** The ledger said this confirmation was already used. */
export const LEDGER_CONFLICT = "23505";

export function createWriteExecutor(options: {
  pool: Pool;
  limits: SessionLimits;
  log: Logger;
  now?: () => number;
}): WriteExecutor {
  const now = options.now ?? performance.now.bind(performance);
  return {
    async write(sql, { commit, signal, ledger }) {
      const started = now();
      const outcome = await inTransaction(
        options.pool,
        {
          readOnly: false,
          limits: options.limits,
          signal,
          reset: "all",
          retryDeadSession: false,
          commit,
        },
        options.log,
        async (tx) => {
          if (ledger) {
            // Our own statement; the table name is a checked identifier (config), never input.
            await tx.session.query(
              `INSERT INTO ${ledger.table} (nonce, expires_at) VALUES ($1, to_timestamp($2))`,
              [ledger.nonce, ledger.expiresAt / 1000],
            );
          }
          const statement = tx.session.stream(sql.text, [], 1, () => true);
          tx.track(statement);
          const end = await statement.done;
          const executionMs = Math.round((now() - started) * 1000) / 1000;
          return ok({ affectedRows: end.count, committed: commit, executionMs });
        },
      );
      if (outcome.ok) {
        options.log.info(commit ? "db.write_committed" : "db.write_previewed", {
          affectedRows: outcome.value.affectedRows,
          ms: outcome.value.executionMs,
        });
      }
      return outcome;
    },
  };
}
