import assert from "node:assert/strict";
import { sharedTestCluster } from "../support/test_cluster.ts";
import { createTarget, startMcp, type ToolCall } from "./harness.ts";

function reasonOf(r: ToolCall): string | undefined {
  return (r.structured.error as { details?: { reason?: string } } | undefined)?.details?.reason;
}

/** The token with the first character of its signature changed: no longer what pg-mcp signed. */
function tamper(token: string): string {
  const at = token.indexOf(".") + 1;
  return token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
}

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
    // A confirm_token that no preview issued is refused.
    const early = await mcp.call("execute_write", { sql, confirm_token: "e30.AAAA" });
    assert.equal(early.isError, true);
    assert.equal(reasonOf(early), "bad_token");
    const preview = await mcp.call("execute_write", { sql });
    assert.equal(preview.isError, false, preview.text);
    assert.equal(preview.structured.affected_rows, 2);
    assert.equal(preview.structured.committed, false);
    assert.equal(preview.structured.database, "default");
    const token = preview.structured.confirm_token as string;
    assert.equal(typeof token, "string");
    const expires = Date.parse(preview.structured.expires_at as string);
    assert.ok(expires > Date.now() && expires <= Date.now() + 10 * 60_000 + 1_000);
    assert.deepEqual(preview.textJson, preview.structured);
    assert.deepEqual(await target.fingerprint(), before);
    assert.equal(await count(target, "SELECT count(*) FROM users WHERE role = 'admin'"), 1);

    // The token commits this SQL only, and only untouched.
    const other = await mcp.call("execute_write", {
      sql: "UPDATE users SET role = 'admin' WHERE id = 1",
      confirm_token: token,
    });
    assert.equal(reasonOf(other), "token_mismatch");
    const altered = await mcp.call("execute_write", { sql, confirm_token: tamper(token) });
    assert.equal(reasonOf(altered), "bad_token");
    assert.deepEqual(await target.fingerprint(), before);

    const commit = await mcp.call("execute_write", { sql, confirm_token: token });
    assert.equal(commit.isError, false, commit.text);
    assert.equal(commit.structured.affected_rows, 2);
    assert.equal(commit.structured.committed, true);
    assert.equal(commit.structured.confirm_token, undefined);
    assert.equal(await count(target, "SELECT count(*) FROM users WHERE role = 'admin'"), 3);

    // The token is used up; the read path stays read-only.
    await target.observer.unsafe("UPDATE users SET role = 'user' WHERE id = 1");
    const again = await mcp.call("execute_write", { sql, confirm_token: token });
    assert.equal(again.isError, true);
    assert.equal(reasonOf(again), "token_used");
    assert.equal(await count(target, "SELECT count(*) FROM users WHERE role = 'admin'"), 2);
    const ro = await mcp.call("execute_sql", { sql: "INSERT INTO logs VALUES ('x')" });
    assert.equal(ro.isError, true);
    const after = await target.fingerprint();

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
      const r = await mcp.call("execute_write", { sql: bad });
      assert.equal(r.isError, true, bad);
      assert.equal(reasonOf(r), reason, bad);
    }
    assert.equal(await count(target, "SELECT count(*) FROM users"), 3);
    assert.deepEqual(await target.fingerprint(), after);
  } finally {
    await target.close();
  }
});
