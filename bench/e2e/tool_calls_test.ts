import assert from "node:assert/strict";
import type { CallToolResult } from "./sdk.ts";
import { executeSqlCall, referenceQueryCall } from "./tool_calls.ts";

const text = (t: string) => [{ type: "text" as const, text: t }];

Deno.test("executeSqlCall counts the rows of structuredContent", () => {
  const ok: CallToolResult = {
    content: text("fenced"),
    structuredContent: { success: true, data: { rows: [{ a: 1 }, { a: 2 }] } },
  };
  assert.equal(executeSqlCall.rows(ok), 2);
  assert.deepEqual(executeSqlCall.args("SELECT 1"), { sql: "SELECT 1" });
});

Deno.test("executeSqlCall refuses a truncated or failed result: it would look fast", () => {
  const truncated: CallToolResult = {
    content: text("fenced"),
    structuredContent: { success: true, truncated: true, data: { rows: [{ a: 1 }] } },
  };
  assert.throws(() => executeSqlCall.rows(truncated), /truncated the result/);
  const failed: CallToolResult = {
    isError: true,
    content: text('{"success":false,"error":{"code":"DB_TIMEOUT"}}'),
    structuredContent: { success: false },
  };
  assert.throws(() => executeSqlCall.rows(failed), /execute_sql failed: .*DB_TIMEOUT/);
});

Deno.test("referenceQueryCall parses the JSON text of the reference server", () => {
  assert.equal(referenceQueryCall.rows({ content: text('[\n  {"one": 1}\n]') }), 1);
  assert.throws(
    () => referenceQueryCall.rows({ isError: true, content: text("relation does not exist") }),
    /query failed: relation does not exist/,
  );
  assert.throws(() => referenceQueryCall.rows({ content: text("{}") }), /not an array/);
});
