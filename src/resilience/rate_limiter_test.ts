import assert from "node:assert/strict";
import { KeyedBuckets, TokenBucket } from "./rate_limiter.ts";

Deno.test("TokenBucket allows a minute's burst, then refuses with the wait, then refills", () => {
  let t = 0;
  const bucket = new TokenBucket(10, () => t);
  for (let i = 0; i < 10; i++) assert.equal(bucket.take(), 0, `take ${i}`);
  assert.equal(bucket.take(), 6_000, "the 11th waits for one unit (6 s at 10/min)");
  t += 6_000;
  assert.equal(bucket.take(), 0);
  assert.equal(bucket.take(), 6_000);
});

Deno.test("TokenBucket charges after the fact and goes into debt; 0 turns it off", () => {
  let t = 0;
  const tokens = new TokenBucket(1_000, () => t);
  tokens.charge(1_500);
  assert.equal(tokens.level, -500);
  assert.ok(tokens.take(1, true) > 0, "no call while in debt");
  t += 60_000;
  assert.equal(tokens.level, 500, "a minute refills 1,000 of the 1,500 debt and stock");
  const off = new TokenBucket(0, () => t);
  for (let i = 0; i < 100; i++) assert.equal(off.take(), 0);
});

Deno.test("KeyedBuckets limits each client on its own", () => {
  const t = 0;
  const limits = new KeyedBuckets(2, () => t);
  assert.equal(limits.take("a"), 0);
  assert.equal(limits.take("a"), 0);
  assert.ok(limits.take("a") > 0);
  assert.equal(limits.take("b"), 0, "another client still has its own minute");
});
