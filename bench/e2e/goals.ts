/** The targets of issue 10, as checks of one pg-mcp figure against a baseline of the same run. */
import type { MetricId, Results } from "./metrics.ts";
import type { ModeName } from "./session.ts";

export interface Goal {
  metric: MetricId;
  /** What the target says, for the table. */
  text: string;
  baseline: "raw" | "reference";
  met(value: number, baseline: number): boolean;
}

export const GOALS: readonly Goal[] = [
  { metric: "cold_start_ms", text: "≤ reference", baseline: "reference", met: (v, b) => v <= b },
  {
    metric: "select1_p50_ms",
    text: "≤ raw + 0.3 ms",
    baseline: "raw",
    met: (v, b) => v <= b + 0.3,
  },
  { metric: "pk_seq_calls_s", text: "≥ 0.6 × raw", baseline: "raw", met: (v, b) => v >= 0.6 * b },
  { metric: "pk8_calls_s", text: "≥ 0.6 × raw", baseline: "raw", met: (v, b) => v >= 0.6 * b },
  { metric: "rows10k_ms", text: "≤ 1.3 × raw", baseline: "raw", met: (v, b) => v <= 1.3 * b },
  { metric: "rows100k_ms", text: "≤ 1.5 × raw", baseline: "raw", met: (v, b) => v <= 1.5 * b },
  {
    metric: "peak_rss_mb",
    text: "≤ 0.5 × reference",
    baseline: "reference",
    met: (v, b) => v <= 0.5 * b,
  },
];

export type Outcome = "pass" | "fail" | "n/a";

/** The goal's outcome for one mode; "n/a" when the figure or its baseline was not measured. */
export function outcome(goal: Goal, results: Results, mode: ModeName): Outcome {
  const row = results[goal.metric];
  const value = row?.[mode];
  const base = row?.[goal.baseline];
  if (value === undefined || base === undefined || !Number.isFinite(value + base)) return "n/a";
  return goal.met(value, base) ? "pass" : "fail";
}

export function goalFor(metric: MetricId): Goal | undefined {
  return GOALS.find((g) => g.metric === metric);
}
