/**
 * The demo database end to end: real PGlite in its worker, on loopback, through postgres.js and
 * pg-mcp's own pool and read-only executor. Tests share one cache directory (the first builds
 * the sample into it) to keep the file's run time near 40 s.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import postgres from "postgres";
import { createMemoryLogger } from "../log.ts";
import { openTestDb, rowObjects } from "../../tests/support/read_only_db.ts";
import { type DemoDatabase, startDemoDatabase } from "./demo_database.ts";

const sharedCache = Deno.makeTempDirSync({ prefix: "pg-mcp-demo-test-" });
globalThis.addEventListener("unload", () => Deno.removeSync(sharedCache, { recursive: true }));

/** 4 s or so in PGlite: under the plan guard's limit, over the short statement timeouts below. */
const SLOW = "SELECT count(*) FROM track a, track b, (SELECT 1 FROM generate_series(1, 3)) c";
const RUNAWAY = "SELECT count(*) FROM track a, track b, track c";

function client(demo: DemoDatabase, max = 1) {
  return postgres(demo.url, { max, prepare: false, onnotice: () => undefined });
}

async function started(options: Parameters<typeof startDemoDatabase>[0]) {
  const demo = await startDemoDatabase(options);
  const ready = await demo.ready;
  assert.ok(ready.ok, ready.ok ? "" : ready.error.message);
  return { demo, ready: ready.value };
}

/** Fails instead of hanging: interleaved connections leave the driver waiting forever. */
async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function events(lines: string[]): string[] {
  return lines.map((line) => JSON.parse(line).event);
}

Deno.test("the first start builds the sample into the cache; the second loads it from there", async () => {
  const log = createMemoryLogger();
  const first = await started({ log, cacheDir: sharedCache });
  try {
    assert.equal(first.ready.source, "built");
    assert.ok(first.ready.cachePath?.startsWith(join(sharedCache, "demo", "chinook-")));
    assert.ok((await Deno.stat(first.ready.cachePath!)).size > 1_000_000);
    assert.equal(first.demo.maxConnections, 1);
    assert.match(first.demo.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    assert.match(first.demo.description, /demo database: Chinook.*set DATABASE_URL/s);
  } finally {
    await first.demo.close();
  }
  const second = await started({ log, cacheDir: sharedCache });
  try {
    assert.equal(second.ready.source, "cache");
    assert.equal(second.ready.cachePath, first.ready.cachePath);
    const sql = client(second.demo);
    const [row] = await sql`SELECT count(*)::int AS n FROM invoice_line`;
    assert.equal(row.n, 2240);
    await sql.end();
  } finally {
    await second.demo.close();
  }
  assert.deepEqual(events(log.lines).filter((e) => e === "demo.ready").length, 2);
});

Deno.test("a half-written saved copy is detected and rebuilt", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const log = createMemoryLogger();
    const good = [...Deno.readDirSync(join(sharedCache, "demo"))][0].name;
    const whole = await Deno.readFile(join(sharedCache, "demo", good));
    await Deno.mkdir(join(cacheDir, "demo"));
    // What a crash halfway through writing would leave, had it been written in place.
    await Deno.writeFile(join(cacheDir, "demo", good), whole.subarray(0, whole.length / 2));
    const { demo, ready } = await started({ log, cacheDir });
    try {
      assert.equal(ready.source, "built");
      assert.ok(events(log.lines).includes("demo.cache_invalid"));
      const sql = client(demo);
      const [row] = await sql`SELECT count(*)::int AS n FROM track`;
      assert.equal(row.n, 3503);
      await sql.end();
    } finally {
      await demo.close();
    }
    const again = await started({ log, cacheDir });
    await again.demo.close();
    assert.equal(again.ready.source, "cache", "the rebuilt copy replaced the half-written one");
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("an unwritable cache directory leaves the demo in memory, working", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const cacheDir = join(parent, "a-file");
    await Deno.writeTextFile(cacheDir, "not a directory");
    const log = createMemoryLogger();
    const { demo, ready } = await started({ log, cacheDir });
    try {
      assert.equal(ready.source, "built");
      assert.equal(ready.cachePath, undefined);
      assert.match(log.lines.join("\n"), /"event":"demo.cache_off".*Cannot save the demo/);
      const sql = client(demo);
      const [row] = await sql`SELECT count(*)::int AS n FROM artist`;
      assert.equal(row.n, 275);
      await sql.end();
    } finally {
      await demo.close();
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("reads work and writes are refused, in BEGIN READ ONLY and by the session default", async () => {
  const { demo } = await started({ log: createMemoryLogger(), cacheDir: sharedCache });
  const sql = client(demo);
  try {
    const conn = await sql.reserve();
    try {
      await conn.unsafe("BEGIN READ ONLY");
      const rows = await conn.unsafe("SELECT name FROM artist ORDER BY artist_id LIMIT 2");
      assert.deepEqual(rows.map((r) => r.name), ["AC/DC", "Accept"]);
      await assert.rejects(conn.unsafe("DELETE FROM invoice_line"), { code: "25006" });
      await conn.unsafe("ROLLBACK");
      // No explicit transaction: the session default (read-only) refuses it as well.
      await assert.rejects(conn.unsafe("DELETE FROM invoice_line"), { code: "25006" });
      await assert.rejects(conn.unsafe("CREATE TABLE t (x int)"), { code: "25006" });
      // The pool's session settings, which pglite-socket drops from the startup packet, hold
      // even after the executor's DISCARD ALL.
      await conn.unsafe("DISCARD ALL");
      const [s] = await conn.unsafe(
        "SELECT current_setting('TimeZone') AS tz, current_setting('IntervalStyle') AS style, " +
          "(SELECT count(*)::int FROM invoice_line) AS lines",
      );
      assert.deepEqual(s, { tz: "UTC", style: "iso_8601", lines: 2240 });
    } finally {
      conn.release();
    }
  } finally {
    await sql.end();
    await demo.close();
  }
});

Deno.test("pg-mcp's pool and read-only executor run on the demo as on a server", async () => {
  const log = createMemoryLogger();
  const { demo } = await started({ log, cacheDir: sharedCache });
  const db = openTestDb(demo.url, { maxPoolSize: demo.maxConnections, log });
  try {
    const top = await db.run(
      "SELECT a.name, count(*) AS tracks FROM artist a JOIN album USING (artist_id) " +
        "JOIN track USING (album_id) GROUP BY a.name ORDER BY tracks DESC, a.name LIMIT 1",
      { maxRows: 10, maxBytes: 10_000 },
    );
    assert.ok(top.ok, top.ok ? "" : top.error.message);
    assert.deepEqual(rowObjects(top.value), [{ name: "Iron Maiden", tracks: "213" }]);
    // Past the validator (db.run skips it): the read-only transaction itself refuses the write.
    const refused = await db.run("DELETE FROM invoice_line", { maxRows: 10, maxBytes: 10_000 });
    assert.ok(!refused.ok);
    assert.match(refused.error.message, /read-only transaction/);
    const count = await db.run("SELECT count(*) AS n FROM invoice_line", {
      maxRows: 1,
      maxBytes: 100,
    });
    assert.deepEqual(count.ok && rowObjects(count.value), [{ n: "2240" }]);
  } finally {
    await db.close();
    await demo.close();
  }
});

Deno.test("a pool of several connections gets one at a time: no query reads another's rows", async () => {
  const log = createMemoryLogger();
  const { demo } = await started({ log, cacheDir: sharedCache, connectionWaitMs: 500 });
  // A pool sized wrongly: through pglite-socket alone, 300 of 400 such queries read another
  // connection's rows. Here the first connection is served and the others, kept waiting while
  // it stays open, are refused.
  const sql = client(demo, 4);
  try {
    const outcomes = await within(
      20_000,
      Promise.all([0, 1, 2, 3].map(async (who) => {
        const got: string[] = [];
        for (let i = 0; i < 10; i++) {
          try {
            const [row] = await sql.unsafe(
              `SELECT $1::int AS i, ${who} AS who FROM artist WHERE artist_id = $2`,
              [i, i + 1],
            );
            got.push(row.i === i && row.who === who ? "own" : `wrong ${JSON.stringify(row)}`);
          } catch (error) {
            got.push(`error ${(error as { code?: string }).code}`);
          }
        }
        return got;
      })),
      "four connections' queries",
    );
    const all = outcomes.flat();
    assert.deepEqual(all.filter((o) => o !== "own" && o !== "error 53300"), []);
    assert.ok(all.includes("own"));
    assert.ok(events(log.lines).includes("demo.connection_refused"));
  } finally {
    await sql.end();
    await demo.close();
  }
});

Deno.test("a second connection waits for the first, then is refused with 53300", async () => {
  const log = createMemoryLogger();
  const { demo } = await started({ log, cacheDir: sharedCache, connectionWaitMs: 300 });
  const first = client(demo);
  const second = client(demo);
  try {
    const held = await first.reserve();
    await held.unsafe("BEGIN READ ONLY");
    await assert.rejects(second`SELECT 1`, { code: "53300" });
    await held.unsafe("ROLLBACK");
    held.release();
    await first.end();
    const [row] = await second`SELECT count(*)::int AS n FROM genre`;
    assert.equal(row.n, 25);
    assert.ok(events(log.lines).includes("demo.connection_refused"));
  } finally {
    await second.end();
    await demo.close();
  }
});

Deno.test("a runaway cross join is refused by its plan, before it starts", async () => {
  const log = createMemoryLogger();
  const { demo } = await started({ log, cacheDir: sharedCache });
  const sql = client(demo);
  try {
    await assert.rejects(sql.unsafe(RUNAWAY), (error: Error & { code?: string }) => {
      assert.equal(error.code, "57014");
      assert.match(error.message, /expects it to run too long/);
      return true;
    });
    const [row] = await sql`SELECT count(*)::int AS n FROM album`;
    assert.equal(row.n, 347);
    assert.ok(!events(log.lines).includes("demo.query_stopped"), "the engine was not replaced");
  } finally {
    await sql.end();
    await demo.close();
  }
});

Deno.test("a statement past the time limit gets 57014 and its connection goes on", async () => {
  const log = createMemoryLogger();
  const { demo } = await started({ log, cacheDir: sharedCache, statementTimeoutMs: 800 });
  const sql = client(demo);
  try {
    const conn = await sql.reserve();
    try {
      await conn.unsafe("BEGIN READ ONLY");
      await assert.rejects(conn.unsafe(SLOW), (error: Error & { code?: string }) => {
        assert.equal(error.code, "57014");
        assert.match(error.message, /statement timeout/);
        return true;
      });
      await conn.unsafe("ROLLBACK");
      // The same connection, now on a fresh engine.
      const [row] = await conn.unsafe("SELECT count(*)::int AS n FROM customer");
      assert.equal(row.n, 59);
    } finally {
      conn.release();
    }
    assert.ok(events(log.lines).includes("demo.query_stopped"));
    assert.ok(events(log.lines).includes("demo.engine_replaced"));
  } finally {
    await sql.end();
    await demo.close();
  }
});

Deno.test("after three statements stopped mid-run the demo stops serving instead of piling up engines", async () => {
  const log = createMemoryLogger();
  const { demo } = await started({ log, cacheDir: sharedCache, statementTimeoutMs: 500 });
  const sql = client(demo);
  try {
    for (let i = 0; i < 3; i++) await assert.rejects(sql.unsafe(SLOW), { code: "57014" });
    await assert.rejects(sql`SELECT 1`, (error: Error & { code?: string }) => {
      assert.equal(error.code, "57P03");
      assert.match(error.message, /still running past their time limit .*; restart pg-mcp/);
      return true;
    });
  } finally {
    await sql.end();
    await demo.close();
  }
});

Deno.test("a cancel request stops the statement in progress", async () => {
  const log = createMemoryLogger();
  const { demo } = await started({ log, cacheDir: sharedCache });
  const sql = client(demo);
  try {
    const slow = sql.unsafe(SLOW);
    const cancelling = new Promise((resolve) => setTimeout(() => resolve(slow.cancel()), 500));
    await assert.rejects(slow, (error: Error & { code?: string }) => {
      assert.equal(error.code, "57014");
      assert.match(error.message, /user request/);
      return true;
    });
    await cancelling;
    const [row] = await sql`SELECT count(*)::int AS n FROM media_type`;
    assert.equal(row.n, 5);
  } finally {
    await sql.end();
    await demo.close();
  }
});

Deno.test("COPY ... TO PROGRAM runs nothing on the host, and the engine it wedges is replaced", async () => {
  const log = createMemoryLogger();
  const { demo } = await started({ log, cacheDir: sharedCache, statementTimeoutMs: 800 });
  const sql = client(demo);
  const dir = await Deno.makeTempDir();
  const marker = join(dir, "ran");
  try {
    await assert.rejects(
      sql.unsafe(`COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`),
      { code: "57014" },
    );
    const [row] = await sql`SELECT count(*)::int AS n FROM playlist`;
    assert.equal(row.n, 18);
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
    assert.ok(events(log.lines).includes("demo.engine_replaced"));
  } finally {
    await sql.end();
    await demo.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("close() during the first build ends it at once and saves nothing", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const demo = await startDemoDatabase({ log: createMemoryLogger(), cacheDir });
    const closing = performance.now();
    await demo.close();
    assert.ok(performance.now() - closing < 2_000);
    const ready = await demo.ready;
    assert.ok(!ready.ok);
    assert.deepEqual([...Deno.readDirSync(cacheDir)], []);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
