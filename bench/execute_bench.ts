/**
 * The execution path against the raw driver, in one run on the same database (chinook): the
 * time and memory of `execute_sql` (validation, READ ONLY transaction with server-set timeouts,
 * cursor with row and byte caps, exact JSON conversion, session reset) against postgres.js's
 * own `sql.unsafe()` of the same statement. Reported as ratios; nothing is asserted.
 *
 *   deno run -A bench/execute_bench.ts [iterations]
 */
import postgres from "postgres";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config/load_config.ts";
import { createMemoryLogger } from "../src/log.ts";
import { runSql } from "../src/usecases/run_sql.ts";
import { loadSample } from "../tests/support/samples.ts";
import { startTestCluster } from "../tests/support/test_cluster.ts";

const report = (...parts: unknown[]) => {
  // deno-lint-ignore no-console -- a benchmark reports on stdout
  console.log(...parts);
};

const QUERIES: Record<string, string> = {
  "one row (count)": "SELECT count(*) AS n FROM track",
  "100 rows, 3 joins": `SELECT t.name, a.title, ar.name AS artist, g.name AS genre, t.unit_price
    FROM track t JOIN album a USING (album_id) JOIN artist ar USING (artist_id)
    JOIN genre g USING (genre_id) ORDER BY t.track_id LIMIT 100`,
  "3,503 rows": "SELECT * FROM track",
};

const iterations = Number(Deno.args[0] ?? 200);
const cluster = await startTestCluster();
try {
  const url = await loadSample(cluster, "chinook");
  const cfg = loadConfig({
    DATABASE_URL: url,
    DATABASE_MIN_POOL_SIZE: "1",
    DATABASE_MAX_POOL_SIZE: "2",
    SECURITY_MAX_RESULT_BYTES: "50000000",
    MCP_MAX_RESULT_CHARS: "50000000",
    RATE_LIMIT_REQUESTS_PER_MINUTE: "0",
  });
  if (!cfg.ok) throw cfg.error;
  const app = await createApp(cfg.value, createMemoryLogger("ERROR"), "bench");
  const raw = postgres(url, { max: 2, onnotice: () => undefined });

  const time = async (fn: () => Promise<unknown>) => {
    for (let i = 0; i < 10; i++) await fn(); // warm-up
    const heap0 = Deno.memoryUsage().heapUsed;
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    const ms = (performance.now() - t0) / iterations;
    return { ms, heapMb: (Deno.memoryUsage().heapUsed - heap0) / 1e6 };
  };

  const rows: Record<string, unknown>[] = [];
  for (const [name, sql] of Object.entries(QUERIES)) {
    const driver = await time(() => raw.unsafe(sql));
    const ours = await time(async () => {
      const r = await runSql({ sql }, app.usecases.run);
      if (!r.ok) throw r.error;
    });
    rows.push({
      query: name,
      raw_driver_ms: Number(driver.ms.toFixed(3)),
      execute_sql_ms: Number(ours.ms.toFixed(3)),
      time_ratio: Number((ours.ms / driver.ms).toFixed(2)),
      heap_growth_mb_raw: Number(driver.heapMb.toFixed(1)),
      heap_growth_mb_ours: Number(ours.heapMb.toFixed(1)),
    });
  }
  report(`execution path vs raw postgres.js, ${iterations} iterations each (chinook)`);
  report(JSON.stringify(rows, null, 2));
  await raw.end();
  await app.close();
} finally {
  await cluster.stop();
}
