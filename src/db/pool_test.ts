import assert from "node:assert/strict";
import { sharedTestCluster } from "../../tests/support/test_cluster.ts";
import { createMemoryLogger } from "../log.ts";
import { loadDriver, openSession } from "./driver.ts";
import type { DriverSession } from "./driver.ts";
import { createPool, type Lease, type Pool } from "./pool.ts";

const log = createMemoryLogger("ERROR");

async function realPool(max: number, acquireTimeoutMs = 5_000): Promise<Pool> {
  await loadDriver();
  const target = {
    url: (await sharedTestCluster()).adminUrl,
    host: "",
    port: 0,
    connectTimeoutS: 5,
  };
  return createPool({
    max,
    acquireTimeoutMs,
    open: () => openSession(target, { log }),
    probe: () => Promise.resolve(true),
    log,
  });
}

/** Which of `pending` have settled after the current turn's microtasks and one macrotask. */
async function settled<T>(pending: Promise<T>[]): Promise<boolean[]> {
  const done = pending.map(() => false);
  pending.forEach((p, i) => p.then(() => done[i] = true));
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

function leaseOf(r: Awaited<ReturnType<Pool["acquire"]>>): Lease {
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

Deno.test("pool: a finishing session serves one waiter; the callers beyond it get new connections at once", async () => {
  const pool = await realPool(6);
  try {
    const a = leaseOf(await pool.acquire());
    const b = leaseOf(await pool.acquire());
    a.finishing();
    const next = [pool.acquire(), pool.acquire(), pool.acquire()];
    assert.deepEqual(await settled(next), [false, true, true], "only the first waits for a");
    assert.deepEqual(pool.stats(), { inUse: 4, idle: 0, waiting: 1, finishing: 1, max: 6 });
    a.release();
    const first = leaseOf(await next[0]);
    assert.equal(first.session, a.session, "the finished session, not a new connection");
    for (const lease of [first, b, leaseOf(await next[1]), leaseOf(await next[2])]) lease.release();
    assert.deepEqual(pool.stats(), { inUse: 0, idle: 4, waiting: 0, finishing: 0, max: 6 });
  } finally {
    await pool.close();
  }
});

Deno.test("pool: at the maximum a caller waits for a released session, then times out with DB_POOL_TIMEOUT", async () => {
  const pool = await realPool(1, 200);
  try {
    const a = leaseOf(await pool.acquire());
    const waiting = pool.acquire();
    a.release();
    const b = leaseOf(await waiting);
    assert.equal(b.session, a.session);
    const started = performance.now();
    const late = await pool.acquire();
    assert.equal(!late.ok && late.error.code, "DB_POOL_TIMEOUT");
    assert.ok(performance.now() - started >= 190);
    b.release();
  } finally {
    await pool.close();
  }
});

Deno.test("pool: a discarded or closed session is never lent again", async () => {
  const pool = await realPool(2);
  try {
    const a = leaseOf(await pool.acquire());
    await a.session.query("SELECT 1");
    a.discard("test");
    const b = leaseOf(await pool.acquire());
    assert.notEqual(b.session, a.session);
    await b.session.query("SELECT 1");
    await b.session.end(0);
    b.release();
    const c = leaseOf(await pool.acquire());
    assert.notEqual(c.session, b.session);
    assert.deepEqual([...await c.session.query("SELECT 1 AS one")], [{ one: 1 }]);
    c.release();
  } finally {
    await pool.close();
  }
});

Deno.test("pool: close() ends lent sessions too, refuses new calls, and waits for them to come back", async () => {
  const pool = await realPool(3);
  const cluster = await sharedTestCluster();
  const a = leaseOf(await pool.acquire());
  const tag = `pool_close_${crypto.randomUUID().slice(0, 8)}`;
  const running = a.session.query(`SELECT pg_sleep(30), '${tag}'`).then(
    () => "answered",
    () => "ended",
  );
  const seen = async () =>
    Number(
      (await cluster.psql(
        "postgres",
        `SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%${tag}%' AND pid <> pg_backend_pid()`,
      )).trim(),
    );
  for (let i = 0; i < 50 && await seen() === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await seen(), 1, "the statement runs");
  const closing = pool.close();
  assert.equal(await running, "ended", "the lent session was ended under its statement");
  a.discard("ended by close");
  await closing;
  const refused = await pool.acquire();
  assert.equal(!refused.ok && refused.error.code, "DB_UNAVAILABLE");
  // Our end of the connection is closed (the server notices at its next interrupt check).
  assert.equal(a.session.closed, true);
});

/** A session that only records whether it was ended (the pool needs no more to retire it). */
function fakeSession(id: number) {
  const session = {
    id,
    closed: false,
    ready: true,
    ended: false,
    end: () => {
      session.ended = true;
      session.closed = true;
      return Promise.resolve();
    },
  };
  return session;
}

Deno.test("pool: a session idle past idleTimeoutMs is ended by the pool; one used since is kept", async () => {
  let clock = 0;
  let opened = 0;
  const sessions: ReturnType<typeof fakeSession>[] = [];
  const pool = createPool({
    max: 4,
    acquireTimeoutMs: 1_000,
    idleTimeoutMs: 40,
    now: () => clock,
    open: () => {
      const s = fakeSession(++opened);
      sessions.push(s);
      return s as unknown as DriverSession;
    },
    probe: () => Promise.resolve(true),
    log,
  });
  try {
    const a = leaseOf(await pool.acquire());
    const b = leaseOf(await pool.acquire());
    a.release(); // idle since 0
    clock = 30;
    b.release(); // idle since 30
    clock = 50; // a: idle 50 ms, b: 20 ms
    await new Promise((r) => setTimeout(r, 60)); // a sweep runs
    assert.deepEqual(sessions.map((s) => s.ended), [true, false]);
    assert.equal(pool.stats().idle, 1);
    const again = leaseOf(await pool.acquire());
    assert.equal(again.session, b.session, "the one kept is lent");
    again.release();
  } finally {
    await pool.close();
  }
});
