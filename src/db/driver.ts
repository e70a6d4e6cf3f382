import type postgres from "postgres";
import type { Logger } from "../log.ts";
import { fail } from "../errors.ts";
import type { Pool } from "./pool.ts";

/**
 * The one file that knows postgres.js. Everything pg-mcp sends to PostgreSQL goes through a
 * `DriverSession`: one server session, owned by our pool (src/db/pool.ts).
 *
 * Why each session is its own postgres.js client with `max: 1` instead of `sql.reserve()` on one
 * shared pool: in postgres.js 3.4.9 a query on a reserved connection whose socket has died never
 * settles, the dead connection can be handed to another caller while still reserved (one call
 * received another's old error), and `release()` puts it back as open. A `max: 1` client has
 * none of that: a query on a closed connection fails at once, and pipelining (several queries
 * written before the first answer) works as on any connection. Our pool owns checkout, waiting,
 * retirement and discarding, so a dead session is never reused.
 */

/** Where and how to connect (the pool builds one session per connection). */
export interface ConnectionTarget {
  /** A postgres:// URL; when set, the separate fields are ignored. */
  url?: string;
  host: string;
  port: number;
  database?: string;
  user?: string;
  password?: string;
  /** Seconds to wait for the connection and its start-up. */
  connectTimeoutS: number;
}

/** A result column: its name and type OID, as the server described it. */
export interface DriverColumn {
  name: string;
  type: number;
}

/** Raw values: PostgreSQL's text format, null for SQL NULL. */
export type RawRow = (Uint8Array | null)[];

/** What a streamed statement reported when it ended. */
export interface StreamEnd {
  /** The command tag's verb (SELECT, EXPLAIN, INSERT...). */
  command: string;
  /** Rows the command affected or returned, as its tag says. */
  count: number;
  /** The result's columns (also known when no row came). */
  columns: DriverColumn[];
}

/** A statement in flight. */
export interface RunningStatement {
  /** Settles when the statement is over (every batch delivered or fetching stopped). */
  done: Promise<StreamEnd>;
  /** Asks the server to cancel it; repeated until it settles (see `cancelUntilSettled`). */
  cancel(): void;
}

/**
 * One batch of rows; return false to stop fetching (the portal is closed, the statement ends).
 * `columns` is the same list for every batch.
 */
export type BatchHandler = (
  rows: readonly RawRow[],
  columns: readonly DriverColumn[],
) => boolean | Promise<boolean>;

export interface DriverSession {
  readonly id: number;
  /** True once the connection closed or failed: the pool must never lease it again. */
  readonly closed: boolean;
  /**
   * True once a query has completed on this connection. Until then queries must not be
   * pipelined: while postgres.js connects, a second query can be written before the first
   * (its socket `drain` handler starts queued queries), so the first transaction of a
   * session waits for its BEGIN.
   */
  readonly ready: boolean;
  /** Our own SQL text, possibly several statements, simple protocol. Never user text. */
  script(text: string): Promise<void>;
  /** One statement of our own, extended protocol, rows as objects (types parsed). */
  query<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * One statement over the extended protocol (the server refuses a second one), never
   * prepared, rows as raw text in batches of `batchRows` (an Execute row limit, so rows past a
   * cap are never sent).
   */
  stream(
    text: string,
    params: readonly unknown[],
    batchRows: number,
    onBatch: BatchHandler,
  ): RunningStatement;
  /** Ends the session, waiting at most `timeoutS` for queries in flight. */
  end(timeoutS?: number): Promise<void>;
}

export interface SessionOptions {
  log: Logger;
  /** Seconds before a session is retired (postgres.js closes it when idle). */
  maxLifetimeS?: number;
}

/** postgres.js: its module and the node: modules it pulls in (~10 ms at a cold start). */
export type PostgresModule = typeof postgres;

let importing: Promise<PostgresModule> | undefined;
let driver: PostgresModule | undefined;

/**
 * Imports postgres.js, once per process (the way a static import would, later): the first pool
 * acquire does (`afterDriverLoads`), so `initialize` and `tools/list` never wait for it.
 */
export function loadDriver(): Promise<PostgresModule> {
  if (!importing) {
    importing = import("postgres").then((m) => driver = m.default);
    importing.catch(() => importing = undefined); // the next acquire tries again
  }
  return importing;
}

/** postgres.js once imported; until then no error can be one of its classes (db_error.ts). */
export function loadedDriver(): PostgresModule | undefined {
  return driver;
}

/**
 * The pool, lending sessions only once postgres.js is imported: the first `acquire()` imports
 * it; from then on every call goes straight to the pool (no extra await), so sessions and
 * their pipelining are exactly as with a static import. `load` is for tests.
 */
export function afterDriverLoads(
  pool: Pool,
  load: () => Promise<unknown> = loadDriver,
): Pool {
  let loaded = false;
  return {
    acquire: (signal) =>
      loaded ? pool.acquire(signal) : load().then(() => {
        loaded = true;
        return pool.acquire(signal);
      }, (error) =>
        fail(
          "DB_UNAVAILABLE",
          `Cannot reach the database: the driver could not be loaded (${String(error)})`,
        )),
    markDown: (message) => pool.markDown(message),
    get down() {
      return pool.down;
    },
    stats: () => pool.stats(),
    whenIdle: () => pool.whenIdle(),
    close: () => pool.close(),
  };
}

let nextId = 1;

/**
 * Opens a session lazily: the connection is made by the first query. postgres.js must be
 * imported already (`loadDriver()`, done by the pool's first acquire through
 * `afterDriverLoads`); calling it before is a bug, and throws. No startup parameter but
 * `application_name` is sent, so PgBouncer (which refuses unknown ones) and pglite-socket (which
 * ignores them) behave like PostgreSQL; what answers depend on is set in each transaction.
 */
export function openSession(target: ConnectionTarget, options: SessionOptions): DriverSession {
  const pg = driver;
  if (!pg) {
    throw new Error("Cannot open a session: postgres.js is not loaded yet (await loadDriver())");
  }
  const id = nextId++;
  let closed = false;
  let ready = false;
  const fields = target.url ? {} : {
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.user,
    password: target.password ?? "",
  };
  const config = {
    ...fields,
    // Every option the driver would otherwise read from PG* variables is set here.
    max: 1,
    // Off: postgres.js restarts its idle timer around every query; our pool ends sessions idle
    // too long (pool.ts) with one timer.
    idle_timeout: 0,
    max_lifetime: options.maxLifetimeS ?? 30 * 60,
    connect_timeout: Math.max(1, Math.ceil(target.connectTimeoutS)),
    // No reconnect back-off: a closed session is discarded; the pool decides when to try again.
    backoff: () => 0,
    keep_alive: 60,
    debug: false,
    publications: "alltables",
    prepare: false,
    fetch_types: true,
    onnotice: (notice: postgres.Notice) =>
      options.log.debug("db.notice", { message: notice.message }),
    onclose: () => {
      closed = true;
    },
    // PgBouncer accepts application_name; extra_float_digits is on its stock ignore list.
    connection: { application_name: "pg-mcp" },
  } as postgres.Options<Record<string, postgres.PostgresType>>;
  const sql = target.url
    // deno-lint-ignore no-explicit-any -- the driver's overloads cannot type a URL plus options
    ? pg(target.url, config as any)
    : pg(config);

  /**
   * Never on a closed session: a `max: 1` client would silently open a new connection, and a
   * statement pipelined behind BEGIN could then run outside the transaction.
   */
  const guard = () => {
    if (closed) {
      throw Object.assign(new Error("the connection is closed"), { code: "CONNECTION_CLOSED" });
    }
  };
  const settled = <T>(p: Promise<T>) =>
    p.then((v) => {
      ready = true;
      return v;
    });

  return {
    id,
    get closed() {
      return closed;
    },
    get ready() {
      return ready;
    },
    async script(text) {
      guard();
      // Parameterless unsafe() uses the simple protocol: several statements in one message.
      await settled(sql.unsafe(text, [], { simple: true } as never));
    },
    async query<T>(text: string, params: readonly unknown[] = []) {
      guard();
      // Extended protocol always (one statement), even without parameters.
      const rows = await settled(sql.unsafe(text, [...params] as never[], {
        prepare: false,
        simple: false,
      } as never));
      return rows as unknown as T[];
    },
    stream(text, params, batchRows, onBatch) {
      guard();
      // `simple: false`: postgres.js would otherwise use the simple protocol for a
      // parameterless unsafe(), which runs every statement of a string.
      const pending = sql.unsafe(text, [...params] as never[], {
        prepare: false,
        simple: false,
      } as never).raw();
      let settled = false;
      let stopped = false;
      let delivered: unknown;
      const deliver = async (rows: unknown) => {
        delivered = rows;
        if (stopped) return false;
        const columns = (rows as { columns?: DriverColumn[] }).columns ?? [];
        const more = await onBatch(rows as RawRow[], columns);
        if (!more) stopped = true;
        return more;
      };
      const done = pending.cursor(
        Math.max(1, batchRows),
        async (rows) => (await deliver(rows)) ? undefined : sql.CLOSE,
      ).then(async (result) => {
        const r = result as unknown as {
          command?: string;
          count?: number;
          columns?: DriverColumn[];
          length: number;
        };
        // postgres.js hands the last batch to the cursor only when the command tag has a row
        // count; EXPLAIN's tag has none, so its rows arrive here.
        if (result !== delivered && r.length > 0) await deliver(result);
        return { command: r.command ?? "", count: Number(r.count ?? 0), columns: r.columns ?? [] };
      }).finally(() => {
        settled = true;
      });
      return {
        done,
        cancel: () => cancelUntilSettled(pending, () => settled),
      };
    },
    async end(timeoutS = 5) {
      closed = true;
      await sql.end({ timeout: timeoutS });
    },
  };
}

/**
 * Cancels a query, again every 200 ms until it settles: PostgreSQL drops a cancel request that
 * lands between two protocol messages (between two batches of a cursor, say), and
 * `query.cancel()` of postgres.js sends only one. Its private `canceller` sends another.
 */
function cancelUntilSettled(query: { cancel(): void }, settled: () => boolean): void {
  const canceller = (query as unknown as { canceller?: (q: unknown) => void }).canceller;
  query.cancel();
  if (!canceller) return;
  const timer = setInterval(() => {
    if (settled()) clearInterval(timer);
    else canceller(query);
  }, 200);
}

/**
 * postgres.js 3.4.9 can throw from a timer when a socket closes while a write is queued (its
 * `nextWrite` then calls `write` on a null socket): an uncaught TypeError that would end the
 * whole process over one dead connection. The session it belonged to is already closed, and our
 * pool never lends it again, so that error (and only one thrown inside the driver's own
 * connection code) is logged and stopped. Returns the function that removes the guard.
 */
export function guardDriverFaults(log: Logger, target: EventTarget = globalThis): () => void {
  const fromDriver = (error: unknown) =>
    error instanceof Error &&
    /postgres@3\.4\.9[\\/]+node_modules[\\/]+postgres[\\/]+src[\\/]+connection\.js/
      .test(String(error.stack));
  const stop = (event: Event, error: unknown) => {
    if (!fromDriver(error)) return;
    event.preventDefault();
    log.warn("db.driver_fault", { error: (error as Error).message });
  };
  const onError = (event: Event) => stop(event, (event as ErrorEvent).error);
  const onRejection = (event: Event) => stop(event, (event as PromiseRejectionEvent).reason);
  target.addEventListener("error", onError);
  target.addEventListener("unhandledrejection", onRejection);
  return () => {
    target.removeEventListener("error", onError);
    target.removeEventListener("unhandledrejection", onRejection);
  };
}
