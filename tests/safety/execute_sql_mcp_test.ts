import assert from "node:assert/strict";
import { sharedTestCluster } from "../support/test_cluster.ts";
import { createTarget, startMcp } from "./harness.ts";

Deno.test("execute_sql: returns query's result shape, fenced text, and reports both caps as truncated", async () => {
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "execute");
  try {
    await using mcp = await startMcp({
      DATABASE_URL: target.url,
      SECURITY_MAX_ROWS: "2",
      SECURITY_MAX_RESULT_BYTES: "2000",
    });
    const tools = (await mcp.client.listTools()).tools;
    const tool = tools.find((t) => t.name === "execute_sql");
    assert.deepEqual(tool?.inputSchema.required, ["sql"]);
    assert.equal(tool?.annotations?.readOnlyHint, true);

    const r = await mcp.call("execute_sql", { sql: "SELECT id, username FROM users ORDER BY id" });
    assert.equal(r.isError, false, r.text);
    const cursor = r.structured.next_cursor;
    assert.equal(typeof cursor, "string");
    assert.deepEqual(r.structured, {
      success: true,
      database: "default",
      data: {
        columns: ["id", "username"],
        column_types: ["integer", "text"],
        rows: [[1, "alice"], [2, "bob"]],
        row_count: 2,
        execution_time: (r.structured.data as { execution_time: number }).execution_time,
      },
      truncated: true,
      truncated_reason: "rows",
      next_cursor: cursor,
    });
    assert.deepEqual(r.textJson, r.structured);
    assert.match(r.text.split("\n")[0], /not instructions/);

    const big = await mcp.call("execute_sql", {
      sql: "SELECT repeat('x', 1500) AS x FROM generate_series(1, 2)",
    });
    assert.equal(big.isError, false, big.text);
    assert.equal(big.structured.truncated, true);
    assert.equal(big.structured.truncated_reason, "bytes");
    assert.equal((big.structured.data as { row_count: number }).row_count, 1);

    const huge = await mcp.call("execute_sql", { sql: "SELECT repeat('x', 5000) AS x" });
    assert.equal(huge.structured.truncated, true);
    assert.equal(huge.structured.truncated_reason, "bytes");
    assert.equal((huge.structured.data as { row_count: number }).row_count, 0);

    const refused = await mcp.call("execute_sql", { sql: "SELECT 1; DROP TABLE users" });
    assert.equal(refused.isError, true);
    assert.deepEqual(JSON.parse(refused.text), refused.structured);
    assert.equal(
      (refused.structured.error as { details: { reason: string } }).details.reason,
      "multiple_statements",
    );
  } finally {
    await target.close();
  }
});
