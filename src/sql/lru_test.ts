import assert from "node:assert/strict";
import { Lru } from "./lru.ts";

Deno.test("Lru keeps the most recently used entries, at most max", () => {
  const lru = new Lru<string, number>(2);
  lru.set("a", 1);
  lru.set("b", 2);
  assert.equal(lru.get("a"), 1); // a is now the most recent
  lru.set("c", 3); // b goes
  assert.equal(lru.get("b"), undefined);
  assert.equal(lru.get("a"), 1);
  assert.equal(lru.get("c"), 3);
  assert.equal(lru.size, 2);
  lru.set("a", 9); // replaced, not added
  assert.equal(lru.size, 2);
  assert.equal(lru.get("a"), 9);
  const none = new Lru<string, number>(0);
  none.set("a", 1);
  assert.equal(none.get("a"), undefined);
});
