/**
 * Starts the demo database the way pg-mcp will (cache directory from HOME/XDG_CACHE_HOME/
 * LOCALAPPDATA, pg-mcp's own pool and read-only executor), runs one query, and prints one JSON
 * line. tests/demo_permissions_test.ts runs it under the exact flags of `deno task start` and of
 * the compiled binary.
 */
import { CACHE_ENV_VARS, userCacheDir } from "../../src/demo/cache_location.ts";
import { startDemoDatabase } from "../../src/demo/demo_database.ts";
import { createLogger } from "../../src/log.ts";
import { openTestDb, rowObjects } from "./read_only_db.ts";

const env = Object.fromEntries(CACHE_ENV_VARS.map((name) => [name, Deno.env.get(name)]));
const log = createLogger({ level: "INFO", format: "json" });
const demo = await startDemoDatabase({ log, cacheDir: userCacheDir(env, Deno.build.os) });
const db = openTestDb(demo.url, {
  maxPoolSize: demo.maxConnections,
  connectTimeoutS: 30,
  log,
  timeoutS: 10,
});
const rows = await db.run("SELECT name FROM genre ORDER BY genre_id LIMIT 2", {
  maxRows: 10,
  maxBytes: 10_000,
});
const ready = await demo.ready;
await db.close();
await demo.close();
const line = {
  ready: ready.ok ? ready.value : ready.error.message,
  rows: rows.ok ? rowObjects(rows.value) : rows.error.message,
};
await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(line) + "\n"));
