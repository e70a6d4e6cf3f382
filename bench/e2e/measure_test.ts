import assert from "node:assert/strict";
import { callsPerSecond, inTurns, latencies, median, percentile } from "./measure.ts";

Deno.test("percentile() is the nearest rank; median() its 50th", () => {
  const v = [5, 1, 4, 2, 3];
  assert.equal(percentile(v, 50), 3);
  assert.equal(percentile(v, 95), 5);
  assert.equal(percentile(v, 0), 1);
  assert.equal(median([4, 1, 3, 2]), 2);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("inTurns() gives each item one step per round, until the rounds run out", async () => {
  const steps: string[] = [];
  await inTurns(["a", "b"], { rounds: 3, maxMs: 60_000 }, (item, round) => {
    steps.push(`${item}${round}`);
    return Promise.resolve();
  });
  assert.deepEqual(steps, ["a0", "b0", "a1", "b1", "a2", "b2"]);
});

Deno.test("latencies() warms each item up unmeasured, then measures them in turns", async () => {
  const seen: string[] = [];
  let t = 0;
  const samples = await latencies(
    ["a", "b"],
    (item, i) => {
      seen.push(`${item}${i}`);
      t += item === "a" ? 1 : 2;
      return Promise.resolve();
    },
    { warmup: 2, iterations: 3, maxMs: 60_000 },
    () => t,
  );
  assert.deepEqual(seen, ["a0", "a1", "b0", "b1", "a2", "b2", "a3", "b3", "a4", "b4"]);
  assert.deepEqual(samples.get("a"), [1, 1, 1]);
  assert.deepEqual(samples.get("b"), [2, 2, 2]);
});

Deno.test("latencies() starts no round after its time budget, but measures at least one", async () => {
  let t = 0;
  const call = () => Promise.resolve(t += 20); // each call takes 20 ms of the fake clock
  const now = () => t;
  const budget = { warmup: 0, iterations: 1_000, maxMs: 50 };
  // Rounds start at 0, 20 and 40 ms; none at 60.
  assert.deepEqual((await latencies(["x"], call, budget, now)).get("x"), [20, 20, 20]);
  const once = await latencies(["x"], call, { ...budget, maxMs: 0 }, now);
  assert.deepEqual(once.get("x"), [20]);
});

Deno.test("callsPerSecond() keeps the given number of calls in flight, no more", async () => {
  let inFlight = 0;
  let most = 0;
  let calls = 0;
  let t = 0;
  const rate = await callsPerSecond(
    async () => {
      calls++;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      t += 10 / 4; // four callers share the fake clock: 10 ms per call each
      inFlight--;
    },
    { inFlight: 4, warmup: 4, calls: 40, maxMs: 60_000 },
    () => t,
  );
  assert.equal(most, 4);
  assert.equal(calls, 4 + 40);
  assert.equal(rate, 400); // 40 calls in 100 ms of the clock
});

Deno.test("callsPerSecond() starts no call after its time budget", async () => {
  let t = 0;
  let calls = 0;
  const rate = await callsPerSecond(() => Promise.resolve((calls++, t += 10)), {
    inFlight: 1,
    warmup: 0,
    calls: 1_000,
    maxMs: 45,
  }, () => t);
  assert.equal(calls, 5);
  assert.equal(rate, 100);
});
