/**
 * Cold start: from spawning a server to the answer of `tools/list` after `initialize` (for HTTP,
 * from spawning to its `server.started` line, then both calls). A new process every time; the
 * modes take turns, and the first round is a warm-up (Deno's caches), not measured.
 */
import { median } from "./measure.ts";
import { record, type Results } from "./metrics.ts";
import type { Mode } from "./session.ts";
import type { Progress } from "./workloads.ts";

export interface ColdStartBudget {
  rounds: number;
  /** No new round after this many milliseconds (at least one is always measured). */
  maxMs: number;
}

export async function measureColdStart(
  modes: readonly Mode[],
  databaseUrl: string,
  results: Results,
  progress: Progress,
  budget: ColdStartBudget = { rounds: 5, maxMs: 25_000 },
): Promise<void> {
  const samples = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  const start = performance.now();
  for (let round = 0; round <= budget.rounds; round++) {
    if (round > 1 && performance.now() - start > budget.maxMs) break;
    progress(round === 0 ? "cold start (warm-up)" : `cold start ${round}/${budget.rounds}`);
    for (const mode of modes) {
      const t0 = performance.now();
      const session = await mode.open(databaseUrl);
      try {
        if (!session.listTools) continue;
        const tools = await session.listTools();
        if (tools === 0) throw new Error(`Cannot measure the cold start of ${mode.name}: no tools`);
        if (round > 0) samples.get(mode)!.push(performance.now() - t0);
      } finally {
        await session.close();
      }
    }
  }
  for (const [mode, ms] of samples) {
    if (ms.length > 0) record(results, "cold_start_ms", mode.name, median(ms));
  }
}
