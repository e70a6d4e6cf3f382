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
  write(sql: ValidatedWrite, options: { commit: boolean; signal?: AbortSignal }): Promise<
    Result<WriteOutcome>
  >;
}

export function createWriteExecutor(options: {
  pool: Pool;
  limits: SessionLimits;
  log: Logger;
  now?: () => number;
}): WriteExecutor {
  const now = options.now ?? performance.now.bind(performance);
  return {
    async write(sql, { commit, signal }) {
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
