/**
 * The embedded demo database, in one run: boot times (first start building into an empty cache,
 * later start from the cache), how long the main thread stalls meanwhile (what an MCP
 * `initialize` would wait), memory, and 200 simple queries through postgres.js on the demo
 * against two floors from the same run: PGlite queried in-process (no socket, no worker), and
 * postgres.js on a real PostgreSQL server (a throwaway cluster) with the same data. Reported as
 * times and ratios; nothing is asserted.
 *
 *   deno run -A bench/demo_bench.ts [queries]
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { openTestDb } from "../tests/support/read_only_db.ts";
import { CHINOOK } from "../src/demo/chinook.ts";
import { startDemoDatabase } from "../src/demo/demo_database.ts";
import { createMemoryLogger } from "../src/log.ts";
import { loadSample } from "../tests/support/samples.ts";
import { startTestCluster } from "../tests/support/test_cluster.ts";

const report = (...parts: unknown[]) => {
  // deno-lint-ignore no-console -- a benchmark reports on stdout
  console.log(...parts);
};

const QUERIES = Number(Deno.args[0] ?? 200);
const SQL = "SELECT name FROM artist WHERE artist_id = 7";
const mb = () => Math.round(Deno.memoryUsage().rss / 1e6);
const ms = (t: number) => `${Math.round(t)} ms`;

/** The longest the main thread went without running a 5 ms timer while `work` ran. */
async function withStall<T>(work: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 5);
    last = now;
  }, 5);
  try {
    return { value: await work(), stallMs: stall };
  } finally {
    clearInterval(timer);
  }
}

/**
 * The median of 5 timed rounds of QUERIES, after 2 untimed rounds: PGlite's WebAssembly runs in
 * a baseline tier at first and is recompiled by the optimizing tier as it runs.
 */
async function timeQueries(run: () => Promise<unknown>): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (let i = 0; i < QUERIES; i++) await run();
    if (round >= 2) rounds.push(performance.now() - started);
  }
  return rounds.sort((a, b) => a - b)[2];
}

const cacheDir = await Deno.makeTempDir({ prefix: "pg-mcp-demo-bench-" });
const log = createMemoryLogger("ERROR");
const rssBefore = mb();
try {
  report(`demo database (${CHINOOK.name}), ${QUERIES} queries: ${SQL}`);
  for (const label of ["first start (build, empty cache)", "later start (from cache)"]) {
    const t0 = performance.now();
    const { value, stallMs } = await withStall(async () => {
      const demo = await startDemoDatabase({ log, cacheDir });
      const listening = performance.now() - t0;
      const ready = await demo.ready;
      return { demo, listening, ready };
    });
    const { demo, listening, ready } = value;
    if (!ready.ok) throw ready.error;
    report(
      `${label}: url after ${ms(listening)}, serving after ${ms(ready.value.ms)}, ` +
        `main thread's longest stall ${ms(stallMs)}, rss ${mb()} MB (${rssBefore} before)`,
    );
    await demo.close();
  }

  const demo = await startDemoDatabase({ log, cacheDir });
  await demo.ready;
  const sql = postgres(demo.url, { max: 1, prepare: false, onnotice: () => undefined });
  const onDemo = await timeQueries(() => sql.unsafe(SQL));
  await sql.end(); // the demo serves one connection at a time
  const executor = openTestDb(demo.url, {
    maxPoolSize: demo.maxConnections,
    connectTimeoutS: 30,
    log,
    timeoutS: 30,
  });
  const viaExecutor = await timeQueries(() => executor.run(SQL, { maxRows: 100, maxBytes: 1e6 }));
  const rssServing = mb();
  await executor.close();
  await demo.close();

  const pg = await PGlite.create();
  await pg.exec(CHINOOK.script);
  const inProcess = await timeQueries(() => pg.query(SQL));
  await pg.close();

  const cluster = await startTestCluster();
  let onServer = NaN;
  try {
    const server = postgres(await loadSample(cluster, "chinook"), { max: 1, prepare: false });
    onServer = await timeQueries(() => server.unsafe(SQL));
    await server.end();
  } finally {
    await cluster.stop();
  }

  report(
    `postgres.js on the demo:        ${ms(onDemo)} (${(onDemo / QUERIES).toFixed(2)} ms each)`,
  );
  report(`pg-mcp's executor on the demo:  ${ms(viaExecutor)} (BEGIN, query, ROLLBACK, DISCARD)`);
  report(`PGlite in-process (floor):      ${ms(inProcess)}`);
  report(`postgres.js on PostgreSQL 15:   ${ms(onServer)}`);
  report(
    `ratios: demo / in-process PGlite ${(onDemo / inProcess).toFixed(1)}x, ` +
      `demo / PostgreSQL server ${(onDemo / onServer).toFixed(1)}x`,
  );
  report(`rss while serving: ${rssServing} MB (process before the demo: ${rssBefore} MB)`);
} finally {
  await Deno.remove(cacheDir, { recursive: true });
}
