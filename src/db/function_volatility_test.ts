import assert from "node:assert/strict";
import { createMemoryLogger } from "../log.ts";
import { sharedTestCluster, uniqueName } from "../../tests/support/test_cluster.ts";
import { createFunctionCatalogSource } from "./function_volatility.ts";
import type { CatalogReader } from "./catalog_reader.ts";
import { openTestDb } from "../../tests/support/read_only_db.ts";

Deno.test("createFunctionCatalogSource() loads VOLATILE functions once and reloads on an unknown name", async () => {
  const cluster = await sharedTestCluster();
  const name = uniqueName("volatility");
  const url = await cluster.createDatabase(name, {
    sql: [`CREATE TABLE t (x int);
      CREATE FUNCTION bump(t) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT 1';
      CREATE FUNCTION calm(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';
      CREATE FUNCTION noisy(int, int) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT $1';
      CREATE OPERATOR ### (LEFTARG = int, RIGHTARG = int, FUNCTION = noisy);`],
  });
  const log = createMemoryLogger("DEBUG");
  const inner = openTestDb(url, { log });
  let loads = 0;
  const db: CatalogReader = {
    catalog: (sql, params) => {
      loads++;
      return inner.catalog(sql, params);
    },
  };
  let t = 0;
  const source = createFunctionCatalogSource(db, log, {
    ttlMs: 60_000,
    missReloadMs: 5_000,
    now: () => t,
  });
  try {
    const [a, b] = await Promise.all([source.load([]), source.load([])]);
    assert.ok(a.ok && b.ok);
    assert.equal(loads, 1);
    const c = a.value;
    assert.deepEqual(c.volatileFunction("bump"), ["public"]);
    assert.deepEqual(c.volatileFieldFunction("bump"), ["public"]);
    assert.deepEqual(c.volatileFunction("calm"), []);
    assert.ok(c.knows("calm"));
    assert.deepEqual(c.volatileFunction("pg_sleep"), ["pg_catalog"]);
    assert.deepEqual(c.volatileOperator("###"), ["public"]);
    assert.deepEqual(c.volatileFunction("lower"), []);

    await cluster.psql(name, "CREATE FUNCTION late() RETURNS int LANGUAGE sql AS 'SELECT 1'");
    await source.load(["late"]); // too soon after the load: the cache answers
    assert.equal(loads, 1);
    t += 5_000;
    await source.load(["lower"]); // known name: no reload
    assert.equal(loads, 1);
    const reloaded = await source.load(["late"]);
    assert.equal(loads, 2);
    assert.ok(reloaded.ok);
    assert.deepEqual(reloaded.value.volatileFunction("late"), ["public"]);
    t += 60_000;
    await source.load([]);
    assert.equal(loads, 3);
  } finally {
    await inner.close();
  }
});
