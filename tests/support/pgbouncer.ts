/**
 * A real PgBouncer for tests, in front of a test cluster.
 *
 * `startPgBouncer(cluster, { poolMode })` writes a stock configuration to a temp dir (every
 * database of the cluster behind `*`, only `extra_float_digits` in `ignore_startup_parameters`,
 * the default `server_reset_query`, `postgres` as admin user, no Unix socket) and runs PgBouncer
 * as a daemon on a free port of 127.0.0.1. As root it runs as the `postgres` OS user through
 * `runuser` (PgBouncer refuses to run as root). `stop()` signals the daemon by PID, waits until
 * it is gone and removes the temp dir; an `unload` handler does the same synchronously if a test
 * forgets, so no PgBouncer outlives the process. Every wait is bounded.
 *
 * Authentication: `trust` by default (any password; the user must still be listed), or `md5` /
 * `scram-sha-256` checked against the plain-text passwords of `users` (PgBouncer then logs in to
 * the server with the same password). The userlist always holds `postgres`.
 */

import { chownToPostgres, isRoot, run } from "./command.ts";
import { isAlive, killAndWait, killAndWaitSync, type SignalLadder } from "./postmaster.ts";
import { freePort, type TestCluster } from "./test_cluster.ts";

export type PoolMode = "session" | "transaction";
export type PgBouncerAuth = "trust" | "md5" | "scram-sha-256";

export interface PgBouncerUser {
  name: string;
  /** Required for md5 and scram-sha-256; ignored with trust. */
  password?: string;
}

export interface PgBouncerOptions {
  poolMode: PoolMode;
  /** Default "trust". */
  authType?: PgBouncerAuth;
  /** Users besides `postgres` that may log in. */
  users?: PgBouncerUser[];
  /**
   * Extra `[pgbouncer]` settings for a test that needs one (e.g. `default_pool_size`); the
   * defaults above are the stock configuration the issue asks pg-mcp to work with.
   */
  settings?: Record<string, string | number>;
}

export interface PgBouncer extends AsyncDisposable {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The daemon's PID. */
  readonly pid: number;
  readonly poolMode: PoolMode;
  /** URL of database `db` through PgBouncer, as `postgres` or as `user` (with `password`). */
  urlFor(db: string, user?: string, password?: string): string;
  /** Runs one admin console command (`SHOW POOLS`, `RECONNECT`...) and returns psql's output. */
  admin(command: string): Promise<string>;
  /** PgBouncer's log so far (for assertion messages). */
  log(): Promise<string>;
  /** Stops PgBouncer and removes its files (idempotent). */
  stop(): Promise<void>;
}

/**
 * SIGTERM is an immediate shutdown up to PgBouncer 1.22 and a "wait for clients" one from 1.23,
 * where SIGQUIT is immediate (up to 1.22 SIGQUIT's default action also ends the process).
 */
const PGBOUNCER_LADDER: SignalLadder = [["SIGTERM", 3_000], ["SIGQUIT", 3_000], [
  "SIGKILL",
  5_000,
]];
const START_TIMEOUT_MS = 10_000;
const ADMIN = "postgres";

/** Absolute path of the pgbouncer binary (Debian installs it in /usr/sbin). */
export async function findPgBouncer(): Promise<string> {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs.filter((d) => d.length > 0)) {
    const path = `${dir}/pgbouncer`;
    try {
      if ((await Deno.stat(path)).isFile) return path;
    } catch { /* not here */ }
  }
  throw new Error("Cannot find pgbouncer: install it (apt-get install -y pgbouncer)");
}

/** The pgbouncer.ini text (exported for the helper's own test). */
export function pgBouncerIni(o: {
  dir: string;
  port: number;
  /** Default 127.0.0.1. */
  serverHost?: string;
  serverPort: number;
  poolMode: PoolMode;
  authType: PgBouncerAuth;
  settings?: Record<string, string | number>;
}): string {
  const settings: Record<string, string | number> = {
    listen_addr: "127.0.0.1",
    listen_port: o.port,
    unix_socket_dir: "",
    auth_type: o.authType,
    auth_file: `${o.dir}/userlist.txt`,
    admin_users: ADMIN,
    pool_mode: o.poolMode,
    ignore_startup_parameters: "extra_float_digits",
    logfile: `${o.dir}/pgbouncer.log`,
    pidfile: `${o.dir}/pgbouncer.pid`,
    ...o.settings,
  };
  return [
    "[databases]",
    `* = host=${o.serverHost ?? "127.0.0.1"} port=${o.serverPort}`,
    "",
    "[pgbouncer]",
    ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
    "",
  ].join("\n");
}

/** userlist.txt: `"name" "password"` lines, quotes doubled. */
export function userlist(users: PgBouncerUser[]): string {
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  return users.map((u) => `${q(u.name)} ${q(u.password ?? "")}\n`).join("");
}

class Bouncer implements PgBouncer {
  readonly host = "127.0.0.1" as const;
  #stopped = false;
  #onUnload = () => this.#stopSync();

  constructor(
    readonly port: number,
    readonly pid: number,
    readonly poolMode: PoolMode,
    readonly dir: string,
    readonly adminPassword: string,
  ) {
    globalThis.addEventListener("unload", this.#onUnload);
  }

  urlFor(db: string, user = ADMIN, password?: string): string {
    const url = new URL(`postgresql://127.0.0.1:${this.port}/`);
    url.pathname = `/${encodeURIComponent(db)}`;
    url.username = encodeURIComponent(user);
    if (password !== undefined) url.password = encodeURIComponent(password);
    return url.toString();
  }

  admin(command: string): Promise<string> {
    // The admin console speaks only the simple protocol: psql -c sends one simple query.
    return run("psql", ["-X", "-q", "-A", "-t", "-c", command, "-d", this.#adminUrl()], {
      env: { PGCONNECT_TIMEOUT: "5", PGAPPNAME: "pg-mcp-tests" },
    });
  }

  log(): Promise<string> {
    return Deno.readTextFile(`${this.dir}/pgbouncer.log`).catch(() => "");
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    globalThis.removeEventListener("unload", this.#onUnload);
    await killAndWait(this.pid, PGBOUNCER_LADDER);
    await Deno.remove(this.dir, { recursive: true });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #adminUrl(): string {
    return this.urlFor("pgbouncer", ADMIN, this.adminPassword || undefined);
  }

  #stopSync(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    killAndWaitSync(this.pid, PGBOUNCER_LADDER);
    Deno.removeSync(this.dir, { recursive: true });
  }
}

/** Starts PgBouncer in front of `cluster` (every database, through its host and port). */
export async function startPgBouncer(
  cluster: TestCluster,
  opts: PgBouncerOptions,
): Promise<PgBouncer> {
  const binary = await findPgBouncer();
  const authType = opts.authType ?? "trust";
  const adminPassword = authType === "trust" ? "" : crypto.randomUUID();
  const users = [{ name: ADMIN, password: adminPassword }, ...(opts.users ?? [])];
  if (authType !== "trust" && users.some((u) => !u.password)) {
    throw new Error(`Cannot use ${authType}: every user needs a password`);
  }
  const dir = await Deno.makeTempDir({ prefix: "pg_mcp_pgbouncer_" });
  let pid: number | undefined;
  try {
    if (isRoot()) await chownToPostgres(dir);
    await Deno.writeTextFile(`${dir}/userlist.txt`, userlist(users), { mode: 0o600 });
    if (isRoot()) await chownToPostgres(`${dir}/userlist.txt`);
    for (let attempt = 1;; attempt++) {
      const port = freePort();
      const ini = pgBouncerIni({
        dir,
        port,
        serverHost: cluster.host,
        serverPort: cluster.port,
        poolMode: opts.poolMode,
        authType,
        settings: opts.settings,
      });
      await Deno.writeTextFile(`${dir}/pgbouncer.ini`, ini);
      await Deno.remove(`${dir}/pgbouncer.log`).catch(() => {});
      try {
        // -d: the parent exits once the daemon is forked; the daemon writes its PID file.
        await run(binary, ["-d", `${dir}/pgbouncer.ini`], { asPostgres: true, cwd: dir });
        pid = await waitForPid(`${dir}/pgbouncer.pid`, dir);
        await waitForPort(port, pid, dir);
        return new Bouncer(port, pid, opts.poolMode, dir, adminPassword);
      } catch (err) {
        if (pid !== undefined && isAlive(pid)) await killAndWait(pid, PGBOUNCER_LADDER);
        pid = undefined;
        const log = await readLog(dir);
        if (attempt < 3 && /Address already in use|could not bind|bind\(\)/i.test(log)) continue;
        throw new Error(`PgBouncer did not start: ${(err as Error).message}\n${log}`);
      }
    }
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
}

async function waitForPid(pidFile: string, dir: string): Promise<number> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const text = await Deno.readTextFile(pidFile).catch(() => "");
    const pid = Number(text.trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
    if (/FATAL|ERROR/.test(await readLog(dir))) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no PID file ${pidFile}`);
}

async function waitForPort(port: number, pid: number, dir: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new Error(`PgBouncer (pid ${pid}) exited`);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`PgBouncer does not listen on 127.0.0.1:${port}: ${await readLog(dir)}`);
}

function readLog(dir: string): Promise<string> {
  return Deno.readTextFile(`${dir}/pgbouncer.log`).then((t) => t.slice(-2000), () => "");
}
