import assert from "node:assert/strict";
import {
  classifyOpening,
  errorResponse,
  failedStatements,
  MESSAGE,
  MessageFraming,
  readyForQuery,
  startupLength,
} from "./pg_wire.ts";

function head(length: number, code: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, length);
  view.setInt32(4, code);
  return bytes;
}

function message(type: string, body: number[]): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setInt32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}

Deno.test("classifyOpening() tells a cancel and an SSL request from a startup packet", () => {
  assert.equal(classifyOpening(head(16, 80877102)), "cancel");
  assert.equal(classifyOpening(head(8, 80877103)), "encryption");
  assert.equal(classifyOpening(head(8, 80877104)), "encryption");
  assert.equal(classifyOpening(head(41, 196608)), "startup");
  assert.equal(startupLength(head(41, 196608)), 41);
});

Deno.test("errorResponse() frames S, V, C and M fields with a length that counts itself", () => {
  const bytes = errorResponse({ severity: "ERROR", code: "57014", message: "stop" });
  assert.equal(String.fromCharCode(bytes[0]), "E");
  assert.equal(new DataView(bytes.buffer).getInt32(1), bytes.length - 1);
  const body = new TextDecoder().decode(bytes.subarray(5));
  assert.equal(body, "SERROR\0VERROR\0C57014\0Mstop\0\0");
  assert.deepEqual([...readyForQuery("T")], [90, 0, 0, 0, 5, 84]);
});

Deno.test("failedStatements() answers each statement with an error and a ReadyForQuery", () => {
  const error = { severity: "ERROR", code: "57014", message: "stop" } as const;
  const one = [...errorResponse(error), ...readyForQuery("E")];
  assert.deepEqual([...failedStatements(error, "E")], one);
  assert.deepEqual([...failedStatements(error, "E", 3)], [...one, ...one, ...one]);
  assert.equal(failedStatements(error, "I", 0).length, 0);
});

Deno.test("MessageFraming knows message boundaries across chunks and the last ready status", () => {
  const framing = new MessageFraming();
  const types: number[] = [];
  const stream = new Uint8Array([
    ...message("C", [65, 0]),
    ...readyForQuery("T"),
    ...message("D", [1, 2, 3, 4]),
  ]);
  // Byte by byte: every split point is exercised.
  for (let i = 0; i < stream.length; i++) {
    framing.push(stream.subarray(i, i + 1), (type) => types.push(type));
    const endsMessage = i === 6 || i === 12 || i === stream.length - 1;
    assert.equal(framing.atBoundary, endsMessage, `after byte ${i}`);
  }
  assert.deepEqual(types, ["C", "Z", "D"].map((t) => t.charCodeAt(0)));
  assert.equal(framing.transactionStatus, "T");
  framing.push(readyForQuery("I"));
  assert.equal(framing.transactionStatus, "I");
  assert.equal(MESSAGE.sync, "S".charCodeAt(0));
});
