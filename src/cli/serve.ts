import type { App } from "../app.ts";
import type { Config } from "../config/config.ts";
import { livenessRoute, readinessRoute } from "../http/health.ts";
import { createHttpAuth } from "../http/auth.ts";
import { metricsRoute } from "../http/metrics.ts";
import { serveMetrics } from "../http/metrics_server.ts";
import { serveHttp } from "../http/serve.ts";
import type { Logger } from "../log.ts";
import { createMcpServer } from "../mcp/server.ts";
import { createHeapRelease, exposedCollector } from "../mcp/heap_release.ts";
import { createStdioTransport } from "../mcp/stdio_transport.ts";

export interface Serving {
  /** Stops listeners and servers (the caller closes the app). */
  stop(): Promise<void>;
  /** Settles when the transport ended on its own: stdin closed (0) or failed (1). */
  ended: Promise<number>;
}

/**
 * Bytes of answers with rows after which V8 is asked for a full collection when Deno runs with
 * `--v8-flags=--expose-gc` (heap_release.ts): after every 100,000-row answer of the benchmark
 * (29 MB), every third 10,000-row one.
 */
const RELEASE_EVERY_BYTES = 8_000_000;

/** Serves MCP over stdio or Streamable HTTP, and metrics on their port. */
export async function serve(
  app: App,
  cfg: Config,
  log: Logger,
  version: string,
): Promise<Serving> {
  const stops: (() => Promise<unknown>)[] = [];
  const auth = createHttpAuth(cfg.server.authTokens);
  let ended: Promise<number> = new Promise(() => undefined);
  const heap = createHeapRelease({ everyBytes: RELEASE_EVERY_BYTES, collect: exposedCollector() });
  const onRowsWritten = (bytes: number) => heap.written(bytes);
  if (cfg.server.transport === "http") {
    const readiness = readinessRoute(app.databases, version, app.llmCircuit);
    const http = serveHttp({
      host: cfg.server.host,
      port: cfg.server.port,
      auth,
      allowedOrigins: cfg.server.allowedOrigins,
      allowedHosts: cfg.server.allowedHosts,
      maxMessageBytes: cfg.server.maxMessageBytes,
      onRowsWritten,
      createServer: (source, scope) => createMcpServer(app.server, source, scope),
      routes: {
        "/healthz": { handle: livenessRoute(version), open: true },
        "/readyz": { handle: readiness },
        "/health": { handle: readiness },
        ...(cfg.observability.metricsEnabled
          ? { "/metrics": { handle: metricsRoute(app.metrics) } }
          : {}),
      },
      log,
    });
    stops.push(() => http.shutdown());
    log.info("server.started", {
      transport: "http",
      url: `${http.url}/mcp`,
      version,
      databases: app.databases.names(),
    });
  } else {
    const server = createMcpServer(app.server, { transport: "stdio", identity: "stdio" });
    const transport = createStdioTransport({
      maxMessageBytes: cfg.server.maxMessageBytes,
      onRowsWritten,
    });
    ended = transport.finished.then(({ failed }) => failed ? 1 : 0);
    stops.push(() => server.close());
    await server.connect(transport);
    log.info("server.started", {
      transport: "stdio",
      version,
      databases: app.databases.names(),
    });
  }
  // Metrics also on their own port, as the design says; over HTTP behind the same tokens as
  // /mcp (a public bind would otherwise serve them to anyone), and at /metrics on the MCP port.
  if (cfg.observability.metricsEnabled) {
    const metrics = serveMetrics(
      cfg.server.host,
      cfg.observability.metricsPort,
      app.metrics,
      log,
      cfg.server.transport === "http" ? auth : undefined,
    );
    if (metrics) stops.push(() => metrics.shutdown());
  }
  return {
    ended,
    async stop() {
      for (const s of stops) await s().catch(() => undefined);
    },
  };
}
