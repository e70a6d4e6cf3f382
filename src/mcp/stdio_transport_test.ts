import assert from "node:assert/strict";
import { JsonRows } from "../db/json_rows.ts";
import { serializeMessage } from "./stdio_transport.ts";
import { toToolResult } from "./tool_result.ts";

Deno.test("serializeMessage() writes a result's rows from their pieces: the same JSON as JSON.stringify", () => {
  const values = Array.from(
    { length: 5_000 },
    (_, i) => [i, `name "${i}" \u00e9\n`, null, { k: i }],
  );
  const rows = JsonRows.of(values);
  const result = toToolResult({
    ok: true,
    value: { success: true, data: { columns: ["a", "b", "c", "d"], rows, row_count: 5_000 } },
  });
  const message = { jsonrpc: "2.0" as const, id: 7, result };
  const pieces = [...serializeMessage(message as never)];
  assert.ok(pieces.length > 2, "a large result goes out in several pieces");
  assert.ok(pieces.every((p) => p.length < 200_000), "no piece holds the whole result");
  const line = pieces.join("");
  assert.ok(line.endsWith("\n"));
  assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(message)));
  const parsed = JSON.parse(line);
  assert.deepEqual(parsed.result.structuredContent.data.rows, values);
  assert.match(parsed.result.content[0].text, /"rows":\[\[0,"name \\"0\\" é\\n",null,\{"k":0\}\]/);
});

Deno.test("serializeMessage() writes any other message as one JSON line", () => {
  const message = { jsonrpc: "2.0" as const, id: 1, result: { tools: [] } };
  assert.deepEqual([...serializeMessage(message as never)], [JSON.stringify(message) + "\n"]);
});
