/**
 * Value linking and the database profile, on Chinook (tests/fixtures) and on a generated catalog
 * of 1,000 tables (4 text columns each, 200 rows; half of them ANALYZEd, so the profile reads
 * pg_stats for those and samples the rest), in a throwaway cluster. Reports, from one run:
 * - raw: the value index's statements run with the raw driver, one after the other (the floor
 *   any reader pays), and `buildValueIndex` through ReadOnlyDb: time and ratio;
 * - the index's size: columns, values, heap growth (after a forced GC);
 * - `matchValues` per question (mean over a few questions);
 * - `buildProfile`: time, columns from pg_stats and sampled, bytes, heap growth;
 * - `rankTables` on the generated catalog: index build, then per question.
 *
 *   deno run -A --v8-flags=--expose-gc bench/values_bench.ts [tables=1000]
 */
import postgres from "postgres";
import { introspectSchema } from "../src/schema/introspect.ts";
import { buildProfile } from "../src/schema/profile.ts";
import { rankTables } from "../src/schema/retrieval.ts";
import type { SchemaSnapshot } from "../src/schema/types.ts";
import { buildValueIndex, distinctValuesSql, matchValues } from "../src/schema/value_index.ts";
import { openTestDb } from "../tests/support/read_only_db.ts";
import { loadSample } from "../tests/support/samples.ts";
import { startTestCluster } from "../tests/support/test_cluster.ts";

const TABLES = Number(Deno.args[0] ?? 1000);
const WORDS = ["red", "green", "blue", "amber", "violet", "silver", "golden", "crimson"];

function generatedSql(tables: number): string {
  const out = ["CREATE SCHEMA syn;"];
  for (let t = 0; t < tables; t++) {
    out.push(
      `CREATE TABLE syn.t${t} AS SELECT g AS id, ` +
        `'item ' || g || ' of ' || ${t} AS name, ` +
        `(ARRAY[${WORDS.map((w) => `'${w}'`).join(",")}])[1 + g % 8] || ' ${
          t % 50
        }' AS category, ` +
        `upper(substr(md5(g::text || '${t}'), 1, 6)) AS code, ` +
        `'Café ' || (g % 20) AS place FROM generate_series(1, 200) g;`,
    );
    if (t % 2 === 0) out.push(`ANALYZE syn.t${t};`);
  }
  return out.join("\n");
}

const gc = (globalThis as { gc?: () => void }).gc;
function heapMb(): number {
  gc?.();
  return Deno.memoryUsage().heapUsed / 1e6;
}

async function measure(name: string, url: string, questions: string[]) {
  const db = openTestDb(url, { timeoutS: 30 });
  const raw = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const snap = await introspectSchema(db, { include: [], exclude: [] }, () => 0);
    if (!snap.ok) throw snap.error;
    const s: SchemaSnapshot = snap.value;
    await buildValueIndex(db, s); // warm the buffer cache and the pool, not measured
    // Raw floor: the same statements through the driver, no transaction wrapper.
    const t0 = performance.now();
    for (const t of s.tables) {
      for (const c of t.columns) {
        if (!/^(text|character varying)/.test(c.type)) continue;
        await raw.unsafe(distinctValuesSql(t, c, 50_000), [50_000, 80, 1_001], { prepare: false });
      }
    }
    const rawMs = performance.now() - t0;
    const before = heapMb();
    const t1 = performance.now();
    const built = await buildValueIndex(db, s);
    const buildMs = performance.now() - t1;
    if (!built.ok) throw built.error;
    const after = heapMb();
    let matchMs = 0;
    const sample: string[] = [];
    for (const q of questions) {
      const t2 = performance.now();
      const m = matchValues(built.value, q);
      matchMs += performance.now() - t2;
      sample.push(`${q} → ${m.slice(0, 2).map((x) => `${x.table}.${x.column}='${x.value}'`)}`);
    }
    const p0 = heapMb();
    const t3 = performance.now();
    const profile = await buildProfile(db, s);
    const profileMs = performance.now() - t3;
    if (!profile.ok) throw profile.error;
    const p1 = heapMb();
    const t4 = performance.now();
    rankTables(s, "warm up");
    const rankBuildMs = performance.now() - t4;
    const t5 = performance.now();
    for (const q of questions) rankTables(s, q);
    const rankMs = (performance.now() - t5) / questions.length;
    return {
      name,
      tables: s.tables.length,
      value_index: {
        ...built.value.stats,
        build_ms: Math.round(buildMs),
        raw_driver_ms: Math.round(rawMs),
        ratio_to_raw: +(buildMs / rawMs).toFixed(2),
        heap_mb: +(after - before).toFixed(1),
        match_ms_per_question: +(matchMs / questions.length).toFixed(3),
      },
      profile: {
        ...profile.value.stats,
        build_ms: Math.round(profileMs),
        heap_mb: +(p1 - p0).toFixed(1),
      },
      rank_tables: { index_build_ms: +rankBuildMs.toFixed(1), ms_per_question: +rankMs.toFixed(3) },
      sample_matches: sample,
    };
  } finally {
    await raw.end();
    await db.close();
  }
}

const cluster = await startTestCluster();
try {
  const chinook = await loadSample(cluster, "chinook");
  const generated = await cluster.createDatabase("values_bench", { sql: [generatedSql(TABLES)] });
  const results = [
    await measure("chinook", chinook, [
      "How many tracks are rock and roll?",
      "customers from sao paulo",
      "how many protected aac files were sold?",
      "Which artist has the most albums?",
      "invoices billed to Brazil in 2010",
    ]),
    await measure(`generated_${TABLES}_tables`, generated, [
      "How many crimson items are in category 7?",
      "rows at cafe 12",
      "which items have code 1A2B3C",
      "count the violet 3 entries",
      "What is the name of item 5 of 17?",
    ]),
  ];
  // deno-lint-ignore no-console -- a benchmark reports on stdout
  console.log(JSON.stringify(results, null, 2));
} finally {
  await cluster.stop();
}
