import assert from "node:assert/strict";
import { JsonRows } from "./json_rows.ts";

const encoder = new TextEncoder();

/** The rows of `values` held in chunks cut at `cuts` (byte offsets of the inner text). */
function chunked(values: unknown[][], cuts: number[]): JsonRows {
  const whole = JsonRows.of(values);
  const inner = encoder.encode(whole.json().slice(1, -1));
  const bounds = [0, ...cuts, inner.length];
  const chunks = bounds.slice(1).map((end, i) => inner.subarray(bounds[i], end));
  const ends: number[] = [];
  let at = 0;
  values.forEach((v, i) => {
    at += JSON.stringify(v).length + (i > 0 ? 1 : 0);
    ends.push(at);
  });
  return new JsonRows(chunks, ends, whole.chars, whole.bytes);
}

const VALUES = [[1, "é😀"], [2, 'say "pg-mcp-data-abc"'], [3, null]];

Deno.test("JsonRows decodes chunks cut anywhere, even inside a character", () => {
  const expected = JSON.stringify(VALUES);
  for (let cut = 1; cut < 20; cut++) {
    const rows = chunked(VALUES, [cut, cut + 1, cut + 7]);
    assert.equal(rows.json(), expected, `cut at ${cut}`);
    assert.deepEqual(rows.values(), VALUES);
    assert.deepEqual(rows.head(2), VALUES.slice(0, 2));
    assert.deepEqual(rows.head(0), []);
    assert.deepEqual(rows.head(9), VALUES);
    assert.deepEqual(rows.pieces(), VALUES.map((v) => JSON.stringify(v)));
    assert.equal(rows.chars, expected.length);
    assert.equal(rows.bytes, encoder.encode(expected).length);
  }
  assert.equal(JsonRows.of([]).json(), "[]");
  assert.deepEqual(JsonRows.of([]).pieces(), []);
});

Deno.test("JsonRows.includes() finds text across chunk edges, and only what is there", () => {
  const needle = "pg-mcp-data-abc";
  const text = JSON.stringify(VALUES);
  const at = encoder.encode(text.slice(0, text.indexOf(needle))).length - 1; // inner offset
  // Cut the needle in two, in three, and not at all.
  for (const cuts of [[at + 3], [at + 2, at + 5], [at + 1, at + 2, at + 3, at + 4], [1], []]) {
    const rows = chunked(VALUES, cuts);
    assert.equal(rows.includes(needle), true, `cuts ${cuts}`);
    assert.equal(rows.includes("pg-mcp-data-abd"), false);
    assert.equal(rows.includes('[[1,"é'), true, "across the opening bracket");
    assert.equal(rows.includes("null]]"), true, "across the closing bracket");
  }
});

Deno.test("JsonRows.splice() makes one string a serializer recognizes; no other is taken for it", () => {
  const rows = JsonRows.of(VALUES);
  const text = rows.splice("before ", " after");
  assert.equal(text, `before ${JSON.stringify(VALUES)} after`);
  assert.deepEqual(rows.spliced(text), { text, before: "before ", after: " after" });
  assert.equal(rows.spliced(`before ${JSON.stringify(VALUES)} afteR`), undefined);
  assert.equal(rows.spliced("other"), undefined);
  assert.equal(JsonRows.of(VALUES).spliced(text), undefined, "another JsonRows never made it");
});
