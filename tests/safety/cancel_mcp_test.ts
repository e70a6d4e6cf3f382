import assert from "node:assert/strict";
import { sharedTestCluster } from "../support/test_cluster.ts";
import { createTarget, startMcp } from "./harness.ts";

const SLOW = "SELECT count(*) FROM generate_series(1, 200000000) AS g /* pg-mcp-cancel-probe */";

async function runningProbes(target: Awaited<ReturnType<typeof createTarget>>): Promise<number> {
  const [row] = await target.observer.unsafe(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE state = 'active' AND query LIKE '%pg-mcp-cancel-probe%' AND pid <> pg_backend_pid()`,
  );
  return Number(row.n);
}

Deno.test("execute_sql: a call the MCP client cancels is cancelled on the server within a second", async () => {
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "cancel");
  try {
    await using mcp = await startMcp({
      DATABASE_URL: target.url,
      SECURITY_MAX_EXECUTION_TIME: "60",
    });
    const controller = new AbortController();
    const call = mcp.call("execute_sql", { sql: SLOW }, controller.signal);
    call.catch(() => undefined);
    // Wait until the query runs on the server.
    const deadline = performance.now() + 10_000;
    while ((await runningProbes(target)) === 0) {
      assert.ok(performance.now() < deadline, "the query never started");
      await new Promise((r) => setTimeout(r, 20));
    }
    const abortedAt = performance.now();
    controller.abort();
    await assert.rejects(call);
    while ((await runningProbes(target)) > 0) {
      assert.ok(performance.now() - abortedAt < 1_000, "still running a second after the cancel");
      await new Promise((r) => setTimeout(r, 20));
    }
    // The pooled connection is usable again, and the next call is answered.
    const next = await mcp.call("execute_sql", { sql: "SELECT 1 AS one" });
    assert.equal(next.isError, false, next.text);
  } finally {
    await target.close();
  }
});

Deno.test("execute_sql: the statement timeout cancels the query on the server", async () => {
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "timeout");
  try {
    await using mcp = await startMcp({
      DATABASE_URL: target.url,
      SECURITY_MAX_EXECUTION_TIME: "1",
    });
    const started = performance.now();
    const r = await mcp.call("execute_sql", { sql: SLOW });
    assert.ok(r.isError);
    assert.equal((r.structured.error as { code: string }).code, "DB_TIMEOUT");
    assert.ok(performance.now() - started < 4_000);
    assert.equal(await runningProbes(target), 0);
  } finally {
    await target.close();
  }
});
