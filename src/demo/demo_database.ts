/**
 * The embedded demo database: PGlite (PostgreSQL 18 in WebAssembly) loaded with a sample and served
 * over the wire protocol on 127.0.0.1, so the demo goes through the same driver, validator and
 * read-only transactions as a real server.
 *
 * Pieces: an engine worker (engine.ts) runs PGlite; a proxy (connection_proxy.ts) owns the port and
 * lets one connection through at a time; a snapshot store (snapshot_store.ts) keeps the built data
 * between starts; this supervisor ties them together and stops a runaway query by replacing the
 * engine (PGlite ignores statement_timeout and cancel requests).
 */
import denoJson from "../../deno.json" with { type: "json" };
import { fail, ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import { CHINOOK, type DemoSample } from "./chinook.ts";
import { startConnectionProxy } from "./connection_proxy.ts";
import { type Engine, type EngineStart, startEngine } from "./engine.ts";
import type { EngineStartRequest } from "./engine_protocol.ts";
import type { WireError } from "./pg_wire.ts";
import { openSnapshotStore } from "./snapshot_store.ts";

export interface DemoDatabaseOptions {
  log: Logger;
  /** pg-mcp's cache directory (see userCacheDir); none: the sample is built at every start. */
  cacheDir?: string;
  /**
   * The longest a statement may run (SECURITY_MAX_EXECUTION_TIME). PGlite ignores
   * statement_timeout, so the supervisor enforces it: the query gets SQLSTATE 57014 and a fresh
   * engine replaces the busy one (about a second).
   */
  statementTimeoutMs?: number;
  /** How long a second connection waits for the first to end before SQLSTATE 53300. */
  connectionWaitMs?: number;
  /** Monotonic clock in ms, for timings. */
  now?: () => number;
}

export interface DemoReady {
  /** "cache": loaded from the saved snapshot; "built": loaded from the sample's SQL. */
  source: "cache" | "built";
  /** Where the snapshot is saved; undefined when the demo lives in memory only. */
  cachePath?: string;
  /** From startDemoDatabase() to serving. */
  ms: number;
}

export interface DemoDatabase extends AsyncDisposable {
  /** postgres://postgres@127.0.0.1:<port>/postgres, usable at once (connections wait for ready). */
  readonly url: string;
  /** The pool size to use: the demo serves one connection at a time. */
  readonly maxConnections: 1;
  /** For the start log: the demo is in use, what it holds, how to use a real database instead. */
  readonly description: string;
  /** Settles when the engine serves (or cannot); never rejects. */
  readonly ready: Promise<Result<DemoReady>>;
  close(): Promise<void>;
}

/**
 * Server settings, as `-c` options (RESET ALL and DISCARD ALL return to them). pglite-socket drops
 * a client's startup parameters, so the pool's own session settings (src/db/pool.ts) are given
 * here. shared_buffers: the sample's ~10 MB fit in 16 MB; PGlite's default 128 MB costs ~75 MB
 * more resident memory (measured).
 */
const SETTINGS: Record<string, string> = {
  default_transaction_read_only: "on",
  TimeZone: "UTC",
  DateStyle: "ISO, YMD",
  IntervalStyle: "iso_8601",
  extra_float_digits: "1",
  shared_buffers: "16MB",
};
/** 1 MB WAL segments instead of 16: the snapshot holds 34 MB of files instead of 60. */
const INITDB_PARAMS = ["--wal-segsize=1"];
const FINISH_STATEMENTS = ["VACUUM ANALYZE", "CHECKPOINT"];
/**
 * Plans costing more are refused before they start (plan_guard.ts). Measured on Chinook in
 * PGlite: a cross join of two track tables (12 million rows) costs 184,000 and runs 1.4 s; of
 * three, 645 million (hours). 10 million is minutes of work, far past any statement timeout.
 */
const MAX_PLAN_COST = 10_000_000;
/**
 * An engine stopped mid-statement goes on running it in its thread: nothing interrupts PGlite,
 * not even Worker.terminate(). Each holds a core and ~300 MB until its statement ends, so after
 * this many the demo stops serving rather than pile up more.
 */
const MAX_STUCK_ENGINES = 2;
/** Bump when the way the snapshot is built changes in a way the key does not see. */
const SNAPSHOT_FORMAT = 1;

export async function startDemoDatabase(options: DemoDatabaseOptions): Promise<DemoDatabase> {
  const sample = CHINOOK;
  const { log } = options;
  const now = options.now ?? (() => performance.now());
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const startedAt = now();
  const request = startRequest(sample);
  const store = openSnapshotStore({
    cacheDir: options.cacheDir,
    sample: sample.name,
    versionKey: await versionKey(request),
    log,
  });

  let closed = false;
  let engine: Engine | undefined;
  let snapshot: Uint8Array | undefined;
  // What the proxy connects to: set below to the boot, then to each replacement engine.
  let serving: Promise<Result<number>> = Promise.resolve(unavailable("starting"));
  let busy = false;
  let stuckEngines = 0;
  let watchdog: ReturnType<typeof setTimeout> | undefined;

  const proxy = startConnectionProxy({
    upstream: () => serving,
    onCancel: () => {
      if (busy || proxy.awaitingReply) {
        stopQuery("cancel", "canceling statement due to user request");
      }
    },
    waitMs: options.connectionWaitMs ?? 10_000,
    // Past the busy watchdog's limit: this one catches an engine that stopped answering idle.
    replyTimeoutMs: statementTimeoutMs + 1_000,
    onNoReply: () => stopQuery("no_reply", "canceling statement due to statement timeout"),
    log,
  });
  const url = `postgres://postgres@127.0.0.1:${proxy.port}/postgres`;

  const hooks = {
    onBusy() {
      busy = true;
      clearTimeout(watchdog);
      watchdog = setTimeout(
        () => stopQuery("statement_timeout", "canceling statement due to statement timeout"),
        statementTimeoutMs,
      );
    },
    onIdle() {
      busy = false;
      clearTimeout(watchdog);
    },
    onCrash(message: string) {
      log.error("demo.engine_crashed", { message });
      replaceEngine({
        severity: "ERROR",
        code: "XX000",
        message: `Demo engine failed: ${message}`,
      });
    },
  };

  /** Launches an engine; on success it becomes the one the proxy connects to. */
  async function launch(from: Partial<EngineStartRequest>): Promise<EngineStart> {
    if (closed) return { kind: "failed", message: "the demo database is closed" };
    // Events from an engine that was replaced meanwhile are ignored.
    const current = () => engine === next;
    const next: Engine = startEngine({ ...request, ...from }, {
      onBusy: () => current() && hooks.onBusy(),
      onIdle: () => current() && hooks.onIdle(),
      onCrash: (message) => current() && hooks.onCrash(message),
    });
    engine = next;
    const start = await next.started;
    if (closed && start.kind === "serving") next.kill();
    return closed ? { kind: "failed", message: "the demo database is closed" } : start;
  }

  function stopQuery(reason: string, message: string) {
    if (busy) stuckEngines++; // an idle engine that stopped answering holds no thread
    log.warn("demo.query_stopped", { reason, limitMs: statementTimeoutMs, stuckEngines });
    replaceEngine({ severity: "ERROR", code: "57014", message });
  }

  /**
   * Answers the statement in progress with `error` and replaces the engine by a fresh one from
   * the snapshot (about a second); the client's connection moves to it. In this order: the
   * proxy must see the new engine before the old one's connection drops.
   */
  function replaceEngine(error: WireError) {
    busy = false;
    clearTimeout(watchdog);
    const old = engine;
    const bytes = snapshot;
    if (stuckEngines > MAX_STUCK_ENGINES) {
      const reason = `${stuckEngines} statements are still running past their time limit ` +
        "(PGlite cannot stop them); restart pg-mcp to use the demo database again";
      log.error("demo.unavailable", { message: reason });
      serving = Promise.resolve(fail("DB_UNAVAILABLE", `Cannot run more statements: ${reason}`));
    } else if (!closed && bytes) {
      const startedAt = now();
      serving = launch({ snapshot: bytes }).then((start) => {
        if (start.kind !== "serving") {
          if (!closed) log.error("demo.engine_failed", { message: start.message });
          return unavailable(start.message);
        }
        log.info("demo.engine_replaced", { ms: Math.round(now() - startedAt) });
        return ok(start.port);
      });
    } else serving = Promise.resolve(unavailable("the demo database is closed"));
    proxy.failActive(error);
    old?.kill();
  }

  /** Serves the saved snapshot, or builds the sample when there is none or it is unusable. */
  async function bootEngine(): Promise<Result<{ port: number; source: DemoReady["source"] }>> {
    const saved = await store.read();
    if (saved) {
      const start = await launch({ snapshot: saved });
      if (start.kind === "serving") {
        snapshot = saved;
        return ok({ port: start.port, source: "cache" });
      }
      if (start.kind === "failed") return unavailable(start.message);
      log.warn("demo.cache_invalid", { path: store.path, message: start.message });
      await store.discard();
    }
    const start = await launch({});
    if (start.kind !== "serving") return unavailable(start.message);
    if (!start.snapshot) return unavailable("the engine sent no snapshot");
    snapshot = start.snapshot;
    return ok({ port: start.port, source: "built" });
  }

  const booting = bootEngine();
  serving = booting.then((result) => result.ok ? ok(result.value.port) : result);
  const ready = booting.then(async (result): Promise<Result<DemoReady>> => {
    if (!result.ok) {
      if (!closed) log.error("demo.unavailable", { message: result.error.message });
      return result;
    }
    const ms = now() - startedAt;
    let cachePath = store.path;
    if (result.value.source === "built" && snapshot) {
      const saving = await store.write(snapshot);
      if (!saving.ok) {
        log.info("demo.cache_off", { reason: saving.error.message });
        cachePath = undefined;
      }
    }
    const value: DemoReady = { source: result.value.source, cachePath, ms };
    log.info("demo.ready", {
      source: value.source,
      ms: Math.round(ms),
      cache: cachePath ?? "memory only",
    });
    return ok(value);
  });

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    clearTimeout(watchdog);
    engine?.kill();
    await proxy.close();
    await ready;
  }

  return {
    url,
    maxConnections: 1,
    description: describe(sample),
    ready,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function unavailable(message: string): Result<never> {
  return fail("DB_UNAVAILABLE", `Cannot start the demo database: ${message}`);
}

function startRequest(sample: DemoSample): EngineStartRequest {
  const counts = Object.entries(sample.rowCounts)
    .map(([table, rows]) => `(SELECT count(*) FROM "${table}") = ${rows}`)
    .join(" AND ");
  return {
    type: "start",
    script: sample.script,
    finishStatements: FINISH_STATEMENTS,
    checkSql: `SELECT ${counts} AS ok`,
    initdbParams: INITDB_PARAMS,
    settings: SETTINGS,
    maxPlanCost: MAX_PLAN_COST,
  };
}

/** Changes with the sample, the way it is built and the PGlite release (its data format). */
async function versionKey(request: EngineStartRequest): Promise<string> {
  const inputs = JSON.stringify({
    format: SNAPSHOT_FORMAT,
    pglite: denoJson.imports["@electric-sql/pglite"],
    script: request.script,
    finish: request.finishStatements,
    check: request.checkSql,
    initdb: request.initdbParams,
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(inputs));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

function describe(sample: DemoSample): string {
  return `No database is configured, so pg-mcp serves its built-in demo database: ${sample.title}. ` +
    "It runs inside pg-mcp on PGlite (PostgreSQL in WebAssembly), read-only; nothing you do " +
    "outlives the process. To use your own database, set DATABASE_URL (or DATABASE_HOST, " +
    "DATABASE_NAME, DATABASE_USER and DATABASE_PASSWORD; libpq's PGHOST, PGDATABASE, ... also " +
    "work) in the environment or in a .env file.";
}
