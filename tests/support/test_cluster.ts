/**
 * A throwaway PostgreSQL cluster for tests.
 *
 * `startTestCluster()` runs `initdb` in a temp dir and starts a server on a free port of
 * 127.0.0.1 (superuser `postgres`, trust auth, fsync off). As root, the server programs run as
 * the `postgres` OS user through `runuser`. `stop()` signals the postmaster by PID, waits until it
 * is gone and removes the temp dir; an `unload` handler does the same synchronously if a test
 * forgets, so no server outlives the process.
 *
 * With `TEST_DATABASE_URL` set (a superuser URL), that server is used instead: nothing is started,
 * and `stop()` only drops the databases created through this handle.
 *
 * Fault tests take the server down and up with `restartServer()`, `stopServer()` and
 * `startServer()` (`pg_ctl ... -m fast`, same port and files). Those refuse the shared cluster
 * and an external server: such a test starts its own cluster.
 */

import { chownToPostgres, isRoot, run } from "./command.ts";
import { isAlive, killAndWait, killAndWaitSync, readPostmasterPid } from "./postmaster.ts";

export interface CreateDatabaseOptions {
  /** SQL scripts run (through psql, ON_ERROR_STOP) in the new database, in order. */
  sql?: string[];
  /** Database to copy (`CREATE DATABASE ... TEMPLATE`); it must have no open connections. */
  template?: string;
}

export interface TestCluster {
  /** Superuser URL of the maintenance database. */
  readonly adminUrl: string;
  /** Always 127.0.0.1 for a started cluster. */
  readonly host: string;
  readonly port: number;
  /** URL of database `db`, as the superuser or as `user` (with `password`, if any). */
  urlFor(db: string, user?: string, password?: string): string;
  /** Creates database `name` (use `uniqueName()`), runs `opts.sql` in it, returns its URL. */
  createDatabase(name: string, opts?: CreateDatabaseOptions): Promise<string>;
  /**
   * Runs `sqlText` with `psql -X -q -A -t -v ON_ERROR_STOP=1` in `db` (a database name, or a
   * full URL to connect as another user) and returns psql's stdout (unaligned, tuples only).
   */
  psql(db: string, sqlText: string): Promise<string>;
  /** Stops the server and removes its files (idempotent). */
  stop(): Promise<void>;
  /** `pg_ctl restart -m fast`: every session ends, the server is back on the same port. */
  restartServer(): Promise<void>;
  /** `pg_ctl stop -m fast`: every session ends; files and port stay for `startServer()`. */
  stopServer(): Promise<void>;
  /** Starts the server that `stopServer()` stopped, on the same port. */
  startServer(): Promise<void>;
}

/** `prefix` plus a random suffix: a valid, lower-case database/role name unique per call. */
export function uniqueName(prefix: string): string {
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  return `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40)}_${suffix}`;
}

/** Double-quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const SERVER_SETTINGS = `
# pg-mcp test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
`;

class Cluster implements TestCluster {
  readonly host: string;
  readonly port: number;
  readonly adminUrl: string;
  #base: URL;
  #tempDir: string | null;
  #pid: number | null;
  #created: string[] = [];
  #stopped = false;
  /** The server was stopped by `stopServer()` (and not started again). */
  #down = false;
  #onUnload = () => this.#stopSync();
  onStopped: () => void = () => {};
  /** Set by `sharedTestCluster()`: other tests use it, so it must never go down. */
  shared = false;

  constructor(adminUrl: string, tempDir: string | null, pid: number | null) {
    this.#base = new URL(adminUrl);
    this.adminUrl = adminUrl;
    this.host = this.#base.hostname;
    this.port = Number(this.#base.port || 5432);
    this.#tempDir = tempDir;
    this.#pid = pid;
    if (pid !== null) globalThis.addEventListener("unload", this.#onUnload);
  }

  urlFor(db: string, user?: string, password?: string): string {
    const url = new URL(this.#base);
    url.pathname = `/${encodeURIComponent(db)}`;
    if (user !== undefined) {
      url.username = encodeURIComponent(user);
      url.password = password === undefined ? "" : encodeURIComponent(password);
    }
    return url.toString();
  }

  async createDatabase(name: string, opts: CreateDatabaseOptions = {}): Promise<string> {
    const template = opts.template === undefined ? "" : ` TEMPLATE ${quoteIdent(opts.template)}`;
    await this.psql(this.adminUrl, `CREATE DATABASE ${quoteIdent(name)}${template};`);
    this.#created.push(name);
    for (const sql of opts.sql ?? []) await this.psql(name, sql);
    return this.urlFor(name);
  }

  psql(db: string, sqlText: string): Promise<string> {
    const url = db.includes("://") ? db : this.urlFor(db);
    return run("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url], {
      stdin: sqlText,
      env: { PGCONNECT_TIMEOUT: "10", PGAPPNAME: "pg-mcp-tests" },
    });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.onStopped();
    if (this.#pid === null) {
      // External server: drop what we created, newest first (samples' templates come first).
      for (const name of this.#created.reverse()) {
        await this.psql(this.adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE);`)
          .catch(() => {});
      }
      return;
    }
    globalThis.removeEventListener("unload", this.#onUnload);
    if (!this.#down) await killAndWait(this.#pid);
    if (this.#tempDir) await Deno.remove(this.#tempDir, { recursive: true });
  }

  async restartServer(): Promise<void> {
    const dir = this.#ownDir("restart");
    await run("pg_ctl", [
      ...["-w", "-t", "60", "-m", "fast", "-D", `${dir}/data`, "-l", `${dir}/server.log`],
      "restart",
    ], { asPostgres: true, cwd: dir });
    this.#pid = await readPostmasterPid(`${dir}/data`);
  }

  async stopServer(): Promise<void> {
    const dir = this.#ownDir("stop");
    await run("pg_ctl", ["-w", "-t", "60", "-m", "fast", "-D", `${dir}/data`, "stop"], {
      asPostgres: true,
      cwd: dir,
    });
    this.#down = true;
  }

  async startServer(): Promise<void> {
    const dir = this.#ownDir("start");
    if (!this.#down) return;
    await run("pg_ctl", [
      ...["-w", "-t", "60", "-D", `${dir}/data`, "-l", `${dir}/server.log`],
      ...["-o", `-p ${this.port}`, "start"],
    ], { asPostgres: true, cwd: dir });
    this.#pid = await readPostmasterPid(`${dir}/data`);
    this.#down = false;
  }

  /** The temp dir of a cluster this handle started, not shared: the only kind a test may stop. */
  #ownDir(action: string): string {
    if (this.#stopped) throw new Error(`Cannot ${action} the server: the cluster was removed`);
    if (this.#pid === null || !this.#tempDir) {
      throw new Error(`Cannot ${action} an external server (TEST_DATABASE_URL)`);
    }
    if (this.shared) {
      throw new Error(
        `Cannot ${action} the shared test cluster: start your own with startTestCluster()`,
      );
    }
    return this.#tempDir;
  }

  #stopSync(): void {
    if (this.#stopped || this.#pid === null) return;
    this.#stopped = true;
    if (!this.#down) killAndWaitSync(this.#pid);
    if (this.#tempDir) Deno.removeSync(this.#tempDir, { recursive: true });
  }
}

export interface StartOptions {
  /**
   * Start a local server even when TEST_DATABASE_URL is set: for tests that stop or restart it
   * (they need PostgreSQL's server binaries).
   */
  local?: boolean;
  /** A superuser URL of a running server to wrap instead (default: TEST_DATABASE_URL). */
  external?: string;
}

/** Starts a new local cluster, or wraps `external` / `TEST_DATABASE_URL` (see `local`). */
export async function startTestCluster(opts: StartOptions = {}): Promise<TestCluster> {
  const external = opts.external ?? Deno.env.get("TEST_DATABASE_URL");
  if (external && !opts.local) return new Cluster(external, null, null);
  const dir = await Deno.makeTempDir({ prefix: "pg_mcp_test_" });
  const data = `${dir}/data`;
  try {
    if (isRoot()) await chownToPostgres(dir);
    await run("initdb", [
      ...["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"],
      ...["--no-sync", "--no-instructions"],
    ], { asPostgres: true, cwd: dir });
    await Deno.writeTextFile(`${data}/postgresql.conf`, SERVER_SETTINGS, { append: true });
    const port = await startPostgres(dir, data);
    const pid = await readPostmasterPid(data);
    return new Cluster(`postgresql://postgres@127.0.0.1:${port}/postgres`, dir, pid);
  } catch (err) {
    const pid = await readPostmasterPid(data).catch(() => null);
    if (pid !== null && isAlive(pid)) await killAndWait(pid);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
}

let shared: Promise<TestCluster> | undefined;

/**
 * One cluster per process (per test module's isolate), started on first use. It stops itself
 * at exit (`unload`); a caller may also `stop()` it, after which the next call starts a new one.
 */
export function sharedTestCluster(): Promise<TestCluster> {
  if (shared) return shared;
  const started: Promise<TestCluster> = startTestCluster().then((cluster) => {
    (cluster as Cluster).shared = true;
    (cluster as Cluster).onStopped = () => {
      if (shared === started) shared = undefined;
    };
    return cluster;
  }, (err) => {
    shared = undefined;
    throw err;
  });
  shared = started;
  return started;
}

/** Starts the server with `pg_ctl -w` on a free port (retrying if the port got taken). */
async function startPostgres(dir: string, data: string): Promise<number> {
  const log = `${dir}/server.log`;
  for (let attempt = 1;; attempt++) {
    const port = freePort();
    try {
      await run("pg_ctl", ["-w", "-t", "60", "-D", data, "-l", log, "-o", `-p ${port}`, "start"], {
        asPostgres: true,
        cwd: dir,
      });
      return port;
    } catch (err) {
      const tail = (await Deno.readTextFile(log).catch(() => "")).slice(-2000);
      if (attempt < 3 && /could not bind|already in use/i.test(tail)) continue;
      throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${tail}`);
    }
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
