import { startTestCluster } from "../tests/support/test_cluster.ts";
import { INTROSPECT_SQL } from "../src/schema/introspect.ts";
import { generatedSchemaSql } from "../bench/introspect_bench.ts";
const c = await startTestCluster();
await c.createDatabase("gen", { sql: [generatedSchemaSql(1000, 20)] });
const out = await c.psql("gen", "EXPLAIN (ANALYZE, TIMING ON) " + INTROSPECT_SQL.replaceAll("$1::text[]", "'{}'::text[]").replaceAll("$2::text[]", "'{}'::text[]"));
await Deno.writeTextFile("/tmp/plan2.txt", out);
await c.stop();
