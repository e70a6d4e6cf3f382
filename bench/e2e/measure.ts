/** Timing loops bounded in count and in time, and the statistics the report uses. */

export interface LatencyBudget {
  /** Calls made first by each item and not measured. */
  warmup: number;
  /** At most this many measured calls per item... */
  iterations: number;
  /** ...and no new round after this many milliseconds (at least one is always measured). */
  maxMs: number;
}

/**
 * Milliseconds of each measured call of `call(item, i)`, per item. The items take turns, one call
 * each per round, so a change in the machine's load hits every item alike.
 */
export async function latencies<T>(
  items: readonly T[],
  call: (item: T, i: number) => Promise<unknown>,
  budget: LatencyBudget,
  now: () => number = () => performance.now(),
): Promise<Map<T, number[]>> {
  for (const item of items) for (let i = 0; i < budget.warmup; i++) await call(item, i);
  const samples = new Map<T, number[]>(items.map((item) => [item, []]));
  await inTurns(items, { rounds: budget.iterations, maxMs: budget.maxMs }, async (item, round) => {
    const t0 = now();
    await call(item, budget.warmup + round);
    samples.get(item)!.push(now() - t0);
  }, now);
  return samples;
}

/** Runs `step` for each item in turn, round after round, until the rounds or the time run out. */
export async function inTurns<T>(
  items: readonly T[],
  budget: { rounds: number; maxMs: number },
  step: (item: T, round: number) => Promise<unknown>,
  now: () => number = () => performance.now(),
): Promise<void> {
  const start = now();
  for (let round = 0; round < budget.rounds; round++) {
    if (round > 0 && now() - start > budget.maxMs) return;
    for (const item of items) await step(item, round);
  }
}

export interface ThroughputBudget {
  /** Calls kept in flight at once. */
  inFlight: number;
  warmup: number;
  /** At most this many measured calls... */
  calls: number;
  /** ...and no new one after this many milliseconds. */
  maxMs: number;
}

/** Completed calls per second with `inFlight` callers, after a warm-up round. */
export async function callsPerSecond(
  fn: (i: number) => Promise<unknown>,
  budget: ThroughputBudget,
  now: () => number = () => performance.now(),
): Promise<number> {
  let next = 0;
  const round = async (calls: number, maxMs: number) => {
    const start = now();
    let started = 0;
    const caller = async () => {
      while (started < calls && (started === 0 || now() - start <= maxMs)) {
        started++;
        await fn(next++);
      }
    };
    await Promise.all(Array.from({ length: budget.inFlight }, caller));
    return started / ((now() - start) / 1000); // every started call has completed
  };
  if (budget.warmup > 0) await round(budget.warmup, Infinity);
  return await round(budget.calls, budget.maxMs);
}

/** The nearest-rank percentile `p` (0-100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}
