/**
 * Fault injection for tests, on loopback only and bounded in time:
 *
 * - `pgMcpBackends` / `waitForBackends` / `terminateBackends`: find pg-mcp's server sessions
 *   (`application_name = 'pg-mcp'`) in one database and end them with `pg_terminate_backend`;
 * - `holdLock`: a test session holding an ACCESS EXCLUSIVE lock, so pg-mcp's statements on that
 *   table wait on the server (as long as we like, without burning CPU) until it is released;
 * - `spawnRawStdio`: main.ts over stdio with the binary's flags, driven with raw bytes (for
 *   protocol abuse: huge, malformed, batched, non-UTF-8 messages, closed pipes);
 * - `postMcp`: one raw JSON-RPC POST to a stateless HTTP server (abortable, unlike the SDK's).
 */
import postgres from "postgres";
import { sleep } from "../../src/resilience/retry.ts";
import { childEnv, serverCommand } from "./spawn_server.ts";
import { isAlive } from "./postmaster.ts";
import type { TestCluster } from "./test_cluster.ts";

const POLL_MS = 25;

export interface Backend {
  pid: number;
  state: string;
  waitEventType: string | null;
  query: string;
}

/** pg-mcp's sessions in database `db`, optionally only those whose query contains `marker`. */
export async function pgMcpBackends(
  cluster: TestCluster,
  db: string,
  marker?: string,
): Promise<Backend[]> {
  const filter = marker === undefined
    ? ""
    : ` AND strpos(query, ${literal(marker)}) > 0 AND state = 'active'`;
  const out = await cluster.psql(
    db,
    `SELECT json_agg(json_build_object('pid', pid, 'state', state,
        'waitEventType', wait_event_type, 'query', query) ORDER BY pid)
       FROM pg_stat_activity
      WHERE application_name = 'pg-mcp' AND datname = current_database()
        AND pid <> pg_backend_pid()${filter}`,
  );
  return out.trim() ? JSON.parse(out) : [];
}

/** Waits (bounded) until at least `count` active pg-mcp statements contain `marker`. */
export async function waitForBackends(
  cluster: TestCluster,
  db: string,
  marker: string,
  count: number,
  timeoutMs = 10_000,
): Promise<Backend[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = await pgMcpBackends(cluster, db, marker);
    if (found.length >= count) return found;
    if (performance.now() > deadline) {
      throw new Error(
        `Cannot see ${count} pg-mcp statements with "${marker}" after ${timeoutMs} ms: ` +
          `${found.length} running`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Waits (bounded) until no active pg-mcp statement contains `marker`; returns the ms waited. */
export async function waitForNoBackends(
  cluster: TestCluster,
  db: string,
  marker: string,
  timeoutMs: number,
): Promise<{ gone: boolean; ms: number; left: Backend[] }> {
  const started = performance.now();
  for (;;) {
    const left = await pgMcpBackends(cluster, db, marker);
    const ms = Math.round(performance.now() - started);
    if (left.length === 0) return { gone: true, ms, left };
    if (ms > timeoutMs) return { gone: false, ms, left };
    await sleep(POLL_MS);
  }
}

/** `pg_terminate_backend` on each PID (from a psql session of the test); how many ended. */
export async function terminateBackends(
  cluster: TestCluster,
  db: string,
  pids: number[],
): Promise<number> {
  if (pids.length === 0) return 0;
  const out = await cluster.psql(
    db,
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
       FROM unnest(ARRAY[${pids.map((p) => Math.trunc(p)).join(",")}]::int[]) AS pid`,
  );
  return Number(out.trim());
}

export interface HeldLock {
  /** Commits the locking transaction (idempotent; harmless if the session already died). */
  release(): Promise<void>;
}

/**
 * Takes an ACCESS EXCLUSIVE lock on `table` in `url`'s database and holds it until `release()`
 * (or until the server ends the session). Bounded: the session's own statement_timeout is 60 s.
 */
export async function holdLock(url: string, table: string): Promise<HeldLock> {
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 5,
    connection: { application_name: "pg-mcp-tests-lock", statement_timeout: 60_000 },
  });
  let unlock!: () => void;
  const released = new Promise<void>((resolve) => unlock = resolve);
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => locked = resolve);
  const txn = sql.begin(async (tx) => {
    await tx.unsafe(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    locked();
    await released;
  });
  await Promise.race([isLocked, txn]);
  txn.catch(() => undefined); // the server may end the session (restart, stop)
  let done: Promise<void> | undefined;
  return {
    release() {
      done ??= (async () => {
        unlock();
        await txn.catch(() => undefined);
        await sql.end({ timeout: 1 }).catch(() => undefined);
      })();
      return done;
    },
  };
}

/** A single-quoted SQL literal. */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The app's own timer wait, for the polls here and in the fault tests. */
export { sleep };

// ---------------------------------------------------------------------------------------------
// Raw stdio

export type JsonRpcMessage = Record<string, unknown> | unknown[];

export interface RawStdioServer extends AsyncDisposable {
  readonly pid: number;
  /** Writes bytes (a string is UTF-8 encoded) to stdin; false if not written within `timeoutMs`. */
  write(data: string | Uint8Array, timeoutMs?: number): Promise<boolean>;
  /** Sends one request line and waits (bounded) for the response with its id. */
  request(
    method: string,
    params?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<JsonRpcMessage | undefined>;
  /** The next message on stdout not yet taken (responses, errors, notifications), or undefined. */
  next(timeoutMs?: number): Promise<JsonRpcMessage | undefined>;
  /** Every stdout line that was not JSON (must stay empty: stdout is the MCP channel). */
  readonly garbage: string[];
  /** stderr so far. */
  stderr(): string;
  /** Closes our end of the child's stdin (end of input for the server). */
  closeStdin(): Promise<void>;
  /** Stops reading stdout and closes the pipe: the child's next write fails (EPIPE). */
  closeStdout(): Promise<void>;
  /** The exit status, or undefined if still running after `timeoutMs`. */
  exited(timeoutMs: number): Promise<Deno.CommandStatus | undefined>;
  /** SIGKILL if still running, then wait; idempotent. */
  kill(): Promise<void>;
}

/** How to launch the server: Deno's arguments and the working directory. */
export interface Launch {
  args: string[];
  cwd: string;
}

/**
 * Spawns main.ts (binary flags, stdio transport; or `launch`, e.g. `deno task start` from
 * elsewhere) with `env`, and sends `initialize`.
 */
export async function spawnRawStdio(
  env: Record<string, string>,
  launch: Launch = serverCommand(),
): Promise<RawStdioServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: launch.args,
    cwd: launch.cwd,
    env: childEnv(env),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const messages: JsonRpcMessage[] = [];
  const garbage: string[] = [];
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  let stderrText = "";
  const stderrDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderrText += chunk;
    }
  })().catch(() => undefined);
  const stdoutReader = child.stdout.getReader();
  const stdoutDone = (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await stdoutReader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        try {
          messages.push(JSON.parse(line));
        } catch {
          garbage.push(line.slice(0, 500));
        }
        wake();
      }
    }
    wake();
  })().catch(() => wake());
  let status: Deno.CommandStatus | undefined;
  const statusPromise = child.status.then((s) => {
    status = s;
    wake();
    return s;
  });

  const waitFor = async <T>(pick: () => T | undefined, timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = pick();
      if (found !== undefined) return found;
      const left = deadline - performance.now();
      if (left <= 0 || status !== undefined) return pick();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  let nextId = 1_000;
  const server: RawStdioServer = {
    pid: child.pid,
    garbage,
    async write(data, timeoutMs = 10_000) {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const written = writer.write(bytes).then(() => true, () => false);
      const late = new Promise<false>((resolve) =>
        timer = setTimeout(() => resolve(false), timeoutMs)
      );
      try {
        return await Promise.race([written, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    async request(method, params, timeoutMs = 5_000) {
      const id = nextId++;
      const line = JSON.stringify({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });
      if (!await server.write(`${line}\n`, timeoutMs)) return undefined;
      return await waitFor(() => {
        const i = messages.findIndex((m) => !Array.isArray(m) && m.id === id);
        return i < 0 ? undefined : messages.splice(i, 1)[0];
      }, timeoutMs);
    },
    next(timeoutMs = 5_000) {
      return waitFor(() => messages.shift(), timeoutMs);
    },
    stderr: () => stderrText,
    async closeStdin() {
      await writer.close().catch(() => undefined);
    },
    async closeStdout() {
      await stdoutReader.cancel().catch(() => undefined);
    },
    async exited(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
      try {
        return await Promise.race([statusPromise, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      if (status === undefined && isAlive(child.pid)) {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }
      await statusPromise;
      await writer.close().catch(() => undefined);
      await stdoutReader.cancel().catch(() => undefined);
      await Promise.all([stdoutDone, stderrDone]);
    },
    [Symbol.asyncDispose]: () => server.kill(),
  };

  const init = await server.request("initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "pg-mcp-raw-tests", version: "1.0.0" },
  }, 20_000);
  if (!init || Array.isArray(init) || !("result" in init)) {
    await server.kill();
    throw new Error(`main.ts did not initialize: ${JSON.stringify(init)}\n${stderrText}`);
  }
  await server.write(
    `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`,
  );
  return server;
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP

/**
 * One JSON-RPC message POSTed to `${baseUrl}/mcp` (stateless Streamable HTTP, JSON responses).
 * Abort `signal` to drop the connection as a client that goes away does.
 */
export function postMcp(
  baseUrl: string,
  message: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${baseUrl}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", ...message }),
    signal,
  });
}
