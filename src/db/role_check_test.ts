import assert from "node:assert/strict";
import { createMemoryLogger } from "../log.ts";
import { quoteIdent, sharedTestCluster, uniqueName } from "../../tests/support/test_cluster.ts";
import { createReadOnlyRole } from "../../tests/safety/readonly_role.ts";
import { checkRole, enforceReadOnlyRole } from "./role_check.ts";
import { runServerToExit } from "../../tests/support/spawn_server.ts";
import { openTestDb, type TestDb } from "../../tests/support/read_only_db.ts";

function dbFor(url: string): TestDb {
  return openTestDb(url);
}

async function database(): Promise<{ name: string; url: string }> {
  const cluster = await sharedTestCluster();
  const name = uniqueName("roles");
  const url = await cluster.createDatabase(name, {
    sql: ["CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b');"],
  });
  return { name, url };
}

Deno.test("checkRole() reports a superuser, warns, and refuses it only when required", async () => {
  const { url } = await database();
  const db = dbFor(url);
  try {
    const log = createMemoryLogger("DEBUG");
    const report = await checkRole(db, log);
    assert.ok(report.ok);
    assert.equal(report.value.readOnly, false);
    assert.deepEqual(report.value.problems[0], { kind: "superuser" });
    assert.ok(log.lines.some((l) => JSON.parse(l).event === "db.role_not_read_only"));
    assert.ok(enforceReadOnlyRole(report, false, log).ok);
    const refused = enforceReadOnlyRole(report, true, log);
    assert.ok(!refused.ok);
    assert.equal(refused.error.details.reason, "role_not_read_only");
    assert.match(
      refused.error.message,
      /^Cannot start: role "postgres" is not read-only \(superuser/,
    );
  } finally {
    await db.close();
  }
});

Deno.test("the README's read-only role recipe passes the check, reads, and cannot write", async () => {
  const cluster = await sharedTestCluster();
  const { name, url: adminUrl } = await database();
  const role = await createReadOnlyRole(cluster, name);
  const db = dbFor(role.url);
  try {
    const report = await checkRole(db, createMemoryLogger());
    assert.ok(report.ok, report.ok ? "" : report.error.message);
    assert.deepEqual(report.value, { role: role.name, readOnly: true, problems: [] });
    const rows = await db.run("SELECT count(*)::int AS n FROM t");
    assert.ok(rows.ok);
    assert.equal(rows.value.rows.values()[0][0], 2);
    // Even a plain session of the role, outside pg-mcp, cannot write.
    for (
      const sql of [
        "INSERT INTO t VALUES (3, 'c')",
        "BEGIN READ WRITE; UPDATE t SET v = 'x'; COMMIT;",
        "CREATE TABLE pwn (x int)",
        "BEGIN READ WRITE; CREATE TABLE pwn (x int); COMMIT;",
      ]
    ) await assert.rejects(cluster.psql(role.url, sql), sql);
    // A table created later by the owner is readable too (default privileges).
    await cluster.psql(adminUrl, "CREATE TABLE later (x int); INSERT INTO later VALUES (7);");
    const later = await db.run("SELECT x FROM later");
    assert.ok(later.ok, later.ok ? "" : later.error.message);
    assert.equal(await cluster.psql(adminUrl, "SELECT count(*) FROM t"), "2\n");
  } finally {
    await db.close();
  }
});

Deno.test("checkRole() reports write grants and server-file roles", async () => {
  const cluster = await sharedTestCluster();
  const { name } = await database();
  const role = await createReadOnlyRole(cluster, name);
  await cluster.psql(
    name,
    `GRANT UPDATE ON t TO ${quoteIdent(role.name)}; GRANT pg_read_server_files TO ${
      quoteIdent(role.name)
    };`,
  );
  const db = dbFor(role.url);
  try {
    const report = await checkRole(db, createMemoryLogger());
    assert.ok(report.ok);
    assert.equal(report.value.readOnly, false);
    assert.deepEqual(report.value.problems, [
      { kind: "member_of", role: "pg_read_server_files" },
      { kind: "writable_tables", count: 1, sample: ["public.t"] },
    ]);
  } finally {
    await db.close();
  }
});

Deno.test("main.ts exits with status 2 when SECURITY_REQUIRE_READONLY_ROLE=true and the role can write", async () => {
  const { url } = await database();
  const out = await runServerToExit({ DATABASE_URL: url, SECURITY_REQUIRE_READONLY_ROLE: "true" });
  assert.equal(out.code, 2, out.stderr);
  assert.equal(out.stdout, "");
  assert.match(out.stderr, /pg-mcp: Cannot start: role "postgres" is not read-only \(superuser/);
});
