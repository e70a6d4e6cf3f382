import type { Logger } from "../log.ts";
import type { Metrics } from "../observability/metrics.ts";
import { metricsRoute } from "./metrics.ts";
import { json, remoteAddress } from "./serve.ts";
import { type HttpAuth, unauthorized } from "./auth.ts";

/**
 * Serves GET /metrics on its own port (OBSERVABILITY_METRICS_PORT), behind the same bearer
 * tokens as the MCP endpoint when there are some. A port already taken (a second Claude Desktop
 * instance, say) is logged and skipped: metrics never stop the MCP server.
 */
export function serveMetrics(
  host: string,
  port: number,
  metrics: Metrics,
  log: Logger,
  auth?: HttpAuth,
): { url: string; shutdown(): Promise<void> } | undefined {
  const route = metricsRoute(metrics);
  try {
    const server = Deno.serve(
      { hostname: host, port, onListen: () => undefined },
      async (req, info) => {
        if (new URL(req.url).pathname !== "/metrics") {
          return json(404, {
            error: { code: "NOT_FOUND", message: "Cannot find it: try /metrics" },
          });
        }
        if (auth?.required) {
          const caller = await auth.identify(req, remoteAddress(info));
          if (!caller.ok) return unauthorized();
        }
        return route();
      },
    );
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${server.addr.port}/metrics`;
    log.info("metrics.started", { url });
    return { url, shutdown: () => server.shutdown() };
  } catch (error) {
    log.warn("metrics.unavailable", { host, port, error });
    return undefined;
  }
}
