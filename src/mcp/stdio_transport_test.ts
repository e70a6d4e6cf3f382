import assert from "node:assert/strict";
import { JsonRows } from "../db/json_rows.ts";
import { messageBytes } from "./message_bytes.ts";
import { createStdioTransport, writeLine } from "./stdio_transport.ts";
import { toToolResult } from "./tool_result.ts";

/** A sink keeping a copy of every write (a writer may reuse its buffer once a write is done). */
function recorder() {
  const writes: Uint8Array[] = [];
  const stream = new WritableStream<Uint8Array>({
    write: (chunk) => void writes.push(chunk.slice()),
  });
  const bytes = () => {
    const out = new Uint8Array(writes.reduce((n, w) => n + w.length, 0));
    let at = 0;
    for (const w of writes) {
      out.set(w, at);
      at += w.length;
    }
    return out;
  };
  return { stream, writes, bytes };
}

Deno.test("writeLine() writes the pieces and a newline, small ones gathered, large ones as they are", async () => {
  const sizes = [1, 5, 0, 30, 100, 7, 64, 64, 1, 200, 3, 64];
  const pieces = sizes.map((n, i) => new Uint8Array(n).fill(65 + i));
  const { stream, writes, bytes } = recorder();
  const writer = stream.getWriter();
  await writeLine(writer, pieces, new Uint8Array(64));
  const expected = new Uint8Array([...pieces.flatMap((p) => [...p]), 0x0a]);
  assert.deepEqual(bytes(), expected);
  assert.ok(writes.every((w) => w.length <= 200), "no write joins a large piece to others");
  assert.ok(writes.length < sizes.length, "small pieces share writes");
  // Exactly a buffer full, then the newline.
  const full = recorder();
  await writeLine(
    full.stream.getWriter(),
    [new Uint8Array(32), new Uint8Array(32)],
    new Uint8Array(64),
  );
  assert.deepEqual(full.writes.map((w) => w.length), [64, 1]);
});

Deno.test("the stdio transport writes a result with rows as one line, the bytes messageBytes makes", async () => {
  const rows = JsonRows.of(Array.from({ length: 30_000 }, (_, i) => [i, `é "${i}" 😀\n`]));
  const result = toToolResult({ ok: true, value: { success: true, data: { rows } } });
  const message = { jsonrpc: "2.0" as const, id: 1, result };
  const { stream, writes, bytes } = recorder();
  const told: number[] = [];
  const transport = createStdioTransport({
    input: new ReadableStream(),
    output: stream,
    maxMessageBytes: 1_000,
    onRowsWritten: (n) => told.push(n),
  });
  await transport.send(message);
  await transport.send({ jsonrpc: "2.0", id: 2, result: {} });
  const expected: number[] = [];
  for (const piece of messageBytes(message)) for (const b of piece) expected.push(b);
  expected.push(0x0a);
  const line = bytes().subarray(0, expected.length);
  assert.deepEqual(told, [expected.length], "told once, of the message with rows, its size");
  assert.ok(line.every((b, i) => b === expected[i]), "byte for byte");
  assert.ok(writes.length > 4, "in several writes");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(line)), JSON.parse(JSON.stringify(message)));
});
