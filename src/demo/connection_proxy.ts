/**
 * The demo database's address: a TCP proxy on 127.0.0.1 in front of the engine worker.
 *
 * - PGlite is one PostgreSQL session. pglite-socket multiplexes connections onto it message by
 *   message, so two connections interleave their extended-protocol messages and read each other's
 *   results (measured: 300 of 400 parameterized queries from 4 connections came back wrong), and
 *   share every SET. The proxy lets one client connection through at a time; the next one waits
 *   until it ends, and is refused with SQLSTATE 53300 after `waitMs` (pglite-socket itself answers
 *   a connection over its limit with plain text, on which the driver waits forever).
 * - The port stays the same when the supervisor replaces a stuck engine by a fresh one, and so
 *   does the client's connection: `failActive` answers the statement in progress with an error,
 *   as a server does on a statement timeout, and moves the connection to the new engine (the
 *   startup packet is replayed there). Closing the connection instead races the driver's next
 *   write, which postgres.js under Deno turns into an uncaught error.
 * - A CancelRequest is reported to the supervisor (PGlite cannot cancel; the supervisor can).
 */
import type { Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import {
  classifyOpening,
  ENCRYPTION_REFUSED,
  errorResponse,
  failedStatements,
  MESSAGE,
  MessageFraming,
  startupLength,
  type WireError,
} from "./pg_wire.ts";

export interface ProxyOptions {
  /** The engine's port once it serves; an error when it cannot serve. */
  upstream(): Promise<Result<number>>;
  /** A client asked to cancel the query in progress. */
  onCancel(): void;
  /** How long a connection waits for the one in progress to end. */
  waitMs: number;
  /**
   * A Sync or Query left unanswered this long means a stuck engine, busy or not: PGlite can also
   * stop answering without running (COPY ... TO PROGRAM leaves the session waiting).
   */
  replyTimeoutMs: number;
  onNoReply(): void;
  log: Logger;
}

export interface ConnectionProxy {
  readonly port: number;
  /**
   * Answers the statement in progress with `error` and moves the connection to the engine that
   * `upstream()` gives next. Call it before stopping the engine.
   */
  failActive(error: WireError): void;
  /** True when the connection in progress waits for an answer to a Sync or Query. */
  readonly awaitingReply: boolean;
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

const BUFFER_SIZE = 64 * 1024;
const MAX_STARTUP_BYTES = 10_000;

export function startConnectionProxy(options: ProxyOptions): ConnectionProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const slot = new Slot();
  const clients = new Set<Deno.TcpConn>();
  const tasks = new Set<Promise<void>>();
  const sessions = new Set<Session>();
  let active: Session | undefined;
  let closing = false;

  const track = (task: Promise<void>) => {
    tasks.add(task);
    task.finally(() => tasks.delete(task));
  };

  async function serve(client: Deno.TcpConn): Promise<void> {
    clients.add(client);
    // Without it, small protocol messages wait on Nagle's algorithm: 70 ms per query, measured.
    client.setNoDelay(true);
    let release: (() => void) | undefined;
    try {
      const startup = await readStartup(client);
      if (startup === "cancel") return options.onCancel();
      if (!startup) return;
      release = await slot.acquire(options.waitMs);
      if (closing) return;
      if (!release) {
        options.log.warn("demo.connection_refused", { reason: "one_at_a_time" });
        return await writeAll(
          client,
          errorResponse({
            severity: "FATAL",
            code: "53300",
            message:
              "Cannot open a second connection to the demo database: it serves one at a time",
          }),
        );
      }
      const session = new Session(client, startup, options);
      sessions.add(session);
      active = session;
      try {
        await session.run();
      } finally {
        sessions.delete(session);
        if (active === session) active = undefined;
      }
    } catch (error) {
      if (!closing) options.log.debug("demo.connection_ended", { error });
    } finally {
      release?.();
      clients.delete(client);
      closeQuietly(client);
    }
  }

  const accepting = (async () => {
    try {
      for await (const conn of listener) track(serve(conn));
    } catch (error) {
      if (!closing) options.log.error("demo.proxy_failed", { error });
    }
  })();

  return {
    port: listener.addr.port,
    failActive: (error) => active?.fail(error),
    get awaitingReply() {
      return active?.awaitingReply ?? false;
    },
    async close() {
      closing = true;
      listener.close();
      slot.close();
      for (const session of sessions) session.end();
      for (const client of clients) closeQuietly(client);
      await accepting;
      await Promise.allSettled([...tasks]);
    },
  };
}

/** The client's startup packet (after refusing encryption), "cancel", or undefined at EOF. */
async function readStartup(client: Deno.TcpConn): Promise<Uint8Array | "cancel" | undefined> {
  let head = await readExactly(client, 8);
  if (head && classifyOpening(head) === "encryption") {
    await writeAll(client, ENCRYPTION_REFUSED);
    head = await readExactly(client, 8);
  }
  if (!head) return undefined;
  if (classifyOpening(head) === "cancel") return "cancel";
  const length = startupLength(head);
  if (length < 8 || length > MAX_STARTUP_BYTES) return undefined;
  const rest = await readExactly(client, length - 8);
  if (!rest) return undefined;
  return new Uint8Array([...head, ...rest]);
}

/** One client connection, relayed to the current engine; moved to a new engine on `fail`. */
class Session {
  #client: Deno.TcpConn;
  #startup: Uint8Array;
  #options: ProxyOptions;
  #upstream: Deno.TcpConn | undefined;
  /** The engine connection client bytes go to; undefined once the session cannot go on. */
  #attached: Promise<Deno.TcpConn | undefined>;
  #fromServer = new MessageFraming();
  #fromClient = new MessageFraming();
  /** Sync and Query messages the server has not answered with ReadyForQuery yet. */
  #awaitingReady = 0;
  #replyTimer: ReturnType<typeof setTimeout> | undefined;
  #established = false;
  /** Set when no engine is left: each later statement is answered with this error. */
  #refusal: WireError | undefined;
  #clientWrites: Promise<void> = Promise.resolve();
  #tasks = new Set<Promise<void>>();
  #ended = false;
  #endedSignal: Promise<void>;
  #signalEnd!: () => void;

  constructor(client: Deno.TcpConn, startup: Uint8Array, options: ProxyOptions) {
    this.#client = client;
    this.#startup = startup;
    this.#options = options;
    this.#endedSignal = new Promise((resolve) => this.#signalEnd = resolve);
    this.#attached = this.#attach(false);
  }

  /** Relays until either side ends. */
  async run(): Promise<void> {
    await Promise.race([this.#clientToServer(), this.#endedSignal]);
    this.end();
    await this.#clientWrites.catch(() => undefined);
    await Promise.allSettled([...this.#tasks]);
  }

  get awaitingReply(): boolean {
    return this.#awaitingReady > 0;
  }

  fail(error: WireError): void {
    if (this.#ended) return;
    const clean = this.#established && this.#fromServer.atBoundary && this.#fromClient.atBoundary;
    if (!clean) {
      // Mid-message on either side: nothing can be injected safely.
      this.#writeClient(errorResponse({ ...error, severity: "FATAL" }));
      return this.end();
    }
    // Each Sync or Query already sent gets the error and a ReadyForQuery, as from a server; with
    // none pending (a cursor's Execute), the error alone: the driver's Sync then reaches the new
    // engine, which answers it.
    const status = this.#fromServer.transactionStatus === "I" ? "I" : "E";
    const bytes = this.#awaitingReady === 0
      ? errorResponse(error)
      : failedStatements(error, status, this.#awaitingReady);
    this.#setAwaiting(0);
    this.#writeClient(bytes);
    const old = this.#upstream;
    this.#upstream = undefined;
    if (old) closeQuietly(old);
    this.#attached = this.#attach(true);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#replyTimer);
    if (this.#upstream) closeQuietly(this.#upstream);
    this.#signalEnd();
  }

  /** Connects to the current engine and sends the startup packet; a replay hides its answer. */
  async #attach(replay: boolean): Promise<Deno.TcpConn | undefined> {
    const task = (async () => {
      const port = await this.#options.upstream();
      if (this.#ended) return undefined;
      if (!port.ok) {
        const error = { code: "57P03", message: port.error.message };
        if (!replay) {
          this.#writeClient(errorResponse({ severity: "FATAL", ...error }));
          return undefined;
        }
        // Mid-session: keep the connection and refuse each statement (closing it races the
        // driver's next write).
        this.#refusal = { severity: "ERROR", ...error };
        return undefined;
      }
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port: port.value });
      upstream.setNoDelay(true);
      await writeAll(upstream, this.#startup);
      if (replay && !(await consumeHandshake(upstream))) {
        closeQuietly(upstream);
        return undefined;
      }
      if (this.#ended) {
        closeQuietly(upstream);
        return undefined;
      }
      this.#upstream = upstream;
      this.#track(this.#serverToClient(upstream));
      return upstream;
    })().catch((error) => {
      this.#options.log.warn("demo.engine_unreachable", { error });
      return undefined;
    });
    const upstream = await task;
    if (!upstream && !this.#refusal) this.end();
    return upstream;
  }

  async #clientToServer(): Promise<void> {
    const buffer = new Uint8Array(BUFFER_SIZE);
    while (!this.#ended) {
      const n = await this.#client.read(buffer).catch(() => null);
      if (n === null) return;
      const chunk = buffer.slice(0, n);
      let statements = 0;
      this.#fromClient.push(chunk, (type) => {
        if (type === MESSAGE.sync || type === MESSAGE.query) statements++;
        if (type === MESSAGE.terminate) this.end();
      });
      const upstream = await this.#attached;
      if (!upstream) {
        if (!this.#refusal) return;
        if (statements > 0) this.#writeClient(failedStatements(this.#refusal, "I", statements));
        continue;
      }
      if (statements > 0) this.#setAwaiting(this.#awaitingReady + statements);
      // A write to an engine that just died is answered by `fail`, which the supervisor calls.
      await writeAll(upstream, chunk).catch(() => undefined);
    }
  }

  async #serverToClient(upstream: Deno.TcpConn): Promise<void> {
    const buffer = new Uint8Array(BUFFER_SIZE);
    while (true) {
      const n = await upstream.read(buffer).catch(() => null);
      if (upstream !== this.#upstream) return; // replaced: its last bytes are not the client's
      if (n === null) return this.end();
      const chunk = buffer.slice(0, n);
      this.#fromServer.push(chunk, (type) => {
        if (type === MESSAGE.readyForQuery) {
          this.#established = true;
          this.#setAwaiting(Math.max(0, this.#awaitingReady - 1), true);
        }
      });
      this.#writeClient(chunk);
    }
  }

  /** Counts pending answers; the reply timer runs while there is one, restarting per answer. */
  #setAwaiting(count: number, answered = false): void {
    const before = this.#awaitingReady;
    this.#awaitingReady = count;
    if (count === 0) {
      clearTimeout(this.#replyTimer);
      this.#replyTimer = undefined;
    } else if (before === 0 || answered) {
      clearTimeout(this.#replyTimer);
      this.#replyTimer = setTimeout(() => this.#options.onNoReply(), this.#options.replyTimeoutMs);
    }
  }

  #writeClient(bytes: Uint8Array): void {
    this.#clientWrites = this.#clientWrites.then(() => writeAll(this.#client, bytes))
      .catch(() => this.end());
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }
}

/** Reads an engine's answer to a replayed startup packet up to its first ReadyForQuery. */
async function consumeHandshake(upstream: Deno.TcpConn): Promise<boolean> {
  const framing = new MessageFraming();
  const buffer = new Uint8Array(BUFFER_SIZE);
  let ready = false;
  let failed = false;
  while (!ready) {
    const n = await upstream.read(buffer);
    if (n === null) return false;
    framing.push(buffer.subarray(0, n), (type) => {
      if (type === MESSAGE.readyForQuery) ready = true;
      if (type === MESSAGE.error) failed = true;
    });
  }
  return !failed && framing.atBoundary;
}

async function readExactly(conn: Deno.Conn, length: number): Promise<Uint8Array | undefined> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const n = await conn.read(out.subarray(filled));
    if (n === null) return undefined;
    filled += n;
  }
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** One holder at a time; others wait in order, each up to its own limit. */
class Slot {
  #held = false;
  #waiters: { grant: () => void; timer: ReturnType<typeof setTimeout> }[] = [];

  /** A release function, or undefined when the wait ran out. */
  acquire(waitMs: number): Promise<(() => void) | undefined> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      const waiter = {
        grant: () => resolve(this.#releaser()),
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          resolve(undefined);
        }, waitMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Lets every waiter through at once (the proxy is closing: they end right away). */
  close(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.grant();
    }
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) {
        clearTimeout(next.timer);
        next.grant();
      } else this.#held = false;
    };
  }
}
