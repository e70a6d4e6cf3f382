import assert from "node:assert/strict";
import { createApp } from "../src/app.ts";
import { runSql } from "../src/usecases/run_sql.ts";
import { loadConfig } from "../src/config/load_config.ts";
import { createMemoryLogger } from "../src/log.ts";
import { loadSample } from "./support/samples.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

async function sessions(cluster: Awaited<ReturnType<typeof sharedTestCluster>>, db: string) {
  const out = await cluster.psql(
    "postgres",
    `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND application_name = 'pg-mcp'`,
  );
  return Number(out.trim());
}

Deno.test("App.warmPools() opens DATABASE_MIN_POOL_SIZE connections (not createApp()), and close() closes them", async () => {
  const cluster = await sharedTestCluster();
  const url = await loadSample(cluster, "pgexercises");
  const db = new URL(url).pathname.slice(1);
  const cfg = loadConfig({
    DATABASE_URL: url,
    DATABASE_MIN_POOL_SIZE: "3",
    DATABASE_MAX_POOL_SIZE: "5",
  });
  assert.ok(cfg.ok);
  const app = await createApp(cfg.value, createMemoryLogger(), "test");
  try {
    assert.equal(await sessions(cluster, db), 0, "the start opens none: the warm-up does");
    assert.equal(await app.warmPools(), 3);
    assert.equal(await app.warmPools(), 3, "once");
    // The schema, its profile and value index are then read in the background and may open
    // sessions of their own (up to the maximum of 5): let them finish, then count again.
    const [database] = app.databases.list();
    const snapshot = await database.schema.get();
    assert.ok(snapshot.ok);
    await database.insights.profile(snapshot.value);
    await database.insights.values(snapshot.value);
    const stats = database.pool.stats();
    assert.equal(await sessions(cluster, db), stats.idle + stats.inUse);
    assert.ok(stats.idle + stats.inUse >= 3);
  } finally {
    await app.close();
  }
  assert.equal(await sessions(cluster, db), 0);
});

Deno.test("createApp() starts while the database is down; the warm-up says so in the logs", async () => {
  const log = createMemoryLogger();
  const cfg = loadConfig({
    DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    DATABASE_MIN_POOL_SIZE: "1",
    DATABASE_COMMAND_TIMEOUT: "2",
  });
  assert.ok(cfg.ok);
  const app = await createApp(cfg.value, log, "test");
  try {
    assert.equal(await app.warmPools(), 0);
    assert.ok(log.lines.some((l) => l.includes('"db.warm_up_failed"')));
    const r = await runSql({ sql: "SELECT 1" }, app.usecases.run);
    assert.equal(!r.ok && r.error.code, "DB_UNAVAILABLE");
  } finally {
    await app.close();
  }
});
