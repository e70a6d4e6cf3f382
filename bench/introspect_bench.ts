/**
 * Introspection of a generated schema: 1,000 tables × 20 columns, each table with a comment, a
 * commented column, a primary key and a foreign key to an earlier table (so ~1,000 FKs and ~2,000
 * indexes), in a throwaway cluster. Reports, from the same run:
 * - raw: one plain catalog query with the raw driver (the columns of every user table from
 *   pg_attribute), the floor any introspection pays for a round trip over this catalog;
 * - cold: `introspectSchema` through the read executor (one statement), median of several runs;
 * - fingerprint: the change check the cache runs at most once per check interval;
 * - cached: `SchemaCache.get()` served from memory.
 *
 *   deno run -A bench/introspect_bench.ts [tables] [columns]
 */
import postgres from "postgres";
import { openTestDb } from "../tests/support/read_only_db.ts";
import { readFingerprint } from "../src/schema/fingerprint.ts";
import { introspectSchema } from "../src/schema/introspect.ts";
import { createSchemaCache } from "../src/schema/schema_cache.ts";
import { startTestCluster } from "../tests/support/test_cluster.ts";

const TABLES = Number(Deno.args[0] ?? 1000);
const COLUMNS = Number(Deno.args[1] ?? 20);
const RUNS = 7;

export function generatedSchemaSql(tables: number, columns: number): string {
  const out = ["CREATE SCHEMA gen;"];
  for (let t = 0; t < tables; t++) {
    const cols = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"];
    if (t > 0) cols.push(`parent_id bigint REFERENCES gen.t${Math.floor(t / 2)}(id)`);
    for (let c = cols.length; c < columns; c++) {
      const type = ["integer", "text", "numeric(12,2)", "timestamptz", "boolean"][c % 5];
      cols.push(`c${c}_${["amount", "label", "price", "created_at", "active"][c % 5]} ${type}`);
    }
    out.push(`CREATE TABLE gen.t${t} (${cols.join(", ")});`);
    out.push(`COMMENT ON TABLE gen.t${t} IS 'Generated table number ${t}';`);
    out.push(`COMMENT ON COLUMN gen.t${t}.id IS 'Identifier of row in table ${t}';`);
  }
  return out.join("\n");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown>, runs = RUNS): Promise<number> {
  await fn(); // warm: connection, plan caches
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

if (import.meta.main) {
  const cluster = await startTestCluster();
  try {
    const t0 = performance.now();
    const url = await cluster.createDatabase("introspect_bench", {
      sql: [generatedSchemaSql(TABLES, COLUMNS)],
    });
    const setupMs = performance.now() - t0;
    const raw = postgres(url, { max: 1, onnotice: () => {} });
    const rawMs = await time(() =>
      raw.unsafe(
        `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname = 'gen' AND c.relkind = 'r'`,
      )
    );
    const db = openTestDb(url, { timeoutS: 30 });
    const scope = { include: [], exclude: [] };
    let tables = 0;
    const coldMs = await time(async () => {
      const s = await introspectSchema(db, scope, Date.now);
      if (!s.ok) throw s.error;
      tables = s.value.tables.length;
    });
    const fingerprintMs = await time(() => readFingerprint(db));
    const cache = createSchemaCache({
      load: (sc) => introspectSchema(db, sc, Date.now),
      fingerprint: () => readFingerprint(db),
      enabled: true,
      ttlMs: 3_600_000,
      now: Date.now,
    });
    await cache.get();
    const N = 10_000;
    const c0 = performance.now();
    for (let i = 0; i < N; i++) await cache.get();
    const cachedMs = (performance.now() - c0) / N;
    const report = {
      tables,
      columns_per_table: COLUMNS,
      setup_s: +(setupMs / 1000).toFixed(1),
      raw_catalog_query_ms: +rawMs.toFixed(2),
      cold_introspection_ms: +coldMs.toFixed(2),
      cold_vs_raw: +(coldMs / rawMs).toFixed(2),
      fingerprint_ms: +fingerprintMs.toFixed(2),
      cached_get_ms: +cachedMs.toFixed(5),
      target: "cold <= 500 ms, cached < 1 ms",
    };
    // deno-lint-ignore no-console -- a benchmark reports on stdout
    console.log(JSON.stringify(report, null, 2));
    await raw.end();
    await db.close();
  } finally {
    await cluster.stop();
  }
}
