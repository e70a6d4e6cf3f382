import assert from "node:assert/strict";
import { fail, ok, type Result } from "../errors.ts";
import { withRetry } from "./retry.ts";

Deno.test("withRetry() retries retryable failures with growing delays, then succeeds", async () => {
  const delays: number[] = [];
  let calls = 0;
  const result = await withRetry(() => {
    calls++;
    return Promise.resolve(calls < 3 ? fail<string>("LLM_UNAVAILABLE", "429") : ok("done"));
  }, {
    maxRetries: 3,
    delayMs: 1000,
    factor: 2,
    retryable: (e) => e.code === "LLM_UNAVAILABLE",
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  });
  assert.deepEqual(result, ok("done"));
  assert.equal(calls, 3);
  assert.deepEqual(delays, [1000, 2000]);
});

Deno.test("withRetry() gives up after maxRetries and returns the last failure", async () => {
  let calls = 0;
  const result: Result<string> = await withRetry(() => {
    calls++;
    return Promise.resolve(fail<string>("LLM_UNAVAILABLE", `try ${calls}`));
  }, { maxRetries: 2, delayMs: 0, factor: 2, retryable: () => true });
  assert.equal(calls, 3);
  assert.equal(!result.ok && result.error.message, "try 3");
});

Deno.test("withRetry() does not retry a failure that is not retryable", async () => {
  let calls = 0;
  await withRetry(() => {
    calls++;
    return Promise.resolve(fail<string>("SECURITY_VIOLATION", "no"));
  }, { maxRetries: 5, delayMs: 0, factor: 2, retryable: (e) => e.code !== "SECURITY_VIOLATION" });
  assert.equal(calls, 1);
});

Deno.test("withRetry() stops waiting when the caller aborts", async () => {
  const controller = new AbortController();
  let calls = 0;
  const started = Date.now();
  const pending = withRetry(() => {
    calls++;
    return Promise.resolve(fail<string>("LLM_UNAVAILABLE", "down"));
  }, {
    maxRetries: 5,
    delayMs: 60_000,
    factor: 2,
    retryable: () => true,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 10);
  const result = await pending;
  assert.equal(result.ok, false);
  assert.equal(calls, 1, "no call after the aborted wait");
  assert.ok(Date.now() - started < 30_000);
});

Deno.test("withRetry() waits what the failure asks for (Retry-After) instead of its back-off", async () => {
  const delays: number[] = [];
  let calls = 0;
  const result = await withRetry(() => {
    calls++;
    return Promise.resolve(
      calls < 3 ? fail<string>("LLM_UNAVAILABLE", "429", { retry_after_ms: 10_000 }) : ok("done"),
    );
  }, {
    maxRetries: 3,
    delayMs: 1000,
    factor: 2,
    retryable: () => true,
    requestedDelayMs: (e) => e.details.retry_after_ms as number | undefined,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  });
  assert.deepEqual(result, ok("done"));
  assert.deepEqual(delays, [10_000, 10_000]);
});

Deno.test("withRetry() does not start a wait that would pass the deadline", async () => {
  const delays: number[] = [];
  let calls = 0;
  const t = 1_000;
  const result = await withRetry(() => {
    calls++;
    return Promise.resolve(fail<string>("LLM_UNAVAILABLE", "429", { retry_after_ms: 10_000 }));
  }, {
    maxRetries: 3,
    delayMs: 100,
    factor: 2,
    retryable: () => true,
    requestedDelayMs: (e) => e.details.retry_after_ms as number | undefined,
    deadline: t + 5_000,
    now: () => t,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  });
  assert.equal(result.ok, false);
  assert.equal(calls, 1);
  assert.deepEqual(delays, []);
});
