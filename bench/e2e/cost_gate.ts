/**
 * What the cost gate costs (SECURITY_MAX_QUERY_COST, issue 12): every statement is planned with
 * EXPLAIN in its transaction before it runs, one more round trip. Each pg-mcp mode is opened once
 * more with the gate on, at a limit no statement reaches, and takes turns with the same mode
 * without it and with the raw driver: `SELECT 1` p50 and sequential primary-key lookups. The
 * extra time per call is the difference between the two pg-mcp sessions of the same turns.
 */
import { pkLookup, SELECT_ONE } from "./dataset.ts";
import { latencies, type LatencyBudget, median, type ThroughputBudget } from "./measure.ts";
import { record, type Results } from "./metrics.ts";
import type { ModeName, Session } from "./session.ts";
import { expectRows, type Progress, SHORT_CALLS, throughputOf } from "./workloads.ts";

/**
 * Lookup keys from here on: at most 8 + 3 × 9,000 calls per session, so they never meet the keys
 * of the other lookup workloads (0 and 40,000 on, at most 30,064 each) nor pass the last row.
 */
const FIRST_KEY = 72_000;
const LOOKUPS: ThroughputBudget = { inFlight: 1, warmup: 8, calls: 9_000, maxMs: 1_000 };

const GATED_MODES: readonly ModeName[] = ["stdio", "http"];

export interface CostGateBudget {
  select1: LatencyBudget;
  lookups: ThroughputBudget;
}

/**
 * `sessions`: the open sessions of the run (gate off); `openGated(mode)` opens the same mode with
 * the gate on. Records the gated figures (and the raw driver's of the same turns, for the
 * ratios) and the extra time per call; closes what it opened.
 */
export async function measureCostGate(
  sessions: readonly Session[],
  openGated: (mode: ModeName) => Promise<Session>,
  results: Results,
  progress: Progress,
  budget: CostGateBudget = { select1: SHORT_CALLS, lookups: LOOKUPS },
): Promise<void> {
  const plain = sessions.filter((s) => GATED_MODES.includes(s.mode));
  if (plain.length === 0) return;
  const raw = sessions.filter((s) => s.mode === "raw");
  const gated = new Map<Session, Session>();
  try {
    for (const s of plain) {
      progress(`starting ${s.mode} with the cost gate on`);
      gated.set(s, await openGated(s.mode));
    }
    const all = [...raw, ...plain.flatMap((s) => [s, gated.get(s)!])];

    progress("SELECT 1, cost gate on and off");
    const lat = await latencies(all, (s) => expectRows(s, SELECT_ONE, 1), budget.select1);
    for (const s of raw) record(results, "select1_gate_p50_ms", s.mode, median(lat.get(s)!));
    for (const [off, on] of gated) {
      const p50 = median(lat.get(on)!);
      record(results, "select1_gate_p50_ms", on.mode, p50);
      record(results, "gate_select1_extra_ms", on.mode, p50 - median(lat.get(off)!));
    }

    progress("primary-key lookups, sequential, cost gate on and off");
    const lookup = (s: Session, i: number) => expectRows(s, pkLookup(FIRST_KEY + i), 1);
    const rates = await throughputOf(all, lookup, budget.lookups);
    for (const s of raw) record(results, "pk_seq_gate_calls_s", s.mode, rates.get(s)!);
    for (const [off, on] of gated) {
      const rate = rates.get(on)!;
      record(results, "pk_seq_gate_calls_s", on.mode, rate);
      record(results, "gate_pk_seq_extra_ms", on.mode, 1000 / rate - 1000 / rates.get(off)!);
    }
  } finally {
    for (const s of gated.values()) await s.close().catch(() => undefined);
  }
}
