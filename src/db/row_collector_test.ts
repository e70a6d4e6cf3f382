import assert from "node:assert/strict";
import type { RawRow } from "./driver.ts";
import { textToJsonText } from "./pg_text.ts";
import { BUILTIN_TYPES, type TypeInfo } from "./pg_types.ts";
import { type CollectLimits, RowCollector } from "./row_collector.ts";

const encoder = new TextEncoder();
const lookup = (oid: number): TypeInfo => BUILTIN_TYPES.get(oid) ?? { name: "x", kind: "text" };
const TYPES = [23, 25, 1700, 3802, 1184].map(lookup); // integer, text, numeric, jsonb, timestamptz
const NO_LIMIT: CollectLimits = { maxRows: 1e9, maxChars: 1e12, maxBytes: 1e12 };

type Row = (string | null)[];
const raw = (rows: Row[]): RawRow[] =>
  rows.map((r) => r.map((v) => v === null ? null : encoder.encode(v)));

/** The JSON the rows must become: each value through the string path, rows joined. */
function expectedJson(rows: Row[], types = TYPES): string {
  return `[${
    rows.map((r) =>
      `[${r.map((v, i) => v === null ? "null" : textToJsonText(v, types[i], lookup)).join(",")}]`
    ).join(",")
  }]`;
}

const ROWS: Row[] = Array.from({ length: 3_000 }, (_, i) => [
  String(i),
  i % 7 === 0 ? null : `name "${i}" é\n😀`,
  `${i}.50`,
  `{"n": ${i}, "s": "\\"x\\""}`,
  "2024-02-29 13:14:15.5+05:30",
]);

Deno.test("RowCollector makes the JSON the string path makes, and counts it exactly", () => {
  const collector = new RowCollector(TYPES, lookup, NO_LIMIT);
  for (let i = 0; i < ROWS.length; i += 700) collector.add(raw(ROWS.slice(i, i + 700)));
  const { rows, truncatedBy } = collector.finish();
  const expected = expectedJson(ROWS);
  assert.equal(truncatedBy, undefined);
  assert.equal(rows.length, ROWS.length);
  assert.equal(rows.json(), expected);
  assert.equal(rows.chars, expected.length, "UTF-16 length");
  assert.equal(rows.bytes, encoder.encode(expected).length, "UTF-8 size");
  assert.deepEqual(rows.values(), JSON.parse(expected));
  assert.deepEqual(rows.head(2), JSON.parse(expected).slice(0, 2));
  assert.deepEqual(
    rows.pieces().slice(0, 2),
    [expectedJson([ROWS[0]]), expectedJson([ROWS[1]])].map((j) => j.slice(1, -1)),
  );
});

Deno.test("RowCollector keeps a row that fits the budget exactly and cuts the next byte or character", () => {
  const rows: Row[] = [["1", "é", null, null, null], ["2", "ab", null, null, null]];
  const json = expectedJson(rows);
  const chars = json.length;
  const bytes = encoder.encode(json).length;
  const run = (limits: Partial<CollectLimits>) => {
    const c = new RowCollector(TYPES, lookup, { ...NO_LIMIT, ...limits });
    c.add(raw(rows));
    return c.finish();
  };
  assert.equal(run({ maxChars: chars }).rows.length, 2);
  assert.equal(run({ maxBytes: bytes }).rows.length, 2);
  const lessChars = run({ maxChars: chars - 1 });
  assert.equal(lessChars.rows.length, 1);
  assert.equal(lessChars.truncatedBy, "bytes");
  assert.equal(lessChars.rows.json(), expectedJson(rows.slice(0, 1)));
  const lessBytes = run({ maxBytes: bytes - 1 });
  assert.equal(lessBytes.rows.length, 1);
  assert.equal(lessBytes.rows.bytes, encoder.encode(expectedJson(rows.slice(0, 1))).length);
  const rowCap = run({ maxRows: 1 });
  assert.equal(rowCap.rows.length, 1);
  assert.equal(rowCap.truncatedBy, "rows");
});

Deno.test("RowCollector: a value past the budget is not converted; the cut row leaves no trace", () => {
  const collector = new RowCollector(TYPES, lookup, { ...NO_LIMIT, maxBytes: 1_000 });
  const huge = "x".repeat(10_000_000);
  assert.equal(
    collector.add(raw([["1", "a", null, null, null], ["2", huge, null, null, null]])),
    false,
  );
  const { rows, truncatedBy, facts } = collector.finish();
  assert.equal(truncatedBy, "bytes");
  assert.equal(rows.json(), expectedJson([["1", "a", null, null, null]]));
  // NULL facts come from the rows kept only.
  assert.deepEqual(facts.allNull, [false, false, true, true, true]);
  assert.equal(collector.add(raw([["3", "b", null, null, null]])), false, "nothing after a cut");
});

Deno.test("RowCollector: no row is an empty array; every NULL column is noted only with rows", () => {
  const empty = new RowCollector(TYPES, lookup, NO_LIMIT).finish();
  assert.equal(empty.rows.json(), "[]");
  assert.equal(empty.rows.chars, 2);
  assert.equal(empty.rows.bytes, 2);
  assert.deepEqual(empty.rows.values(), []);
  assert.deepEqual(empty.facts.allNull, [false, false, false, false, false]);
});
