import assert from "node:assert/strict";
import { parsePgArray } from "./pg_array.ts";

const asIs = (s: string) => s;

Deno.test("parsePgArray() reads NULL elements as null and a quoted NULL as text", () => {
  assert.deepEqual(parsePgArray("{1,2,NULL}", Number), [1, 2, null]);
  assert.deepEqual(parsePgArray('{a,"NULL",NULL}', asIs), ["a", "NULL", null]);
});

Deno.test("parsePgArray() unescapes quotes, backslashes, commas and braces", () => {
  assert.deepEqual(
    parsePgArray('{"a \\"b\\"","c\\\\d","e,f","{g}",""}', asIs),
    ['a "b"', "c\\d", "e,f", "{g}", ""],
  );
});

Deno.test("parsePgArray() reads nested, empty and lower-bounded arrays", () => {
  assert.deepEqual(parsePgArray("{{1,2},{3,4}}", Number), [[1, 2], [3, 4]]);
  assert.deepEqual(parsePgArray("{}", Number), []);
  assert.deepEqual(parsePgArray("[0:1]={5,6}", Number), [5, 6]);
});

Deno.test("parsePgArray() honours the box type's ';' delimiter", () => {
  assert.deepEqual(parsePgArray("{(1,1),(0,0);(2,2),(1,1)}", asIs, ";"), [
    "(1,1),(0,0)",
    "(2,2),(1,1)",
  ]);
});

Deno.test("parsePgArray() throws on text that is not an array", () => {
  assert.throws(() => parsePgArray("1,2", Number), /Cannot parse the array/);
  assert.throws(() => parsePgArray("{1,2", Number), /Cannot parse the array/);
});
