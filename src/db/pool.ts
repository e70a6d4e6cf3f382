import { fail, ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { DriverSession } from "./driver.ts";

/** A session lent to one call; exactly one of `release` and `discard` must be called. */
export interface Lease {
  readonly session: DriverSession;
  /** Back to the pool for the next call (a closed session is discarded instead). */
  release(): void;
  /** Ends the session: it is never lent again. */
  discard(reason: string): void;
  /**
   * The call is answered and only its end (ROLLBACK, reset) is in flight: one caller that
   * finds no idle session waits for this one rather than opening a new connection.
   */
  finishing(): void;
}

export interface PoolStats {
  /** Sessions lent out now. */
  inUse: number;
  /** Sessions waiting in the pool. */
  idle: number;
  /** Calls waiting for a session. */
  waiting: number;
  /** Sessions lent out whose transaction is ending (they come back shortly). */
  finishing: number;
  max: number;
}

export interface Pool {
  /**
   * A session within `acquireTimeoutMs` (DB_POOL_TIMEOUT otherwise), or DB_UNAVAILABLE at once
   * while the database is known to be down; DB_CANCELLED when `signal` aborts the wait.
   */
  acquire(signal?: AbortSignal): Promise<Result<Lease>>;
  /** Says the database could not be reached: calls fail fast until a probe succeeds. */
  markDown(message: string): void;
  /** Down since (ms), with the last error, or undefined while up. */
  readonly down: { since: number; message: string } | undefined;
  stats(): PoolStats;
  /** Settles when no session is lent out (every call's ROLLBACK and reset are done). */
  whenIdle(): Promise<void>;
  /**
   * Refuses new calls, ends every session (idle ones, and lent ones after at most 1 s of their
   * statement), and waits up to 2 s for their calls to hand them back.
   */
  close(): Promise<void>;
}

export interface PoolOptions {
  max: number;
  /** How long a call may wait for a session (ms). */
  acquireTimeoutMs: number;
  /** Makes a new (lazily connected) session. */
  open: () => DriverSession;
  /** Answers whether the database is reachable again (a fresh session and `SELECT 1`). */
  probe: () => Promise<boolean>;
  /** How often a down database is probed (ms). */
  probeIntervalMs?: number;
  /**
   * A session idle in the pool this long is ended (ms; default 5 min). The pool does it, with
   * one timer, rather than the driver, which restarts a timer for every query.
   */
  idleTimeoutMs?: number;
  log: Logger;
  now?: () => number;
}

interface Waiter {
  resolve(lease: Result<Lease>): void;
  timer: ReturnType<typeof setTimeout>;
  cleanup(): void;
}

const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;

/** How long close() waits for calls in flight to hand back their ended sessions (ms). */
const CLOSE_WAIT_MS = 2_000;

/**
 * Our own pool of single-connection sessions: bounded waits, sessions that died are dropped
 * (never lent again), and a "down" state that makes calls fail fast while the database cannot be
 * reached, with a background probe that brings it back on its own.
 */
export function createPool(options: PoolOptions): Pool {
  const now = options.now ?? Date.now;
  /** Sessions waiting in the pool, with when each came back (ms). */
  const idle: { session: DriverSession; since: number }[] = [];
  const waiters: Waiter[] = [];
  let finishing = 0;
  let closing = false;
  let down: { since: number; message: string } | undefined;
  let probing: ReturnType<typeof setTimeout> | undefined;
  const idleWaiters: (() => void)[] = [];
  /** Sessions lent out now (their count is the sessions in use): closing the pool ends them too. */
  const lent = new Set<DriverSession>();

  const endQuietly = (session: DriverSession) => {
    void session.end(0).catch(() => undefined);
  };

  // Idle sessions are a stack (the most recently used is lent first): the bottom ones are the
  // longest idle, and a sweep ends those idle past the timeout.
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const sweep = () => {
    while (idle.length > 0 && now() - idle[0].since >= idleTimeoutMs) {
      const { session } = idle.shift()!;
      options.log.debug("db.session_idle_ended", { session: session.id });
      endQuietly(session);
    }
  };
  const sweeping = setInterval(sweep, Math.max(10, Math.min(idleTimeoutMs / 4, 60_000)));
  Deno.unrefTimer(sweeping);
  const takeIdle = (): DriverSession | undefined => idle.pop()?.session;

  function lend(session: DriverSession): Lease {
    lent.add(session);
    let returned = false;
    let ending = false;
    const back = (keep: boolean, reason?: string) => {
      if (returned) return;
      returned = true;
      lent.delete(session);
      if (ending) finishing--;
      if (lent.size === 0) {
        for (const wake of idleWaiters.splice(0)) wake();
      }
      if (!keep || session.closed || closing) {
        if (reason) options.log.debug("db.session_discarded", { session: session.id, reason });
        endQuietly(session);
        handOn(undefined);
        return;
      }
      handOn(session);
    };
    return {
      session,
      release: () => back(true),
      discard: (reason) => back(false, reason),
      finishing: () => {
        if (ending || returned) return;
        ending = true;
        finishing++;
      },
    };
  }

  /** A freed slot (session undefined) or a returned session goes to the first waiter. */
  function handOn(session: DriverSession | undefined): void {
    const waiter = waiters.shift();
    if (!waiter) {
      if (session) idle.push({ session, since: now() });
      return;
    }
    waiter.cleanup();
    waiter.resolve(ok(lend(session ?? options.open())));
  }

  function startProbing(): void {
    if (probing || closing) return;
    const interval = options.probeIntervalMs ?? 1_000;
    const tick = async () => {
      probing = undefined;
      if (closing || !down) return;
      const up = await options.probe().catch(() => false);
      if (up && !closing) {
        options.log.info("db.reachable_again", { down_ms: now() - (down?.since ?? now()) });
        down = undefined;
        return;
      }
      if (!closing) probing = setTimeout(tick, interval);
    };
    probing = setTimeout(tick, interval);
  }

  return {
    acquire(signal) {
      if (closing) {
        return Promise.resolve(
          fail("DB_UNAVAILABLE", "Cannot reach the database: pg-mcp is stopping"),
        );
      }
      if (down) {
        return Promise.resolve(
          fail("DB_UNAVAILABLE", `Cannot reach the database: ${down.message}`, {
            down_since: new Date(down.since).toISOString(),
          }),
        );
      }
      if (signal?.aborted) {
        return Promise.resolve(
          fail("DB_CANCELLED", "Cannot run the query: the caller cancelled it"),
        );
      }
      for (let session = takeIdle(); session; session = takeIdle()) {
        if (!session.closed) return Promise.resolve(ok(lend(session)));
        endQuietly(session);
      }
      // A session about to come back beats a new connection (its end is one round trip), but
      // each one serves a single waiter: callers beyond them get a new connection at once.
      if (lent.size < options.max && waiters.length >= finishing) {
        return Promise.resolve(ok(lend(options.open())));
      }
      return new Promise((resolve) => {
        const onAbort = () => {
          remove();
          resolve(fail("DB_CANCELLED", "Cannot run the query: the caller cancelled it"));
        };
        const waiter: Waiter = {
          resolve,
          timer: setTimeout(() => {
            remove();
            resolve(fail(
              "DB_POOL_TIMEOUT",
              `Cannot get a database connection: all ${options.max} are in use and none was ` +
                `free within ${options.acquireTimeoutMs / 1000} s`,
              { max_connections: options.max, waited_ms: options.acquireTimeoutMs },
            ));
          }, options.acquireTimeoutMs),
          cleanup: () => {
            clearTimeout(waiter.timer);
            signal?.removeEventListener("abort", onAbort);
          },
        };
        const remove = () => {
          waiter.cleanup();
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    markDown(message) {
      if (closing) return;
      if (!down) {
        down = { since: now(), message };
        options.log.warn("db.unreachable", { message });
      } else down.message = message;
      // Idle sessions are from before the outage: none of them is worth a try.
      for (const { session } of idle.splice(0)) endQuietly(session);
      startProbing();
    },
    get down() {
      return down;
    },
    stats: () => ({
      inUse: lent.size,
      idle: idle.length,
      waiting: waiters.length,
      finishing,
      max: options.max,
    }),
    whenIdle: () => lent.size === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r)),
    async close() {
      closing = true;
      clearTimeout(probing);
      clearInterval(sweeping);
      for (const waiter of waiters.splice(0)) {
        waiter.cleanup();
        waiter.resolve(fail("DB_UNAVAILABLE", "Cannot reach the database: pg-mcp is stopping"));
      }
      // Sessions still lent out (a call in flight, background schema work) end too: after
      // close() no connection of this pool is left open, whatever its caller does next.
      const sessions = [...idle.splice(0).map((i) => i.session), ...lent];
      await Promise.all(sessions.map((s) => s.end(1).catch(() => undefined)));
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        lent.size === 0 ? undefined : new Promise<void>((r) => idleWaiters.push(r)),
        new Promise<void>((r) => timer = setTimeout(r, CLOSE_WAIT_MS)),
      ]);
      clearTimeout(timer);
    },
  };
}
