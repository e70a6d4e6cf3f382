/**
 * The README's column-privilege recipe (docs/hidden_columns.sql) runs on PostgreSQL after the
 * read-only role recipe and has the intended effect for that role, with no pg-mcp in between:
 * the granted columns and count(*) read, every form that would read users.ssn,
 * users.password_hash or vault is denied by the database (database_to_xml skips them), and
 * pg_stats shows no statistics of the revoked columns.
 */
import assert from "node:assert/strict";
import { sharedTestCluster, uniqueName } from "../support/test_cluster.ts";
import { HIDDEN_TARGET_SQL, SENTINEL } from "./hidden_target.ts";
import { createReadOnlyRole } from "./readonly_role.ts";

Deno.test("the column-privilege recipe keeps hidden columns and tables from the role", async () => {
  const cluster = await sharedTestCluster();
  const db = uniqueName("grants");
  await cluster.createDatabase(db, { sql: [HIDDEN_TARGET_SQL] });
  const role = await createReadOnlyRole(cluster, db);
  const recipe = await Deno.readTextFile(new URL("../../docs/hidden_columns.sql", import.meta.url));
  await cluster.psql(db, recipe.replaceAll("mcp_reader", role.name));

  const asRole = (sql: string) =>
    cluster.psql(role.url, sql).then((out) => ({ out: out.trim(), denied: "" }), (e: Error) => ({
      out: "",
      denied: e.message,
    }));
  const allowed: [string, string][] = [
    ["SELECT id, name, email FROM users ORDER BY id LIMIT 1", "1|user1|u1@example.test"],
    ["SELECT count(*) FROM users", "50"],
    ["SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id", "200"],
    ["SELECT count(*) FROM pg_stats WHERE tablename = 'users' AND attname = 'name'", "1"],
    ["SELECT count(*) FROM pg_stats WHERE tablename = 'users' AND attname = 'ssn'", "0"],
    ["SELECT count(*) FROM pg_stats WHERE tablename = 'vault'", "0"],
  ];
  for (const [sql, expected] of allowed) {
    const r = await asRole(sql);
    assert.equal(r.out, expected, `${sql}: ${r.denied}`);
  }
  for (
    const sql of [
      "SELECT ssn FROM users",
      "SELECT * FROM users",
      "SELECT u FROM users u",
      "SELECT row_to_json(u) FROM users u",
      "SELECT count(*) FROM users WHERE password_hash LIKE 'P%'",
      "SELECT * FROM vault",
      "SELECT count(*) FROM vault",
      "SELECT table_to_xml('users', true, true, '')",
      "SELECT query_to_xml('SELECT ssn FROM users', true, true, '')",
    ]
  ) {
    const r = await asRole(sql);
    assert.match(r.denied, /permission denied/, `${sql}: ${r.out}`);
    assert.equal(SENTINEL.test(r.out), false, sql);
  }
  // database_to_xml skips the tables the role may not read whole: users and vault.
  const dump = await asRole("SELECT database_to_xml(true, true, '')");
  assert.match(dump.out, /<orders>/, dump.denied);
  assert.equal(SENTINEL.test(dump.out) || /<users>|<vault>/.test(dump.out), false);
  // The same statements as the superuser: the sentinels are there to be denied.
  assert.match(await cluster.psql(db, "SELECT row_to_json(u) FROM users u LIMIT 1"), SENTINEL);
  assert.match(await cluster.psql(db, "SELECT secret FROM vault"), SENTINEL);
});
