import assert from "node:assert/strict";
import type { CatalogReader } from "../db/catalog_reader.ts";
import { openTestDb } from "../../tests/support/read_only_db.ts";
import { sharedTestCluster, uniqueName } from "../../tests/support/test_cluster.ts";
import { readFingerprint } from "./fingerprint.ts";
import { introspectSchema } from "./introspect.ts";

const EVERY_OBJECT = new URL("./testdata/every_object.sql", import.meta.url);

function openDb(url: string): CatalogReader & { statements: number; close(): Promise<void> } {
  const db = openTestDb(url, { timeoutS: 10 });
  const counted = {
    statements: 0,
    catalog: <T>(sql: string, params?: readonly unknown[]) => {
      counted.statements++;
      return db.catalog<T>(sql, params);
    },
    close: () => db.close(),
  };
  return counted;
}

const all = { include: [], exclude: [] };

Deno.test("introspectSchema() reads everything in one statement, whatever the table count", async () => {
  const cluster = await sharedTestCluster();
  const many = Array.from({ length: 60 }, (_, i) => `CREATE TABLE t${i} (id int PRIMARY KEY);`);
  const url = await cluster.createDatabase(uniqueName("introspect_many"), { sql: [many.join("")] });
  const db = openDb(url);
  const s = await introspectSchema(db, all, () => 7);
  assert.ok(s.ok);
  assert.equal(s.value.tables.length, 60);
  assert.equal(db.statements, 1);
  assert.equal(s.value.loadedAt, 7);
  assert.match(s.value.fingerprint ?? "", /^[0-9a-f]{32}$/);
  await db.close();
});

Deno.test("introspectSchema() shows a limited role only what it may read", async () => {
  const cluster = await sharedTestCluster();
  const name = uniqueName("introspect_role");
  const role = uniqueName("reader");
  await cluster.createDatabase(name, { sql: [await Deno.readTextFile(EVERY_OBJECT)] });
  await cluster.psql(
    name,
    `CREATE ROLE ${role} LOGIN PASSWORD 'pw';
     GRANT USAGE ON SCHEMA shop TO ${role};
     GRANT SELECT ON shop.orders TO ${role};
     GRANT SELECT (id, full_name) ON shop.customers TO ${role};`,
  );
  const db = openDb(cluster.urlFor(name, role, "pw"));
  try {
    const s = await introspectSchema(db, all, () => 0);
    assert.ok(s.ok, JSON.stringify(s));
    assert.deepEqual(s.value.tables.map((t) => `${t.schema}.${t.name}`), [
      "shop.customers",
      "shop.orders",
    ]);
    const customers = s.value.tables[0];
    assert.deepEqual(customers.columns.map((c) => c.name), ["id", "full_name"]);
    assert.ok(!(s.value.schemas ?? []).some((x) => x.name === "hidden"));
  } finally {
    await db.close();
    await cluster.psql(name, `DROP OWNED BY ${role}; DROP ROLE ${role};`).catch(() => {});
  }
});

Deno.test("introspectSchema() honours include and exclude", async () => {
  const cluster = await sharedTestCluster();
  const url = await cluster.createDatabase(uniqueName("introspect_scope"), {
    sql: [await Deno.readTextFile(EVERY_OBJECT)],
  });
  const db = openDb(url);
  try {
    const only = await introspectSchema(db, { include: ["hidden"], exclude: [] }, () => 0);
    assert.deepEqual(only.ok && only.value.tables.map((t) => t.name), ["secrets"]);
    const without = await introspectSchema(
      db,
      { include: [], exclude: ["shop", "hidden"] },
      () => 0,
    );
    assert.deepEqual(without.ok && without.value.tables.map((t) => t.name), ["CamelTable"]);
  } finally {
    await db.close();
  }
});

Deno.test("readFingerprint() changes on add column, drop table and comment, not on ANALYZE", async () => {
  const cluster = await sharedTestCluster();
  const name = uniqueName("fingerprint");
  const url = await cluster.createDatabase(name, { sql: [await Deno.readTextFile(EVERY_OBJECT)] });
  const db = openDb(url);
  try {
    const read = async () => {
      const f = await readFingerprint(db);
      assert.ok(f.ok);
      return f.value;
    };
    const snapshot = await introspectSchema(db, all, () => 0);
    let last = await read();
    assert.equal(snapshot.ok && snapshot.value.fingerprint, last, "same expression, same value");
    await cluster.psql(name, "ANALYZE; CREATE TEMP TABLE scratch (x int);");
    assert.equal(await read(), last, "statistics and other sessions' temp tables are ignored");
    for (
      const ddl of [
        "ALTER TABLE shop.stock ADD COLUMN bin text",
        "DROP TABLE hidden.secrets",
        "COMMENT ON COLUMN shop.stock.sku IS 'Stock keeping unit'",
        "ALTER TYPE shop.order_status ADD VALUE 'refunded'",
        "ALTER TABLE shop.stock RENAME COLUMN qty TO quantity",
        "ALTER TABLE shop.stock ALTER COLUMN sku SET NOT NULL",
      ]
    ) {
      await cluster.psql(name, ddl);
      const next = await read();
      assert.notEqual(next, last, ddl);
      last = next;
    }
  } finally {
    await db.close();
  }
});
