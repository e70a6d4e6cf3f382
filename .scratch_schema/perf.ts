import { sharedTestCluster } from "../tests/support/test_cluster.ts";
import { openPool, limitsFor } from "../src/db/pool.ts";
import { createReadOnlyDb } from "../src/db/read_only.ts";
import { createMemoryLogger } from "../src/log.ts";
import { introspectSchema, INTROSPECT_SQL } from "../src/schema/introspect.ts";
import { FINGERPRINT_EXPR } from "../src/schema/fingerprint.ts";
import { readSpider, spiderDdl } from "../bench/spider_catalog.ts";
const c = await sharedTestCluster();
const { databases } = await readSpider();
const url = await c.createDatabase("spider", { sql: [spiderDdl(databases)] });
const log = createMemoryLogger();
const limits = limitsFor(30);
const db = createReadOnlyDb(openPool({ url, host: "", port: 0, minPoolSize: 1, maxPoolSize: 2, commandTimeoutS: 5 } as never, limits, log), limits, log);
for (let i = 0; i < 3; i++) {
  const t1 = performance.now();
  await introspectSchema(db, { include: [], exclude: [] }, () => 1);
  console.log("introspect ms", performance.now() - t1);
}
const t2 = performance.now();
await db.catalog(`SELECT ${FINGERPRINT_EXPR}`);
console.log("fp ms", performance.now() - t2);
const out = await c.psql("spider", "EXPLAIN (ANALYZE, TIMING ON) " + INTROSPECT_SQL.replaceAll("$1::text[]", "'{}'::text[]").replaceAll("$2::text[]", "'{}'::text[]"));
console.log(out.split("\n").join("\n"));
await db.close();
await c.stop();
