import denoJson from "./deno.json" with { type: "json" };
import { createApp } from "./src/app.ts";
import { ENV_VARS, loadConfig } from "./src/config/load_config.ts";
import { readEnv } from "./src/config/read_env.ts";
import { AppError } from "./src/errors.ts";
import { healthRoute } from "./src/http/health.ts";
import { metricsRoute } from "./src/http/metrics.ts";
import { serveMetrics } from "./src/http/metrics_server.ts";
import { serveHttp } from "./src/http/serve.ts";
import { createLogger } from "./src/log.ts";
import { createMcpServer } from "./src/mcp/server.ts";
import { StdioServerTransport } from "./src/mcp/sdk.ts";

const encoder = new TextEncoder();
const env = await readEnv(ENV_VARS);
const config = env.ok ? loadConfig(env.value) : env;
if (!config.ok) {
  Deno.stderr.writeSync(encoder.encode(`pg-mcp: ${config.error.message}\n`));
  Deno.exit(2);
}
const cfg = config.value;
const log = createLogger({
  level: cfg.observability.logLevel,
  format: cfg.observability.logFormat,
});
// A bad LLM_EXAMPLES_FILE is CONFIG_INVALID naming the line: one message, exit 2, like the config.
const app = await createApp(cfg, log, denoJson.version).catch((error) => {
  if (!(error instanceof AppError)) throw error;
  Deno.stderr.writeSync(encoder.encode(`pg-mcp: ${error.message}\n`));
  Deno.exit(2);
});
// Role check: a warning in the logs (in the background, not delaying the start); with
// SECURITY_REQUIRE_READONLY_ROLE=true it runs first and a role that can write exits with status 2.
if (cfg.security.requireReadonlyRole) {
  const role = await app.checkRole();
  if (!role.ok) {
    Deno.stderr.writeSync(encoder.encode(`pg-mcp: ${role.error.message}\n`));
    await app.close().catch(() => undefined);
    Deno.exit(2);
  }
} else void app.checkRole();

const stops: (() => Promise<unknown>)[] = [];
let stopping = false;
async function stop(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("server.stopping", { reason });
  for (const s of stops) await s().catch(() => undefined);
  await app.close().catch(() => undefined);
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));

if (cfg.server.transport === "http") {
  const http = serveHttp({
    host: cfg.server.host,
    port: cfg.server.port,
    authToken: cfg.server.authToken,
    createServer: () => createMcpServer(app.deps),
    routes: {
      "/health": healthRoute(app.db, denoJson.version),
      ...(cfg.observability.metricsEnabled ? { "/metrics": metricsRoute(app.metrics) } : {}),
    },
    log,
  });
  stops.push(() => http.shutdown());
  log.info("server.started", {
    transport: "http",
    url: `${http.url}/mcp`,
    version: denoJson.version,
  });
} else {
  const server = createMcpServer(app.deps);
  const transport = new StdioServerTransport();
  transport.onclose = () => void stop("stdin closed");
  stops.push(() => server.close());
  await server.connect(transport);
  log.info("server.started", { transport: "stdio", version: denoJson.version });
}

if (cfg.observability.metricsEnabled) {
  const metrics = serveMetrics(
    cfg.server.host,
    cfg.observability.metricsPort,
    app.metrics,
    log,
  );
  if (metrics) stops.push(() => metrics.shutdown());
}
