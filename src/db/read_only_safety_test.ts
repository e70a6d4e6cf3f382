/**
 * The executor's own guarantees, with the validator bypassed (ReadExecutor.run called directly)
 * as a superuser: one statement per execution, a read-only session and transaction, timeouts
 * SQL cannot lift, nothing left on the pooled connection for the next call.
 */
import assert from "node:assert/strict";
import { sharedTestCluster } from "../../tests/support/test_cluster.ts";
import {
  attackLines,
  createTarget,
  exists,
  PUBLIC_BYPASSES,
  type Target,
  tmpPaths,
} from "../../tests/safety/harness.ts";
import {
  openTestDb,
  rowObjects,
  type TestDb,
  unvalidated,
} from "../../tests/support/read_only_db.ts";

const TIMEOUT_S = 1;
const RUN = { maxRows: 100, maxBytes: 100_000, maxChars: 100_000 };

/**
 * Attack lines that, with the validator bypassed and a superuser connection, act outside the
 * transaction, so no read-only setting can stop them; the validator refuses each (see
 * tests/safety/attacks_mcp_test.ts), and a read-only role has no privilege for them.
 */
const SUPERUSER_ONLY_GUARD = new Set<string>([
  // pg_stat_reset_shared writes statistics, not data: allowed in a read-only transaction
  "SELECT pg_stat_reset_shared('io')",
  // server-side files: reading a table into a file is a read; the paths are under /tmp
  "SELECT lo_export(12345, '/tmp/referee-sink_var_lib_postgresql_15_main_exfil.txt')",
  "COPY (SELECT 'test') TO '/tmp/referee-sink_var_www_html_test.txt'",
  "COPY (SELECT '') TO PROGRAM 'true'",
  "COPY (SELECT * FROM users) TO PROGRAM 'true'",
]);

/**
 * Not run here at all: it would end every other session of the cluster, other tests' included.
 * The validator refuses it (blocked_function), and a non-superuser may not signal others.
 */
const NOT_RUN = new Set<string>([
  'SELECT U&"pg_te\\0072minate_backend"(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()',
]);

async function setup(): Promise<{ target: Target; db: TestDb; close(): Promise<void> }> {
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "executor");
  const db = openTestDb(target.url, { timeoutS: TIMEOUT_S, maxPoolSize: 1 });
  return {
    target,
    db,
    close: async () => {
      await db.close();
      await target.close();
    },
  };
}

async function sessionState(db: TestDb): Promise<Record<string, unknown>> {
  const r = await db.run(
    `SELECT current_setting('default_transaction_read_only') AS session_ro,
       current_setting('transaction_read_only') AS tx_ro,
       current_setting('statement_timeout') AS statement_timeout,
       current_setting('search_path') AS search_path,
       current_setting('TimeZone') AS tz,
       (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory')::int AS advisory_locks,
       (SELECT count(*) FROM pg_prepared_statements)::int AS prepared,
       (SELECT count(*) FROM pg_cursors WHERE name <> '')::int AS cursors`,
    RUN,
  );
  assert.ok(r.ok, r.ok ? "" : r.error.message);
  return rowObjects(r.value)[0];
}

/**
 * No startup parameter is sent (PgBouncer refuses them): the session keeps the server's default
 * (read-write) and every transaction is READ ONLY with its limits set inside it.
 */
const CLEAN = {
  session_ro: "off",
  tx_ro: "on",
  statement_timeout: `${TIMEOUT_S}s`,
  search_path: '"$user", public',
  tz: "UTC",
  advisory_locks: 0,
  prepared: 0,
  cursors: 0,
};

Deno.test("ReadExecutor.run() refuses two statements at the database (extended protocol)", async () => {
  const s = await setup();
  try {
    for (
      const sql of ["SELECT 1; SELECT 2", "COMMIT; DROP TABLE users", "SELECT 1; DELETE FROM users"]
    ) {
      const r = await s.db.run(sql, RUN);
      assert.ok(!r.ok);
      assert.equal(r.error.details.sqlstate, "42601", sql);
    }
    const one = await s.db.run("SELECT 1 --", RUN);
    assert.ok(one.ok);
    assert.deepEqual(await sessionState(s.db), CLEAN);
  } finally {
    await s.close();
  }
});

Deno.test("ReadExecutor.run(): writes fail read-only even when SQL ends or loosens the transaction", async () => {
  const s = await setup();
  try {
    const before = await s.target.fingerprint();
    for (
      const calls of [
        ["DELETE FROM users"],
        ["SET TRANSACTION READ WRITE"],
        ["COMMIT", "DELETE FROM users"],
        ["SET default_transaction_read_only = off", "CREATE TABLE pwn(x int)"],
        [
          "SELECT set_config('default_transaction_read_only','off',false)",
          "CREATE TABLE pwn(x int)",
        ],
        [
          "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
          "UPDATE users SET is_admin = true",
        ],
        ["SELECT nextval('users_id_seq')"],
        ["SELECT setval('users_id_seq', 999)"],
        ["WITH d AS (DELETE FROM users RETURNING *) SELECT count(*) FROM d"],
        ["SELECT lo_unlink(12345)"],
      ]
    ) {
      for (const sql of calls) await s.db.run(sql, RUN);
      const write = await s.db.run("INSERT INTO logs VALUES ('x')", RUN);
      assert.ok(!write.ok);
      assert.equal(write.error.details.reason, "read_only_transaction", calls.join(" ⟶ "));
      await s.db.whenIdle(); // the call's ROLLBACK and reset end after its answer
      assert.deepEqual(await s.target.fingerprint(), before, calls.join(" ⟶ "));
    }
  } finally {
    await s.close();
  }
});

Deno.test("ReadExecutor.run(): the statement timeout holds against SET and set_config", async () => {
  const s = await setup();
  try {
    for (
      const calls of [
        ["SET statement_timeout = 0", "SELECT pg_sleep(5)"],
        ["SELECT set_config('statement_timeout', '0', false)", "SELECT pg_sleep(5)"],
        ["SELECT set_config('statement_timeout', '0', false), pg_sleep(5)"],
        ["SELECT count(*) FROM generate_series(1, 1e10)"],
      ]
    ) {
      let last;
      const started = performance.now();
      for (const sql of calls) last = await s.db.run(sql, RUN);
      const ms = performance.now() - started;
      assert.ok(last && !last.ok && last.error.code === "DB_TIMEOUT", calls.join(" ⟶ "));
      assert.ok(ms < TIMEOUT_S * 1000 + 2_000, `${calls.join(" ⟶ ")}: ${ms} ms`);
      assert.deepEqual(await sessionState(s.db), CLEAN);
    }
  } finally {
    await s.close();
  }
});

Deno.test("ReadExecutor.run(): nothing survives into the next call on the pooled connection", async () => {
  const s = await setup();
  try {
    for (
      const sql of [
        "SELECT pg_advisory_lock(1)",
        "SELECT pg_advisory_lock_shared(2), pg_try_advisory_lock(3)",
        "PREPARE p AS SELECT 1",
        "SET search_path = pg_catalog",
        "SET TIME ZONE 'Asia/Tokyo'",
        "SELECT set_config('search_path', 'evil', false)",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
        "SET SESSION AUTHORIZATION DEFAULT",
        "LISTEN chan",
        "CREATE TEMP TABLE t(x int)",
        "SELECT 1 --",
        "COMMIT",
      ]
    ) {
      await s.db.run(sql, RUN);
      assert.deepEqual(await sessionState(s.db), CLEAN, sql);
      await s.db.whenIdle(); // the call's ROLLBACK and reset end after its answer
      const fp = await s.target.fingerprint();
      assert.equal(fp.advisory_locks, 0, sql);
      assert.equal(fp.idle_in_transaction, 0, sql);
    }
  } finally {
    await s.close();
  }
});

Deno.test("ReadExecutor.run(): a statement judged session-safe (reset without DISCARD ALL) leaves no advisory lock", async () => {
  // Every read the validator accepts is session-safe: its session is reset by releasing advisory
  // locks in ROLLBACK's own message, not by a DISCARD ALL. Should a lock-taking function ever get
  // past the validator, the lock must still not outlive the call (validator bypassed here).
  const s = await setup();
  try {
    for (const sql of ["SELECT pg_advisory_lock(7)", "SELECT pg_try_advisory_lock_shared(8)"]) {
      const r = await s.db.reader.run(unvalidated(sql, true), RUN);
      assert.ok(r.ok, r.ok ? "" : r.error.message);
      await s.db.whenIdle();
      assert.deepEqual(await sessionState(s.db), CLEAN, sql);
      assert.equal((await s.target.fingerprint()).advisory_locks, 0, sql);
    }
  } finally {
    await s.close();
  }
});

Deno.test("ReadExecutor.run(): every attack line, validator bypassed, as superuser: no effect", async () => {
  const s = await setup();
  try {
    let baseline = await s.target.fingerprint();
    const sequences = [...(await attackLines()).map((l) => [l]), ...PUBLIC_BYPASSES]
      .filter((calls) => !calls.some((c) => NOT_RUN.has(c)));
    for (const calls of sequences) {
      const label = calls.join(" ⟶ ");
      const started = performance.now();
      for (const sql of calls) await s.db.run(sql, RUN);
      assert.ok(performance.now() - started < calls.length * (TIMEOUT_S * 1000 + 2_000), label);
      assert.deepEqual(await sessionState(s.db), CLEAN, label);
      await s.db.whenIdle(); // the call's ROLLBACK and reset end after its answer
      if (calls.some((c) => SUPERUSER_ONLY_GUARD.has(c))) {
        for (const path of tmpPaths(label)) await Deno.remove(path).catch(() => undefined);
        baseline = await s.target.fingerprint();
        continue;
      }
      for (const path of tmpPaths(label)) assert.equal(await exists(path), false, label);
      assert.deepEqual(await s.target.fingerprint(), baseline, label);
    }
  } finally {
    await s.close();
  }
});
