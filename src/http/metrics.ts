import type { Metrics } from "../observability/metrics.ts";

/** GET /metrics. */
export function metricsRoute(metrics: Metrics) {
  return async (): Promise<Response> =>
    new Response(await metrics.render(), { headers: { "content-type": metrics.contentType } });
}
