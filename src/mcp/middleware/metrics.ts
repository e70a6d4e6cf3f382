import type { Metrics } from "../../observability/metrics.ts";
import type { Middleware } from "../tool.ts";

/** Counts every tool call by outcome (ok or the error code) and times it. */
export function withMetrics(metrics: Metrics, now: () => number): Middleware {
  return (tool, next) => async (args, call) => {
    const started = now();
    let outcome = "INTERNAL";
    try {
      const result = await next(args, call);
      outcome = result.ok ? "ok" : result.error.code;
      return result;
    } finally {
      metrics.toolCall(tool.name, outcome, (now() - started) / 1000);
    }
  };
}
