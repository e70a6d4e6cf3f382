/**
 * The zero-config start, as a new user runs it: nothing configured, the README's command
 * (`deno task start`, through the task's own permission flags) from another working directory
 * with a fresh HOME; then the same with the compiled binary's flags, which run the demo from
 * memory.
 */
import assert from "node:assert/strict";
import { type JsonRpcMessage, spawnRawStdio } from "./support/faults.ts";
import { binaryPermissionFlags, ROOT } from "./support/spawn_server.ts";

type Structured = {
  success: boolean;
  database?: string;
  data?: { rows: unknown[][] };
  tables?: { name: string }[];
  error?: { code: string };
};

function structured(message: JsonRpcMessage | undefined): Structured {
  assert.ok(message && !Array.isArray(message) && "result" in message, JSON.stringify(message));
  return (message.result as { structuredContent: Structured }).structuredContent;
}

/** The server's stderr as JSON log lines. */
function logLines(stderr: string): { event: string; [k: string]: unknown }[] {
  return stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

const NOTHING_CONFIGURED = { OBSERVABILITY_METRICS_ENABLED: "false" };

async function freshDirs() {
  const home = await Deno.makeTempDir({ prefix: "pg-mcp-home-" });
  const cwd = await Deno.makeTempDir({ prefix: "pg-mcp-cwd-" });
  return {
    home,
    cwd,
    async [Symbol.asyncDispose]() {
      await Deno.remove(home, { recursive: true }).catch(() => undefined);
      await Deno.remove(cwd, { recursive: true }).catch(() => undefined);
    },
  };
}

async function callTool(
  server: Awaited<ReturnType<typeof spawnRawStdio>>,
  name: string,
  args: Record<string, unknown>,
) {
  // The first call of a first start waits for the sample to be built (seconds).
  return structured(await server.request("tools/call", { name, arguments: args }, 60_000));
}

Deno.test("deno task start with nothing configured serves the demo database from a fresh HOME; the second start uses its cache", async () => {
  await using dirs = await freshDirs();
  const launch = {
    args: ["task", "--quiet", "--config", `${ROOT}deno.json`, "start"],
    cwd: dirs.cwd,
  };
  const env = { ...NOTHING_CONFIGURED, HOME: dirs.home };
  {
    await using server = await spawnRawStdio(env, launch);
    const tables = await callTool(server, "list_tables", {});
    assert.equal(tables.success, true, JSON.stringify(tables));
    assert.equal(tables.database, "demo");
    const names = tables.tables!.map((t) => t.name).sort();
    for (const t of ["album", "artist", "customer", "invoice", "track"]) {
      assert.ok(names.includes(t));
    }

    const artists = await callTool(server, "execute_sql", {
      sql: "SELECT name FROM artist ORDER BY artist_id LIMIT 2",
    });
    assert.deepEqual(artists.data!.rows, [["AC/DC"], ["Accept"]]);

    const deleted = await callTool(server, "execute_sql", { sql: "DELETE FROM track" });
    assert.equal(deleted.success, false);
    assert.equal(deleted.error!.code, "SECURITY_VIOLATION");
    const count = await callTool(server, "execute_sql", { sql: "SELECT count(*) FROM track" });
    assert.deepEqual(count.data!.rows, [["3503"]], "the rows are intact");

    const log = logLines(server.stderr());
    const started = log.find((l) => l.event === "demo.started");
    assert.ok(started, server.stderr());
    assert.match(String(started.message), /demo database/);
    assert.match(String(started.message), /DATABASE_URL/, "says how to use a real database");
    assert.equal(log.find((l) => l.event === "demo.ready")?.source, "built");
    assert.deepEqual(server.garbage, [], "stdout carries only MCP messages");

    await server.closeStdin();
    assert.ok(await server.exited(5_000), "the process ends with its client's stdin");
  }
  const cached = [...Deno.readDirSync(`${dirs.home}/.cache/pg-mcp/demo`)].map((e) => e.name);
  assert.equal(cached.length, 1, "one cached snapshot");
  assert.deepEqual([...Deno.readDirSync(dirs.cwd)], [], "nothing written in the working directory");

  const startedAt = performance.now();
  await using again = await spawnRawStdio(env, launch);
  const initializeMs = performance.now() - startedAt;
  const count = await callTool(again, "execute_sql", { sql: "SELECT count(*) FROM artist" });
  assert.deepEqual(count.data!.rows, [["275"]]);
  const ready = logLines(again.stderr()).find((l) => l.event === "demo.ready");
  assert.equal(ready?.source, "cache", again.stderr());
  // A hang detector, not a benchmark (bench/demo_bench.ts measures): the demo loads in the
  // background, so initialize does not wait for it.
  assert.ok(initializeMs < 10_000, `initialize after ${Math.round(initializeMs)} ms`);
});

Deno.test("the binary's flags with nothing configured: the demo runs from memory and writes nothing", async () => {
  await using dirs = await freshDirs();
  await using server = await spawnRawStdio(
    { ...NOTHING_CONFIGURED, HOME: dirs.home, SECURITY_ALLOW_WRITE_OPERATIONS: "true" },
    { args: ["run", ...binaryPermissionFlags(), "main.ts"], cwd: ROOT },
  );
  const genres = await callTool(server, "execute_sql", {
    sql: "SELECT name FROM genre WHERE name ILIKE 'rock%' ORDER BY name",
  });
  assert.deepEqual(genres.data!.rows, [["Rock"], ["Rock And Roll"]]);
  const list = await server.request("tools/list", {}, 10_000);
  assert.ok(list && !Array.isArray(list) && "result" in list);
  const tools = (list.result as { tools: { name: string }[] }).tools.map((t) => t.name);
  assert.ok(!tools.includes("execute_write"), "writes stay off on the demo");
  const log = logLines(server.stderr());
  assert.ok(log.some((l) => l.event === "demo.setting_ignored"), server.stderr());
  assert.equal(log.find((l) => l.event === "demo.ready")?.source, "built");
  // (Deno itself may keep its own cache in ~/.cache/deno under `deno run`: the binary does not.)
  const ours = await Deno.stat(`${dirs.home}/.cache/pg-mcp`).then(() => true, () => false);
  assert.equal(ours, false, "no cache written without --allow-write");
});

Deno.test("with nothing configured, SECURITY_REQUIRE_READONLY_ROLE=true refuses to serve the demo: exit 2, one line", async () => {
  await using dirs = await freshDirs();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...binaryPermissionFlags(), "main.ts"],
    cwd: ROOT,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: dirs.home,
      SECURITY_REQUIRE_READONLY_ROLE: "true",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, stderr);
  assert.equal(out.stdout.length, 0);
  assert.match(stderr, /SECURITY_REQUIRE_READONLY_ROLE=true/);
  assert.match(stderr, /DATABASE_URL/);
});
