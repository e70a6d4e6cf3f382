import assert from "node:assert/strict";
import { AppError, fail, ok, type Result } from "../errors.ts";
import { createMemoryLogger } from "../log.ts";
import { CircuitBreaker } from "../resilience/circuit_breaker.ts";
import type { Completion, Llm } from "./llm_client.ts";
import { isLlmOutage, isRetryableLlmError, withResilience } from "./resilient_llm.ts";

const COMPLETION: Completion = {
  text: "SELECT 1",
  usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
};

function scripted(results: Result<Completion>[]): Llm & { calls: number } {
  const llm = {
    model: "m",
    calls: 0,
    complete() {
      llm.calls++;
      return Promise.resolve(results[Math.min(llm.calls - 1, results.length - 1)]);
    },
  };
  return llm;
}

function setup(results: Result<Completion>[], threshold = 2) {
  let t = 0;
  const inner = scripted(results);
  const breaker = new CircuitBreaker({
    name: "the language model",
    threshold,
    openMs: 1000,
    now: () => t,
    counts: isLlmOutage,
  });
  const waits: number[] = [];
  const llm = withResilience(inner, breaker, {
    maxRetries: 2,
    delayMs: 100,
    factor: 3,
    sleep: (ms) => {
      waits.push(ms);
      t += ms;
      return Promise.resolve();
    },
  }, createMemoryLogger());
  return { inner, llm, breaker, waits, advance: (ms: number) => (t += ms) };
}

Deno.test("isRetryableLlmError() retries 429, 5xx and connection failures only", () => {
  const e = (status?: number) => new AppError("LLM_UNAVAILABLE", "x", status ? { status } : {});
  assert.equal(isRetryableLlmError(e(429)), true);
  assert.equal(isRetryableLlmError(e(503)), true);
  assert.equal(isRetryableLlmError(e()), true);
  assert.equal(isRetryableLlmError(e(401)), false);
  assert.equal(isRetryableLlmError(e(400)), false);
  assert.equal(isRetryableLlmError(new AppError("LLM_TIMEOUT", "x")), false);
  assert.equal(isRetryableLlmError(new AppError("LLM_BAD_OUTPUT", "x")), false);
});

Deno.test("withResilience() retries a 429 with the configured backoff and returns the answer", async () => {
  const s = setup([fail("LLM_UNAVAILABLE", "429", { status: 429 }), ok(COMPLETION)]);
  assert.deepEqual(await s.llm.complete([]), ok(COMPLETION));
  assert.equal(s.inner.calls, 2);
  assert.deepEqual(s.waits, [100]);
});

Deno.test("withResilience() opens the breaker after repeated outages and stops calling", async () => {
  const s = setup([fail("LLM_UNAVAILABLE", "down", { status: 503 })]);
  await s.llm.complete([]); // 3 calls (2 retries): one breaker failure
  await s.llm.complete([]); // second failure: open
  assert.equal(s.breaker.state, "open");
  const calls = s.inner.calls;
  const r = await s.llm.complete([]);
  assert.equal(!r.ok && r.error.code, "CIRCUIT_OPEN");
  assert.equal(s.inner.calls, calls, "no call while open");
  assert.deepEqual(s.waits.slice(0, 2), [100, 300]);
});

Deno.test("isRetryableLlmError()/isLlmOutage(): 400 and 401 are neither, 408/409/429/5xx are both", () => {
  const status = (s?: number) =>
    new AppError("LLM_UNAVAILABLE", "x", s === undefined ? {} : { status: s });
  for (const s of [400, 401, 403, 404, 422]) {
    assert.equal(isRetryableLlmError(status(s)), false, `${s}`);
    assert.equal(isLlmOutage(status(s)), false, `${s}`);
  }
  for (const s of [undefined, 408, 409, 429, 500, 503]) {
    assert.equal(isRetryableLlmError(status(s)), true, `${s}`);
    assert.equal(isLlmOutage(status(s)), true, `${s}`);
  }
  const unreadable = new AppError("LLM_BAD_OUTPUT", "x", { reason: "unreadable_response" });
  assert.equal(isRetryableLlmError(unreadable), false);
  assert.equal(isLlmOutage(unreadable), false);
  assert.equal(isLlmOutage(new AppError("LLM_TIMEOUT", "x")), true);
});
