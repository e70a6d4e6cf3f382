import assert from "node:assert/strict";
import { AppError, fail, ok, type Result } from "../errors.ts";
import { CircuitBreaker } from "./circuit_breaker.ts";

function breaker(now: () => number) {
  return new CircuitBreaker({
    name: "the language model",
    threshold: 3,
    openMs: 60_000,
    now,
    counts: (e: AppError) => e.code === "LLM_UNAVAILABLE",
  });
}
const down = () => Promise.resolve(fail<number>("LLM_UNAVAILABLE", "down"));
const up = () => Promise.resolve(ok(1));

Deno.test("CircuitBreaker opens after the threshold and answers CIRCUIT_OPEN without calling", async () => {
  const b = breaker(() => 0);
  for (let i = 0; i < 3; i++) assert.equal((await b.run(down)).ok, false);
  assert.equal(b.state, "open");
  let called = false;
  const r: Result<number> = await b.run(() => {
    called = true;
    return up();
  });
  assert.equal(called, false);
  assert.equal(!r.ok && r.error.code, "CIRCUIT_OPEN");
  assert.equal(!r.ok && r.error.details.retry_in_s, 60);
});

Deno.test("CircuitBreaker lets one trial through after the timeout and closes on success", async () => {
  let t = 0;
  const b = breaker(() => t);
  for (let i = 0; i < 3; i++) await b.run(down);
  t += 60_000;
  assert.equal(b.state, "half_open");
  assert.deepEqual(await b.run(up), ok(1));
  assert.equal(b.state, "closed");
});

Deno.test("CircuitBreaker reopens when the trial fails", async () => {
  let t = 0;
  const b = breaker(() => t);
  for (let i = 0; i < 3; i++) await b.run(down);
  t += 60_000;
  await b.run(down);
  assert.equal(b.state, "open");
  t += 59_999;
  assert.equal(b.state, "open");
});

Deno.test("CircuitBreaker ignores failures that do not say the dependency is down", async () => {
  const b = breaker(() => 0);
  for (let i = 0; i < 10; i++) {
    await b.run(() => Promise.resolve(fail<number>("LLM_BAD_OUTPUT", "no SQL")));
  }
  assert.equal(b.state, "closed");
});

Deno.test("CircuitBreaker resets the count after a success", async () => {
  const b = breaker(() => 0);
  await b.run(down);
  await b.run(down);
  await b.run(up);
  await b.run(down);
  await b.run(down);
  assert.equal(b.state, "closed");
});
