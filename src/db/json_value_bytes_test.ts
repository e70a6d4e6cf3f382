import assert from "node:assert/strict";
import { ByteChunks } from "./byte_chunks.ts";
import { isJsonNumber, utf16Units, writeJsonValue } from "./json_value_bytes.ts";
import { textToJsonText } from "./pg_text.ts";
import { BUILTIN_TYPES, type TypeInfo } from "./pg_types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const lookup = (oid: number): TypeInfo => BUILTIN_TYPES.get(oid) ?? { name: "x", kind: "text" };

const TEXT = lookup(25);
const INT = lookup(23);
const FLOAT = lookup(701);
const NUMERIC = lookup(1700);
const BOOL = lookup(16);
const JSONB = lookup(3802);
const TIMESTAMPTZ = lookup(1184);
const TIMESTAMP = lookup(1114);
const INT_ARRAY: TypeInfo = { name: "integer[]", kind: "text", element: 23, delimiter: "," };

/** writeJsonValue's bytes and count, and what the string path makes of the same bytes. */
function both(raw: Uint8Array, type: TypeInfo) {
  const out = new ByteChunks();
  const chars = writeJsonValue(out, raw, type, lookup);
  const bytes = concat(out.chunks());
  const expected = textToJsonText(decoder.decode(raw), type, lookup);
  return { bytes, chars, expected };
}

function assertSame(raw: Uint8Array, type: TypeInfo, label = decoder.decode(raw)) {
  const { bytes, chars, expected } = both(raw, type);
  assert.deepEqual(bytes, encoder.encode(expected), `${type.name}: ${JSON.stringify(label)}`);
  assert.equal(chars, expected.length, `${type.name} length: ${JSON.stringify(label)}`);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const bytesOf = (...values: number[]) => new Uint8Array(values);

Deno.test("writeJsonValue() writes text as JSON.stringify does: escapes, non-ASCII, emoji", () => {
  const samples = [
    "",
    "plain text",
    'a "quoted" word',
    "back\\slash",
    "tab\there, newline\nthere, cr\r, bs\b, ff\f",
    "\x00\x01\x1f\x7f",
    "é à ü ß",
    "日本語のテキスト",
    "emoji 😀 and 👩‍👩‍👧 and 🇫🇷",
    "\u2028 and \u2029 stay as they are",
    'mixed "é" \\ 😀 \n end',
    "x".repeat(5_000) + '"' + "é".repeat(3_000),
  ];
  for (const s of samples) {
    for (const type of [TEXT, NUMERIC]) assertSame(encoder.encode(s), type, s);
  }
  // Every control character and every printable ASCII character, one at a time.
  for (let c = 0; c < 0x80; c++) assertSame(bytesOf(c), TEXT, `\\x${c.toString(16)}`);
});

Deno.test("writeJsonValue() takes the decoder's path for bytes that are not UTF-8 (SQL_ASCII)", () => {
  const invalid = [
    bytesOf(0xff),
    bytesOf(0x61, 0x80, 0x62), // a lone continuation byte
    bytesOf(0xc0, 0xaf), // overlong "/"
    bytesOf(0xe0, 0x80, 0xaf), // overlong
    bytesOf(0xed, 0xa0, 0x80), // a UTF-16 surrogate, encoded
    bytesOf(0xf4, 0x90, 0x80, 0x80), // past U+10FFFF
    bytesOf(0xf5, 0x80, 0x80, 0x80),
    bytesOf(0xe6, 0x97), // cut short
    bytesOf(0x22, 0xc3), // a quote, then a cut sequence
  ];
  for (const raw of invalid) {
    assert.equal(utf16Units(raw), -1, `invalid: ${raw}`);
    for (const type of [TEXT, JSONB]) assertSame(raw, type);
  }
  assert.equal(utf16Units(encoder.encode("é日😀")), 4);
});

Deno.test("writeJsonValue() matches the string path on random bytes", () => {
  // A fixed seed: the same cases on every run.
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const alphabet = [
    0x00,
    0x0a,
    0x1f,
    0x20,
    0x22,
    0x41,
    0x5c,
    0x7f,
    0x80,
    0xbf,
    0xc3,
    0xa9,
    0xe2,
    0x82,
    0xac,
    0xed,
    0xf0,
    0x9f,
    0x98,
    0x80,
    0xff,
  ];
  for (let i = 0; i < 2_000; i++) {
    const raw = Uint8Array.from(
      { length: Math.floor(random() * 12) },
      () => alphabet[Math.floor(random() * alphabet.length)],
    );
    assertSame(raw, TEXT);
  }
});

Deno.test("writeJsonValue() keeps numbers as PostgreSQL spelled them, others as strings", () => {
  for (const n of ["0", "-1", "42", "3.14", "-0.5", "1e+100", "1E-7", "2.5e10", "-0"]) {
    assert.ok(isJsonNumber(encoder.encode(n)), n);
    assertSame(encoder.encode(n), INT);
    assertSame(encoder.encode(n), FLOAT);
  }
  for (
    const n of [
      "NaN",
      "Infinity",
      "-Infinity",
      "1.",
      ".5",
      "1e",
      "1e+",
      "-",
      "",
      "+1",
      "0x10",
      "1 ",
    ]
  ) {
    assert.ok(!isJsonNumber(encoder.encode(n)), n);
    assertSame(encoder.encode(n), FLOAT);
    assertSame(encoder.encode(n), INT);
  }
  // int8 and numeric are exact kinds: strings, never numbers.
  assertSame(encoder.encode("9007199254740993"), lookup(20));
  assertSame(encoder.encode("12345678901234567890.5"), NUMERIC);
});

Deno.test("writeJsonValue() writes booleans, json as it is, arrays through the string path", () => {
  for (const b of ["t", "f", "true", "false", "x"]) assertSame(encoder.encode(b), BOOL);
  for (const j of ['{"a": 1, "b": [true, null]}', '"é😀"', "[1,2]", '{"k": "\\"q\\""}']) {
    assertSame(encoder.encode(j), JSONB);
  }
  for (const a of ["{1,2,NULL}", "{}", '{"a b",c}']) {
    assertSame(encoder.encode(a), INT_ARRAY);
    assertSame(encoder.encode(a), { name: "text[]", kind: "text", element: 25, delimiter: "," });
  }
});

Deno.test("writeJsonValue() turns timestamps into ISO 8601 exactly as isoTimestamp does", () => {
  const samples = [
    "2024-02-29 13:14:15",
    "2024-02-29 13:14:15.123456",
    "2024-02-29 13:14:15+00",
    "2024-02-29 13:14:15.5+05:30",
    "2024-02-29 13:14:15-08",
    "1900-01-01 00:00:00+00:09:21",
    "12024-02-29 13:14:15+00", // more year digits: the string path
    "0044-03-15 12:00:00 BC",
    "0044-03-15 12:00:00+00 BC",
    "infinity",
    "-infinity",
    "2024-02-29 13:14:15+0530",
    "2024-02-29 13:14:15.",
    "2024-02-29 13:14:15:12",
    "2024-02-29T13:14:15",
    "2024-02-29 13:14",
  ];
  for (const s of samples) {
    assertSame(encoder.encode(s), TIMESTAMPTZ);
    assertSame(encoder.encode(s), TIMESTAMP);
  }
});

Deno.test("ByteChunks grows in chunks and truncates back across them", () => {
  const out = new ByteChunks();
  const block = new Uint8Array(3_000).map((_, i) => i % 251);
  for (let i = 0; i < 200; i++) out.bytes(block);
  assert.equal(out.length, 600_000);
  const chunks = out.chunks();
  assert.ok(chunks.length > 3, "several chunks");
  assert.ok(chunks.every((c) => c.length <= 256 * 1024), "none larger than a chunk");
  out.truncate(10_001);
  assert.equal(out.length, 10_001);
  const kept = concat(out.chunks());
  assert.equal(kept.length, 10_001);
  assert.equal(kept[10_000], 10_000 % 3_000 % 251);
  out.bytes(bytesOf(1, 2, 3));
  assert.deepEqual([...concat(out.chunks()).subarray(10_001)], [1, 2, 3]);
  out.truncate(0);
  assert.deepEqual(out.chunks(), []);
  out.reserve(1_000_000); // one value larger than a chunk gets a chunk of its own
  assert.ok(out.buf.length >= 1_000_000);
});
