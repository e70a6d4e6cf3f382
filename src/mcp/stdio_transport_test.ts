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

/** A writeSync recording what it was given; `take` limits how much each call accepts. */
function syncRecorder(take: (call: number, length: number) => number | Error = (_c, n) => n) {
  const writes: Uint8Array[] = [];
  let calls = 0;
  const writeSync = (bytes: Uint8Array) => {
    const n = take(calls++, bytes.length);
    if (n instanceof Error) throw n;
    writes.push(bytes.slice(0, n));
    return n;
  };
  const text = () => writes.map((w) => new TextDecoder().decode(w)).join("");
  return { writeSync, writes, text };
}

Deno.test("the stdio transport writes a small message at once with writeSync, whole, in order", async () => {
  const { stream, writes: streamed } = recorder();
  const sync = syncRecorder((call, n) => call === 0 ? 7 : n); // the first call takes 7 bytes
  const rows = JsonRows.of([[1, "é"]]);
  const answer = {
    jsonrpc: "2.0" as const,
    id: 1,
    result: toToolResult({ ok: true, value: { success: true, data: { rows } } }),
  };
  const transport = createStdioTransport({
    input: new ReadableStream(),
    output: stream,
    maxMessageBytes: 1_000,
    writeSync: sync.writeSync,
  });
  await transport.send(answer);
  await transport.send({ jsonrpc: "2.0", id: 2, result: {} });
  assert.equal(streamed.length, 0, "nothing went through the stream");
  const lines = sync.text().split("\n");
  assert.equal(lines.length, 3);
  assert.equal(lines[2], "");
  assert.deepEqual(
    JSON.parse(lines[0]),
    JSON.parse(JSON.stringify(answer)),
    "a short write resumed",
  );
  assert.deepEqual(JSON.parse(lines[1]), { jsonrpc: "2.0", id: 2, result: {} });
});

Deno.test("the stdio transport never writes a message at once past one still being streamed", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const order: string[] = [];
  const stream = new WritableStream<Uint8Array>({
    async write(chunk) {
      await held; // the large message's writes wait
      order.push(`stream:${chunk.length}`);
    },
  });
  const sync = syncRecorder();
  const transport = createStdioTransport({
    input: new ReadableStream(),
    output: stream,
    maxMessageBytes: 1_000,
    writeSync: (bytes) => {
      order.push("sync");
      return sync.writeSync(bytes);
    },
  });
  const big = JsonRows.of(Array.from({ length: 5_000 }, (_, i) => [i, "x".repeat(20)]));
  const first = transport.send({
    jsonrpc: "2.0",
    id: 1,
    result: toToolResult({ ok: true, value: { success: true, data: { rows: big } } }),
  });
  const second = transport.send({ jsonrpc: "2.0", id: 2, result: {} });
  assert.equal(order.length, 0, "the small one waits behind the large one");
  release();
  await Promise.all([first, second]);
  assert.ok(!order.includes("sync"), "queued behind: streamed, not written at once");
  assert.ok(order.length >= 2);
  await transport.send({ jsonrpc: "2.0", id: 3, result: {} });
  assert.equal(order.at(-1), "sync", "once nothing is pending, at once again");
});

Deno.test("the stdio transport streams the rest when writeSync would block, and ends on a failed write", async () => {
  const { stream, bytes } = recorder();
  const wouldBlock = syncRecorder((call) => call === 0 ? 5 : new Deno.errors.WouldBlock());
  const transport = createStdioTransport({
    input: new ReadableStream(),
    output: stream,
    maxMessageBytes: 1_000,
    writeSync: wouldBlock.writeSync,
  });
  await transport.send({ jsonrpc: "2.0", id: 1, result: { a: 1 } });
  const line = wouldBlock.text() + new TextDecoder().decode(bytes());
  assert.equal(line, `${JSON.stringify({ jsonrpc: "2.0", id: 1, result: { a: 1 } })}\n`);

  const errors: Error[] = [];
  const broken = createStdioTransport({
    input: new ReadableStream(),
    output: recorder().stream,
    maxMessageBytes: 1_000,
    writeSync: syncRecorder(() => new Deno.errors.BrokenPipe("gone")).writeSync,
  });
  broken.onerror = (e) => errors.push(e);
  await broken.send({ jsonrpc: "2.0", id: 1, result: {} });
  assert.deepEqual(await broken.finished, { failed: true });
  assert.equal(errors[0]?.message, "gone");
  await broken.send({ jsonrpc: "2.0", id: 2, result: {} }); // closed: ignored, no throw
});

Deno.test("the stdio transport reads with `read` into one buffer: lines cut anywhere, big ones refused", async () => {
  const messages = [
    { jsonrpc: "2.0", id: 1, method: "ping" },
    { jsonrpc: "2.0", id: 2, method: "tools/list", params: { cursor: "é😀".repeat(20) } },
    { jsonrpc: "2.0", id: 3, method: "ping" },
  ];
  const big = JSON.stringify({
    jsonrpc: "2.0",
    id: 9,
    method: "x",
    params: { p: "y".repeat(600) },
  });
  const text = `${JSON.stringify(messages[0])}\n${JSON.stringify(messages[1])}\n${big}\n` +
    JSON.stringify(messages[2]); // the last line has no newline: the end of input ends it
  const bytes = new TextEncoder().encode(text);
  const cuts = [5, 6, 90, 91, 300, 301, 302, bytes.length];
  let at = 0;
  let calls = 0;
  const read = (buffer: Uint8Array) => {
    if (calls > 0) buffer.fill(0x7b, 0, 64); // what a reused buffer held must not matter
    calls++;
    if (at >= bytes.length) return Promise.resolve(null);
    const end = cuts.find((c) => c > at) ?? bytes.length;
    buffer.set(bytes.subarray(at, end));
    const n = end - at;
    at = end;
    return Promise.resolve(n);
  };
  const { stream, bytes: out } = recorder();
  const transport = createStdioTransport({ read, output: stream, maxMessageBytes: 500 });
  const got: unknown[] = [];
  transport.onmessage = (m) => got.push(m);
  await transport.start();
  assert.deepEqual(await transport.finished, { failed: false });
  assert.deepEqual(got, messages);
  const replies = new TextDecoder().decode(out()).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(replies.length, 1);
  assert.equal(replies[0].error.code, -32600, "the big one refused");
});
