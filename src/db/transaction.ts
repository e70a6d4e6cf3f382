import { AppError, fail, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import { isConnectionFailure, toDbError } from "./db_error.ts";
import type { DriverSession, RunningStatement } from "./driver.ts";
import type { Lease, Pool } from "./pool.ts";
import { sleep } from "../resilience/retry.ts";
import { type SessionLimits, transactionPreamble } from "./session_settings.ts";

/**
 * The one place that owns transactions, cancellation and session reset, for reads and writes.
 *
 * One call: lease a session; write BEGIN and the transaction's settings, then the statement,
 * without waiting in between (pipelined: one round trip); end with ROLLBACK (or COMMIT), then
 * DISCARD ALL when the statement may have left session state behind. The caller gets its answer
 * as soon as the statement is over; the session goes back to the pool when the end is done.
 */
export interface TransactionOptions {
  readOnly: boolean;
  limits: SessionLimits;
  signal?: AbortSignal;
  /** false for our own catalog queries: compiling them costs more than running them. */
  jit?: boolean;
  /**
   * What may outlive the transaction and must go: "all" (DISCARD ALL: anything could, for
   * writes and for statements nobody validated), "advisory_locks" (a validated SELECT or EXPLAIN
   * cannot PREPARE, DECLARE or LISTEN; what it could leave past ROLLBACK is a session advisory
   * lock taken by a function, even one a view calls), or "none" (pg-mcp's own catalog SQL).
   */
  reset: "all" | "advisory_locks" | "none";
  /**
   * Run once more on a fresh session when the first one turned out dead before the statement
   * could start (a pooled connection the server had closed). Only for reads.
   */
  retryDeadSession: boolean;
  /** Commit instead of rolling back when the work succeeded (writes). */
  commit?: boolean;
}

/** What the work sees of its transaction. */
export interface Transaction {
  session: DriverSession;
  /** Registers the statement in flight so that a cancel or the watchdog can stop it. */
  track(statement: RunningStatement): void;
  /** True once the caller cancelled. */
  readonly cancelled: boolean;
}

/** Grace beyond the statement timeout before a silent connection is given up (ms). */
const WATCHDOG_GRACE_MS = 2_000;

/** How long a call keeps trying to connect while the server refuses (a fast restart). */
const CONNECT_RETRY_WINDOW_MS = 1_500;
const FIRST_CONNECT_RETRY_MS = 100;

export async function inTransaction<T>(
  pool: Pool,
  options: TransactionOptions,
  log: Logger,
  work: (tx: Transaction) => Promise<Result<T>>,
  now: () => number = Date.now,
): Promise<Result<T>> {
  const giveUpAt = now() + CONNECT_RETRY_WINDOW_MS;
  let delay = FIRST_CONNECT_RETRY_MS;
  let deadSessions = 0;
  for (;;) {
    const lease = await pool.acquire(options.signal);
    if (!lease.ok) return lease;
    const outcome = await attemptOnce(lease.value, options, log, work);
    if (outcome.kind === "done") return outcome.result;
    const failed = () => fail<T>(outcome.error.code, outcome.error.message, outcome.error.details);
    if (outcome.connectFailed) {
      // Nothing was sent: trying again is safe for reads and writes alike, for a short while.
      if (now() + delay > giveUpAt || options.signal?.aborted) {
        pool.markDown(outcome.error.message);
        return failed();
      }
      await sleep(delay, options.signal);
      delay *= 2;
      continue;
    }
    // A pooled session the server had closed: the statement never started.
    if (!options.retryDeadSession || ++deadSessions > 1) return failed();
    log.info("db.retry_on_fresh_session", { reason: outcome.error.message });
  }
}

type Attempt<T> =
  | { kind: "done"; result: Result<T> }
  | { kind: "dead"; error: AppError; connectFailed: boolean };

async function attemptOnce<T>(
  lease: Lease,
  options: TransactionOptions,
  log: Logger,
  work: (tx: Transaction) => Promise<Result<T>>,
): Promise<Attempt<T>> {
  const { session } = lease;
  let running: RunningStatement | undefined;
  let cancelled = false;
  let gaveUp = false;
  const cancel = () => {
    cancelled = true;
    running?.cancel();
  };
  if (options.signal?.aborted) cancel();
  options.signal?.addEventListener("abort", cancel, { once: true });
  // A connection that stops answering (no error, no close) must not hold the call forever.
  const watchdog = setTimeout(() => {
    gaveUp = true;
    log.warn("db.session_unresponsive", { session: session.id });
    void session.end(0).catch(() => undefined);
  }, options.limits.statementTimeoutMs + WATCHDOG_GRACE_MS);

  const began = session.script(transactionPreamble(options.readOnly, options.limits, options.jit));
  // Pipelined: the work's statement is written right behind BEGIN, before its answer; except on
  // a session that has not completed a query yet (see DriverSession.ready).
  if (!session.ready) await began.catch(() => undefined);
  const worked = work({
    session,
    track: (statement) => {
      running = statement;
      if (cancelled) statement.cancel();
    },
    get cancelled() {
      return cancelled;
    },
  }).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  try {
    try {
      await began;
    } catch (error) {
      await worked; // settles too: it was queued behind BEGIN
      const dbError = toDbError(error, cancelled);
      if (isConnectionFailure(error) && !gaveUp) {
        lease.discard("dead before the statement");
        return { kind: "dead", error: dbError, connectFailed: neverConnected(error) };
      }
      endTransaction(lease, options, false, log);
      return { kind: "done", result: fail(dbError.code, dbError.message, dbError.details) };
    }
    const outcome = await worked;
    if (!outcome.ok) {
      const dbError = gaveUp
        ? new AppError(
          "DB_UNAVAILABLE",
          "Cannot reach the database: the connection stopped answering",
          { waited_ms: options.limits.statementTimeoutMs + WATCHDOG_GRACE_MS },
        )
        : toDbError(outcome.error, cancelled);
      if (isConnectionFailure(outcome.error) || gaveUp) lease.discard(dbError.message);
      else endTransaction(lease, options, false, log);
      return { kind: "done", result: fail(dbError.code, dbError.message, dbError.details) };
    }
    const commit = options.commit === true && outcome.result.ok;
    if (commit) {
      // A COMMIT can fail (deferred constraints, serialization): the caller must hear it.
      try {
        await session.script("COMMIT");
      } catch (error) {
        const dbError = toDbError(error);
        if (isConnectionFailure(error)) lease.discard(dbError.message);
        else endTransaction(lease, options, false, log);
        return { kind: "done", result: fail(dbError.code, dbError.message, dbError.details) };
      }
      endTransaction(lease, options, true, log);
      return { kind: "done", result: outcome.result };
    }
    endTransaction(lease, options, false, log);
    return { kind: "done", result: outcome.result };
  } finally {
    clearTimeout(watchdog);
    options.signal?.removeEventListener("abort", cancel);
  }
}

/**
 * Ends the transaction (unless committed) and resets the session when asked, without making
 * the caller wait; the session returns to the pool only once both are done, and is discarded
 * (never reused) when either fails.
 */
function endTransaction(
  lease: Lease,
  options: TransactionOptions,
  committed: boolean,
  log: Logger,
): void {
  const { session } = lease;
  lease.finishing();
  const steps: Promise<void>[] = [];
  // Releasing advisory locks rides in ROLLBACK's own message: no extra write, no extra trip.
  const unlock = options.reset === "advisory_locks" ? "; SELECT pg_advisory_unlock_all()" : "";
  if (!committed) steps.push(session.script(`ROLLBACK${unlock}`));
  else if (unlock) steps.push(session.script(unlock.slice(2)));
  if (options.reset === "all") steps.push(session.script("DISCARD ALL"));
  if (steps.length === 0) {
    lease.release();
    return;
  }
  // A session whose end does not come back in time is ended, never lent again.
  const stuck = setTimeout(() => {
    log.warn("db.reset_stuck", { session: session.id });
    lease.discard("reset did not finish");
  }, END_TIMEOUT_MS);
  Promise.all(steps).then(
    () => lease.release(),
    (error) => {
      log.warn("db.reset_failed", { session: session.id, error: (error as Error).message });
      lease.discard("reset failed");
    },
  ).finally(() => clearTimeout(stuck));
}

/** How long a transaction's end (ROLLBACK, reset) may take before the session is ended (ms). */
const END_TIMEOUT_MS = 5_000;

/** The connection was never made (refused, timed out, server starting or stopping). */
function neverConnected(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "ECONNREFUSED" || code === "CONNECT_TIMEOUT" || code === "ENOTFOUND" ||
    code === "EHOSTUNREACH" || code === "57P03";
}
