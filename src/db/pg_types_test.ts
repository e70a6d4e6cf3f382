import assert from "node:assert/strict";
import { isoTimestamp, scalarToJson } from "./pg_types.ts";

Deno.test("isoTimestamp() turns PostgreSQL's ISO style into ISO 8601", () => {
  assert.equal(isoTimestamp("2024-02-29 13:14:15.123456"), "2024-02-29T13:14:15.123456");
  assert.equal(isoTimestamp("2024-02-29 13:14:15+00"), "2024-02-29T13:14:15+00:00");
  assert.equal(isoTimestamp("2024-02-29 13:14:15.5+05:30"), "2024-02-29T13:14:15.5+05:30");
  assert.equal(isoTimestamp("1900-01-01 00:00:00+00:09:21"), "1900-01-01T00:00:00+00:09:21");
  assert.equal(isoTimestamp("infinity"), "infinity");
  assert.equal(isoTimestamp("0044-03-15 12:00:00 BC"), "0044-03-15 12:00:00 BC");
});

Deno.test("scalarToJson() keeps exact numbers as strings and non-finite floats as text", () => {
  assert.equal(scalarToJson("9007199254740993", "exact"), "9007199254740993");
  assert.equal(scalarToJson("42", "integer"), 42);
  assert.equal(scalarToJson("0.1", "float"), 0.1);
  assert.equal(scalarToJson("NaN", "float"), "NaN");
  assert.equal(scalarToJson("-Infinity", "float"), "-Infinity");
  assert.equal(scalarToJson("t", "boolean"), true);
  assert.equal(scalarToJson("f", "boolean"), false);
  assert.deepEqual(scalarToJson('{"a":[1,null]}', "json"), { a: [1, null] });
  assert.equal(scalarToJson("\\x00ff", "text"), "\\x00ff");
});
