import assert from "node:assert/strict";
import { JsonRows } from "../db/json_rows.ts";
import { RowCollector } from "../db/row_collector.ts";
import { BUILTIN_TYPES, type TypeInfo } from "../db/pg_types.ts";
import { escapedUtf8, messageBytes, rowsOf, SMALL_ROWS_BYTES } from "./message_bytes.ts";
import type { JSONRPCMessage } from "./sdk.ts";
import { toToolResult } from "./tool_result.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const lookup = (oid: number): TypeInfo => BUILTIN_TYPES.get(oid) ?? { name: "x", kind: "text" };

/**
 * What the serializer before it wrote (issue 10): the message through JSON.stringify with the
 * rows' JSON text in place of their values, the text content escaped by JSON.stringify.
 */
function reference(message: JSONRPCMessage): Uint8Array {
  const rows = rowsOf(message)!;
  const result = (message as { result: Record<string, unknown> }).result;
  const sc = result.structuredContent as { data: Record<string, unknown> };
  const mark = `rows-${crypto.randomUUID()}`;
  const json = JSON.stringify({
    ...message,
    result: { ...result, structuredContent: { ...sc, data: { ...sc.data, rows: mark } } },
  });
  return encoder.encode(json.replace(`"${mark}"`, () => rows.json()));
}

/** Byte-equal, or fails showing where they part (assert.deepEqual is slow on megabytes). */
function assertBytes(actual: Uint8Array, expected: Uint8Array, label = "") {
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  if (at === actual.length && at === expected.length) return;
  const near = (b: Uint8Array) => decoder.decode(b.subarray(Math.max(0, at - 40), at + 40));
  assert.fail(
    `${label} differs at byte ${at}: ${JSON.stringify(near(actual))} ≠ ${
      JSON.stringify(near(expected))
    }`,
  );
}

function joined(pieces: Iterable<Uint8Array>): Uint8Array {
  const copies: Uint8Array[] = [];
  for (const p of pieces) copies.push(p.slice()); // one at a time, as a writer takes them
  const out = new Uint8Array(copies.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of copies) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Rows as the database path makes them: several chunks, every kind of character. */
function databaseRows(n: number): JsonRows {
  const types = [23, 25, 3802, 1184].map(lookup);
  const collector = new RowCollector(types, lookup, {
    maxRows: 1e9,
    maxChars: 1e12,
    maxBytes: 1e12,
  });
  collector.add(Array.from({ length: n }, (_, i) =>
    [
      String(i),
      `row "${i}" é 日本 😀 \\ \t\n\x01 \u2028`,
      `{"k": "v${i}", "e": "é"}`,
      i % 5 === 0 ? null : "2024-02-29 13:14:15+00",
    ].map((v) => v === null ? null : encoder.encode(v))));
  return collector.finish().rows;
}

function answer(rows: JsonRows, columns = ["n", "t", "doc", "at"]) {
  return toToolResult({
    ok: true,
    value: {
      success: true,
      database: "default",
      data: { columns, column_types: columns.map(() => "text"), rows, row_count: rows.length },
    },
  });
}

Deno.test("messageBytes() writes exactly what the serializer before it wrote, in bounded pieces", () => {
  const rows = databaseRows(20_000);
  const message = { jsonrpc: "2.0" as const, id: 7, result: answer(rows) };
  const expected = reference(message);
  for (const reuse of [false, true]) {
    const pieces = [...messageBytes(message, { reuse })].map((p) => p.length);
    assert.ok(pieces.length > 10, "a large result goes out in many pieces");
    assert.ok(Math.max(...pieces) <= 256 * 1024, "no piece holds much of it");
    assertBytes(joined(messageBytes(message, { reuse })), expected, `reuse: ${reuse}`);
  }
  const parsed = JSON.parse(decoder.decode(expected));
  assert.deepEqual(parsed.result.structuredContent.data.rows, rows.values());
  assert.equal(parsed.result.content[0].text, (message.result.content[0] as { text: string }).text);
});

Deno.test("messageBytes() is exact for any text content, member order and column name", () => {
  const rows = databaseRows(50);
  const lone = answer(rows, ["a\ud800b", "é", '"q"', "😀"]); // a lone surrogate in a name
  const messages: JSONRPCMessage[] = [
    { jsonrpc: "2.0", id: 1, result: lone },
    // A text that is not the rows' splice: written from the string.
    { jsonrpc: "2.0", id: 2, result: { ...lone, content: [{ type: "text", text: "other é\n" }] } },
    // structuredContent before content, and no text content at all.
    {
      jsonrpc: "2.0",
      id: 3,
      result: { structuredContent: lone.structuredContent, content: lone.content },
    },
    { jsonrpc: "2.0", id: 4, result: { structuredContent: lone.structuredContent, content: [] } },
  ];
  for (const message of messages) {
    assertBytes(joined(messageBytes(message, { reuse: true })), reference(message));
  }
  const plain: JSONRPCMessage = { jsonrpc: "2.0", id: 5, result: { tools: [] } };
  assertBytes(joined(messageBytes(plain)), encoder.encode(JSON.stringify(plain)));
});

Deno.test("escapedUtf8() escapes as JSON.stringify does, wherever the chunks are cut", () => {
  const text = `"quoted" \\ é 日本 😀 \x00\x1f\x7f \u2028 ${"x".repeat(70_000)} end`;
  const bytes = encoder.encode(text);
  const expected = encoder.encode(JSON.stringify(text).slice(1, -1));
  for (const cut of [1, 13, 14, 15, 16, 40_000]) {
    const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
    assertBytes(joined(escapedUtf8(chunks, true)), expected, `cut at ${cut}`);
  }
});

Deno.test("messageBytes() makes a message with few rows in one piece, the same bytes as in pieces", () => {
  for (const n of [0, 1, 3, 40]) {
    const rows = databaseRows(n);
    assert.ok(rows.bytes <= SMALL_ROWS_BYTES);
    const message = { jsonrpc: "2.0" as const, id: n, result: answer(rows) };
    const pieces = [...messageBytes(message, { reuse: true })];
    assert.equal(pieces.length, 1, `${n} rows: one piece`);
    assertBytes(pieces[0], reference(message), `${n} rows`);
  }
  const over = databaseRows(400); // past the small size: in pieces, as exact
  assert.ok(over.bytes > SMALL_ROWS_BYTES);
  const message = { jsonrpc: "2.0" as const, id: 9, result: answer(over) };
  assert.ok([...messageBytes(message)].length > 1);
  assertBytes(joined(messageBytes(message, { reuse: true })), reference(message));
});
