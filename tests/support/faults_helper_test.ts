import assert from "node:assert/strict";
import postgres from "postgres";
import {
  holdLock,
  literal,
  pgMcpBackends,
  postMcp,
  spawnRawStdio,
  terminateBackends,
  waitForBackends,
  waitForNoBackends,
} from "./faults.ts";
import { isAlive } from "./postmaster.ts";
import { sharedTestCluster, uniqueName } from "./test_cluster.ts";
import { runConcurrently } from "./tool_call.ts";

async function gatedDb() {
  const cluster = await sharedTestCluster();
  const name = uniqueName("faults_helper");
  const url = await cluster.createDatabase(name, {
    sql: ["CREATE TABLE gate (id int); INSERT INTO gate VALUES (1);"],
  });
  return { cluster, name, url };
}

Deno.test("literal() quotes SQL strings", () => {
  assert.equal(literal("it's"), "'it''s'");
});

Deno.test("holdLock makes pg-mcp-named sessions wait; they are found, terminated and gone", async () => {
  const { cluster, name, url } = await gatedDb();
  const lock = await holdLock(url, "gate");
  // A session that looks like pg-mcp's, waiting on the lock.
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "pg-mcp" },
  });
  try {
    const waiting = sql.unsafe("SELECT 'marker_x' AS m, count(*) FROM gate").then(
      () => "answered",
      (e: { code?: string }) => e.code,
    );
    const [backend] = await waitForBackends(cluster, name, "marker_x", 1, 5_000);
    assert.equal(backend.waitEventType, "Lock");
    assert.equal((await pgMcpBackends(cluster, name)).length, 1);
    assert.equal(await terminateBackends(cluster, name, [backend.pid]), 1);
    // The driver reports the FATAL 57P01 or, having read it, the closed socket.
    assert.match(String(await waiting), /^(57P01|CONNECTION_CLOSED)$/);
    const gone = await waitForNoBackends(cluster, name, "marker_x", 2_000);
    assert.equal(gone.gone, true);
    assert.equal(await terminateBackends(cluster, name, []), 0);
  } finally {
    await lock.release();
    await lock.release(); // idempotent
    await sql.end({ timeout: 1 });
  }
  // Released: the table answers again.
  assert.equal(await cluster.psql(name, "SELECT count(*) FROM gate"), "1\n");
});

Deno.test("waitForBackends gives up after its bound, naming what it waited for", async () => {
  const { cluster, name } = await gatedDb();
  await assert.rejects(
    waitForBackends(cluster, name, "never_there", 1, 100),
    /Cannot see 1 pg-mcp statements with "never_there"/,
  );
});

Deno.test("spawnRawStdio: main.ts answers raw JSON-RPC lines, and is killed by its handle", async () => {
  const { url } = await gatedDb();
  const server = await spawnRawStdio({ DATABASE_URL: url });
  try {
    const pong = await server.request("ping");
    assert.deepEqual(pong, { jsonrpc: "2.0", id: 1001, result: {} });
    const tools = await server.request("tools/list") as { result: { tools: { name: string }[] } };
    assert.ok(tools.result.tools.some((t) => t.name === "execute_sql"));
    assert.deepEqual(server.garbage, []);
    assert.equal(await server.exited(0), undefined);
  } finally {
    await server.kill();
  }
  assert.equal(isAlive(server.pid), false);
  await server.kill(); // idempotent
});

Deno.test("postMcp sends one JSON-RPC POST with the Streamable HTTP headers", async () => {
  let seen: { headers: Headers; body: unknown } | undefined;
  await using _server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      seen = { headers: req.headers, body: await req.json() };
      return Response.json({ jsonrpc: "2.0", id: 1, result: {} });
    },
  );
  const res = await postMcp(`http://127.0.0.1:${_server.addr.port}`, { id: 1, method: "ping" });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.deepEqual(seen?.body, { jsonrpc: "2.0", id: 1, method: "ping" });
  assert.match(seen?.headers.get("accept") ?? "", /application\/json.*text\/event-stream/);
});

Deno.test("runConcurrently keeps at most N in flight and stops starting calls at its deadline", async () => {
  let inFlight = 0;
  let most = 0;
  const { results, skipped } = await runConcurrently(20, 3, async (i) => {
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    return i * 2;
  });
  assert.equal(most, 3);
  assert.equal(skipped, 0);
  assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i * 2));
  const late = await runConcurrently(100, 2, () => new Promise((r) => setTimeout(r, 30)), 50);
  assert.ok(late.skipped > 90, `${late.skipped} skipped`);
  assert.equal(late.results.length + late.skipped, 100);
});
