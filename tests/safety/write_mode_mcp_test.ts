import assert from "node:assert/strict";
import { sharedTestCluster } from "../support/test_cluster.ts";
import { createTarget, startMcp } from "./harness.ts";

async function count(target: Awaited<ReturnType<typeof createTarget>>, sql: string) {
  const [row] = await target.observer.unsafe(sql);
  return Number(Object.values(row)[0]);
}

Deno.test("execute_write: absent unless write mode is on", async () => {
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "nowrite");
  try {
    await using mcp = await startMcp({ DATABASE_URL: target.url });
    const names = (await mcp.client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes("execute_sql"));
    assert.ok(!names.includes("execute_write"));
    const write = await mcp.call("execute_sql", { sql: "DELETE FROM users WHERE id = 1" });
    assert.equal((write.structured.error as { code: string }).code, "SECURITY_VIOLATION");
  } finally {
    await target.close();
  }
});

Deno.test("execute_write: preview counts and changes nothing; confirm commits; DDL is refused", async () => {
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "write");
  try {
    await using mcp = await startMcp({
      DATABASE_URL: target.url,
      SECURITY_ALLOW_WRITE_OPERATIONS: "true",
    });
    const tool = (await mcp.client.listTools()).tools.find((t) => t.name === "execute_write");
    assert.equal(tool?.annotations?.destructiveHint, true);
    assert.equal(tool?.annotations?.readOnlyHint, false);
    const readTool = (await mcp.client.listTools()).tools.find((t) => t.name === "execute_sql");
    assert.equal(readTool?.annotations?.readOnlyHint, true);

    const sql = "UPDATE users SET role = 'admin' WHERE role = 'user'";
    const before = await target.fingerprint();
    // Confirm without a preview first is refused.
    const early = await mcp.call("execute_write", { sql, confirm: true });
    assert.equal(
      (early.structured.error as { details: { reason: string } }).details.reason,
      "preview_required",
    );
    const preview = await mcp.call("execute_write", { sql });
    assert.equal(preview.isError, false, preview.text);
    assert.equal(preview.structured.affected_rows, 2);
    assert.equal(preview.structured.committed, false);
    assert.deepEqual(preview.textJson, preview.structured);
    assert.deepEqual(await target.fingerprint(), before);
    assert.equal(await count(target, "SELECT count(*) FROM users WHERE role = 'admin'"), 1);

    const commit = await mcp.call("execute_write", { sql, confirm: true });
    assert.equal(commit.isError, false, commit.text);
    assert.equal(commit.structured.affected_rows, 2);
    assert.equal(commit.structured.committed, true);
    assert.equal(await count(target, "SELECT count(*) FROM users WHERE role = 'admin'"), 3);

    // The confirm is used up; the read path stays read-only.
    const again = await mcp.call("execute_write", { sql, confirm: true });
    assert.equal(again.isError, true);
    const ro = await mcp.call("execute_sql", { sql: "INSERT INTO logs VALUES ('x')" });
    assert.equal(ro.isError, true);

    for (
      const [bad, reason] of [
        ["DROP TABLE users", "not_write"],
        ["TRUNCATE users", "not_write"],
        ["CREATE TABLE pwn (x int)", "not_write"],
        ["GRANT ALL ON users TO PUBLIC", "not_write"],
        ["SET default_transaction_read_only = off", "not_write"],
        ["COMMIT", "not_write"],
        ["COPY users TO PROGRAM 'true'", "not_write"],
        ["DELETE FROM users", "missing_where"],
        ["DELETE FROM users WHERE id = 1; DROP TABLE users", "multiple_statements"],
      ]
    ) {
      const r = await mcp.call("execute_write", { sql: bad, confirm: false });
      assert.equal(r.isError, true, bad);
      assert.equal(
        (r.structured.error as { details: { reason: string } }).details.reason,
        reason,
        bad,
      );
    }
    assert.equal(await count(target, "SELECT count(*) FROM users"), 3);
    const fp = await target.fingerprint();
    assert.deepEqual(fp.relations, before.relations);
  } finally {
    await target.close();
  }
});
