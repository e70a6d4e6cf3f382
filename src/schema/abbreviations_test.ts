import assert from "node:assert/strict";
import { abbreviates, ABBREVIATIONS, expansionsOf } from "./abbreviations.ts";

Deno.test("expansionsOf() reads the curated table of naming abbreviations", () => {
  assert.deepEqual(expansionsOf("amt"), ["amount"]);
  assert.deepEqual(expansionsOf("qty"), ["quantity"]);
  assert.deepEqual(expansionsOf("no"), ["number"]);
  assert.deepEqual(expansionsOf("dt"), ["date"]);
  assert.deepEqual(expansionsOf("cust"), ["customer"]);
  assert.deepEqual(expansionsOf("st"), ["street", "state", "status"], "ambiguous: every reading");
  assert.deepEqual(expansionsOf("customer"), []);
  for (const [short, long] of ABBREVIATIONS) {
    assert.match(short, /^[a-z]+$/, short);
    assert.ok(long.every((w) => /^[a-z]+$/.test(w) && w !== short), short);
  }
});

Deno.test("abbreviates() accepts dropped letters with the same first letter only", () => {
  assert.ok(abbreviates("tst", "test"));
  assert.ok(abbreviates("takr", "takers"));
  assert.ok(abbreviates("mgr", "manager"));
  assert.ok(!abbreviates("st", "street"), "two letters are left to the table");
  assert.ok(!abbreviates("rst", "test"), "first letter differs");
  assert.ok(!abbreviates("tset", "test"), "not shorter");
  assert.ok(!abbreviates("tsx", "test"), "letters out of the word");
});
